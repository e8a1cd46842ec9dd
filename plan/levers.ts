/**
 * The levers of a stack's cost: its largest line items and, for each, the config change that
 * would reduce it and by how much; and the break-even of the interface endpoints VIT-NET-11 asks
 * for. Pure functions of the estimate's lines and the same price table: no figure is written here.
 *
 * A "line item" is what one config entry controls: one component's lines of one kind of charge
 * (the `network` NAT gateways with their addresses and data, the `api` load balancer with its
 * LCUs and addresses, the `cluster` instances with their volumes, the `main` database). Grouping
 * by price key family keeps the advice actionable: each group has one place to change it.
 */
import { NAT_INSTANCE_TYPE_DEFAULT } from "../components/config/network";
import {
  parseWeeklyTime,
  runningHoursPerMonth,
  SCHEDULE_DEFAULTS,
} from "../components/config/schedule";
import { Assumptions } from "./assumptions";
import { CostEstimate, CostLine, roundCents } from "./cost";
import { PriceTable } from "./price-table";
import { RulesReport } from "../rules";
import { natGatewayPerAz, noNatInstanceInProd } from "../rules/network";

/** How many of the largest line items the plan gives levers for. */
export const LEVER_COUNT = 3;

export type ChargeKind =
  | "nat-gateways"
  | "nat-instance"
  | "load-balancer"
  | "instances"
  | "fargate"
  | "database"
  | "endpoints"
  | "waf"
  | "logs"
  | "other";

const KIND_LABELS: Readonly<Record<ChargeKind, string>> = {
  "nat-gateways": "NAT gateways",
  "nat-instance": "NAT instance",
  "load-balancer": "load balancer",
  instances: "EC2 instances",
  fargate: "Fargate tasks",
  database: "database",
  endpoints: "interface endpoints",
  waf: "WAF",
  logs: "CloudWatch Logs",
  other: "other charges",
};

/**
 * The kind of charge a line is, from its price key; EC2 in the network's component (the one that
 * owns the VPC) is its NAT instance.
 */
export function chargeKind(line: Pick<CostLine, "key">, inNetwork = false): ChargeKind {
  const family = line.key.split(".")[0] ?? "";
  if (family === "nat") return "nat-gateways";
  if (family === "alb" || family === "nlb") return "load-balancer";
  if (family === "ec2" || family === "ebs") return inNetwork ? "nat-instance" : "instances";
  if (family === "fargate") return "fargate";
  if (family === "rds") return "database";
  if (family === "vpce") return "endpoints";
  if (family === "waf") return "waf";
  if (family === "logs") return "logs";
  return "other";
}

export interface CostGroup {
  readonly component: string;
  readonly kind: ChargeKind;
  /** "network: NAT gateways" */
  readonly label: string;
  readonly monthly: number;
  readonly lines: readonly CostLine[];
}

/**
 * The estimate's lines grouped by component and kind, largest first. A public IPv4 line belongs to
 * what it is the address of: the line priced just before it in the same component (the NAT
 * gateways, the load balancer, the NAT instance), as the pricers charge them together.
 */
export function costGroups(
  cost: CostEstimate,
  networkComponents: ReadonlySet<string> = new Set(),
): CostGroup[] {
  const groups = new Map<string, { component: string; kind: ChargeKind; lines: CostLine[] }>();
  let previous: { component: string; kind: ChargeKind } | undefined;
  for (const line of cost.lines) {
    const own = chargeKind(line, networkComponents.has(line.component));
    const kind =
      line.key === "ipv4.hour" && previous?.component === line.component ? previous.kind : own;
    const id = `${line.component}\u0000${kind}`;
    const group = groups.get(id) ?? { component: line.component, kind, lines: [] };
    group.lines.push(line);
    groups.set(id, group);
    previous = { component: line.component, kind };
  }
  return [...groups.values()]
    .map((g) => ({
      ...g,
      label: `${g.component}: ${KIND_LABELS[g.kind]}`,
      monthly: roundCents(g.lines.reduce((sum, l) => sum + l.monthly, 0)),
    }))
    .sort((a, b) => b.monthly - a.monthly);
}

export interface Lever {
  /** "network: NAT gateways" */
  readonly item: string;
  readonly monthly: number;
  /** The config change, or null when there is none to make (and `detail` says why). */
  readonly change: string | null;
  /** What the change saves a month, from the price table; null without a change or a price. */
  readonly saves: number | null;
  readonly detail: string;
}

export interface LeverContext {
  readonly environment: string;
  readonly region: string;
  readonly assumptions: Assumptions;
  readonly prices: PriceTable;
  /** The components that own a VPC: their EC2 lines are the NAT instance. @default none */
  readonly networkComponents?: ReadonlySet<string>;
  /** The stack's off hours (plan/schedule.ts), when it has them: who sleeps, hours it runs. */
  readonly schedule?: {
    readonly hoursPerMonth: number;
    readonly workloads: readonly string[];
    readonly cluster: boolean;
    readonly databases: readonly string[];
  };
}

function price(ctx: LeverContext, key: string): number | undefined {
  return ctx.prices.get(ctx.region, key)?.price;
}

const sum = (lines: readonly CostLine[]) => roundCents(lines.reduce((s, l) => s + l.monthly, 0));

/** Lines billed per running hour (instances, tasks, a database's instance hours), not storage. */
function hourly(lines: readonly CostLine[]): CostLine[] {
  return lines.filter((l) => /\.(hour|vcpuHour|gbHour|multiAzHour)$/.test(l.key));
}

/** Whether the stack's schedule puts this line item to sleep. */
function sleeps(group: CostGroup, ctx: LeverContext): boolean {
  const s = ctx.schedule;
  if (s === undefined) return false;
  if (group.kind === "database") return s.databases.includes(group.component);
  if (group.kind === "instances") return s.cluster && group.component === "cluster";
  return s.workloads.includes(group.component);
}

/** The hours a month the default off-hours schedule runs (components/config/schedule.ts). */
function defaultScheduleHours(hoursPerMonth: number): number | undefined {
  const wake = parseWeeklyTime(SCHEDULE_DEFAULTS.wake);
  const sleep = parseWeeklyTime(SCHEDULE_DEFAULTS.sleep);
  return wake && sleep ? runningHoursPerMonth({ wake, sleep }, hoursPerMonth) : undefined;
}

/**
 * Instances, tasks, a database: asleep off hours already (what the schedule saves on its hourly
 * lines: their price for the hours they sleep), or in dev the default schedule, or Spot.
 */
function runningLever(group: CostGroup, ctx: LeverContext): Lever {
  const base = { item: group.label, monthly: group.monthly };
  const hours = ctx.assumptions.hoursPerMonth;
  const lines = hourly(group.lines);
  if (sleeps(group, ctx) && ctx.schedule !== undefined && ctx.schedule.hoursPerMonth > 0) {
    const running = ctx.schedule.hoursPerMonth;
    const saved = roundCents(sum(lines) * (hours / running - 1));
    const spot = spotLever(group, ctx);
    if (spot.change !== null) return spot;
    return {
      ...base,
      change: null,
      saves: null,
      detail: `already asleep off hours (${running} of ${hours} hours), which saves ${usd(saved)}/mo here`,
    };
  }
  const scheduled = ctx.environment === "dev" ? defaultScheduleHours(hours) : undefined;
  if (scheduled !== undefined && lines.length > 0) {
    return {
      ...base,
      change: "`vitcord-infra:schedule` (dev's off hours)",
      saves: roundCents(sum(lines) * (1 - scheduled / hours)),
      detail: `it would run ${scheduled} of ${hours} hours (${SCHEDULE_DEFAULTS.wake} to ${SCHEDULE_DEFAULTS.sleep}, ${SCHEDULE_DEFAULTS.timezone})`,
    };
  }
  return spotLever(group, ctx);
}

/** A lever for one line item. */
export function leverFor(group: CostGroup, ctx: LeverContext): Lever {
  const base = { item: group.label, monthly: group.monthly };
  const none = (detail: string): Lever => ({ ...base, change: null, saves: null, detail });
  const dev = ctx.environment === "dev";
  const hours = ctx.assumptions.hoursPerMonth;
  switch (group.kind) {
    case "nat-gateways": {
      if (!dev) {
        return none(
          `prod keeps a NAT gateway per AZ (${natGatewayPerAz.id}) and refuses a NAT instance (${noNatInstanceInProd.id})`,
        );
      }
      const type = NAT_INSTANCE_TYPE_DEFAULT;
      const instance = price(ctx, `ec2.${type}.hour`);
      const address = price(ctx, "ipv4.hour");
      if (instance === undefined || address === undefined) {
        return none(`the price table has no ec2.${type}.hour or ipv4.hour price for ${ctx.region}`);
      }
      const replacement = roundCents((instance + address) * hours);
      return {
        ...base,
        change: "`network.natGateways: instance`",
        saves: roundCents(group.monthly - replacement),
        detail: `one ${type} NAT instance and its Elastic IP cost ${usd(replacement)}/mo, with no per-GB processing fee`,
      };
    }
    case "nat-instance":
      return none("already the cheapest NAT: one small instance, no per-GB processing fee");
    case "load-balancer":
      return none(
        "each web service has its own load balancer by design (its LCUs follow the traffic assumption)",
      );
    case "instances":
    case "fargate":
    case "database":
      return runningLever(group, ctx);
    case "endpoints":
      return {
        ...base,
        change: "no interface endpoints (VIT-NET-11 is advisory)",
        saves: group.monthly,
        detail: "AWS API traffic goes through the NAT instead (see the break-even above)",
      };
    case "waf":
      return dev
        ? { ...base, change: "`waf.enabled: false`", saves: group.monthly, detail: "dev's default" }
        : none("prod's public load balancers need it (VIT-ELB-07)");
    case "logs":
      return none(
        dev
          ? "priced by the log volume assumed; retention adds little"
          : "prod keeps logs a year (VIT-LOG-01)",
      );
    default:
      return none("priced by usage (see the assumptions)");
  }
}

/** On-demand EC2 or Fargate lines: Spot at the assumed discount; a database: none. */
function spotLever(group: CostGroup, ctx: LeverContext): Lever {
  const base = { item: group.label, monthly: group.monthly };
  if (group.kind === "database") {
    return {
      ...base,
      change: null,
      saves: null,
      detail:
        ctx.environment === "dev"
          ? "a smaller instance class is the only lever left"
          : "prod's database runs Multi-AZ by rule (VIT-RDS-05)",
    };
  }
  const onDemand = group.lines.filter(
    (l) => !l.source.includes("Spot discount") && /\.(hour|vcpuHour|gbHour)$/.test(l.key),
  );
  if (onDemand.length === 0) {
    return { ...base, change: null, saves: null, detail: "already on Spot" };
  }
  const discount =
    group.kind === "instances"
      ? ctx.assumptions.ec2SpotDiscount
      : ctx.assumptions.fargateSpotDiscount;
  const change =
    group.kind === "instances"
      ? "`cluster.spot` with `onDemandBase: 0`"
      : `\`workers.${group.component}.spot.enabled: true\` with \`base: 0\``;
  return {
    ...base,
    change,
    saves: roundCents(sum(onDemand) * discount),
    detail: `at the assumed ${Math.round(discount * 100)}% Spot discount, with Spot's interruptions`,
  };
}

/** The largest `count` line items, each with its lever. */
export function largestLevers(cost: CostEstimate, ctx: LeverContext, count = LEVER_COUNT): Lever[] {
  return costGroups(cost, ctx.networkComponents)
    .slice(0, count)
    .map((group) => leverFor(group, ctx));
}

export interface EndpointBreakEven {
  /** The interface endpoints VIT-NET-11 finds missing, e.g. ecr.api, ecr.dkr, logs, ssm. */
  readonly services: readonly string[];
  readonly zones: number;
  /** What they would cost a month: hours in every AZ, plus the data they would process. */
  readonly monthly: number;
  /** The NAT data processing they would save at `gbPerMonth`. */
  readonly natSaved: number;
  /** The plan's NAT traffic assumption, all taken as AWS API traffic (the endpoints' best case). */
  readonly gbPerMonth: number;
  /** The GB a month of AWS API traffic at which the endpoints pay for themselves. */
  readonly breakEvenGb: number;
}

/**
 * The break-even of the interface endpoints VIT-NET-11 asks for (from its finding, violated or
 * waived): their hourly charge in every AZ against the NAT per-GB processing they would save,
 * net of their own per-GB charge. Undefined when nothing is missing or a price is.
 */
export function endpointBreakEven(
  rules: RulesReport,
  zones: number,
  ctx: LeverContext,
): EndpointBreakEven | undefined {
  const finding = [...rules.violations, ...rules.waivedFindings].find(
    (f) => f.ruleId === "VIT-NET-11",
  );
  const missing = /no interface endpoint for (.+)$/.exec(finding?.message ?? "")?.[1];
  if (missing === undefined || zones === 0) return undefined;
  const services = missing.split(",").map((s) => s.trim());
  const azHour = price(ctx, "vpce.interface.azHour");
  const endpointGb = price(ctx, "vpce.interface.gb");
  const natGb = price(ctx, "nat.gb");
  if (azHour === undefined || endpointGb === undefined || natGb === undefined) return undefined;
  const gb = ctx.assumptions.natGbPerMonth;
  const fixed = services.length * zones * ctx.assumptions.hoursPerMonth * azHour;
  return {
    services,
    zones,
    monthly: roundCents(fixed + gb * endpointGb),
    natSaved: roundCents(gb * natGb),
    gbPerMonth: gb,
    breakEvenGb: natGb > endpointGb ? Math.ceil(fixed / (natGb - endpointGb)) : Infinity,
  };
}

export interface CostLevers {
  readonly largest: readonly Lever[];
  readonly endpoints?: EndpointBreakEven;
}

function usd(value: number): string {
  return `$${value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}
