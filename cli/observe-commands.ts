// The commands that look at a stack's running workloads: ps, status, releases (and restart, exec).
import type { Command } from "commander";
import { Runner, stackOptions } from "./command-helpers";
import type { CliContext } from "./context";
import { HistoryOptions, releasesCommand } from "./history";
import { statusCommand } from "./observe";
import type { StackOptions } from "./deploy";

export function registerObserveCommands(program: Command, ctx: CliContext, run: Runner): void {
  stackOptions(
    program
      .command("releases")
      .description(
        "list a service's or worker's releases (task-definition revisions) newest first: time, tag, digest, which runs",
      )
      .argument("<workload>", "a configured service or worker"),
  )
    .option("--limit <n>", "how many revisions to show", "10")
    .option("--json", "print them as JSON")
    .action(run((workload: string, opts: HistoryOptions) => releasesCommand(ctx, workload, opts)));

  stackOptions(
    program
      .command("status")
      .description(
        "desired/running/pending tasks and the rollout of every workload (exits 1 while one has failed)",
      ),
  )
    .option("--json", "print it as JSON")
    .action(run((opts: StackOptions) => statusCommand(ctx, opts)));
}
