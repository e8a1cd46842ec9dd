import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  RunTaskCommand,
  RunTaskCommandInput,
  Task,
} from "@aws-sdk/client-ecs";
import type { CliContext } from "./context";
import { CliError } from "./errors";
import { openLive } from "./live";
import { logStreamOf, StreamReader, taskIdOf } from "./logs-stream";
import { required, resolveWorkload, StackOutputs, Workload, WorkloadOutputs } from "./workloads";

/** How often `run` polls the task while it runs. */
export const POLL_INTERVAL_MS = 5_000;

/**
 * The RunTask request for a one-off command: the workload's own task definition family (latest
 * revision), network and container, with only the command replaced. Services run on the
 * cluster's EC2 capacity provider (or the cluster default strategy), workers on Fargate.
 */
export function runTaskInput(
  workload: Workload,
  entry: WorkloadOutputs,
  outputs: StackOutputs,
  stack: string,
  command: readonly string[],
): RunTaskCommandInput {
  const subnets = entry.subnetIds ?? outputs.privateSubnetIds;
  const launch: Partial<RunTaskCommandInput> =
    workload.kind === "worker"
      ? { launchType: "FARGATE", platformVersion: "LATEST" } // ECS.10
      : outputs.capacityProviderName !== undefined
        ? {
            capacityProviderStrategy: [
              { capacityProvider: outputs.capacityProviderName, weight: 1 },
            ],
          }
        : {};
  return {
    cluster: required(outputs.clusterName, "clusterName", stack),
    taskDefinition: required(
      entry.taskDefinitionFamily,
      `${workload.name}.taskDefinitionFamily`,
      stack,
    ),
    count: 1,
    ...launch,
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: [...required(subnets, `${workload.name}.subnetIds`, stack)],
        securityGroups: [
          required(entry.securityGroupId, `${workload.name}.securityGroupId`, stack),
        ],
        assignPublicIp: "DISABLED", // ECS.2: private subnets, out through NAT
      },
    },
    overrides: {
      containerOverrides: [{ name: entry.containerName ?? workload.name, command: [...command] }],
    },
    startedBy: "vitcord-infra-cli",
    propagateTags: "TASK_DEFINITION",
  };
}

/** The workload container's exit code, or undefined when it never ran to an exit. */
export function exitCodeOf(task: Task, containerName: string): number | undefined {
  return task.containers?.find((c) => c.name === containerName)?.exitCode;
}

export interface RunOptions {
  readonly stack: string;
  readonly secretsProvider?: string;
}

/** `run <workload> -- <command…>`: returns the container's exit code as the CLI's exit code. */
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
  let workload: Workload | undefined;
  const live = await openLive(ctx, opts.stack, opts.secretsProvider, (info) => {
    workload = resolveWorkload(info, name);
  });
  const target = workload!;
  const entry = (target.kind === "service" ? live.outputs.services : live.outputs.workers)[name];
  if (entry === undefined) {
    throw new CliError(
      `The ${target.kind} ${name} is not deployed in stack ${opts.stack}: run up first.`,
    );
  }
  const input = runTaskInput(target, entry, live.outputs, opts.stack, command);
  const { ecs, logs } = live.aws;

  const started = await ecs.send(new RunTaskCommand(input));
  const task = started.tasks?.[0];
  if (task?.taskArn === undefined) {
    const reasons = (started.failures ?? []).map(
      (f) => `${f.reason ?? "unknown"}${f.detail ? ` (${f.detail})` : ""}`,
    );
    throw new CliError(`ECS did not start the task: ${reasons.join("; ") || "no reason given"}.`);
  }
  const taskId = taskIdOf(task.taskArn);
  const containerName = entry.containerName ?? name;
  ctx.stderr.write(
    `Started task ${taskId} (${name}: ${command.join(" ")}); waiting for it to finish…\n`,
  );

  const definition = await ecs.send(
    new DescribeTaskDefinitionCommand({
      taskDefinition: task.taskDefinitionArn ?? input.taskDefinition,
    }),
  );
  const container = definition.taskDefinition?.containerDefinitions?.find(
    (c) => c.name === containerName,
  );
  const stream = logStreamOf(container, taskId);
  if (stream === undefined)
    ctx.stderr.write(`note: ${containerName} has no awslogs configuration; no logs to show.\n`);
  const reader = stream !== undefined ? new StreamReader(logs, stream, ctx.stdout) : undefined;

  let current: Task | undefined;
  for (;;) {
    await reader?.printNew();
    const described = await ecs.send(
      new DescribeTasksCommand({ cluster: input.cluster, tasks: [task.taskArn] }),
    );
    current = described.tasks?.[0];
    if (current?.lastStatus === "STOPPED") break;
    if (ctx.signal?.aborted === true) {
      throw new CliError(
        `Stopped waiting; task ${taskId} is still running (stop it in the ECS console).`,
        130,
      );
    }
    await ctx.sleep(POLL_INTERVAL_MS);
  }
  // The last lines reach CloudWatch a moment after the container exits.
  await ctx.sleep(POLL_INTERVAL_MS);
  await reader?.printNew();

  const exitCode = exitCodeOf(current, containerName);
  if (exitCode === undefined) {
    const reason =
      current.containers?.find((c) => c.name === containerName)?.reason ?? current.stoppedReason;
    ctx.stderr.write(
      `Task ${taskId} stopped without an exit code: ${reason ?? current.stopCode ?? "unknown"}.\n`,
    );
    return 1;
  }
  ctx.stderr.write(`Task ${taskId} exited with code ${exitCode}.\n`);
  return exitCode;
}
