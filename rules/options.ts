/** Rules over Pulumi resource options, which only the engine (or a captured run) can see. */
import { ResourceRule } from "./types";
import { T } from "./util";

/**
 * Resources whose loss hurts beyond a redeploy: DNS points at load balancers, buckets and log
 * groups hold history, queues hold jobs, repositories hold images, data stores hold the data.
 */
export const STATEFUL_TYPES: readonly string[] = [
  T.loadBalancer,
  T.bucket,
  T.bucketV2,
  T.queue,
  T.repository,
  T.kmsKey,
  T.dbInstance,
  T.dynamoTable,
  T.replicationGroup,
  T.serverlessCache,
];

export const statefulProtected: ResourceRule = {
  scope: "resource",
  id: "VIT-OPS-01",
  title: "Stateful resources carry protect and retainOnDelete (statefulResourceOptions)",
  controls: ["ELB.6 (resource options)", "Pulumi protect/retainOnDelete"],
  severity: "high",
  enforcement: "mandatory",
  environments: ["prod"],
  resourceTypes: STATEFUL_TYPES,
  // Offline records carry no options unless captured: such a stack is "not applicable", not passed.
  applies: (resource) => resource.options !== undefined,
  check(resource) {
    if (resource.options === undefined) return [];
    const problems: string[] = [];
    if (resource.options.protect !== true) problems.push("protect is not set");
    // The policy engine reports `protect` only; retainOnDelete is judged where it is recorded.
    if ("retainOnDelete" in resource.options && resource.options.retainOnDelete !== true) {
      problems.push("retainOnDelete is not set");
    }
    return problems.length === 0
      ? []
      : [`${problems.join(" and ")}; declare it with statefulResourceOptions(true)`];
  },
};

export const OPTIONS_RULES = [statefulProtected] as const;
