/**
 * The monthly cost model: pure functions over recorded resources, keyed by resource type. Every
 * custom resource ends up in exactly one place: a priced line, the free list, or the unpriced
 * list (never silently dropped). A price the table lacks makes its item unpriced, not guessed.
 */
import { Assumptions } from "./assumptions";
import {
  charge,
  Context,
  CostLine,
  FreeItem,
  MissingPrice,
  missingPrices,
  roundCents,
  unpriced,
  UnpricedItem,
} from "./cost-context";
import { ALERTING_PRICERS } from "./cost-alerts";
import { DATA_STORE_PRICERS } from "./cost-data";
import { KMS_PRICERS } from "./kms";
import { WAF_PRICERS } from "./cost-waf";
import { FREE_TYPES, UNPRICED_REASONS } from "./free-types";
import { runningHours } from "./schedule";
import { CURRENCY, DEFAULT_PRICES, PriceTable } from "./price-table";
import {
  availabilityZoneCount,
  byTypeAndName,
  groupByOwner,
  instancePlan,
  launchTemplateVolumes,
  list,
  natGatewayCount,
  num,
  obj,
  RecordedResource,
  serviceTaskDefinition,
  splitTasks,
  str,
  taskSize,
  trim,
  TYPES,
} from "./resources";

export { FREE_TYPES, roundCents, UNPRICED_REASONS };
export type { CostLine, FreeItem, MissingPrice, UnpricedItem };

export interface CostEstimate {
  readonly currency: string;
  readonly total: number;
  /**
   * False when a price the estimate needed is missing for the region (`missingPrices`): the total
   * then leaves out charges the model knows about. Items outside the model (SQS requests)
   * are always in `unpriced` and do not make it false.
   */
  readonly complete: boolean;
  readonly missingPrices: MissingPrice[];
  /** Monthly total per component, in plan order. */
  readonly byComponent: { readonly component: string; readonly monthly: number }[];
  readonly lines: CostLine[];
  readonly unpriced: UnpricedItem[];
  readonly free: FreeItem[];
}

/** Adds the resource's lines (or unpriced items); returns a reason when it has no charge of its own. */
type Pricer = (resource: RecordedResource, ctx: Context) => string | void;

function priceVpc(vpc: RecordedResource, ctx: Context): void {
  const { count, strategy } = natGatewayCount(vpc);
  const hours = ctx.assumptions.hoursPerMonth;
  const label = `${count} NAT gateway${count === 1 ? "" : "s"} (${strategy})`;
  charge(ctx, vpc, `${label}, hours`, count * hours, "nat.hour");
  if (count > 0) charge(ctx, vpc, "NAT data processed", ctx.assumptions.natGbPerMonth, "nat.gb");
  charge(ctx, vpc, `${label}, public IPv4 addresses`, count * hours, "ipv4.hour");
}

/**
 * An Elastic IP: a public IPv4 address, billed by the hour whether in use or not (AWS's public
 * IPv4 charge). Offline only our own are recorded (awsx's NAT gateways' are priced with the VPC).
 */
function priceElasticIp(eip: RecordedResource, ctx: Context): void {
  const hours = ctx.assumptions.hoursPerMonth;
  charge(ctx, eip, "Elastic IP (public IPv4)", hours, "ipv4.hour");
}

function priceLoadBalancer(lb: RecordedResource, ctx: Context): void {
  const kind = str(lb.inputs.loadBalancerType) ?? "application";
  const prefix = kind === "application" ? "alb" : kind === "network" ? "nlb" : kind;
  const hours = ctx.assumptions.hoursPerMonth;
  const label = kind === "application" ? "ALB" : `${kind} load balancer`;
  charge(ctx, lb, `${label} hours`, hours, `${prefix}.hour`);
  charge(
    ctx,
    lb,
    `${label} LCUs (${trim(ctx.assumptions.albLcuPerHour)} on average)`,
    ctx.assumptions.albLcuPerHour * hours,
    `${prefix}.lcuHour`,
  );
  if (lb.inputs.internal === true) return;
  const zones =
    list(lb.inputs.subnets).length ||
    list(lb.inputs.subnetMappings).length ||
    availabilityZoneCount(ctx.resources) ||
    0;
  if (zones === 0) {
    unpriced(ctx, lb, "public IPv4 addresses: the load balancer's subnets are unknown");
    return;
  }
  charge(ctx, lb, `${label} public IPv4 (${zones} AZs)`, zones * hours, "ipv4.hour");
}

function priceAutoscalingGroup(group: RecordedResource, ctx: Context): void {
  const plan = instancePlan(ctx.resources, group);
  // Off hours take the group to 0 instances; their root volumes go with them (deleteOnTermination).
  const hours = runningHours(ctx.resources, group, ctx.assumptions.hoursPerMonth);
  const volumeShare = hours / ctx.assumptions.hoursPerMonth;
  const type = plan.instanceTypes[0];
  if (type === undefined) {
    unpriced(ctx, group, "EC2 instances: no instance type found on the group or its template");
  } else {
    // With several types the first is priced: on-demand launches follow the list's order.
    const others = plan.instanceTypes.length > 1 ? " (first of the listed types)" : "";
    charge(
      ctx,
      group,
      `EC2 ${type} on-demand × ${plan.onDemand}${others}`,
      plan.onDemand * hours,
      `ec2.${type}.hour`,
    );
    const discount = ctx.assumptions.ec2SpotDiscount;
    charge(
      ctx,
      group,
      `EC2 ${type} Spot × ${plan.spot}${others}`,
      plan.spot * hours,
      `ec2.${type}.hour`,
      discount,
    );
  }
  if (plan.count === 0) return;
  const volumes = plan.launchTemplate ? launchTemplateVolumes(plan.launchTemplate) : [];
  if (volumes.length === 0) {
    unpriced(ctx, group, "EBS root volumes: no size declared (the AMI's default applies)");
  }
  for (const volume of volumes) {
    const kind = volume.volumeType ?? "unspecified";
    if (volume.sizeGiB === undefined) {
      unpriced(ctx, group, `EBS ${kind} volume: no size declared`);
      continue;
    }
    const each = `EBS ${kind} ${volume.sizeGiB} GiB × ${plan.count} instances`;
    charge(ctx, group, each, volume.sizeGiB * plan.count * volumeShare, `ebs.${kind}.gbMonth`);
    if (kind === "gp3") {
      const iops = Math.max(0, (volume.iops ?? 3000) - 3000);
      const throughput = Math.max(0, (volume.throughput ?? 125) - 125);
      charge(
        ctx,
        group,
        `${each}, IOPS above 3,000`,
        iops * plan.count * volumeShare,
        "ebs.gp3.iopsMonth",
      );
      charge(
        ctx,
        group,
        `${each}, MB/s above 125`,
        throughput * plan.count * volumeShare,
        "ebs.gp3.throughputMonth",
      );
    }
  }
}

function priceService(service: RecordedResource, ctx: Context): string | void {
  const taskDefinition = serviceTaskDefinition(ctx.resources, service);
  const size = taskDefinition ? taskSize(taskDefinition) : undefined;
  const split = splitTasks(service, size);
  if (split.launch === "EC2") return "EC2 tasks run on the cluster's instances, priced there";
  if (size === undefined) {
    unpriced(ctx, service, "Fargate tasks: the task definition's cpu/memory are unknown");
    return;
  }
  const hours = runningHours(ctx.resources, service, ctx.assumptions.hoursPerMonth);
  const arch = size.arm ? "arm" : "x86";
  const shape = `${trim(size.vcpu)} vCPU / ${trim(size.memoryMiB / 1024)} GB ${size.arm ? "ARM64" : "x86"}`;
  const storage = Math.max(
    0,
    (num(obj(taskDefinition?.inputs.ephemeralStorage).sizeInGib) ?? 20) - 20,
  );
  for (const [tasks, label, discount] of [
    [split.onDemand, "Fargate", 0],
    [split.spot, "Fargate Spot", ctx.assumptions.fargateSpotDiscount],
  ] as const) {
    const what = `${label} ${tasks} × ${shape}`;
    // aws-prices.md: one AWS guide says Fargate Spot has no ARM64, the newer API reference says it
    // has (platform 1.4.0+); the plan says so rather than pick a side.
    const note =
      discount > 0 && size.arm ? "Fargate Spot on ARM64 unconfirmed (sources conflict)" : "";
    charge(
      ctx,
      service,
      `${what}, vCPU`,
      tasks * size.vcpu * hours,
      `fargate.${arch}.vcpuHour`,
      discount,
      note,
    );
    charge(
      ctx,
      service,
      `${what}, memory`,
      ((tasks * size.memoryMiB) / 1024) * hours,
      `fargate.${arch}.gbHour`,
      discount,
      note,
    );
    charge(
      ctx,
      service,
      `${what}, storage above 20 GB`,
      tasks * storage * hours,
      "fargate.storage.gbHour",
      discount,
    );
  }
}

function priceEndpoint(endpoint: RecordedResource, ctx: Context): string | void {
  const kind = str(endpoint.inputs.vpcEndpointType) ?? "Gateway";
  if (kind === "Gateway") return "S3 and DynamoDB gateway endpoints have no charge";
  if (kind !== "Interface") {
    unpriced(ctx, endpoint, `${kind} endpoints are not in the price table`);
    return;
  }
  const service = str(endpoint.inputs.serviceName)?.split(".").pop() ?? "endpoint";
  const zones = list(endpoint.inputs.subnetIds).length || availabilityZoneCount(ctx.resources) || 1;
  const hours = ctx.assumptions.hoursPerMonth;
  charge(
    ctx,
    endpoint,
    `${service} interface endpoint × ${zones} AZs`,
    zones * hours,
    "vpce.interface.azHour",
  );
  charge(
    ctx,
    endpoint,
    `${service} interface endpoint data`,
    ctx.assumptions.endpointGbPerMonth,
    "vpce.interface.gb",
  );
}

function priceLogGroup(group: RecordedResource, ctx: Context): void {
  const gb = ctx.assumptions.logGbPerGroupPerMonth;
  const name = str(group.inputs.name) ?? group.name;
  charge(ctx, group, `${name}: ingestion`, gb, "logs.ingestGb");
  const days = num(group.inputs.retentionInDays) ?? 0;
  if (days === 0) {
    unpriced(ctx, group, "log storage: no retention, so stored logs grow without bound");
    return;
  }
  // At steady state a group holds `retention` worth of ingestion.
  const stored = Number(((gb * days * 12) / 365).toFixed(2));
  charge(ctx, group, `${name}: storage (${days} days kept)`, stored, "logs.storeGbMonth");
}

function priceBucket(bucket: RecordedResource, ctx: Context): void {
  charge(
    ctx,
    bucket,
    "S3 Standard storage (access logs)",
    ctx.assumptions.s3GbPerBucket,
    "s3.standard.gbMonth",
  );
}

function priceRepository(repository: RecordedResource, ctx: Context): void {
  charge(
    ctx,
    repository,
    `ECR ${repository.name} image storage`,
    ctx.assumptions.ecrGbPerRepository,
    "ecr.gbMonth",
  );
}

/** The priced types: each reads the resource's inputs and adds lines or unpriced items. */
export const PRICERS: Readonly<Record<string, Pricer>> = {
  [TYPES.vpc]: priceVpc,
  [TYPES.loadBalancer]: priceLoadBalancer,
  [TYPES.albLoadBalancer]: priceLoadBalancer,
  [TYPES.autoscalingGroup]: priceAutoscalingGroup,
  "aws:ec2/eip:Eip": priceElasticIp,
  [TYPES.service]: priceService,
  [TYPES.vpcEndpoint]: priceEndpoint,
  [TYPES.logGroup]: priceLogGroup,
  [TYPES.bucket]: priceBucket,
  [TYPES.bucketV2]: priceBucket,
  [TYPES.repository]: priceRepository,
  ...KMS_PRICERS,
  "aws:secretsmanager/secret:Secret": (secret, ctx) =>
    charge(ctx, secret, "Secrets Manager secret", 1, "secretsmanager.secretMonth"),
  // Parameter Store: a Standard parameter (up to 4 KB) has no charge, an Advanced one is monthly.
  "aws:ssm/parameter:Parameter": (parameter, ctx) =>
    parameter.inputs.tier === "Advanced"
      ? charge(ctx, parameter, "SSM advanced parameter", 1, "ssm.advancedParameterMonth")
      : "Standard-tier SSM parameters have no charge",
  ...DATA_STORE_PRICERS,
  ...ALERTING_PRICERS,
  ...WAF_PRICERS,
};

export interface EstimateOptions {
  readonly region: string;
  readonly assumptions: Assumptions;
  /** @default the repository's price table */
  readonly prices?: PriceTable;
}

/** The monthly cost of a set of recorded resources. */
export function estimateCost(
  resources: readonly RecordedResource[],
  options: EstimateOptions,
): CostEstimate {
  const ctx: Context = {
    resources,
    region: options.region,
    assumptions: options.assumptions,
    prices: options.prices ?? DEFAULT_PRICES,
    lines: [],
    unpriced: [],
  };
  const free = new Map<string, FreeItem>();
  // Within a component, the priced types in PRICERS order (NAT before logs), then the rest.
  const rank = (type: string) => {
    const index = Object.keys(PRICERS).indexOf(type);
    return index === -1 ? Number.MAX_SAFE_INTEGER : index;
  };
  const ordered = groupByOwner(resources).flatMap((group) =>
    [...group.resources].sort((a, b) => rank(a.type) - rank(b.type) || byTypeAndName(a, b)),
  );
  for (const resource of ordered) {
    const pricer = PRICERS[resource.type];
    const freeReason = pricer !== undefined ? pricer(resource, ctx) : FREE_TYPES[resource.type];
    if (typeof freeReason === "string") {
      const seen = free.get(resource.type);
      free.set(resource.type, {
        type: resource.type,
        count: (seen?.count ?? 0) + 1,
        reason: freeReason,
      });
    } else if (pricer === undefined && (resource.custom || resource.type.startsWith("awsx:"))) {
      // Not priced, not free: listed. (Our own vitcord:* components only group resources.)
      unpriced(
        ctx,
        resource,
        UNPRICED_REASONS[resource.type] ?? "this resource type is not in the cost model",
      );
    }
  }
  const byComponent = new Map<string, number>();
  for (const line of ctx.lines) {
    byComponent.set(
      line.component,
      roundCents((byComponent.get(line.component) ?? 0) + line.monthly),
    );
  }
  const missing = missingPrices(ctx);
  return {
    currency: CURRENCY,
    total: roundCents(ctx.lines.reduce((sum, line) => sum + line.monthly, 0)),
    complete: missing.length === 0,
    missingPrices: missing,
    byComponent: [...byComponent].map(([component, monthly]) => ({ component, monthly })),
    lines: ctx.lines,
    unpriced: ctx.unpriced,
    free: [...free.values()].sort((a, b) => a.type.localeCompare(b.type)),
  };
}
