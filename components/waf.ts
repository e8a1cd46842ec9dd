import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { parseWafCidr, WafConfig } from "./config/waf";

type Rule = aws.types.input.wafv2.WebAclRule;
type Statement = aws.types.input.wafv2.WebAclRuleStatementRateBasedStatementScopeDownStatement;

/**
 * The AWS managed rule groups the web ACL uses, in evaluation order. Each is free beyond the $1 a
 * month of any rule ("most of which are free", WAF Developer Guide, managed rule group statements);
 * together (700 + 200 + 200 + 200 WCU) with the rate rule they stay within the 1,500 WCUs the web
 * ACL's base price covers.
 */
export const MANAGED_RULE_GROUPS = [
  // Requests known to be malicious (Log4j/Java deserialization, localhost Host headers).
  { name: "AWSManagedRulesKnownBadInputsRuleSet", when: () => true },
  // The core rule set: OWASP Top 10 style checks (XSS, bad user agents, size limits, LFI/RFI).
  { name: "AWSManagedRulesCommonRuleSet", when: () => true },
  // LFI of Linux paths (/etc/passwd, /proc/self): the containers run Linux.
  { name: "AWSManagedRulesLinuxRuleSet", when: (waf: WafConfig) => waf.linux },
  // SQL injection in the URI, query, body and cookies: the Rails API's data is in PostgreSQL.
  { name: "AWSManagedRulesSQLiRuleSet", when: (waf: WafConfig) => waf.sqlInjection },
] as const;

/** CloudWatch metrics and sampled requests for a rule or the web ACL (WAF's visibility config). */
export function visibility(metricName: string): aws.types.input.wafv2.WebAclVisibilityConfig {
  return { cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName };
}

/** The name WAF logs must go to: destinations "must start with aws-waf-logs-" (WAFV2 API, LoggingConfiguration). */
export function wafLogGroupName(stack: string): string {
  return `aws-waf-logs-${stack}`;
}

/**
 * What skips the rate limit: a request whose URI path starts with an allowed prefix, or whose
 * client address is in an allowed IP set. Undefined when nothing is allowed.
 */
export function allowListStatement(
  paths: readonly string[],
  ipSetArns: readonly pulumi.Input<string>[],
): Statement | undefined {
  const statements: Statement[] = [
    ...paths.map((path): Statement => ({
      byteMatchStatement: {
        fieldToMatch: { uriPath: {} },
        positionalConstraint: "STARTS_WITH",
        searchString: path,
        textTransformations: [{ priority: 0, type: "NONE" }],
      },
    })),
    ...ipSetArns.map((arn): Statement => ({ ipSetReferenceStatement: { arn } })),
  ];
  if (statements.length === 0) return undefined;
  // An OR statement needs at least two statements (WAFV2 API, OrStatement).
  return statements.length === 1 ? statements[0] : { orStatement: { statements } };
}

/**
 * The web ACL's rules: the rate limit per client IP first (cheap, and it stops a flood before the
 * managed groups inspect it), then the managed groups. `count` mode turns every rule into a count:
 * the groups by `overrideAction: count` ("override the rule group evaluation result to count
 * only", WAFV2 API, OverrideAction), the rate rule by its action.
 */
export function webAclRules(
  stack: string,
  waf: WafConfig,
  ipSetArns: readonly pulumi.Input<string>[] = [],
): Rule[] {
  const count = waf.mode === "count";
  const allowed = allowListStatement(waf.allowPaths, ipSetArns);
  const rate: Rule = {
    name: "rate-limit-per-ip",
    priority: 0,
    action: count ? { count: {} } : { block: {} },
    statement: {
      rateBasedStatement: {
        limit: waf.rateLimit,
        evaluationWindowSec: waf.rateWindowSeconds,
        // The client's own address: the ALB is the first hop, so no X-Forwarded-For to trust.
        aggregateKeyType: "IP",
        // Only the requests not allow-listed are counted and limited.
        ...(allowed === undefined
          ? {}
          : { scopeDownStatement: { notStatement: { statement: allowed } } }),
      },
    },
    visibilityConfig: visibility(`${stack}-rate-limit-per-ip`),
  };
  const groups = MANAGED_RULE_GROUPS.filter((group) => group.when(waf)).map(
    (group, index): Rule => ({
      name: `AWS-${group.name}`,
      priority: index + 1,
      overrideAction: count ? { count: {} } : { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: "AWS", name: group.name } },
      visibilityConfig: visibility(`${stack}-${group.name}`),
    }),
  );
  return [rate, ...groups];
}

/**
 * Which log records are kept: the blocked requests, and in count mode the counted ones (what would
 * have been blocked). A record's action is "the action that AWS WAF applied… or, if you've applied
 * a rule action override, the override action" (WAFV2 API, ActionCondition). Allowed requests are
 * dropped: the load balancers' access logs have them.
 */
export function loggingFilter(
  mode: WafConfig["mode"],
): aws.types.input.wafv2.WebAclLoggingConfigurationLoggingFilter {
  const actions = mode === "count" ? ["BLOCK", "COUNT"] : ["BLOCK"];
  return {
    defaultBehavior: "DROP",
    filters: [
      {
        behavior: "KEEP",
        requirement: "MEETS_ANY",
        conditions: actions.map((action) => ({ actionCondition: { action } })),
      },
    ],
  };
}

/** The allowed CIDR blocks split by IP version: an IP set holds one version only. */
export function cidrsByVersion(cidrs: readonly string[]): { ipv4: string[]; ipv6: string[] } {
  const ipv4 = cidrs.filter((cidr) => parseWafCidr(cidr)?.version === 4);
  const ipv6 = cidrs.filter((cidr) => parseWafCidr(cidr)?.version === 6);
  return { ipv4, ipv6 };
}

export interface WebFirewallArgs {
  /** The stack's name: the web ACL is `<stack>-web`, its log group `aws-waf-logs-<stack>`. */
  readonly stack: string;
  /** The validated `vitcord-infra:waf` settings. */
  readonly waf: WafConfig;
  /** The internet-facing load balancers to protect: ARN by service name. */
  readonly loadBalancerArns: Readonly<Record<string, pulumi.Input<string>>>;
  /** Days the log group keeps the blocked requests (the stack's `logRetentionDays`). */
  readonly logRetentionDays: number;
  /**
   * The stack's customer-managed KMS key for the log group; its policy must let CloudWatch Logs
   * use it (logs.<region>.amazonaws.com).
   * @default undefined (CloudWatch Logs' own encryption)
   */
  readonly logKmsKeyArn?: pulumi.Input<string>;
}

/**
 * One AWS WAF web ACL (scope REGIONAL, for ALBs) for the whole stack, associated with each web
 * service's load balancer. Per stack rather than per service: a web ACL costs $5 a month and each
 * rule $1 (aws-prices-data.md, WAF), and every service would carry the same rules, so one ACL of 5
 * rules ($10) protects any number of services where one per service would cost $10 each. A
 * service needing other rules would get its own ACL then.
 */
export class WebFirewall extends pulumi.ComponentResource {
  public readonly webAclArn: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;

  constructor(name: string, args: WebFirewallArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vitcord:waf:WebFirewall", name, {}, opts);
    const { ipv4, ipv6 } = cidrsByVersion(args.waf.allowCidrs);
    const ipSets = (
      [
        ["ipv4", "IPV4", ipv4],
        ["ipv6", "IPV6", ipv6],
      ] as const
    )
      .filter(([, , addresses]) => addresses.length > 0)
      .map(
        ([suffix, version, addresses]) =>
          new aws.wafv2.IpSet(
            `${name}-allow-${suffix}`,
            {
              name: `${args.stack}-rate-limit-allow-${suffix}`,
              description: "Client addresses that skip the rate limit (vitcord-infra:waf)",
              scope: "REGIONAL",
              ipAddressVersion: version,
              addresses,
            },
            { parent: this },
          ),
      );

    const acl = new aws.wafv2.WebAcl(
      name,
      {
        name: `${args.stack}-web`,
        description: `Web services of ${args.stack}: AWS managed rules and a rate limit per IP (${args.waf.mode} mode)`,
        scope: "REGIONAL",
        defaultAction: { allow: {} },
        rules: webAclRules(
          args.stack,
          args.waf,
          ipSets.map((set) => set.arn),
        ),
        visibilityConfig: visibility(`${args.stack}-web`),
      },
      { parent: this },
    );
    this.webAclArn = acl.arn;

    for (const [service, arn] of Object.entries(args.loadBalancerArns)) {
      new aws.wafv2.WebAclAssociation(
        `${name}-${service}`,
        { resourceArn: arn, webAclArn: acl.arn },
        { parent: this },
      );
    }

    const logs = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      {
        name: wafLogGroupName(args.stack),
        retentionInDays: args.logRetentionDays,
        ...(args.logKmsKeyArn === undefined ? {} : { kmsKeyId: args.logKmsKeyArn }),
      },
      { parent: this },
    );
    this.logGroupName = logs.name;
    // WAF adds the log group's resource policy itself when logging is turned on (WAFV2 API,
    // LoggingConfiguration: "For an Amazon CloudWatch Logs log group, WAF creates a resource policy").
    new aws.wafv2.WebAclLoggingConfiguration(
      `${name}-logging`,
      {
        resourceArn: acl.arn,
        logDestinationConfigs: [logs.arn],
        loggingFilter: loggingFilter(args.waf.mode),
      },
      { parent: this },
    );

    this.registerOutputs({ webAclArn: this.webAclArn, logGroupName: this.logGroupName });
  }
}
