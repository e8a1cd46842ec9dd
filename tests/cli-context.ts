// Test doubles for the operations CLI (cli/): a project directory with dev and prod stack
// files, a recording Automation API stack, and a CliContext whose every outside effect is faked.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EngineEvent, OutputMap } from "@pulumi/pulumi/automation";
import { createAwsClients } from "../cli/aws";
import type { AutomationStack, CliContext, StackFactory, Writer } from "../cli/context";
import type { GitRunner } from "../cli/git";
import { main } from "../cli/program";
import { localStacks, MissingStackError } from "../cli/stacks";

const CERTIFICATE =
  "arn:aws:acm:us-east-1:123456789012:certificate/0f4c1a2b-1111-2222-3333-444455556666";

/** Stack files with the company's three workloads: services api and notifications, worker jobs. */
export const STACK_FILES: Record<string, string> = {
  "Pulumi.yaml": fs.readFileSync(path.join(__dirname, "..", "Pulumi.yaml"), "utf8"),
  "Pulumi.dev.yaml": `config:
  aws:region: eu-west-1
  vitcord-infra:environment: dev
  vitcord-infra:services:
    api:
      imageTag: v1.0.0
      autoscaling: { min: 1, max: 4, cpuTarget: 60 }
    notifications:
      image: public.ecr.aws/nginx/nginx:1.27
  vitcord-infra:workers:
    jobs:
      repository: api
      command: [bundle, exec, sidekiq]
`,
  "Pulumi.prod.yaml": `config:
  aws:region: us-east-1
  vitcord-infra:environment: prod
  vitcord-infra:services:
    api:
      imageTag: v1.0.0
      certificateArn: ${CERTIFICATE}
  vitcord-infra:workers:
    jobs:
      repository: api
      command: [bundle, exec, sidekiq]
`,
};

/** A fresh project directory holding `files` (the STACK_FILES by default). */
export function makeProject(files: Record<string, string> = STACK_FILES): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "infra-cli-"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

/** A Writer that keeps what it was given. */
export class Capture implements Writer {
  text = "";
  constructor(readonly isTTY = false) {}
  write(text: string): void {
    this.text += text;
  }
}

/** One Automation API call the CLI made: the method and its arguments (functions kept). */
export interface Call {
  readonly method: string;
  readonly args: unknown[];
}

/** Engine events of a small deploy: one resource created, one unchanged, a summary. */
export const DEPLOY_EVENTS: EngineEvent[] = [
  {
    sequence: 1,
    timestamp: 1,
    resourcePreEvent: {
      metadata: meta("create", "aws:ecs/service:Service", "api"),
    },
  },
  {
    sequence: 2,
    timestamp: 2,
    resourcePreEvent: { metadata: meta("same", "aws:ec2/vpc:Vpc", "vpc") },
  },
  {
    sequence: 3,
    timestamp: 3,
    resOutputsEvent: { metadata: meta("create", "aws:ecs/service:Service", "api") },
  },
  {
    sequence: 4,
    timestamp: 4,
    summaryEvent: {
      maybeCorrupt: false,
      durationSeconds: 75,
      resourceChanges: { create: 1, same: 1 },
      policyPacks: {},
    },
  },
];

function meta(op: "create" | "same", type: string, name: string) {
  return {
    op,
    urn: `urn:pulumi:dev::vitcord-infra::${type}::${name}`,
    type,
    provider: "",
  };
}

/**
 * A recording stand-in for the Automation API `Stack`: every call lands in `calls`; operations
 * replay `events` through the caller's onEvent and resolve like the real ones.
 */
export class FakeStack implements AutomationStack {
  readonly calls: Call[] = [];
  events: EngineEvent[] = DEPLOY_EVENTS;
  stackOutputs: OutputMap = {};
  failWith?: Error;

  constructor(readonly name: string) {}

  private operate(method: string, args: unknown[]) {
    this.calls.push({ method, args });
    if (this.failWith !== undefined) return Promise.reject(this.failWith);
    const opts = args[0] as { onEvent?: (e: EngineEvent) => void } | undefined;
    for (const event of this.events) opts?.onEvent?.(event);
    const changes = { create: 1, same: 1 };
    const summary = {
      kind: method,
      startTime: new Date(0),
      endTime: new Date(75_000),
      message: "",
      environment: {},
      config: {},
      result: "succeeded",
      version: 2,
      resourceChanges: changes,
    };
    return Promise.resolve({
      stdout: "",
      stderr: "",
      summary,
      changeSummary: changes,
      outputs: this.stackOutputs,
    });
  }

  setConfig = (...args: unknown[]): Promise<void> => {
    this.calls.push({ method: "setConfig", args });
    return Promise.resolve();
  };
  removeConfig = (...args: unknown[]): Promise<void> => {
    this.calls.push({ method: "removeConfig", args });
    return Promise.resolve();
  };
  preview = ((...args: unknown[]) => this.operate("preview", args)) as AutomationStack["preview"];
  previewRefresh = ((...args: unknown[]) =>
    this.operate("previewRefresh", args)) as AutomationStack["previewRefresh"];
  previewDestroy = ((...args: unknown[]) =>
    this.operate("previewDestroy", args)) as AutomationStack["previewDestroy"];
  up = ((...args: unknown[]) => this.operate("up", args)) as AutomationStack["up"];
  refresh = ((...args: unknown[]) => this.operate("refresh", args)) as AutomationStack["refresh"];
  destroy = ((...args: unknown[]) => this.operate("destroy", args)) as AutomationStack["destroy"];
  outputs = (): Promise<OutputMap> => {
    this.calls.push({ method: "outputs", args: [] });
    return Promise.resolve(this.stackOutputs);
  };
}

/** What a test reads back after running the CLI. */
export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Stacks selected (opened): [LocalProgramArgs, LocalWorkspaceOptions] each. */
  readonly opened: unknown[][];
  /** Stacks created (`init`): [LocalProgramArgs, LocalWorkspaceOptions] each. */
  readonly created: unknown[][];
  /** git commands run, as their argument lists. */
  readonly gitCalls: string[][];
  readonly stack: FakeStack;
  readonly prompts: string[];
  readonly sleeps: number[];
  /** Programs run on the terminal (`spawnInteractive`): the command and its arguments. */
  readonly spawned: { readonly command: string; readonly args: readonly string[] }[];
}

export interface FakeOptions {
  readonly projectDir?: string;
  readonly env?: Record<string, string | undefined>;
  /** PATH lookup; the default finds `pulumi`. */
  readonly findExecutable?: (name: string) => string | undefined;
  readonly interactive?: boolean;
  readonly answer?: string;
  readonly stack?: FakeStack;
  /** The stacks the backend holds (select fails for others); every stack by default. */
  readonly existingStacks?: readonly string[];
  /** git as the CLI sees it; by default a clean working tree in step with origin/main. */
  readonly git?: GitRunner;
  /** The real stacks (LocalWorkspace over the `pulumi` on PATH) instead of the recording fake. */
  readonly realStacks?: boolean;
  readonly tty?: boolean;
  /** The exit code of a program run on the terminal (`spawnInteractive`); 0 by default. */
  readonly interactiveExitCode?: number;
  /** Called on every sleep; may abort the controller to stop a loop. */
  readonly onSleep?: (count: number, abort: AbortController) => void;
}

/** git in a clean working tree on main, in step with origin/main. */
export const CLEAN_GIT: GitRunner = (args) => {
  const answers: Record<string, string> = {
    "rev-parse --is-inside-work-tree": "true\n",
    "rev-parse --abbrev-ref HEAD": "main\n",
    "rev-parse --abbrev-ref --symbolic-full-name @{u}": "origin/main\n",
    "rev-list --left-right --count HEAD...@{u}": "0\t0\n",
  };
  return Promise.resolve({ code: 0, stdout: answers[args.join(" ")] ?? "", stderr: "" });
};

/** Stacks that hand out `stack` and record each select (`opened`) and create (`created`). */
function recordingStacks(
  stack: FakeStack,
  options: FakeOptions,
  opened: unknown[][],
  created: unknown[][],
): StackFactory {
  const exists = (name: string) => options.existingStacks?.includes(name) ?? true;
  return {
    select: (args, opts) => {
      opened.push([args, opts]);
      if (!exists(args.stackName)) return Promise.reject(new MissingStackError(args.stackName));
      return Promise.resolve(stack);
    },
    create: (args, opts) => {
      created.push([args, opts]);
      if (exists(args.stackName)) {
        const error = new Error(`stack '${args.stackName}' already exists`);
        error.name = "StackAlreadyExistsError";
        return Promise.reject(error);
      }
      return Promise.resolve(stack);
    },
  };
}

/**
 * Runs the CLI on `argv` with everything outside it faked; never touches Pulumi or AWS (with
 * `realStacks`, Pulumi is whatever `pulumi` is first on PATH: tests/fake-pulumi.ts).
 */
export async function runCli(argv: string[], options: FakeOptions = {}): Promise<Run> {
  const stdout = new Capture(options.tty ?? false);
  const stderr = new Capture(options.tty ?? false);
  const opened: unknown[][] = [];
  const created: unknown[][] = [];
  const gitCalls: string[][] = [];
  const git = options.git ?? CLEAN_GIT;
  const prompts: string[] = [];
  const sleeps: number[] = [];
  const spawned: Run["spawned"] = [];
  const stack = options.stack ?? new FakeStack("dev");
  const abort = new AbortController();
  const ctx: CliContext = {
    projectDir: options.projectDir ?? makeProject(),
    env: options.env ?? { PULUMI_BACKEND_URL: "s3://vitcord-state", PULUMI_CONFIG_PASSPHRASE: "" },
    stdout,
    stderr,
    interactive: options.interactive ?? false,
    prompt: (question) => {
      prompts.push(question);
      return Promise.resolve(options.answer ?? "");
    },
    sleep: (ms) => {
      sleeps.push(ms);
      options.onSleep?.(sleeps.length, abort);
      return Promise.resolve();
    },
    now: () => Date.parse("2026-01-01T12:00:00Z"),
    findExecutable: options.findExecutable ?? ((name) => `/usr/local/bin/${name}`),
    spawnInteractive: (command, args) => {
      spawned.push({ command, args: [...args] });
      return Promise.resolve(options.interactiveExitCode ?? 0);
    },
    stacks:
      options.realStacks === true ? localStacks : recordingStacks(stack, options, opened, created),
    git: (args, cwd) => {
      gitCalls.push([...args]);
      return git(args, cwd);
    },
    aws: createAwsClients,
    signal: abort.signal,
  };
  const code = await main(argv, ctx);
  return {
    code,
    stdout: stdout.text,
    stderr: stderr.text,
    opened,
    created,
    gitCalls,
    stack,
    prompts,
    sleeps,
    spawned,
  };
}
