import * as assert from "node:assert/strict";
import {
  evaluateRule,
  evaluateRules,
  formatEvaluation,
  RULE_ENVIRONMENTS,
  RULES,
  ruleById,
} from "../rules";
import { decodeUserData, isSecretName, secretIn } from "../rules/util";
import { CASES, res } from "./rules-fixtures";

describe("security and reliability rules", () => {
  describe("the rule set", () => {
    it("gives every rule a stable unique id, a title, controls and environments", () => {
      const ids = RULES.map((r) => r.id);
      assert.equal(new Set(ids).size, ids.length, "duplicate rule ids");
      for (const rule of RULES) {
        assert.match(rule.id, /^VIT-[A-Z0-9]{2,4}-\d{2}$/);
        assert.ok(rule.title.length > 10, rule.id);
        assert.ok(rule.controls.length > 0, `${rule.id} names no control`);
        assert.ok(rule.environments.length > 0, `${rule.id} applies nowhere`);
        assert.ok(rule.environments.every((e) => RULE_ENVIRONMENTS.includes(e)));
        assert.ok(rule.resourceTypes.length > 0, `${rule.id} looks at no resource type`);
      }
    });

    it("has a compliant and a non-compliant test case for every rule, and no case without a rule", () => {
      assert.deepEqual(Object.keys(CASES).sort(), RULES.map((r) => r.id).sort());
    });

    it("marks the recommendations advisory and the guarantees mandatory", () => {
      const advisory = RULES.filter((r) => r.enforcement === "advisory").map((r) => r.id);
      assert.deepEqual(advisory.sort(), [
        "VIT-ASG-02", // mixed instance types
        "VIT-ECS-05", // non-root user: set by the image
        "VIT-ECS-13", // ECS Exec off in prod
        "VIT-ELB-07", // WAF
        "VIT-LOG-02", // KMS on log groups
        "VIT-NET-08", // descriptions
        "VIT-NET-11", // interface endpoints
      ]);
    });
  });

  for (const rule of RULES) {
    const cases = CASES[rule.id];
    if (cases === undefined) continue;
    const environment = cases.environment ?? "dev";
    describe(`${rule.id}: ${rule.title}`, () => {
      it("passes the compliant resources", () => {
        for (const resources of cases.good) {
          const result = evaluateRule(rule, resources, environment);
          assert.deepEqual(
            result.violations.map((v) => v.message),
            [],
            `unexpected violation for ${resources.map((r) => r.name).join(", ")}`,
          );
          assert.equal(result.status, "passed");
        }
      });

      for (const [index, bad] of cases.bad.entries()) {
        it(`catches non-compliant case ${index + 1}: ${bad.message}`, () => {
          const result = evaluateRule(rule, bad.resources, environment);
          assert.equal(result.status, "violated");
          assert.equal(result.violations.length, 1, JSON.stringify(result.violations));
          const [found] = result.violations;
          assert.equal(found!.ruleId, rule.id);
          assert.equal(found!.enforcement, rule.enforcement);
          assert.ok(
            found!.message.includes(bad.message),
            `expected "${bad.message}" in "${found!.message}"`,
          );
        });
      }
    });
  }

  describe("environments", () => {
    it("applies prod-only rules to prod only", () => {
      const [bad] = CASES["VIT-ELB-04"]!.bad;
      const rule = ruleById("VIT-ELB-04");
      assert.equal(evaluateRule(rule, bad!.resources, "dev").status, "not-applicable");
      assert.equal(evaluateRule(rule, bad!.resources, "prod").status, "violated");
    });

    it("accepts any retention in dev but a year or more in prod", () => {
      const group = [res("aws:cloudwatch/logGroup:LogGroup", "logs", { retentionInDays: 14 })];
      const rule = ruleById("VIT-LOG-01");
      assert.equal(evaluateRule(rule, group, "dev").status, "passed");
      assert.equal(evaluateRule(rule, group, "prod").status, "violated");
    });

    it("reports a single-AZ database in prod as a mandatory violation, and accepts it in dev", () => {
      const [single] = CASES["VIT-RDS-05"]!.bad;
      const rule = ruleById("VIT-RDS-05");
      assert.equal(rule.enforcement, "mandatory");
      assert.equal(evaluateRule(rule, single!.resources, "dev").status, "not-applicable");
      const prod = evaluateRules(single!.resources, "prod");
      assert.deepEqual(
        prod.mandatoryViolations.map((v) => v.ruleId),
        ["VIT-RDS-05"],
      );
    });

    it("asks log exports of PostgreSQL only", () => {
      const mysql = res("aws:rds/instance:Instance", "db", {
        engine: "mysql",
        storageEncrypted: true,
      });
      assert.equal(evaluateRule(ruleById("VIT-RDS-07"), [mysql], "prod").status, "not-applicable");
    });

    it("calls a rule not applicable when the stack has none of its resources", () => {
      assert.equal(evaluateRule(ruleById("VIT-ECS-12"), [], "dev").status, "not-applicable");
    });

    it("calls VIT-OPS-01 not applicable, not passed, when resource options were not recorded", () => {
      const queue = res("aws:sqs/queue:Queue", "jobs");
      assert.equal(evaluateRule(ruleById("VIT-OPS-01"), [queue], "prod").status, "not-applicable");
    });
  });

  describe("evaluateRules", () => {
    it("counts passed, violated and not-applicable rules and splits mandatory from advisory", () => {
      const resources = [
        ...CASES["VIT-NET-05"]!.bad[0]!.resources, // mandatory
        ...CASES["VIT-LOG-02"]!.bad[0]!.resources, // advisory (and passes VIT-LOG-01)
      ];
      const evaluation = evaluateRules(resources, "prod");
      assert.deepEqual(
        evaluation.mandatoryViolations.map((v) => v.ruleId),
        ["VIT-NET-05", "VIT-NET-06"],
      );
      assert.deepEqual(
        evaluation.advisoryViolations.map((v) => v.ruleId),
        ["VIT-LOG-02"],
      );
      assert.equal(evaluation.violated, 3);
      assert.equal(evaluation.passed, 2, "VIT-NET-08 and VIT-LOG-01");
      assert.equal(
        evaluation.passed + evaluation.violated + evaluation.notApplicable,
        RULES.length,
      );
      const text = formatEvaluation(evaluation);
      assert.match(
        text,
        /^Security and reliability rules \(prod\): 2 passed, 3 violated, \d+ not applicable/,
      );
      assert.match(
        text,
        /VIT-NET-05 \[mandatory\] lb \(aws:ec2\/securityGroup:SecurityGroup\): ingress from 0\.0\.0\.0\/0 on port 22/,
      );
      assert.match(text, /2 mandatory violation\(s\): this stack must not be deployed/);
    });
  });

  describe("secret detection", () => {
    it("decodes base64 user data and leaves plain text alone", () => {
      assert.equal(
        decodeUserData(Buffer.from("#!/bin/bash\necho hi\n").toString("base64")),
        "#!/bin/bash\necho hi\n",
      );
      assert.equal(decodeUserData("#!/bin/bash\necho hi"), "#!/bin/bash\necho hi");
    });

    it("finds key-like values and tells secret names from references to secrets", () => {
      assert.equal(secretIn("key AKIAIOSFODNN7EXAMPLE"), "an AWS access key id");
      assert.equal(secretIn("-----BEGIN RSA PRIVATE KEY-----"), "a private key");
      assert.equal(secretIn("ECS_CLUSTER=vitcord-prod"), undefined);
      assert.ok(isSecretName("SECRET_KEY_BASE"));
      assert.ok(isSecretName("ECS_ENGINE_AUTH_DATA"));
      assert.ok(!isSecretName("DB_PASSWORD_ARN"));
      assert.ok(!isSecretName("RAILS_ENV"));
    });
  });
});
