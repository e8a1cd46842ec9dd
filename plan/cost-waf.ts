/**
 * The cost of the stack's web application firewall (components/waf.ts): the web ACL by the month,
 * each of its rules by the month (an AWS managed rule group is billed as one rule, with no
 * subscription fee for the groups the stack uses), and the requests it inspects. Its log group is
 * priced like every other log group.
 */
import { charge, Context } from "./cost-context";
import { list, RecordedResource, str } from "./resources";

export const WEB_ACL = "aws:wafv2/webAcl:WebAcl";

export function priceWebAcl(acl: RecordedResource, ctx: Context): void {
  const name = str(acl.inputs.name) ?? acl.name;
  charge(ctx, acl, `WAF web ACL ${name}`, 1, "waf.webAclMonth");
  const rules = list(acl.inputs.rules).length;
  charge(ctx, acl, `WAF rules (${rules}; a managed rule group is one)`, rules, "waf.ruleMonth");
  charge(
    ctx,
    acl,
    "WAF requests inspected",
    ctx.assumptions.wafRequestsMillionsPerMonth,
    "waf.requestMillion",
  );
}

export const WAF_PRICERS = { [WEB_ACL]: priceWebAcl } as const;
