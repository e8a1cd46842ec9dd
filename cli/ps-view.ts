// What `ps` and `status` show, as pure functions of what ECS answered (DescribeServices,
// DescribeTasks) and the operations manifest: each workload's counts, rollout, tasks and events,
// and the problems (a failed rollout, a task stopping in a loop) that make the exit code non-zero.
import type { Deployment, Service, Task } from "@aws-sdk/client-ecs";
import type { WorkloadManifest } from "../components/ops-manifest";
import { table } from "./format";
import { imageParts, shortDigest } from "./history";
import { describeStoppedTask, revisionName } from "./rollout";

export type MaintenanceState = "on" | "off" | "partial";

/** What observe.ts gathered about one workload. */
export interface WorkloadSnapshot {
  readonly name: string;
  readonly kind: "service" | "worker";
  /** Absent: configured in the stack file, not yet in the manifest (never deployed). */
  readonly entry?: WorkloadManifest;
  /** Absent: ECS does not know the manifest's service (DescribeServices `failures`). */
  readonly service?: Service;
  /** The service's tasks whose desired status is RUNNING (PENDING ones included). */
  readonly tasks: readonly Task[];
  /** Its recently stopped tasks (ECS lists them for at least an hour). */
  readonly stopped: readonly Task[];
  readonly maintenance?: MaintenanceState;
}

export interface TaskView {
  /** The task id (the last part of its ARN); `ps` prints its first SHORT_ID_LENGTH characters. */
  readonly id: string;
  readonly revision: string;
  readonly status: string;
  readonly health: string;
  readonly availabilityZone?: string;
  readonly capacityProvider?: string;
  readonly image?: string;
  readonly tag?: string;
  readonly digest?: string;
  readonly startedAt?: string;
}

export type RolloutState = "COMPLETED" | "IN_PROGRESS" | "FAILED" | "ROLLED_BACK" | "UNKNOWN";

export interface RolloutView {
  readonly state: RolloutState;
  /** The PRIMARY deployment's task definition (`dev-api:4`). */
  readonly running?: string;
  /** The revision the last `up` registered (the manifest's). */
  readonly deployed: string;
  readonly reason?: string;
}

export interface WorkloadView {
  readonly name: string;
  readonly kind: "service" | "worker";
  readonly serviceName?: string;
  /** `not deployed` (no manifest entry), `missing` (ECS does not know it) or the ECS status. */
  readonly state: string;
  readonly desired?: number;
  readonly running?: number;
  readonly pending?: number;
  readonly rollout?: RolloutView;
  readonly maintenance?: MaintenanceState;
  readonly tasks: readonly TaskView[];
  readonly events: readonly { readonly at: string; readonly message: string }[];
  readonly problems: readonly string[];
}

/** How many characters of a task id `ps` prints; `--task` takes any prefix this long or longer. */
export const SHORT_ID_LENGTH = 8;
/** How many of a service's newest events `ps` prints. */
export const EVENTS_SHOWN = 3;
/** A task stopping in a loop: this many crashes within CRASH_WINDOW_MS, or this many failures. */
export const CRASH_LOOP_STOPS = 3;
export const CRASH_WINDOW_MS = 30 * 60_000;

/** The id of a task ARN (`…:task/<cluster>/<id>`). */
export const taskIdOf = (arn: string | undefined): string => arn?.split("/").pop() ?? "?";

/** `2026-01-01T12:00:00Z`: ISO time to the second. */
const isoSeconds = (date: Date | undefined) => date?.toISOString().replace(/\.\d{3}Z$/, "Z");

/** The family and revision number of a task definition ARN. */
function parseRevision(arn: string | undefined): { family: string; revision: number } | undefined {
  const match = /:task-definition\/(.+):(\d+)$/.exec(arn ?? "");
  return match === null ? undefined : { family: match[1]!, revision: Number(match[2]) };
}

/**
 * The rollout against the revision the last `up` registered. A deployment the circuit breaker
 * failed has rolloutState FAILED while ECS rolls back to the last COMPLETED one (ECS API reference,
 * Deployment.rolloutState, DeploymentCircuitBreaker); once that rollback has replaced it, only a
 * PRIMARY deployment of an older revision of the family is left. A newer revision is not a
 * rollback: `config:set` and `restart` register or run revisions after the manifest's.
 */
export function rolloutView(service: Service, deployedArn: string): RolloutView {
  const deployments = service.deployments ?? [];
  const primary = deployments.find((d) => d.status === "PRIMARY");
  const deployed = revisionName(deployedArn);
  if (primary === undefined) return { state: "UNKNOWN", deployed };
  const running = revisionName(primary.taskDefinition);
  const failed = deployments.find((d) => d.rolloutState === "FAILED");
  if (failed !== undefined) {
    const back = failed === primary ? "" : `; ECS is rolling back to ${running}`;
    return {
      state: "FAILED",
      running,
      deployed,
      reason:
        `the deployment of ${revisionName(failed.taskDefinition)} failed` +
        `${failed.rolloutStateReason !== undefined ? `: ${failed.rolloutStateReason}` : ""}${back}`,
    };
  }
  const now = parseRevision(primary.taskDefinition);
  const expected = parseRevision(deployedArn);
  if (
    now !== undefined &&
    expected !== undefined &&
    now.family === expected.family &&
    now.revision < expected.revision
  ) {
    return {
      state: "ROLLED_BACK",
      running,
      deployed,
      reason: `ECS runs ${running}, older than ${deployed} the last deploy registered: that deployment failed and ECS rolled back`,
    };
  }
  const state =
    primary.rolloutState === "COMPLETED" || primary.rolloutState === "IN_PROGRESS"
      ? primary.rolloutState
      : "UNKNOWN";
  return {
    state,
    running,
    deployed,
    ...(primary.rolloutStateReason !== undefined ? { reason: primary.rolloutStateReason } : {}),
  };
}

/**
 * A stop that means the container crashed, not that ECS or a person replaced it: the essential
 * container exited or the task failed to start (TaskStopCode EssentialContainerExited,
 * TaskFailedToStart), or the scheduler stopped it for failing its ELB or container health checks
 * (stopCode ServiceSchedulerInitiated, stoppedReason "Task failed … health checks"). Deployments,
 * scale-in, Spot interruptions and `restart --task` (UserInitiated) are not crashes.
 */
export function isCrash(task: Task): boolean {
  if (task.stopCode === "EssentialContainerExited" || task.stopCode === "TaskFailedToStart") {
    return true;
  }
  return (
    task.stopCode === "ServiceSchedulerInitiated" && /health check/i.test(task.stoppedReason ?? "")
  );
}

/**
 * A task stopping in a loop: CRASH_LOOP_STOPS crashes (isCrash) within CRASH_WINDOW_MS among the
 * service's stopped tasks, or a PRIMARY deployment with CRASH_LOOP_STOPS `failedTasks` (the
 * circuit breaker's count of consecutive tasks that failed to start or were stopped for failing
 * their health checks, reset once the deployment runs a task: ECS API reference, Deployment).
 */
export function crashLoop(
  service: Service | undefined,
  stopped: readonly Task[],
  now: number,
): string | undefined {
  const primary: Deployment | undefined = service?.deployments?.find((d) => d.status === "PRIMARY");
  const failedTasks = primary?.failedTasks ?? 0;
  const crashes = stopped
    .filter((task) => isCrash(task) && (task.stoppedAt?.getTime() ?? 0) >= now - CRASH_WINDOW_MS)
    .sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0));
  if (crashes.length < CRASH_LOOP_STOPS && failedTasks < CRASH_LOOP_STOPS) return undefined;
  const counts = [
    crashes.length >= CRASH_LOOP_STOPS
      ? `${crashes.length} tasks crashed in the last ${CRASH_WINDOW_MS / 60_000} minutes`
      : undefined,
    failedTasks >= CRASH_LOOP_STOPS
      ? `deployment ${primary?.id ?? "?"} counts ${failedTasks} failed tasks in a row`
      : undefined,
  ].filter((part) => part !== undefined);
  const newest = crashes[0] !== undefined ? `; last: ${describeStoppedTask(crashes[0])}` : "";
  return `tasks stop in a loop (${counts.join(", ")})${newest}`;
}

/** A task as `ps` shows it: the workload's container gives the image and its health. */
export function taskView(task: Task, containerName: string): TaskView {
  const container = task.containers?.find((c) => c.name === containerName);
  const parts = container?.image !== undefined ? imageParts(container.image) : undefined;
  const taskHealth = task.healthStatus ?? "UNKNOWN";
  const containerHealth = container?.healthStatus;
  const health =
    containerHealth !== undefined && containerHealth !== taskHealth
      ? `${taskHealth} (${containerName} ${containerHealth})`
      : taskHealth;
  const fields = {
    availabilityZone: task.availabilityZone,
    capacityProvider: task.capacityProviderName,
    image: container?.image,
    tag: parts?.tag,
    digest: container?.imageDigest ?? parts?.digest,
    startedAt: isoSeconds(task.startedAt),
  };
  return {
    id: taskIdOf(task.taskArn),
    revision: revisionName(task.taskDefinitionArn),
    status: task.lastStatus ?? "?",
    health,
    ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
  };
}

/** The whole view of one workload, with its problems. */
export function workloadView(snapshot: WorkloadSnapshot, now: number): WorkloadView {
  const { name, kind, entry, service } = snapshot;
  const base = { name, kind, tasks: [], events: [] };
  if (entry === undefined) return { ...base, state: "not deployed", problems: [] };
  const serviceName = entry.serviceName;
  if (service === undefined || service.status === "INACTIVE") {
    return {
      ...base,
      serviceName,
      state: "missing",
      problems: [
        `ECS has no ${service === undefined ? "" : "active "}service ${serviceName}, which the operations manifest names: redeploy the stack`,
      ],
    };
  }
  const rollout = rolloutView(service, entry.taskDefinitionArn);
  const problems: string[] = [];
  if (rollout.state === "FAILED" || rollout.state === "ROLLED_BACK") {
    problems.push(`rollout ${rollout.state}: ${rollout.reason ?? ""}`.trimEnd());
  }
  const loop = crashLoop(service, snapshot.stopped, now);
  if (loop !== undefined) problems.push(loop);
  const events = [...(service.events ?? [])]
    .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))
    .slice(0, EVENTS_SHOWN)
    .map((event) => ({ at: isoSeconds(event.createdAt) ?? "", message: event.message ?? "" }));
  const tasks = [...snapshot.tasks]
    .sort((a, b) => (b.startedAt?.getTime() ?? Infinity) - (a.startedAt?.getTime() ?? Infinity))
    .map((task) => taskView(task, entry.containerName));
  const counts = {
    desired: service.desiredCount,
    running: service.runningCount,
    pending: service.pendingCount,
    maintenance: snapshot.maintenance,
  };
  return {
    ...base,
    serviceName,
    state: service.status ?? "?",
    ...Object.fromEntries(Object.entries(counts).filter(([, v]) => v !== undefined)),
    rollout,
    tasks,
    events,
    problems,
  };
}

/** `2/2 running, 0 pending, rollout COMPLETED dev-api:3, maintenance off`. */
function headline(view: WorkloadView, stack: string): string {
  const title = `${view.name} (${view.kind}${view.serviceName !== undefined ? ` ${view.serviceName}` : ""})`;
  if (view.state === "not deployed") {
    return `${title}: not deployed: npm run infra -- up --stack ${stack}`;
  }
  if (view.state === "missing") return `${title}: missing in ECS`;
  const show = (n: number | undefined) => (n === undefined ? "?" : String(n));
  const bits = [
    `${show(view.running)}/${show(view.desired)} running`,
    `${show(view.pending)} pending`,
  ];
  if (view.state !== "ACTIVE") bits.push(`service ${view.state}`);
  const rollout = view.rollout;
  if (rollout !== undefined) {
    const revision =
      rollout.running === undefined || rollout.running === rollout.deployed
        ? rollout.deployed
        : `${rollout.running} (deployed ${rollout.deployed})`;
    bits.push(`rollout ${rollout.state} ${revision}`);
  }
  if (view.maintenance !== undefined) bits.push(`maintenance ${view.maintenance}`);
  return `${title}: ${bits.join(", ")}`;
}

/** The text `ps` and `status` print: problems first, then each workload. */
export function renderPs(views: readonly WorkloadView[], stack: string): string {
  const out: string[] = [];
  const problems = views.flatMap((v) => v.problems.map((p) => `  ${v.name}: ${p}`));
  if (problems.length > 0) out.push("PROBLEMS", ...problems, "");
  for (const view of views) {
    out.push(headline(view, stack));
    if (view.state === "not deployed" || view.state === "missing") continue;
    if (view.tasks.length === 0) out.push("  no tasks");
    else {
      const rows = view.tasks.map((t) => [
        t.id.slice(0, SHORT_ID_LENGTH),
        t.revision,
        t.status,
        t.health,
        t.availabilityZone ?? "",
        t.capacityProvider ?? "",
        t.tag ?? "",
        shortDigest(t.digest),
        t.startedAt ?? "",
      ]);
      const header = [
        "TASK",
        "REVISION",
        "STATUS",
        "HEALTH",
        "AZ",
        "CAPACITY",
        "TAG",
        "DIGEST",
        "STARTED",
      ];
      out.push(...indent(table(header, rows)));
    }
    if (view.events.length > 0) {
      out.push("  events:", ...view.events.map((e) => `    ${e.at} ${e.message}`));
    }
    out.push("");
  }
  if (out.at(-1) === "") out.pop();
  return out.join("\n") + "\n";
}

const indent = (text: string) =>
  text
    .trimEnd()
    .split("\n")
    .map((line) => `  ${line}`);
