// The Automation API's stacks for the program on disk, without its two habits that surprise
// people: creating a stack that does not exist, and switching the user's selected stack.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import {
  LocalWorkspace,
  Stack,
  type LocalProgramArgs,
  type LocalWorkspaceOptions,
} from "@pulumi/pulumi/automation";

/** The part of an Automation API `Stack` the CLI uses; tests hand in a recording fake. */
export type AutomationStack = Pick<
  Stack,
  | "name"
  | "setConfig"
  | "removeConfig"
  | "preview"
  | "previewRefresh"
  | "previewDestroy"
  | "up"
  | "refresh"
  | "destroy"
  | "outputs"
>;

/**
 * Stacks of the program on disk (the project directory). Neither method changes the stack the user
 * has selected with `pulumi stack select`; neither creates a stack by accident.
 */
export interface StackFactory {
  /** An existing stack; a `MissingStackError` when the backend has none by that name. */
  select(args: LocalProgramArgs, opts: LocalWorkspaceOptions): Promise<AutomationStack>;
  /** A new, empty stack; an error named `StackAlreadyExistsError` when it exists already. */
  create(args: LocalProgramArgs, opts: LocalWorkspaceOptions): Promise<AutomationStack>;
}

/** The backend has no stack by that name (the Automation API's own error has the same name). */
export class MissingStackError extends Error {
  constructor(readonly stack: string) {
    super(`no stack named '${stack}' found`);
    this.name = "StackNotFoundError";
  }
}

/** `stack ls` prints `dev` on a DIY backend and `org/project/dev` on Pulumi Cloud. */
export function isSameStack(listed: string, stack: string): boolean {
  return listed === stack || listed.endsWith(`/${stack}`);
}

/**
 * Runs one Pulumi CLI command the way the Automation API does (non-interactive, in the project
 * directory, with the workspace's variables); a failure is an Error carrying Pulumi's output, named
 * `StackAlreadyExistsError` when that is what Pulumi said.
 */
async function runPulumi(
  command: string,
  args: readonly string[],
  cwd: string,
  env: Readonly<Record<string, string>>,
): Promise<void> {
  const fullArgs = [...args, "--non-interactive"];
  const options = { cwd, env: { ...process.env, ...env, PULUMI_SKIP_UPDATE_CHECK: "true" } };
  try {
    await promisify(execFile)(command, fullArgs, options);
  } catch (error) {
    const { stderr = "", message } = error as { stderr?: string; message: string };
    const failure = new Error(`${message}\n${stderr}`);
    if (/stack.*already exists/.test(stderr)) failure.name = "StackAlreadyExistsError";
    throw failure;
  }
}

/**
 * A LocalWorkspace whose `selectStack` only checks that the stack exists (`pulumi stack ls`) and
 * whose `createStack` runs `pulumi stack init --no-select`. The stock ones run `pulumi stack
 * select`, which changes the stack the user has selected in this directory; every command the
 * Automation API runs afterwards names the stack with `--stack`, so nothing needs it selected.
 */
async function workspaceFor(
  args: LocalProgramArgs,
  opts: LocalWorkspaceOptions,
): Promise<LocalWorkspace> {
  const workspace = await LocalWorkspace.create({ ...opts, workDir: args.workDir });
  // LocalWorkspace's constructor is private, so the two methods are replaced on the instance.
  workspace.selectStack = async (stack) => {
    const stacks = await workspace.listStacks();
    if (!stacks.some((summary) => isSameStack(summary.name, stack))) {
      throw new MissingStackError(stack);
    }
  };
  workspace.createStack = async (stack) => {
    const provider = opts.secretsProvider;
    const initArgs = ["stack", "init", stack, "--no-select"];
    if (provider !== undefined) initArgs.push("--secrets-provider", provider);
    await runPulumi(
      workspace.pulumiCommand.command,
      initArgs,
      workspace.workDir,
      workspace.envVars,
    );
  };
  return workspace;
}

/** The real stacks: LocalWorkspace over the project directory, driving the `pulumi` on PATH. */
export const localStacks: StackFactory = {
  async select(args, opts) {
    return Stack.select(args.stackName, await workspaceFor(args, opts));
  },
  async create(args, opts) {
    return Stack.create(args.stackName, await workspaceFor(args, opts));
  },
};
