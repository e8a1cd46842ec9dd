import * as fs from "node:fs";
import * as path from "node:path";
import * as readline from "node:readline/promises";
import { AwsClientFactory, createAwsClients } from "./aws";
import { GitRunner, runGit } from "./git";
import { localStacks, StackFactory } from "./stacks";

export type { AutomationStack, StackFactory } from "./stacks";

/** Where the CLI writes: stdout for results, stderr for progress and notes. */
export interface Writer {
  write(text: string): void;
  /** A terminal: progress rewrites one line instead of printing one per resource. */
  readonly isTTY: boolean;
}

/** Everything the CLI touches outside itself, injected so tests need no Pulumi CLI or AWS. */
export interface CliContext {
  /** The Pulumi project: Pulumi.yaml and the Pulumi.<stack>.yaml files. */
  readonly projectDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: Writer;
  readonly stderr: Writer;
  /** True when a person can answer a prompt (stdin and stderr are terminals). */
  readonly interactive: boolean;
  /** Asks a question on the terminal and returns the answer. */
  prompt(question: string): Promise<string>;
  sleep(ms: number): Promise<void>;
  /** Milliseconds since the epoch. */
  now(): number;
  /** The path of an executable on PATH, or undefined. */
  findExecutable(name: string): string | undefined;
  readonly stacks: StackFactory;
  /** Runs git (the working-tree checks before a release to a protected stack). */
  readonly git: GitRunner;
  readonly aws: AwsClientFactory;
  /** Aborted on Ctrl-C: `logs --follow` and `run` stop waiting. */
  readonly signal?: AbortSignal;
}

/** The first executable file called `name` in a PATH string (PATHEXT extensions on Windows). */
export function findOnPath(
  name: string,
  pathEnv: string | undefined,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  const extensions =
    platform === "win32" ? ["", ...(process.env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";")] : [""];
  for (const dir of (pathEnv ?? "").split(path.delimiter)) {
    if (dir === "") continue;
    for (const ext of extensions) {
      const candidate = path.join(dir, name + ext);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) return candidate;
      } catch {
        // not here; keep looking
      }
    }
  }
  return undefined;
}

/** The real world: process streams, the environment, the Pulumi CLI and AWS. */
export function processContext(projectDir: string, signal?: AbortSignal): CliContext {
  const env = process.env;
  return {
    projectDir,
    env,
    stdout: { write: (text) => void process.stdout.write(text), isTTY: !!process.stdout.isTTY },
    stderr: { write: (text) => void process.stderr.write(text), isTTY: !!process.stderr.isTTY },
    interactive: !!process.stdin.isTTY && !!process.stderr.isTTY,
    async prompt(question) {
      const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => Date.now(),
    findExecutable: (name) => findOnPath(name, env.PATH),
    stacks: localStacks,
    git: runGit,
    aws: createAwsClients,
    signal,
  };
}
