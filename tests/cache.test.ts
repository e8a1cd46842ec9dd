// `vitcord-infra:caches` (components/config/caches.ts) and RedisCache (components/cache.ts): the
// config's messages without mocks, then one synthesis per mode with a cache a workload uses.
import * as assert from "node:assert/strict";
import { ConfigError, parseStackConfig } from "../components/config";
import { CACHE_PORT, cacheUrl, nodeSettings } from "../components/cache";
import { cacheNameMessage, CACHE_NODE_TYPES, cachesSchema } from "../components/config/caches";
import { shortHash } from "../plan/engine/stand-ins";
import { ProgramRun, RecordedResource, runProgram, stackConfig } from "./harness";

const REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup";
const SERVERLESS = "aws:elasticache/serverlessCache:ServerlessCache";
const SECRET = "aws:secretsmanager/secret:Secret";
const SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const TASK_DEF = "aws:ecs/taskDefinition:TaskDefinition";
/** Pulumi's marker of a secret value in serialized inputs. */
const SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d";

/** The problems a `caches` config is rejected with, through the real config parser. */
function problems(environment: "dev" | "prod", caches: unknown): string[] {
  try {
    parseStackConfig(environment, {
      "aws:region": "us-east-1",
      "vitcord-infra:environment": environment,
      "vitcord-infra:caches": JSON.stringify(caches),
    });
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return [...error.problems];
  }
  return assert.fail("expected the config to be rejected");
}

describe("cache config", () => {
  it("defaults to a serverless Valkey cache, snapshots kept in prod only", () => {
    const dev = cachesSchema("dev").parse({ sessions: {} });
    const prod = cachesSchema("prod").parse({ sessions: {} });
    assert.deepEqual(dev.sessions, {
      mode: "serverless",
      engine: "valkey",
      snapshotRetentionDays: 0,
    });
    assert.equal(prod.sessions!.snapshotRetentionDays, 7);
  });

  it("sizes nodes by environment: one micro node in dev, primary + replica (HA) in prod", () => {
    const nodes = cachesSchema("dev").parse({ c: { mode: "nodes" } }).c!;
    assert.deepEqual(nodeSettings(nodes, "dev"), {
      nodeType: "cache.t4g.micro",
      numCacheClusters: 1,
      highlyAvailable: false,
    });
    assert.deepEqual(nodeSettings(nodes, "prod"), {
      nodeType: "cache.t4g.small",
      numCacheClusters: 2,
      highlyAvailable: true,
    });
    assert.equal(nodeSettings({ ...nodes, replicas: 0 }, "prod").highlyAvailable, false);
  });

  it("makes a TLS URL", () => {
    assert.equal(
      cacheUrl("c.example.cache.amazonaws.com", CACHE_PORT),
      "rediss://c.example.cache.amazonaws.com:6379",
    );
  });

  it("refuses a node type ElastiCache does not have, listing those it has", () => {
    assert.deepEqual(problems("dev", { sessions: { mode: "nodes", nodeType: "cache.t4g.huge" } }), [
      `vitcord-infra:caches.sessions.nodeType = "cache.t4g.huge": must be an ElastiCache node type for Valkey and Redis OSS: ${CACHE_NODE_TYPES.join(", ")}`,
    ]);
  });

  for (const name of ["Sessions", "9lives", "a--b", "sessions-", "a".repeat(21)]) {
    it(`refuses the cache name ${JSON.stringify(name)}`, () => {
      assert.deepEqual(problems("dev", { [name]: {} }), [
        `vitcord-infra:caches.${name} = {}: ${cacheNameMessage}`,
      ]);
    });
  }

  it("accepts a name of 20 characters with single hyphens", () => {
    assert.doesNotThrow(() => cachesSchema("dev").parse({ [`a-${"b".repeat(18)}`]: {} }));
  });

  it("refuses keys of the other mode, naming the mode", () => {
    assert.deepEqual(problems("dev", { c: { nodeType: "cache.t4g.micro", replicas: 1 } }), [
      'vitcord-infra:caches.c.nodeType = "cache.t4g.micro": only applies to mode: nodes (this cache\'s mode is serverless)',
      "vitcord-infra:caches.c.replicas = 1: only applies to mode: nodes (this cache's mode is serverless)",
    ]);
    assert.deepEqual(problems("prod", { c: { mode: "nodes", maxDataStorageGb: 2 } }), [
      "vitcord-infra:caches.c.maxDataStorageGb = 2: only applies to mode: serverless (this cache's mode is nodes)",
    ]);
  });

  it("refuses out-of-range sizes, retention and unknown modes, engines and keys", () => {
    assert.deepEqual(
      problems("prod", {
        c: { mode: "cluster", engine: "memcached", snapshotRetentionDays: 36, size: 1 },
      }),
      [
        'vitcord-infra:caches.c.mode = "cluster": must be one of: serverless, nodes',
        'vitcord-infra:caches.c.engine = "memcached": must be one of: valkey, redis',
        "vitcord-infra:caches.c.snapshotRetentionDays = 36: must be a whole number from 0 to 35 days",
        "vitcord-infra:caches.c.size: unknown key; allowed keys here: mode, engine, nodeType, replicas, maxDataStorageGb, maxEcpuPerSecond, snapshotRetentionDays",
      ],
    );
    assert.deepEqual(problems("dev", { c: { mode: "nodes", replicas: 6 } }), [
      "vitcord-infra:caches.c.replicas = 6: must be a whole number from 0 to 5 replicas",
    ]);
    assert.deepEqual(problems("dev", { c: { maxDataStorageGb: 0, maxEcpuPerSecond: 10 } }), [
      "vitcord-infra:caches.c.maxDataStorageGb = 0: must be a whole number from 1 to 5000 GB",
      "vitcord-infra:caches.c.maxEcpuPerSecond = 10: must be a whole number from 1000 to 15000000 ECPUs per second",
    ]);
  });
});

/** The stack file's config with a cache, used by `api` (and, if given, more workloads). */
function withCache(
  stack: "dev" | "prod",
  cache: Record<string, unknown>,
  users: { services?: string[]; workers?: string[] },
): Record<string, unknown> {
  const config = stackConfig(stack);
  const addUse = (key: "services" | "workers", names: readonly string[]) => {
    const map = JSON.parse(config[`vitcord-infra:${key}`] ?? "{}") as Record<
      string,
      { uses?: unknown[] }
    >;
    for (const name of names)
      map[name] = { ...map[name], uses: [...(map[name]?.uses ?? []), { cache: "sessions" }] };
    return map;
  };
  return {
    caches: { sessions: cache },
    services: addUse("services", users.services ?? []),
    workers: addUse("workers", users.workers ?? []),
  };
}

function container(
  run: ProgramRun,
  family: string,
): {
  environment: { name: string; value: string }[];
  secrets: { name: string; valueFrom: string }[];
} {
  const definition = run
    .ofType(TASK_DEF)
    .find((r) => r.parent?.name === family || r.name.startsWith(family));
  assert.ok(definition, `no task definition for ${family}`);
  const containers = JSON.parse(definition.inputs.containerDefinitions as string) as ReturnType<
    typeof container
  >[];
  return containers[0]!;
}

/** The plain value of an input the mock engine recorded as a Pulumi secret (fails if it is not one). */
function secretValue(input: unknown): unknown {
  assert.ok(typeof input === "object" && input !== null, `expected a secret, got ${String(input)}`);
  const wrapper = input as Record<string, unknown>;
  assert.equal(wrapper[SECRET_SIGNATURE], "1b47061264138c4ac30d75fd1eb44270");
  return wrapper.value;
}

/** The cache's security group id, as the cache references it. */
function cacheGroupId(run: ProgramRun, type: string): string {
  const ids = cacheChild(run, type).inputs.securityGroupIds as string[];
  assert.equal(ids.length, 1);
  return ids[0]!;
}

function cacheChild(run: ProgramRun, type: string): RecordedResource {
  const cache = run.one("vitcord:data:RedisCache", "sessions");
  const found = run.ofType(type).filter((r) => r.parentUrn === cache.urn);
  assert.equal(found.length, 1, `expected one ${type} under the cache`);
  return found[0]!;
}

describe("RedisCache (dev: serverless, used by api)", function () {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram("dev", withCache("dev", {}, { services: ["api"] }));
  });

  it("is a serverless Valkey cache in the private subnets behind its own group, with its RBAC user", () => {
    const cache = cacheChild(run, SERVERLESS);
    assert.equal(cache.inputs.engine, "valkey");
    assert.equal(cache.inputs.snapshotRetentionLimit, 0);
    assert.deepEqual(cache.inputs.cacheUsageLimits, { dataStorage: { maximum: 1, unit: "GB" } });
    assert.equal((cache.inputs.subnetIds as string[]).length, 2);
    assert.ok((cache.inputs.subnetIds as string[]).every((id) => id.startsWith("subnet-prv")));
    // Its own group: the stand-in engine's id of the group named sessions-cache-sg.
    const group = cacheChild(run, SG);
    assert.equal(group.name, "sessions-cache-sg");
    assert.deepEqual(cache.inputs.securityGroupIds, [`sg-${shortHash(group.name, 17)}`]);
    assert.deepEqual(group.inputs.ingress, []);
    assert.deepEqual(group.inputs.egress, []);
    const user = cacheChild(run, "aws:elasticache/user:User");
    assert.equal(user.inputs.userName, "default");
    assert.equal(user.inputs.accessString, "on ~* +@all");
    const users = cacheChild(run, "aws:elasticache/userGroup:UserGroup");
    assert.deepEqual(users.inputs.userIds, [user.inputs.userId]);
    assert.equal(cache.inputs.userGroupId, users.inputs.userGroupId);
  });

  it("keeps a generated token in Secrets Manager only, created once", () => {
    const version = cacheChild(run, SECRET_VERSION);
    assert.deepEqual(version.ignoreChanges, ["secretString"]);
    const token = secretValue(version.inputs.secretString);
    assert.match(String(token), /^[0-9a-f]{64}$/);
    const user = cacheChild(run, "aws:elasticache/user:User");
    assert.deepEqual(secretValue(user.inputs.authenticationMode), {
      type: "password",
      passwords: [token],
    });
  });

  it("admits api alone on 6379 and gives it the URL and the token's secret", () => {
    const groupId = cacheGroupId(run, SERVERLESS);
    const rules = run.ofType(INGRESS).filter((r) => r.inputs.securityGroupId === groupId);
    assert.deepEqual(
      rules.map((r) => [r.name, r.inputs.fromPort, r.inputs.toPort]),
      [["api-to-sessions", 6379, 6379]],
    );
    const secret = cacheChild(run, SECRET);
    const api = container(run, "api");
    assert.ok(
      api.environment.some(
        // The stand-in engine computes no endpoint address; AWS does.
        (e) =>
          e.name === "SESSIONS_REDIS_URL" &&
          e.value.startsWith("rediss://") &&
          e.value.endsWith(":6379"),
      ),
    );
    assert.ok(!api.environment.some((e) => e.name.includes("TOKEN")));
    assert.deepEqual(
      api.secrets.filter((s) => s.name === "SESSIONS_REDIS_AUTH_TOKEN"),
      [{ name: "SESSIONS_REDIS_AUTH_TOKEN", valueFrom: secret.state.arn }],
    );
    const notifications = container(run, "notifications");
    assert.ok(!notifications.environment.some((e) => e.name.includes("REDIS")));
  });
});

describe("RedisCache (prod: nodes, used by api and jobs)", function () {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram(
      "prod",
      withCache("prod", { mode: "nodes" }, { services: ["api"], workers: ["jobs"] }),
    );
  });

  it("is a highly available, encrypted, authenticated, protected replication group", () => {
    const group = cacheChild(run, REPLICATION_GROUP);
    const version = cacheChild(run, SECRET_VERSION);
    assert.deepEqual(
      {
        engine: group.inputs.engine,
        nodeType: group.inputs.nodeType,
        numCacheClusters: group.inputs.numCacheClusters,
        automaticFailoverEnabled: group.inputs.automaticFailoverEnabled,
        multiAzEnabled: group.inputs.multiAzEnabled,
        atRestEncryptionEnabled: group.inputs.atRestEncryptionEnabled,
        transitEncryptionEnabled: group.inputs.transitEncryptionEnabled,
        transitEncryptionMode: group.inputs.transitEncryptionMode,
        authToken: secretValue(group.inputs.authToken),
        snapshotRetentionLimit: group.inputs.snapshotRetentionLimit,
        port: group.inputs.port,
      },
      {
        engine: "valkey",
        nodeType: "cache.t4g.small",
        numCacheClusters: 2,
        automaticFailoverEnabled: true,
        multiAzEnabled: true,
        atRestEncryptionEnabled: true,
        transitEncryptionEnabled: true,
        transitEncryptionMode: "required",
        authToken: secretValue(version.inputs.secretString),
        snapshotRetentionLimit: 7,
        port: 6379,
      },
    );
    assert.equal(group.protect, true);
    assert.equal(cacheChild(run, SECRET).protect, true);
    const subnets = cacheChild(run, "aws:elasticache/subnetGroup:SubnetGroup");
    assert.equal((subnets.inputs.subnetIds as string[]).length, 3);
    assert.ok((subnets.inputs.subnetIds as string[]).every((id) => id.startsWith("subnet-prv")));
  });

  it("sends the slow log to CloudWatch with the stack's retention", () => {
    const group = cacheChild(run, REPLICATION_GROUP);
    const log = cacheChild(run, "aws:cloudwatch/logGroup:LogGroup");
    assert.equal(log.inputs.retentionInDays, 365);
    assert.deepEqual(group.inputs.logDeliveryConfigurations, [
      {
        destination: log.state.name,
        destinationType: "cloudwatch-logs",
        logFormat: "json",
        logType: "slow-log",
      },
    ]);
  });

  it("admits exactly api and jobs, and the execution roles may read the token", () => {
    const groupId = cacheGroupId(run, REPLICATION_GROUP);
    const rules = run.ofType(INGRESS).filter((r) => r.inputs.securityGroupId === groupId);
    assert.deepEqual(rules.map((r) => r.name).sort(), ["api-to-sessions", "jobs-to-sessions"]);
    const secretArn = cacheChild(run, SECRET).state.arn as string;
    for (const family of ["api", "jobs"]) {
      assert.ok(
        container(run, family).secrets.some(
          (s) => s.name === "SESSIONS_REDIS_AUTH_TOKEN" && s.valueFrom === secretArn,
        ),
        family,
      );
    }
    const readers = run
      .ofType("aws:iam/rolePolicy:RolePolicy")
      .filter((p) => String(p.inputs.policy).includes(secretArn));
    assert.equal(readers.length, 2);
  });
});
