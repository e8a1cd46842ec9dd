// Maintenance mode (`maintenance on|off|status <service>`): a fixed 503 answer at the top of each
// of a service's listeners (HTTPS and HTTP), as Heroku's maintenance:on.
//
// Why the CLI owns the rule rather than the stack config: it takes effect at once (one ELB call
// per listener, no deploy), it needs neither the Pulumi CLI nor the state backend nor the
// passphrase (the AWS SDK and the operations manifest only), and it survives `pulumi up`: Pulumi
// manages only the resources the program declares, the program declares no listener rules, and an
// aws.lb.Listener resource manages its default actions only, so an up neither removes nor fights
// a rule it did not create. The rule is marked with MAINTENANCE_TAG so that `off` and `ps` touch
// and report only it, never a rule someone else put at priority 1.
import {
  Action,
  CreateRuleCommand,
  DeleteRuleCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
  RuleCondition,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  LoadBalancerManifest,
  MAINTENANCE_RULE_PRIORITY,
  MAINTENANCE_TAG,
} from "../components/ops-manifest";
import { CliError } from "./errors";

/** The rule at MAINTENANCE_RULE_PRIORITY on one listener, if any, and whether it is ours. */
export interface ListenerTopRule {
  readonly listenerArn: string;
  readonly ruleArn?: string;
  readonly tagged: boolean;
}

/** Each listener's rule at priority 1 (DescribeRules) and whether it carries MAINTENANCE_TAG. */
export async function listenerTopRules(
  elbv2: ElasticLoadBalancingV2Client,
  loadBalancer: LoadBalancerManifest,
): Promise<ListenerTopRule[]> {
  const found: ListenerTopRule[] = [];
  for (const listenerArn of loadBalancer.listenerArns) {
    const rules = await elbv2.send(new DescribeRulesCommand({ ListenerArn: listenerArn }));
    const top = (rules.Rules ?? []).find(
      (rule) => rule.Priority === String(MAINTENANCE_RULE_PRIORITY),
    );
    if (top?.RuleArn === undefined) {
      found.push({ listenerArn, tagged: false });
      continue;
    }
    const tags = await elbv2.send(new DescribeTagsCommand({ ResourceArns: [top.RuleArn] }));
    const tagged = (tags.TagDescriptions ?? []).some((d) =>
      (d.Tags ?? []).some(
        (t) => t.Key === MAINTENANCE_TAG.key && t.Value === MAINTENANCE_TAG.value,
      ),
    );
    found.push({ listenerArn, ruleArn: top.RuleArn, tagged });
  }
  return found;
}

/** The maintenance rule on each listener that has one (priority 1, tagged MAINTENANCE_TAG). */
export async function maintenanceRules(
  elbv2: ElasticLoadBalancingV2Client,
  loadBalancer: LoadBalancerManifest,
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const rule of await listenerTopRules(elbv2, loadBalancer)) {
    if (rule.tagged && rule.ruleArn !== undefined) found.set(rule.listenerArn, rule.ruleArn);
  }
  return found;
}

/** `on` when every listener answers with the maintenance rule, `partial` when some do. */
export async function maintenanceStatus(
  elbv2: ElasticLoadBalancingV2Client,
  loadBalancer: LoadBalancerManifest,
): Promise<"on" | "off" | "partial"> {
  const rules = await maintenanceRules(elbv2, loadBalancer);
  if (rules.size === 0) return "off";
  return rules.size === loadBalancer.listenerArns.length ? "on" : "partial";
}

/** FixedResponseActionConfig.MessageBody: "Maximum length of 1024" (ELB API reference). */
export const MAX_MESSAGE_BODY = 1024;

/** The page's text without --message. */
export const DEFAULT_MAINTENANCE_MESSAGE = "We are down for maintenance and will be back shortly.";

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** The small HTML page the rule answers with, the message escaped. */
export function maintenancePage(message: string): string {
  return (
    '<!doctype html><html><head><meta charset="utf-8"><title>Down for maintenance</title></head>' +
    `<body><h1>Down for maintenance</h1><p>${escapeHtml(message)}</p></body></html>`
  );
}

/** The page for --message, refused when ELB cannot hold it (before anything changes). */
export function checkedMaintenancePage(message: string): string {
  const page = maintenancePage(message);
  if (page.length > MAX_MESSAGE_BODY) {
    const room = MAX_MESSAGE_BODY - maintenancePage("").length;
    throw new CliError(
      `--message is too long: the maintenance page would be ${page.length} characters and a load ` +
        `balancer's fixed response holds at most ${MAX_MESSAGE_BODY} (MessageBody), which leaves ` +
        `${room} characters for the message (& < > " ' count as 4 to 6 once escaped).`,
    );
  }
  return page;
}

/**
 * Every request: a path-pattern of `/*` matches any path (`*` matches 0 or more characters; the
 * pattern is compared with the URL's path only, never the query string).
 */
export const MAINTENANCE_CONDITIONS: RuleCondition[] = [
  { Field: "path-pattern", PathPatternConfig: { Values: ["/*"] } },
];

/** A 503 with the page, at once (fixed-response: no target is asked). */
export function maintenanceActions(page: string): Action[] {
  return [
    {
      Type: "fixed-response",
      FixedResponseConfig: { StatusCode: "503", ContentType: "text/html", MessageBody: page },
    },
  ];
}

/** What `on` did on each listener. */
export interface MaintenanceChange {
  readonly created: string[];
  readonly updated: string[];
}

/**
 * Puts the maintenance rule on every listener: a tagged rule already there gets the new page
 * (ModifyRule), a listener without one gets it (CreateRule at priority 1). A priority-1 rule
 * that is not ours is refused before anything changes.
 */
export async function putMaintenanceRules(
  elbv2: ElasticLoadBalancingV2Client,
  loadBalancer: LoadBalancerManifest,
  service: string,
  page: string,
): Promise<MaintenanceChange> {
  const tops = await listenerTopRules(elbv2, loadBalancer);
  const foreign = tops.find((t) => t.ruleArn !== undefined && !t.tagged);
  if (foreign !== undefined) {
    throw new CliError(
      `Listener ${foreign.listenerArn} of ${service} already has a rule at priority ` +
        `${MAINTENANCE_RULE_PRIORITY} that maintenance did not create (${foreign.ruleArn}): ` +
        "nothing was changed; move that rule to another priority or delete it, then retry.",
    );
  }
  const change: MaintenanceChange = { created: [], updated: [] };
  for (const top of tops) {
    if (top.ruleArn !== undefined) {
      await elbv2.send(
        new ModifyRuleCommand({
          RuleArn: top.ruleArn,
          Conditions: MAINTENANCE_CONDITIONS,
          Actions: maintenanceActions(page),
        }),
      );
      change.updated.push(top.listenerArn);
    } else {
      await elbv2.send(
        new CreateRuleCommand({
          ListenerArn: top.listenerArn,
          Priority: MAINTENANCE_RULE_PRIORITY,
          Conditions: MAINTENANCE_CONDITIONS,
          Actions: maintenanceActions(page),
          Tags: [{ Key: MAINTENANCE_TAG.key, Value: MAINTENANCE_TAG.value }],
        }),
      );
      change.created.push(top.listenerArn);
    }
  }
  return change;
}

/** Deletes the tagged maintenance rule on every listener; returns the listeners it was on. */
export async function removeMaintenanceRules(
  elbv2: ElasticLoadBalancingV2Client,
  loadBalancer: LoadBalancerManifest,
): Promise<string[]> {
  const rules = await maintenanceRules(elbv2, loadBalancer);
  for (const ruleArn of rules.values()) {
    await elbv2.send(new DeleteRuleCommand({ RuleArn: ruleArn }));
  }
  return [...rules.keys()];
}
