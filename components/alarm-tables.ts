/**
 * The alarm tables of the cluster and the data stores (the workloads' are in components/alarms.ts).
 * Pure: tested without mocks (tests/alarms.test.ts).
 */
import { AlarmMetric, AlarmSpec } from "./alarms";
import { AlertThresholds } from "./config/environment";

/** Bytes in a GB as the thresholds count them (CloudWatch reports storage in bytes). */
export const BYTES_PER_GB = 1e9;

/** What the cluster alarms watch. */
export interface ClusterAlarmSource<D = string> {
  readonly clusterName: D;
  readonly capacityProviderName: D;
  readonly autoScalingGroupName: D;
  /** The group's maximum size (`cluster.maxSize`). */
  readonly maxSize: number;
}

/**
 * - capacity-pinned: ECS publishes CapacityProviderReservation = instances needed / instances
 *   running × 100 (AWS/ECS/ManagedScaling); above 100 tasks wait in PROVISIONING for instances
 *   (docs.aws.amazon.com/AmazonECS/latest/developerguide/cluster-auto-scaling.html). Managed
 *   scaling clears that in minutes, unless the group is at its maximum: sustained, it pages.
 * - asg-at-max: GroupInServiceInstances at the group's maximum size (from config). Group metrics
 *   exist only for the metrics a group enables: the cluster's group enables this one
 *   (components/cluster.ts `enabledMetrics`).
 */
export function clusterAlarmSpecs<D>(
  source: ClusterAlarmSource<D>,
  t: AlertThresholds,
): AlarmSpec<D>[] {
  return [
    {
      workload: "cluster",
      symptom: "capacity-pinned",
      description: `cluster: tasks have waited for instances (capacity reservation above 100%) for ${t.capacityPinnedMinutes} minutes.`,
      comparison: "GreaterThanThreshold",
      threshold: 100,
      period: 60,
      evaluationPeriods: t.capacityPinnedMinutes,
      datapointsToAlarm: t.capacityPinnedMinutes,
      treatMissingData: "missing",
      metrics: [
        {
          id: "m",
          namespace: "AWS/ECS/ManagedScaling",
          metricName: "CapacityProviderReservation",
          dimensions: {
            ClusterName: source.clusterName,
            CapacityProviderName: source.capacityProviderName,
          },
          stat: "Minimum",
        },
      ],
    },
    {
      workload: "cluster",
      symptom: "asg-at-max",
      description: `cluster: the Auto Scaling group has run at its maximum of ${source.maxSize} instances for ${t.capacityPinnedMinutes} minutes.`,
      comparison: "GreaterThanOrEqualToThreshold",
      threshold: source.maxSize,
      period: 60,
      evaluationPeriods: t.capacityPinnedMinutes,
      datapointsToAlarm: t.capacityPinnedMinutes,
      treatMissingData: "missing",
      metrics: [
        {
          id: "m",
          namespace: "AWS/AutoScaling",
          metricName: "GroupInServiceInstances",
          dimensions: { AutoScalingGroupName: source.autoScalingGroupName },
          stat: "Minimum",
        },
      ],
    },
  ];
}

/** A data store, as its alarms need it. */
export type DataStoreAlarmSource<D = string> =
  | { readonly kind: "database"; readonly name: string; readonly identifier: D }
  | { readonly kind: "table"; readonly name: string; readonly tableName: D }
  | {
      readonly kind: "cache";
      readonly name: string;
      readonly mode: "serverless";
      /** The serverless cache's name: the `clusterId` dimension of its metrics. */
      readonly cacheName: D;
      readonly maxDataStorageGb: number;
    }
  | {
      readonly kind: "cache";
      readonly name: string;
      readonly mode: "nodes";
      /** The node ids (`<replication group>-001` …): the `CacheClusterId` dimension. */
      readonly nodeIds: readonly D[];
    };

function single<D>(
  namespace: string,
  metricName: string,
  dimensions: Record<string, D>,
  stat: string,
): AlarmMetric<D>[] {
  return [{ id: "m", namespace, metricName, dimensions, stat }];
}

/** The alarms of one data store (AWS/RDS, AWS/DynamoDB, AWS/ElastiCache). */
export function dataStoreAlarmSpecs<D>(
  store: DataStoreAlarmSource<D>,
  t: AlertThresholds,
): AlarmSpec<D>[] {
  const name = store.name;
  const base = { workload: name, datapointsToAlarm: 1, evaluationPeriods: 1, period: 300 };
  if (store.kind === "database") {
    const rds = { DBInstanceIdentifier: store.identifier };
    return [
      {
        ...base,
        symptom: "db-cpu",
        description: `database ${name}: CPU above ${t.databaseCpuPercent}% for 15 minutes.`,
        comparison: "GreaterThanThreshold",
        threshold: t.databaseCpuPercent,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        treatMissingData: "missing",
        metrics: single("AWS/RDS", "CPUUtilization", rds, "Average"),
      },
      {
        ...base,
        symptom: "db-free-storage",
        description: `database ${name}: less than ${t.databaseFreeStorageGb} GB of storage free.`,
        comparison: "LessThanThreshold",
        threshold: t.databaseFreeStorageGb * BYTES_PER_GB,
        treatMissingData: "missing",
        metrics: single("AWS/RDS", "FreeStorageSpace", rds, "Minimum"),
      },
      {
        ...base,
        symptom: "db-connections",
        description: `database ${name}: more than ${t.databaseConnections} connections for 10 minutes.`,
        comparison: "GreaterThanThreshold",
        threshold: t.databaseConnections,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        treatMissingData: "missing",
        metrics: single("AWS/RDS", "DatabaseConnections", rds, "Maximum"),
      },
    ];
  }
  if (store.kind === "table") {
    const dims = { TableName: store.tableName };
    const events = (id: string, metricName: string): AlarmMetric<D> => ({
      id,
      namespace: "AWS/DynamoDB",
      metricName,
      dimensions: dims,
      stat: "Sum",
    });
    return [
      {
        ...base,
        symptom: "table-throttles",
        description: `table ${name}: ${t.tableThrottledRequests}+ throttled reads or writes in 5 minutes.`,
        comparison: "GreaterThanOrEqualToThreshold",
        threshold: t.tableThrottledRequests,
        // DynamoDB publishes throttle events only when there are some.
        treatMissingData: "notBreaching",
        metrics: [events("reads", "ReadThrottleEvents"), events("writes", "WriteThrottleEvents")],
        expression: "FILL(reads, 0) + FILL(writes, 0)",
      },
    ];
  }
  const memory: AlarmSpec<D> = {
    ...base,
    symptom: "cache-memory",
    description: `cache ${name}: more than ${t.cacheMemoryPercent}% of its memory used.`,
    comparison: "GreaterThanThreshold",
    threshold: t.cacheMemoryPercent,
    treatMissingData: "missing",
    metrics: [],
  };
  const evictions: AlarmSpec<D> = {
    ...base,
    symptom: "cache-evictions",
    description: `cache ${name}: ${t.cacheEvictions}+ keys evicted in 5 minutes.`,
    comparison: "GreaterThanOrEqualToThreshold",
    threshold: t.cacheEvictions,
    treatMissingData: "notBreaching",
    metrics: [],
  };
  const ec = "AWS/ElastiCache";
  if (store.mode === "serverless") {
    // Serverless caches publish BytesUsedForCache and Evictions per cache, dimension clusterId
    // (docs.aws.amazon.com/AmazonElastiCache/latest/dg/serverless-metrics-events-redis.html);
    // there is no memory percentage, so the threshold is that share of maxDataStorageGb.
    const dims = { clusterId: store.cacheName };
    return [
      {
        ...memory,
        threshold: (store.maxDataStorageGb * BYTES_PER_GB * t.cacheMemoryPercent) / 100,
        metrics: single(ec, "BytesUsedForCache", dims, "Maximum"),
      },
      { ...evictions, metrics: single(ec, "Evictions", dims, "Sum") },
    ];
  }
  // Node-based: per node (CacheClusterId); the busiest node counts.
  const perNode = (metricName: string, stat: string) =>
    store.nodeIds.map((id, index) => ({
      id: `n${index + 1}`,
      namespace: ec,
      metricName,
      dimensions: { CacheClusterId: id },
      stat,
    }));
  const max = `MAX([${store.nodeIds.map((_, index) => `n${index + 1}`).join(", ")}])`;
  return [
    {
      ...memory,
      metrics: perNode("DatabaseMemoryUsagePercentage", "Maximum"),
      expression: max,
    },
    { ...evictions, metrics: perNode("Evictions", "Sum"), expression: max },
  ];
}
