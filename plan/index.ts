/**
 * The offline plan of a stack: its resources, inventory, monthly cost, the Heroku comparison and
 * the assumptions behind them, as one document (printed as text or as JSON). The text is made of
 * sections; another part of the plan (e.g. rule results) adds a section to `PLAN_SECTIONS` and a
 * key to the document in `buildPlan`.
 */
import { readStackConfig } from "../components/config/stack-files";
import { RecordedResource, synthesize } from "./engine/synth";
import { Assumptions, assumptionsFor, describeAssumptions } from "./assumptions";
import { CostEstimate, estimateCost } from "./cost";
import { dynoMemory, estimateHeroku, HerokuEstimate, HerokuFigure } from "./heroku";
import { buildInventory, Inventory, renderInventory } from "./inventory";
import { PriceTable } from "./price-table";
import { byTypeAndName, shortType } from "./resources";
import {
  evaluateRules,
  fromRecords,
  renderRulesReport,
  ruleEnvironment,
  RulesReport,
  rulesReport,
} from "../rules";

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
  readonly assumptions: Assumptions & { readonly statements: string[] };
  /** The security and reliability rules over these resources (rules/). */
  readonly rules: RulesReport;
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
}

/** Assembles the plan document: one place for every part of the plan. */
export function buildPlan(input: PlanInput): PlanDocument {
  const assumptions = input.assumptions ?? assumptionsFor(input.environment);
  const resources = input.resources;
  return {
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
    assumptions: { ...assumptions, statements: describeAssumptions(assumptions) },
    rules: rulesReport(evaluateRules(fromRecords(resources), ruleEnvironment(input.environment))),
  };
}

/**
 * Synthesizes a stack from its Pulumi.<stack>.yaml (or the given config) and builds its plan;
 * returns the recorded resources too (the diagram reads their parents). Throws the program's ConfigError or the UnknownStackError as they are.
 */
export async function planStack(
  stack: string,
  options: { config?: Record<string, string>; assumptions?: Assumptions } = {},
): Promise<{ plan: PlanDocument; resources: readonly RecordedResource[] }> {
  const config = options.config ?? readStackConfig(stack);
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
  });
  return { plan, resources: synthesis.resources };
}

/** "$1,234.50" */
export function usd(value: number): string {
  return `$${value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

function quantity(value: number): string {
  return value.toLocaleString("en-US", { maximumFractionDigits: 2 });
}

function renderCost(plan: PlanDocument): string[] {
  const { cost } = plan;
  // The total never hides what it leaves out.
  const unpriced = cost.unpriced.length;
  const more = unpriced > 0 ? ` + ${unpriced} unpriced item${unpriced === 1 ? "" : "s"}` : "";
  const lines = [
    `Monthly cost estimate (${cost.currency}, ${plan.region}, list prices): ${usd(cost.total)}${more}`,
  ];
  const width = Math.max(30, ...cost.lines.map((l) => l.item.length)) + 2;
  for (const { component, monthly } of cost.byComponent) {
    lines.push(`  ${component.padEnd(width + 28)}${usd(monthly).padStart(12)}`);
    for (const l of cost.lines.filter((line) => line.component === component)) {
      const amount = `${quantity(l.quantity)} ${l.unit} × $${l.unitPrice}`;
      lines.push(
        `    ${l.item.padEnd(width)}${amount.padEnd(26)}${usd(l.monthly).padStart(12)}  ${l.source}`,
      );
    }
  }
  if (cost.unpriced.length > 0) {
    lines.push("  Unpriced (no price in the table; not in the total):");
    for (const u of cost.unpriced)
      lines.push(`    ${u.component}: ${u.name} (${u.type}): ${u.reason}`);
  }
  const freeCount = cost.free.reduce((sum, f) => sum + f.count, 0);
  lines.push(
    `  No charge of their own: ${freeCount} resources (${cost.free.map((f) => `${shortType(f.type)} ${f.count}`).join(", ")})`,
  );
  return lines;
}

function renderHerokuFigure(figure: HerokuFigure, about: string): string[] {
  const lines = [`  ${`${figure.name} (${about})`.padEnd(74)}${usd(figure.total).padStart(12)}`];
  if (figure.space) {
    const fee = `${figure.space.name} fee`;
    lines.push(
      `    ${fee.padEnd(72)}${usd(figure.space.monthly).padStart(12)}  ${figure.space.source}`,
    );
  }
  for (const l of figure.lines) {
    const what = `${l.tasks} × ${l.dyno} (${dynoMemory(l.dynoMemoryMiB)}) for ${l.memoryMiB} MiB tasks`;
    lines.push(
      `    ${l.workload.padEnd(20)}${what.padEnd(52)}${usd(l.monthly).padStart(12)}  ${l.source}`,
    );
  }
  for (const u of figure.unpriced) lines.push(`    not in the total: ${u}`);
  return lines;
}

function renderHeroku(plan: PlanDocument): string[] {
  const { heroku, cost } = plan;
  const { privateSpace, commonRuntime } = heroku;
  const lines = [
    `The same workloads on Heroku (list prices): ${usd(privateSpace.total)} per month in a Private Space, ${usd(commonRuntime.total)} on the Common Runtime`,
    ...renderHerokuFigure(privateSpace, "a private network, like the VPC"),
    ...renderHerokuFigure(commonRuntime, "no private network; for reference"),
  ];
  for (const note of heroku.notes) lines.push(`  Note: ${note}`);
  lines.push("  Sources:");
  for (const [key, text] of Object.entries(heroku.sources)) lines.push(`    ${key}: ${text}`);
  const left = privateSpace.unpriced.length;
  const more = left > 0 ? ` + ${left} workload${left === 1 ? "" : "s"} not in it` : "";
  lines.push(
    `  AWS estimate ${usd(cost.total)} vs Heroku Private Space ${usd(privateSpace.total)}${more} (Common Runtime, without a private network: ${usd(commonRuntime.total)})`,
  );
  return lines;
}

function renderAssumptions(plan: PlanDocument): string[] {
  return ["Assumptions:", ...plan.assumptions.statements.map((s) => `  - ${s}`)];
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
  { title: "cost", render: renderCost },
  { title: "heroku", render: renderHeroku },
  { title: "assumptions", render: renderAssumptions },
  { title: "rules", render: (p) => renderRulesReport(p.rules) },
];

export function renderPlan(plan: PlanDocument, sections = PLAN_SECTIONS): string {
  return sections.map((s) => s.render(plan).join("\n")).join("\n\n") + "\n";
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
