// What `logs` and `run` share about a workload's CloudWatch log group: how the awslogs driver
// names streams, how a line is printed, and the readers of one stream and of recent events.
import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  FilterLogEventsCommandInput,
  GetLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import type { ContainerDefinition } from "@aws-sdk/client-ecs";
import type { Writer } from "./context";
import type { WorkloadManifest } from "../components/ops-manifest";

/** Where the awslogs driver writes one task's container output. */
export interface LogStream {
  readonly logGroupName: string;
  readonly logStreamName: string;
}

/**
 * The awslogs driver names a task's stream `<awslogs-stream-prefix>/<container>/<task id>`; the
 * prefix and group are read from a registered task definition (the contract test checks the
 * program's definitions log where the manifest says).
 */
export function logStreamOf(
  container: ContainerDefinition | undefined,
  taskId: string,
): LogStream | undefined {
  const config = container?.logConfiguration;
  const group = config?.options?.["awslogs-group"];
  const prefix = config?.options?.["awslogs-stream-prefix"];
  if (config?.logDriver !== "awslogs" || group === undefined || prefix === undefined) {
    return undefined;
  }
  return { logGroupName: group, logStreamName: `${prefix}/${container?.name ?? ""}/${taskId}` };
}

/** The app container's stream prefix of a workload: `<prefix>/<container>/` (or one task's). */
export function appStreamPrefix(entry: WorkloadManifest, taskId?: string): string {
  return `${entry.logStreamPrefix}/${entry.containerName}/${taskId ?? ""}`;
}

/** The stream a task's app container writes to (`run` follows it). */
export function taskLogStream(entry: WorkloadManifest, taskId: string): LogStream {
  return { logGroupName: entry.logGroupName, logStreamName: appStreamPrefix(entry, taskId) };
}

/**
 * Which streams `logs` reads. By default the app container's (`<prefix>/<container>/[task]`):
 * the Service Connect proxy writes to the same group under `service-connect/<proxy>/<task>`
 * (components/web-service.ts), and its container name is not ours to know, so with
 * --include-proxy the whole group is read and a --task is matched on the stream's last segment.
 */
export interface StreamSelection {
  /** A stream-name prefix for the API call (FilterLogEvents / Live Tail), if any. */
  readonly prefix?: string;
  /** A task id every printed stream must end with (--include-proxy --task). */
  readonly taskId?: string;
}

export function streamSelection(
  entry: WorkloadManifest,
  options: { readonly taskId?: string; readonly includeProxy?: boolean },
): StreamSelection {
  if (options.includeProxy === true) return { taskId: options.taskId };
  return { prefix: appStreamPrefix(entry, options.taskId) };
}

/** True when a stream belongs to the selection (the API call already applied the prefix). */
export function selects(selection: StreamSelection, logStreamName: string | undefined): boolean {
  return selection.taskId === undefined || taskIdOf(logStreamName ?? "") === selection.taskId;
}

/** The task id: the last segment of a task ARN (`…:task/<cluster>/<id>`) or of a log stream. */
export function taskIdOf(taskArn: string): string {
  return taskArn.split("/").pop() ?? taskArn;
}

/** One log event as `logs` prints it. */
export interface LogLine {
  readonly timestamp: number;
  readonly logStreamName: string;
  readonly message: string;
}

/** `<ISO time> <task id, 8 chars> <message>`: the message without its trailing newline. */
export function formatLine(line: LogLine): string {
  const task = taskIdOf(line.logStreamName).slice(0, 8);
  return `${new Date(line.timestamp).toISOString()} ${task} ${line.message.replace(/\r?\n$/, "")}\n`;
}

/**
 * The newest `limit` lines of those added, in time order (ties keep arrival order). Memory stays
 * bounded by trimming whenever twice the limit is held; correct whatever order lines arrive in.
 */
export class LastLines {
  private lines: LogLine[] = [];

  constructor(private readonly limit: number) {}

  add(line: LogLine): void {
    this.lines.push(line);
    if (this.lines.length >= 2 * this.limit) this.trim();
  }

  result(): LogLine[] {
    this.trim();
    return this.lines;
  }

  private trim(): void {
    // Array.prototype.sort is stable, so equal timestamps keep the order they came in.
    this.lines.sort((a, b) => a.timestamp - b.timestamp);
    this.lines = this.lines.slice(-this.limit);
  }
}

/**
 * The newest `limit` events of the group since `startTime`, every page read: FilterLogEvents may
 * return empty pages with a nextToken while it searches, so only a missing token ends the scan.
 * It takes `logStreamNamePrefix` or `logStreamNames`, never both; only the prefix is used.
 */
export async function recentLines(
  logs: CloudWatchLogsClient,
  query: {
    readonly logGroupName: string;
    readonly startTime: number;
    readonly selection: StreamSelection;
    readonly limit: number;
  },
): Promise<LogLine[]> {
  const kept = new LastLines(query.limit);
  let nextToken: string | undefined;
  do {
    const input: FilterLogEventsCommandInput = {
      logGroupName: query.logGroupName,
      startTime: query.startTime,
      ...(query.selection.prefix !== undefined
        ? { logStreamNamePrefix: query.selection.prefix }
        : {}),
      ...(nextToken !== undefined ? { nextToken } : {}),
    };
    const page = await logs.send(new FilterLogEventsCommand(input));
    for (const event of page.events ?? []) {
      if (!selects(query.selection, event.logStreamName)) continue;
      kept.add({
        timestamp: event.timestamp ?? 0,
        logStreamName: event.logStreamName ?? "",
        message: event.message ?? "",
      });
    }
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return kept.result();
}

/** Reads one log stream from the start, a page at a time, remembering where it got to. */
export class StreamReader {
  private token?: string;

  constructor(
    private readonly logs: CloudWatchLogsClient,
    private readonly stream: LogStream,
    private readonly out: Writer,
  ) {}

  /** Prints the events written since the last call; the stream may not exist yet. */
  async printNew(): Promise<void> {
    for (;;) {
      let page;
      try {
        page = await this.logs.send(
          new GetLogEventsCommand({ ...this.stream, startFromHead: true, nextToken: this.token }),
        );
      } catch (error) {
        // The awslogs driver creates the stream when the container starts.
        if (error instanceof Error && error.name === "ResourceNotFoundException") return;
        throw error;
      }
      for (const event of page.events ?? []) this.out.write(`${event.message ?? ""}\n`);
      const next = page.nextForwardToken;
      // GetLogEvents hands back the same forward token at the end of the stream for now.
      if (next === undefined || next === this.token) return;
      this.token = next;
      if ((page.events ?? []).length === 0) return;
    }
  }
}

/** "1h" → 3 600 000, "15m", "30s", "2d"; NaN for anything else. */
export function parseSince(text: string): number {
  const match = /^(\d+)([smhd])$/.exec(text.trim());
  if (match === null) return NaN;
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
    match[2] as "s" | "m" | "h" | "d"
  ];
  return Number(match[1]) * unit;
}
