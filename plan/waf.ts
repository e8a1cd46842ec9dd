/**
 * The inventory's line for the stack's web application firewall (components/waf.ts): the web
 * ACL's mode and rules, what skips the rate limit, the load balancers it protects, and its log.
 */
import { list, num, obj, ownerOf, RecordedResource, str } from "./resources";
import { WEB_ACL } from "./cost-waf";

const ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation";
const LOAD_BALANCERS = ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"];
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** The web services whose load balancers the associations name (by ARN), in the stack's order. */
export function protectedServices(
  all: readonly RecordedResource[],
  associations: readonly RecordedResource[],
): string[] {
  const arns = new Set(associations.map((a) => str(a.inputs.resourceArn)));
  return all
    .filter((r) => LOAD_BALANCERS.includes(r.type) && arns.has(str(r.state.arn)))
    .map((lb) => ownerOf(all, lb).name);
}

/**
 * "web ACL prod-web, block mode: rate limit 2,000 requests per 300 s per IP (1 path prefix skips
 * it); AWS managed rules KnownBadInputs, Common, Linux, SQLi; protects api, notifications; blocked
 * requests logged to aws-waf-logs-prod (365 days)", or undefined when there is no web ACL here.
 */
export function wafSummary(
  all: readonly RecordedResource[],
  members: readonly RecordedResource[],
): string | undefined {
  const acl = members.find((r) => r.type === WEB_ACL);
  if (acl === undefined) return undefined;
  const rules = list(acl.inputs.rules).map(obj);
  const counting = rules.some((rule) => obj(rule.action).count !== undefined);
  const parts: string[] = [];
  for (const rule of rules) {
    const rate = obj(obj(rule.statement).rateBasedStatement);
    if (Object.keys(rate).length === 0) continue;
    const limit = (num(rate.limit) ?? 0).toLocaleString("en-US");
    const scoped = rate.scopeDownStatement === undefined ? "" : " (allow-listed paths/IPs skip it)";
    parts.push(
      `rate limit ${limit} requests per ${num(rate.evaluationWindowSec) ?? 300} s per IP${scoped}`,
    );
  }
  const groups = rules
    .map((rule) => str(obj(obj(rule.statement).managedRuleGroupStatement).name))
    .filter((name): name is string => name !== undefined)
    .map((name) => name.replace(/^AWSManagedRules/, "").replace(/RuleSet$/, ""));
  if (groups.length > 0) parts.push(`AWS managed rules ${groups.join(", ")}`);
  const services = protectedServices(
    all,
    members.filter((r) => r.type === ASSOCIATION),
  );
  parts.push(
    services.length === 0 ? "protects no load balancer" : `protects ${services.join(", ")}`,
  );
  const log = members.find((r) => r.type === LOG_GROUP);
  if (log !== undefined) {
    const what = counting ? "blocked and counted" : "blocked";
    const days = num(log.inputs.retentionInDays);
    const kept = days === undefined ? "" : ` (${plural(days, "day")})`;
    parts.push(`${what} requests logged to ${str(log.inputs.name) ?? log.name}${kept}`);
  }
  const mode = counting ? "count mode (nothing blocked)" : "block mode";
  return `web ACL ${str(acl.inputs.name) ?? acl.name}, ${mode}: ${parts.join("; ")}`;
}
