// Drives tests/fake-pulumi/pulumi, a stand-in for the Pulumi CLI, so tests run the real Automation
// API (LocalWorkspace) through the CLI's own code. Install it in beforeEach, restore in afterEach:
// it puts its folder first on PATH (the Automation API runs `pulumi` from PATH) for that test only.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { OpType } from "@pulumi/pulumi/automation";

/** The folder holding the fake `pulumi` executable. */
export const FAKE_PULUMI_BIN = path.join(__dirname, "fake-pulumi");

/** One invocation of the fake: its arguments, directory and the variables that matter. */
export interface FakePulumiCall {
  readonly argv: string[];
  readonly cwd: string;
  readonly env: {
    readonly PULUMI_BACKEND_URL?: string;
    readonly PULUMI_CONFIG_PASSPHRASE?: string;
  };
}

/** A resource step the fake reports for preview/up/refresh/destroy of a stack. */
export interface FakeStep {
  readonly op: OpType;
  readonly type: string;
  readonly name: string;
  readonly diffs?: string[];
}

export interface FakeStackState {
  outputs?: Record<string, unknown>;
  /** Output names `stack output --json` masks as "[secret]". */
  secretOutputs?: string[];
  /** The steps every operation on this stack reports (none by default). */
  steps?: FakeStep[];
  history?: unknown[];
  secretsProvider?: string;
}

interface FakeState {
  backends: Record<string, { stacks: Record<string, FakeStackState>; current?: string }>;
  /** An error message the named operation (up, refresh, destroy) fails with. */
  failures?: Record<string, string>;
}

export class FakePulumi {
  private readonly saved: { PATH?: string; FAKE_PULUMI_DIR?: string };

  private constructor(readonly dir: string) {
    this.saved = { PATH: process.env.PATH, FAKE_PULUMI_DIR: process.env.FAKE_PULUMI_DIR };
  }

  /** A fresh fake with no stacks, first on PATH until `restore()`. */
  static install(): FakePulumi {
    const fake = new FakePulumi(fs.mkdtempSync(path.join(os.tmpdir(), "fake-pulumi-")));
    fake.write({ backends: {} });
    process.env.PATH = `${FAKE_PULUMI_BIN}${path.delimiter}${process.env.PATH ?? ""}`;
    process.env.FAKE_PULUMI_DIR = fake.dir;
    return fake;
  }

  restore(): void {
    for (const key of ["PATH", "FAKE_PULUMI_DIR"] as const) {
      if (this.saved[key] === undefined) delete process.env[key];
      else process.env[key] = this.saved[key];
    }
  }

  private get statePath(): string {
    return path.join(this.dir, "state.json");
  }

  read(): FakeState {
    return JSON.parse(fs.readFileSync(this.statePath, "utf8")) as FakeState;
  }

  private write(state: FakeState): void {
    fs.writeFileSync(this.statePath, JSON.stringify(state, null, 2));
  }

  private backend(state: FakeState, url: string) {
    return (state.backends[url] ??= { stacks: {} });
  }

  /** Adds a stack to a backend (e.g. "s3://vitcord-state"). */
  addStack(backendUrl: string, name: string, stack: FakeStackState = {}): this {
    const state = this.read();
    this.backend(state, backendUrl).stacks[name] = {
      outputs: {},
      history: [],
      steps: [],
      ...stack,
    };
    this.write(state);
    return this;
  }

  /** Makes `name` the stack the user has selected (`pulumi stack select`). */
  select(backendUrl: string, name: string): this {
    const state = this.read();
    this.backend(state, backendUrl).current = name;
    this.write(state);
    return this;
  }

  /** Makes every later `operation` (up, refresh, destroy) fail with `error: <message>`. */
  failOn(operation: "up" | "refresh" | "destroy", message: string): this {
    const state = this.read();
    state.failures = { ...state.failures, [operation]: message };
    this.write(state);
    return this;
  }

  stacks(backendUrl: string): string[] {
    return Object.keys(this.read().backends[backendUrl]?.stacks ?? {});
  }

  current(backendUrl: string): string | undefined {
    return this.read().backends[backendUrl]?.current;
  }

  calls(): FakePulumiCall[] {
    const file = path.join(this.dir, "calls.jsonl");
    if (!fs.existsSync(file)) return [];
    return fs
      .readFileSync(file, "utf8")
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as FakePulumiCall);
  }

  /** Each call's arguments joined by spaces, e.g. "stack ls --json". */
  commands(): string[] {
    return this.calls().map((call) => call.argv.join(" "));
  }
}
