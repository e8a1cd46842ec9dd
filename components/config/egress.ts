import { z } from "zod";
import { parseCidr } from "./network";
import { intInRange, oneOf, strictObject } from "./schema-helpers";

/**
 * Extra outbound rules of a workload (`services.<name>.egress`, `workers.<name>.egress`), beside
 * the HTTPS and in-VPC rules every workload has: SMTP to a mail provider, a push gateway's port.
 * Each becomes one security group rule with its own description (CKV_AWS_23).
 */

export const EGRESS_PROTOCOLS = ["tcp", "udp"] as const;

/**
 * What EC2 accepts in a security group rule's description: up to 255 characters of
 * `a-z A-Z 0-9 . _ - : / ( ) # , @ [ ] + = & ; { } ! $ *` and spaces (AuthorizeSecurityGroupEgress,
 * IpRange.Description).
 */
const RULE_DESCRIPTION = /^[A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]{1,255}$/;
const descriptionMessage =
  'must say what the rule reaches and why, e.g. "SMTP to the mail provider": up to 255 letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*';

const cidrMessage =
  "must be an IPv4 CIDR block whose address is the network's first, e.g. 203.0.113.0/24, or 0.0.0.0/0 for anywhere";

/** An IPv4 CIDR block with its host bits zero (`/0` to `/32`). */
export function isNetworkCidr(cidr: string): boolean {
  const parsed = parseCidr(cidr);
  if (parsed === undefined) return false;
  return parsed.address % 2 ** (32 - parsed.prefix) === 0;
}

const port = intInRange(1, 65535, "(a TCP or UDP port)");

export const egressRuleSchema = strictObject({
  description: z
    .string({ error: descriptionMessage })
    .regex(RULE_DESCRIPTION, { error: descriptionMessage })
    .meta({ patternErrorMessage: descriptionMessage })
    .describe(
      "What the rule reaches and why, e.g. `SMTP to the mail provider`; it becomes the security group rule's description. Required.",
    ),
  port: port.optional().describe("The one destination port; or set `fromPort` and `toPort`."),
  fromPort: port.optional().describe("The first port of a range, with `toPort`."),
  toPort: port.optional().describe("The last port of a range, with `fromPort`."),
  protocol: oneOf(EGRESS_PROTOCOLS).default("tcp").describe("`tcp` or `udp`."),
  cidr: z
    .string({ error: cidrMessage })
    .refine(isNetworkCidr, { error: cidrMessage })
    .meta({
      // The JSON Schema's approximation: the shape, not the host bits (a refine only).
      pattern:
        "^((25[0-5]|2[0-4]\\d|[01]?\\d?\\d)\\.){3}(25[0-5]|2[0-4]\\d|[01]?\\d?\\d)/([0-9]|[12]\\d|3[0-2])$",
      patternErrorMessage: cidrMessage,
    })
    .describe(
      "Where to: an IPv4 CIDR block, e.g. the provider's published range; `0.0.0.0/0` for anywhere, which the rules accept for egress (VIT-NET-05 and VIT-NET-06 restrict what the internet may reach, not where tasks connect; the traffic leaves through the NAT gateway). Prefer the provider's range when it publishes one. Required.",
    ),
})
  .superRefine((rule, ctx) => {
    const range = rule.fromPort !== undefined || rule.toPort !== undefined;
    if (rule.port !== undefined && range) {
      ctx.addIssue({
        code: "custom",
        path: ["port"],
        message: "set port or fromPort and toPort, not both",
      });
    } else if (rule.port === undefined && !range) {
      ctx.addIssue({
        code: "custom",
        path: ["port"],
        message: "set port (one port) or fromPort and toPort (a range)",
      });
    } else if (range && (rule.fromPort === undefined || rule.toPort === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: [rule.fromPort === undefined ? "fromPort" : "toPort"],
        message: "a port range needs both fromPort and toPort",
      });
    } else if (range && rule.fromPort! > rule.toPort!) {
      ctx.addIssue({
        code: "custom",
        path: ["fromPort"],
        message: `must be at most toPort (${rule.toPort})`,
      });
    }
  })
  .transform((rule) => ({
    description: rule.description,
    protocol: rule.protocol,
    fromPort: rule.port ?? rule.fromPort!,
    toPort: rule.port ?? rule.toPort!,
    cidr: rule.cidr,
  }));

export type EgressRuleConfig = z.output<typeof egressRuleSchema>;

export const egressSchema = z
  .array(egressRuleSchema, { error: "must be a list of egress rules" })
  .default([])
  .describe(
    "Extra outbound rules for the workload's tasks, beyond HTTPS anywhere and TCP/UDP inside the VPC: each `{ description, port (or fromPort and toPort), protocol (tcp, udp; default tcp), cidr }` becomes one described security group rule, e.g. SMTP on 587 to a mail provider.",
  );

/** The resource-name key of a rule: `tcp-587-0-0-0-0-0` (protocol, ports, CIDR). */
export function egressRuleKey(rule: EgressRuleConfig): string {
  const ports =
    rule.fromPort === rule.toPort ? `${rule.fromPort}` : `${rule.fromPort}-${rule.toPort}`;
  return `${rule.protocol}-${ports}-${rule.cidr.replace(/[./]/g, "-")}`;
}

/** Two rules with the same protocol, ports and CIDR would be one security group rule twice. */
export function checkEgressRules(rules: readonly EgressRuleConfig[], ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  rules.forEach((rule, i) => {
    const key = egressRuleKey(rule);
    const first = seen.get(key);
    if (first !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["egress", i],
        message: `is the same protocol, ports and cidr as egress[${first}]; EC2 refuses a duplicate rule`,
      });
    } else seen.set(key, i);
  });
}
