/**
 * Reading recorded resources: the look-ups the inventory, the cost model, the diagram and the
 * Heroku comparison share. Everything here is pure: it works on a `RecordedResource[]` from the
 * synthesis engine or on a hand-built list in a test.
 */
import { resourceState } from "./engine/stand-ins";
import { RecordedResource } from "./engine/synth";

export type { RecordedResource };

export const TYPES = {
  vpc: "awsx:ec2:Vpc",
  loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
  albLoadBalancer: "aws:alb/loadBalancer:LoadBalancer",
  listener: "aws:lb/listener:Listener",
  autoscalingGroup: "aws:autoscaling/group:Group",
  launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
  capacityProvider: "aws:ecs/capacityProvider:CapacityProvider",
  cluster: "aws:ecs/cluster:Cluster",
  service: "aws:ecs/service:Service",
  taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  scalingTarget: "aws:appautoscaling/target:Target",
  vpcEndpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  queue: "aws:sqs/queue:Queue",
  bucket: "aws:s3/bucket:Bucket",
  bucketV2: "aws:s3/bucketV2:BucketV2",
  repository: "aws:ecr/repository:Repository",
} as const;

/** A number from a recorded input (inputs arrive as numbers or numeric strings). */
export function num(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) {
    return Number(value);
  }
  return undefined;
}

export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function obj(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

/** `aws:ec2/vpcEndpoint:VpcEndpoint` → `ec2.VpcEndpoint`; `awsx:ec2:Vpc` → `awsx.ec2.Vpc`. */
export function shortType(type: string): string {
  const [pkg = "", middle = "", kind = ""] = type.split(":");
  const module = middle.split("/")[0] ?? "";
  if (pkg === "aws") return `${module}.${kind}`;
  if (pkg === "pulumi" && middle === "providers") return `provider.${kind}`;
  return `${pkg}.${module}.${kind}`;
}

/** The id the stand-in engine gave a resource (records keep its state, not its id). */
function standInId(resource: RecordedResource): string | undefined {
  try {
    const region = str(resource.inputs.region) ?? "us-east-1";
    return resourceState(resource.type, resource.name, resource.inputs, { region }).id;
  } catch {
    return undefined;
  }
}

/** Every id, ARN and name under which another resource can refer to this one. */
function handles(resource: RecordedResource): string[] {
  const { state, inputs } = resource;
  return [
    `${resource.name}-id`, // the stand-in engine's id for most types
    standInId(resource),
    str(state.id),
    str(state.arn),
    str(state.name),
    str(inputs.name),
    str(state.family),
    typeof state.family === "string" ? `${state.family}:1` : undefined,
  ].filter((h): h is string => h !== undefined);
}

/** The resource of `type` that `reference` (an id, ARN or name another resource holds) points to. */
export function findReferenced(
  resources: readonly RecordedResource[],
  type: string,
  reference: unknown,
): RecordedResource | undefined {
  const candidates = resources.filter((r) => r.type === type);
  if (typeof reference === "string") {
    const found = candidates.find((r) => handles(r).includes(reference));
    if (found) return found;
  }
  // With a single candidate there is nothing to confuse it with.
  return candidates.length === 1 ? candidates[0] : undefined;
}

/**
 * The component a resource belongs to for grouping: its outermost ancestor that is a component
 * (network, cluster, api, jobs). Resources declared at the top of the program group as "stack".
 */
export interface Owner {
  readonly name: string;
  readonly type: string;
}

export const STACK_OWNER: Owner = { name: "stack", type: "pulumi:pulumi:Stack" };

/**
 * One of our own grouping components (vitcord:*). awsx components are remote: they stand for
 * real cloud resources (the VPC and its NAT gateways), so they count as resources, not groups.
 */
export function isComponent(resource: RecordedResource): boolean {
  return !resource.custom && !resource.type.startsWith("awsx:");
}

const urnIndex = new WeakMap<readonly RecordedResource[], Map<string, RecordedResource>>();

export function ownerOf(resources: readonly RecordedResource[], resource: RecordedResource): Owner {
  let byUrn = urnIndex.get(resources);
  if (byUrn === undefined) {
    byUrn = new Map(resources.map((r) => [r.urn, r]));
    urnIndex.set(resources, byUrn);
  }
  let owner: Owner | undefined = isComponent(resource) ? resource : undefined;
  let current = resource;
  for (let hops = 0; current.parentUrn !== undefined && hops < 100; hops++) {
    const parent = byUrn.get(current.parentUrn);
    if (parent === undefined) {
      // The parent was not recorded (a hand-built list): its type and name are still known.
      return current.parent ?? owner ?? STACK_OWNER;
    }
    if (isComponent(parent)) owner = parent;
    current = parent;
  }
  return owner === undefined ? STACK_OWNER : { name: owner.name, type: owner.type };
}

/**
 * The order components are shown in, as the program wires them: the stack's own resources, the
 * network, the cluster, the shared image repositories, the data stores, the web services, the
 * queues, the workers;
 * anything else last.
 */
const COMPONENT_ORDER: readonly string[] = [
  STACK_OWNER.type,
  "vitcord:network:PrivateNetwork",
  "vitcord:cluster:Ec2Cluster",
  "vitcord:registry:SharedRepositories",
  "vitcord:data:PostgresDatabase",
  "vitcord:data:DynamoTable",
  "vitcord:data:RedisCache",
  "vitcord:service:LoadBalancedService",
  "vitcord:service:WorkerQueue",
  "vitcord:service:FargateWorker",
];

function componentRank(owner: Owner): number {
  const rank = COMPONENT_ORDER.indexOf(owner.type);
  return rank === -1 ? COMPONENT_ORDER.length : rank;
}

/**
 * Resources grouped by owning component, components in the program's wiring order and by name
 * within a kind, so the order never depends on when the engine happened to register them.
 */
export function groupByOwner(
  resources: readonly RecordedResource[],
): { owner: Owner; resources: RecordedResource[] }[] {
  const groups = new Map<string, { owner: Owner; resources: RecordedResource[] }>();
  for (const resource of resources) {
    const owner = ownerOf(resources, resource);
    const key = `${owner.type}::${owner.name}`;
    const group = groups.get(key) ?? { owner, resources: [] };
    group.resources.push(resource);
    groups.set(key, group);
  }
  return [...groups.values()].sort(
    (a, b) =>
      componentRank(a.owner) - componentRank(b.owner) || a.owner.name.localeCompare(b.owner.name),
  );
}

/** A task definition's size: vCPUs and GiB from its task-level cpu units and MiB. */
export interface TaskSize {
  readonly vcpu: number;
  readonly memoryMiB: number;
  readonly arm: boolean;
  readonly fargate: boolean;
}

export function taskSize(taskDefinition: RecordedResource): TaskSize | undefined {
  const { inputs } = taskDefinition;
  let cpu = num(inputs.cpu);
  let memory = num(inputs.memory);
  // EC2 task definitions may size only their containers.
  const containers = parseContainers(inputs.containerDefinitions);
  if (cpu === undefined && containers.length > 0) {
    cpu = containers.reduce((sum, c) => sum + (num(c.cpu) ?? 0), 0) || undefined;
  }
  if (memory === undefined && containers.length > 0) {
    memory =
      containers.reduce((sum, c) => sum + (num(c.memory) ?? num(c.memoryReservation) ?? 0), 0) ||
      undefined;
  }
  if (cpu === undefined || memory === undefined) return undefined;
  const platform = obj(inputs.runtimePlatform);
  const compatibilities = list(inputs.requiresCompatibilities).map(String);
  return {
    vcpu: cpu / 1024,
    memoryMiB: memory,
    arm: str(platform.cpuArchitecture)?.toUpperCase() === "ARM64",
    fargate: compatibilities.includes("FARGATE") && !compatibilities.includes("EC2"),
  };
}

function parseContainers(value: unknown): Record<string, unknown>[] {
  if (typeof value === "string") {
    try {
      return list(JSON.parse(value)).map(obj);
    } catch {
      return [];
    }
  }
  return list(value).map(obj);
}

export type Launch = "EC2" | "FARGATE";

/** How an ECS service's tasks are split between providers. */
export interface TaskSplit {
  readonly launch: Launch;
  readonly onDemand: number;
  readonly spot: number;
}

/**
 * Splits a service's desired tasks between on-demand and Spot the way ECS does: each strategy's
 * `base` first, the rest by `weight`. Spot gets the rounded-down share (the estimate errs high).
 */
export function splitTasks(service: RecordedResource, size: TaskSize | undefined): TaskSplit {
  const tasks = num(service.inputs.desiredCount) ?? 0;
  const strategies = list(service.inputs.capacityProviderStrategies).map(obj);
  const launchType = str(service.inputs.launchType);
  const providers = strategies.map((s) => str(s.capacityProvider) ?? "");
  const fargate =
    launchType === "FARGATE" ||
    providers.some((p) => p === "FARGATE" || p === "FARGATE_SPOT") ||
    (launchType === undefined && strategies.length === 0 && size?.fargate === true);
  if (!fargate) return { launch: "EC2", onDemand: tasks, spot: 0 };

  let remaining = tasks;
  let spot = 0;
  for (const s of strategies) {
    const base = Math.min(remaining, num(s.base) ?? 0);
    remaining -= base;
    if (str(s.capacityProvider) === "FARGATE_SPOT") spot += base;
  }
  const totalWeight = strategies.reduce((sum, s) => sum + (num(s.weight) ?? 0), 0);
  const spotWeight = strategies
    .filter((s) => str(s.capacityProvider) === "FARGATE_SPOT")
    .reduce((sum, s) => sum + (num(s.weight) ?? 0), 0);
  if (totalWeight > 0) spot += Math.floor((remaining * spotWeight) / totalWeight);
  return { launch: "FARGATE", onDemand: tasks - spot, spot };
}

/** The AZ count of the stack's network, from the awsx VPC's inputs. */
export function availabilityZoneCount(resources: readonly RecordedResource[]): number | undefined {
  const vpc = resources.find((r) => r.type === TYPES.vpc);
  if (vpc === undefined) return undefined;
  return num(vpc.inputs.numberOfAvailabilityZones) ?? list(vpc.inputs.availabilityZoneNames).length;
}

/** NAT gateways an awsx VPC creates (awsx's default, with public and private subnets: one per AZ). */
export function natGatewayCount(vpc: RecordedResource): {
  count: number;
  strategy: string;
  zones: number;
} {
  const zones =
    num(vpc.inputs.numberOfAvailabilityZones) ??
    (list(vpc.inputs.availabilityZoneNames).length || 3);
  const strategy = str(obj(vpc.inputs.natGateways).strategy) ?? "OnePerAz";
  const count = strategy === "None" ? 0 : strategy === "Single" ? 1 : zones;
  return { count, strategy, zones };
}

/** An Auto Scaling group's instances: count, types, and the on-demand/Spot split. */
export interface InstancePlan {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly instanceTypes: string[];
  readonly onDemand: number;
  readonly spot: number;
  readonly launchTemplate?: RecordedResource;
}

export function instancePlan(
  resources: readonly RecordedResource[],
  group: RecordedResource,
): InstancePlan {
  const { inputs } = group;
  const min = num(inputs.minSize) ?? 0;
  const max = num(inputs.maxSize) ?? min;
  const count = num(inputs.desiredCapacity) ?? min;
  const mixed = obj(inputs.mixedInstancesPolicy);
  const mixedTemplate = obj(mixed.launchTemplate);
  const spec = obj(mixedTemplate.launchTemplateSpecification);
  const direct = obj(inputs.launchTemplate);
  const reference =
    str(spec.launchTemplateId) ??
    str(spec.launchTemplateName) ??
    str(direct.id) ??
    str(direct.name);
  const launchTemplate = findReferenced(resources, TYPES.launchTemplate, reference);
  const overrides = list(mixedTemplate.overrides)
    .map((o) => str(obj(o).instanceType))
    .filter((t): t is string => t !== undefined);
  const fromTemplate = str(launchTemplate?.inputs.instanceType);
  const instanceTypes = overrides.length > 0 ? overrides : fromTemplate ? [fromTemplate] : [];

  const distribution = obj(mixed.instancesDistribution);
  let onDemand = count;
  if (inputs.mixedInstancesPolicy !== undefined) {
    const base = Math.min(count, num(distribution.onDemandBaseCapacity) ?? 0);
    const percent = num(distribution.onDemandPercentageAboveBaseCapacity) ?? 100;
    onDemand = base + Math.ceil(((count - base) * percent) / 100);
  }
  return {
    count,
    min,
    max,
    instanceTypes,
    onDemand,
    spot: count - onDemand,
    launchTemplate,
  };
}

/** A launch template's EBS volumes, as declared in its block device mappings. */
export interface Volume {
  readonly sizeGiB?: number;
  readonly volumeType?: string;
  readonly iops?: number;
  readonly throughput?: number;
}

export function launchTemplateVolumes(template: RecordedResource): Volume[] {
  return list(template.inputs.blockDeviceMappings)
    .map((m) => obj(obj(m).ebs))
    .filter((ebs) => Object.keys(ebs).length > 0)
    .map((ebs) => ({
      sizeGiB: num(ebs.volumeSize),
      volumeType: str(ebs.volumeType),
      iops: num(ebs.iops),
      throughput: num(ebs.throughput),
    }));
}

/** The task definition an ECS service runs. */
export function serviceTaskDefinition(
  resources: readonly RecordedResource[],
  service: RecordedResource,
): RecordedResource | undefined {
  const reference = service.inputs.taskDefinition;
  const found = findReferenced(resources, TYPES.taskDefinition, reference);
  if (found) return found;
  // Fall back to the task definition declared in the same component.
  const owner = ownerOf(resources, service);
  const siblings = resources.filter(
    (r) => r.type === TYPES.taskDefinition && ownerOf(resources, r).name === owner.name,
  );
  return siblings.length === 1 ? siblings[0] : undefined;
}

/** Formats 0.25 as "0.25", 1 as "1": no trailing zeros. */
export function trim(value: number): string {
  return String(Number(value.toFixed(4)));
}

/** Sorts by type, then name: a stable order that does not depend on declaration timing. */
export function byTypeAndName(a: RecordedResource, b: RecordedResource): number {
  return a.type < b.type
    ? -1
    : a.type > b.type
      ? 1
      : a.name < b.name
        ? -1
        : a.name > b.name
          ? 1
          : 0;
}

/** Resources component by component (in wiring order), by type and name within each. */
export function orderedByOwner(resources: readonly RecordedResource[]): RecordedResource[] {
  return groupByOwner(resources).flatMap((group) => [...group.resources].sort(byTypeAndName));
}
