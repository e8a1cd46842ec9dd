import { isIP } from "node:net";
import { z } from "zod";
import { Environment } from "./environment";
import { booleanFlag, oneOf, strictObject } from "./schema-helpers";

/**
 * `vitcord-infra:waf`: the stack's AWS WAF web ACL in front of every web service's load balancer
 * (components/waf.ts). On in prod, off in dev unless a stack turns it on.
 */

export const WAF_MODES = ["block", "count"] as const;
export type WafMode = (typeof WAF_MODES)[number];

/**
 * AWS WAF's bounds on a rate-based rule's limit: "The lowest limit setting allowed is 10" (WAF
 * Developer Guide, rate-based rule high-level settings; lowered from 100 in 2024), and the API's
 * `RateLimit` shape is min 10, max 2,000,000,000 (WAFV2 API reference, RateBasedStatement.Limit).
 */
export const WAF_RATE_LIMIT_MIN = 10;
export const WAF_RATE_LIMIT_MAX = 2_000_000_000;
/** `EvaluationWindowSec`: "Valid settings are 60, 120, 300, and 600", 300 the default. */
export const WAF_RATE_WINDOWS = [60, 120, 300, 600] as const;
/**
 * ByteMatchStatement.SearchString: "The maximum length of the value is 200 bytes" (WAFV2 API
 * reference); an allowed path prefix becomes one.
 */
export const WAF_PATH_MAX_LENGTH = 200;

/** The per-environment defaults of `vitcord-infra:waf`. */
export const WAF_DEFAULTS: Readonly<
  Record<Environment, { readonly enabled: boolean; readonly mode: WafMode }>
> = {
  // Dev: $5 + $1 per rule a month buys nothing while only the team calls it; on by config.
  dev: { enabled: false, mode: "block" },
  prod: { enabled: true, mode: "block" },
};
/**
 * 2,000 requests per 5 minutes per client IP (6.7 a second, sustained): far above what one person's
 * app or browser sends, low enough to stop one address scraping or guessing passwords. Generous on
 * purpose, since many mobile users can share one carrier-NAT address.
 */
export const WAF_RATE_LIMIT_DEFAULT = 2000;
export const WAF_RATE_WINDOW_DEFAULT = 300;

const rateLimitMessage = `must be a whole number from ${WAF_RATE_LIMIT_MIN} to ${WAF_RATE_LIMIT_MAX} requests per window (AWS WAF's limits for a rate-based rule)`;
const rateLimit = z
  .number({ error: rateLimitMessage })
  .int({ error: rateLimitMessage })
  .min(WAF_RATE_LIMIT_MIN, { error: rateLimitMessage })
  .max(WAF_RATE_LIMIT_MAX, { error: rateLimitMessage });

const windowMessage = `must be one of the evaluation windows AWS WAF offers: ${WAF_RATE_WINDOWS.join(", ")} seconds`;
const rateWindow = z
  .number({ error: windowMessage })
  .refine((seconds) => (WAF_RATE_WINDOWS as readonly number[]).includes(seconds), {
    error: windowMessage,
  })
  .meta({ enum: [...WAF_RATE_WINDOWS] });

const pathMessage =
  "must be a URL path prefix starting with /, such as /health or /webhooks/, without spaces";
const pathPrefix = z
  .string({ error: pathMessage })
  .regex(/^\/\S*$/, { error: pathMessage })
  .max(WAF_PATH_MAX_LENGTH, {
    error: `must be at most ${WAF_PATH_MAX_LENGTH} characters (AWS WAF's longest string to match)`,
  })
  .meta({ patternErrorMessage: pathMessage });

/** `a.b.c.d/n` or `x:y::/n` → its IP version and prefix; undefined if it does not parse. */
export function parseWafCidr(cidr: string): { version: 4 | 6; prefix: number } | undefined {
  const slash = cidr.indexOf("/");
  if (slash === -1) return undefined;
  const address = cidr.slice(0, slash);
  const prefixText = cidr.slice(slash + 1);
  const version = isIP(address);
  if (version === 0 || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > (version === 4 ? 32 : 128)) return undefined;
  return { version: version as 4 | 6, prefix };
}

// IPSet.Addresses: "WAF supports all IPv4 and IPv6 CIDR ranges except for /0" (WAFV2 API reference).
const cidrMessage =
  "must be an IPv4 or IPv6 CIDR block such as 203.0.113.0/24 or 2001:db8::/32, with a prefix from /1 (AWS WAF refuses /0)";
const allowCidr = z
  .string({ error: cidrMessage })
  .refine(
    (cidr) => {
      const parsed = parseWafCidr(cidr);
      return parsed !== undefined && parsed.prefix > 0;
    },
    { error: cidrMessage },
  )
  // The JSON Schema's approximation (the refine parses the address and bounds the prefix).
  .meta({ pattern: "^[0-9A-Fa-f:.]+/[0-9]{1,3}$", patternErrorMessage: cidrMessage });

/** A list whose entries are all different. */
function uniqueList<T extends z.ZodType<string>>(item: T, what: string) {
  return z
    .array(item, { error: `must be a list of ${what}` })
    .refine((items) => new Set(items).size === items.length, {
      error: `must name each of its ${what} once`,
    })
    .meta({ uniqueItems: true })
    .default([]);
}

export function wafSchema(environment: Environment) {
  const defaults = WAF_DEFAULTS[environment];
  const { dev, prod } = WAF_DEFAULTS;
  return strictObject({
    enabled: booleanFlag
      .default(defaults.enabled)
      .describe(
        `One AWS WAF web ACL for the stack, associated with every web service's load balancer. Default: ${dev.enabled} in dev, ${prod.enabled} in prod.`,
      ),
    mode: oneOf(WAF_MODES)
      .default(defaults.mode)
      .describe(
        "`block`: the rules block what they match. `count`: every rule only counts (and logs) what it would have blocked, nothing is blocked — for a first rollout, to find false positives in the log group before blocking.",
      ),
    rateLimit: rateLimit
      .default(WAF_RATE_LIMIT_DEFAULT)
      .describe(
        `Requests one client IP address may send in \`rateWindowSeconds\` before WAF blocks its further requests (until its rate falls below the limit). From ${WAF_RATE_LIMIT_MIN} (AWS's minimum) to ${WAF_RATE_LIMIT_MAX}. Default ${WAF_RATE_LIMIT_DEFAULT} per 5 minutes: far above one user's app, below a scraper or a password-guessing script; generous because mobile users can share a carrier-NAT address.`,
      ),
    rateWindowSeconds: rateWindow
      .default(WAF_RATE_WINDOW_DEFAULT)
      .describe(
        `The window the rate limit counts over, in seconds: ${WAF_RATE_WINDOWS.join(", ")} (what AWS WAF offers).`,
      ),
    allowPaths: uniqueList(pathPrefix, "path prefixes").describe(
      "URL path prefixes whose requests skip the rate limit (not the managed rules), e.g. `/health` for health checks or `/webhooks/` for a partner's webhook bursts. Each starts with `/`.",
    ),
    allowCidrs: uniqueList(allowCidr, "CIDR blocks").describe(
      "Client addresses (IPv4 or IPv6 CIDR blocks, e.g. an office or a partner's webhook senders) that skip the rate limit (not the managed rules), through a WAF IP set.",
    ),
    sqlInjection: booleanFlag
      .default(true)
      .describe(
        "Adds AWS's SQL database managed rule group (AWSManagedRulesSQLiRuleSet): the Rails API's data lives in PostgreSQL. $1 a month.",
      ),
    linux: booleanFlag
      .default(true)
      .describe(
        "Adds AWS's Linux operating system managed rule group (AWSManagedRulesLinuxRuleSet): the containers run Linux. $1 a month.",
      ),
  })
    .prefault({})
    .describe(
      "The web application firewall: one AWS WAF web ACL per stack with AWS's managed rule groups (core rule set, known bad inputs, and the SQL-injection and Linux sets), a rate limit per client IP with allow-listed paths and addresses, and blocked (in count mode: counted) requests logged to the log group `aws-waf-logs-<stack>`.",
    );
}

export type WafConfig = z.output<ReturnType<typeof wafSchema>>;
