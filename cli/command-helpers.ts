// What every command registration shares: the --stack option and the runner that keeps an
// action's exit code (program.ts and the *-commands.ts files).
import type { Command } from "commander";
import { NPM_STACK_HELP } from "../components/config/stack-option";

/** A command's handler: resolves to the exit code. */
export type Action = (...args: never[]) => Promise<number>;

/** Wraps a handler for commander, keeping its exit code (program.ts). */
export type Runner = <A extends Action>(action: A) => (...args: Parameters<A>) => Promise<void>;

/** --stack alone: the runtime commands, which read the operations manifest with the AWS SDK. */
export function stackOption(command: Command): Command {
  return command.option(
    "-s, --stack <name>",
    `the stack (a Pulumi.<name>.yaml in the project), required; ${NPM_STACK_HELP}`,
  );
}

/** --stack and --secrets-provider: the commands that open the stack through Pulumi. */
export function stackOptions(command: Command): Command {
  return stackOption(command).option(
    "--secrets-provider <url>",
    "the stack's secrets provider (init sets it): passphrase (default) or awskms://<key>; default $PULUMI_SECRETS_PROVIDER",
  );
}

/** For repeatable options. */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];
