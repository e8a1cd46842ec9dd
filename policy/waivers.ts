/**
 * The stack's rule waivers (`vitcord-infra:ruleWaivers`) as the policy pack sees them. The pack is
 * a separate process that gets resources, not the stack's config, so it reads the stack file
 * (`Pulumi.<stack>.yaml` in the project root, the folder above this one, where
 * `pulumi preview --policy-pack policy` runs) and checks the waivers against the rules with the real
 * date. A bad waiver waives nothing: its findings stay violations, and the `rule-waivers` policy
 * (advisory) says why, beside every waived finding with its reason.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { parse } from "yaml";
import {
  evaluateRules,
  IndexedWaivers,
  RuleEnvironment,
  RuleResource,
  RULES,
  RuleWaiver,
  staleWaiverProblems,
  validWaivers,
  waiverFor,
  waiverProblems,
} from "../rules";

const PROJECT_ROOT = path.resolve(__dirname, "..");

/** The waivers of a stack file, as written (a malformed entry becomes empty fields, refused later). */
export function readStackWaivers(stack: string, root = PROJECT_ROOT): RuleWaiver[] {
  const file = ["yaml", "yml"]
    .map((ext) => path.join(root, `Pulumi.${stack}.${ext}`))
    .find((f) => fs.existsSync(f));
  if (file === undefined) return [];
  const doc = parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  const raw = doc?.config?.["vitcord-infra:ruleWaivers"];
  if (!Array.isArray(raw)) return [];
  // YAML 1.2 (the yaml package's default) reads 2027-06-30 as text; a number stays a number.
  const text = (value: unknown) =>
    typeof value === "string" ? value : typeof value === "number" ? String(value) : "";
  return raw.map((entry: unknown) => {
    const e = (entry ?? {}) as Record<string, unknown>;
    return {
      rule: text(e.rule),
      resource: text(e.resource),
      reason: text(e.reason),
      expires: text(e.expires),
    };
  });
}

export interface StackWaivers {
  readonly waivers: readonly RuleWaiver[];
  /** The ones without a problem: the only ones that waive anything. */
  readonly valid: IndexedWaivers;
  readonly problems: readonly string[];
}

/** The stack's waivers checked for its environment on `today` (the real date by default). */
export function checkStackWaivers(
  waivers: readonly RuleWaiver[],
  environment: RuleEnvironment,
  today?: string,
): StackWaivers {
  const check = { environment, today, rules: RULES };
  return {
    waivers,
    valid: validWaivers(waivers, check),
    problems: waiverProblems(waivers, check),
  };
}

const cache = new Map<string, StackWaivers>();

/** A stack's waivers, read and checked once per stack and environment for the pack's lifetime. */
export function stackWaivers(stack: string, environment: RuleEnvironment): StackWaivers {
  const key = `${stack}/${environment}`;
  let found = cache.get(key);
  if (found === undefined) {
    found = checkStackWaivers(readStackWaivers(stack), environment);
    cache.set(key, found);
  }
  return found;
}

/** Whether a finding of `ruleId` is waived by a valid waiver. */
export function isWaived(
  waivers: StackWaivers,
  ruleId: string,
  finding: {
    readonly resource?: { readonly type: string; readonly name: string };
    readonly message: string;
  },
): boolean {
  return waiverFor(ruleId, finding, waivers.valid) !== undefined;
}

/**
 * The `rule-waivers` policy (advisory): every waived finding with its waiver's reason and expiry,
 * every bad waiver (ignored: its findings are reported by their rules), every stale one.
 */
export function waiverPolicy(
  waiversOf: (resources: readonly PolicyResource[]) => StackWaivers,
  environmentOf: (resources: readonly PolicyResource[]) => RuleEnvironment,
  toRuleResource: (resource: PolicyResource) => RuleResource,
): StackValidationPolicy {
  return {
    name: "rule-waivers",
    description:
      "Reports the findings vitcord-infra:ruleWaivers waives, each with its reason and expiry, and the waivers that are refused (unknown rule, mandatory rule in prod, expired, short reason) or stale.",
    enforcementLevel: "advisory",
    validateStack: (args, reportViolation) => {
      const waivers = waiversOf(args.resources);
      for (const problem of waivers.problems) {
        reportViolation(`${problem} (ignored: the findings it covers are reported as violations)`);
      }
      if (waivers.valid.length === 0) return;
      const environment = environmentOf(args.resources);
      const resources = args.resources.map(toRuleResource);
      const evaluation = evaluateRules(resources, environment, RULES, waivers.valid);
      for (const w of evaluation.waivedFindings) {
        reportViolation(
          `${w.ruleId} waived until ${w.waiver.expires} (vitcord-infra:ruleWaivers.${w.waiver.index}): ${w.waiver.reason} — finding: ${w.message}`,
          w.resource?.urn,
        );
      }
      const used = new Set(evaluation.waivedFindings.map((w) => w.waiver.index));
      const validOnly = waivers.waivers.map((waiver, index) =>
        waivers.valid.some((v) => v.index === index) ? waiver : undefined,
      );
      for (const stale of staleWaiverProblems(waivers.waivers, used)) {
        const index = Number(/ruleWaivers\.(\d+)/.exec(stale)?.[1]);
        if (validOnly[index] !== undefined) reportViolation(stale);
      }
    },
  };
}
