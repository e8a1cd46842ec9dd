/**
 * The two kinds of environment and every default that differs between them, in one place.
 * A stack names its environment (`vitcord-infra:environment`); keys it leaves out take these.
 */

export const ENVIRONMENTS = ["dev", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export const NAT_STRATEGIES = ["single", "perAz", "instance"] as const;
export type NatStrategy = (typeof NAT_STRATEGIES)[number];

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

/** Container Insights levels; turning it off is not offered (ECS.12, CKV_AWS_65). */
export const CONTAINER_INSIGHTS = ["enabled", "enhanced"] as const;
export type ContainerInsights = (typeof CONTAINER_INSIGHTS)[number];

/** How the Auto Scaling group buys its instances. */
export interface SpotSettings {
  /** Buy Spot instances above the on-demand base; off means every instance is on-demand. */
  readonly enabled: boolean;
  /** Instances that are always on-demand, whatever the Spot market does. */
  readonly onDemandBase: number;
  /** Percent of the instances above the base that are on-demand (the rest are Spot). */
  readonly onDemandPercentageAboveBase: number;
}

/** The per-environment defaults of `vitcord-infra:cluster` (see ENVIRONMENT_DEFAULTS). */
export interface ClusterDefaults {
  readonly instanceTypes: readonly string[];
  readonly minSize: number;
  readonly maxSize: number;
  readonly spot: SpotSettings;
  readonly targetCapacity: number;
  readonly rootVolumeGiB: number;
  readonly containerInsights: ContainerInsights;
}

/** The per-environment defaults of `vitcord-infra:services.<name>` (see ENVIRONMENT_DEFAULTS). */
export interface ServiceDefaults {
  readonly cpu: number;
  readonly memory: number;
  readonly desiredCount: number;
  /** Seconds a draining target keeps its connections; AWS's default is 300 (CKV_AWS_261 notes). */
  readonly deregistrationDelaySeconds: number;
  readonly healthCheckIntervalSeconds: number;
  readonly healthCheckGracePeriodSeconds: number;
  readonly minHealthyPercent: number;
  readonly maxHealthyPercent: number;
}

export const WORKER_ARCHITECTURES = ["x86_64", "arm64"] as const;
export type WorkerArchitecture = (typeof WORKER_ARCHITECTURES)[number];

/** The per-environment defaults of every worker (ENVIRONMENT_DEFAULTS.<env>.worker). */
export interface WorkerDefaults {
  readonly cpu: number;
  readonly memory: number;
  readonly desiredCount: number;
  readonly architecture: WorkerArchitecture;
  readonly spot: { readonly enabled: boolean; readonly base: number };
  readonly autoscaling: { readonly min: number; readonly max: number; readonly cpuTarget: number };
  readonly stopTimeoutSeconds: number;
  /** Deployment floor and ceiling, in percent of the desired count (not config keys). */
  readonly minHealthyPercent: number;
  readonly maxHealthyPercent: number;
}

/** The per-environment defaults of `vitcord-infra:registry`. */
export interface RegistryDefaults {
  /** Whether the stack creates the shared ECR repositories (one stack per account does). */
  readonly createRepositories: boolean;
}

/**
 * The per-environment defaults of `vitcord-infra:alerts.thresholds`: when a CloudWatch alarm
 * (components/alarms.ts) goes to ALARM. Prod pages sooner; dev only on clear breakage.
 */
export interface AlertThresholds {
  /** Percent of a load balancer's requests answered 5xx (by the ALB, or by the targets). */
  readonly http5xxRatePercent: number;
  /** Minutes in a row with at least one unhealthy target. */
  readonly unhealthyTargetMinutes: number;
  /** p99 of the targets' response time, in seconds. */
  readonly p99ResponseTimeSeconds: number;
  /** Age of a worker queue's oldest message, in seconds. */
  readonly oldestMessageAgeSeconds: number;
  /** Minutes the cluster's capacity provider needs more instances than it may add. */
  readonly capacityPinnedMinutes: number;
  readonly databaseCpuPercent: number;
  /** Free storage under which a database alarms, in GB. */
  readonly databaseFreeStorageGb: number;
  readonly databaseConnections: number;
  /** Throttled DynamoDB requests in 5 minutes. */
  readonly tableThrottledRequests: number;
  /** Percent of a cache's memory (or of a serverless cache's data limit) in use. */
  readonly cacheMemoryPercent: number;
  /** Keys evicted in 5 minutes. */
  readonly cacheEvictions: number;
}

export interface EnvironmentDefaults {
  /** CloudWatch log retention for every log group. */
  readonly logRetentionDays: number;
  /** Load balancer deletion protection and Pulumi `protect` on stateful resources. */
  readonly deletionProtection: boolean;
  readonly network: {
    readonly cidr: string;
    readonly availabilityZones: number;
    readonly natGateways: NatStrategy;
  };
  readonly cluster: ClusterDefaults;
  readonly worker: WorkerDefaults;
  readonly service: ServiceDefaults;
  readonly registry: RegistryDefaults;
  readonly alerts: AlertThresholds;
}

export const ENVIRONMENT_DEFAULTS: Readonly<Record<Environment, EnvironmentDefaults>> = {
  dev: {
    logRetentionDays: 14,
    deletionProtection: false,
    // One NAT gateway: a dev outage of one AZ's egress is acceptable for $36.50/month saved per NAT.
    network: { cidr: "10.10.0.0/16", availabilityZones: 2, natGateways: "single" },
    // Small Graviton instances, all Spot (two sizes give Spot two pools); full instances are fine.
    cluster: {
      instanceTypes: ["t4g.medium", "t4g.large"],
      minSize: 1,
      maxSize: 4,
      spot: { enabled: true, onDemandBase: 0, onDemandPercentageAboveBase: 0 },
      targetCapacity: 100,
      rootVolumeGiB: 30,
      containerInsights: "enabled",
    },
    // Fargate workers: small, Graviton like the cluster (they share the API's image), all Spot.
    worker: {
      cpu: 512,
      memory: 1024,
      desiredCount: 1,
      architecture: "arm64",
      spot: { enabled: true, base: 0 },
      autoscaling: { min: 1, max: 2, cpuTarget: 70 },
      stopTimeoutSeconds: 30,
      minHealthyPercent: 50,
      maxHealthyPercent: 200,
    },
    // Web services: one small task, fast deploys (5 s drain, 50% minimum healthy is fine in dev).
    service: {
      cpu: 256,
      memory: 512,
      desiredCount: 1,
      deregistrationDelaySeconds: 5,
      healthCheckIntervalSeconds: 10,
      healthCheckGracePeriodSeconds: 30,
      minHealthyPercent: 50,
      maxHealthyPercent: 200,
    },
    // Dev creates the shared repositories: CI pushes there, and dev is where an image runs first.
    registry: { createRepositories: true },
    // Dev alarms only on clear breakage: a tenth of the requests failing, slow for 5 s.
    alerts: {
      http5xxRatePercent: 10,
      unhealthyTargetMinutes: 5,
      p99ResponseTimeSeconds: 5,
      oldestMessageAgeSeconds: 3600,
      capacityPinnedMinutes: 15,
      databaseCpuPercent: 90,
      databaseFreeStorageGb: 2,
      databaseConnections: 80,
      tableThrottledRequests: 10,
      cacheMemoryPercent: 90,
      cacheEvictions: 1000,
    },
  },
  prod: {
    logRetentionDays: 365,
    deletionProtection: true,
    network: { cidr: "10.20.0.0/16", availabilityZones: 3, natGateways: "perAz" },
    // On-demand, one instance per AZ at least, two types (AutoScaling.6: a shortage of one type in
    // an AZ does not stop scaling); 90% target capacity keeps headroom for the extra
    // tasks of a rolling deploy (maximumPercent 200). If Spot is turned on, 3 stay on-demand.
    cluster: {
      instanceTypes: ["m7g.large", "m6g.large"],
      minSize: 3,
      maxSize: 12,
      spot: { enabled: false, onDemandBase: 3, onDemandPercentageAboveBase: 0 },
      targetCapacity: 90,
      rootVolumeGiB: 50,
      containerInsights: "enabled",
    },
    // Two on-demand (FARGATE) tasks always, one per AZ at least; Spot only for the scale-out above
    // them. 120 s is the longest stop timeout Fargate allows: jobs get time to finish.
    worker: {
      cpu: 1024,
      memory: 2048,
      desiredCount: 2,
      architecture: "arm64",
      spot: { enabled: true, base: 2 },
      autoscaling: { min: 2, max: 10, cpuTarget: 60 },
      stopTimeoutSeconds: 120,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
    },
    // Web services: two tasks at least (one per AZ), 100/200 rolling deploys (checklist #17),
    // 30 s for in-flight requests to finish when a task drains.
    service: {
      cpu: 512,
      memory: 1024,
      desiredCount: 2,
      deregistrationDelaySeconds: 30,
      healthCheckIntervalSeconds: 15,
      healthCheckGracePeriodSeconds: 60,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
    },
    // Prod pulls what dev ran, by digest, from dev's repositories; it creates none.
    registry: { createRepositories: false },
    // Prod: 5% errors or a p99 over 2 s is an incident; a job waiting 15 minutes is late.
    // 350 connections: db.t4g.medium's max_connections is about 410 (DBInstanceClassMemory/9531392).
    alerts: {
      http5xxRatePercent: 5,
      unhealthyTargetMinutes: 3,
      p99ResponseTimeSeconds: 2,
      oldestMessageAgeSeconds: 900,
      capacityPinnedMinutes: 15,
      databaseCpuPercent: 80,
      databaseFreeStorageGb: 10,
      databaseConnections: 350,
      tableThrottledRequests: 1,
      cacheMemoryPercent: 80,
      cacheEvictions: 100,
    },
  },
};
