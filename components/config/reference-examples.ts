import { Environment } from "./environment";

/**
 * The examples of docs/configuration.md, one per top-level key: each is a whole stack config that
 * passes the program's validation (reference.ts refuses to render one that does not), built on
 * what the dev and prod stacks run.
 */

export interface ConfigExample {
  /** The top-level key it shows (`aws:region`, `vitcord-infra:network`, …). */
  readonly key: string;
  /** One sentence above it: what the stack gets. */
  readonly caption: string;
  /** The stack's `config:` map, `aws:region` and `vitcord-infra:environment` included. */
  readonly config: Readonly<Record<string, unknown>>;
}

const nginx = {
  image: "public.ecr.aws/nginx/nginx:1.27",
  port: 80,
  healthCheckPath: "/",
  // nginx writes its cache and pid file; the root filesystem stays read-only (ECS.5).
  writablePaths: ["/tmp", "/var/cache/nginx", "/run"],
};

/** Prod stacks need someone to hear their alarms (rule VIT-ALR-03): every prod example has one. */
const oncall = { "vitcord-infra:alerts": { emails: ["oncall@vitcord.com"] } };

export const CONFIG_EXAMPLES: readonly ConfigExample[] = [
  {
    key: "aws:region",
    caption: "A dev stack in Ireland, every other key at dev's defaults.",
    config: { "aws:region": "eu-west-1", "vitcord-infra:environment": "dev" },
  },
  {
    key: "vitcord-infra:environment",
    caption:
      "A prod stack with prod's defaults: three zones, a NAT gateway in each, no services yet.",
    config: { "aws:region": "us-east-1", "vitcord-infra:environment": "prod", ...oncall },
  },
  {
    key: "vitcord-infra:logRetentionDays",
    caption: "A dev stack that keeps its logs for a month.",
    config: {
      "aws:region": "us-east-1",
      "vitcord-infra:environment": "dev",
      "vitcord-infra:logRetentionDays": 30,
    },
  },
  {
    key: "vitcord-infra:deletionProtection",
    caption: "A long-lived dev stack whose load balancers and queues survive a mistaken destroy.",
    config: {
      "aws:region": "us-east-1",
      "vitcord-infra:environment": "dev",
      "vitcord-infra:deletionProtection": true,
    },
  },
  {
    key: "vitcord-infra:tags",
    caption: "Cost-allocation tags on every resource of the stack.",
    config: {
      "aws:region": "us-east-1",
      "vitcord-infra:environment": "dev",
      "vitcord-infra:tags": { Team: "platform", CostCenter: "1234" },
    },
  },
  {
    key: "vitcord-infra:network",
    caption: "A prod VPC in another range (to peer with 10.20.0.0/16), over three zones.",
    config: {
      "aws:region": "us-east-1",
      "vitcord-infra:environment": "prod",
      ...oncall,
      "vitcord-infra:network": {
        cidr: "10.30.0.0/16",
        availabilityZones: 3,
        natGateways: "perAz",
      },
    },
  },
  {
    key: "vitcord-infra:cluster",
    caption:
      "Prod capacity with Spot above three on-demand instances, half of the rest on-demand too.",
    config: {
      "aws:region": "us-east-1",
      "vitcord-infra:environment": "prod",
      ...oncall,
      "vitcord-infra:cluster": {
        instanceTypes: ["m7g.large", "m6g.large"],
        minSize: 3,
        maxSize: 12,
        spot: { enabled: true, onDemandBase: 3, onDemandPercentageAboveBase: 50 },
        targetCapacity: 90,
        rootVolumeGiB: 50,
      },
    },
  },
  {
    key: "vitcord-infra:registry",
    caption:
      "A prod stack in its own AWS account that runs the images of dev's account (whose stack lists this account in `pullAccounts`).",
    config: {
      "aws:region": "us-east-1",
      "vitcord-infra:environment": "prod",
      ...oncall,
      "vitcord-infra:registry": { createRepositories: false, account: "210987654321" },
    },
  },
  {
    key: "vitcord-infra:alerts",
    caption:
      "A prod stack whose alarms e-mail the on-call address and post to a chat webhook, paging on 2% of requests answered 5xx instead of prod's 5%.",
    config: {
      "aws:region": "us-east-1",
      "vitcord-infra:environment": "prod",
      "vitcord-infra:alerts": {
        emails: ["oncall@vitcord.com"],
        httpsEndpoints: ["https://chat.example.com/hooks/alerts"],
        thresholds: { http5xxRatePercent: 2 },
      },
    },
  },
  {
    key: "vitcord-infra:kms",
    caption:
      "A dev stack that encrypts its log groups and alert topic with a key of its own, as prod does by default ($1 a month plus requests), deleted 7 days after the stack stops declaring it.",
    config: {
      "aws:region": "us-east-1",
      "vitcord-infra:environment": "dev",
      "vitcord-infra:kms": { enabled: true, deletionWindowDays: 7 },
    },
  },
  {
    key: "vitcord-infra:services",
    caption:
      "A dev web service that serves HTTP on its load balancer's address from a public image, scaling on CPU.",
    config: {
      "aws:region": "us-east-1",
      "vitcord-infra:environment": "dev",
      "vitcord-infra:services": {
        web: { ...nginx, autoscaling: { min: 1, max: 3, cpuTarget: 70 } },
      },
    },
  },
  {
    key: "vitcord-infra:workers",
    caption:
      "A dev worker with its own queue, which the web service may send to (`JOBS_QUEUE_URL`); the placeholder command idles until a real image is released.",
    config: {
      "aws:region": "us-east-1",
      "vitcord-infra:environment": "dev",
      "vitcord-infra:services": { web: nginx },
      "vitcord-infra:workers": {
        jobs: {
          image: "public.ecr.aws/docker/library/ruby:3.3-slim",
          command: ["ruby", "-e", "STDOUT.sync = true; loop { puts 'idle'; sleep 300 }"],
          user: "65534:65534",
          queue: { create: true, producers: ["web"] },
        },
      },
    },
  },
  {
    key: "vitcord-infra:databases",
    caption:
      "A prod PostgreSQL database used by the web service and the worker (`DATABASE_HOST`, `_PORT`, `_NAME`, `_USER`, and `DATABASE_PASSWORD` from the RDS-managed secret): Multi-AZ, two weeks of backups, deletion protection (prod's defaults), on a larger instance.",
    config: {
      "aws:region": "us-east-1",
      "vitcord-infra:environment": "prod",
      ...oncall,
      "vitcord-infra:services": {
        web: { ...nginx, uses: ["main"], domain: "web.example.com", hostedZoneName: "example.com" },
      },
      "vitcord-infra:workers": {
        jobs: {
          image: "public.ecr.aws/docker/library/ruby:3.3-slim",
          command: ["bundle", "exec", "aws_sqs_active_job", "--queue", "default"],
          user: "1000:1000",
          uses: [{ database: "main" }],
        },
      },
      "vitcord-infra:databases": {
        main: {
          engineVersion: "17",
          instanceClass: "db.m7g.large",
          allocatedStorageGiB: 100,
          maxAllocatedStorageGiB: 1000,
          backupRetentionDays: 14,
          maintenanceWindow: "sun:04:00-sun:04:30",
        },
      },
    },
  },
  {
    key: "vitcord-infra:tables",
    caption:
      "A dev table of notifications per user, newest last, expiring by `expiresAt`, with an index by status; the web service reads and writes it as `NOTIFICATIONS_TABLE`.",
    config: {
      "aws:region": "us-east-1",
      "vitcord-infra:environment": "dev",
      "vitcord-infra:services": { web: { ...nginx, uses: ["notifications"] } },
      "vitcord-infra:tables": {
        notifications: {
          partitionKey: { name: "userId", type: "S" },
          sortKey: { name: "createdAt", type: "S" },
          attributes: { status: "S" },
          indexes: {
            byStatus: { partitionKey: "status", sortKey: "createdAt", projection: "KEYS_ONLY" },
          },
          ttlAttribute: "expiresAt",
        },
      },
    },
  },
  {
    key: "vitcord-infra:caches",
    caption:
      "A dev session cache, serverless Valkey capped at 1 GB; the web service gets `SESSIONS_REDIS_URL` and the secret `SESSIONS_REDIS_AUTH_TOKEN`.",
    config: {
      "aws:region": "us-east-1",
      "vitcord-infra:environment": "dev",
      "vitcord-infra:services": { web: { ...nginx, uses: ["sessions"] } },
      "vitcord-infra:caches": { sessions: { maxDataStorageGb: 1 } },
    },
  },
  {
    key: "vitcord-infra:waf",
    caption:
      "Dev turns the web application firewall on in count mode (nothing blocked, what would be is logged), with a tighter rate limit that health checks and an office's addresses skip.",
    config: {
      "aws:region": "us-east-1",
      "vitcord-infra:environment": "dev",
      "vitcord-infra:services": { web: nginx },
      "vitcord-infra:waf": {
        enabled: true,
        mode: "count",
        rateLimit: 500,
        allowPaths: ["/health"],
        allowCidrs: ["203.0.113.0/24"],
      },
    },
  },
  {
    key: "vitcord-infra:schedule",
    caption:
      "A dev stack for a team in New York: awake weekdays 07:30–19:00 New York time (daylight saving followed), asleep nights and weekends (no task, no instance, the databases stopped). `enabled: false` keeps a dev stack up around the clock.",
    config: {
      "aws:region": "us-east-1",
      "vitcord-infra:environment": "dev",
      "vitcord-infra:schedule": {
        timezone: "America/New_York",
        wake: "Mon-Fri 07:30",
        sleep: "Mon-Fri 19:00",
      },
    },
  },
  {
    key: "vitcord-infra:ruleWaivers",
    caption:
      "A dev stack that waives VIT-ECS-05 for one container, with its reason and the last day it holds: the plan and the policy pack report that finding as waived, not violated (docs/rules.md, Waivers).",
    config: {
      "aws:region": "us-east-1",
      "vitcord-infra:environment": "dev",
      "vitcord-infra:ruleWaivers": [
        {
          rule: "VIT-ECS-05",
          resource: "api-task#api",
          reason: "The vendor image runs as root until its 2.0 release (ticket OPS-123).",
          expires: "2027-03-31",
        },
      ],
    },
  },
];

/**
 * The fewest keys that make one web service and one worker valid in each environment: parsing it
 * shows the defaults the schemas compute instead of declaring (a service's `desiredCount`, a
 * created queue's settings), which the reference lists beside the declared ones.
 */
export function minimalWorkloads(environment: Environment): Record<string, unknown> {
  const https =
    environment === "prod"
      ? { certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/example" }
      : {};
  return {
    environment,
    services: { web: { image: nginx.image, ...https } },
    workers: { jobs: { image: nginx.image, command: ["true"], queue: { create: true } } },
  };
}
