// The vitcord-infra program: read the stack's validated config, then wire the components.
import * as aws from "@pulumi/aws";
import { PrivateNetwork } from "./components";
import { Ec2Cluster } from "./components/cluster";
import { loadStackConfig } from "./components/config";
import { ENVIRONMENT_DEFAULTS } from "./components/config/environment";
import { queuesProducedBy } from "./components/config/worker";
import { FargateWorker, workerImage } from "./components/worker";
import { workerQueues } from "./components/worker-queue";
import { LoadBalancedService } from "./components/web-service";

// Validation comes first: on a bad config this throws one message and no resource is declared.
const config = loadStackConfig();

// One explicit provider carries the region and the tags every resource gets.
const provider = new aws.Provider("aws", {
  region: config.region as aws.Region,
  defaultTags: {
    tags: {
      Project: "vitcord-infra",
      Environment: config.environment,
      Stack: config.stack,
      ManagedBy: "pulumi",
      ...config.tags,
    },
  },
});

const network = new PrivateNetwork(
  "network",
  {
    region: config.region,
    cidr: config.network.cidr,
    availabilityZones: config.network.availabilityZones,
    natGateways: config.network.natGateways,
    flowLogRetentionDays: config.logRetentionDays,
  },
  { providers: { aws: provider } },
);

const cluster = new Ec2Cluster(
  "cluster",
  {
    network,
    ...config.cluster,
    logRetentionDays: config.logRetentionDays,
    deletionProtection: config.deletionProtection,
  },
  { providers: { aws: provider } },
);

// The workers' queues come before the services: a producer (`queue.producers`) gets a queue's URL
// in its task definition, and the worker, declared after the services whose image it may run,
// consumes it.
const queues = workerQueues(config.workers, config.deletionProtection, {
  providers: { aws: provider },
});

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
        logRetentionDays: config.logRetentionDays,
        deletionProtection: config.deletionProtection,
        // ELB.5: access logs where an audit trail matters; dev skips the bucket.
        accessLogs: config.environment === "prod",
        execLogGroupArn: cluster.execLogGroupArn,
        producesTo: Object.fromEntries(
          queuesProducedBy(name, config.workers).map((worker) => [worker, queues[worker]!]),
        ),
      },
      { providers: { aws: provider } },
    ),
);

// One Fargate worker per `vitcord-infra:workers` entry: no load balancer, no inbound traffic.
const workerDefaults = ENVIRONMENT_DEFAULTS[config.environment].worker;
const imageSources = Object.fromEntries(serviceComponents.map((s) => [s.containerName, s]));
const workerComponents = Object.entries(config.workers).map(
  ([name, worker]) =>
    new FargateWorker(
      name,
      {
        network,
        cluster,
        worker,
        ...workerImage(worker, imageSources),
        region: config.region,
        logRetentionDays: config.logRetentionDays,
        queue: queues[name],
        minHealthyPercent: workerDefaults.minHealthyPercent,
        maxHealthyPercent: workerDefaults.maxHealthyPercent,
      },
      { providers: { aws: provider } },
    ),
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
/** Each web service's URL and what the operations CLI needs (logs, one-off tasks, releases). */
export const services = Object.fromEntries(
  serviceComponents.map((service) => [
    service.containerName,
    {
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
/** What the operations CLI needs per worker, e.g. to run a one-off task with its definition. */
export const workers = Object.fromEntries(
  workerComponents.map((worker) => [
    worker.containerName,
    {
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
