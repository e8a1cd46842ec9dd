import { z } from "zod";
import { strictObject } from "./schema-helpers";

/**
 * `vitcord-infra:ruleWaivers`: security and reliability rules (rules/) a stack breaks on purpose,
 * each with its reason and an end date. The shape is checked here, with the rest of the config;
 * what needs the rule module (is the id a rule, is it mandatory, has it expired, does it waive
 * anything) is checked by rules/waivers.ts in the plan and the policy pack, which can see the rules.
 */

/** A waiver's reason must say something a reviewer can judge: at least this many characters. */
export const WAIVER_REASON_MIN_LENGTH = 20;

const ruleMessage =
  "must be a rule id such as VIT-NET-11 (docs/rules.md lists every id, or the rules section of `npm run plan`)";
const ruleId = z
  .string({ error: ruleMessage })
  .regex(/^VIT-[A-Z0-9]+-\d{2}$/, { error: ruleMessage })
  .meta({ patternErrorMessage: ruleMessage });

const resourceMessage =
  "must be a pattern on the resource's name (api-alb, *-task) or on type::name (aws:lb/loadBalancer:LoadBalancer::*), where * matches any characters and ? one, optionally followed by #<container> for the findings about one container of a task definition; `stack` matches the findings about the stack as a whole";
const resourcePattern = z
  .string({ error: resourceMessage })
  .regex(/^[^\s#]+(#[^\s#]+)?$/, { error: resourceMessage })
  .meta({ patternErrorMessage: resourceMessage });

const reasonMessage = `must say why the rule is waived, in at least ${WAIVER_REASON_MIN_LENGTH} characters (a reviewer reads it in the plan and the policy pack's output)`;
const reason = z
  .string({ error: reasonMessage })
  .refine((text) => text.trim().length >= WAIVER_REASON_MIN_LENGTH, { error: reasonMessage });

const expiresMessage =
  "must be a date YYYY-MM-DD (the last day the waiver holds; the plan refuses it after that day)";
/** A real calendar day: 2027-02-30 is refused. */
export function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}
// YAML reads an unquoted 2027-06-30 as a string in Pulumi's config (it keeps values as text).
const expires = z
  .string({ error: expiresMessage })
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: expiresMessage, abort: true })
  .refine(isCalendarDate, { error: expiresMessage })
  .meta({ patternErrorMessage: expiresMessage });

export const ruleWaiverSchema = strictObject({
  rule: ruleId.describe("The id of the rule waived, e.g. `VIT-NET-11` (docs/rules.md)."),
  resource: resourcePattern.describe(
    "Which findings of the rule are waived: a pattern on the resource's name (`api-alb`, `*-task`) or on `type::name` (`aws:lb/loadBalancer:LoadBalancer::*`), where `*` matches any characters and `?` one; `#<container>` after it narrows it to the findings about one container of a task definition (`jobs-task#volume-permissions`); `stack` matches the findings about the stack as a whole (e.g. VIT-NET-11).",
  ),
  reason: reason.describe(
    `Why the rule is broken on purpose, at least ${WAIVER_REASON_MIN_LENGTH} characters: printed with every waived finding in the plan and the policy pack's output.`,
  ),
  expires: expires.describe(
    "The last day (YYYY-MM-DD) the waiver holds: after it the plan refuses the waiver and the policy pack reports the finding as violated again. At most a year ahead, so that every waiver is reviewed.",
  ),
});

export type RuleWaiverConfig = z.output<typeof ruleWaiverSchema>;

export function ruleWaiversSchema() {
  return z
    .array(ruleWaiverSchema, {
      error: "must be a list of waivers { rule, resource, reason, expires }",
    })
    .default([])
    .describe(
      "Rules this stack breaks on purpose: each waived finding is reported as waived, with its reason, instead of violated (in the plan's text and JSON and in the policy pack's output). The rule id must exist, a mandatory rule cannot be waived in prod, `expires` must be today or later and at most a year ahead, and a waiver that waives nothing is refused as stale (the plan checks these; docs/rules.md).",
    );
}
