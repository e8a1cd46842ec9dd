/**
 * Rule waivers (`vitcord-infra:ruleWaivers`): a rule a stack breaks on purpose is reported as
 * waived, with its reason, instead of violated, and never silently. The config schema checks a
 * waiver's shape (components/config/waivers.ts); what needs the rules is checked here, the same way
 * for the plan (whose "today" tests inject) and the policy pack (the real date). Pure: no Pulumi.
 */
import type { RuleEnvironment, RuleInfo } from "./types";

/** One waiver, as the stack file gives it. */
export interface RuleWaiver {
  /** A rule id, e.g. `VIT-NET-11`. */
  readonly rule: string;
  /**
   * `[<type>::]<name>[#<container>]`, each part a glob (`*` any characters, `?` one): the name
   * alone, or the Pulumi type token and the name; `#<container>` narrows it to the findings that
   * name that container ("container volume-permissions: …"); `stack` is a stack-wide finding.
   */
  readonly resource: string;
  readonly reason: string;
  /** The last day the waiver holds, YYYY-MM-DD. */
  readonly expires: string;
}

/** The least a reason says (components/config/waivers.ts checks it too). */
export const REASON_MIN_LENGTH = 20;
/** A waiver ends within a year of the day it is checked, so that someone looks at it again. */
export const MAX_WAIVER_DAYS = 366;

/** Where a waiver problem is: `vitcord-infra:ruleWaivers.1.reason` (the config's key style). */
export function waiverKey(index: number, field?: keyof RuleWaiver): string {
  return `vitcord-infra:ruleWaivers.${index}${field === undefined ? "" : `.${field}`}`;
}

/** `vitcord-infra:ruleWaivers.1.rule = "VIT-XYZ-99": …`, like every other config problem. */
function problem(
  waivers: readonly RuleWaiver[],
  index: number,
  field: keyof RuleWaiver,
  message: string,
): string {
  const value = JSON.stringify(waivers[index]?.[field]);
  return `${waiverKey(index, field)} = ${value}: ${message}`;
}

/** Today in UTC as YYYY-MM-DD: the default "today" of every check. */
export function isoToday(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return isoToday(date);
}

export interface WaiverCheck {
  readonly environment: RuleEnvironment;
  /** YYYY-MM-DD. @default the real date (isoToday()) */
  readonly today?: string;
  readonly rules: readonly RuleInfo[];
}

/**
 * What is wrong with the waivers, beyond their shape: an unknown rule id, a mandatory rule waived
 * in prod, an `expires` in the past or more than a year ahead, a short reason. One line each.
 */
export function waiverProblems(waivers: readonly RuleWaiver[], check: WaiverCheck): string[] {
  const today = check.today ?? isoToday();
  const latest = addDays(today, MAX_WAIVER_DAYS);
  const problems: string[] = [];
  for (const [index, waiver] of waivers.entries()) {
    const rule = check.rules.find((r) => r.id === waiver.rule);
    if (rule === undefined) {
      problems.push(
        problem(
          waivers,
          index,
          "rule",
          "no rule has this id (docs/rules.md lists every id, or the rules section of `npm run plan`)",
        ),
      );
    } else if (rule.enforcement === "mandatory" && check.environment === "prod") {
      problems.push(
        problem(
          waivers,
          index,
          "rule",
          `${rule.id} is mandatory: mandatory rules cannot be waived in prod`,
        ),
      );
    }
    if (waiver.reason.trim().length < REASON_MIN_LENGTH) {
      problems.push(
        problem(
          waivers,
          index,
          "reason",
          `must say why the rule is waived, in at least ${REASON_MIN_LENGTH} characters`,
        ),
      );
    }
    if (!/^\d{4}-\d{2}-\d{2}$/.test(waiver.expires) || Number.isNaN(Date.parse(waiver.expires))) {
      problems.push(problem(waivers, index, "expires", "must be a date YYYY-MM-DD"));
    } else if (waiver.expires < today) {
      problems.push(
        problem(
          waivers,
          index,
          "expires",
          `the waiver expired (today is ${today}): fix the finding, or renew the waiver with a reason that still holds`,
        ),
      );
    } else if (waiver.expires > latest) {
      problems.push(
        problem(
          waivers,
          index,
          "expires",
          `must be at most a year ahead (${latest} or earlier), so that the waiver is reviewed`,
        ),
      );
    }
  }
  return problems;
}

/** The waivers `waiverProblems` has nothing against: the only ones that may waive a finding. */
export function validWaivers(
  waivers: readonly RuleWaiver[],
  check: WaiverCheck,
): { readonly waiver: RuleWaiver; readonly index: number }[] {
  return waivers
    .map((waiver, index) => ({ waiver, index }))
    .filter(({ waiver }) => waiverProblems([waiver], check).length === 0);
}

function globRegExp(glob: string): RegExp {
  const body = glob
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\/]/g, "\\$&")))
    .join("");
  return new RegExp(`^${body}$`);
}

/** The container a finding is about, when its message starts "container <name>: " (rules/ecs.ts). */
export function findingContainer(message: string): string | undefined {
  return /^container ([^:\s]+):/.exec(message)?.[1];
}

export interface WaivableFinding {
  readonly resource?: { readonly type: string; readonly name: string };
  readonly message: string;
}

/** Whether a waiver's resource pattern covers a finding (see RuleWaiver.resource). */
export function patternMatches(pattern: string, finding: WaivableFinding): boolean {
  const [target = "", container] = pattern.split("#");
  const split = target.lastIndexOf("::");
  const typeGlob = split === -1 ? undefined : target.slice(0, split);
  const nameGlob = split === -1 ? target : target.slice(split + 2);
  const type = finding.resource?.type ?? "stack";
  const name = finding.resource?.name ?? "stack";
  if (typeGlob !== undefined && !globRegExp(typeGlob).test(type)) return false;
  if (!globRegExp(nameGlob).test(name)) return false;
  if (container === undefined) return true;
  const named = findingContainer(finding.message);
  return named !== undefined && globRegExp(container).test(named);
}

/** What a waived finding carries: the waiver that covers it. */
export interface AppliedWaiver {
  /** The waiver's position in `vitcord-infra:ruleWaivers`. */
  readonly index: number;
  readonly resource: string;
  readonly reason: string;
  readonly expires: string;
}

/** The first valid waiver of `ruleId` covering the finding, if any. */
export function waiverFor(
  ruleId: string,
  finding: WaivableFinding,
  waivers: readonly { readonly waiver: RuleWaiver; readonly index: number }[],
): AppliedWaiver | undefined {
  const found = waivers.find(
    ({ waiver }) => waiver.rule === ruleId && patternMatches(waiver.resource, finding),
  );
  return (
    found && {
      index: found.index,
      resource: found.waiver.resource,
      reason: found.waiver.reason,
      expires: found.waiver.expires,
    }
  );
}

/**
 * A waiver that waives no finding is stale: the rule passes, or the resource is gone or renamed.
 * It is refused rather than kept, because a forgotten waiver would silently waive the next
 * regression that matches its pattern.
 */
export function staleWaiverProblems(
  waivers: readonly RuleWaiver[],
  used: ReadonlySet<number>,
): string[] {
  return waivers.flatMap((waiver, index) =>
    used.has(index)
      ? []
      : [
          `${waiverKey(index)}: stale: ${waiver.rule} has no finding on "${waiver.resource}" in this stack (the rule passes, or the resource is gone or renamed); remove the waiver`,
        ],
  );
}
