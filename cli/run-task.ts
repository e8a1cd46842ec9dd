// `run <workload> [--detach] -- <command…>`, like `heroku run`: a one-off task of the workload's
// running task definition, placed and networked like the workload, its logs streamed, and the
// essential container's exit code as the CLI's. AWS SDK and the operations manifest only.
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  RunTaskCommand,
  RunTaskCommandInput,
  StopTaskCommand,
  Task,
} from "@aws-sdk/client-ecs";
import type { CliContext } from "./context";
import { CliError } from "./errors";
import { StreamReader, taskIdOf, taskLogStream } from "./logs-stream";
import { openOps, OpsWorkload, opsWorkload } from "./ops";
import { resolveWorkload } from "./workloads";
import type { OpsManifest } from "../components/ops-manifest";

/** How often `run` reads new log lines and the task's status while it runs. */
export const POLL_INTERVAL_MS = 2_000;

/** Who started a one-off task, as ECS records it (`startedBy`, at most 36 characters). */
export const STARTED_BY = "vitcord-infra-cli";

/** The exit code after Ctrl-C (128 + SIGINT), as a shell reports it. */
export const INTERRUPTED_EXIT_CODE = 130;

/**
 * The task definition the service runs now: the PRIMARY deployment's, which is the last one ECS
 * accepted (a failed release rolled back leaves a newer revision in the family that no task runs).
 */
export async function runningTaskDefinition(
  ecs: ECSClient,
  manifest: OpsManifest,
  workload: OpsWorkload,
): Promise<string> {
  const described = await ecs.send(
    new DescribeServicesCommand({
      cluster: manifest.cluster.name,
      services: [workload.entry.serviceName],
    }),
  );
  const service = described.services?.find((s) => s.serviceName === workload.entry.serviceName);
  const primary = service?.deployments?.find((d) => d.status === "PRIMARY");
  if (
    service === undefined ||
    service.status !== "ACTIVE" ||
    primary?.taskDefinition === undefined
  ) {
    throw new CliError(
      `The ECS service ${workload.entry.serviceName} of ${workload.name} is not active in cluster ` +
        `${manifest.cluster.name} (${service?.status ?? described.failures?.[0]?.reason ?? "not found"}): ` +
        `redeploy the stack (npm run infra -- up --stack ${manifest.stack}).`,
    );
  }
  return primary.taskDefinition;
}

/**
 * The RunTask request for a one-off command: placed like the workload (its capacity provider
 * strategy — RunTask takes a strategy or a launchType, never both), in its private subnets with
 * its security groups, which include the cluster's Service Connect client group so the services
 * and data stores admit the task; only the container's command replaced.
 */
export function runTaskInput(
  manifest: OpsManifest,
  workload: OpsWorkload,
  taskDefinition: string,
  command: readonly string[],
): RunTaskCommandInput {
  const { entry } = workload;
  const securityGroups = [
    ...new Set([...entry.securityGroupIds, manifest.cluster.clientSecurityGroupId]),
  ];
  return {
    cluster: manifest.cluster.name,
    taskDefinition,
    count: 1,
    capacityProviderStrategy: entry.capacityProviderStrategy.map((item) => ({ ...item })),
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: [...entry.subnetIds],
        securityGroups,
        assignPublicIp: "DISABLED", // ECS.2: private subnets, out through NAT
      },
    },
    overrides: { containerOverrides: [{ name: entry.containerName, command: [...command] }] },
    startedBy: STARTED_BY,
    propagateTags: "TASK_DEFINITION",
    ...(entry.execEnabled ? { enableExecuteCommand: true } : {}),
  };
}

/** The container's exit code, or undefined when it never ran to an exit. */
export function exitCodeOf(task: Task, containerName: string): number | undefined {
  return task.containers?.find((c) => c.name === containerName)?.exitCode;
}

export interface RunOptions {
  readonly stack: string;
  readonly detach?: boolean;
}

/** `run <workload> [--detach] -- <command…>`: the container's exit code is the CLI's. */
export async function runCommand(
  ctx: CliContext,
  name: string,
  command: readonly string[],
  opts: RunOptions,
): Promise<number> {
  if (command.length === 0) {
    throw new CliError(
      `No command given: npm run infra -- run ${name} --stack ${opts.stack} -- <command…>`,
    );
  }
  const ops = await openOps(ctx, opts.stack, (info) => void resolveWorkload(info, name));
  const workload = opsWorkload(ops, name);
  const { ecs, logs } = ops.aws;
  const taskDefinition = await runningTaskDefinition(ecs, ops.manifest, workload);
  const input = runTaskInput(ops.manifest, workload, taskDefinition, command);

  const started = await ecs.send(new RunTaskCommand(input));
  const taskArn = started.tasks?.[0]?.taskArn;
  if (taskArn === undefined) {
    const reasons = (started.failures ?? []).map(
      (f) => `${f.reason ?? "unknown"}${f.detail ? ` (${f.detail})` : ""}`,
    );
    throw new CliError(`ECS did not start the task: ${reasons.join("; ") || "no reason given"}.`);
  }
  const taskId = taskIdOf(taskArn);
  const revision = taskDefinition.split("/").pop() ?? taskDefinition;
  if (opts.detach === true) {
    ctx.stdout.write(`${taskId}\n`);
    ctx.stderr.write(
      `Started task ${taskId} (${name}: ${command.join(" ")}, ${revision}); it keeps running.\n` +
        `Follow its logs: npm run infra -- logs ${name} --task ${taskId} --follow --stack ${opts.stack}\n`,
    );
    return 0;
  }
  ctx.stderr.write(
    `Started task ${taskId} (${name}: ${command.join(" ")}, ${revision}); Ctrl-C stops it.\n`,
  );
  const reader = new StreamReader(logs, taskLogStream(workload.entry, taskId), ctx.stdout);
  const stopped = await waitUntilStopped(ctx, ecs, input.cluster!, taskArn, reader);
  if (stopped === undefined) return stopOnInterrupt(ctx, ecs, input.cluster!, taskArn);
  // The last lines reach CloudWatch a moment after the container exits.
  await ctx.sleep(POLL_INTERVAL_MS);
  await reader.printNew();

  const containerName = workload.entry.containerName;
  const exitCode = exitCodeOf(stopped, containerName);
  if (exitCode === undefined) {
    const reason =
      stopped.containers?.find((c) => c.name === containerName)?.reason ?? stopped.stoppedReason;
    throw new CliError(
      `Task ${taskId} stopped without an exit code: ${reason ?? stopped.stopCode ?? "unknown"}.`,
    );
  }
  ctx.stderr.write(`Task ${taskId} exited with code ${exitCode}.\n`);
  return exitCode;
}

/** Ctrl-C was pressed (read afresh after every await). */
function interrupted(ctx: CliContext): boolean {
  return ctx.signal?.aborted === true;
}

/** Prints new lines and polls DescribeTasks until STOPPED; undefined after Ctrl-C. */
async function waitUntilStopped(
  ctx: CliContext,
  ecs: ECSClient,
  cluster: string,
  taskArn: string,
  reader: StreamReader,
): Promise<Task | undefined> {
  for (;;) {
    if (interrupted(ctx)) return undefined;
    await reader.printNew();
    const described = await ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }));
    const task = described.tasks?.[0];
    if (task === undefined) {
      throw new CliError(
        `ECS no longer knows task ${taskIdOf(taskArn)} (${described.failures?.[0]?.reason ?? "no reason given"}).`,
      );
    }
    if (task.lastStatus === "STOPPED") return task;
    if (interrupted(ctx)) return undefined;
    await ctx.sleep(POLL_INTERVAL_MS);
  }
}

/** Ctrl-C: stops the task (so nothing keeps running unseen), says so, exits 130. */
async function stopOnInterrupt(
  ctx: CliContext,
  ecs: ECSClient,
  cluster: string,
  taskArn: string,
): Promise<number> {
  const taskId = taskIdOf(taskArn);
  try {
    const result = await ecs.send(
      new StopTaskCommand({
        cluster,
        task: taskArn,
        reason: `Interrupted (Ctrl-C) in ${STARTED_BY} run`,
      }),
    );
    // StopTask answers with the task, its desired status now STOPPED.
    if (result.task?.desiredStatus !== "STOPPED") {
      throw new Error(`its desired status is ${result.task?.desiredStatus ?? "unknown"}`);
    }
  } catch (error) {
    throw new CliError(
      `Interrupted, but could not stop task ${taskId}: ${(error as Error).message}. ` +
        `Stop it with: aws ecs stop-task --cluster ${cluster} --task ${taskId}`,
    );
  }
  ctx.stderr.write(`Interrupted: stopped task ${taskId}.\n`);
  return INTERRUPTED_EXIT_CODE;
}
