// Maintenance mode: a fixed 503 answer at the top of a service's listeners, owned by the CLI (the
// program declares no listener rules, so a `pulumi up` neither removes nor fights it).
import {
  DescribeRulesCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  LoadBalancerManifest,
  MAINTENANCE_RULE_PRIORITY,
  MAINTENANCE_TAG,
} from "../components/ops-manifest";

/** The maintenance rule on each listener that has one (priority 1, tagged MAINTENANCE_TAG). */
export async function maintenanceRules(
  elbv2: ElasticLoadBalancingV2Client,
  loadBalancer: LoadBalancerManifest,
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const listenerArn of loadBalancer.listenerArns) {
    const rules = await elbv2.send(new DescribeRulesCommand({ ListenerArn: listenerArn }));
    const top = (rules.Rules ?? []).find(
      (rule) => rule.Priority === String(MAINTENANCE_RULE_PRIORITY),
    );
    if (top?.RuleArn === undefined) continue;
    const tags = await elbv2.send(new DescribeTagsCommand({ ResourceArns: [top.RuleArn] }));
    const tagged = (tags.TagDescriptions ?? []).some((d) =>
      (d.Tags ?? []).some(
        (t) => t.Key === MAINTENANCE_TAG.key && t.Value === MAINTENANCE_TAG.value,
      ),
    );
    if (tagged) found.set(listenerArn, top.RuleArn);
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
