/**
 * A Redis-compatible cache (ElastiCache for Valkey) that the workloads which `uses` it reach with
 * TLS and an auth token from Secrets Manager.
 *
 * Choice, by cost (us-east-1, ../shared/reference/aws-prices-data.md §3, 730 h/month):
 * - ElastiCache Serverless for Valkey (`aws:elasticache/serverlessCache:ServerlessCache`), the
 *   DEFAULT (`mode: serverless`): $0.084 per GB-hour of data stored, 100 MB minimum = $6.13/month,
 *   plus $0.0023 per million ECPUs (one ECPU ≈ one GET/SET of ≤ 1 KB: 100 requests/s all month ≈
 *   263 M ECPUs ≈ $0.60). Always replicated across AZs with automatic failover, always TLS and
 *   encrypted at rest. Dev ≈ $6.2/month, prod ≈ $6.2/month at the minimum.
 * - Node-based Valkey replication group (`aws:elasticache/replicationGroup:ReplicationGroup`,
 *   `mode: nodes`): $0.0128 per node-hour for cache.t4g.micro ($9.34/month), $0.0256 for
 *   cache.t4g.small ($18.69). Dev one micro = $9.34; prod HA (primary + replica, Multi-AZ,
 *   automatic failover) two micros = $18.69, two smalls = $37.38.
 * Serverless is cheaper in both stacks while the data stays below ≈ 150 MB (dev) / ≈ 300 MB (prod
 * vs two micros) on average; above that, or for a bill that cannot grow with the data, set
 * `mode: nodes` (`maxDataStorageGb` caps serverless's bill meanwhile). Valkey, not Redis OSS:
 * 20% cheaper per node, 33% cheaper serverless, same protocol.
 *
 * Auth: a random 64-character token in a Secrets Manager secret, created once (the version ignores
 * later changes), given to the cache as its AUTH token (nodes) or as the password of its `default`
 * RBAC user (serverless, which takes RBAC only). The token is never in config; it is in Pulumi
 * state as a secret (encrypted), because ElastiCache takes it as an input.
 */
import { randomBytes } from "node:crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  CACHE_ENGINE_VERSIONS,
  CACHE_NODE_DEFAULTS,
  CACHE_SERVERLESS_DEFAULTS,
  CacheConfig,
} from "./config/caches";
import { Environment } from "./config/environment";
import { cacheVariablePrefix } from "./config/uses";
import { DataStore, DataStoreGrant } from "./data-access";
import { statefulResourceOptions } from "./options";
import { NetworkRef } from "./refs";

/** Valkey's and Redis's port; both modes listen on it (TLS only). */
export const CACHE_PORT = 6379;

/**
 * The RBAC access string of a serverless cache's user: every key and command, as the AUTH token
 * gives on a replication group. The apps (Rails cache, Sidekiq, Spring) need no finer split.
 */
export const CACHE_USER_ACCESS = "on ~* +@all";

export interface RedisCacheArgs {
  readonly network: NetworkRef;
  readonly cache: CacheConfig;
  /** Picks the node type and replicas a `mode: nodes` cache leaves out. */
  readonly environment: Environment;
  /** Retention of the slow log's log group (`mode: nodes`). */
  readonly logRetentionDays: number;
  /**
   * The KMS key that encrypts the slow log's log group (the stack's key, components/kms.ts);
   * ElastiCache delivers into CloudWatch Logs, which does the encrypting.
   * @default undefined (CloudWatch Logs' own encryption)
   */
  readonly logKmsKeyArn?: pulumi.Input<string>;
  /**
   * Pulumi `protect` and `retainOnDelete` on the cache and its secret (prod).
   * @default false
   */
  readonly protect?: boolean;
}

/** `rediss://host:port`: the URL clients take (TLS; the token comes separately). */
export function cacheUrl(host: string, port: number): string {
  return `rediss://${host}:${port}`;
}

/**
 * The settings `mode: nodes` runs with: the config's, else the environment's defaults. One or
 * more replicas turn on automatic failover and Multi-AZ (ElastiCache needs a replica for both).
 */
export function nodeSettings(
  cache: CacheConfig,
  environment: Environment,
): { nodeType: string; numCacheClusters: number; highlyAvailable: boolean } {
  const defaults = CACHE_NODE_DEFAULTS[environment];
  const replicas = cache.replicas ?? defaults.replicas;
  return {
    nodeType: cache.nodeType ?? defaults.nodeType,
    numCacheClusters: replicas + 1,
    highlyAvailable: replicas > 0,
  };
}

/**
 * A Redis-compatible cache in the private subnets: its own security group (no ingress until a
 * workload that `uses` it is granted 6379), TLS and encryption at rest, and an auth token kept in
 * Secrets Manager that the workloads get through ECS `secrets`.
 */
export class RedisCache extends pulumi.ComponentResource implements DataStore {
  /** `rediss://<endpoint>:6379`. */
  public readonly url: pulumi.Output<string>;
  public readonly arn: pulumi.Output<string>;
  public readonly securityGroupId: pulumi.Output<string>;
  /** The Secrets Manager secret whose value is the token (plain text, no JSON). */
  public readonly authSecretArn: pulumi.Output<string>;

  constructor(
    private readonly cacheName: string,
    args: RedisCacheArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("vitcord:data:RedisCache", cacheName, {}, opts);
    const name = cacheName;
    const { cache } = args;
    const stateful = statefulResourceOptions(args.protect ?? false, { parent: this });

    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-cache-sg`,
      {
        vpcId: args.network.vpcId,
        description: `Cache ${name}: port ${CACHE_PORT} from the workloads that use it only`,
        // The workloads' rules are added by their grants; the cache never opens a connection.
        ingress: [],
        egress: [],
      },
      { parent: this },
    );

    // Generated here once: the version ignores later runs' values, so the token in Secrets Manager
    // (and, through its output, the cache's) stays the first one. Rotating: `pulumi up --replace`
    // on the version (nodes: ElastiCache then rotates the AUTH token in place).
    const secret = new aws.secretsmanager.Secret(
      `${name}-cache-auth`,
      { description: `AUTH token of the ${name} cache (ElastiCache)` },
      stateful,
    );
    const version = new aws.secretsmanager.SecretVersion(
      `${name}-cache-auth`,
      { secretId: secret.id, secretString: pulumi.secret(randomBytes(32).toString("hex")) },
      { parent: this, ignoreChanges: ["secretString"] },
    );
    const token = pulumi.secret(version.secretString.apply((value) => value ?? ""));

    const endpoint =
      cache.mode === "nodes"
        ? this.replicationGroup(name, args, securityGroup.id, token, stateful)
        : this.serverlessCache(name, args, securityGroup.id, token, stateful);

    this.url = endpoint.url;
    this.arn = endpoint.arn;
    this.securityGroupId = securityGroup.id;
    this.authSecretArn = secret.arn;
    this.registerOutputs({
      url: this.url,
      arn: this.arn,
      securityGroupId: this.securityGroupId,
      authSecretArn: this.authSecretArn,
    });
  }

  grantTo(workload: string): DataStoreGrant {
    const prefix = cacheVariablePrefix(this.cacheName);
    return {
      store: this.cacheName,
      ingress: {
        securityGroupId: this.securityGroupId,
        port: CACHE_PORT,
        description: `Cache ${this.cacheName} from ${workload}`,
      },
      environment: { [`${prefix}_URL`]: this.url },
      secrets: { [`${prefix}_AUTH_TOKEN`]: this.authSecretArn },
      secretArns: [this.authSecretArn],
    };
  }

  /** A replication group: primary + replicas over the private subnets, slow log to CloudWatch. */
  private replicationGroup(
    name: string,
    args: RedisCacheArgs,
    securityGroupId: pulumi.Output<string>,
    token: pulumi.Output<string>,
    stateful: pulumi.CustomResourceOptions,
  ): { url: pulumi.Output<string>; arn: pulumi.Output<string> } {
    const { cache } = args;
    const nodes = nodeSettings(cache, args.environment);
    const subnetGroup = new aws.elasticache.SubnetGroup(
      `${name}-cache-subnets`,
      {
        description: `Cache ${name}: the private subnets`,
        subnetIds: args.network.privateSubnetIds,
      },
      { parent: this },
    );
    const slowLog = new aws.cloudwatch.LogGroup(
      `${name}-cache-slow-log`,
      { retentionInDays: args.logRetentionDays, kmsKeyId: args.logKmsKeyArn },
      { parent: this },
    );
    const group = new aws.elasticache.ReplicationGroup(
      name,
      {
        description: `Cache ${name}`,
        engine: cache.engine,
        engineVersion: CACHE_ENGINE_VERSIONS[cache.engine].nodes,
        autoMinorVersionUpgrade: true,
        nodeType: nodes.nodeType,
        numCacheClusters: nodes.numCacheClusters,
        automaticFailoverEnabled: nodes.highlyAvailable,
        multiAzEnabled: nodes.highlyAvailable,
        port: CACHE_PORT,
        subnetGroupName: subnetGroup.name,
        securityGroupIds: [securityGroupId],
        atRestEncryptionEnabled: true,
        transitEncryptionEnabled: true,
        transitEncryptionMode: "required",
        authToken: token,
        authTokenUpdateStrategy: "ROTATE",
        snapshotRetentionLimit: cache.snapshotRetentionDays,
        logDeliveryConfigurations: [
          {
            destination: slowLog.name,
            destinationType: "cloudwatch-logs",
            logFormat: "json",
            logType: "slow-log",
          },
        ],
      },
      stateful,
    );
    return {
      url: pulumi.output(group.primaryEndpointAddress).apply((host) => cacheUrl(host, CACHE_PORT)),
      arn: group.arn,
    };
  }

  /**
   * A serverless cache: ElastiCache places and replicates it across AZs. It takes RBAC only, so the
   * token is the password of its `default` user (clients send AUTH <token> as with a token).
   */
  private serverlessCache(
    name: string,
    args: RedisCacheArgs,
    securityGroupId: pulumi.Output<string>,
    token: pulumi.Output<string>,
    stateful: pulumi.CustomResourceOptions,
  ): { url: pulumi.Output<string>; arn: pulumi.Output<string> } {
    const { cache } = args;
    // User and group IDs are not auto-named and are unique per account and region.
    const id = `${name}-${pulumi.getStack()}`
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/-{2,}/g, "-")
      .slice(0, 40)
      .replace(/-$/, "");
    const user = new aws.elasticache.User(
      `${name}-cache-user`,
      {
        userId: id,
        userName: "default",
        engine: cache.engine,
        accessString: CACHE_USER_ACCESS,
        authenticationMode: { type: "password", passwords: [token] },
      },
      { parent: this },
    );
    const users = new aws.elasticache.UserGroup(
      `${name}-cache-users`,
      { userGroupId: id, engine: cache.engine, userIds: [user.userId] },
      { parent: this },
    );
    const maxEcpu = cache.maxEcpuPerSecond;
    const serverless = new aws.elasticache.ServerlessCache(
      name,
      {
        description: `Cache ${name}`,
        engine: cache.engine,
        majorEngineVersion: CACHE_ENGINE_VERSIONS[cache.engine].serverlessMajor,
        subnetIds: args.network.privateSubnetIds,
        securityGroupIds: [securityGroupId],
        userGroupId: users.userGroupId,
        snapshotRetentionLimit: cache.snapshotRetentionDays,
        cacheUsageLimits: {
          dataStorage: {
            maximum:
              cache.maxDataStorageGb ??
              CACHE_SERVERLESS_DEFAULTS[args.environment].maxDataStorageGb,
            unit: "GB",
          },
          ...(maxEcpu === undefined ? {} : { ecpuPerSeconds: [{ maximum: maxEcpu }] }),
        },
      },
      stateful,
    );
    return {
      // The mock engine of the plan computes no endpoint; AWS always returns one.
      url: serverless.endpoints.apply((endpoints) =>
        cacheUrl(endpoints?.[0]?.address ?? "", endpoints?.[0]?.port ?? CACHE_PORT),
      ),
      arn: serverless.arn,
    };
  }
}
