// The commands that look at a stack's running workloads and act on their tasks: ps, status,
// releases, restart, exec. All read the operations manifest with the AWS SDK (no Pulumi CLI).
import type { Command } from "commander";
import { Runner, stackOption } from "./command-helpers";
import type { CliContext } from "./context";
import { ExecOptions, execCommand } from "./exec";
import { HistoryOptions, releasesCommand } from "./history";
import type { ObserveOptions } from "./observe";
import { psCommand } from "./ps";
import { RestartOptions, restartCommand } from "./restart";

export function registerObserveCommands(program: Command, ctx: CliContext, run: Runner): void {
  stackOption(
    program
      .command("ps")
      .description(
        "each workload's tasks (id, revision, health, zone, capacity, image tag and digest, start), rollout and last events; " +
          "a failed rollout or a crash loop is listed first and exits 1",
      )
      .argument("[workload]", "a configured service or worker (default: all)"),
  )
    .option("--json", "print it as JSON")
    .action(
      run((workload: string | undefined, opts: ObserveOptions) => psCommand(ctx, workload, opts)),
    );

  stackOption(
    program
      .command("status")
      .description(
        "ps over every workload: tasks, rollouts, events, maintenance (exits 1 on a failed rollout or a crash loop)",
      ),
  )
    .option("--json", "print it as JSON")
    .action(run((opts: ObserveOptions) => psCommand(ctx, undefined, opts)));

  stackOption(
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

  stackOption(
    program
      .command("restart")
      .description(
        "restart a workload: a new deployment of the same task definition, verified; --task stops one task and waits for ECS to replace it",
      )
      .argument("<workload>", "a configured service or worker"),
  )
    .option("--task <id>", "restart only this task (its id as ps shows it, or its ARN)")
    .action(run((workload: string, opts: RestartOptions) => restartCommand(ctx, workload, opts)));

  stackOption(
    program
      .command("exec")
      .description(
        "open a shell (or run a command) in a running container with ECS Exec; needs execEnabled and the Session Manager plugin",
      )
      .argument("<workload>", "a service or worker with ECS Exec enabled")
      .argument(
        "[command...]",
        "the command, after --, e.g. -- bin/rails console (default: /bin/sh)",
      ),
  )
    .option(
      "--task <id>",
      "the task (its id as ps shows it, or its ARN); default: the newest running one",
    )
    .action(
      run((workload: string, command: string[], opts: ExecOptions) =>
        execCommand(ctx, workload, command, opts),
      ),
    );
}
