// The gate in front of every change to a protected (prod) stack: a preview listing each resource
// that would change, then the stack name typed at a terminal, or --yes.
import type { EngineEvent, OpMap, OpType } from "@pulumi/pulumi/automation";
import type { AutomationStack, CliContext } from "./context";
import { CliError } from "./errors";
import { countChanges, formatChanges } from "./progress";
import { isProtected, StackInfo } from "./workloads";

/** What is about to happen to a protected stack. */
export interface ProtectedChange {
  /** The engine operation that follows, which decides the preview: up, refresh or destroy. */
  readonly operation: "up" | "refresh" | "destroy";
  /** The words for the question and the refusal: "up", "release api v2 to", "scale jobs to 3 in". */
  readonly action: string;
}

/** The options the gate reads: --yes, and the policy packs an up runs (its preview runs them too). */
export interface ConfirmOptions {
  readonly yes?: boolean;
  readonly policyPack?: readonly string[];
}

/** One resource the preview says would change. */
export interface PlannedStep {
  readonly op: "create" | "update" | "replace" | "delete" | "import";
  readonly urn: string;
  readonly type: string;
  /** The properties that differ (updates and replacements), when the engine says. */
  readonly diffs: readonly string[];
}

const STEP_OPS: Partial<Record<OpType, PlannedStep["op"]>> = {
  create: "create",
  update: "update",
  replace: "replace",
  "create-replacement": "replace",
  "delete-replaced": "replace",
  delete: "delete",
  discard: "delete",
  import: "import",
  "import-replacement": "replace",
};
/** When one resource has several steps (a replacement has three), the strongest one shows. */
const STRENGTH: Record<PlannedStep["op"], number> = {
  replace: 4,
  delete: 3,
  create: 2,
  import: 2,
  update: 1,
};

/** The changing resources of a preview's events, by URN, in the order the engine planned them. */
export function plannedSteps(events: readonly EngineEvent[]): PlannedStep[] {
  const steps = new Map<string, PlannedStep>();
  for (const event of events) {
    const metadata = event.resourcePreEvent?.metadata ?? event.resOutputsEvent?.metadata;
    const op = metadata !== undefined ? STEP_OPS[metadata.op] : undefined;
    if (metadata === undefined || op === undefined) continue;
    const previous = steps.get(metadata.urn);
    if (previous !== undefined && STRENGTH[previous.op] >= STRENGTH[op]) continue;
    const diffs = metadata.diffs ?? metadata.keys ?? previous?.diffs ?? [];
    steps.set(metadata.urn, { op, urn: metadata.urn, type: metadata.type, diffs });
  }
  return [...steps.values()];
}

const SYMBOLS: Record<PlannedStep["op"], string> = {
  create: "+ create ",
  update: "~ update ",
  replace: "+-replace",
  delete: "- delete ",
  import: "= import ",
};

/** The preview as text: a headline with the counts, then one line per changing resource. */
export function formatPreview(
  stack: string,
  action: string,
  summary: OpMap,
  steps: readonly PlannedStep[],
): string {
  const head = `Preview of ${action} stack ${stack}: ${formatChanges(countChanges(summary))}\n`;
  if (steps.length === 0) return `${head}  (no resource changes)\n`;
  const width = Math.max(...steps.map((step) => step.type.length));
  const lines = steps.map((step) => {
    const name = step.urn.split("::").pop() ?? step.urn;
    const diffs = step.diffs.length > 0 ? `  [${step.diffs.join(", ")}]` : "";
    return `  ${SYMBOLS[step.op]} ${step.type.padEnd(width)}  ${name}${diffs}\n`;
  });
  return head + lines.join("");
}

/** Runs the preview that matches the operation, collecting its events. */
async function runPreview(
  stack: AutomationStack,
  operation: ProtectedChange["operation"],
  opts: ConfirmOptions,
): Promise<{ summary: OpMap; steps: PlannedStep[] }> {
  const events: EngineEvent[] = [];
  const common = { color: "never" as const, onEvent: (event: EngineEvent) => events.push(event) };
  const packs = opts.policyPack ?? [];
  const policy = packs.length > 0 ? { policyPacks: [...packs] } : {};
  const result =
    operation === "up"
      ? await stack.preview({ ...common, ...policy })
      : operation === "refresh"
        ? await stack.previewRefresh(common)
        : await stack.previewDestroy(common);
  return { summary: result.changeSummary, steps: plannedSteps(events) };
}

/**
 * On a protected stack: previews the change, prints each resource that would change (stderr), then
 * takes --yes or asks for the stack name. Without a terminal and without --yes it refuses after
 * the preview. Unprotected stacks pass straight through. Throws a CliError when not confirmed.
 */
export async function confirmWithPreview(
  ctx: CliContext,
  info: StackInfo,
  stack: AutomationStack,
  change: ProtectedChange,
  opts: ConfirmOptions,
): Promise<void> {
  if (!isProtected(info)) return;
  ctx.stderr.write(`Previewing ${change.action} stack ${info.stack}…\n`);
  const { summary, steps } = await runPreview(stack, change.operation, opts);
  ctx.stderr.write(formatPreview(info.stack, change.action, summary, steps));
  if (opts.yes === true) return;
  if (!ctx.interactive) {
    throw new CliError(
      `Refusing to ${change.action} stack ${info.stack}: it is a protected ${info.environment} stack. ` +
        "The preview above shows what would change; pass --yes to confirm (CI does this behind its " +
        "approval gate), or run it in a terminal.",
    );
  }
  const answer = await ctx.prompt(
    `Stack ${info.stack} is ${info.environment}. Type the stack name to ${change.action} it: `,
  );
  if (answer.trim() !== info.stack) {
    throw new CliError(`Not confirmed (expected "${info.stack}"); nothing was changed.`);
  }
}
