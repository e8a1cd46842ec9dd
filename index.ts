// The vitcord-infra program: read the stack's validated config, then wire the components.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PrivateNetwork } from "./components";
import { AlarmTarget } from "./components/alarms";
import { DataStoreAlarmSource } from "./components/alarm-tables";
import { AlertTopic } from "./components/alerts";
import { RedisCache, nodeSettings } from "./components/cache";
import { arnSuffix, DashboardItem, StackDashboard } from "./components/dashboard";
import { StackAlarms } from "./components/stack-alarms";
import { StackKey } from "./components/kms";
import { Ec2Cluster } from "./components/cluster";
import { loadStackConfig } from "./components/config";
import { CACHE_SERVERLESS_DEFAULTS } from "./components/config/caches";
import { ENVIRONMENT_DEFAULTS } from "./components/config/environment";
import { resolvedUses, UseItem } from "./components/config/uses";
import { queuesProducedBy } from "./components/config/worker";
import { DataStore, DataStoreGrant } from "./components/data-access";
import { PostgresDatabase } from "./components/database";
import { RotationRestart } from "./components/rotation-restart";
import { pulledRepositories, ServiceRepository, SharedRepositories } from "./components/registry";
import { dynamoTables } from "./components/table";
import { OperationsManifest, WorkloadSource } from "./components/operations-manifest";
import { FargateWorker, workerImage } from "./components/worker";
import { WorkerQueue, workerQueues } from "./components/worker-queue";
import { LoadBalancedService } from "./components/web-service";
import { OffHours } from "./components/schedule";
import { activeSchedule } from "./components/config/schedule";
import { WebFirewall } from "./components/waf";

// Validation comes first: on a bad config this throws one message and no resource is declared.
const config = loadStackConfig();
// Issue 16: dev sleeps outside working hours (components/schedule.ts); undefined: always on.
const offHours = activeSchedule(config.schedule);

// One explicit provider carries the region and the tags every resource gets.
const stackTags: Record<string, string> = {
  Project: "vitcord-infra",
  Environment: config.environment,
  Stack: config.stack,
  ManagedBy: "pulumi",
  ...config.tags,
};
const provider = new aws.Provider("aws", {
  region: config.region as aws.Region,
  defaultTags: { tags: stackTags },
});

// The stack's KMS key comes first: every log group (and the alert topic) is created encrypted with
// it, and its policy lets CloudWatch Logs and CloudWatch alarms use it (components/kms.ts).
const stackKey = config.kms.enabled
  ? new StackKey(
      "kms",
      {
        stack: config.stack,
        account: aws.getCallerIdentityOutput({}, { provider }).accountId,
        region: config.region,
        partition: aws.getPartitionOutput({}, { provider }).partition,
        deletionWindowDays: config.kms.deletionWindowDays,
        protect: config.deletionProtection,
      },
      { providers: { aws: provider } },
    )
  : undefined;
/** The key every log group of the stack is encrypted with (undefined: CloudWatch Logs' own). */
const logKmsKeyArn = stackKey?.keyArn;

const network = new PrivateNetwork(
  "network",
  {
    region: config.region,
    cidr: config.network.cidr,
    availabilityZones: config.network.availabilityZones,
    natGateways: config.network.natGateways,
    natInstanceType: config.network.natInstanceType,
    tags: stackTags,
    flowLogRetentionDays: config.logRetentionDays,
    logKmsKeyArn,
  },
  { providers: { aws: provider } },
);

const cluster = new Ec2Cluster(
  "cluster",
  {
    network,
    ...config.cluster,
    logRetentionDays: config.logRetentionDays,
    logKmsKeyArn,
    deletionProtection: config.deletionProtection,
    // Default tags do not reach what the Auto Scaling group launches: the cluster copies them.
    tags: stackTags,
  },
  { providers: { aws: provider } },
);

/** `<org>/<project>/<stack>`; the stack alone (current project) where no organization is known. */
function thisStackReferenceName(): string {
  try {
    return `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
  } catch {
    // The mock engine of `npm run plan` and the tests has no organization.
    return pulumi.getStack();
  }
}

// Issue 15: every alarm of the stack notifies its topic `<stack>-alerts` on ALARM and OK, and SNS
// forwards to `vitcord-infra:alerts` (e-mail, HTTPS). Thresholds per environment (config/alerts.ts).
const alerts = new AlertTopic(
  "alerts",
  {
    stack: config.stack,
    account: aws.getCallerIdentityOutput({}, { provider }).accountId,
    emails: config.alerts.emails,
    httpsEndpoints: config.alerts.httpsEndpoints,
    kmsKeyArn: stackKey?.keyArn,
  },
  { providers: { aws: provider } },
);
const alarmTarget: AlarmTarget = {
  stack: config.stack,
  topicArn: alerts.topicArn,
  thresholds: config.alerts.thresholds,
};

// The web services' images live in repositories shared by the account's stacks (`vitcord/<name>`):
// the stack with `registry.createRepositories` (dev) creates them, the others pull from them, in
// `registry.account` when that is another account (cross-account: docs/deploy.md).
const serviceNames = Object.keys(config.services);
const repositories: Readonly<Record<string, ServiceRepository>> = config.registry.createRepositories
  ? new SharedRepositories(
      "registry",
      {
        services: serviceNames,
        pullAccounts: config.registry.pullAccounts,
        protect: config.deletionProtection,
      },
      { providers: { aws: provider } },
    ).repositories
  : pulledRepositories(
      serviceNames,
      config.registry.account ?? aws.getCallerIdentityOutput({}, { provider }).accountId,
      config.region,
    );

// This stack's outputs from its last update: a worker forces a new deployment only when its
// capacity provider strategy differs from the one it exported then (components/worker.ts).
const lastUpdate = new pulumi.StackReference(thisStackReferenceName());
const lastWorkers = lastUpdate.getOutput("workers") as pulumi.Output<
  Record<string, { capacityProviderStrategy?: string } | undefined> | undefined
>;

// The workers' queues come before the services: a producer (`queue.producers`) gets a queue's URL
// in its task definition, and the worker, declared after the services whose image it may run,
// consumes it.
const queues = workerQueues(config.workers, config.deletionProtection, {
  providers: { aws: provider },
});

// The data stores come before the workloads that list them in `uses`: each grants its users
// exactly their access (components/data-access.ts). DynamoDB tables are named `<stack>-<name>`.
const tableStores = dynamoTables(config.tables, config.stack, config.deletionProtection, {
  providers: { aws: provider },
});
const databaseStores = Object.fromEntries(
  Object.entries(config.databases).map(([name, database]) => [
    name,
    new PostgresDatabase(
      name,
      {
        network,
        database,
        logRetentionDays: config.logRetentionDays,
        logKmsKeyArn,
        protect: config.deletionProtection,
      },
      { providers: { aws: provider } },
    ),
  ]),
);
const cacheStores = Object.fromEntries(
  Object.entries(config.caches).map(([name, cache]) => [
    name,
    new RedisCache(
      name,
      {
        network,
        cache,
        environment: config.environment,
        logRetentionDays: config.logRetentionDays,
        logKmsKeyArn,
        protect: config.deletionProtection,
      },
      { providers: { aws: provider } },
    ),
  ]),
);
// Every store by kind and name; a `uses` item resolves to one of them (config/uses.ts).
const stores: Readonly<
  Record<"database" | "table" | "cache", Readonly<Record<string, DataStore>>>
> = { database: databaseStores, table: tableStores, cache: cacheStores };

/** What a workload's `uses` grants it: one grant per store, as the store gives it. */
function grantsFor(workload: string, uses: readonly UseItem[]): DataStoreGrant[] {
  return resolvedUses(uses, config).map((use) =>
    stores[use.kind][use.name]!.grantTo(workload, use.access),
  );
}

// One load-balanced web service per `vitcord-infra:services` entry: adding one to a stack file
// adds a service, with no code change.
const serviceComponents = Object.entries(config.services).map(
  ([name, service]) =>
    new LoadBalancedService(
      name,
      {
        network,
        cluster,
        service,
        region: config.region,
        repository: repositories[name]!,
        logRetentionDays: config.logRetentionDays,
        logKmsKeyArn,
        deletionProtection: config.deletionProtection,
        // ELB.5: access logs where an audit trail matters; dev skips the bucket.
        accessLogs: config.environment === "prod",
        execLogGroupArn: cluster.execLogGroupArn,
        producesTo: Object.fromEntries(
          queuesProducedBy(name, config.workers).map((worker) => [worker, queues[worker]!]),
        ),
        grants: grantsFor(name, service.uses),
        alarms: alarmTarget,
        offHours: offHours !== undefined,
      },
      { providers: { aws: provider } },
    ),
);

// Issue 16: one AWS WAF web ACL for the stack in front of every web service's (internet-facing)
// load balancer, when `vitcord-infra:waf.enabled` (prod by default; components/waf.ts).
if (config.waf.enabled) {
  new WebFirewall(
    "waf",
    {
      stack: config.stack,
      waf: config.waf,
      loadBalancerArns: Object.fromEntries(
        serviceComponents.map((s) => [s.containerName, s.operations.loadBalancer!.arn]),
      ),
      logRetentionDays: config.logRetentionDays,
      logKmsKeyArn,
    },
    { providers: { aws: provider } },
  );
}

// One Fargate worker per `vitcord-infra:workers` entry: no load balancer, no inbound traffic.
const workerDefaults = ENVIRONMENT_DEFAULTS[config.environment].worker;
const imageSources = Object.fromEntries(serviceComponents.map((s) => [s.containerName, s]));
const workerImages = Object.fromEntries(
  Object.entries(config.workers).map(([name, worker]) => [name, workerImage(worker, imageSources)]),
);
const workerComponents = Object.entries(config.workers).map(
  ([name, worker]) =>
    new FargateWorker(
      name,
      {
        network,
        cluster,
        worker,
        image: workerImages[name]!.image,
        repositoryArn: workerImages[name]!.repositoryArn,
        release: workerImages[name]!.release,
        previousCapacityStrategy: lastWorkers.apply(
          (workers) => workers?.[name]?.capacityProviderStrategy,
        ),
        region: config.region,
        logRetentionDays: config.logRetentionDays,
        logKmsKeyArn,
        queue: queues[name],
        minHealthyPercent: workerDefaults.minHealthyPercent,
        maxHealthyPercent: workerDefaults.maxHealthyPercent,
        grants: grantsFor(name, worker.uses),
        execLogGroupArn: cluster.execLogGroupArn,
      },
      { providers: { aws: provider } },
    ),
);

// After RDS rotates a database's managed password, every ECS service that uses the database gets a
// new deployment, so its tasks start with the new password (components/rotation-restart.ts).
const ecsWorkloads = [
  ...serviceComponents.map((w) => ({ w, uses: config.services[w.containerName]!.uses })),
  ...workerComponents.map((w) => ({ w, uses: config.workers[w.containerName]!.uses })),
];
for (const [name, database] of Object.entries(databaseStores)) {
  const users = ecsWorkloads
    .filter(({ uses }) =>
      resolvedUses(uses, config).some((use) => use.kind === "database" && use.name === name),
    )
    .map(({ w }) => w);
  if (users.length === 0) continue;
  new RotationRestart(
    `${name}-rotation-restart`,
    {
      stack: config.stack,
      database: name,
      secretArn: database.secretArn,
      rotationDays: config.databases[name]!.passwordRotationDays,
      clusterName: cluster.clusterName,
      services: users.map((w) => ({ name: w.containerName, serviceName: w.serviceName })),
      account: aws.getCallerIdentityOutput({}, { provider }).accountId,
      region: config.region,
      partition: aws.getPartitionOutput({}, { provider }).partition,
      logRetentionDays: config.logRetentionDays,
      logKmsKeyArn,
    },
    { providers: { aws: provider } },
  );
}

// Off hours: every ECS service, the cluster's instances and the RDS databases sleep and wake on
// the schedule; DynamoDB on-demand tables and serverless caches cost nothing idle beyond storage.
const scheduledWorkloads = [...serviceComponents, ...workerComponents].flatMap((w) =>
  w.scalableTarget === undefined
    ? []
    : [{ name: w.containerName, target: w.scalableTarget, ...w.awakeTasks }],
);
if (offHours !== undefined) {
  new OffHours(
    "schedule",
    {
      stack: config.stack,
      schedule: offHours,
      account: aws.getCallerIdentityOutput({}, { provider }).accountId,
      workloads: scheduledWorkloads,
      cluster: {
        autoScalingGroupName: cluster.autoScalingGroupName,
        minSize: config.cluster.minSize,
        maxSize: config.cluster.maxSize,
      },
      databases: Object.entries(databaseStores).map(([name, db]) => ({
        name,
        identifier: db.identifier,
        arn: db.instance.arn,
      })),
    },
    { providers: { aws: provider } },
  );
}

// The alarms outside the web services (cluster, running tasks, worker queues, data stores), and the
// stack's dashboard.
/** The last part of an ARN (`…:replicationgroup:<id>` → `<id>`). */
const arnName = (arn: pulumi.Input<string>) =>
  pulumi.output(arn).apply((value) => value.slice(value.lastIndexOf(":") + 1));
/** A worker's queue names; the dead-letter queue's only when the stack created the queue. */
const workerQueueNames = (name: string) => {
  const queue = queues[name];
  if (queue === undefined) return undefined;
  return {
    queueName: queue.name,
    ...(queue instanceof WorkerQueue ? { deadLetterQueueName: arnName(queue.deadLetterArn) } : {}),
  };
};
const dataStoreAlarms: DataStoreAlarmSource<pulumi.Input<string>>[] = [
  ...Object.entries(databaseStores).map(([name, db]) => ({
    kind: "database" as const,
    name,
    identifier: db.identifier,
  })),
  ...Object.entries(tableStores).map(([name, table]) => ({
    kind: "table" as const,
    name,
    tableName: table.tableName,
  })),
  ...Object.entries(cacheStores).map(
    ([name, cache]): DataStoreAlarmSource<pulumi.Input<string>> => {
      const settings = config.caches[name]!;
      if (settings.mode === "serverless") {
        return {
          kind: "cache",
          name,
          mode: "serverless",
          cacheName: arnName(cache.arn),
          maxDataStorageGb:
            settings.maxDataStorageGb ??
            CACHE_SERVERLESS_DEFAULTS[config.environment].maxDataStorageGb,
        };
      }
      // A replication group's nodes are `<group id>-001` … (numCacheClusters of them).
      const count = nodeSettings(settings, config.environment).numCacheClusters;
      return {
        kind: "cache",
        name,
        mode: "nodes",
        nodeIds: Array.from(
          { length: count },
          (_, index) =>
            pulumi.interpolate`${arnName(cache.arn)}-${String(index + 1).padStart(3, "0")}`,
        ),
      };
    },
  ),
];
new StackAlarms(
  "alarms",
  {
    target: alarmTarget,
    cluster: {
      clusterName: cluster.clusterName,
      capacityProviderName: cluster.capacityProviderName,
      autoScalingGroupName: cluster.autoScalingGroupName,
      maxSize: config.cluster.maxSize,
    },
    workloads: [
      ...serviceComponents.map((s) => ({
        name: s.containerName,
        kind: "web service" as const,
        serviceName: s.serviceName,
      })),
      ...workerComponents.map((w) => ({
        name: w.containerName,
        kind: "worker" as const,
        serviceName: w.serviceName,
        queue: workerQueueNames(w.containerName),
      })),
    ],
    dataStores: dataStoreAlarms,
  },
  { providers: { aws: provider } },
);
new StackDashboard(
  "dashboard",
  {
    dashboardName: config.stack,
    region: config.region,
    clusterName: cluster.clusterName,
    capacityProviderName: cluster.capacityProviderName,
    items: pulumi.all([
      ...serviceComponents.map((s) =>
        pulumi
          .all([
            s.serviceName,
            s.operations.loadBalancer!.arn,
            s.operations.loadBalancer!.targetGroupArn,
          ])
          .apply(([serviceName, alb, tg]): DashboardItem => ({
            kind: "service",
            name: s.containerName,
            serviceName,
            loadBalancer: arnSuffix(alb),
            targetGroup: arnSuffix(tg),
          })),
      ),
      ...workerComponents.map((w) =>
        pulumi
          .output({ serviceName: w.serviceName, queue: workerQueueNames(w.containerName) })
          .apply(({ serviceName, queue }): DashboardItem => ({
            kind: "worker",
            name: w.containerName,
            serviceName,
            ...(queue === undefined ? {} : queue),
          })),
      ),
      ...Object.entries(databaseStores).map(([name, db]): DashboardItem => ({
        kind: "database",
        name,
        identifier: db.identifier,
      })),
      ...Object.entries(tableStores).map(([name, table]) =>
        table.tableName.apply((tableName): DashboardItem => ({ kind: "table", name, tableName })),
      ),
    ]),
  },
  { providers: { aws: provider } },
);

// What the operations CLI's runtime commands read instead of the stack outputs: one SSM parameter,
// `/vitcord/<stack>/ops` (components/ops-manifest.ts).
new OperationsManifest(
  "ops",
  {
    stack: config.stack,
    environment: config.environment,
    region: config.region,
    account: aws.getCallerIdentityOutput({}, { provider }).accountId,
    cluster: {
      name: cluster.clusterName,
      arn: cluster.clusterArn,
      capacityProviderName: cluster.capacityProviderName,
      clientSecurityGroupId: cluster.serviceConnectClientSecurityGroupId,
    },
    privateSubnetIds: network.privateSubnetIds,
    ...(offHours === undefined
      ? {}
      : {
          schedule: cluster.autoScalingGroupName.apply((autoScalingGroupName) => ({
            timezone: config.schedule.timezone,
            wake: config.schedule.wake,
            sleep: config.schedule.sleep,
            autoScalingGroupName,
            clusterMinSize: config.cluster.minSize,
            clusterMaxSize: config.cluster.maxSize,
            workloads: Object.fromEntries(
              scheduledWorkloads.map((w) => [w.name, { min: w.min, max: w.max }]),
            ),
            databaseIdentifiers: Object.values(databaseStores).map((db) => db.identifier),
          })),
        }),
    workloads: Object.fromEntries<WorkloadSource>([
      ...serviceComponents.map((service) => [service.containerName, service.operations] as const),
      ...workerComponents.map((worker) => {
        // A worker running a service's image: that repository is where `release` looks.
        const repository = workerImages[worker.containerName]!.repository;
        const operations: WorkloadSource =
          repository === undefined
            ? worker.operations
            : {
                ...worker.operations,
                repositoryName: repository.name,
                registryId: repository.registryId,
              };
        return [worker.containerName, operations] as const;
      }),
    ]),
  },
  { providers: { aws: provider } },
);

export const environment = config.environment;
export const vpcId = network.vpcId;
export const vpcCidr = network.cidrBlock;
export const publicSubnetIds = network.publicSubnetIds;
export const privateSubnetIds = network.privateSubnetIds;
export const clusterName = cluster.clusterName;
export const clusterArn = cluster.clusterArn;
export const capacityProviderName = cluster.capacityProviderName;
export const serviceConnectNamespace = cluster.serviceConnectNamespaceName;
/** The release fields of a workload's outputs: its image's repository and release. */
function releaseOutputs(
  repository: { name: string; registryId: pulumi.Input<string> } | undefined,
  release: { imageTag?: string; imageDigest?: string },
) {
  return {
    ...(repository === undefined
      ? {}
      : { repositoryName: repository.name, registryId: repository.registryId }),
    ...(release.imageTag === undefined ? {} : { imageTag: release.imageTag }),
    ...(release.imageDigest === undefined ? {} : { imageDigest: release.imageDigest }),
  };
}

/** Each web service's URL and what the operations CLI needs (logs, one-off tasks, releases). */
export const services = Object.fromEntries(
  serviceComponents.map((service) => [
    service.containerName,
    {
      taskDefinitionArn: service.taskDefinitionArn,
      // Even while a service runs a full `image`, its repository is where `release` looks.
      ...releaseOutputs(
        { name: service.repositoryName, registryId: service.registryId },
        service.release,
      ),
      url: service.url,
      loadBalancerDnsName: service.loadBalancerDnsName,
      serviceName: service.serviceName,
      logGroupName: service.logGroupName,
      taskDefinitionFamily: service.taskDefinitionFamily,
      containerName: service.containerName,
      securityGroupId: service.securityGroupId,
      subnetIds: service.subnetIds,
      repositoryUrl: service.repositoryUrl,
    },
  ]),
);
/** Each database's endpoint and managed secret, by its config name (docs/heroku-postgres.md). */
export const databases = Object.fromEntries(
  Object.entries(databaseStores).map(([name, database]) => [
    name,
    {
      identifier: database.identifier,
      address: database.address,
      port: database.port,
      databaseName: database.databaseName,
      username: database.username,
      secretArn: database.secretArn,
    },
  ]),
);
/** Each DynamoDB table's name and ARN, by its config name. */
export const tables = Object.fromEntries(
  Object.entries(tableStores).map(([name, table]) => [
    name,
    { tableName: table.tableName, arn: table.arn },
  ]),
);
/** What the operations CLI needs per worker, e.g. to run a one-off task with its definition. */
export const workers = Object.fromEntries(
  workerComponents.map((worker) => [
    worker.containerName,
    {
      taskDefinitionArn: worker.taskDefinitionArn,
      ...releaseOutputs(
        workerImages[worker.containerName]!.repository,
        workerImages[worker.containerName]!.release,
      ),
      capacityProviderStrategy: worker.capacityStrategy,
      serviceName: worker.serviceName,
      logGroupName: worker.logGroupName,
      taskDefinitionFamily: worker.taskDefinitionFamily,
      containerName: worker.containerName,
      securityGroupId: worker.securityGroupId,
      subnetIds: worker.subnetIds,
      ...(worker.queueUrl === undefined
        ? {}
        : { queueUrl: worker.queueUrl, queueArn: worker.queueArn }),
    },
  ]),
);
