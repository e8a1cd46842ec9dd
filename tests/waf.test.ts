import * as assert from "node:assert/strict";
import { ConfigError, parseStackConfig } from "../components/config";
import { parseWafCidr, WafConfig } from "../components/config/waf";
import {
  allowListStatement,
  cidrsByVersion,
  loggingFilter,
  wafLogGroupName,
  webAclRules,
} from "../components/waf";
import { evaluateRules, fromRecords } from "../rules";
import { DEFAULT_ASSUMPTIONS } from "../plan/assumptions";
import { estimateCost } from "../plan/cost";
import { wafSummary } from "../plan/waf";
import { component, resource } from "./plan-fixtures";
import { runInvalid, runProgram } from "./harness";

const WEB_ACL = "aws:wafv2/webAcl:WebAcl";
const ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation";
const LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration";
const IP_SET = "aws:wafv2/ipSet:IpSet";
const LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";

function config(environment: "dev" | "prod", waf?: unknown) {
  return parseStackConfig(environment, {
    "aws:region": "us-east-1",
    "vitcord-infra:environment": environment,
    ...(waf === undefined ? {} : { "vitcord-infra:waf": JSON.stringify(waf) }),
  });
}

/** The problems a `vitcord-infra:waf` value is rejected with (fails the test if accepted). */
function problems(waf: unknown): readonly string[] {
  try {
    config("prod", waf);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail("expected the config to be rejected");
}

const PROD: WafConfig = config("prod").waf;

describe("web application firewall", () => {
  describe("config", () => {
    it("is on in prod and off in dev, blocking, 2,000 requests per 5 minutes per IP", () => {
      assert.deepEqual(PROD, {
        enabled: true,
        mode: "block",
        rateLimit: 2000,
        rateWindowSeconds: 300,
        allowPaths: [],
        allowCidrs: [],
        sqlInjection: true,
        linux: true,
      });
      assert.equal(config("dev").waf.enabled, false);
      assert.equal(config("dev", { enabled: true }).waf.enabled, true);
    });

    it("accepts AWS's bounds: a limit of 10 and of 2,000,000,000, every evaluation window", () => {
      assert.equal(config("prod", { rateLimit: 10 }).waf.rateLimit, 10);
      assert.equal(config("prod", { rateLimit: 2_000_000_000 }).waf.rateLimit, 2_000_000_000);
      for (const seconds of [60, 120, 300, 600]) {
        assert.equal(config("prod", { rateWindowSeconds: seconds }).waf.rateWindowSeconds, seconds);
      }
    });

    it("refuses a rate limit below AWS's minimum or above its maximum", () => {
      const message =
        "must be a whole number from 10 to 2000000000 requests per window (AWS WAF's limits for a rate-based rule)";
      assert.deepEqual(problems({ rateLimit: 9 }), [`vitcord-infra:waf.rateLimit = 9: ${message}`]);
      assert.deepEqual(problems({ rateLimit: 2_000_000_001 }), [
        `vitcord-infra:waf.rateLimit = 2000000001: ${message}`,
      ]);
      assert.deepEqual(problems({ rateLimit: 100.5 }), [
        `vitcord-infra:waf.rateLimit = 100.5: ${message}`,
      ]);
    });

    it("refuses an evaluation window AWS does not offer, and an unknown mode", () => {
      assert.deepEqual(problems({ rateWindowSeconds: 90, mode: "monitor" }), [
        'vitcord-infra:waf.mode = "monitor": must be one of: block, count',
        "vitcord-infra:waf.rateWindowSeconds = 90: must be one of the evaluation windows AWS WAF offers: 60, 120, 300, 600 seconds",
      ]);
    });

    it("refuses a path without a leading / and a CIDR that does not parse (or is /0)", () => {
      const cidr =
        "must be an IPv4 or IPv6 CIDR block such as 203.0.113.0/24 or 2001:db8::/32, with a prefix from /1 (AWS WAF refuses /0)";
      assert.deepEqual(
        problems({
          allowPaths: ["/health", "webhooks/", `/${"a".repeat(200)}`],
          allowCidrs: ["10.0.0.300/24", "203.0.113.7", "2001:db8::/129", "0.0.0.0/0"],
        }),
        [
          'vitcord-infra:waf.allowPaths.1 = "webhooks/": must be a URL path prefix starting with /, such as /health or /webhooks/, without spaces',
          `vitcord-infra:waf.allowPaths.2 = "/${"a".repeat(55)}...: must be at most 200 characters (AWS WAF's longest string to match)`,
          `vitcord-infra:waf.allowCidrs.0 = "10.0.0.300/24": ${cidr}`,
          `vitcord-infra:waf.allowCidrs.1 = "203.0.113.7": ${cidr}`,
          `vitcord-infra:waf.allowCidrs.2 = "2001:db8::/129": ${cidr}`,
          `vitcord-infra:waf.allowCidrs.3 = "0.0.0.0/0": ${cidr}`,
        ],
      );
    });

    it("declares nothing on a rate limit below AWS's minimum", async () => {
      const { error, declared } = await runInvalid("prod", { waf: { rateLimit: 5 } });
      assert.ok(error instanceof ConfigError);
      assert.match(
        error.message,
        /vitcord-infra:waf\.rateLimit = 5: must be a whole number from 10/,
      );
      assert.equal(declared, 0);
    });

    it("parses IPv4 and IPv6 CIDR blocks", () => {
      assert.deepEqual(parseWafCidr("203.0.113.0/24"), { version: 4, prefix: 24 });
      assert.deepEqual(parseWafCidr("2001:db8::/32"), { version: 6, prefix: 32 });
      assert.equal(parseWafCidr("203.0.113.0/33"), undefined);
      assert.equal(parseWafCidr("example.com/24"), undefined);
      assert.deepEqual(cidrsByVersion(["2001:db8::/32", "203.0.113.0/24"]), {
        ipv4: ["203.0.113.0/24"],
        ipv6: ["2001:db8::/32"],
      });
    });
  });

  describe("rules", () => {
    it("blocks with the rate rule first, then the four managed groups, each with metrics", () => {
      const rules = webAclRules("prod", PROD);
      assert.deepEqual(
        rules.map((r) => [r.priority, r.name]),
        [
          [0, "rate-limit-per-ip"],
          [1, "AWS-AWSManagedRulesKnownBadInputsRuleSet"],
          [2, "AWS-AWSManagedRulesCommonRuleSet"],
          [3, "AWS-AWSManagedRulesLinuxRuleSet"],
          [4, "AWS-AWSManagedRulesSQLiRuleSet"],
        ],
      );
      assert.deepEqual(rules[0]!.action, { block: {} });
      assert.deepEqual(rules[0]!.statement, {
        rateBasedStatement: { limit: 2000, evaluationWindowSec: 300, aggregateKeyType: "IP" },
      });
      for (const rule of rules.slice(1)) assert.deepEqual(rule.overrideAction, { none: {} });
      for (const rule of rules) {
        assert.deepEqual(rule.visibilityConfig, {
          cloudwatchMetricsEnabled: true,
          sampledRequestsEnabled: true,
          metricName: `prod-${(rule.name as string).replace(/^AWS-/, "")}`,
        });
      }
    });

    it("only counts in count mode: the groups' override and the rate rule's action", () => {
      const rules = webAclRules("prod", { ...PROD, mode: "count" });
      assert.deepEqual(rules[0]!.action, { count: {} });
      for (const rule of rules.slice(1)) assert.deepEqual(rule.overrideAction, { count: {} });
      assert.ok(rules.every((r) => JSON.stringify(r).includes("block") === false));
    });

    it("leaves out the Linux and SQL-injection groups when turned off", () => {
      const rules = webAclRules("dev", { ...PROD, linux: false, sqlInjection: false });
      assert.deepEqual(
        rules.map((r) => r.name),
        [
          "rate-limit-per-ip",
          "AWS-AWSManagedRulesKnownBadInputsRuleSet",
          "AWS-AWSManagedRulesCommonRuleSet",
        ],
      );
    });

    it("lets allow-listed paths and IP sets skip the rate limit through a scope-down statement", () => {
      const rules = webAclRules("prod", { ...PROD, allowPaths: ["/health", "/webhooks/"] }, [
        "arn:ipset",
      ]);
      const path = (searchString: string) => ({
        byteMatchStatement: {
          fieldToMatch: { uriPath: {} },
          positionalConstraint: "STARTS_WITH",
          searchString,
          textTransformations: [{ priority: 0, type: "NONE" }],
        },
      });
      assert.deepEqual(rules[0]!.statement, {
        rateBasedStatement: {
          limit: 2000,
          evaluationWindowSec: 300,
          aggregateKeyType: "IP",
          scopeDownStatement: {
            notStatement: {
              statement: {
                orStatement: {
                  statements: [
                    path("/health"),
                    path("/webhooks/"),
                    { ipSetReferenceStatement: { arn: "arn:ipset" } },
                  ],
                },
              },
            },
          },
        },
      });
      // One statement needs no OR (WAF wants two or more in one); none needs no scope-down.
      assert.deepEqual(allowListStatement([], ["arn:ipset"]), {
        ipSetReferenceStatement: { arn: "arn:ipset" },
      });
      assert.equal(allowListStatement([], []), undefined);
    });

    it("logs only blocked requests, and counted ones in count mode", () => {
      assert.deepEqual(loggingFilter("block"), {
        defaultBehavior: "DROP",
        filters: [
          {
            behavior: "KEEP",
            requirement: "MEETS_ANY",
            conditions: [{ actionCondition: { action: "BLOCK" } }],
          },
        ],
      });
      const count = loggingFilter("count") as { filters: { conditions: unknown }[] };
      assert.deepEqual(count.filters[0]!.conditions, [
        { actionCondition: { action: "BLOCK" } },
        { actionCondition: { action: "COUNT" } },
      ]);
      assert.equal(wafLogGroupName("prod"), "aws-waf-logs-prod");
    });
  });

  describe("prod stack", () => {
    it("puts one REGIONAL web ACL (default allow) in front of every internet-facing load balancer", async () => {
      const run = await runProgram("prod");
      const acl = run.one(WEB_ACL);
      assert.equal(acl.inputs.scope, "REGIONAL");
      assert.equal(acl.inputs.name, "prod-web");
      assert.deepEqual(acl.inputs.defaultAction, { allow: {} });
      assert.equal((acl.inputs.rules as unknown[]).length, 5);
      const publicArns = run
        .ofType(LOAD_BALANCER)
        .filter((lb) => lb.inputs.internal !== true)
        .map((lb) => lb.state.arn)
        .sort();
      assert.ok(publicArns.length >= 2, "prod has two web services");
      const associations = run.ofType(ASSOCIATION);
      assert.deepEqual(associations.map((a) => a.inputs.resourceArn).sort(), publicArns);
      for (const a of associations) assert.equal(a.inputs.webAclArn, acl.state.arn);
    });

    it("logs to aws-waf-logs-prod, kept the stack's retention, with the stack key when there is one", async () => {
      const run = await runProgram("prod");
      const logs = run.ofType(LOG_GROUP).find((g) => g.inputs.name === "aws-waf-logs-prod");
      assert.ok(logs !== undefined);
      assert.equal(logs.inputs.retentionInDays, 365);
      const key = run.ofType("aws:kms/key:Key")[0];
      assert.equal(logs.inputs.kmsKeyId, key?.state.arn);
      const logging = run.one(LOGGING);
      assert.equal(logging.inputs.resourceArn, run.one(WEB_ACL).state.arn);
      assert.deepEqual(logging.inputs.logDestinationConfigs, [logs.state.arn]);
      assert.deepEqual(logging.inputs.loggingFilter, loggingFilter("block"));
    });

    it("meets VIT-ELB-07 in prod; dev has no web ACL by default", async () => {
      const prod = await runProgram("prod");
      const elb07 = evaluateRules(fromRecords(prod.resources), "prod").results.find(
        (r) => r.rule.id === "VIT-ELB-07",
      );
      assert.equal(elb07?.status, "passed");
      const dev = await runProgram("dev");
      assert.deepEqual(dev.ofType(WEB_ACL), []);
      assert.deepEqual(dev.ofType(ASSOCIATION), []);
    });

    it("prices the web ACL, its 5 rules and the assumed requests, and says what it protects", async () => {
      const run = await runProgram("prod");
      const cost = estimateCost(run.resources, {
        region: "us-east-1",
        assumptions: DEFAULT_ASSUMPTIONS.prod,
      });
      const waf = cost.lines.filter((l) => l.component === "waf");
      assert.deepEqual(
        waf.filter((l) => l.item.startsWith("WAF")).map((l) => [l.item, l.quantity, l.monthly]),
        [
          ["WAF web ACL prod-web", 1, 5],
          ["WAF rules (5; a managed rule group is one)", 5, 5],
          ["WAF requests inspected", 50, 30],
        ],
      );
      assert.ok(waf.some((l) => l.item === "aws-waf-logs-prod: ingestion"));
      assert.deepEqual(
        cost.unpriced.filter((u) => u.component === "waf"),
        [],
      );
      const members = run.resources.filter((r) => r.parent?.name === "waf");
      const summary = wafSummary(run.resources, members) ?? "";
      assert.match(summary, /^web ACL prod-web, block mode: rate limit 2,000 requests per 300 s/);
      assert.match(summary, /protects (api, notifications|notifications, api);/);
    });
  });

  describe("dev stack with the firewall turned on in count mode", () => {
    it("declares the IP sets, counts instead of blocking and keeps counted requests in its log", async () => {
      const run = await runProgram("dev", {
        waf: {
          enabled: true,
          mode: "count",
          allowPaths: ["/health"],
          allowCidrs: ["203.0.113.0/24", "2001:db8::/32"],
        },
      });
      const sets = run.ofType(IP_SET);
      assert.deepEqual(
        sets.map((s) => [s.inputs.ipAddressVersion, s.inputs.addresses, s.inputs.scope]),
        [
          ["IPV4", ["203.0.113.0/24"], "REGIONAL"],
          ["IPV6", ["2001:db8::/32"], "REGIONAL"],
        ],
      );
      const rules = run.one(WEB_ACL).inputs.rules as { action?: unknown; statement: unknown }[];
      assert.deepEqual(rules[0]!.action, { count: {} });
      const scope = JSON.stringify(rules[0]!.statement);
      for (const set of sets) assert.ok(scope.includes(String(set.state.arn)), "IP set referenced");
      assert.deepEqual(run.one(LOGGING).inputs.loggingFilter, loggingFilter("count"));
      const lbs = run.ofType(LOAD_BALANCER).map((lb) => lb.state.arn);
      assert.deepEqual(
        run
          .ofType(ASSOCIATION)
          .map((a) => a.inputs.resourceArn)
          .sort(),
        [...lbs].sort(),
      );
      const logs = run.ofType(LOG_GROUP).find((g) => g.inputs.name === "aws-waf-logs-dev");
      assert.equal(logs?.inputs.retentionInDays, 14);
    });
  });

  it("summarizes a web ACL with no load balancer, in count mode", () => {
    const owner = component("vitcord:waf:WebFirewall", "edge");
    const acl = resource(WEB_ACL, "edge", {
      name: "x-web",
      rules: webAclRules("x", { ...PROD, mode: "count", linux: false }),
    });
    const summary = wafSummary([owner, acl], [acl]);
    assert.equal(
      summary,
      "web ACL x-web, count mode (nothing blocked): rate limit 2,000 requests per 300 s per IP; AWS managed rules KnownBadInputs, Common, SQLi; protects no load balancer",
    );
  });
});
