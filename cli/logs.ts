// `logs <workload>`: a workload's CloudWatch log group.
import type { CliContext } from "./context";
import { CliError } from "./errors";
import { openLive } from "./live";
import { parseSince, printFiltered } from "./logs-stream";
import type { ObserveOptions } from "./observe";
import { required, resolveWorkload, Workload, workloadOutputs } from "./workloads";

/** How often `logs --follow` asks for new events. */
export const FOLLOW_INTERVAL_MS = 2_000;

/** `logs <workload> [--since 1h] [--follow]`: the workload's CloudWatch log group. */
export async function logsCommand(
  ctx: CliContext,
  name: string,
  opts: ObserveOptions & { readonly since?: string; readonly follow?: boolean },
): Promise<number> {
  const since = parseSince(opts.since ?? "1h");
  if (Number.isNaN(since)) {
    throw new CliError(
      `Invalid --since ${JSON.stringify(opts.since)}: a number and a unit, e.g. 30s, 15m, 1h, 2d.`,
    );
  }
  let workload: Workload | undefined;
  const live = await openLive(ctx, opts.stack, opts.secretsProvider, (info) => {
    workload = resolveWorkload(info, name);
  });
  const entry = workloadOutputs(live.outputs, workload!, opts.stack);
  const logGroupName = required(entry.logGroupName, `${name}.logGroupName`, opts.stack);
  const seen = new Set<string>();
  let startTime = ctx.now() - since;
  for (;;) {
    const newest = await printFiltered(live.aws.logs, ctx.stdout, {
      logGroupName,
      startTime,
      seen,
    });
    if (opts.follow !== true) return 0;
    // Ask again from the newest event seen (ids dedupe events sharing its millisecond).
    startTime = newest;
    await ctx.sleep(FOLLOW_INTERVAL_MS);
    if (ctx.signal?.aborted === true) return 0;
  }
}
