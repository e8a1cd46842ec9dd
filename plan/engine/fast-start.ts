/**
 * Loaded first by the plan's entry (plan/main.ts) to cut its start-up: keeps `@pulumi/pulumi` from
 * loading modules that the offline plan never runs, chiefly `@npmcli/arborist` (about a sixth of
 * Pulumi's load time).
 *
 * `@pulumi/pulumi/runtime` requires, eagerly, its closure serializer
 * (`runtime/closure/serializeClosure`, which parses function text with the TypeScript compiler)
 * and its code-path computation (`runtime/closure/codePaths`, which loads `@npmcli/arborist`).
 * They only serve `pulumi.runtime.serializeFunction` (Lambda callback functions, dynamic
 * providers, awsx's image-building functions) and `pulumi.runtime.computeCodePaths` (packaging a
 * Lambda's node_modules). The mock engine calls neither, and the program declares no function to
 * serialize.
 *
 * Fail-safe: in their place sit stand-ins whose every export is a function that throws a clear
 * error, so a program that starts using them stops the plan with that message instead of
 * printing a wrong plan. Only when plan/main.ts (or plan/bench.ts) is the process's entry point,
 * and only before Pulumi's runtime is loaded: the unit tests (which import plan/main.ts too) keep
 * the real modules. tests/fast-start.test.ts checks this file.
 */
import Module from "node:module";
import * as path from "node:path";

/** The Pulumi modules replaced, with what they are for (said in the error if one is used). */
export const STANDING_IN: Readonly<Record<string, string>> = {
  "@pulumi/pulumi/runtime/closure/serializeClosure":
    "serializing a JavaScript function (a Lambda callback or a dynamic provider)",
  "@pulumi/pulumi/runtime/closure/codePaths": "computing the code paths to package for a Lambda",
};

/**
 * An object standing in for a module: every export is a function that throws a clear error.
 * `__esModule` is true so TypeScript's import helpers use it as is.
 */
export function standIn(moduleName: string, purpose: string): Record<string, unknown> {
  return new Proxy(
    {},
    {
      get(_target, key) {
        if (key === "__esModule") return true;
        // Not a thenable, and no answer to symbol look-ups (inspection, coercion).
        if (typeof key !== "string" || key === "then") return undefined;
        return () => {
          throw new Error(
            `the offline plan does not support ${purpose}: ${key} from ${moduleName} was called. ` +
              `It is left out at start-up by plan/engine/fast-start.ts; deploy with the Pulumi CLI, ` +
              `or remove the import of ./engine/fast-start from plan/main.ts to plan this program.`,
          );
        };
      },
    },
  );
}

/**
 * Puts the stand-ins in the module cache, unless Pulumi's runtime is already loaded (then its
 * real modules are in use and stay). Returns the module names it replaced.
 */
export function installStandIns(
  cache: NodeJS.Dict<NodeJS.Module> = require.cache,
  resolve: (request: string) => string = require.resolve,
): string[] {
  const files = Object.keys(STANDING_IN).map((name) => resolve(name));
  const runtimeIndex = resolve("@pulumi/pulumi/runtime");
  if (cache[runtimeIndex] !== undefined || files.some((file) => cache[file] !== undefined)) {
    return [];
  }
  return Object.entries(STANDING_IN).map(([name, purpose], i) => {
    const file = files[i]!;
    const module = new Module(file);
    module.filename = file;
    module.loaded = true;
    module.exports = standIn(name, purpose);
    cache[file] = module;
    return name;
  });
}

/** The processes the stand-ins are for: the plan, and the bench (which times a plan in a child). */
export const PLAN_ENTRIES: readonly string[] = ["main.ts", "bench.ts"].map((file) =>
  path.join(__dirname, "..", file),
);

if (PLAN_ENTRIES.includes(require.main?.filename ?? "")) installStandIns();
