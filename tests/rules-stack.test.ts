import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseStackConfig } from "../components/config";
import { readStackConfig } from "../components/config/stack-files";
import { statefulResourceOptions } from "../components/options";
import {
  Evaluation,
  evaluateRules,
  fromRecords,
  IndexedWaivers,
  RuleResource,
  RULES,
} from "../rules";
import { STATEFUL_TYPES } from "../rules/options";
import { rulesDocument, rulesTableMarkdown } from "../rules/table";
import { ProgramRun, runProgram } from "./harness";

/** A stack file's `vitcord-infra:ruleWaivers`, as the plan applies them. */
function stackWaivers(stack: "dev" | "prod"): IndexedWaivers {
  const { ruleWaivers } = parseStackConfig(stack, readStackConfig(stack));
  return ruleWaivers.map((waiver, index) => ({ waiver, index }));
}

/** The advisory findings the program knowingly leaves open, by rule (recommendations, not guarantees). */
function advisoryRuleIds(evaluation: Evaluation): string[] {
  return [...new Set(evaluation.advisoryViolations.map((v) => v.ruleId))].sort();
}

describe("rules over the dev and prod stacks", () => {
  const runs: Record<"dev" | "prod", { run: ProgramRun; resources: RuleResource[] }> = {} as never;

  before(async () => {
    for (const stack of ["dev", "prod"] as const) {
      const run = await runProgram(stack);
      // The records carry protect and retainOnDelete, so VIT-OPS-01 runs offline too.
      runs[stack] = { run, resources: fromRecords(run.resources) };
    }
  });

  for (const stack of ["dev", "prod"] as const) {
    it(`${stack}: no mandatory rule is violated (dev waives four for its NAT instance)`, () => {
      const evaluation = evaluateRules(runs[stack].resources, stack, RULES, stackWaivers(stack));
      assert.deepEqual(evaluation.mandatoryViolations, []);
      assert.ok(evaluation.passed >= 25, `only ${evaluation.passed} rules passed in ${stack}`);
    });
  }

  it("reports only the known, open recommendations as advisory findings", () => {
    // Each is listed in the README: images setting their own user (VIT-ECS-05); no WAF,
    // interface endpoints or log-group KMS keys yet (VIT-ELB-07, VIT-NET-11, VIT-LOG-02).
    const open = ["VIT-ECS-05", "VIT-ELB-07", "VIT-LOG-02", "VIT-NET-11"];
    for (const stack of ["dev", "prod"] as const) {
      const found = advisoryRuleIds(evaluateRules(runs[stack].resources, stack));
      assert.deepEqual(
        found.filter((id) => !open.includes(id)),
        [],
        `${stack} has new advisory findings`,
      );
    }
    // The program has no WAF, interface endpoint or KMS key at all, so prod must report them.
    const prod = advisoryRuleIds(evaluateRules(runs.prod.resources, "prod"));
    for (const id of ["VIT-NET-11"]) assert.ok(prod.includes(id), id);
    // Issue 16: prod's log groups all use the stack's KMS key (components/kms.ts).
    assert.ok(!prod.includes("VIT-LOG-02"), "VIT-LOG-02 passes in prod");
    // Issue 16: prod's web ACL (components/waf.ts) covers every public load balancer.
    assert.ok(!prod.includes("VIT-ELB-07"), "VIT-ELB-07 passes in prod");
  });

  it("checks most rules against real resources in prod (few are not applicable)", () => {
    const evaluation = evaluateRules(runs.prod.resources, "prod");
    const notApplicable = evaluation.results
      .filter((r) => r.status === "not-applicable")
      .map((r) => r.rule.id);
    // No NACLs are declared (the VPC keeps AWS's default), and prod declares no cache (the jobs
    // run on SQS): the cache rules have nothing to check. Every other rule has.
    const types = new Set(runs.prod.resources.map((r) => r.type));
    const absentStores = RULES.filter(
      (r) => /^VIT-(RDS|DDB|EC)-/.test(r.id) && !r.resourceTypes.some((t) => types.has(t)),
    ).map((r) => r.id);
    assert.deepEqual(notApplicable, ["VIT-NET-09", ...absentStores]);
    assert.ok(types.has("aws:dynamodb/table:Table"), "prod declares the notifications table");
  });

  it("fails with VIT-NET-05 when a security group opens port 22 to the internet", () => {
    const { resources } = runs.dev;
    // The cluster's instance group: where someone might "just open SSH" to debug.
    const instanceGroup = resources.find(
      (r) =>
        r.type === "aws:ec2/securityGroup:SecurityGroup" &&
        r.parentUrn?.includes("vitcord:cluster:Ec2Cluster") === true,
    )!;
    const groupId = (instanceGroup.outputs!.arn as string).split("/").pop()!;
    const ssh: RuleResource = {
      type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      name: "debug-ssh",
      urn: "urn:pulumi:dev::vitcord-infra::aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::debug-ssh",
      inputs: {
        securityGroupId: groupId,
        ipProtocol: "tcp",
        fromPort: 22,
        toPort: 22,
        cidrIpv4: "0.0.0.0/0",
      },
    };
    const evaluation = evaluateRules([...resources, ssh], "dev");
    const ids = evaluation.mandatoryViolations.map((v) => v.ruleId);
    assert.ok(ids.includes("VIT-NET-05"), ids.join(", "));
    assert.ok(ids.includes("VIT-NET-06"), "the group is not a load balancer's");
    const [violation] = evaluation.mandatoryViolations.filter((v) => v.ruleId === "VIT-NET-05");
    assert.equal(violation!.resource?.name, "debug-ssh");
    assert.match(violation!.message, /port 22 \(includes remote administration port 22\)/);
  });

  it("VIT-NET-12 (mandatory): Service Connect peers are admitted by group, never by the VPC's CIDR", () => {
    for (const stack of ["dev", "prod"] as const) {
      const result = evaluateRules(
        runs[stack].resources,
        stack,
        RULES,
        stackWaivers(stack),
      ).results.find((r) => r.rule.id === "VIT-NET-12")!;
      assert.equal(result.rule.enforcement, "mandatory");
      assert.deepEqual(result.violations, [], stack);
      // Only dev's NAT instance admits the VPC's CIDR, waived in Pulumi.dev.yaml.
      assert.deepEqual(
        result.waived.map((w) => w.resource?.name),
        stack === "dev" ? ["network-nat-sg"] : [],
      );
    }
    // The old fallback (the whole VPC on the api's port) is a mandatory violation again.
    const { resources } = runs.prod;
    const peers = resources.find((r) => r.name === "api-task-from-peers")!;
    const vpcWide = {
      ...peers,
      inputs: { ...peers.inputs, referencedSecurityGroupId: undefined, cidrIpv4: "10.20.0.0/16" },
    };
    const evaluation = evaluateRules(
      resources.map((r) => (r === peers ? vpcWide : r)),
      "prod",
    );
    assert.deepEqual(
      evaluation.mandatoryViolations.map((v) => [v.ruleId, v.resource?.name]),
      [["VIT-NET-12", "api-task-from-peers"]],
    );
  });

  it("fails with VIT-ECS-12 when a service's circuit breaker is turned off", () => {
    const { resources } = runs.prod;
    const services = resources.filter((r) => r.type === "aws:ecs/service:Service");
    assert.ok(services.length >= 2, "web services and workers are declared");
    const first = services[0]!;
    const broken = {
      ...first,
      inputs: { ...first.inputs, deploymentCircuitBreaker: { enable: false, rollback: false } },
    };
    const evaluation = evaluateRules(
      resources.map((r) => (r === first ? broken : r)),
      "prod",
    );
    assert.deepEqual(
      evaluation.mandatoryViolations.map((v) => [v.ruleId, v.resource?.name, v.message]),
      [
        ["VIT-ECS-12", first.name, "deploymentCircuitBreaker.enable is not true"],
        ["VIT-ECS-12", first.name, "deploymentCircuitBreaker.rollback is not true"],
      ],
    );
  });

  it("reports a single-AZ prod database (VIT-RDS-05) and a default parameter group (VIT-RDS-03)", () => {
    const { resources } = runs.prod;
    const db = resources.find((r) => r.type === "aws:rds/instance:Instance")!;
    assert.ok(db, "prod declares the main database");
    const changed = (inputs: Record<string, unknown>) =>
      evaluateRules(
        resources.map((r) => (r === db ? { ...db, inputs: { ...db.inputs, ...inputs } } : r)),
        "prod",
      ).mandatoryViolations.map((v) => [v.ruleId, v.resource?.name, v.message]);
    assert.deepEqual(changed({ multiAz: false }), [
      ["VIT-RDS-05", db.name, "multiAz is not true: one AZ outage takes the database down"],
    ]);
    assert.deepEqual(changed({ parameterGroupName: undefined }), [
      ["VIT-RDS-03", db.name, "uses the default parameter group, which does not force TLS"],
    ]);
    // The program's own parameter group forces TLS: the join finds it.
    const group = resources.find((r) => r.type === "aws:rds/parameterGroup:ParameterGroup")!;
    const tlsOff = (group.inputs.parameters as { name: string; value: string }[]).map((p) =>
      p.name === "rds.force_ssl" ? { ...p, value: "0" } : p,
    );
    const withTlsOff = resources.map((r) =>
      r === group ? { ...group, inputs: { ...group.inputs, parameters: tlsOff } } : r,
    );
    assert.deepEqual(
      evaluateRules(withTlsOff, "prod").mandatoryViolations.map((v) => v.ruleId),
      ["VIT-RDS-03"],
    );
  });

  it("VIT-OPS-01: every stateful resource in prod is protected and retained; in dev only the shared repositories are retained", () => {
    for (const stack of ["dev", "prod"] as const) {
      const stateful = runs[stack].resources.filter((r) => STATEFUL_TYPES.includes(r.type));
      assert.ok(stateful.length >= 3, `${stack} declares load balancers and queues`);
      for (const r of stateful) {
        // Dev creates the image repositories prod pulls from: never deleted with dev.
        if (stack === "dev" && r.type === "aws:ecr/repository:Repository") {
          assert.deepEqual(r.options, { protect: false, retainOnDelete: true }, r.name);
          continue;
        }
        const expected = stack === "prod";
        assert.deepEqual(
          r.options,
          { protect: expected, retainOnDelete: expected },
          `${stack} ${r.type} ${r.name}`,
        );
      }
    }
  });
});

describe("statefulResourceOptions", () => {
  it("protects and retains when asked (prod) and leaves the options alone otherwise (dev)", () => {
    const opts = { ignoreChanges: ["tags"] };
    assert.deepEqual(statefulResourceOptions(true, opts), {
      ignoreChanges: ["tags"],
      protect: true,
      retainOnDelete: true,
    });
    assert.deepEqual(statefulResourceOptions(false, opts), opts);
    assert.deepEqual(statefulResourceOptions(false), {});
  });
});

describe("docs/rules.md", () => {
  it("is the page generated from the rule module (run npm run docs if this fails)", async () => {
    const page = fs.readFileSync(path.join(__dirname, "..", "docs", "rules.md"), "utf8");
    assert.equal(page, await rulesDocument(), "stale docs/rules.md: run npm run docs");
  });

  it("lists every rule id once, with its severity and enforcement", async () => {
    const page = await rulesDocument();
    for (const rule of RULES) {
      assert.equal(page.split(`\`${rule.id}\``).length, 2, rule.id);
      const row = page.split("\n").find((line) => line.includes(`\`${rule.id}\``))!;
      assert.match(row, new RegExp(`\\| ${rule.severity} +\\| ${rule.enforcement} +\\|`), rule.id);
    }
  });

  it("escapes a | in a title so that it cannot split the row", () => {
    const [rule] = RULES;
    const table = rulesTableMarkdown([{ ...rule!, title: "a | b" }]);
    assert.ok(table.includes("a \\| b"), table);
  });
});
