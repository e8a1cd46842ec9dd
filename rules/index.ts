/**
 * The security and reliability rules of vitcord-infra, in one place. `evaluateRules` runs them over
 * a stack's resources (tests and `npm run plan` offline); policy/ adapts the same rules to a
 * Pulumi policy pack for `pulumi preview --policy-pack policy`. Pure: no Pulumi import.
 */
import { ALERTING_RULES } from "./alerting";
import { COMPUTE_RULES } from "./compute";
import { DATA_RULES } from "./data";
import { DEPLOYMENT_RULES } from "./deployment";
import { ECS_RULES } from "./ecs";
import { IAM_RULES } from "./iam";
import { LOAD_BALANCING_RULES } from "./load-balancing";
import { NETWORK_RULES } from "./network";
import { OPTIONS_RULES } from "./options";
import { Enforcement, Rule, RuleEnvironment, RuleInfo, RuleResource, Severity } from "./types";
import { AppliedWaiver, RuleWaiver, waiverFor } from "./waivers";

export * from "./types";
export * from "./waivers";
export { UNKNOWN, isKnown, T as RESOURCE_TYPES } from "./util";

/** Every rule, in the order the README lists them. */
export const RULES: readonly Rule[] = [
  ...NETWORK_RULES,
  ...COMPUTE_RULES,
  ...ECS_RULES,
  ...DEPLOYMENT_RULES,
  ...IAM_RULES,
  ...LOAD_BALANCING_RULES,
  ...OPTIONS_RULES,
  ...DATA_RULES,
  ...ALERTING_RULES,
];

export function ruleById(id: string): Rule {
  const rule = RULES.find((r) => r.id === id);
  if (rule === undefined) throw new Error(`no rule ${id}`);
  return rule;
}

export interface Violation {
  readonly ruleId: string;
  readonly title: string;
  readonly enforcement: Enforcement;
  readonly severity: Severity;
  /** The resource at fault; absent for a stack-wide finding. */
  readonly resource?: { readonly type: string; readonly name: string; readonly urn: string };
  readonly message: string;
}

/** A finding a valid waiver covers: reported with the waiver's reason, not counted as a violation. */
export interface WaivedFinding extends Violation {
  readonly waiver: AppliedWaiver;
}

/** `waived`: the rule has findings and every one is waived (vitcord-infra:ruleWaivers). */
export type RuleStatus = "passed" | "violated" | "waived" | "not-applicable";

export interface RuleResult {
  readonly rule: RuleInfo;
  readonly status: RuleStatus;
  /** Resources the rule looked at. */
  readonly checked: number;
  readonly violations: readonly Violation[];
  readonly waived: readonly WaivedFinding[];
}

export interface Evaluation {
  readonly environment: RuleEnvironment;
  readonly results: readonly RuleResult[];
  readonly violations: readonly Violation[];
  readonly passed: number;
  readonly violated: number;
  /** Rules whose every finding is waived. */
  readonly waived: number;
  readonly notApplicable: number;
  /** The findings waivers cover, with each waiver's reason; never in `violations`. */
  readonly waivedFindings: readonly WaivedFinding[];
  /** Violations of mandatory rules: a plan or deployment with any of these must fail. */
  readonly mandatoryViolations: readonly Violation[];
  readonly advisoryViolations: readonly Violation[];
}

function violation(rule: Rule, message: string, resource?: RuleResource): Violation {
  return {
    ruleId: rule.id,
    title: rule.title,
    enforcement: rule.enforcement,
    severity: rule.severity,
    resource: resource && { type: resource.type, name: resource.name, urn: resource.urn },
    message,
  };
}

/** The waivers an evaluation applies: valid ones only (see `validWaivers`), with their positions. */
export type IndexedWaivers = readonly { readonly waiver: RuleWaiver; readonly index: number }[];

/** Runs one rule over a stack's resources; a finding a waiver covers is waived, not violated. */
export function evaluateRule(
  rule: Rule,
  resources: readonly RuleResource[],
  environment: RuleEnvironment,
  waivers: IndexedWaivers = [],
): RuleResult {
  const info: RuleInfo = {
    id: rule.id,
    title: rule.title,
    controls: rule.controls,
    severity: rule.severity,
    enforcement: rule.enforcement,
    environments: rule.environments,
  };
  const relevant = resources.filter(
    (r) =>
      rule.resourceTypes.includes(r.type) &&
      (rule.scope === "stack" || (rule.applies?.(r) ?? true)),
  );
  if (!rule.environments.includes(environment) || relevant.length === 0) {
    return { rule: info, status: "not-applicable", checked: 0, violations: [], waived: [] };
  }
  const context = { environment };
  const findings =
    rule.scope === "resource"
      ? relevant.flatMap((r) => rule.check(r, context).map((m) => violation(rule, m, r)))
      : rule.check(resources, context).map((f) => violation(rule, f.message, f.resource));
  const violations: Violation[] = [];
  const waived: WaivedFinding[] = [];
  for (const finding of findings) {
    const waiver = waiverFor(rule.id, finding, waivers);
    if (waiver === undefined) violations.push(finding);
    else waived.push({ ...finding, waiver });
  }
  const status: RuleStatus =
    violations.length > 0 ? "violated" : waived.length > 0 ? "waived" : "passed";
  return { rule: info, status, checked: relevant.length, violations, waived };
}

/**
 * Runs every rule that applies to the environment over a stack's resources. `waivers` are applied
 * as given: check them first (`waiverProblems`, or `validWaivers` to drop the bad ones).
 */
export function evaluateRules(
  resources: readonly RuleResource[],
  environment: RuleEnvironment,
  rules: readonly Rule[] = RULES,
  waivers: IndexedWaivers = [],
): Evaluation {
  const results = rules.map((rule) => evaluateRule(rule, resources, environment, waivers));
  const violations = results.flatMap((r) => r.violations);
  return {
    environment,
    results,
    violations,
    passed: results.filter((r) => r.status === "passed").length,
    violated: results.filter((r) => r.status === "violated").length,
    waived: results.filter((r) => r.status === "waived").length,
    waivedFindings: results.flatMap((r) => r.waived),
    notApplicable: results.filter((r) => r.status === "not-applicable").length,
    mandatoryViolations: violations.filter((v) => v.enforcement === "mandatory"),
    advisoryViolations: violations.filter((v) => v.enforcement === "advisory"),
  };
}

/** The shape the mock engine records (plan/engine/synth.ts), without importing it. */
export interface RecordedLike {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly parentUrn?: string;
  readonly inputs: Record<string, unknown>;
  readonly state: Record<string, unknown>;
  readonly protect?: boolean;
  readonly retainOnDelete?: boolean;
}

/** The mock engine's records as rule resources: inputs, the stand-ins' outputs, the options. */
export function fromRecords(records: readonly RecordedLike[]): RuleResource[] {
  return records.map((r) => ({
    type: r.type,
    name: r.name,
    urn: r.urn,
    parentUrn: r.parentUrn,
    inputs: r.inputs,
    outputs: r.state,
    options:
      r.protect === undefined && r.retainOnDelete === undefined
        ? undefined
        : { protect: r.protect === true, retainOnDelete: r.retainOnDelete === true },
  }));
}

/** One line per violation: `VIT-NET-05 [mandatory] sg-web (aws:ec2/…): message`. */
export function formatViolation(v: Violation): string {
  const where = v.resource ? `${v.resource.name} (${v.resource.type})` : "stack";
  return `${v.ruleId} [${v.enforcement}] ${where}: ${v.message}`;
}

/** `waived until 2027-06-30 (vitcord-infra:ruleWaivers.0): <reason>` */
export function formatWaiver(w: WaivedFinding): string {
  return `waived until ${w.waiver.expires} (vitcord-infra:ruleWaivers.${w.waiver.index}): ${w.waiver.reason}`;
}

/** An evaluation as plain data: what `npm run plan --json` prints under `rules`. */
export interface RulesReport {
  readonly environment: RuleEnvironment;
  readonly passed: number;
  readonly violated: number;
  /** Rules whose every finding is waived. */
  readonly waived: number;
  readonly notApplicable: number;
  readonly mandatoryViolations: number;
  readonly advisoryViolations: number;
  readonly results: readonly {
    readonly id: string;
    readonly status: RuleStatus;
    readonly enforcement: Enforcement;
    readonly checked: number;
  }[];
  readonly violations: readonly Violation[];
  /** The waived findings, each with its waiver (reason, expiry, position in the config). */
  readonly waivedFindings: readonly WaivedFinding[];
}

export function rulesReport(evaluation: Evaluation): RulesReport {
  return {
    environment: evaluation.environment,
    passed: evaluation.passed,
    violated: evaluation.violated,
    waived: evaluation.waived,
    notApplicable: evaluation.notApplicable,
    mandatoryViolations: evaluation.mandatoryViolations.length,
    advisoryViolations: evaluation.advisoryViolations.length,
    results: evaluation.results.map((r) => ({
      id: r.rule.id,
      status: r.status,
      enforcement: r.rule.enforcement,
      checked: r.checked,
    })),
    violations: evaluation.violations,
    waivedFindings: evaluation.waivedFindings,
  };
}

/** The rules line's counts: "59 passed, 0 violated, 2 waived, 4 not applicable" (waived if any). */
export function rulesCounts(
  report: Omit<RulesReport, "results" | "violations" | "waivedFindings">,
): string {
  const waived = report.waived > 0 ? `, ${report.waived} waived` : "";
  return `${report.passed} passed, ${report.violated} violated${waived}, ${report.notApplicable} not applicable`;
}

/** The report as text lines, for `npm run plan`. */
export function renderRulesReport(report: RulesReport): string[] {
  const lines = [`Security and reliability rules (${report.environment}): ${rulesCounts(report)}`];
  for (const v of report.violations) lines.push(`  ${formatViolation(v)}`);
  for (const w of report.waivedFindings) {
    lines.push(`  ${formatViolation(w)}`, `    ${formatWaiver(w)}`);
  }
  if (report.mandatoryViolations > 0) {
    lines.push(
      `  ${report.mandatoryViolations} mandatory violation(s): this stack must not be deployed`,
    );
  }
  return lines;
}

export function formatEvaluation(evaluation: Evaluation): string {
  return renderRulesReport(rulesReport(evaluation)).join("\n");
}

/** A plan or check fails (exit 1) on a mandatory violation; advisory findings never fail it. */
export function rulesExitCode(report: Pick<RulesReport, "mandatoryViolations">): 0 | 1 {
  return report.mandatoryViolations > 0 ? 1 : 0;
}

/** The environment whose rules apply: dev or prod, and prod (the strictest) for anything else. */
export function ruleEnvironment(environment: string): RuleEnvironment {
  return environment === "dev" ? "dev" : "prod";
}
