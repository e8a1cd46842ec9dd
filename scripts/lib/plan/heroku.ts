/**
 * What the same workloads would cost on Heroku, the comparison the company made when it left:
 * each web service and worker task becomes the smallest dyno with at least its memory, plus a
 * Private Space for the private-network equivalent of the VPC.
 */
import { HEROKU_PRICES, HerokuPrices } from "./price-table";
import {
  num,
  ownerOf,
  RecordedResource,
  serviceTaskDefinition,
  taskSize,
  TYPES,
} from "./resources";
import { roundCents } from "./cost";

export interface HerokuLine {
  /** The web service or worker (its component's name). */
  readonly workload: string;
  readonly tasks: number;
  readonly memoryMiB: number;
  /** The dyno type, or undefined when no dyno has enough memory. */
  readonly dyno?: string;
  readonly dynoMonthly: number;
  readonly monthly: number;
}

export interface HerokuEstimate {
  readonly currency: "USD";
  readonly total: number;
  readonly lines: HerokuLine[];
  readonly privateSpace: number;
  /** Workloads that no dyno fits, or whose memory is unknown. */
  readonly unpriced: string[];
  readonly notes: string[];
}

/** The smallest dyno with at least `memoryMiB` of memory. */
export function dynoFor(memoryMiB: number, prices: HerokuPrices = HEROKU_PRICES) {
  return [...prices.dynos]
    .sort((a, b) => a.memoryMiB - b.memoryMiB)
    .find((dyno) => dyno.memoryMiB >= memoryMiB);
}

export function estimateHeroku(
  resources: readonly RecordedResource[],
  prices: HerokuPrices = HEROKU_PRICES,
): HerokuEstimate {
  const lines: HerokuLine[] = [];
  const unpriced: string[] = [];
  for (const service of resources.filter((r) => r.type === TYPES.service)) {
    const workload = ownerOf(resources, service).name;
    const definition = serviceTaskDefinition(resources, service);
    const size = definition ? taskSize(definition) : undefined;
    const tasks = num(service.inputs.desiredCount) ?? 0;
    if (size === undefined) {
      unpriced.push(`${workload}: task memory unknown`);
      continue;
    }
    const dyno = dynoFor(size.memoryMiB, prices);
    if (dyno === undefined) {
      unpriced.push(`${workload}: ${size.memoryMiB} MiB per task is more than any listed dyno`);
      continue;
    }
    lines.push({
      workload,
      tasks,
      memoryMiB: size.memoryMiB,
      dyno: dyno.name,
      dynoMonthly: dyno.monthly,
      monthly: roundCents(tasks * dyno.monthly),
    });
  }
  lines.sort((a, b) => a.workload.localeCompare(b.workload));
  const privateSpace = prices.privateSpace.monthly;
  return {
    currency: "USD",
    total: roundCents(lines.reduce((sum, l) => sum + l.monthly, privateSpace)),
    lines,
    privateSpace,
    unpriced,
    notes: [prices.privateDynoNote, `prices: ${prices.privateSpace.source} (dyno list prices)`],
  };
}
