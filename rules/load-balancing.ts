/** Rules for load balancers, their listeners, and log groups. */
import { ResourceRule, RuleResource, StackFinding, StackRule } from "./types";
import { isKnown, list, ofType, record, resourceArn, strings, T, text } from "./util";

const BOTH = ["dev", "prod"] as const;

function isApplication(lb: RuleResource): boolean {
  return (lb.inputs.loadBalancerType ?? "application") === "application";
}

export const albHeaders: ResourceRule = {
  scope: "resource",
  id: "VIT-ELB-01",
  title:
    "Application load balancers drop invalid headers and keep desync mitigation defensive or strictest",
  controls: ["ELB.4", "ELB.12", "CKV_AWS_131", "CKV_AWS_328"],
  severity: "medium",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.loadBalancer],
  check(lb) {
    if (!isApplication(lb)) return [];
    const problems: string[] = [];
    if (lb.inputs.dropInvalidHeaderFields !== true)
      problems.push("dropInvalidHeaderFields is not true");
    // `defensive` is the default; only `monitor` lets desync attacks through.
    if (lb.inputs.desyncMitigationMode === "monitor")
      problems.push('desyncMitigationMode is "monitor"');
    return problems;
  },
};

export const lbMultiAz: ResourceRule = {
  scope: "resource",
  id: "VIT-ELB-02",
  title: "Load balancers span at least 2 availability zones",
  controls: ["ELB.13"],
  severity: "medium",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.loadBalancer],
  check(lb) {
    const count = strings(lb.inputs.subnets).length + list(lb.inputs.subnetMappings).length;
    return count >= 2 ? [] : [`the load balancer is in ${count} subnet(s)`];
  },
};

export const lbAccessLogs: ResourceRule = {
  scope: "resource",
  id: "VIT-ELB-03",
  title: "Load balancers write access logs",
  controls: ["ELB.5", "CKV_AWS_91", "elb-logging-enabled"],
  severity: "medium",
  enforcement: "mandatory",
  environments: ["prod"],
  resourceTypes: [T.loadBalancer],
  check(lb) {
    const logs = record(lb.inputs.accessLogs);
    return logs.enabled === true && isKnown(logs.bucket) && logs.bucket !== undefined
      ? []
      : ["accessLogs are not enabled with a bucket"];
  },
};

export const lbDeletionProtection: ResourceRule = {
  scope: "resource",
  id: "VIT-ELB-04",
  title: "Load balancers have deletion protection",
  controls: ["ELB.6", "CKV_AWS_150"],
  severity: "medium",
  enforcement: "mandatory",
  environments: ["prod"],
  resourceTypes: [T.loadBalancer],
  check: (lb) =>
    lb.inputs.enableDeletionProtection === true ? [] : ["enableDeletionProtection is not true"],
};

/** TLS policies that allow only TLS 1.2 and 1.3 (CKV_AWS_103's prefixes). */
export function isStrongTlsPolicy(policy: unknown): boolean {
  return (
    typeof policy === "string" &&
    ["ELBSecurityPolicy-TLS13-", "ELBSecurityPolicy-TLS-1-2", "ELBSecurityPolicy-FS-1-2"].some(
      (p) => policy.startsWith(p),
    )
  );
}

export const listenerTls: ResourceRule = {
  scope: "resource",
  id: "VIT-ELB-05",
  title: "HTTPS listeners have a certificate and a TLS 1.2+/1.3 security policy",
  controls: [
    "ELB.17",
    "ELB.18",
    "CKV_AWS_103",
    "CKV2_AWS_74",
    "aws-lb-listener-configure-secure-tls",
  ],
  severity: "high",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.listener],
  check(listener) {
    if (listener.inputs.protocol !== "HTTPS") return [];
    const problems: string[] = [];
    if (!isStrongTlsPolicy(listener.inputs.sslPolicy)) {
      problems.push(
        `sslPolicy is ${text(listener.inputs.sslPolicy, "unset (AWS's default allows TLS 1.0)")}; use ELBSecurityPolicy-TLS13-1-2-2021-06`,
      );
    }
    if (listener.inputs.certificateArn === undefined) problems.push("no certificateArn");
    return problems;
  },
};

function redirectsToHttps(listener: RuleResource): boolean {
  return list(listener.inputs.defaultActions)
    .map(record)
    .some((a) => a.type === "redirect" && record(a.redirect).protocol === "HTTPS");
}

export const httpsEverywhere: StackRule = {
  scope: "stack",
  id: "VIT-ELB-06",
  title:
    "Internet-facing load balancers serve HTTPS, and their HTTP listeners only redirect to HTTPS",
  controls: ["ELB.1", "CKV_AWS_2", "CKV2_AWS_20", "alb-http-to-https-redirection"],
  severity: "high",
  enforcement: "mandatory",
  environments: ["prod"],
  resourceTypes: [T.loadBalancer],
  check(resources) {
    const findings: StackFinding[] = [];
    const listeners = ofType(resources, T.listener);
    for (const lb of ofType(resources, T.loadBalancer).filter(
      (r) => r.inputs.internal !== true && isApplication(r),
    )) {
      const arn = resourceArn(lb);
      const own = listeners.filter((l) => arn === undefined || l.inputs.loadBalancerArn === arn);
      if (!own.some((l) => l.inputs.protocol === "HTTPS")) {
        findings.push({ resource: lb, message: "the load balancer has no HTTPS listener" });
      }
      for (const listener of own.filter(
        (l) => l.inputs.protocol === "HTTP" && !redirectsToHttps(l),
      )) {
        findings.push({
          resource: listener,
          message: `the HTTP listener on port ${text(listener.inputs.port)} does not redirect to HTTPS`,
        });
      }
    }
    return findings;
  },
};

export const waf: StackRule = {
  scope: "stack",
  id: "VIT-ELB-07",
  title: "Internet-facing load balancers are protected by an AWS WAF web ACL",
  controls: ["ELB.16", "CKV2_AWS_28"],
  severity: "medium",
  enforcement: "advisory",
  environments: ["prod"],
  resourceTypes: [T.loadBalancer],
  check(resources) {
    const protectedArns = ofType(resources, T.webAclAssociation).map((a) => a.inputs.resourceArn);
    return ofType(resources, T.loadBalancer)
      .filter((lb) => lb.inputs.internal !== true && isApplication(lb))
      .filter((lb) => !protectedArns.includes(resourceArn(lb)))
      .map((lb) => ({ resource: lb, message: "no WAF web ACL is associated" }));
  },
};

export const logRetention: ResourceRule = {
  scope: "resource",
  id: "VIT-LOG-01",
  title: "Log groups have a retention period: any in dev, at least 365 days in prod",
  controls: ["CKV_AWS_66", "CKV_AWS_338", "CloudWatch.16"],
  severity: "medium",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.logGroup],
  check(group, { environment }) {
    const days = group.inputs.retentionInDays;
    // 0 (or absent) means "never expire": unbounded cost and no decision taken.
    if (typeof days !== "number" || days <= 0) return ["retentionInDays is not set"];
    return environment === "prod" && days < 365
      ? [`retentionInDays is ${days}; prod keeps logs at least 365 days`]
      : [];
  },
};

export const logEncryption: ResourceRule = {
  scope: "resource",
  id: "VIT-LOG-02",
  title: "Log groups are encrypted with a customer-managed KMS key",
  controls: ["CKV_AWS_158"],
  severity: "low",
  enforcement: "advisory",
  environments: ["prod"],
  resourceTypes: [T.logGroup],
  check: (group) => (group.inputs.kmsKeyId === undefined ? ["no kmsKeyId"] : []),
};

export const LOAD_BALANCING_RULES = [
  albHeaders,
  lbMultiAz,
  lbAccessLogs,
  lbDeletionProtection,
  listenerTls,
  httpsEverywhere,
  waf,
  logRetention,
  logEncryption,
] as const;
