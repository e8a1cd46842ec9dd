// The stack's KMS key (components/kms.ts): its policy, its config, which resources use it, its cost.
import * as assert from "node:assert/strict";
import { ConfigError, parseStackConfig } from "../components/config";
import { stackKeyAlias, stackKeyPolicy } from "../components/kms";
import { STAND_IN_ACCOUNT_ID } from "../plan/engine/stand-ins";
import { kmsRequestsPerMonth, kmsSummary, priceKmsKey } from "../plan/kms";
import { Context } from "../plan/cost-context";
import { DEFAULT_ASSUMPTIONS } from "../plan/assumptions";
import { DEFAULT_PRICES } from "../plan/price-table";
import { evaluateRules, fromRecords } from "../rules";
import { ProgramRun, RecordedResource, runInvalid, runProgram } from "./harness";

const KEY = "aws:kms/key:Key";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const TOPIC = "aws:sns/topic:Topic";

function problems(kms: unknown, environment = "prod"): readonly string[] {
  try {
    parseStackConfig("test", {
      "aws:region": "us-east-1",
      "vitcord-infra:environment": environment,
      "vitcord-infra:kms": JSON.stringify(kms),
    });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail("expected the config to be rejected");
}

/** A recorded resource for the pure plan functions (only what they read). */
function record(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  state: Record<string, unknown> = {},
): RecordedResource {
  return { type, name, urn: `urn:${type}::${name}`, custom: true, inputs, state };
}

describe("the stack's KMS key", () => {
  describe("key policy (pure)", () => {
    const policy = stackKeyPolicy({
      partition: "aws",
      region: "eu-west-1",
      account: "123456789012",
    });

    it("lets the account's IAM policies apply (the account root, kms:*)", () => {
      assert.equal(policy.Version, "2012-10-17");
      assert.deepEqual(policy.Statement[0], {
        Sid: "AccountAdministersAndIamPoliciesApply",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::123456789012:root" },
        Action: "kms:*",
        Resource: "*",
      });
    });

    it("lets the region's CloudWatch Logs use it for the account's log groups only", () => {
      assert.deepEqual(policy.Statement[1], {
        Sid: "CloudWatchLogsEncryptsTheAccountsLogGroups",
        Effect: "Allow",
        Principal: { Service: "logs.eu-west-1.amazonaws.com" },
        Action: [
          "kms:Encrypt*",
          "kms:Decrypt*",
          "kms:ReEncrypt*",
          "kms:GenerateDataKey*",
          "kms:Describe*",
        ],
        Resource: "*",
        Condition: {
          ArnLike: {
            "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:123456789012:log-group:*",
          },
        },
      });
    });

    it("lets CloudWatch alarms publish to the encrypted topic (Decrypt, GenerateDataKey*)", () => {
      assert.deepEqual(policy.Statement[2], {
        Sid: "CloudWatchAlarmsPublishToTheEncryptedAlertTopic",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
      });
      assert.equal(policy.Statement.length, 3, "no other principal may use the key");
    });

    it("builds the ARNs in the stack's partition", () => {
      const china = stackKeyPolicy({ partition: "aws-cn", region: "cn-north-1", account: "1" });
      assert.deepEqual(china.Statement[0]!.Principal, { AWS: "arn:aws-cn:iam::1:root" });
      assert.deepEqual(china.Statement[1]!.Condition, {
        ArnLike: {
          "kms:EncryptionContext:aws:logs:arn": "arn:aws-cn:logs:cn-north-1:1:log-group:*",
        },
      });
    });

    it("names the key alias/vitcord-<stack>", () => {
      assert.equal(stackKeyAlias("prod"), "alias/vitcord-prod");
    });
  });

  describe("config", () => {
    it("is on in prod and off in dev by default, with a 30-day deletion window", () => {
      const region = { "aws:region": "us-east-1" };
      const dev = parseStackConfig("dev", { ...region, "vitcord-infra:environment": "dev" });
      const prod = parseStackConfig("prod", { ...region, "vitcord-infra:environment": "prod" });
      assert.deepEqual(dev.kms, { enabled: false, deletionWindowDays: 30 });
      assert.deepEqual(prod.kms, { enabled: true, deletionWindowDays: 30 });
    });

    it("refuses a non-boolean, a window outside 7-30 days and an unknown key, naming each", () => {
      assert.deepEqual(problems({ enabled: "yes" }), [
        'vitcord-infra:kms.enabled = "yes": must be true or false',
      ]);
      assert.deepEqual(problems({ deletionWindowDays: 5 }, "dev"), [
        "vitcord-infra:kms.deletionWindowDays = 5: must be a whole number from 7 to 30 days",
      ]);
      assert.deepEqual(problems({ deletionWindowDays: 7.5 }), [
        "vitcord-infra:kms.deletionWindowDays = 7.5: must be a whole number from 7 to 30 days",
      ]);
      assert.deepEqual(problems({ rotation: true }), [
        "vitcord-infra:kms.rotation: unknown key; allowed keys here: enabled, deletionWindowDays",
      ]);
    });

    it("declares nothing when the kms config is bad", async () => {
      const { error, declared } = await runInvalid("prod", { kms: { deletionWindowDays: 31 } });
      assert.match(
        error.message,
        /vitcord-infra:kms\.deletionWindowDays = 31: must be a whole number from 7 to 30 days/,
      );
      assert.equal(declared, 0);
    });
  });

  describe("prod (the stack file)", () => {
    let prod: ProgramRun;
    let key: RecordedResource;
    before(async () => {
      prod = await runProgram("prod");
      key = prod.one(KEY);
    });

    it("has one symmetric key, rotated yearly, protected, with a 30-day deletion window", () => {
      assert.equal(key.inputs.enableKeyRotation, true);
      assert.equal(key.inputs.rotationPeriodInDays, 365);
      assert.equal(key.inputs.deletionWindowInDays, 30);
      assert.equal(key.inputs.customerMasterKeySpec, "SYMMETRIC_DEFAULT");
      assert.equal(key.protect, true);
      assert.equal(key.retainOnDelete, true);
      assert.equal(prod.one("vitcord:kms:StackKey").name, "kms");
    });

    it("carries the policy the builder makes for its account and region", () => {
      assert.deepEqual(
        JSON.parse(key.inputs.policy as string),
        stackKeyPolicy({ partition: "aws", region: "us-east-1", account: STAND_IN_ACCOUNT_ID }),
      );
    });

    it("is named by alias/vitcord-prod", () => {
      const alias = prod.one("aws:kms/alias:Alias");
      assert.equal(alias.inputs.name, "alias/vitcord-prod");
      assert.equal(alias.inputs.targetKeyId, key.state.keyId);
      assert.match(key.state.arn as string, /^arn:aws:kms:us-east-1:\d{12}:key\/[0-9a-f-]{36}$/);
    });

    it("encrypts every log group of the stack and the alert topic", () => {
      const arn = key.state.arn;
      assert.equal(typeof arn, "string");
      const groups = prod.ofType(LOG_GROUP);
      // Workloads, flow logs, ECS Exec, RDS exports: each made by a different component.
      assert.ok(groups.length >= 7, `only ${groups.length} log groups`);
      for (const group of groups) assert.equal(group.inputs.kmsKeyId, arn, group.name);
      assert.equal(prod.one(TOPIC).inputs.kmsMasterKeyId, arn);
    });

    it("has ECS Exec ask for encrypted session logs", () => {
      const cluster = prod.one("aws:ecs/cluster:Cluster");
      const logging = (cluster.inputs.configuration as Record<string, Record<string, unknown>>)
        .executeCommandConfiguration!.logConfiguration as Record<string, unknown>;
      assert.equal(logging.cloudWatchEncryptionEnabled, true);
    });

    it("meets VIT-LOG-02 (no log group without a customer-managed key)", () => {
      const evaluation = evaluateRules(fromRecords(prod.resources), "prod");
      const result = evaluation.results.find((r) => r.rule.id === "VIT-LOG-02");
      assert.equal(result?.status, "passed");
    });
  });

  describe("dev", () => {
    it("has no key by default: log groups and the topic use AWS's own encryption", async () => {
      const dev = await runProgram("dev");
      assert.equal(dev.ofType(KEY).length, 0);
      assert.ok(dev.ofType(LOG_GROUP).length > 0);
      for (const group of dev.ofType(LOG_GROUP)) {
        assert.equal(group.inputs.kmsKeyId, undefined, group.name);
      }
      assert.equal(dev.one(TOPIC).inputs.kmsMasterKeyId, undefined);
    });

    it("has one when configured, and every log group and the topic use it", async () => {
      const dev = await runProgram("dev", { kms: { enabled: true, deletionWindowDays: 7 } });
      const key = dev.one(KEY);
      assert.equal(key.inputs.deletionWindowInDays, 7);
      assert.notEqual(key.protect, true, "dev does not protect its key");
      for (const group of dev.ofType(LOG_GROUP)) {
        assert.equal(group.inputs.kmsKeyId, key.state.arn, group.name);
      }
      assert.equal(dev.one(TOPIC).inputs.kmsMasterKeyId, key.state.arn);
      assert.equal(dev.one("aws:kms/alias:Alias").inputs.name, "alias/vitcord-dev");
    });
  });

  describe("plan", () => {
    const arn = "arn:aws:kms:us-east-1:123456789012:key/k";
    const key = record(
      KEY,
      "kms-key",
      { enableKeyRotation: true, rotationPeriodInDays: 365, deletionWindowInDays: 30 },
      { arn },
    );
    const resources = [
      key,
      record("aws:kms/alias:Alias", "kms-alias", { name: "alias/vitcord-prod" }),
      record(LOG_GROUP, "a-logs", { kmsKeyId: arn }),
      record(LOG_GROUP, "b-logs", { kmsKeyId: arn }),
      record(LOG_GROUP, "other-logs", { kmsKeyId: "arn:aws:kms:us-east-1:1:key/other" }),
      record(TOPIC, "alerts-topic", { kmsMasterKeyId: arn }),
    ];

    it("counts 2 KMS calls per 5-minute data key per user (SNS's formula)", () => {
      assert.equal(kmsRequestsPerMonth(1, 730), 17_520);
      assert.equal(kmsRequestsPerMonth(3, 730), 52_560);
      assert.equal(kmsRequestsPerMonth(0, 730), 0);
    });

    it("prices the key month and the requests of the log groups and topics that use it", () => {
      const ctx: Context = {
        resources,
        region: "us-east-1",
        assumptions: DEFAULT_ASSUMPTIONS.prod,
        prices: DEFAULT_PRICES,
        lines: [],
        unpriced: [],
      };
      priceKmsKey(key, ctx);
      assert.deepEqual(
        ctx.lines.map((l) => [l.item, l.quantity, l.unitPrice, l.monthly]),
        [
          ["KMS key", 1, 1, 1],
          ["KMS requests (2 log groups, 1 SNS topic: 52,560 a month)", 5.256, 0.03, 0.16],
        ],
      );
      assert.match(ctx.lines[0]!.source, /rotation every 365 days adds \$1\/month/);
      assert.deepEqual(ctx.unpriced, []);
    });

    it("summarizes the key in the inventory", () => {
      assert.equal(
        kmsSummary(resources, resources.slice(0, 2)),
        "KMS key alias/vitcord-prod: rotated every 365 days, 30-day deletion window; encrypts 2 log groups, 1 SNS topic",
      );
      assert.equal(kmsSummary(resources, resources.slice(2)), undefined);
    });
  });
});
