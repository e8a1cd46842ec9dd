import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ResourceValidation, ResourceValidationArgs } from "@pulumi/policy";
import { ConfigError, parseStackConfig } from "../components/config";
import { readStackConfig } from "../components/config/stack-files";
import { buildPlan, planJson, renderPlan } from "../plan";
import {
  evaluateRules,
  fromRecords,
  patternMatches,
  ruleById,
  RULES,
  RuleWaiver,
  staleWaiverProblems,
  waiverProblems,
} from "../rules";
import { resourcePolicy } from "../policy/policies";
import { checkStackWaivers, readStackWaivers } from "../policy/waivers";
import { runProgram } from "./harness";

const TODAY = "2026-11-29";
const PROD_WAIVERS = parseStackConfig("prod", readStackConfig("prod")).ruleWaivers;

const waiver = (changes: Partial<RuleWaiver> = {}): RuleWaiver => ({
  rule: "VIT-NET-11",
  resource: "stack",
  reason: "Interface endpoints cost more than the NAT processing they save",
  expires: "2027-06-30",
  ...changes,
});

/** The config problems of a dev stack with these waivers (fails if it is accepted). */
function configProblems(waivers: unknown): readonly string[] {
  try {
    parseStackConfig("test", {
      "aws:region": "us-east-1",
      "vitcord-infra:environment": "dev",
      "vitcord-infra:ruleWaivers": JSON.stringify(waivers),
    });
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
  assert.fail("expected the waivers to be refused");
}

const problems = (waivers: RuleWaiver[], environment: "dev" | "prod" = "prod") =>
  waiverProblems(waivers, { environment, today: TODAY, rules: RULES });

describe("rule waivers (vitcord-infra:ruleWaivers)", function () {
  this.timeout(60_000);

  describe("the config's shape", () => {
    it("refuses a waiver without a reason, or with a short one", () => {
      const reason =
        "must say why the rule is waived, in at least 20 characters (a reviewer reads it in the plan and the policy pack's output)";
      assert.deepEqual(configProblems([waiver(), waiver({ reason: "" })]), [
        `vitcord-infra:ruleWaivers.1.reason = "": ${reason}`,
      ]);
      assert.deepEqual(configProblems([waiver({ reason: "  because  " })]), [
        `vitcord-infra:ruleWaivers.0.reason = "  because  ": ${reason}`,
      ]);
      const noReason = Object.fromEntries(
        Object.entries(waiver()).filter(([key]) => key !== "reason"),
      );
      assert.deepEqual(configProblems([noReason]), [
        `vitcord-infra:ruleWaivers.0.reason is missing: ${reason}`,
      ]);
    });

    it("refuses an expiry that is not a date, and a rule id or pattern of the wrong shape", () => {
      assert.deepEqual(
        configProblems([
          waiver({ expires: "2027-02-30" }),
          waiver({ expires: "next year" }),
          waiver({ rule: "NET-11" }),
          waiver({ resource: "a#b#c" }),
        ]),
        [
          'vitcord-infra:ruleWaivers.0.expires = "2027-02-30": must be a date YYYY-MM-DD (the last day the waiver holds; the plan refuses it after that day)',
          'vitcord-infra:ruleWaivers.1.expires = "next year": must be a date YYYY-MM-DD (the last day the waiver holds; the plan refuses it after that day)',
          'vitcord-infra:ruleWaivers.2.rule = "NET-11": must be a rule id such as VIT-NET-11 (docs/rules.md lists every id, or the rules section of `npm run plan`)',
          'vitcord-infra:ruleWaivers.3.resource = "a#b#c": must be a pattern on the resource\'s name (api-alb, *-task) or on type::name (aws:lb/loadBalancer:LoadBalancer::*), where * matches any characters and ? one, optionally followed by #<container> for the findings about one container of a task definition; `stack` matches the findings about the stack as a whole',
        ],
      );
    });

    it("takes prod's waivers as the stack file gives them", () => {
      assert.deepEqual(
        PROD_WAIVERS.map((w) => [w.rule, w.resource]),
        [
          ["VIT-NET-11", "stack"],
          ["VIT-ECS-05", "*-task#volume-permissions"],
        ],
      );
    });
  });

  describe("the checks against the rules (rules/waivers.ts)", () => {
    it("refuses an unknown rule id, saying where the ids are", () => {
      assert.deepEqual(problems([waiver(), waiver({ rule: "VIT-NET-99" })]), [
        'vitcord-infra:ruleWaivers.1.rule = "VIT-NET-99": no rule has this id (docs/rules.md lists every id, or the rules section of `npm run plan`)',
      ]);
    });

    it("refuses a mandatory rule in prod, and allows it in dev", () => {
      const mandatory = waiver({ rule: "VIT-NET-05", resource: "api-*" });
      assert.equal(ruleById("VIT-NET-05").enforcement, "mandatory");
      assert.deepEqual(problems([mandatory]), [
        'vitcord-infra:ruleWaivers.0.rule = "VIT-NET-05": VIT-NET-05 is mandatory: mandatory rules cannot be waived in prod',
      ]);
      assert.deepEqual(problems([mandatory], "dev"), []);
    });

    it("refuses an expiry in the past or more than a year ahead; today itself still holds", () => {
      assert.deepEqual(
        problems([
          waiver({ expires: "2026-11-28" }),
          waiver({ expires: TODAY }),
          waiver({ expires: "2027-12-01" }),
        ]),
        [
          'vitcord-infra:ruleWaivers.0.expires = "2026-11-28": the waiver expired (today is 2026-11-29): fix the finding, or renew the waiver with a reason that still holds',
          'vitcord-infra:ruleWaivers.2.expires = "2027-12-01": must be at most a year ahead (2027-11-30 or earlier), so that the waiver is reviewed',
        ],
      );
    });

    it("keeps prod's own waivers within a year of the day they were written", () => {
      assert.deepEqual(problems([...PROD_WAIVERS]), []);
      assert.ok(PROD_WAIVERS.every((w) => w.expires <= "2027-11-30"));
    });

    it("matches names, type::name, #container and stack-wide findings", () => {
      const task = { type: "aws:ecs/taskDefinition:TaskDefinition", name: "jobs-task" };
      const init = { resource: task, message: 'container volume-permissions: user is "0"' };
      const app = { resource: task, message: "container jobs: user is unset" };
      assert.ok(patternMatches("jobs-task", app));
      assert.ok(patternMatches("*-task#volume-permissions", init));
      assert.ok(!patternMatches("*-task#volume-permissions", app));
      assert.ok(patternMatches("aws:ecs/taskDefinition:TaskDefinition::*", app));
      assert.ok(!patternMatches("aws:lb/*::*", app));
      assert.ok(patternMatches("stack", { message: "no interface endpoint for ssm" }));
      assert.ok(!patternMatches("stack", app));
      assert.ok(patternMatches("job?-task", app));
    });

    it("calls a waiver that waives nothing stale", () => {
      assert.deepEqual(
        staleWaiverProblems([waiver(), waiver({ resource: "gone-*" })], new Set([0])),
        [
          'vitcord-infra:ruleWaivers.1: stale: VIT-NET-11 has no finding on "gone-*" in this stack (the rule passes, or the resource is gone or renamed); remove the waiver',
        ],
      );
    });
  });

  describe("prod's plan with its waivers", () => {
    let resources: Awaited<ReturnType<typeof runProgram>>["resources"];
    before(async () => {
      resources = (await runProgram("prod")).resources;
    });
    const plan = (waivers: readonly RuleWaiver[], today = TODAY) =>
      buildPlan({
        stack: "prod",
        environment: "prod",
        region: "us-east-1",
        resources,
        waivers,
        today,
      });

    it("reports VIT-NET-11 and the init container's VIT-ECS-05 as waived, not violated", () => {
      const without = evaluateRules(fromRecords(resources), "prod");
      const violatedIds = (ids: readonly string[]) =>
        ids.filter((id) => without.violations.some((v) => v.ruleId === id));
      // Without the waivers both are violations (the old behaviour).
      assert.deepEqual(violatedIds(["VIT-NET-11", "VIT-ECS-05"]), ["VIT-NET-11", "VIT-ECS-05"]);

      const { rules } = plan(PROD_WAIVERS);
      assert.equal(rules.violations.filter((v) => v.ruleId === "VIT-NET-11").length, 0);
      assert.equal(rules.violations.filter((v) => v.ruleId === "VIT-ECS-05").length, 0);
      const status = (id: string) => rules.results.find((r) => r.id === id)?.status;
      assert.equal(status("VIT-NET-11"), "waived");
      assert.equal(status("VIT-ECS-05"), "waived");
      assert.ok(rules.waived >= 2);
      assert.deepEqual(
        rules.waivedFindings.map((w) => [w.ruleId, w.resource?.name ?? "stack", w.waiver.index]),
        [
          ["VIT-NET-11", "stack", 0],
          ["VIT-ECS-05", "jobs-task", 1],
        ],
      );
      assert.match(rules.waivedFindings[1]!.message, /^container volume-permissions: /);
    });

    it("prints each waived finding with its reason and expiry, and carries them in the JSON", () => {
      const planned = plan(PROD_WAIVERS);
      const text = renderPlan(planned);
      assert.match(
        text,
        /^Security and reliability rules \(prod\): \d+ passed, \d+ violated, 2 waived, \d+ not applicable$/m,
      );
      assert.match(text, /^ {2}Waived \(vitcord-infra:ruleWaivers; not violations\):$/m);
      assert.match(text, /^ {4}VIT-NET-11 \[advisory\] stack: no interface endpoint for /m);
      assert.match(
        text,
        /^ {6}waived until 2027-11-01 \(vitcord-infra:ruleWaivers\.0\): Interface endpoints/m,
      );
      const json = JSON.parse(planJson(planned)) as {
        rules: { waivedFindings: { waiver: { reason: string } }[] };
      };
      assert.equal(json.rules.waivedFindings[0]!.waiver.reason, PROD_WAIVERS[0]!.reason);
    });

    it("refuses the plan once a waiver has expired (today injected)", () => {
      assert.throws(
        () => plan(PROD_WAIVERS, "2027-06-01"),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.problems.length === 1 &&
          error.problems[0] ===
            'vitcord-infra:ruleWaivers.1.expires = "2027-05-31": the waiver expired (today is 2027-06-01): fix the finding, or renew the waiver with a reason that still holds',
      );
    });

    it("refuses a stale waiver: one whose pattern matches no finding", () => {
      assert.throws(
        () => plan([...PROD_WAIVERS, waiver({ rule: "VIT-ECS-05", resource: "api-task#api" })]),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.problems[0] ===
            'vitcord-infra:ruleWaivers.2: stale: VIT-ECS-05 has no finding on "api-task#api" in this stack (the rule passes, or the resource is gone or renamed); remove the waiver',
      );
    });
  });

  describe("the policy pack", () => {
    it("reads the waivers from the stack file and ignores the bad ones", () => {
      assert.deepEqual(readStackWaivers("prod"), PROD_WAIVERS);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "waivers-"));
      fs.writeFileSync(
        path.join(dir, "Pulumi.x.yaml"),
        "config:\n  vitcord-infra:ruleWaivers:\n    - rule: VIT-NET-05\n      resource: '*'\n      reason: short\n      expires: 2026-01-01\n",
      );
      const read = readStackWaivers("x", dir);
      const checked = checkStackWaivers(read, "prod", TODAY);
      assert.deepEqual(checked.valid, []);
      assert.equal(checked.problems.length, 3);
      fs.rmSync(dir, { recursive: true });
    });

    it("does not report the init container's waived finding, and still reports the app container's", () => {
      const policy = resourcePolicy(ruleById("VIT-ECS-05") as Parameters<typeof resourcePolicy>[0]);
      const reported: string[] = [];
      const type = "aws:ecs/taskDefinition:TaskDefinition";
      const args = {
        type,
        name: "jobs-task",
        urn: `urn:pulumi:prod::vitcord-infra::vitcord:worker:Worker$${type}::jobs-task`,
        props: {
          containerDefinitions: JSON.stringify([
            { name: "volume-permissions", user: "0", essential: false },
            { name: "jobs", essential: true },
          ]),
        },
        opts: {},
      } as unknown as ResourceValidationArgs;
      const validate = policy.validateResource as ResourceValidation;
      void validate(args, (message: string) => reported.push(message));
      assert.deepEqual(reported, ["container jobs: user is unset (the image's, often root)"]);
    });
  });
});
