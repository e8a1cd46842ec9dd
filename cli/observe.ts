// What `ps` and `status` read from AWS for the manifest's workloads: their ECS services, tasks
// (running and recently stopped) and the maintenance rule of each service's load balancer.
import {
  DescribeTasksCommand,
  DesiredStatus,
  ECSClient,
  ListTasksCommand,
  Task,
} from "@aws-sdk/client-ecs";
import type { WorkloadManifest } from "../components/ops-manifest";
import { maintenanceStatus } from "./maintenance";
import type { OpsStack } from "./ops";
import type { WorkloadSnapshot } from "./ps-view";
import { describeServices } from "./rollout";

export interface ObserveOptions {
  readonly stack: string;
  readonly secretsProvider?: string;
  readonly json?: boolean;
}

/**
 * The ARNs of a service's tasks with that desired status. RUNNING follows every page; STOPPED
 * takes one page of 100 (ECS lists stopped tasks for at least an hour: ListTasks).
 */
export async function listServiceTasks(
  ecs: ECSClient,
  cluster: string,
  serviceName: string,
  desiredStatus: DesiredStatus = "RUNNING",
): Promise<string[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecs.send(
      new ListTasksCommand({
        cluster,
        serviceName,
        desiredStatus,
        ...(nextToken !== undefined ? { nextToken } : {}),
      }),
    );
    arns.push(...(page.taskArns ?? []));
    nextToken = desiredStatus === "RUNNING" ? page.nextToken : undefined;
  } while (nextToken !== undefined);
  return arns;
}

/** The tasks by ARN; DescribeTasks takes at most 100 per call. */
export async function describeTasks(
  ecs: ECSClient,
  cluster: string,
  arns: readonly string[],
): Promise<Map<string, Task>> {
  const found = new Map<string, Task>();
  for (let i = 0; i < arns.length; i += 100) {
    const page = await ecs.send(
      new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + 100) }),
    );
    for (const task of page.tasks ?? []) {
      if (task.taskArn !== undefined) found.set(task.taskArn, task);
    }
  }
  return found;
}

/** A workload to look at: configured, and in the manifest once deployed. */
export interface ObservedWorkload {
  readonly name: string;
  readonly kind: "service" | "worker";
  readonly entry?: WorkloadManifest;
}

/**
 * Reads each deployed workload's service (DescribeServices, ten at a time), its running and
 * recently stopped tasks (ListTasks by service, then DescribeTasks for all of them together) and,
 * for services, the maintenance rule.
 */
export async function observeWorkloads(
  ops: Pick<OpsStack, "manifest" | "aws">,
  workloads: readonly ObservedWorkload[],
): Promise<WorkloadSnapshot[]> {
  const { ecs, elbv2 } = ops.aws;
  const cluster = ops.manifest.cluster.name;
  const deployed = workloads.filter((w) => w.entry !== undefined);
  const names = deployed.map((w) => w.entry!.serviceName);
  const services = await describeServices(ecs, cluster, [...new Set(names)]);
  const running = new Map<string, string[]>();
  const stopped = new Map<string, string[]>();
  for (const name of names) {
    if (!services.has(name) || running.has(name)) continue;
    running.set(name, await listServiceTasks(ecs, cluster, name, "RUNNING"));
    stopped.set(name, await listServiceTasks(ecs, cluster, name, "STOPPED"));
  }
  const all = [...running.values(), ...stopped.values()].flat();
  const tasks = await describeTasks(ecs, cluster, [...new Set(all)]);
  const found = (arns: readonly string[] | undefined) =>
    (arns ?? []).flatMap((arn) => tasks.get(arn) ?? []);
  const snapshots: WorkloadSnapshot[] = [];
  for (const w of workloads) {
    const serviceName = w.entry?.serviceName ?? "";
    const service = services.get(serviceName);
    const loadBalancer = w.entry?.loadBalancer;
    const maintenance =
      service !== undefined && loadBalancer !== undefined
        ? await maintenanceStatus(elbv2, loadBalancer)
        : undefined;
    snapshots.push({
      name: w.name,
      kind: w.kind,
      ...(w.entry !== undefined ? { entry: w.entry } : {}),
      ...(service !== undefined ? { service } : {}),
      tasks: found(running.get(serviceName)),
      stopped: found(stopped.get(serviceName)),
      ...(maintenance !== undefined ? { maintenance } : {}),
    });
  }
  return snapshots;
}
