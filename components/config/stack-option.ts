/**
 * `--stack` as npm delivers it. Before `--`, npm keeps options for itself: `npm run plan
 * --stack=prod` reaches the script as the environment variable npm_config_stack=prod and no
 * argument, and `npm run plan --stack prod` as npm_config_stack=true with `prod` left as an
 * argument. The plan and the CLI honour the first form and refuse the second.
 */

/** A `--stack` that cannot be honoured: printed as its message alone, exit code 1. */
export class StackOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackOptionError";
  }
}

/** What a command's --help says about the two ways to give --stack. */
export const NPM_STACK_HELP =
  "before --, npm passes --stack=<name> on as npm_config_stack, which is honoured; " +
  "given both ways, the two must name the same stack";

/**
 * Refuses a `--stack` npm swallowed without its value (`--stack prod` or `--stack=` before
 * `--`). Call it before parsing the arguments: the stranded name would read as an argument.
 * `usage` is the command to show, e.g. `npm run plan`.
 */
export function checkNpmStack(env: Readonly<Record<string, string | undefined>>, usage: string) {
  const npmStack = env.npm_config_stack;
  if (npmStack === "true" || npmStack === "") {
    throw new StackOptionError(
      "npm kept --stack for itself and passed no stack name (it only passes --stack=<name> on): " +
        `write ${usage} --stack=<name>, or put the option after --: ${usage} -- --stack <name>`,
    );
  }
}

/**
 * The stack to use: `--stack` from the arguments, else npm's npm_config_stack, else undefined
 * (the caller's default or a "required" error). Different stacks given both ways are refused.
 */
export function resolveStack(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  usage: string,
): string | undefined {
  checkNpmStack(env, usage);
  const npmStack = env.npm_config_stack;
  if (npmStack === undefined || flag === npmStack) return flag ?? npmStack;
  if (flag === undefined) return npmStack;
  throw new StackOptionError(
    `two different stacks: --stack=${npmStack} before -- (npm passes it on as npm_config_stack) ` +
      `and --stack ${flag} after it. Give --stack once, e.g. ${usage} -- --stack ${flag}`,
  );
}
