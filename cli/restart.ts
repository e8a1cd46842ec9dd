// `restart <workload> [--task <id>]` (Heroku's ps:restart): a new deployment of the same task
// definition, verified like a release; or one task stopped and its replacement awaited.
import { StopTaskCommand, Task } from "@aws-sdk/client-ecs";
import type { CliContext } from "./context";
import { CliError } from "./errors";
import { describeTasks, listServiceTasks, ObserveOptions } from "./observe";
import { openOps, OpsStack, OpsWorkload, opsWorkload } from "./ops";
import { taskIdOf } from "./ps-view";
import { redeploy } from "./redeploy";
import { describeServices, failureReport, revisionName, RolloutTiming } from "./rollout";
import { findServiceTask, parseTaskRef, TaskRef } from "./service-task";
import { resolveWorkload } from "./workloads";

export interface RestartOptions extends ObserveOptions {
  readonly task?: string;
}

/** How often and how long `restart --task` waits for ECS to replace the stopped task. */
export const REPLACE_TIMING: RolloutTiming = { pollMs: 5_000, timeoutMs: 10 * 60_000 };

/** The StopTask reason, which DescribeTasks shows as the task's stoppedReason. */
export const STOP_REASON = "Task restart by vitcord-infra CLI";

export async function restartCommand(
  ctx: CliContext,
  name: string,
  opts: RestartOptions,
  timing: RolloutTiming = REPLACE_TIMING,
): Promise<number> {
  let ref: TaskRef | undefined;
  const ops = await openOps(ctx, opts.stack, (info) => {
    resolveWorkload(info, name);
    if (opts.task !== undefined) ref = parseTaskRef(opts.task);
  });
  const workload = opsWorkload(ops, name);
  if (ref === undefined) {
    const result = await redeploy(ctx, ops, workload);
    ctx.stdout.write(
      `Restarted ${name}: deployment ${result.deploymentId} of ${revisionName(result.taskDefinitionArn)} completed.\n`,
    );
    return 0;
  }
  return restartTask(ctx, ops, workload, ref, timing);
}

/**
 * Stops one task of the service and waits until ECS has replaced it: as many tasks other than the
 * stopped one RUNNING as the service desires, and the service's runningCount back at desiredCount.
 */
async function restartTask(
  ctx: CliContext,
  ops: OpsStack,
  workload: OpsWorkload,
  ref: TaskRef,
  timing: RolloutTiming,
): Promise<number> {
  const { ecs } = ops.aws;
  const cluster = ops.manifest.cluster.name;
  const serviceName = workload.entry.serviceName;
  const task = await findServiceTask(ecs, cluster, workload, ref);
  const stoppedArn = task.taskArn!;
  const id = taskIdOf(stoppedArn);
  await ecs.send(new StopTaskCommand({ cluster, task: stoppedArn, reason: STOP_REASON }));
  ctx.stderr.write(`Stopped task ${id} of ${workload.name}; waiting for ECS to replace it…\n`);
  let waited = 0;
  for (;;) {
    const service = (await describeServices(ecs, cluster, [serviceName])).get(serviceName);
    const desired = service?.desiredCount ?? 0;
    const others = (await listServiceTasks(ecs, cluster, serviceName)).filter(
      (arn) => arn !== stoppedArn,
    );
    const running: Task[] = [...(await describeTasks(ecs, cluster, others)).values()].filter(
      (t) => t.lastStatus === "RUNNING",
    );
    if (running.length >= desired && (service?.runningCount ?? 0) >= desired) {
      const newest = running.sort(
        (a, b) => (b.startedAt?.getTime() ?? 0) - (a.startedAt?.getTime() ?? 0),
      )[0];
      ctx.stdout.write(
        `Restarted task ${id} of ${workload.name}: ${running.length}/${desired} tasks running` +
          `${newest !== undefined ? `, newest ${taskIdOf(newest.taskArn)}` : ""}.\n`,
      );
      return 0;
    }
    if (ctx.signal?.aborted === true) {
      ctx.stderr.write(
        `Stopped waiting; ECS goes on replacing task ${id}: npm run infra -- ps ${workload.name} --stack ${ops.info.stack}\n`,
      );
      return 130;
    }
    if (waited >= timing.timeoutMs) {
      const reason =
        `task ${id} was stopped, but after ${Math.round(waited / 60_000)} minutes ECS runs ` +
        `${running.length} of ${desired} tasks without it`;
      const report = await failureReport(
        ecs,
        cluster,
        { ...workload, serviceName, taskDefinitionArn: task.taskDefinitionArn ?? "" },
        service,
        { state: "FAILED", reason },
      );
      throw new CliError(
        `ECS has not replaced task ${id} of ${workload.name} in stack ${ops.info.stack}:\n${report}`,
      );
    }
    await ctx.sleep(timing.pollMs);
    waited += timing.pollMs;
  }
}
