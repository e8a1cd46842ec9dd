// `logs <workload>`: the workload's app container lines from its CloudWatch log group — a bounded
// page of recent lines, or (--follow) Live Tail. AWS SDK and the operations manifest only.
import type { CliContext } from "./context";
import { CliError } from "./errors";
import { followLogs } from "./live-tail";
import { formatLine, parseSince, recentLines, streamSelection } from "./logs-stream";
import { openOps, opsWorkload } from "./ops";
import { resolveWorkload } from "./workloads";

/** How far back, and how many lines, `logs` prints by default. */
export const DEFAULT_SINCE = "1h";
export const DEFAULT_LINES = 100;
/** The most lines one `logs` prints (they are held in memory to keep the newest). */
export const MAX_LINES = 10_000;

export interface LogsOptions {
  readonly stack: string;
  readonly follow?: boolean;
  readonly task?: string;
  readonly since?: string;
  readonly lines?: string;
  readonly includeProxy?: boolean;
}

/** -n: a whole number of lines from 1 to MAX_LINES. */
export function parseLineCount(text: string): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_LINES) {
    throw new CliError(
      `Invalid -n ${JSON.stringify(text)}: a whole number of lines from 1 to ${MAX_LINES}, e.g. -n 200.`,
    );
  }
  return value;
}

/** --task: an ECS task id (32 hexadecimal characters) or a task ARN ending in one. */
export function parseTaskId(text: string): string {
  const trimmed = text.trim();
  const arn = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task\/(?:[A-Za-z0-9_-]+\/)?([0-9a-f]{32})$/i;
  const id = /^[0-9a-f]{32}$/i.test(trimmed) ? trimmed : arn.exec(trimmed)?.[1];
  if (id === undefined) {
    throw new CliError(
      `Invalid --task ${JSON.stringify(text)}: an ECS task id (32 hexadecimal characters, as ` +
        "`ps` shows) or a task ARN (arn:aws:ecs:<region>:<account>:task/<cluster>/<id>).",
    );
  }
  return id.toLowerCase();
}

/** --since: a number and a unit. */
export function parseSinceOption(text: string): number {
  const since = parseSince(text);
  if (Number.isNaN(since)) {
    throw new CliError(
      `Invalid --since ${JSON.stringify(text)}: a number and a unit, e.g. 30s, 15m, 1h, 2d.`,
    );
  }
  return since;
}

/**
 * `logs <workload> [--follow] [--task <id>] [--since <age>] [-n N] [--include-proxy]`. Every
 * option is checked before AWS is touched.
 */
export async function logsCommand(
  ctx: CliContext,
  name: string,
  opts: LogsOptions,
): Promise<number> {
  if (opts.follow === true && (opts.since !== undefined || opts.lines !== undefined)) {
    throw new CliError(
      "--follow prints lines as they arrive and takes neither --since nor -n: run `logs` " +
        "without --follow for recent lines.",
    );
  }
  const since = parseSinceOption(opts.since ?? DEFAULT_SINCE);
  const limit = parseLineCount(opts.lines ?? String(DEFAULT_LINES));
  const taskId = opts.task !== undefined ? parseTaskId(opts.task) : undefined;

  const ops = await openOps(ctx, opts.stack, (info) => void resolveWorkload(info, name));
  const { entry } = opsWorkload(ops, name);
  const selection = streamSelection(entry, { taskId, includeProxy: opts.includeProxy });

  if (opts.follow === true) {
    return followLogs(ops.aws.logs, {
      logGroupArn: entry.logGroupArn,
      selection,
      out: ctx.stdout,
      err: ctx.stderr,
      signal: ctx.signal,
      sleep: (ms) => ctx.sleep(ms),
    });
  }
  const lines = await recentLines(ops.aws.logs, {
    logGroupName: entry.logGroupName,
    startTime: ctx.now() - since,
    selection,
    limit,
  });
  for (const line of lines) ctx.stdout.write(formatLine(line));
  if (lines.length === 0) {
    ctx.stderr.write(
      `No lines from ${name} in the last ${opts.since ?? DEFAULT_SINCE}` +
        `${taskId !== undefined ? ` for task ${taskId}` : ""}.\n`,
    );
  }
  return 0;
}
