import { z } from "zod";
import {
  CONTAINER_INSIGHTS,
  ClusterDefaults,
  ContainerInsights,
  ENVIRONMENT_DEFAULTS,
  Environment,
  SpotSettings,
} from "./environment";
import { INSTANCE_FAMILIES, INSTANCE_TYPES, instanceTypeInfo } from "./instance-types";
export { CONTAINER_INSIGHTS, type ClusterDefaults, type ContainerInsights, type SpotSettings };
import { booleanFlag, intInRange, oneOf, strictObject } from "./schema-helpers";

/** Instances in the Auto Scaling group: a sanity bound, well below any account quota. */
export const CLUSTER_SIZE_MAX = 100;
/** The ECS-optimized AL2023 AMI's root snapshot is 30 GiB: a smaller volume cannot launch. */
export const ROOT_VOLUME_MIN_GIB = 30;
/** gp3's largest volume (16 TiB). */
export const ROOT_VOLUME_MAX_GIB = 16384;
/** More overrides than this only slow the Auto Scaling group's choice down (AWS allows 40). */
export const INSTANCE_TYPES_MAX = 20;

/**
 * Why an instance type is not accepted, or undefined if it is: an unknown family and an unknown
 * size of a known family get different answers, each listing what is supported.
 */
export function instanceTypeProblem(type: string): string | undefined {
  if (instanceTypeInfo(type) !== undefined) return undefined;
  const family = type.split(".")[0] ?? "";
  const sizes = Object.keys(INSTANCE_TYPES)
    .filter((t) => t.startsWith(`${family}.`))
    .map((t) => t.slice(family.length + 1));
  if (sizes.length > 0) {
    return `is not a supported size of ${family}; supported sizes: ${sizes.join(", ")}`;
  }
  return `is not a supported instance type; use <family>.<size> with a family of: ${INSTANCE_FAMILIES.join(", ")}`;
}

const instanceType = z
  .string({ error: "must be an instance type such as t4g.medium" })
  .superRefine((type, ctx) => {
    const problem = instanceTypeProblem(type);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
  })
  .meta({ enum: Object.keys(INSTANCE_TYPES) });

const instanceTypes = z
  .array(instanceType, { error: "must be a list of instance types, e.g. [t4g.medium, t4g.large]" })
  .min(1, { error: "must list at least one instance type" })
  .max(INSTANCE_TYPES_MAX, { error: `must list at most ${INSTANCE_TYPES_MAX} instance types` })
  .superRefine((types, ctx) => {
    const seen = new Set<string>();
    for (const type of types) {
      if (seen.has(type)) ctx.addIssue({ code: "custom", message: `lists ${type} twice` });
      seen.add(type);
    }
    // One launch template has one AMI, and the ECS-optimized AMI is built per architecture.
    const byArchitecture = new Map<string, string[]>();
    for (const type of types) {
      const architecture = instanceTypeInfo(type)?.architecture;
      if (architecture === undefined) return; // already reported per type
      byArchitecture.set(architecture, [...(byArchitecture.get(architecture) ?? []), type]);
    }
    if (byArchitecture.size > 1) {
      const groups = [...byArchitecture].map(([arch, list]) => `${arch}: ${list.join(", ")}`);
      ctx.addIssue({
        code: "custom",
        message: `mixes architectures (${groups.join("; ")}); all types must be arm64 (Graviton) or all x86_64, as one launch template has one AMI`,
      });
    }
  })
  .meta({ uniqueItems: true });

/** An EC2 image id: `ami-` and 8 or 17 hex digits. */
const AMI_ID = /^ami-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
const amiIdMessage = "must be an AMI id: ami- followed by 8 or 17 lowercase hex digits";
const amiId = z
  .string({ error: amiIdMessage })
  .regex(AMI_ID, { error: amiIdMessage })
  .meta({ patternErrorMessage: amiIdMessage });

/**
 * Whether the stack declares the account-and-region-wide ECS default `awsvpcTrunking`, per
 * environment: prod's m7g/m6g support it (10 tasks per large instance instead of 2), dev's t4g do
 * not. One stack per account and region should declare it (components/cluster.ts).
 */
/**
 * What an unpinned stack (no `cluster.amiId`) does when AWS publishes a new ECS-optimized AMI:
 * dev follows it (runs new AMIs first), prod keeps the one of its first deploy until a pin.
 */
export const AMI_UPDATES = ["follow", "keep"] as const;
export const AMI_UPDATES_DEFAULTS: Readonly<Record<Environment, (typeof AMI_UPDATES)[number]>> = {
  dev: "follow",
  prod: "keep",
};

export const ENI_TRUNKING_DEFAULTS: Readonly<Record<Environment, boolean>> = {
  dev: false,
  prod: true,
};

const percent = (min: number) => intInRange(min, 100, "percent");

function spotSchema(defaults: SpotSettings) {
  return strictObject({
    enabled: booleanFlag
      .default(defaults.enabled)
      .describe(
        "Buy Spot instances above the on-demand base; `false` makes every instance on-demand.",
      ),
    onDemandBase: intInRange(0, CLUSTER_SIZE_MAX, "instances")
      .default(defaults.onDemandBase)
      .describe(
        "Instances that are always on-demand, whatever the Spot market does (used while Spot is enabled); at most `maxSize`.",
      ),
    onDemandPercentageAboveBase: percent(0)
      .default(defaults.onDemandPercentageAboveBase)
      .describe(
        "Percent of the instances above the on-demand base that are on-demand; the rest are Spot.",
      ),
  })
    .prefault({})
    .describe("How the Auto Scaling group buys its instances: on-demand, Spot, or a mix.");
}

/**
 * `vitcord-infra:cluster`: the EC2 capacity of the ECS cluster. Cross-field rules name the key
 * that the stack set: when min > max, the one that differs from its default is the one to blame.
 */
export function clusterSchema(environment: Environment) {
  const defaults = ENVIRONMENT_DEFAULTS[environment].cluster;
  return strictObject({
    instanceTypes: instanceTypes
      .default([...defaults.instanceTypes])
      .describe(
        "The EC2 instance types the Auto Scaling group may launch, all arm64 (Graviton) or all x86_64; with several it falls back to another type when one is short. Every service's task must fit on each of them.",
      ),
    minSize: intInRange(0, CLUSTER_SIZE_MAX, "instances")
      .default(defaults.minSize)
      .describe("The fewest instances the Auto Scaling group keeps running; at most `maxSize`."),
    maxSize: intInRange(1, CLUSTER_SIZE_MAX, "instances")
      .default(defaults.maxSize)
      .describe(
        "The most instances managed scaling may launch; at least `minSize` and, while Spot is enabled, `spot.onDemandBase`.",
      ),
    desiredCapacity: intInRange(0, CLUSTER_SIZE_MAX, "instances")
      .optional()
      .describe(
        "Instances when the Auto Scaling group is created, from `minSize` to `maxSize`; managed scaling owns the number afterwards. Unset, the group starts at `minSize`.",
      ),
    spot: spotSchema(defaults.spot),
    targetCapacity: percent(1)
      .default(defaults.targetCapacity)
      .describe(
        "How full, in percent of their CPU and memory, managed scaling keeps the instances; below 100 keeps room for the extra tasks of a rolling deploy.",
      ),
    rootVolumeGiB: intInRange(ROOT_VOLUME_MIN_GIB, ROOT_VOLUME_MAX_GIB, "GiB")
      .default(defaults.rootVolumeGiB)
      .describe(
        "Size of each instance's encrypted gp3 root volume, in GiB; it holds the images and container logs. The ECS-optimized AMI needs 30 at least.",
      ),
    amiId: amiId
      .optional()
      .describe(
        "The ECS-optimized Amazon Linux 2023 AMI of the instances, pinned: a new AMI from AWS replaces the instances only when this changes (an instance refresh, new instances first). Unset, `amiUpdates` says what happens when AWS publishes a new one. `npm run infra -- ami --stack <stack>` shows the recommended id and the line to write.",
      ),
    amiUpdates: oneOf(AMI_UPDATES)
      .default(AMI_UPDATES_DEFAULTS[environment])
      .describe(
        "Without `amiId`: `follow` reads AWS's recommended AMI at every `up`, so an `up` after AWS publishes one refreshes the instances (dev: it runs new AMIs first); `keep` takes the recommended AMI at the first deploy and keeps it (Pulumi ignores later changes of the recommendation), so no release rolls the fleet; pin `amiId` to move on.",
      ),
    eniTrunking: booleanFlag
      .default(ENI_TRUNKING_DEFAULTS[environment])
      .describe(
        "Declare ECS ENI trunking (`awsvpcTrunking`) on for the account and region, so that an instance of a type that supports it (m6g/m7g/c6g/c7g/r6g/r7g, m6i/m7i/c6i; not t3/t3a/t4g) holds 10 awsvpc tasks per large size instead of 2. The setting is account-wide: let one stack per account and region declare it; it is kept when the stack is destroyed.",
      ),
    containerInsights: oneOf(CONTAINER_INSIGHTS)
      .default(defaults.containerInsights)
      .describe(
        "CloudWatch Container Insights for the cluster: `enabled` collects cluster, service and task metrics, `enhanced` adds per-container ones (at a higher cost). It cannot be turned off (ECS.12).",
      ),
  })
    .superRefine((cluster, ctx) => {
      // zod still runs this after a range error; such a size is reported once, there.
      const size = (n: number, min: number) =>
        Number.isInteger(n) && n >= min && n <= CLUSTER_SIZE_MAX;
      if (!size(cluster.minSize, 0) || !size(cluster.maxSize, 1)) return;
      if (cluster.minSize > cluster.maxSize) {
        // Defaults satisfy min ≤ max, so if min kept its default, max is the key the stack set.
        if (cluster.minSize === defaults.minSize) {
          ctx.addIssue({
            code: "custom",
            path: ["maxSize"],
            message: `must be at least vitcord-infra:cluster.minSize (${cluster.minSize})`,
          });
        } else {
          ctx.addIssue({
            code: "custom",
            path: ["minSize"],
            message: `must be at most vitcord-infra:cluster.maxSize (${cluster.maxSize})`,
          });
        }
      }
      // The Auto Scaling group refuses an on-demand base above its maximum size ("Max bound, 2,
      // must be greater than or equal to OnDemandBaseCapacity, 3"). With Spot off the base is 0.
      const spot = cluster.spot;
      if (
        spot.enabled === true &&
        size(spot.onDemandBase, 0) &&
        spot.onDemandBase > cluster.maxSize
      ) {
        if (spot.onDemandBase === defaults.spot.onDemandBase) {
          ctx.addIssue({
            code: "custom",
            path: ["maxSize"],
            message: `must be at least vitcord-infra:cluster.spot.onDemandBase (${spot.onDemandBase}) while Spot is enabled`,
          });
        } else {
          ctx.addIssue({
            code: "custom",
            path: ["spot", "onDemandBase"],
            message: `must be at most vitcord-infra:cluster.maxSize (${cluster.maxSize}): the Auto Scaling group rejects an on-demand base above its maximum size`,
          });
        }
      }
      const desired = cluster.desiredCapacity;
      if (
        desired !== undefined &&
        size(desired, 0) &&
        (desired < cluster.minSize || desired > cluster.maxSize)
      ) {
        ctx.addIssue({
          code: "custom",
          path: ["desiredCapacity"],
          message: `must be from vitcord-infra:cluster.minSize (${cluster.minSize}) to vitcord-infra:cluster.maxSize (${cluster.maxSize})`,
        });
      }
    })
    .prefault({})
    .describe(
      "The ECS cluster's EC2 capacity: an Auto Scaling group behind a capacity provider with managed scaling. The web services run on it.",
    );
}

export type ClusterConfig = z.output<ReturnType<typeof clusterSchema>>;
