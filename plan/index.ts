/**
 * The offline plan of a stack: its resources, inventory, monthly cost, the Heroku comparison and
 * the assumptions behind them, as one document (printed as text or as JSON). The text is made of
 * sections; another part of the plan (e.g. rule results) adds a section to `PLAN_SECTIONS` and a
 * key to the document in `buildPlan`.
 */
import { ConfigError, parseStackConfig } from "../components/config";
import { readStackConfig } from "../components/config/stack-files";
import { RecordedResource, synthesize } from "./engine/synth";
import { Assumptions, assumptionsFor, describeAssumptions } from "./assumptions";
import { PlanSchedule, planSchedule, scheduleAssumption } from "./schedule";
import { CostEstimate, estimateCost } from "./cost";
import { renderCost, renderLevers } from "./cost-text";
import { CostLevers, endpointBreakEven, largestLevers } from "./levers";
import { estimateHeroku, HerokuEstimate } from "./heroku";
import { renderHeroku } from "./heroku-text";
import { buildInventory, Inventory, renderInventory } from "./inventory";
import { DEFAULT_PRICES, PriceTable } from "./price-table";
import { availabilityZoneCount, byTypeAndName, shortType, TYPES } from "./resources";
import { componentName } from "./cost-context";
import { fitLines, usd, wrap } from "./text";
import {
  evaluateRules,
  formatWaiver,
  fromRecords,
  ruleEnvironment,
  RULES,
  rulesCounts,
  RulesReport,
  rulesReport,
  RuleWaiver,
  staleWaiverProblems,
  waiverProblems,
} from "../rules";

export { usd };

export interface PlanResource {
  readonly type: string;
  readonly name: string;
  /** The parent component, or null at the top of the program. */
  readonly parent: { readonly type: string; readonly name: string } | null;
  readonly inputs: Record<string, unknown>;
}

export interface PlanDocument {
  readonly stack: string;
  readonly environment: string;
  readonly region: string;
  /** Every resource the program declares, sorted by type and name. */
  readonly resources: PlanResource[];
  readonly inventory: Inventory;
  readonly cost: CostEstimate;
  readonly heroku: HerokuEstimate;
  /** `schedule`: the stack's off hours, when it has them (plan/schedule.ts). */
  readonly assumptions: Assumptions & {
    readonly statements: string[];
    readonly schedule?: PlanSchedule;
  };
  /** The security and reliability rules over these resources (rules/). */
  readonly rules: RulesReport;
  /** The largest line items with the config change that reduces each (plan/levers.ts). */
  readonly levers: CostLevers;
}

export interface PlanInput {
  readonly stack: string;
  readonly environment: string;
  readonly region: string;
  readonly resources: readonly RecordedResource[];
  /** @default the environment's assumptions */
  readonly assumptions?: Assumptions;
  /** @default the repository's price table */
  readonly prices?: PriceTable;
  /** The stack's `vitcord-infra:ruleWaivers`. @default none */
  readonly waivers?: readonly RuleWaiver[];
  /** The day waivers' expiry is checked against, YYYY-MM-DD. @default the real date */
  readonly today?: string;
}

/**
 * The rules over the plan's resources with the stack's waivers. A bad waiver (unknown rule, a
 * mandatory one in prod, expired) or a stale one (it waives nothing) is a ConfigError.
 */
export function planRules(
  resources: readonly RecordedResource[],
  environment: string,
  waivers: readonly RuleWaiver[] = [],
  today?: string,
): RulesReport {
  const ruleEnv = ruleEnvironment(environment);
  const problems = waiverProblems(waivers, { environment: ruleEnv, today, rules: RULES });
  if (problems.length > 0) throw new ConfigError(problems);
  const indexed = waivers.map((waiver, index) => ({ waiver, index }));
  const evaluation = evaluateRules(fromRecords(resources), ruleEnv, RULES, indexed);
  const used = new Set(evaluation.waivedFindings.map((w) => w.waiver.index));
  const stale = staleWaiverProblems(waivers, used);
  if (stale.length > 0) throw new ConfigError(stale);
  return rulesReport(evaluation);
}

/** Assembles the plan document: one place for every part of the plan. */
export function buildPlan(input: PlanInput): PlanDocument {
  const assumptions = input.assumptions ?? assumptionsFor(input.environment);
  const resources = input.resources;
  const plan: Omit<PlanDocument, "levers"> = {
    stack: input.stack,
    environment: input.environment,
    region: input.region,
    resources: [...resources].sort(byTypeAndName).map((r) => ({
      type: r.type,
      name: r.name,
      parent: r.parent ? { type: r.parent.type, name: r.parent.name } : null,
      inputs: r.inputs,
    })),
    inventory: buildInventory(resources),
    cost: estimateCost(resources, { region: input.region, assumptions, prices: input.prices }),
    heroku: estimateHeroku(resources),
    assumptions: withSchedule(assumptions, planSchedule(resources, assumptions.hoursPerMonth)),
    rules: planRules(resources, input.environment, input.waivers, input.today),
  };
  return { ...plan, levers: planLevers(plan, resources, input.prices) };
}

/** The cost's levers: the largest line items with what would reduce them, the endpoints' break-even. */
function planLevers(
  plan: Omit<PlanDocument, "levers">,
  resources: readonly RecordedResource[],
  prices: PriceTable = DEFAULT_PRICES,
): CostLevers {
  const ctx = {
    environment: plan.environment,
    region: plan.region,
    assumptions: plan.assumptions,
    prices,
    schedule: plan.assumptions.schedule,
    networkComponents: new Set(
      resources.filter((r) => r.type === TYPES.vpc).map((vpc) => componentName(resources, vpc)),
    ),
  };
  const endpoints = endpointBreakEven(plan.rules, availabilityZoneCount(resources) ?? 0, ctx);
  return {
    largest: largestLevers(plan.cost, ctx),
    ...(endpoints === undefined ? {} : { endpoints }),
  };
}

/**
 * Synthesizes a stack from its Pulumi.<stack>.yaml (or the given config) and builds its plan;
 * returns the recorded resources too (the diagram reads their parents). Throws the program's ConfigError or the UnknownStackError as they are.
 */
export async function planStack(
  stack: string,
  options: { config?: Record<string, string>; assumptions?: Assumptions; today?: string } = {},
): Promise<{ plan: PlanDocument; resources: readonly RecordedResource[] }> {
  const config = options.config ?? readStackConfig(stack);
  // The config as the program will read it, and the waivers checked against the rules, before
  // anything is declared (a stale waiver can only be told after: buildPlan).
  const parsed = parseStackConfig(stack, config);
  const waivers = parsed.ruleWaivers;
  const problems = waiverProblems(waivers, {
    environment: ruleEnvironment(parsed.environment),
    today: options.today,
    rules: RULES,
  });
  if (problems.length > 0) throw new ConfigError(problems);
  const synthesis = await synthesize({ stack, config });
  const environment =
    typeof synthesis.outputs.environment === "string"
      ? synthesis.outputs.environment
      : (config["vitcord-infra:environment"] ?? "unknown");
  const plan = buildPlan({
    stack,
    environment,
    region: config["aws:region"] ?? "us-east-1",
    resources: synthesis.resources,
    assumptions: options.assumptions,
    waivers,
    today: options.today,
  });
  return { plan, resources: synthesis.resources };
}

/** The assumptions with the stack's off hours, which price its scheduled resources' hours. */
function withSchedule(
  assumptions: Assumptions,
  schedule: PlanSchedule | undefined,
): PlanDocument["assumptions"] {
  const statements = describeAssumptions(assumptions);
  if (schedule === undefined) return { ...assumptions, statements };
  return {
    ...assumptions,
    schedule,
    statements: [...statements, scheduleAssumption(schedule, assumptions.hoursPerMonth)],
  };
}

/** The rule results: the counts, then each violation with its rule, resource and message. */
function renderRules(report: RulesReport): string[] {
  const lines = wrap(
    `Security and reliability rules (${report.environment}): ${rulesCounts(report)}`,
    "",
    "  ",
  );
  const finding = (v: RulesReport["violations"][number]) => {
    const where = v.resource ? `${v.resource.name} (${shortType(v.resource.type)})` : "stack";
    return `${v.ruleId} [${v.enforcement}] ${where}: ${v.message}`;
  };
  for (const v of report.violations) lines.push(...wrap(finding(v), "  ", "    "));
  if (report.waivedFindings.length > 0) {
    lines.push("  Waived (vitcord-infra:ruleWaivers; not violations):");
    for (const w of report.waivedFindings) {
      lines.push(
        ...wrap(finding(w), "    ", "      "),
        ...wrap(formatWaiver(w), "      ", "        "),
      );
    }
  }
  if (report.mandatoryViolations > 0) {
    lines.push(
      `  ${report.mandatoryViolations} mandatory violation(s): this stack must not be deployed`,
    );
  }
  return lines;
}

function renderAssumptions(plan: PlanDocument): string[] {
  return ["Assumptions:", ...plan.assumptions.statements.flatMap((s) => wrap(s, "  - ", "    "))];
}

export interface PlanSection {
  readonly title: string;
  render(plan: PlanDocument): string[];
}

/** The printed plan, in order. Add a section here to add it to `npm run plan`. */
export const PLAN_SECTIONS: PlanSection[] = [
  {
    title: "header",
    render: (p) => [`Plan for stack ${p.stack} (${p.environment}, ${p.region})`],
  },
  { title: "inventory", render: (p) => renderInventory(p.inventory) },
  { title: "cost", render: (p) => [...renderCost(p.cost, p.region), ...renderLevers(p.levers)] },
  { title: "heroku", render: (p) => renderHeroku(p.heroku, p.cost) },
  { title: "assumptions", render: renderAssumptions },
  { title: "rules", render: (p) => renderRules(p.rules) },
];

/** The plan as text; no line is wider than PLAN_WIDTH (plan/text.ts) columns. */
export function renderPlan(plan: PlanDocument, sections = PLAN_SECTIONS): string {
  return sections.map((s) => fitLines(s.render(plan)).join("\n")).join("\n\n") + "\n";
}

/** Object keys sorted at every level, so the same plan always serializes to the same text. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

export function planJson(plan: PlanDocument): string {
  return JSON.stringify(sortKeys(plan), null, 2) + "\n";
}
