// plan/engine/fast-start.ts: the plan's stand-ins for Pulumi's closure serializer and code paths.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { installStandIns, PLAN_ENTRIES, STANDING_IN, standIn } from "../plan/engine/fast-start";

const SERIALIZER = "@pulumi/pulumi/runtime/closure/serializeClosure";
const CODE_PATHS = "@pulumi/pulumi/runtime/closure/codePaths";
const RUNTIME = "@pulumi/pulumi/runtime";

/** A resolver that maps each module name to a fake file, so tests never touch the real cache. */
const fakeResolve = (request: string) => `/fake/${request}.js`;

describe("plan start-up stand-ins (plan/engine/fast-start.ts)", () => {
  it("stands in for exactly Pulumi's closure serializer and code-path computation", () => {
    assert.deepEqual(Object.keys(STANDING_IN).sort(), [CODE_PATHS, SERIALIZER]);
  });

  it("a stand-in's every export throws a clear error naming the export, module and purpose", () => {
    const module = standIn(SERIALIZER, "serializing a JavaScript function");
    const serializeFunction = module.serializeFunction as () => unknown;
    assert.equal(typeof serializeFunction, "function");
    assert.throws(serializeFunction, {
      message:
        "the offline plan does not support serializing a JavaScript function: serializeFunction " +
        `from ${SERIALIZER} was called. It is left out at start-up by plan/engine/fast-start.ts; ` +
        "deploy with the Pulumi CLI, or remove the import of ./engine/fast-start from " +
        "plan/main.ts to plan this program.",
    });
    assert.throws(module.anyOtherExport as () => unknown, /: anyOtherExport from @pulumi\/pulumi/);
  });

  it("a stand-in looks like a compiled ES module and is not a thenable", () => {
    const module = standIn(CODE_PATHS, "computing code paths");
    assert.equal(module.__esModule, true);
    assert.equal(module.then, undefined);
    assert.equal((module as Record<symbol, unknown>)[Symbol.toPrimitive], undefined);
  });

  it("installs both stand-ins in an empty module cache, under the resolved file names", () => {
    const cache: NodeJS.Dict<NodeJS.Module> = {};
    assert.deepEqual(installStandIns(cache, fakeResolve).sort(), [CODE_PATHS, SERIALIZER]);
    assert.deepEqual(Object.keys(cache).sort(), [
      `/fake/${CODE_PATHS}.js`,
      `/fake/${SERIALIZER}.js`,
    ]);
    const entry = cache[`/fake/${SERIALIZER}.js`]!;
    assert.equal(entry.loaded, true);
    assert.equal(entry.filename, `/fake/${SERIALIZER}.js`);
    assert.throws(
      entry.exports.serializeFunction as () => unknown,
      /offline plan does not support/,
    );
  });

  it("replaces nothing once Pulumi's runtime or either real module is loaded", () => {
    for (const loaded of [RUNTIME, SERIALIZER, CODE_PATHS]) {
      const real = { exports: { real: true } } as unknown as NodeJS.Module;
      const cache: NodeJS.Dict<NodeJS.Module> = { [fakeResolve(loaded)]: real };
      assert.deepEqual(installStandIns(cache, fakeResolve), [], loaded);
      assert.deepEqual(Object.keys(cache), [fakeResolve(loaded)], loaded);
      assert.equal(cache[fakeResolve(loaded)], real, loaded);
    }
  });

  it("is for the plan's entry point only: importing plan/main.ts elsewhere keeps the real modules", () => {
    assert.deepEqual(
      PLAN_ENTRIES,
      ["main.ts", "bench.ts"].map((file) => path.resolve(__dirname, "..", "plan", file)),
    );
    // Loaded here, not at the top, so that the check follows the import it is about.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require("../plan/main");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require("@pulumi/pulumi");
    for (const name of Object.keys(STANDING_IN)) {
      // A stand-in has no own keys; the real modules list their functions.
      const exports = require.cache[require.resolve(name)]?.exports as object;
      assert.ok(Object.keys(exports).length > 0, name);
    }
  });
});
