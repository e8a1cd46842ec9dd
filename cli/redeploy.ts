// A new deployment of one ECS service (restart, config:set, config:unset), verified like a release:
// the deployment UpdateService starts is followed by its id until its rollout is COMPLETED. A
// deployment the circuit breaker fails is marked FAILED, and ECS then starts a rollback deployment
// to the last COMPLETED one (ECS API reference, DeploymentCircuitBreaker); so a deployment that is
// FAILED, or gone from the service while another one is PRIMARY, did not happen.
import { Deployment, DescribeServicesCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import type { CliContext } from "./context";
import { CliError } from "./errors";
import type { OpsStack, OpsWorkload } from "./ops";
import { failureReport, revisionName, ROLLOUT_TIMING, RolloutTiming } from "./rollout";

export interface RedeployResult {
  /** The ECS deployment's id (`ecs-svc/…`). */
  readonly deploymentId: string;
  /** The task definition the deployment runs. */
  readonly taskDefinitionArn: string;
}

/**
 * Starts a new deployment of the workload's service, of `taskDefinitionArn` or (without it) of the
 * task definition the service runs, and waits for it. Throws a CliError with the service's events
 * and stopped tasks when it fails, is rolled back, or is still in progress after the timeout.
 */
export async function redeploy(
  ctx: CliContext,
  ops: Pick<OpsStack, "info" | "manifest" | "aws">,
  workload: OpsWorkload,
  taskDefinitionArn?: string,
  timing: RolloutTiming = ROLLOUT_TIMING,
): Promise<RedeployResult> {
  const cluster = ops.manifest.cluster.name;
  const serviceName = workload.entry.serviceName;
  const { ecs } = ops.aws;
  const updated = await ecs.send(
    new UpdateServiceCommand({
      cluster,
      service: serviceName,
      forceNewDeployment: true,
      ...(taskDefinitionArn === undefined ? {} : { taskDefinition: taskDefinitionArn }),
    }),
  );
  const started = updated.service?.deployments?.find((d) => d.status === "PRIMARY");
  if (started?.id === undefined || started.taskDefinition === undefined) {
    throw new CliError(`ECS started no deployment of ${serviceName}.`);
  }
  const deploymentId = started.id;
  const running = started.taskDefinition;
  ctx.stderr.write(
    `Deploying ${workload.name} (${revisionName(running)}, deployment ${deploymentId})…\n`,
  );
  let waited = 0;
  for (;;) {
    const described = await ecs.send(
      new DescribeServicesCommand({ cluster, services: [serviceName] }),
    );
    const service = described.services?.[0];
    const deployments = service?.deployments ?? [];
    const ours: Deployment | undefined = deployments.find((d) => d.id === deploymentId);
    let reason: string | undefined;
    if (ours?.rolloutState === "COMPLETED") {
      ctx.stderr.write(`Verified: ${workload.name} runs ${revisionName(running)}.\n`);
      return { deploymentId, taskDefinitionArn: running };
    }
    if (ours === undefined) {
      const primary = deployments.find((d) => d.status === "PRIMARY");
      reason = `deployment ${deploymentId} is gone; ECS runs ${revisionName(primary?.taskDefinition)} (rolled back or replaced)`;
    } else if (ours.rolloutState === "FAILED") {
      reason = ours.rolloutStateReason ?? "the rollout failed";
    } else if (waited >= timing.timeoutMs) {
      reason = `still ${ours.rolloutState ?? "in progress"} after ${Math.round(waited / 60_000)} minutes`;
    }
    if (reason !== undefined) {
      const report = await failureReport(
        ecs,
        cluster,
        { ...workload, serviceName, taskDefinitionArn: running },
        service,
        { state: "FAILED", running, reason },
      );
      throw new CliError(
        `The deployment of ${workload.name} in stack ${ops.info.stack} did not complete:\n${report}`,
      );
    }
    await ctx.sleep(timing.pollMs);
    waited += timing.pollMs;
  }
}
