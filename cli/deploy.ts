import type { OpMap, OutputMap, UpdateSummary } from "@pulumi/pulumi/automation";
import { checkCredentials } from "./aws";
import type { AutomationStack, CliContext } from "./context";
import { CliError, PulumiNotInstalledError } from "./errors";
import { countChanges, formatChanges, formatDuration, Progress } from "./progress";
import { describeScale, planScale, scalingBoundsOf } from "./scale";
import { openStack } from "./workspace";
import {
  checkConfigChanges,
  ConfigChange,
  configPathKey,
  configValueAt,
  isProtected,
  loadStack,
  parseCount,
  parseImageTag,
  peekStack,
  resolveWorkload,
  StackInfo,
} from "./workloads";

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

/** Commands that change a protected (prod) stack go through here first. */
export async function confirmProtected(
  ctx: CliContext,
  info: StackInfo,
  action: string,
  yes: boolean | undefined,
): Promise<void> {
  if (!isProtected(info) || yes === true) return;
  if (!ctx.interactive) {
    throw new CliError(
      `Refusing to ${action} stack ${info.stack}: it is a protected ${info.environment} stack. ` +
        "Pass --yes to confirm (CI does this behind its approval gate), or run it in a terminal.",
    );
  }
  const answer = await ctx.prompt(
    `Stack ${info.stack} is ${info.environment}. Type the stack name to ${action} it: `,
  );
  if (answer.trim() !== info.stack) {
    throw new CliError(`Not confirmed (expected "${info.stack}"); nothing was changed.`);
  }
}

/** The Pulumi CLI, then AWS credentials, then the stack: the order a user fixes them in. */
async function prepare(ctx: CliContext, info: StackInfo, opts: StackOptions) {
  if (ctx.findExecutable("pulumi") === undefined) throw new PulumiNotInstalledError();
  await checkCredentials(ctx.aws(info.region).sts);
  return openStack(ctx, info, { secretsProvider: opts.secretsProvider });
}

interface Outcome {
  readonly changes?: OpMap;
  readonly summary?: UpdateSummary;
  readonly outputs?: OutputMap;
}

/** Runs one engine operation with live progress, then prints its summary. */
async function operate(
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
  if (command === "up" || command === "destroy")
    await confirmProtected(ctx, info, command, opts.yes);
  const stack = await prepare(ctx, info, opts);
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
async function applyChanges(stack: AutomationStack, changes: readonly ConfigChange[]) {
  for (const { path, value } of changes) {
    if (value === undefined) await stack.removeConfig(configPathKey(path), true);
    else await stack.setConfig(configPathKey(path), { value }, true);
  }
}

/** `release <service> <imageTag>`: set the tag in the stack config and deploy it. */
export async function releaseCommand(
  ctx: CliContext,
  service: string,
  tag: string,
  opts: StackOptions,
): Promise<number> {
  parseImageTag(tag);
  const info = loadStack(opts.stack, ctx.projectDir);
  resolveWorkload(info, service, ["service"]);
  // A service pinned to an explicit `image` (dev starts on public images) moves to its own ECR
  // repository: `image` and `imageTag` are exclusive, so the release removes `image`.
  const pinned = configValueAt(opts.stack, ctx.projectDir, ["services", service, "image"]);
  const changes: ConfigChange[] = [
    ...(pinned !== undefined ? [{ path: ["services", service, "image"] as const }] : []),
    { path: ["services", service, "imageTag"], value: tag },
  ];
  checkConfigChanges(opts.stack, ctx.projectDir, changes);
  await confirmProtected(ctx, info, `release ${service} ${tag} to`, opts.yes);
  const stack = await prepare(ctx, info, opts);
  await applyChanges(stack, changes);
  if (pinned !== undefined) {
    ctx.stderr.write(
      `${service} ran the image ${JSON.stringify(pinned)}; from now on it runs its ECR repository at the released tag.\n`,
    );
  }
  ctx.stderr.write(
    `Releasing ${service}:${tag} to ${opts.stack} (Pulumi.${opts.stack}.yaml updated; commit it). ` +
      "ECS replaces tasks one by one; if the new ones fail their health checks, the deployment " +
      "circuit breaker rolls the service back to the previous task definition.\n",
  );
  await operate(ctx, stack, "up", opts, `release ${service} ${tag}`);
  if (opts.json !== true) {
    ctx.stdout.write(
      `Released ${service}:${tag}. Check the rollout: npm run infra -- status --stack ${opts.stack}\n`,
    );
  }
  return 0;
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
  checkConfigChanges(opts.stack, ctx.projectDir, plan.changes);
  await confirmProtected(ctx, info, `scale ${name} to ${count} in`, opts.yes);
  const stack = await prepare(ctx, info, opts);
  await applyChanges(stack, plan.changes);
  ctx.stderr.write(
    `Scaling ${name} to ${count} in ${opts.stack} (Pulumi.${opts.stack}.yaml updated; commit it). ` +
      `${describeScale(name, count, plan)}\n`,
  );
  const bounds = `${min !== undefined ? ` --min ${min}` : ""}${max !== undefined ? ` --max ${max}` : ""}`;
  await operate(ctx, stack, "up", opts, `scale ${name} ${count}${bounds}`);
  return 0;
}
