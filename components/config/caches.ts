import { z } from "zod";
import { Environment } from "./environment";
import { intInRange, oneOf, strictObject } from "./schema-helpers";
import { namedRecord } from "./task";

/**
 * `vitcord-infra:caches.<name>`: Redis-compatible caches (ElastiCache). Serverless by default, the
 * cheapest for small caches (components/cache.ts has the figures); `mode: nodes` for a replication
 * group of fixed size. Keys that only one mode uses are refused in the other, so that a stack file
 * never carries a setting that does nothing.
 */

export const CACHE_MODES = ["serverless", "nodes"] as const;
export type CacheMode = (typeof CACHE_MODES)[number];

export const CACHE_ENGINES = ["valkey", "redis"] as const;
export type CacheEngine = (typeof CACHE_ENGINES)[number];

/** The engine version each engine is pinned to (minor upgrades stay automatic). */
export const CACHE_ENGINE_VERSIONS: Readonly<
  Record<CacheEngine, { readonly nodes: string; readonly serverlessMajor: string }>
> = {
  valkey: { nodes: "8.0", serverlessMajor: "8" },
  redis: { nodes: "7.1", serverlessMajor: "7" },
};

/**
 * Current-generation node types ElastiCache offers for Valkey and Redis OSS (Graviton first).
 * Older generations (t2, m4, r4) are left out on purpose: slower and dearer.
 */
export const CACHE_NODE_TYPES = [
  "cache.t4g.micro",
  "cache.t4g.small",
  "cache.t4g.medium",
  "cache.t3.micro",
  "cache.t3.small",
  "cache.t3.medium",
  ...["m7g", "m6g", "r7g", "r6g"].flatMap((family) =>
    ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"].map(
      (size) => `cache.${family}.${size}`,
    ),
  ),
  ...["m5", "r5"].flatMap((family) =>
    ["large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge"].map(
      (size) => `cache.${family}.${size}`,
    ),
  ),
] as const;

/** What `mode: nodes` uses where a key is left out; serverless sizes itself. */
export const CACHE_NODE_DEFAULTS: Readonly<
  Record<Environment, { readonly nodeType: string; readonly replicas: number }>
> = {
  // One micro node ($9.34/month): a dev cache can be lost.
  dev: { nodeType: "cache.t4g.micro", replicas: 0 },
  // Primary + one replica in another AZ: automatic failover and Multi-AZ.
  prod: { nodeType: "cache.t4g.small", replicas: 1 },
};

const SNAPSHOT_RETENTION_DAYS: Readonly<Record<Environment, number>> = { dev: 0, prod: 7 };

/** What `mode: serverless` uses where `maxDataStorageGb` is left out: at most $61 / $306 a month. */
export const CACHE_SERVERLESS_DEFAULTS: Readonly<
  Record<Environment, { readonly maxDataStorageGb: number }>
> = { dev: { maxDataStorageGb: 1 }, prod: { maxDataStorageGb: 5 } };

/**
 * The config name becomes the replication group ID or serverless cache name (1 to 40 characters,
 * a letter first, letters, digits and single hyphens, no trailing hyphen) with Pulumi's
 * 8-character suffix, and the RBAC user ID with the stack's name; 20 keeps both within 40.
 */
export const CACHE_NAME_MAX_LENGTH = 20;
export const cacheNameMessage = `is not a valid cache name: lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen, at most ${CACHE_NAME_MAX_LENGTH} characters (it becomes the ElastiCache replication group ID or cache name, at most 40 with the stack's suffix)`;
const cacheName = z
  .string()
  .regex(new RegExp(`^(?=.{1,${CACHE_NAME_MAX_LENGTH}}$)[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$`), {
    error: cacheNameMessage,
  })
  .meta({ patternErrorMessage: cacheNameMessage });

const nodeTypeMessage = `must be an ElastiCache node type for Valkey and Redis OSS: ${CACHE_NODE_TYPES.join(", ")}`;

function cacheSchema(environment: Environment) {
  return strictObject({
    mode: oneOf(CACHE_MODES)
      .default("serverless")
      .describe(
        "`serverless`: ElastiCache Serverless, billed by data stored (100 MB minimum, about $6/month for Valkey) and requests, replicated across AZs; the cheapest for small caches. `nodes`: a replication group of fixed node type and size, cheaper above about 300 MB of data.",
      ),
    engine: oneOf(CACHE_ENGINES)
      .default("valkey")
      .describe(
        "`valkey` (Redis-compatible, 20% cheaper per node and 33% cheaper serverless) or `redis` (Redis OSS). Pinned to Valkey 8.0 / Redis OSS 7.1 (serverless: major 8 / 7), minor upgrades automatic.",
      ),
    nodeType: z
      .enum(CACHE_NODE_TYPES, { error: nodeTypeMessage })
      .optional()
      .describe(
        `The node type (\`mode: nodes\` only). Default: ${CACHE_NODE_DEFAULTS.dev.nodeType} in dev, ${CACHE_NODE_DEFAULTS.prod.nodeType} in prod.`,
      ),
    replicas: intInRange(0, 5, "replicas")
      .optional()
      .describe(
        `Read replicas beside the primary (\`mode: nodes\` only), each in another AZ; one or more turns on automatic failover and Multi-AZ. Default: ${CACHE_NODE_DEFAULTS.dev.replicas} in dev, ${CACHE_NODE_DEFAULTS.prod.replicas} in prod.`,
      ),
    maxDataStorageGb: intInRange(1, 5000, "GB")
      .optional()
      .describe(
        `The most data a serverless cache may hold (\`mode: serverless\` only): a ceiling on its bill ($0.084 per GB-hour for Valkey, about $61 per GB-month); writes beyond it evict or fail. Default: ${CACHE_SERVERLESS_DEFAULTS.dev.maxDataStorageGb} in dev, ${CACHE_SERVERLESS_DEFAULTS.prod.maxDataStorageGb} in prod.`,
      ),
    maxEcpuPerSecond: intInRange(1000, 15_000_000, "ECPUs per second")
      .optional()
      .describe(
        "The most ElastiCache Processing Units a serverless cache may use per second (`mode: serverless` only); unset, it scales to its limit.",
      ),
    snapshotRetentionDays: intInRange(0, 35, "days")
      .default(SNAPSHOT_RETENTION_DAYS[environment])
      .describe(
        "Days of daily snapshots kept; 0 takes none (a cache can be refilled). Snapshots up to the cache's size are free.",
      ),
  }).superRefine((cache, ctx) => {
    const otherMode: Record<CacheMode, readonly (keyof typeof cache)[]> = {
      serverless: ["nodeType", "replicas"],
      nodes: ["maxDataStorageGb", "maxEcpuPerSecond"],
    };
    for (const key of otherMode[cache.mode]) {
      if (cache[key] !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `only applies to mode: ${cache.mode === "nodes" ? "serverless" : "nodes"} (this cache's mode is ${cache.mode})`,
        });
      }
    }
  });
}

/** `vitcord-infra:caches`: cache name → settings. */
export function cachesSchema(environment: Environment) {
  return namedRecord(
    cacheName,
    cacheSchema(environment).describe(
      "One Redis-compatible cache: mode (serverless or nodes), engine, size, snapshots.",
    ),
    cacheNameMessage,
  )
    .default({})
    .describe(
      "Redis-compatible caches (ElastiCache for Valkey), by name: each in the private subnets, encrypted in transit and at rest, with an auth token from Secrets Manager, reached only by the workloads that list it in `uses`.",
    );
}

export type CachesConfig = z.output<ReturnType<typeof cachesSchema>>;
export type CacheConfig = CachesConfig[string];
