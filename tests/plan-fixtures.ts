/**
 * A small hand-built stack for the plan's pure functions (cost, inventory, diagram, Heroku): the
 * shapes the program's components record, with round numbers so the arithmetic can be checked.
 */
import { RecordedResource } from "../plan/engine/synth";

const STACK = "urn:pulumi:test::vitcord-infra";

/** A recorded resource; `parent` is a component built by `component`. */
export function resource(
  type: string,
  name: string,
  inputs: Record<string, unknown> = {},
  parent?: RecordedResource,
  state: Record<string, unknown> = {},
): RecordedResource {
  const custom = type.startsWith("aws:") || type.startsWith("pulumi:providers:");
  return {
    type,
    name,
    urn: `${STACK}::${type}::${name}`,
    parentUrn: parent?.urn,
    parent: parent ? { type: parent.type, name: parent.name } : undefined,
    custom,
    inputs,
    state: { arn: `arn:test:${name}`, ...state },
  };
}

export function component(type: string, name: string): RecordedResource {
  return { ...resource(type, name), custom: false };
}

export const network = component("vitcord:network:PrivateNetwork", "network");
export const cluster = component("vitcord:cluster:Ec2Cluster", "cluster");
export const api = component("vitcord:service:LoadBalancedService", "api");
export const jobs = component("vitcord:service:FargateWorker", "jobs");
export const mailer = component("vitcord:service:FargateWorker", "mailer");

const PUBLIC = ["subnet-a", "subnet-b", "subnet-c"];
const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
export const JOBS_DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;

/** Container definitions as the task component records them: a JSON string, one per image. */
function containers(images: Record<string, string>): string {
  return JSON.stringify(Object.entries(images).map(([name, image]) => ({ name, image })));
}

/**
 * Three AZs with a NAT per AZ; 4 EC2 instances (t3.medium first, 1 on-demand base + 50% above:
 * 3 on-demand, 1 Spot) with a 30 GiB gp3 root at 4,000 IOPS and 150 MB/s; an `api` web service
 * (2 tasks on EC2 behind an HTTPS ALB); a `jobs` worker (4 ARM tasks of 1 vCPU / 2 GB: FARGATE
 * base 1, the rest on FARGATE_SPOT) with a queue and a DLQ; a `mailer` worker (1 x86 task of
 * 0.25 vCPU / 0.5 GB); an ECR interface endpoint in 2 AZs; a log group kept 30 days. Images: the
 * api runs tag 1.0.0 of its own ECR repository, jobs a digest of the api's, mailer a public image.
 */
export function smallStack(): RecordedResource[] {
  const launchTemplate = resource(
    "aws:ec2/launchTemplate:LaunchTemplate",
    "cluster-lt",
    {
      instanceType: "t3.small",
      blockDeviceMappings: [
        {
          deviceName: "/dev/xvda",
          ebs: {
            volumeSize: 30,
            volumeType: "gp3",
            iops: 4000,
            throughput: 150,
            encrypted: "true",
          },
        },
      ],
    },
    cluster,
  );
  const apiRepository = resource(
    "aws:ecr/repository:Repository",
    "api-repo",
    { name: "test/api" },
    api,
    { repositoryUrl: `${REGISTRY}/test/api` },
  );
  const apiTask = resource(
    "aws:ecs/taskDefinition:TaskDefinition",
    "api-task",
    {
      family: "api",
      cpu: "512",
      memory: "1024",
      requiresCompatibilities: ["EC2"],
      containerDefinitions: containers({ api: `${REGISTRY}/test/api:1.0.0` }),
    },
    api,
  );
  const jobsTask = resource(
    "aws:ecs/taskDefinition:TaskDefinition",
    "jobs-task",
    {
      family: "jobs",
      cpu: "1024",
      memory: "2048",
      requiresCompatibilities: ["FARGATE"],
      runtimePlatform: { cpuArchitecture: "ARM64", operatingSystemFamily: "LINUX" },
      containerDefinitions: containers({ jobs: `${REGISTRY}/test/api@${JOBS_DIGEST}` }),
    },
    jobs,
  );
  const mailerTask = resource(
    "aws:ecs/taskDefinition:TaskDefinition",
    "mailer-task",
    {
      family: "mailer",
      cpu: "256",
      memory: "512",
      requiresCompatibilities: ["FARGATE"],
      containerDefinitions: containers({ mailer: "public.ecr.aws/docker/library/ruby:3.3-slim" }),
    },
    mailer,
  );
  const dlq = resource("aws:sqs/queue:Queue", "jobs-dlq", {}, jobs);
  return [
    resource("pulumi:providers:aws", "aws", { region: "us-east-1" }),
    network,
    resource(
      "awsx:ec2:Vpc",
      "network-vpc",
      {
        cidrBlock: "10.20.0.0/16",
        numberOfAvailabilityZones: 3,
        natGateways: { strategy: "OnePerAz" },
      },
      network,
    ),
    resource(
      "aws:ec2/vpcEndpoint:VpcEndpoint",
      "network-s3-endpoint",
      { serviceName: "com.amazonaws.us-east-1.s3", vpcEndpointType: "Gateway" },
      network,
    ),
    resource(
      "aws:ec2/vpcEndpoint:VpcEndpoint",
      "network-ecr-endpoint",
      {
        serviceName: "com.amazonaws.us-east-1.ecr.dkr",
        vpcEndpointType: "Interface",
        subnetIds: ["subnet-p1", "subnet-p2"],
      },
      network,
    ),
    resource("aws:iam/role:Role", "network-flow-logs-role", {}, network),
    cluster,
    launchTemplate,
    resource(
      "aws:autoscaling/group:Group",
      "cluster-asg",
      {
        minSize: 2,
        maxSize: 6,
        desiredCapacity: 4,
        mixedInstancesPolicy: {
          instancesDistribution: {
            onDemandBaseCapacity: 1,
            onDemandPercentageAboveBaseCapacity: 50,
          },
          launchTemplate: {
            launchTemplateSpecification: { launchTemplateId: "cluster-lt-id", version: "$Latest" },
            overrides: [{ instanceType: "t3.medium" }, { instanceType: "t3.large" }],
          },
        },
      },
      cluster,
    ),
    resource(
      "aws:ecs/capacityProvider:CapacityProvider",
      "cluster-cp",
      { autoScalingGroupProvider: { managedScaling: { status: "ENABLED", targetCapacity: 90 } } },
      cluster,
    ),
    api,
    resource(
      "aws:lb/loadBalancer:LoadBalancer",
      "api-alb",
      { loadBalancerType: "application", subnets: PUBLIC },
      api,
    ),
    resource("aws:lb/listener:Listener", "api-https", { protocol: "HTTPS", port: 443 }, api),
    resource("aws:lb/listener:Listener", "api-http", { protocol: "HTTP", port: 80 }, api),
    resource("aws:lb/targetGroup:TargetGroup", "api-tg", { targetType: "ip" }, api),
    apiRepository,
    apiTask,
    resource(
      "aws:ecs/service:Service",
      "api-service",
      {
        desiredCount: 2,
        taskDefinition: apiTask.state.arn,
        capacityProviderStrategies: [{ capacityProvider: "cluster-cp-name", weight: 1 }],
      },
      api,
    ),
    resource(
      "aws:appautoscaling/target:Target",
      "api-scaling",
      { minCapacity: 2, maxCapacity: 6 },
      api,
    ),
    resource(
      "aws:cloudwatch/logGroup:LogGroup",
      "api-logs",
      { name: "/vitcord/test/api", retentionInDays: 30 },
      api,
    ),
    jobs,
    jobsTask,
    resource(
      "aws:ecs/service:Service",
      "jobs-service",
      {
        desiredCount: 4,
        taskDefinition: jobsTask.state.arn,
        capacityProviderStrategies: [
          { capacityProvider: "FARGATE", base: 1, weight: 0 },
          { capacityProvider: "FARGATE_SPOT", weight: 1 },
        ],
      },
      jobs,
    ),
    resource(
      "aws:sqs/queue:Queue",
      "jobs-queue",
      { redrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.state.arn, maxReceiveCount: 5 }) },
      jobs,
    ),
    dlq,
    mailer,
    mailerTask,
    resource(
      "aws:ecs/service:Service",
      "mailer-service",
      { desiredCount: 1, taskDefinition: mailerTask.state.arn, launchType: "FARGATE" },
      mailer,
    ),
  ];
}

export const database = component("vitcord:data:PostgresDatabase", "main");
export const table = component("vitcord:data:DynamoTable", "notifications");
export const cache = component("vitcord:data:RedisCache", "sessions");
/** A worker with the same name as the table, as in the stacks. */
export const notifications = component("vitcord:service:FargateWorker", "notifications");

export const TABLE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/test-notifications";

/** The inputs of the prod database, as components/database.ts declares them. */
export const PROD_DATABASE = {
  engine: "postgres",
  engineVersion: "17",
  instanceClass: "db.t4g.medium",
  storageType: "gp3",
  allocatedStorage: 64,
  maxAllocatedStorage: 500,
  storageEncrypted: true,
  publiclyAccessible: false,
  multiAz: true,
  backupRetentionPeriod: 14,
  deletionProtection: true,
  manageMasterUserPassword: true,
  performanceInsightsEnabled: true,
  performanceInsightsRetentionPeriod: 7,
};

/**
 * Data stores and their users: the `main` database (admitted from api's and jobs' task groups),
 * the `notifications` table (read-write by the notifications worker's task role, read by api's),
 * and the `sessions` cache (admitted from api only).
 */
export function dataStack(
  databaseInputs: Record<string, unknown> = PROD_DATABASE,
  tableInputs: Record<string, unknown> = {},
  cacheResource?: RecordedResource,
): RecordedResource[] {
  const group = (name: string, id: string, parent: RecordedResource) =>
    resource("aws:ec2/securityGroup:SecurityGroup", name, {}, parent, { id });
  const ingress = (name: string, into: string, from: string, parent: RecordedResource) =>
    resource(
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      name,
      { securityGroupId: into, referencedSecurityGroupId: from, fromPort: 5432, toPort: 5432 },
      parent,
    );
  const policy = (name: string, actions: string[], parent: RecordedResource) =>
    resource(
      "aws:iam/rolePolicy:RolePolicy",
      name,
      {
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: actions, Resource: [TABLE_ARN, `${TABLE_ARN}/index/*`] },
          ],
        }),
      },
      parent,
    );
  return [
    database,
    group("main-db-sg", "sg-db", database),
    resource("aws:rds/instance:Instance", "main-db", databaseInputs, database),
    table,
    resource(
      "aws:dynamodb/table:Table",
      "notifications-table",
      {
        name: "test-notifications",
        hashKey: "userId",
        rangeKey: "sentAt",
        attributes: [
          { name: "userId", type: "S" },
          { name: "sentAt", type: "N" },
          { name: "status", type: "S" },
        ],
        globalSecondaryIndexes: [{ name: "by-status", hashKey: "status" }],
        billingMode: "PAY_PER_REQUEST",
        pointInTimeRecovery: { enabled: true },
        ttl: { enabled: true, attributeName: "expiresAt" },
        deletionProtectionEnabled: true,
        ...tableInputs,
      },
      table,
      { arn: TABLE_ARN },
    ),
    cache,
    group("sessions-sg", "sg-cache", cache),
    cacheResource ??
      resource(
        "aws:elasticache/serverlessCache:ServerlessCache",
        "sessions",
        { engine: "valkey", cacheUsageLimits: { dataStorage: { maximum: 1, unit: "GB" } } },
        cache,
      ),
    api,
    group("api-tasks", "sg-api", api),
    ingress("api-to-main", "sg-db", "sg-api", api),
    ingress("api-to-sessions", "sg-cache", "sg-api", api),
    policy("api-task-policy", ["dynamodb:GetItem", "dynamodb:Query"], api),
    jobs,
    group("jobs-tasks", "sg-jobs", jobs),
    ingress("jobs-to-main", "sg-db", "sg-jobs", jobs),
    notifications,
    group("notifications-tasks", "sg-notifications", notifications),
    policy("notifications-task-policy", ["dynamodb:GetItem", "dynamodb:PutItem"], notifications),
  ];
}
