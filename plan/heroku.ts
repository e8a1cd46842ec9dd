/**
 * What the same workloads would cost on Heroku, the comparison the company made when it left.
 * Two figures, never mixed:
 * - **Private Space**, the like-for-like one: the stack is a private network (services reachable
 *   only through their load balancers), and on Heroku that is a Private Space ($1,000 a month)
 *   whose dynos are all Private-tier (Private-S/M/L).
 * - **Common Runtime**, for reference only: Standard/Performance dynos with no private network.
 * Each web service and worker task becomes the smallest dyno of the tier with at least its memory;
 * each database the Heroku Postgres plan of the same size (heroku-addons.ts).
 */
import { HEROKU_PRICES, HerokuDyno, HerokuPrices, PRICE_SOURCES } from "./price-table";
import {
  num,
  ownerOf,
  RecordedResource,
  serviceTaskDefinition,
  taskSize,
  TYPES,
} from "./resources";
import { roundCents } from "./cost";
import { DATA_TYPES } from "./cost-data";
import {
  commonRuntimeAddons,
  HerokuAddonLine,
  HerokuAddons,
  privateSpaceAddons,
} from "./heroku-addons";

export interface HerokuLine {
  /** The web service or worker (its component's name). */
  readonly workload: string;
  readonly tasks: number;
  /** The memory of one task. */
  readonly memoryMiB: number;
  readonly dyno: string;
  readonly dynoMemoryMiB: number;
  readonly dynoMonthly: number;
  /** tasks × dynoMonthly */
  readonly monthly: number;
  /** "heroku-cli 2026-08-04; memory: heroku-enterprise" (keys of the price table's sources). */
  readonly source: string;
}

/** One way to run the workloads on Heroku. */
export interface HerokuFigure {
  readonly name: string;
  /** Whether the services are on a private network, as they are in the VPC. */
  readonly privateNetwork: boolean;
  /** The space's own fee (the Private Space), or null on the Common Runtime. */
  readonly space: {
    readonly name: string;
    readonly monthly: number;
    readonly source: string;
  } | null;
  readonly lines: HerokuLine[];
  /** The databases (and caches) as add-on plans of the same size. */
  readonly addons: HerokuAddonLine[];
  /** Space fee + every line + every add-on; leaves out what is in `unpriced`. */
  readonly total: number;
  /**
   * Workloads this figure cannot run (no dyno of the tier is big enough) or whose memory is
   * unknown, and data stores with no priced plan.
   */
  readonly unpriced: string[];
}

export interface HerokuEstimate {
  readonly currency: "USD";
  /** The like-for-like figure: the one to compare with the AWS estimate. */
  readonly privateSpace: HerokuFigure;
  /** No private network; for reference. */
  readonly commonRuntime: HerokuFigure;
  readonly notes: string[];
  /** The price-table sources the figures cite, key → description. */
  readonly sources: Record<string, string>;
}

/** The smallest of `dynos` with at least `memoryMiB` of memory, or undefined when none is. */
export function dynoFor(memoryMiB: number, dynos: readonly HerokuDyno[]): HerokuDyno | undefined {
  return [...dynos]
    .sort((a, b) => a.memoryMiB - b.memoryMiB)
    .find((dyno) => dyno.memoryMiB >= memoryMiB);
}

interface Workload {
  readonly workload: string;
  readonly tasks: number;
  readonly memoryMiB?: number;
}

/** Each ECS service as a workload: its component's name, desired count and task memory. */
function workloads(resources: readonly RecordedResource[]): Workload[] {
  return resources
    .filter((r) => r.type === TYPES.service)
    .map((service) => {
      const definition = serviceTaskDefinition(resources, service);
      return {
        workload: ownerOf(resources, service).name,
        tasks: num(service.inputs.desiredCount) ?? 0,
        memoryMiB: definition ? taskSize(definition)?.memoryMiB : undefined,
      };
    })
    .sort((a, b) => a.workload.localeCompare(b.workload));
}

/** "14 GB" for 14336 MiB, "512 MB" for 512 MiB: how Heroku states dyno memory. */
export function dynoMemory(memoryMiB: number): string {
  return memoryMiB >= 1024 ? `${memoryMiB / 1024} GB` : `${memoryMiB} MB`;
}

function figure(
  name: string,
  privateNetwork: boolean,
  space: HerokuFigure["space"],
  dynos: readonly HerokuDyno[],
  all: readonly Workload[],
  addons: HerokuAddons,
): HerokuFigure {
  const lines: HerokuLine[] = [];
  const unpriced: string[] = [];
  const largest = [...dynos].sort((a, b) => b.memoryMiB - a.memoryMiB)[0];
  for (const { workload, tasks, memoryMiB } of all) {
    if (memoryMiB === undefined) {
      unpriced.push(`${workload}: task memory unknown`);
      continue;
    }
    const dyno = dynoFor(memoryMiB, dynos);
    if (dyno === undefined) {
      const limit = largest ? ` (${largest.name} has ${dynoMemory(largest.memoryMiB)})` : "";
      unpriced.push(
        `${workload}: does not fit, ${memoryMiB} MiB per task is more than any ${name} dyno${limit}`,
      );
      continue;
    }
    lines.push({
      workload,
      tasks,
      memoryMiB,
      dyno: dyno.name,
      dynoMemoryMiB: dyno.memoryMiB,
      dynoMonthly: dyno.monthly,
      monthly: roundCents(tasks * dyno.monthly),
      source: `${dyno.source} ${dyno.date}; memory: ${dyno.memorySource}`,
    });
  }
  const fee = space?.monthly ?? 0;
  const workloadsTotal = lines.reduce((sum, l) => sum + l.monthly, fee);
  return {
    name,
    privateNetwork,
    space,
    lines,
    addons: addons.lines,
    total: roundCents(addons.lines.reduce((sum, a) => sum + a.monthly, workloadsTotal)),
    unpriced: [...unpriced, ...addons.unpriced],
  };
}

export function estimateHeroku(
  resources: readonly RecordedResource[],
  prices: HerokuPrices = HEROKU_PRICES,
): HerokuEstimate {
  const all = workloads(resources);
  const ps = prices.privateSpace;
  const cr = prices.commonRuntime;
  const privateSpace = figure(
    ps.name,
    true,
    { name: ps.name, monthly: ps.monthly, source: `${ps.source} ${ps.date}` },
    ps.dynos,
    all,
    privateSpaceAddons(resources),
  );
  const crAddons = commonRuntimeAddons(resources, prices);
  const commonRuntime = figure(cr.name, false, null, cr.dynos, all, crAddons);
  const hasDatabase = resources.some((r) => r.type === DATA_TYPES.dbInstance);
  const cited = [
    ...[ps, ...ps.dynos, ...cr.dynos].flatMap((p) =>
      "memorySource" in p ? [p.source, p.memorySource] : [p.source],
    ),
    ...crAddons.lines.map((l) => l.source.split(" ")[0]!),
    ...(hasDatabase ? [prices.postgres.tiersSource] : []),
  ];
  const notes = [
    "Compare with the Private Space: the stack is a private network, and a Private Space runs only Private-tier dynos.",
    "Monthly list prices (prorated per second); Enterprise contracts can differ.",
  ];
  if (hasDatabase) {
    notes.push(
      "A database becomes the Heroku Postgres plan with at least its instance's memory and storage, Premium (HA) for a Multi-AZ one; a Private Space needs a Private-tier plan.",
    );
  }
  if (crAddons.lines.some((l) => !l.confirmed)) {
    notes.push("An add-on marked unconfirmed is an estimate: its price or size is not confirmed.");
  }
  if (resources.some((r) => r.type === DATA_TYPES.table)) {
    notes.push(
      "DynamoDB tables have no Heroku equivalent: they stay on AWS in both figures (not in them).",
    );
  }
  return {
    currency: "USD",
    privateSpace,
    commonRuntime,
    notes,
    sources: Object.fromEntries(
      [...new Set(cited)].sort().map((key) => [key, PRICE_SOURCES[key] ?? "(not in the table)"]),
    ),
  };
}
