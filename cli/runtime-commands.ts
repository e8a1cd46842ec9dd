// The commands that run things in a stack's workloads: logs and one-off tasks (run). Both read
// the operations manifest with the AWS SDK (openOps): --stack only, no Pulumi CLI.
import { Command, Option } from "commander";
import { Runner, stackOption } from "./command-helpers";
import type { CliContext } from "./context";
import { DEFAULT_LINES, DEFAULT_SINCE, logsCommand, LogsOptions } from "./logs";
import { runCommand, RunOptions } from "./run-task";

export function registerRuntimeCommands(program: Command, ctx: CliContext, run: Runner): void {
  stackOption(
    program
      .command("run")
      .description(
        "run a one-off task (e.g. a migration) like heroku run: streams its logs, exits with the command's exit code, Ctrl-C stops it",
      )
      .argument("<workload>", "a configured service or worker whose running task definition to use")
      .argument("<command...>", "the command, after --, e.g. -- bin/rails db:migrate"),
  )
    .option("-d, --detach", "start the task and return its id; it keeps running")
    .action(
      run((workload: string, command: string[], opts: RunOptions) =>
        runCommand(ctx, workload, command, opts),
      ),
    );

  stackOption(
    program
      .command("logs")
      .description("print a service's or worker's recent log lines, or follow them (Live Tail)")
      .argument("<workload>", "a configured service or worker"),
  )
    .option(
      "-f, --follow",
      "print new lines as they arrive (CloudWatch Logs Live Tail) until Ctrl-C",
    )
    .option("-t, --task <id>", "only this task's lines (a task id or ARN, as ps shows)")
    .addOption(
      new Option("--since <age>", `how far back: 30s, 15m, 1h, 2d (default ${DEFAULT_SINCE})`),
    )
    .addOption(
      new Option("-n, --lines <count>", `the newest lines to print (default ${DEFAULT_LINES})`),
    )
    .option("--include-proxy", "also the Service Connect proxy's lines")
    .action(run((workload: string, opts: LogsOptions) => logsCommand(ctx, workload, opts)));
}
