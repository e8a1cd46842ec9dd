import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { PROJECT_DIR, readStackConfig } from "../../components/config/stack-files";
import { answerInvoke, resourceState } from "./stand-ins";

/** One resource the program declared, as the engine received it. */
export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** The URN of the parent component, if any. */
  readonly parentUrn?: string;
  /** The parent's type and name (`vitcord:network:PrivateNetwork`, `network`). */
  readonly parent?: { readonly type: string; readonly name: string };
  readonly custom: boolean;
  readonly inputs: Record<string, unknown>;
  /** The `protect` and `retainOnDelete` resource options (statefulResourceOptions in prod). */
  readonly protect?: boolean;
  readonly retainOnDelete?: boolean;
  /** The `ignoreChanges` resource option (e.g. `desiredCount` where autoscaling owns it). */
  readonly ignoreChanges?: readonly string[];
  /** The `deleteBeforeReplace` resource option (a replacement that cannot coexist with the old). */
  readonly deleteBeforeReplace?: boolean;
  /**
   * The URNs the engine is told this resource depends on (from its input Outputs and `dependsOn`):
   * the order a real deployment creates things in.
   */
  readonly dependencies?: readonly string[];
  /** The outputs the stand-in engine answered with. */
  readonly state: Record<string, unknown>;
}

export interface Synthesis {
  readonly stack: string;
  readonly resources: readonly RecordedResource[];
  /** The program's stack outputs, resolved. */
  readonly outputs: Record<string, unknown>;
}

export interface SynthesizeOptions {
  /** Stack name, as in `pulumi stack select`. */
  readonly stack: string;
  /** The raw config map (`namespace:key` → string). @default the stack's Pulumi.<stack>.yaml */
  readonly config?: Record<string, string>;
  /** The program module. @default the project's index.ts */
  readonly program?: string;
  /** Filled with each resource as it is declared; lets a caller count them when the program fails. */
  readonly records?: RecordedResource[];
  /**
   * SSM parameters (full names) the stand-in account holds, e.g. config vars
   * `/vitcord/dev/config/api/FEATURE_FLAG`, which the program reads with getParametersByPath.
   * @default none
   */
  readonly ssmParameters?: readonly string[];
}

export const PROJECT_NAME = "vitcord-infra";

/** Splits `urn:pulumi:stack::project::a$b$type::name` into the last type and the name. */
export function parseUrn(urn: string): { type: string; name: string } {
  const parts = urn.split("::");
  const qualifiedType = parts[2] ?? "";
  return { type: qualifiedType.split("$").pop() ?? "", name: parts.slice(3).join("::") };
}

/** Resolves an Output (or a plain value) to its value; unknown values come back undefined. */
export function resolve<T>(value: pulumi.Input<T>): Promise<T> {
  return new Promise((done) => pulumi.output(value).apply((v) => done(v as T)));
}

type RegisterRequest = {
  getParent(): string;
  getType(): string;
  getName(): string;
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
  getIgnorechangesList(): string[];
  getDeletebeforereplace(): boolean;
  getDependenciesList(): string[];
};
type Callback = (err: unknown, response: unknown) => void;

/**
 * Runs the real program under Pulumi's mock engine and records every resource it declares, with
 * its type, name, parent and inputs. Invokes and computed outputs come from the stand-ins. A bad
 * config surfaces as the program's own error (a ConfigError) with nothing recorded.
 */
export async function synthesize(options: SynthesizeOptions): Promise<Synthesis> {
  const config = options.config ?? readStackConfig(options.stack);
  const region = config["aws:region"] ?? "us-east-1";
  const records: RecordedResource[] = options.records ?? [];
  const pendingParents = new Map<string, string[]>();
  type DeclaredOptions = Pick<
    RecordedResource,
    "protect" | "retainOnDelete" | "ignoreChanges" | "dependencies" | "deleteBeforeReplace"
  >;
  const pendingOptions = new Map<string, DeclaredOptions[]>();

  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const key = `${args.type}::${args.name}`;
        const parentUrn = pendingParents.get(key)?.shift() || undefined;
        const declared = pendingOptions.get(key)?.shift();
        const { id, state } = resourceState(
          args.type,
          args.name,
          args.inputs as Record<string, unknown>,
          { region },
        );
        // The same URN the mock monitor gives it: the parent's type chained before its own.
        const parentType = parentUrn === undefined ? undefined : parseUrn(parentUrn).type;
        const qualifiedType = parentType === undefined ? args.type : `${parentType}$${args.type}`;
        const urn = `urn:pulumi:${options.stack}::${PROJECT_NAME}::${qualifiedType}::${args.name}`;
        records.push({
          type: args.type,
          name: args.name,
          urn,
          parentUrn,
          parent: parentUrn === undefined ? undefined : parseUrn(parentUrn),
          custom: args.custom ?? false,
          inputs: args.inputs as Record<string, unknown>,
          protect: declared?.protect ?? false,
          retainOnDelete: declared?.retainOnDelete ?? false,
          ignoreChanges: declared?.ignoreChanges ?? [],
          deleteBeforeReplace: declared?.deleteBeforeReplace ?? false,
          dependencies: declared?.dependencies ?? [],
          state,
        });
        return { id, state };
      },
      call(args) {
        return answerInvoke(args.token, args.inputs as Record<string, unknown>, {
          region,
          ssmParameters: options.ssmParameters,
        });
      },
    },
    PROJECT_NAME,
    options.stack,
    false,
  );
  pulumi.runtime.setAllConfig(config);

  // The mock monitor passes neither the parent nor the resource options to newResource, so note
  // them on the way in.
  const monitor = settings.getMonitor() as unknown as MockMonitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request: RegisterRequest, callback: Callback) => {
    const key = `${request.getType()}::${request.getName()}`;
    pendingParents.set(key, [...(pendingParents.get(key) ?? []), request.getParent()]);
    const declared = {
      protect: request.getProtect() ?? false,
      retainOnDelete: request.getRetainondelete() ?? false,
      ignoreChanges: request.getIgnorechangesList(),
      deleteBeforeReplace: request.getDeletebeforereplace(),
      dependencies: request.getDependenciesList(),
    };
    pendingOptions.set(key, [...(pendingOptions.get(key) ?? []), declared]);
    return register(request, callback);
  };

  // A program is a module with side effects: load it afresh for every run.
  const program = require.resolve(options.program ?? path.join(PROJECT_DIR, "index.ts"));
  delete require.cache[program];
  // Internal to the SDK but exported: resolves once every registration and invoke has finished.
  const { waitForRPCs } = settings as unknown as { waitForRPCs: (this: void) => Promise<void> };

  // Pulumi captures a stack trace for every promise and resource, and ts-node's source-map
  // support rewrites each one: synthesis runs three times faster without it. Restored afterwards,
  // so the caller's own errors keep their TypeScript lines.
  const errorConstructor = Error as { prepareStackTrace?: unknown };
  const prepareStackTrace = errorConstructor.prepareStackTrace;
  delete errorConstructor.prepareStackTrace;
  // Capturing and formatting those traces (runtime/debuggable.js, Resource.callsites) was still
  // half of a synthesis; they only serve leak reports and source positions, which the mock engine
  // ignores. So none are captured: errors the program throws keep their message, and PLAN_DEBUG=1
  // (which makes the plan print an unexpected error's stack) keeps their traces too.
  const stackTraceLimit = Error.stackTraceLimit;
  if (!process.env.PLAN_DEBUG) Error.stackTraceLimit = 0;
  // An error the program throws inside an apply (a config var clashing with the stack file, a
  // manifest too large for SSM) rejects a promise nobody awaits: the real engine reports it and
  // fails the update; here it fails the synthesis with the same message instead of the process.
  // The resource whose input failed never finishes registering, so waitForRPCs would wait
  // forever: every wait below races this.
  let onUnhandled: (reason: unknown) => void = () => undefined;
  const applyFailed = new Promise<never>((_resolve, reject) => {
    onUnhandled = reject;
  });
  applyFailed.catch(() => undefined);
  process.on("unhandledRejection", onUnhandled);
  try {
    let exported: Record<string, unknown>;
    try {
      exported = (await import(program)) as Record<string, unknown>;
    } catch (error) {
      await waitForRPCs();
      throw error;
    }

    const outputs: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(exported)) {
      if (key !== "default" && key !== "__esModule") {
        outputs[key] = await Promise.race([resolve(value), applyFailed]);
      }
    }
    await Promise.race([waitForRPCs(), applyFailed]);
    return { stack: options.stack, resources: records, outputs };
  } finally {
    process.off("unhandledRejection", onUnhandled);
    if (prepareStackTrace !== undefined) errorConstructor.prepareStackTrace = prepareStackTrace;
    Error.stackTraceLimit = stackTraceLimit;
  }
}
