// `exec <workload> [--task <id>] [-- command…]` (Heroku's ps:exec): ECS Exec into a running
// container, by default an interactive shell. ExecuteCommand opens the session; the Session Manager
// plugin then carries the terminal, started exactly as the AWS CLI starts it for
// `aws ecs execute-command` (awscli/customizations/ecs/executecommand.py).
import { ECSClient, ExecuteCommandCommand, ExecuteCommandResponse } from "@aws-sdk/client-ecs";
import type { CliContext } from "./context";
import { CliError } from "./errors";
import type { ObserveOptions } from "./observe";
import { openOps, opsWorkload } from "./ops";
import { taskIdOf } from "./ps-view";
import { revisionName } from "./rollout";
import { findServiceTask, newestRunningTask, parseTaskRef, TaskRef } from "./service-task";
import { resolveWorkload } from "./workloads";

export interface ExecOptions extends ObserveOptions {
  readonly task?: string;
}

export const SESSION_MANAGER_PLUGIN = "session-manager-plugin";
export const PLUGIN_INSTALL_URL =
  "https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html";
/** What `exec` runs without a command. */
export const DEFAULT_EXEC_COMMAND = "/bin/sh";

/** Errors ExecuteCommand answers when the task or the caller cannot open a session. */
const REFUSALS = new Set([
  "InvalidParameterException",
  "TargetNotConnectedException",
  "AccessDeniedException",
  "ClientException",
]);

/**
 * The ECS endpoint the client calls, as the AWS CLI passes `client.meta.endpoint_url` to the
 * plugin (`https://ecs.<region>.amazonaws.com`, no trailing slash).
 */
async function endpointUrl(ecs: ECSClient, region: string): Promise<string> {
  const endpoint = ecs.config.endpointProvider({
    Region: region,
    UseFIPS: await ecs.config.useFipsEndpoint(),
    UseDualStack: await ecs.config.useDualstackEndpoint(),
  });
  return endpoint.url.href.replace(/\/$/, "");
}

/**
 * The plugin's arguments, in the AWS CLI's order: the session (JSON), region, `StartSession`,
 * profile (empty for the default), the request parameters `{"Target":
 * "ecs:<cluster>_<task id>_<container runtime id>"}` (JSON), and the ECS endpoint.
 */
export function pluginArgs(
  response: ExecuteCommandResponse,
  runtimeId: string,
  region: string,
  profile: string,
  endpoint: string,
): string[] {
  const cluster = response.clusterArn!.split("/").pop()!;
  const task = response.taskArn!.split("/").pop()!;
  const target = `ecs:${cluster}_${task}_${runtimeId}`;
  return [
    JSON.stringify(response.session),
    region,
    "StartSession",
    profile,
    JSON.stringify({ Target: target }),
    endpoint,
  ];
}

export async function execCommand(
  ctx: CliContext,
  name: string,
  command: readonly string[],
  opts: ExecOptions,
): Promise<number> {
  let ref: TaskRef | undefined;
  const ops = await openOps(ctx, opts.stack, (info) => {
    resolveWorkload(info, name);
    if (opts.task !== undefined) ref = parseTaskRef(opts.task);
  });
  const workload = opsWorkload(ops, name);
  const stack = ops.info.stack;
  if (!workload.entry.execEnabled) {
    throw new CliError(
      `ECS Exec is off for the ${workload.kind} ${name} in stack ${stack}: set ` +
        `vitcord-infra:${workload.kind}s.${name}.execEnabled: true in Pulumi.${stack}.yaml and deploy ` +
        `(npm run infra -- up --stack ${stack}).`,
    );
  }
  if (ctx.findExecutable(SESSION_MANAGER_PLUGIN) === undefined) {
    throw new CliError(
      `The Session Manager plugin (${SESSION_MANAGER_PLUGIN}) is not on PATH; ECS Exec needs it for ` +
        `the terminal session. Install it as ${PLUGIN_INSTALL_URL} says, then retry.`,
    );
  }
  const { ecs } = ops.aws;
  const cluster = ops.manifest.cluster.name;
  const task =
    ref !== undefined
      ? await findServiceTask(ecs, cluster, workload, ref)
      : await newestRunningTask(ecs, cluster, workload, stack);
  const id = taskIdOf(task.taskArn);
  const containerName = workload.entry.containerName;
  const runtimeId = task.containers?.find((c) => c.name === containerName)?.runtimeId;
  if (runtimeId === undefined) {
    throw new CliError(
      `Task ${id} of ${name} has no running container ${containerName} (no runtime id): pick another task (npm run infra -- ps ${name} --stack ${stack}).`,
    );
  }
  let response: ExecuteCommandResponse;
  try {
    response = await ecs.send(
      new ExecuteCommandCommand({
        cluster,
        task: task.taskArn,
        container: containerName,
        interactive: true,
        command: command.length > 0 ? command.join(" ") : DEFAULT_EXEC_COMMAND,
      }),
    );
  } catch (error) {
    if (error instanceof Error && REFUSALS.has(error.name)) {
      throw new CliError(
        `ECS refused a session in task ${id} of ${name} (${error.name}: ${error.message}). ` +
          `A task started before ECS Exec was on has no exec agent: npm run infra -- restart ${name} --stack ${stack}.`,
      );
    }
    throw error;
  }
  if (response.session === undefined) {
    throw new CliError(`ECS opened no session in task ${id} of ${name}.`);
  }
  const region = (await ecs.config.region()) ?? ops.info.region;
  const profile = ctx.env.AWS_PROFILE ?? ctx.env.AWS_DEFAULT_PROFILE ?? "";
  const args = pluginArgs(
    { clusterArn: ops.manifest.cluster.arn, taskArn: task.taskArn, ...response },
    runtimeId,
    region,
    profile,
    await endpointUrl(ecs, region),
  );
  ctx.stderr.write(
    `Session in task ${id} of ${name} (${revisionName(task.taskDefinitionArn)}), container ${containerName}; exit to leave.\n`,
  );
  return ctx.spawnInteractive(SESSION_MANAGER_PLUGIN, args);
}
