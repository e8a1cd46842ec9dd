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

/**
 * Runs the program for a stack under mocks: with the stack file's config, or with `changes`
 * (`{ network: {...} }` or `{ "aws:region": "eu-west-1" }`, `undefined` removes a key) on top.
 */
export async function runProgram(
  stack: string,
  changes?: Record<string, unknown>,
): Promise<ProgramRun> {
  return new ProgramRun(await synthesize({ stack, config: stackConfig(stack, changes) }));
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
