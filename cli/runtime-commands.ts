// The commands that run things in a stack's workloads: logs and one-off tasks (run).
import type { Command } from "commander";
import { Runner, stackOptions } from "./command-helpers";
import type { CliContext } from "./context";
import type { StackOptions } from "./deploy";
import { logsCommand } from "./logs";
import { runCommand } from "./run-task";

export function registerRuntimeCommands(program: Command, ctx: CliContext, run: Runner): void {
  stackOptions(
    program
      .command("run")
      .description("run a one-off task (e.g. a migration); exits with the command's exit code")
      .argument("<workload>", "a configured service or worker whose task definition to use")
      .argument("<command...>", "the command, after --, e.g. -- bin/rails db:migrate"),
  ).action(
    run((workload: string, command: string[], opts: StackOptions) =>
      runCommand(ctx, workload, command, opts),
    ),
  );

  stackOptions(
    program
      .command("logs")
      .description("print a service's or worker's logs")
      .argument("<workload>", "a configured service or worker"),
  )
    .option("--since <age>", "how far back: 30s, 15m, 1h, 2d", "1h")
    .option("-f, --follow", "keep printing new lines until Ctrl-C")
    .action(
      run((workload: string, opts: StackOptions & { since?: string; follow?: boolean }) =>
        logsCommand(ctx, workload, opts),
      ),
    );
}
