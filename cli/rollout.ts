// Verified rollouts: after an `up`, each ECS service must run the task definition that `up`
// registered, with its rollout COMPLETED. Pulumi's waitForSteadyState is not enough: with the
// deployment circuit breaker's rollback on, a failed deployment goes to rolloutState FAILED and ECS
// starts a new PRIMARY deployment with the last COMPLETED task definition ("the service is rolled
// back to the last deployment that completed successfully", ECS API reference,
// DeploymentCircuitBreaker; the rollback needs a previous deployment in COMPLETED state, developer
// guide "Amazon ECS deployment failure detection"). That service reaches a steady state again, so
// the wait succeeds on the old revision. Only the PRIMARY deployment's task definition tells.
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  Service,
  Task,
} from "@aws-sdk/client-ecs";
import type { OpMap, OutputMap } from "@pulumi/pulumi/automation";
import type { CliContext } from "./context";
import { CliError } from "./errors";
import {
  peekStack,
  readOutputs,
  StackInfo,
  StackOutputs,
  Workload,
  WorkloadOutputs,
} from "./workloads";

/** How often and how long to wait for a rollout still IN_PROGRESS after `up`. */
export interface RolloutTiming {
  readonly pollMs: number;
  readonly timeoutMs: number;
}

export const ROLLOUT_TIMING: RolloutTiming = { pollMs: 15_000, timeoutMs: 20 * 60_000 };

/** What a service's deployments say about the rollout of `expected` (a task definition ARN). */
export type RolloutState = "COMPLETED" | "IN_PROGRESS" | "FAILED" | "ROLLED_BACK" | "UNKNOWN";

export interface Rollout {
  readonly state: RolloutState;
  /** The task definition of the PRIMARY deployment: what ECS runs (or is moving to). */
  readonly running?: string;
  readonly reason?: string;
}

/** `vitcord-dev-api:7` for a task definition ARN, for messages. */
export function revisionName(arn: string | undefined): string {
  return arn === undefined ? "(none)" : arn.slice(arn.lastIndexOf("/") + 1);
}

/**
 * The rollout of `expected` on `service`. PRIMARY on another task definition means ECS rolled
 * back (or someone deployed since): the expected revision is not what runs. Without `expected`
 * (an older stack without the output) the PRIMARY deployment's own state is taken.
 */
export function rolloutOf(service: Service, expected: string | undefined): Rollout {
  const deployments = service.deployments ?? [];
  const primary = deployments.find((d) => d.status === "PRIMARY");
  if (primary === undefined) return { state: "UNKNOWN" };
  const running = primary.taskDefinition;
  const failed = deployments.find((d) => d.rolloutState === "FAILED");
  if (expected !== undefined && running !== expected) {
    const ours = deployments.find((d) => d.taskDefinition === expected);
    return {
      state: "ROLLED_BACK",
      running,
      reason:
        `ECS runs ${revisionName(running)}, not ${revisionName(expected)}` +
        (ours?.rolloutStateReason !== undefined ? `: ${ours.rolloutStateReason}` : ""),
    };
  }
  if (primary.rolloutState === "FAILED" || failed !== undefined) {
    return {
      state: "FAILED",
      running,
      reason: (primary.rolloutState === "FAILED" ? primary : failed)?.rolloutStateReason,
    };
  }
  if (primary.rolloutState === "COMPLETED") return { state: "COMPLETED", running };
  return {
    state: primary.rolloutState === "IN_PROGRESS" ? "IN_PROGRESS" : "UNKNOWN",
    running,
    reason: primary.rolloutStateReason,
  };
}

/** A workload whose service to check, with the ECS names from the stack outputs. */
export interface RolloutTarget extends Workload {
  readonly serviceName: string;
  readonly taskDefinitionArn: string;
}

/** True when an `up`'s resource changes hold anything but unchanged resources. */
function changedAnything(changes: OpMap | undefined): boolean {
  return Object.entries(changes ?? {}).some(([op, count]) => op !== "same" && (count ?? 0) > 0);
}

/**
 * The services to check after an `up`: none when it changed nothing, else every service and
 * worker of its outputs (a changed image also changes the workers that run their service's
 * image, and a revision rolled back earlier must not pass unnoticed). One DescribeServices per
 * ten services; an unchanged service passes at once.
 */
export function rolloutTargets(outputs: StackOutputs, changes: OpMap | undefined): RolloutTarget[] {
  if (!changedAnything(changes)) return [];
  const targets: RolloutTarget[] = [];
  const add = (kind: Workload["kind"], entries: Readonly<Record<string, WorkloadOutputs>>) => {
    for (const [name, entry] of Object.entries(entries)) {
      if (entry.serviceName !== undefined && entry.taskDefinitionArn !== undefined) {
        targets.push({
          name,
          kind,
          serviceName: entry.serviceName,
          taskDefinitionArn: entry.taskDefinitionArn,
        });
      }
    }
  };
  add("service", outputs.services);
  add("worker", outputs.workers);
  return targets;
}

/** The services by name; DescribeServices takes at most ten per call (ECS API reference). */
export async function describeServices(
  ecs: ECSClient,
  cluster: string,
  names: readonly string[],
): Promise<Map<string, Service>> {
  const found = new Map<string, Service>();
  for (let i = 0; i < names.length; i += 10) {
    const page = await ecs.send(
      new DescribeServicesCommand({ cluster, services: names.slice(i, i + 10) }),
    );
    for (const service of page.services ?? []) {
      if (service.serviceName !== undefined) found.set(service.serviceName, service);
    }
  }
  return found;
}

/** The family of a task definition ARN (`…:task-definition/vitcord-dev-api:7` → vitcord-dev-api). */
function familyOf(arn: string): string {
  return revisionName(arn).replace(/:\d+$/, "");
}

/** Why tasks stopped: the task's reason and each container's reason and exit code. */
export function describeStoppedTask(task: Task): string {
  const id = task.taskArn?.split("/").pop() ?? "?";
  const parts = [task.stoppedReason ?? task.stopCode ?? "stopped"];
  for (const container of task.containers ?? []) {
    const bits = [
      container.reason,
      container.exitCode !== undefined ? `exit code ${container.exitCode}` : undefined,
    ].filter((bit) => bit !== undefined);
    if (bits.length > 0) parts.push(`container ${container.name ?? "?"}: ${bits.join(", ")}`);
  }
  return `${id} (${revisionName(task.taskDefinitionArn)}): ${parts.join("; ")}`;
}

/** The newest stopped tasks of the expected revision (or of the family when none are left). */
async function stoppedTasks(ecs: ECSClient, cluster: string, expected: string): Promise<Task[]> {
  const listed = await ecs.send(
    new ListTasksCommand({ cluster, family: familyOf(expected), desiredStatus: "STOPPED" }),
  );
  const arns = (listed?.taskArns ?? []).slice(0, 20);
  if (arns.length === 0) return [];
  const tasks = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns })))?.tasks ?? [];
  const ours = tasks.filter((task) => task.taskDefinitionArn === expected);
  return (ours.length > 0 ? ours : tasks)
    .sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0))
    .slice(0, 5);
}

/** How many of a service's newest events a failure prints. */
const EVENTS_SHOWN = 8;

/** A failed rollout's report: the reason, the service's last events, why its tasks stopped. */
export async function failureReport(
  ecs: ECSClient,
  cluster: string,
  target: Workload & { readonly serviceName: string; readonly taskDefinitionArn: string },
  service: Service | undefined,
  rollout: Rollout,
): Promise<string> {
  const lines = [
    `${target.kind} ${target.name} (ECS service ${target.serviceName}): ${rollout.reason ?? rollout.state}`,
  ];
  const events = [...(service?.events ?? [])]
    .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))
    .slice(0, EVENTS_SHOWN);
  if (events.length > 0) {
    lines.push("  Last service events:");
    for (const event of events) {
      lines.push(`    ${event.createdAt?.toISOString() ?? ""} ${event.message ?? ""}`.trimEnd());
    }
  }
  const tasks = await stoppedTasks(ecs, cluster, target.taskDefinitionArn);
  if (tasks.length > 0) {
    lines.push("  Stopped tasks:");
    for (const task of tasks) lines.push(`    ${describeStoppedTask(task)}`);
  }
  return lines.join("\n");
}

/**
 * Checks each target's service: the PRIMARY deployment runs the target's task definition and its
 * rollout is COMPLETED, polling while IN_PROGRESS up to `timing.timeoutMs`. Throws one CliError
 * naming every service that is not, with its last events and why its tasks stopped.
 */
export async function verifyRollouts(
  ctx: CliContext,
  info: Pick<StackInfo, "stack" | "region">,
  outputs: StackOutputs,
  targets: readonly RolloutTarget[],
  timing: RolloutTiming = ROLLOUT_TIMING,
): Promise<void> {
  if (targets.length === 0) return;
  const cluster = outputs.clusterName;
  if (cluster === undefined) return;
  const { ecs } = ctx.aws(info.region);
  let pending = [...targets];
  const failures: string[] = [];
  let waited = 0;
  for (;;) {
    const services = await describeServices(
      ecs,
      cluster,
      pending.map((t) => t.serviceName),
    );
    const still: RolloutTarget[] = [];
    for (const target of pending) {
      const service = services.get(target.serviceName);
      const rollout =
        service === undefined
          ? { state: "UNKNOWN" as const, reason: "ECS does not know this service" }
          : rolloutOf(service, target.taskDefinitionArn);
      if (rollout.state === "COMPLETED") continue;
      if (rollout.state === "IN_PROGRESS" && waited < timing.timeoutMs) still.push(target);
      else failures.push(await failureReport(ecs, cluster, target, service, rollout));
    }
    pending = still;
    if (pending.length === 0) break;
    ctx.stderr.write(
      `Waiting for the rollout of ${pending.map((t) => t.name).join(", ")} (IN_PROGRESS)...\n`,
    );
    await ctx.sleep(timing.pollMs);
    waited += timing.pollMs;
  }
  if (failures.length === 0) {
    ctx.stderr.write(
      `Verified: ${targets.map((t) => `${t.name} runs ${revisionName(t.taskDefinitionArn)}`).join(", ")}.\n`,
    );
    return;
  }
  throw new CliError(
    `The rollout in stack ${info.stack} did not complete:\n${failures.join("\n")}\n` +
      `The stack's state names revisions that are not running. Fix the cause above, then release ` +
      `again or roll back: npm run infra -- rollback <workload> --stack ${info.stack}`,
  );
}

/** The check after an `up` (deploy.ts): its outputs and resource changes, for stack `stack`. */
export async function verifyUp(
  ctx: CliContext,
  stack: string,
  outputs: OutputMap | undefined,
  changes: OpMap | undefined,
): Promise<void> {
  const read = readOutputs(outputs ?? {});
  await verifyRollouts(ctx, peekStack(stack, ctx.projectDir), read, rolloutTargets(read, changes));
}
