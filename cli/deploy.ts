import * as fs from "node:fs";
import * as path from "node:path";
import type { OpMap, OutputMap, UpdateSummary } from "@pulumi/pulumi/automation";
import { readStackFile } from "../components/config/stack-files";
import { checkCredentials } from "./aws";
import { missingImages } from "./bootstrap";
import { formatChecks } from "./bootstrap-plan";
import { confirmWithPreview } from "./confirm";
import type { AutomationStack, CliContext } from "./context";
import { CliError, PulumiNotInstalledError } from "./errors";
import { checkCleanTree } from "./git";
import { countChanges, formatChanges, formatDuration, Progress } from "./progress";
import { describeScale, planScale, scalingBoundsOf } from "./scale";
import { verifyUp } from "./rollout";
import { openStack } from "./workspace";
import {
  checkConfigChanges,
  ConfigChange,
  configPathKey,
  isProtected,
  loadStack,
  parseCount,
  peekStack,
  resolveWorkload,
  StackInfo,
} from "./workloads";

// Release and rollback (cli/release.ts) go through the same gate: see confirmWithPreview.
export { confirmWithPreview } from "./confirm";
export type { ProtectedChange } from "./confirm";

export type StackCommand = "preview" | "up" | "refresh" | "destroy";

/** Options shared by every command that opens a stack. */
export interface StackOptions {
  readonly stack: string;
  readonly json?: boolean;
  readonly yes?: boolean;
  /** Policy pack directories (e.g. `policy`) run on preview and up. */
  readonly policyPack?: readonly string[];
  readonly secretsProvider?: string;
}

/** True on a CI runner (GitHub Actions and most others set CI=true). */
export function isCI(env: CliContext["env"]): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== "" && ci !== "false";
}

/**
 * Before a laptop changes a protected stack: the working tree must be committed and in step with
 * its upstream (see checkCleanTree), or the next CI deploy undoes what this one deploys. CI deploys
 * the commit it checked out and commits what it changes, so the check is skipped there.
 */
export async function checkWorkingTree(
  ctx: CliContext,
  info: StackInfo,
  action: string,
): Promise<void> {
  if (!isProtected(info) || isCI(ctx.env)) return;
  await checkCleanTree(ctx.git, ctx.projectDir, `${action} stack ${info.stack}`);
}

/** The Pulumi CLI, then AWS credentials, then the stack: the order a user fixes them in. */
export async function prepare(
  ctx: CliContext,
  info: StackInfo,
  opts: StackOptions,
  checks: { readonly images?: boolean } = {},
) {
  if (ctx.findExecutable("pulumi") === undefined) throw new PulumiNotInstalledError();
  const caller = await checkCredentials(ctx.aws(info.region).sts);
  // Before the stack is opened: a refused up changes nothing.
  if (checks.images === true) await refuseMissingImages(ctx, info, caller);
  return openStack(ctx, info, { secretsProvider: opts.secretsProvider });
}

export interface Outcome {
  readonly changes?: OpMap;
  readonly summary?: UpdateSummary;
  readonly outputs?: OutputMap;
}

/** Runs one engine operation with live progress, then prints its summary. */
export async function operate(
  ctx: CliContext,
  stack: AutomationStack,
  command: StackCommand,
  opts: StackOptions,
  message?: string,
): Promise<void> {
  const progress = new Progress(ctx.stderr, `${command} ${opts.stack}`);
  const started = ctx.now();
  const common = {
    color: "never" as const,
    ...(opts.json === true ? {} : { onEvent: progress.onEvent }),
    ...(message !== undefined ? { message } : {}),
  };
  // Policy packs (the `policy/` pack) are enforced where changes are planned: preview and up.
  const policy =
    opts.policyPack !== undefined && opts.policyPack.length > 0
      ? { policyPacks: [...opts.policyPack] }
      : {};
  let outcome: Outcome;
  try {
    switch (command) {
      case "preview": {
        const result = await stack.preview({ ...common, ...policy });
        outcome = { changes: result.changeSummary };
        break;
      }
      case "up": {
        const result = await stack.up({ ...common, ...policy });
        outcome = {
          changes: result.summary.resourceChanges,
          summary: result.summary,
          outputs: result.outputs,
        };
        progress.finish();
        // Every up that changed something: each ECS service must run what this up registered.
        await verifyUp(ctx, opts.stack, result.outputs, result.summary.resourceChanges);
        break;
      }
      case "refresh": {
        const result = await stack.refresh(common);
        outcome = { changes: result.summary.resourceChanges, summary: result.summary };
        break;
      }
      case "destroy": {
        const result = await stack.destroy(common);
        outcome = { changes: result.summary.resourceChanges, summary: result.summary };
        break;
      }
    }
  } finally {
    progress.finish();
  }

  const { summary } = outcome;
  const seconds =
    progress.durationSeconds ??
    (summary?.startTime !== undefined && summary.endTime !== undefined
      ? (new Date(summary.endTime).getTime() - new Date(summary.startTime).getTime()) / 1000
      : (ctx.now() - started) / 1000);
  const counts = countChanges(outcome.changes);
  if (opts.json === true) {
    ctx.stdout.write(
      JSON.stringify({ command, stack: opts.stack, changes: counts, durationSeconds: seconds }) +
        "\n",
    );
    return;
  }
  const verb = command === "preview" ? "would be" : "done";
  ctx.stdout.write(
    `${command} ${opts.stack} ${verb}: ${formatChanges(counts)} (${formatDuration(seconds)})\n`,
  );
  for (const [name, entry] of Object.entries(serviceUrls(outcome.outputs))) {
    ctx.stdout.write(`  ${name}: ${entry}\n`);
  }
}

/** Each service's URL from an `up`'s outputs, to print after a deploy. */
function serviceUrls(outputs: OutputMap | undefined): Record<string, string> {
  const services = outputs?.services?.value as Record<string, { url?: unknown }> | undefined;
  const urls: Record<string, string> = {};
  for (const [name, entry] of Object.entries(services ?? {})) {
    if (typeof entry?.url === "string") urls[name] = entry.url;
  }
  return urls;
}

/** An `up` whose images are not in the registry would only wait for tasks that cannot start. */
async function refuseMissingImages(
  ctx: CliContext,
  info: StackInfo,
  callerArn: string,
): Promise<void> {
  const missing = await missingImages(ctx, info, callerArn);
  if (missing.length === 0) return;
  throw new CliError(
    `Refusing to up stack ${info.stack}: ${missing.length === 1 ? "an image it runs does" : `${missing.length} images it runs do`} ` +
      "not exist, so its tasks could not start and the up would wait until it times out. " +
      `Nothing was changed.\n${formatChecks(missing).trimEnd()}\n` +
      `Or run \`npm run infra -- bootstrap --stack ${info.stack}\` to check everything a first up needs.`,
  );
}

/** `preview | up | refresh | destroy --stack <name>`. */
export async function stackCommand(
  ctx: CliContext,
  command: StackCommand,
  opts: StackOptions,
): Promise<number> {
  // preview and up run the program, so its config is checked here first, without Pulumi.
  const info =
    command === "preview" || command === "up"
      ? loadStack(opts.stack, ctx.projectDir)
      : peekStack(opts.stack, ctx.projectDir);
  if (command === "up") await checkWorkingTree(ctx, info, "up");
  const stack = await prepare(ctx, info, opts, { images: command === "up" });
  if (command !== "preview") {
    await confirmWithPreview(ctx, info, stack, { operation: command, action: command }, opts);
  }
  await operate(ctx, stack, command, opts);
  return 0;
}

/** `outputs --stack <name>`: the stack's outputs, secrets masked. */
export async function outputsCommand(ctx: CliContext, opts: StackOptions): Promise<number> {
  const info = peekStack(opts.stack, ctx.projectDir);
  if (ctx.findExecutable("pulumi") === undefined) throw new PulumiNotInstalledError();
  const stack = await openStack(ctx, info, { secretsProvider: opts.secretsProvider });
  const outputs = await stack.outputs();
  const values = Object.fromEntries(
    Object.entries(outputs).map(([key, o]) => [key, o.secret ? "[secret]" : (o.value as unknown)]),
  );
  if (opts.json === true) {
    ctx.stdout.write(JSON.stringify(values, null, 2) + "\n");
    return 0;
  }
  for (const [key, value] of Object.entries(values)) {
    ctx.stdout.write(`${key}: ${typeof value === "string" ? value : JSON.stringify(value)}\n`);
  }
  return 0;
}

/** Writes config changes to the stack file through the Automation API, by path. */
export async function applyChanges(stack: AutomationStack, changes: readonly ConfigChange[]) {
  for (const { path, value } of changes) {
    if (value === undefined) await stack.removeConfig(configPathKey(path), true);
    else await stack.setConfig(configPathKey(path), { value }, true);
  }
}

/** What a config-changing deploy says: the confirmation's action, the up message, a note. */
export interface ChangeDeploy {
  /** e.g. `release api v1.4.2 to` (confirmation: "Refusing to <action> stack prod"). */
  readonly action: string;
  readonly message: string;
  /** Printed on stderr once the stack file is written. */
  readonly note?: string;
}

/**
 * The one path for config changes, shared by scale and by release, promote and rollback
 * (release.ts): the changes checked, the working tree checked (protected stacks, not in CI), the
 * stack opened, the changes written to Pulumi.<stack>.yaml, the preview and confirmation
 * (protected stacks), the up. If anything fails after the file was written (a refusal, a failed
 * up), the file gets its previous content back, so the working tree never claims a deploy that did
 * not happen.
 */
export async function deployChanges(
  ctx: CliContext,
  info: StackInfo,
  opts: StackOptions,
  changes: readonly ConfigChange[],
  what: ChangeDeploy,
): Promise<void> {
  checkConfigChanges(opts.stack, ctx.projectDir, changes);
  await checkWorkingTree(ctx, info, what.action);
  const stack = await prepare(ctx, info, opts);
  const file = path.join(ctx.projectDir, readStackFile(info.stack, ctx.projectDir).file);
  const before = fs.readFileSync(file);
  try {
    await applyChanges(stack, changes);
    if (what.note !== undefined) ctx.stderr.write(`${what.note}\n`);
    await confirmWithPreview(ctx, info, stack, { operation: "up", action: what.action }, opts);
    await operate(ctx, stack, "up", opts, what.message);
  } catch (error) {
    if (!fs.readFileSync(file).equals(before)) {
      fs.writeFileSync(file, before);
      ctx.stderr.write(`${path.basename(file)} is back to its content before this command.\n`);
    }
    throw error;
  }
}

/** `scale` options: the new autoscaling bounds, for an autoscaled workload only. */
export interface ScaleOptions extends StackOptions {
  readonly min?: string;
  readonly max?: string;
}

/**
 * `scale <workload> <count> [--min n] [--max n]`: run that many tasks. Without autoscaling it sets
 * `desiredCount`; with it, `autoscaling.min` (and `desiredCount`), since autoscaling owns the
 * running count (see planScale). Then it deploys.
 */
export async function scaleCommand(
  ctx: CliContext,
  name: string,
  countText: string,
  opts: ScaleOptions,
): Promise<number> {
  const count = parseCount(countText);
  const min = opts.min !== undefined ? parseCount(opts.min, "--min") : undefined;
  const max = opts.max !== undefined ? parseCount(opts.max, "--max") : undefined;
  const info = loadStack(opts.stack, ctx.projectDir);
  const workload = resolveWorkload(info, name);
  const current = scalingBoundsOf(opts.stack, ctx.projectDir, workload);
  const plan = planScale({ workload, stack: opts.stack, count, min, max }, current);
  const bounds = `${min !== undefined ? ` --min ${min}` : ""}${max !== undefined ? ` --max ${max}` : ""}`;
  await deployChanges(ctx, info, opts, plan.changes, {
    action: `scale ${name} to ${count} in`,
    message: `scale ${name} ${count}${bounds}`,
    note:
      `Scaling ${name} to ${count} in ${opts.stack} (Pulumi.${opts.stack}.yaml updated; commit it). ` +
      describeScale(name, count, plan),
  });
  return 0;
}
