/**
 * The inventory: what a stack builds, grouped by component (network, cluster, each service, each
 * worker) with resource counts per type and a one-line summary read from the resources' inputs.
 */
import {
  groupByOwner,
  instancePlan,
  isComponent,
  launchTemplateVolumes,
  natGatewayCount,
  num,
  obj,
  Owner,
  RecordedResource,
  serviceTaskDefinition,
  shortType,
  STACK_OWNER,
  splitTasks,
  str,
  taskSize,
  trim,
  TYPES,
} from "./resources";
import { dataStoreOf, DataStoreKind, dataStoreSummary, dataStoreUsers } from "./data-stores";
import { alertingSummary } from "./alerting";
import { kmsSummary } from "./kms";
import { OFF_HOURS_TYPE, scheduleSummary } from "./schedule";
import { wafSummary } from "./waf";
import { describeImage, WorkloadImage, workloadImages } from "./images";
import { pack, wrap } from "./text";
import { networkInterfaceInfo } from "../components/config/instance-types";

/** The launch template tag that says where its AMI comes from (components/cluster.ts). */
const AMI_SOURCE_TAG = "vitcord:ami-source";
const ACCOUNT_SETTING = "aws:ecs/accountSettingDefault:AccountSettingDefault";

export type ComponentKind =
  | "network"
  | "cluster"
  | "registry"
  | "service"
  | "queue"
  | "worker"
  | "operations"
  | "alerts"
  | "encryption"
  | "schedule"
  | "firewall"
  | DataStoreKind
  | "other";

export interface InventoryComponent {
  readonly component: string;
  readonly type: string;
  readonly kind: ComponentKind;
  readonly summary: string;
  /** Resources under the component (not counting the component itself). */
  readonly resourceCount: number;
  readonly types: { readonly type: string; readonly count: number }[];
  /** Components nested inside this one (`vitcord:task:WorkloadTask api-task`). */
  readonly subcomponents: string[];
  /** The images a web service or worker runs (absent for other components). */
  readonly images?: WorkloadImage[];
  /** The workloads that use a database, table or cache (absent for other components). */
  readonly usedBy?: string[];
}

export interface Inventory {
  /** Resources in the components, not counting the components themselves. */
  readonly resourceCount: number;
  /**
   * Our own component resources (vitcord:*, nested ones too): the plan's `resources` list has
   * `resourceCount + componentResourceCount` entries.
   */
  readonly componentResourceCount: number;
  readonly components: InventoryComponent[];
}

/** Groups the resources by component, in declaration order, with a summary of each. */
export function buildInventory(resources: readonly RecordedResource[]): Inventory {
  const components = groupByOwner(resources).map(({ owner, resources: members }) =>
    describeComponent(resources, owner, members),
  );
  return {
    resourceCount: components.reduce((sum, c) => sum + c.resourceCount, 0),
    componentResourceCount: resources.filter(isComponent).length,
    components,
  };
}

function describeComponent(
  all: readonly RecordedResource[],
  owner: Owner,
  members: readonly RecordedResource[],
): InventoryComponent {
  const inner = members.filter((r) => !(r.type === owner.type && r.name === owner.name));
  const children = inner.filter((r) => !isComponent(r));
  const counts = new Map<string, number>();
  for (const r of children) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  const types = [...counts]
    .map(([type, count]) => ({ type, count }))
    .sort((a, b) => a.type.localeCompare(b.type));
  const { kind, summary } = summarize(all, owner, children);
  const workload = kind === "service" || kind === "worker";
  const store = kind === "database" || kind === "table" || kind === "cache";
  return {
    component: owner.name,
    type: owner.type,
    kind,
    summary,
    resourceCount: children.length,
    types,
    subcomponents: inner.filter(isComponent).map((r) => `${r.type} ${r.name}`),
    ...(workload ? { images: workloadImages(all, ofType(children, TYPES.service)) } : {}),
    ...(store ? { usedBy: dataStoreUsers(all, children) } : {}),
  };
}

function ofType(members: readonly RecordedResource[], ...types: string[]): RecordedResource[] {
  return members.filter((r) => types.includes(r.type));
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function summarize(
  all: readonly RecordedResource[],
  owner: Owner,
  members: readonly RecordedResource[],
): { kind: ComponentKind; summary: string } {
  const vpc = ofType(members, TYPES.vpc)[0];
  if (vpc !== undefined) return { kind: "network", summary: networkSummary(vpc, members) };
  const group = ofType(members, TYPES.autoscalingGroup)[0];
  if (group !== undefined) {
    return { kind: "cluster", summary: clusterSummary(all, group, members) };
  }
  const repositories = ofType(members, TYPES.repository);
  if (repositories.length > 0 && ofType(members, TYPES.service).length === 0) {
    return { kind: "registry", summary: registrySummary(repositories, members) };
  }
  const data = dataStoreOf(members);
  if (data !== undefined) {
    return {
      kind: data.kind,
      summary: `${owner.name}: ${dataStoreSummary(data.kind, data.store)}`,
    };
  }
  const services = ofType(members, TYPES.service);
  if (services.length > 0) {
    const web = ofType(members, TYPES.loadBalancer, TYPES.albLoadBalancer).length > 0;
    return {
      kind: web ? "service" : "worker",
      summary: `${owner.name}: ${workloadSummary(all, services, members)}`,
    };
  }
  const firewall = wafSummary(all, members);
  if (firewall !== undefined) return { kind: "firewall", summary: firewall };
  if (owner.type === OFF_HOURS_TYPE)
    return { kind: "schedule", summary: scheduleSummary(all, members) };
  if (owner.type === ROTATION_RESTART_TYPE) {
    return { kind: "other", summary: rotationRestartSummary(all, owner, members) };
  }
  const alerting = alertingSummary(all, members);
  if (alerting !== undefined) return { kind: "alerts", summary: alerting };
  const kms = kmsSummary(all, members);
  if (kms !== undefined) return { kind: "encryption", summary: kms };
  const parameters = ofType(members, "aws:ssm/parameter:Parameter");
  if (owner.type === "vitcord:ops:OperationsManifest" && parameters.length > 0) {
    return { kind: "operations", summary: operationsSummary(parameters) };
  }
  const queues = ofType(members, TYPES.queue);
  if (queues.length > 0)
    return { kind: "queue", summary: `${owner.name}: ${queuesPhrase(queues)}` };
  const where = owner.type === STACK_OWNER.type ? "declared at the top of the program" : "";
  return { kind: "other", summary: where || plural(members.length, "resource") };
}

/** components/rotation-restart.ts (a plan module does not import the program's components). */
const ROTATION_RESTART_TYPE = "vitcord:database:RotationRestart";

/**
 * "main: after each password rotation (every 7 days), a new deployment of api, jobs (EventBridge
 * rule → Step Functions prod-main-rotation-restart → ecs:UpdateService)"
 */
export function rotationRestartSummary(
  all: readonly RecordedResource[],
  owner: Owner,
  members: readonly RecordedResource[],
): string {
  const component = all.find((r) => r.type === owner.type && r.name === owner.name);
  const inputs = component?.inputs ?? {};
  const services = (Array.isArray(inputs.services) ? inputs.services : []).map(String);
  const days = num(inputs.rotationDays);
  const machine = ofType(members, "aws:sfn/stateMachine:StateMachine")[0];
  const every = days === undefined ? "" : ` (every ${plural(days, "day")})`;
  return (
    `${str(inputs.database) ?? owner.name}: after each password rotation${every}, a new ` +
    `deployment of ${services.join(", ")} (EventBridge rule → Step Functions ` +
    `${str(machine?.inputs.name) ?? "state machine"} → ecs:UpdateService)`
  );
}

/**
 * "operations manifest /vitcord/dev/ops + 3 workload parameters in SSM (Standard tier, 3,598
 * bytes in all)"; the stack's parameter is the one whose name has no `/workloads/`.
 */
export function operationsSummary(parameters: readonly RecordedResource[]): string {
  const values = parameters.map((p) => str(p.inputs.insecureValue) ?? "");
  const bytes = values
    .reduce((sum, value) => sum + Buffer.byteLength(value, "utf8"), 0)
    .toLocaleString("en-US");
  const tiers = [...new Set(parameters.map((p) => str(p.inputs.tier) ?? "Standard"))].join(" and ");
  const names = parameters.map((p) => str(p.inputs.name) ?? "?");
  const stackName = names.find((n) => !n.includes("/workloads/")) ?? "?";
  const workloads = names.length - 1;
  return (
    `operations manifest ${stackName} + ${plural(workloads, "workload parameter")} in SSM ` +
    `(${tiers} tier, ${bytes} bytes in all)`
  );
}

/** "shared ECR repositories vitcord/api, vitcord/notifications (kept on delete); pulled by 1 other account" */
export function registrySummary(
  repositories: readonly RecordedResource[],
  members: readonly RecordedResource[],
): string {
  const names = repositories.map((r) => str(r.inputs.name) ?? r.name).join(", ");
  const policy = ofType(members, "aws:ecr/repositoryPolicy:RepositoryPolicy")[0];
  const statement = policy === undefined ? undefined : str(policy.inputs.policy);
  const accounts =
    statement === undefined ? 0 : new Set(statement.match(/arn:aws:iam::\d{12}:root/g) ?? []).size;
  const pulled = accounts === 0 ? "" : `; pulled by ${plural(accounts, "other account")}`;
  return `shared ECR repositories ${names} (kept on delete)${pulled}`;
}

/** How the summaries name the AWS services of VPC endpoints (the last part of their service name). */
export const SERVICE_NAMES: Readonly<Record<string, string>> = { s3: "S3", dynamodb: "DynamoDB" };

/** "VPC 10.20.0.0/16 across 3 AZs; NAT: 3 gateways, one per AZ; S3 gateway endpoint; …" */
export function networkSummary(
  vpc: RecordedResource,
  members: readonly RecordedResource[],
): string {
  const { count, strategy, zones } = natGatewayCount(vpc);
  const parts = [`VPC ${str(vpc.inputs.cidrBlock) ?? "(default CIDR)"} across ${zones} AZs`];
  // A NAT instance (components/nat-instance.ts) is the network's only Auto Scaling group.
  const natGroup = ofType(members, TYPES.autoscalingGroup)[0];
  parts.push(
    count === 0
      ? natGroup === undefined
        ? "no NAT"
        : natInstanceSummary(members, natGroup, zones)
      : strategy === "Single"
        ? `NAT: 1 gateway shared by ${zones} AZs`
        : `NAT: ${count} gateways, one per AZ`,
  );
  for (const endpoint of ofType(members, TYPES.vpcEndpoint)) {
    const service = str(endpoint.inputs.serviceName)?.split(".").pop() ?? "?";
    const kind = (str(endpoint.inputs.vpcEndpointType) ?? "Gateway").toLowerCase();
    parts.push(`${SERVICE_NAMES[service] ?? service} ${kind} endpoint`);
  }
  const flowLog = ofType(members, "aws:ec2/flowLog:FlowLog")[0];
  if (flowLog !== undefined) {
    const group = ofType(members, TYPES.logGroup).find(
      (g) => g.state.arn === flowLog.inputs.logDestination,
    );
    const days = num(group?.inputs.retentionInDays);
    parts.push(
      `flow logs (${str(flowLog.inputs.trafficType) ?? "ALL"})${days ? ` kept ${days} days` : ""}`,
    );
  }
  return parts.join("; ");
}

/** "NAT: 1 t4g.nano instance (Auto Scaling group of 1) shared by 2 AZs, fixed ENI + Elastic IP" */
function natInstanceSummary(
  members: readonly RecordedResource[],
  group: RecordedResource,
  zones: number,
): string {
  const plan = instancePlan(members, group);
  const type = plan.instanceTypes[0] ?? "?";
  const fixed = ofType(members, "aws:ec2/networkInterface:NetworkInterface").length > 0;
  const eip = ofType(members, "aws:ec2/eip:Eip").length > 0;
  const extras = [fixed ? "fixed network interface" : "", eip ? "Elastic IP" : ""].filter(Boolean);
  return (
    `NAT: ${plural(plan.count, `${type} instance`)} (Auto Scaling group of ${plan.max}) shared by ${zones} AZs` +
    (extras.length > 0 ? `, ${extras.join(" + ")}` : "")
  );
}

/** "ECS on EC2: 2–6 × t4g.medium (2 running: 1 on-demand + 1 Spot); gp3 30 GiB root; …" */
export function clusterSummary(
  all: readonly RecordedResource[],
  group: RecordedResource,
  members: readonly RecordedResource[],
): string {
  const plan = instancePlan(all, group);
  const types = plan.instanceTypes.join("/") || "?";
  const running =
    plan.spot > 0
      ? `${plan.count} running: ${plan.onDemand} on-demand + ${plan.spot} Spot`
      : `${plan.count} running, on-demand`;
  const parts = [`ECS on EC2: ${plan.min}–${plan.max} × ${types} (${running})`];
  const volume = plan.launchTemplate ? launchTemplateVolumes(plan.launchTemplate)[0] : undefined;
  if (volume?.sizeGiB !== undefined) {
    parts.push(`${volume.volumeType ?? "EBS"} ${volume.sizeGiB} GiB root`);
  }
  const provider = ofType(members, TYPES.capacityProvider)[0];
  const scaling = obj(obj(provider?.inputs.autoScalingGroupProvider).managedScaling);
  const target = num(scaling.targetCapacity);
  if (provider !== undefined) {
    parts.push(`capacity provider${target !== undefined ? ` at ${target}% target` : ""}`);
  }
  if (plan.launchTemplate) parts.push(amiPhrase(plan.launchTemplate));
  const trunking = all.some(
    (r) =>
      r.type === ACCOUNT_SETTING &&
      r.inputs.name === "awsvpcTrunking" &&
      r.inputs.value === "enabled",
  );
  const tasks = tasksPerInstancePhrase(plan.instanceTypes, trunking);
  if (tasks !== undefined) parts.push(tasks);
  return parts.join("; ");
}

/**
 * "AMI ami-0… pinned (cluster.amiId)", or the recommended one read at every `up`. The plan runs
 * offline: it cannot know whether AWS has published a newer AMI (`npm run infra -- ami` does).
 */
export function amiPhrase(launchTemplate: RecordedResource): string {
  const id = str(launchTemplate.inputs.imageId) ?? "?";
  const source = str(obj(launchTemplate.inputs.tags)[AMI_SOURCE_TAG]);
  if (source === "cluster.amiId") {
    return `AMI ${id} pinned by cluster.amiId (newer ones: \`npm run infra -- ami\`)`;
  }
  if (source?.startsWith("first-deploy:") === true) {
    return `AMI: AWS's recommended ECS-optimized one at the first deploy (SSM ${source.slice("first-deploy:".length)}), then kept; pin cluster.amiId to move on (\`npm run infra -- ami\`)`;
  }
  return `AMI: AWS's recommended ECS-optimized one, re-read at every up${source ? ` (SSM ${source})` : ""}; unpinned, a new one refreshes the instances`;
}

/**
 * "awsvpc tasks per instance: t4g.medium 2, t4g.large 2 (ENIs; no ENI trunking for t4g)": each
 * awsvpc task takes an ENI, and ECS places no more than the type's ENIs allow, whatever memory is
 * left. With trunking declared, the trunked limit of the types that support it.
 */
export function tasksPerInstancePhrase(
  types: readonly string[],
  trunking: boolean,
): string | undefined {
  const infos = types.map((type) => [type, networkInterfaceInfo(type)] as const);
  if (infos.length === 0 || infos.some(([, info]) => info === undefined)) return undefined;
  const counts = infos.map(
    ([type, info]) => `${type} ${trunking ? info!.tasksWithTrunking : info!.tasksWithoutTrunking}`,
  );
  const untrunkable = infos.filter(([, info]) => !info!.trunking).map(([type]) => type);
  let note: string;
  if (untrunkable.length === infos.length) {
    const families = [...new Set(untrunkable.map((t) => t.split(".")[0]))].join("/");
    note = `one ENI each; ${families} cannot use ENI trunking`;
  } else if (trunking) {
    note = "ENI trunking";
  } else {
    const best = Math.max(...infos.map(([, info]) => info!.tasksWithTrunking));
    note = `one ENI each; up to ${best} with cluster.eniTrunking`;
  }
  return `awsvpc tasks per instance: ${counts.join(", ")} (${note})`;
}

/** "ALB + HTTPS, 2–6 tasks of 0.5 vCPU / 1 GiB on EC2" or "1–4 tasks … on Fargate Spot, ARM64" */
export function workloadSummary(
  all: readonly RecordedResource[],
  services: readonly RecordedResource[],
  members: readonly RecordedResource[],
): string {
  const parts: string[] = [];
  const balancers = ofType(members, TYPES.loadBalancer, TYPES.albLoadBalancer);
  if (balancers.length > 0) {
    const protocols = new Set(
      ofType(members, TYPES.listener, "aws:alb/listener:Listener").map((l) =>
        str(l.inputs.protocol),
      ),
    );
    const internal = balancers.every((b) => b.inputs.internal === true) ? "internal " : "";
    parts.push(`${internal}ALB + ${protocols.has("HTTPS") ? "HTTPS" : "HTTP"}`);
  }
  for (const service of services) parts.push(taskSummary(all, service, members));
  const queues = ofType(members, TYPES.queue);
  if (queues.length > 0) parts.push(queuesPhrase(queues));
  if (ofType(members, TYPES.repository).length > 0) parts.push("ECR repository");
  if (ofType(members, TYPES.bucket, TYPES.bucketV2).length > 0) parts.push("access logs to S3");
  return parts.join(", ");
}

/** "SQS queue + dead-letter queue", or "2 SQS queues" where none redrives to another. */
function queuesPhrase(queues: readonly RecordedResource[]): string {
  const redriven = queues.filter((q) => q.inputs.redrivePolicy !== undefined).length;
  return redriven > 0 && queues.length > redriven
    ? "SQS queue + dead-letter queue"
    : plural(queues.length, "SQS queue");
}

function taskSummary(
  all: readonly RecordedResource[],
  service: RecordedResource,
  members: readonly RecordedResource[],
): string {
  const definition = serviceTaskDefinition(all, service);
  const size = definition ? taskSize(definition) : undefined;
  const split = splitTasks(service, size);
  const target = ofType(members, TYPES.scalingTarget)[0];
  const min = num(target?.inputs.minCapacity);
  const max = num(target?.inputs.maxCapacity);
  const desired = num(service.inputs.desiredCount) ?? 0;
  const count =
    min !== undefined && max !== undefined && min !== max
      ? `${min}–${max} tasks`
      : plural(desired, "task");
  const shape = size ? ` of ${trim(size.vcpu)} vCPU / ${trim(size.memoryMiB / 1024)} GiB` : "";
  let where = "on EC2";
  if (split.launch === "FARGATE") {
    where =
      split.spot === 0
        ? "on Fargate"
        : split.onDemand === 0
          ? "on Fargate Spot"
          : `on Fargate (${split.onDemand}) + Fargate Spot (${split.spot})`;
    if (size?.arm) where += ", ARM64";
  }
  return `${count}${shape} ${where}`;
}

/** The inventory as text: a tree of components, each with its summary, images and type counts. */
export function renderInventory(inventory: Inventory): string[] {
  const { resourceCount, componentResourceCount } = inventory;
  const lines = [
    `Inventory: ${plural(resourceCount, "resource")} in ${plural(inventory.components.length, "component")}`,
  ];
  if (componentResourceCount > 0) {
    // --json lists the component resources as well; say how the two counts relate.
    const listed = resourceCount + componentResourceCount;
    lines.push(
      ...wrap(
        `(--json lists ${listed} resources: these ${resourceCount} and the ${plural(componentResourceCount, "component resource")} that group them)`,
        "  ",
        "  ",
      ),
    );
  }
  for (const c of inventory.components) {
    const label = c.type.split(":").pop() ?? c.type;
    lines.push(`  ${c.component} (${label}): ${plural(c.resourceCount, "resource")}`);
    lines.push(...wrap(c.summary, "    ", "      "));
    const images = c.images ?? [];
    if (c.images !== undefined && images.length === 0) {
      lines.push("    image: not found (no task definition with containers)");
    }
    for (const image of images) {
      const which = images.length > 1 ? ` (${image.container})` : "";
      lines.push(...wrap(describeImage(image, c.component), `    image${which}: `, "      "));
    }
    if (c.usedBy !== undefined) {
      const users = c.usedBy.length > 0 ? c.usedBy.join(", ") : "no workload";
      lines.push(...wrap(`used by ${users}`, "    ", "      "));
    }
    if (c.subcomponents.length > 0) {
      lines.push(...pack(c.subcomponents, ", ", "    ├ contains ", "      "));
    }
    const counts = c.types.map((t) => `${shortType(t.type)} ${t.count}`);
    if (counts.length > 0) lines.push(...pack(counts, " · ", "    └ ", "      "));
  }
  return lines;
}
