import * as assert from "node:assert/strict";
import { buildPlan, renderPlan } from "../plan";
import { RulesReport, RULES } from "../rules";
import { PlanIo, runPlan } from "../plan/main";
import { runProgram, stackConfig } from "./harness";

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

async function plan(argv: string[], io: Partial<PlanIo> = {}): Promise<Captured> {
  const out: Captured = { code: -1, stdout: "", stderr: "" };
  out.code = await runPlan(argv, {
    stdout: (text) => (out.stdout += text),
    stderr: (text) => (out.stderr += text),
    ...io,
  });
  return out;
}

describe("rules in npm run plan", function () {
  // Each run synthesizes the whole program; no timing is asserted.
  this.timeout(120_000);

  it("--json carries every rule's result, and a compliant stack exits 0", async () => {
    const result = await plan(["--stack", "prod", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const rules = (JSON.parse(result.stdout) as { rules: RulesReport }).rules;
    assert.equal(rules.environment, "prod");
    assert.equal(rules.mandatoryViolations, 0);
    assert.deepEqual(
      rules.results.map((r) => r.id),
      RULES.map((r) => r.id),
    );
    assert.equal(rules.passed + rules.violated + rules.waived + rules.notApplicable, RULES.length);
    assert.ok(rules.violations.every((v) => v.enforcement === "advisory"));
  });

  it("prints the passed and violated counts and each violation with rule id and resource", async () => {
    const result = await plan(["--stack", "dev"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /^Security and reliability rules \(dev\): \d+ passed, \d+ violated, (\d+ waived, )?\d+ not applicable$/m,
    );
    assert.match(result.stdout, /^ {2}VIT-ECS-05 \[advisory\] \S+ \(ecs\.TaskDefinition\): /m);
  });

  it("fails (exit 1) with the rules' ids when prod turns deletion protection off", async () => {
    const result = await plan(["--stack", "prod", "--json"], {
      readConfig: () => stackConfig("prod", { deletionProtection: false }),
    });
    assert.equal(result.code, 1);
    // The load balancers, the database and the tables lose deletion protection; stateful
    // resources lose protect/retainOnDelete.
    assert.match(
      result.stderr,
      /^\d+ mandatory rule violation\(s\): VIT-ELB-04, VIT-OPS-01(, VIT-RDS-06)?(, VIT-DDB-02)?\n$/,
    );
    const rules = (JSON.parse(result.stdout) as { rules: RulesReport }).rules;
    const names = rules.violations
      .filter((v) => v.ruleId === "VIT-ELB-04")
      .map((v) => v.resource?.name);
    assert.ok(names.length >= 2, "every load balancer is named");
    const stateful = rules.violations.filter((v) => v.ruleId === "VIT-OPS-01");
    assert.ok(
      stateful.some((v) => v.resource?.type === "aws:sqs/queue:Queue"),
      "the worker's queue is named",
    );
    assert.ok(
      rules.violations.every(
        (v) =>
          ["VIT-ELB-04", "VIT-OPS-01", "VIT-RDS-06", "VIT-DDB-02"].includes(v.ruleId) ||
          v.enforcement === "advisory",
      ),
    );
  });

  it("fails with VIT-LOG-01 when prod keeps logs for less than a year", async () => {
    const result = await plan(["--stack", "prod"], {
      readConfig: () => stackConfig("prod", { logRetentionDays: 30 }),
    });
    assert.equal(result.code, 1);
    assert.match(
      result.stdout,
      /^ {2}VIT-LOG-01 \[mandatory\] network-flow-logs \(cloudwatch\.LogGroup\): retentionInDays is 30; prod keeps\n {4}logs at least 365 days$/m,
    );
    assert.match(result.stderr, /mandatory rule violation\(s\): VIT-LOG-01/);
  });

  it("a plan over resources with port 22 open to the internet reports VIT-NET-05", async () => {
    const { resources } = await runProgram("dev");
    const group = resources.find((r) => r.type === "aws:ec2/securityGroup:SecurityGroup")!;
    const ssh = {
      type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      name: "debug-ssh",
      urn: "urn:pulumi:dev::vitcord-infra::aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::debug-ssh",
      custom: true,
      inputs: {
        securityGroupId: (group.state.arn as string).split("/").pop(),
        ipProtocol: "tcp",
        fromPort: 22,
        toPort: 22,
        cidrIpv4: "0.0.0.0/0",
      },
      state: {},
    };
    const planned = buildPlan({
      stack: "dev",
      environment: "dev",
      region: "us-east-1",
      resources: [...resources, ssh],
    });
    assert.ok(planned.rules.mandatoryViolations > 0);
    assert.match(
      renderPlan(planned),
      /^ {2}VIT-NET-05 \[mandatory\] debug-ssh \(vpc\.SecurityGroupIngressRule\): ingress from 0\.0\.0\.0\/0 on port 22/m,
    );
  });
});
