import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
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
  /**
   * Runs a program on this terminal (stdin, stdout and stderr inherited) and resolves to its exit
   * code: `exec` hands the terminal to the Session Manager plugin.
   */
  spawnInteractive(command: string, args: readonly string[]): Promise<number>;
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
    spawnInteractive,
    stacks: localStacks,
    git: runGit,
    aws: createAwsClients,
    signal,
  };
}

/**
 * Runs `command` on this terminal. While it runs, this process ignores Ctrl-C, Ctrl-\ and Ctrl-Z
 * (the terminal sends them to the child too, which forwards them to the remote shell), as the AWS
 * CLI does around session-manager-plugin (awscli/customizations/ecs/executecommand.py,
 * ignore_user_entered_signals); the CLI's own handlers come back afterwards.
 */
function spawnInteractive(command: string, args: readonly string[]): Promise<number> {
  const signals: NodeJS.Signals[] =
    process.platform === "win32" ? ["SIGINT"] : ["SIGINT", "SIGQUIT", "SIGTSTP"];
  const saved = signals.map((signal) => [signal, process.rawListeners(signal)] as const);
  const ignore = () => undefined;
  for (const signal of signals) {
    process.removeAllListeners(signal);
    process.on(signal, ignore);
  }
  const restore = () => {
    for (const [signal, listeners] of saved) {
      process.removeListener(signal, ignore);
      for (const listener of listeners) process.on(signal, listener as () => void);
    }
  };
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { stdio: "inherit" });
    child.once("error", (error) => {
      restore();
      reject(error);
    });
    child.once("exit", (code, signal) => {
      restore();
      resolve(code ?? 128 + (signal !== null ? (os.constants.signals[signal] ?? 0) : 1));
    });
  });
}
