import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  GetLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import type { ContainerDefinition } from "@aws-sdk/client-ecs";
import type { Writer } from "./context";

/** Where the awslogs driver writes one task's container output. */
export interface LogStream {
  readonly logGroupName: string;
  readonly logStreamName: string;
}

/**
 * The awslogs driver names a task's stream `<awslogs-stream-prefix>/<container>/<task id>`; the
 * prefix and group are read from the registered task definition, so the CLI follows whatever the
 * task module (components/task.ts) configures.
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

/** The task id: the last segment of `arn:aws:ecs:<region>:<account>:task/<cluster>/<id>`. */
export function taskIdOf(taskArn: string): string {
  return taskArn.split("/").pop() ?? taskArn;
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
        if (error instanceof Error && error.name === "ResourceNotFoundException") return;
        throw error;
      }
      for (const event of page.events ?? []) this.out.write(`${event.message ?? ""}\n`);
      const next = page.nextForwardToken;
      // The same token back means the end of the stream for now.
      if (next === undefined || next === this.token) return;
      this.token = next;
      if ((page.events ?? []).length === 0) return;
    }
  }
}

/** "1h" → 3 600 000, "15m", "30s", "2d". */
export function parseSince(text: string): number {
  const match = /^(\d+)([smhd])$/.exec(text.trim());
  if (match === null) return NaN;
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
    match[2] as "s" | "m" | "h" | "d"
  ];
  return Number(match[1]) * unit;
}

export interface FilterOptions {
  readonly logGroupName: string;
  readonly startTime: number;
  readonly seen: Set<string>;
}

/**
 * Prints every event in the group since `startTime` (all pages), each once (ids in `seen`), as
 * `<time> <stream> <message>`. Returns the newest timestamp printed.
 */
export async function printFiltered(
  logs: CloudWatchLogsClient,
  out: Writer,
  options: FilterOptions,
): Promise<number> {
  let newest = options.startTime;
  let nextToken: string | undefined;
  do {
    const page = await logs.send(
      new FilterLogEventsCommand({
        logGroupName: options.logGroupName,
        startTime: options.startTime,
        nextToken,
      }),
    );
    for (const event of page.events ?? []) {
      const id = event.eventId ?? `${event.logStreamName}/${event.timestamp}/${event.message}`;
      if (options.seen.has(id)) continue;
      options.seen.add(id);
      const time = new Date(event.timestamp ?? 0).toISOString();
      out.write(`${time} ${event.logStreamName ?? ""} ${(event.message ?? "").trimEnd()}\n`);
      newest = Math.max(newest, event.timestamp ?? 0);
    }
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return newest;
}
