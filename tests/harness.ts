/**
 * The shared mock harness: every test that runs the program goes through here. It wraps the
 * synthesis engine that `npm run plan` uses (plan/engine/synth.ts), so tests and plan see the
 * same resources, and adds the look-ups assertions need.
 */
import { RecordedResource, resolve, synthesize, Synthesis } from "../plan/engine/synth";
import { readStackConfig } from "../components/config/stack-files";

export { resolve as promiseOf, RecordedResource };

export class ProgramRun {
  constructor(readonly synthesis: Synthesis) {}

  get resources(): readonly RecordedResource[] {
    return this.synthesis.resources;
  }

  get outputs(): Record<string, unknown> {
    return this.synthesis.outputs;
  }

  /** Every resource of a type (`aws:ec2/flowLog:FlowLog`, `awsx:ec2:Vpc`). */
  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  /** The one resource of a type; fails if there are none or several. */
  one(type: string, name?: string): RecordedResource {
    const found = this.ofType(type).filter((r) => name === undefined || r.name === name);
    if (found.length !== 1) {
      throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}`);
    }
    return found[0]!;
  }

  /** The direct children of a resource. */
  childrenOf(parent: RecordedResource): RecordedResource[] {
    return this.resources.filter((r) => r.parentUrn === parent.urn);
  }
}

/** A config map for a stack: its Pulumi.<stack>.yaml with keys set or removed. */
export function stackConfig(
  stack: string,
  changes: Record<string, unknown> = {},
): Record<string, string> {
  const config = readStackConfig(stack);
  for (const [key, value] of Object.entries(changes)) {
    const fullKey = key.includes(":") ? key : `vitcord-infra:${key}`;
    if (value === undefined) delete config[fullKey];
    else config[fullKey] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return config;
}

/** Freezes a value and everything reachable from it, so a shared synthesis cannot be edited. */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Syntheses already run in this process, by stack and config. The program is deterministic for a
 * stack and config, and a synthesis is only read, so tests that ask for the same one share it
 * (a third of the suite's syntheses are the stack files as they are). Each is frozen: a test that
 * edited a shared synthesis would fail with a TypeError instead of changing what others see.
 */
const syntheses = new Map<string, Promise<Synthesis>>();

/**
 * Runs the program for a stack under mocks: with the stack file's config, or with `changes`
 * (`{ network: {...} }` or `{ "aws:region": "eu-west-1" }`, `undefined` removes a key) on top.
 * `account.ssmParameters` are SSM parameters the stand-in account holds (config vars). The same
 * stack, resulting config and parameters give the same (shared, frozen) synthesis.
 */
export async function runProgram(
  stack: string,
  changes?: Record<string, unknown>,
  account: { readonly ssmParameters?: readonly string[] } = {},
): Promise<ProgramRun> {
  const config = stackConfig(stack, changes);
  const ssmParameters = account.ssmParameters ?? [];
  const key = JSON.stringify([
    stack,
    Object.entries(config).sort(([a], [b]) => a.localeCompare(b)),
    ssmParameters,
  ]);
  let synthesis = syntheses.get(key);
  if (synthesis === undefined) {
    synthesis = synthesize({ stack, config, ssmParameters }).then(deepFreeze);
    syntheses.set(key, synthesis);
    // A failed run is not kept: the next caller sees the error afresh.
    synthesis.catch(() => syntheses.delete(key));
  }
  return new ProgramRun(await synthesis);
}

/** Runs the program with a config that must fail, and returns the error and what was declared. */
export async function runInvalid(
  stack: string,
  changes: Record<string, unknown>,
): Promise<{ error: Error; declared: number }> {
  const records: RecordedResource[] = [];
  try {
    await synthesize({ stack, config: stackConfig(stack, changes), records });
  } catch (error) {
    return { error: error as Error, declared: records.length };
  }
  throw new Error(
    `expected the config to be rejected, but ${records.length} resources were declared`,
  );
}
