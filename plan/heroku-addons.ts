/**
 * The data stores on Heroku: each RDS database as the Heroku Postgres plan of the same size (at
 * least its instance's memory and its allocated storage, with HA when it is Multi-AZ), each cache
 * as a Key-Value Store plan. Only plans whose size the price table knows are matched; what has no
 * match, or no price (every Private-tier plan), is listed as not in the total, with why.
 */
import { DATA_TYPES } from "./cost-data";
import { HerokuAddonPlan, HerokuPrices } from "./price-table";
import { num, ownerOf, RecordedResource, str } from "./resources";

/** Memory of the RDS instance classes (GiB; AWS's RDS instance types page). */
export const RDS_CLASS_MEMORY_GB: Readonly<Record<string, number>> = {
  "db.t4g.micro": 1,
  "db.t4g.small": 2,
  "db.t4g.medium": 4,
  "db.t4g.large": 8,
  "db.t4g.xlarge": 16,
  "db.t3.micro": 1,
  "db.t3.small": 2,
  "db.t3.medium": 4,
  "db.t3.large": 8,
  "db.m6g.large": 8,
  "db.m7g.large": 8,
  "db.m6g.xlarge": 16,
  "db.m7g.xlarge": 16,
  "db.r6g.large": 16,
  "db.r7g.large": 16,
};

export interface HerokuAddonLine {
  /** The data store (its component's name). */
  readonly store: string;
  readonly kind: "database" | "cache";
  /** "Postgres Premium-0" */
  readonly plan: string;
  /** What was matched: "4 GB RAM, 64 GB, HA for db.t4g.medium Multi-AZ, 64 GB". */
  readonly match: string;
  readonly monthly: number;
  /** False when the plan's price or size is unconfirmed: an estimate, not a firm figure. */
  readonly confirmed: boolean;
  readonly source: string;
}

export interface HerokuAddons {
  readonly lines: HerokuAddonLine[];
  /** Stores with no priced plan, each with why. */
  readonly unpriced: string[];
}

interface DatabaseNeed {
  readonly store: string;
  readonly instanceClass: string;
  readonly memoryGb?: number;
  readonly storageGb?: number;
  readonly highAvailability: boolean;
}

function databaseNeeds(resources: readonly RecordedResource[]): DatabaseNeed[] {
  return resources
    .filter((r) => r.type === DATA_TYPES.dbInstance)
    .map((db) => {
      const instanceClass = str(db.inputs.instanceClass) ?? "?";
      return {
        store: ownerOf(resources, db).name,
        instanceClass,
        memoryGb: RDS_CLASS_MEMORY_GB[instanceClass],
        storageGb: num(db.inputs.allocatedStorage),
        highAvailability: db.inputs.multiAz === true,
      };
    });
}

/** The cheapest plan with at least the memory and storage, and HA exactly when asked. */
export function postgresPlanFor(
  need: Pick<DatabaseNeed, "memoryGb" | "storageGb" | "highAvailability">,
  plans: readonly HerokuAddonPlan[],
): HerokuAddonPlan | undefined {
  if (need.memoryGb === undefined || need.storageGb === undefined) return undefined;
  return [...plans]
    .filter(
      (p) =>
        (p.highAvailability ?? false) === need.highAvailability &&
        typeof p.memoryGb === "number" &&
        typeof p.storageGb === "number" &&
        p.memoryGb >= need.memoryGb! &&
        p.storageGb >= need.storageGb!,
    )
    .sort((a, b) => a.monthly - b.monthly)[0];
}

function describeNeed(need: DatabaseNeed): string {
  const az = need.highAvailability ? "Multi-AZ" : "Single-AZ";
  return `${need.instanceClass} ${az}, ${need.storageGb ?? "?"} GB`;
}

/** The Common Runtime's add-ons: Postgres plans by size; caches unpriced (no plan sizes). */
export function commonRuntimeAddons(
  resources: readonly RecordedResource[],
  prices: HerokuPrices,
): HerokuAddons {
  const lines: HerokuAddonLine[] = [];
  const unpriced: string[] = [];
  for (const need of databaseNeeds(resources)) {
    const plan = postgresPlanFor(need, prices.postgres.plans);
    if (plan === undefined) {
      const why =
        need.memoryGb === undefined
          ? `the memory of ${need.instanceClass} is not in the plan's class table`
          : "no Heroku Postgres plan of known size is as large";
      unpriced.push(`${need.store} (database, ${describeNeed(need)}): ${why}`);
      continue;
    }
    const ha = plan.highAvailability === true ? ", HA" : "";
    lines.push({
      store: need.store,
      kind: "database",
      plan: `Postgres ${plan.name}`,
      match: `${plan.memoryGb} GB RAM, ${plan.storageGb} GB${ha} for ${describeNeed(need)}`,
      monthly: plan.monthly,
      confirmed: plan.confirmed,
      source: `${plan.source} ${plan.date}${plan.confirmed ? "" : " (unconfirmed)"}`,
    });
  }
  unpriced.push(
    ...cachesUnpriced(resources, "Key-Value Store plan sizes are not in the price table"),
  );
  return { lines, unpriced };
}

/** A Private Space runs only Private/Shield add-on plans, and none of their prices was found. */
export function privateSpaceAddons(resources: readonly RecordedResource[]): HerokuAddons {
  const why = "no Private-tier plan price was found (Heroku's price table was not readable)";
  return {
    lines: [],
    unpriced: [
      ...databaseNeeds(resources).map(
        (need) => `${need.store} (database, ${describeNeed(need)}): Postgres: ${why}`,
      ),
      ...cachesUnpriced(resources, `Key-Value Store: ${why}`),
    ],
  };
}

function cachesUnpriced(resources: readonly RecordedResource[], why: string): string[] {
  return resources
    .filter((r) => r.type === DATA_TYPES.replicationGroup || r.type === DATA_TYPES.serverlessCache)
    .map((cache) => `${ownerOf(resources, cache).name} (cache): ${why}`);
}
