// `logs --follow`: CloudWatch Logs Live Tail (StartLiveTail), a streaming session that pushes
// every event as it is ingested, so lines from every task arrive in order and none is skipped the
// way polling from the newest timestamp seen would.
import {
  CloudWatchLogsClient,
  LiveTailSessionLogEvent,
  StartLiveTailCommand,
  StartLiveTailCommandInput,
  StartLiveTailResponseStream,
} from "@aws-sdk/client-cloudwatch-logs";
import type { Writer } from "./context";
import { CliError } from "./errors";
import { formatLine, selects, StreamSelection } from "./logs-stream";

/** How long to wait before opening a new session when one ends. */
export const RECONNECT_DELAY_MS = 1_000;

/** Sessions in a row that may end before they start before `logs --follow` gives up. */
export const MAX_FAILED_SESSIONS = 3;

/**
 * The StartLiveTail request: one log group by ARN (no `:*` suffix), and the stream prefix when
 * there is one — Live Tail takes `logStreamNamePrefixes` only with exactly one log group, and
 * never together with `logStreamNames`.
 */
export function liveTailInput(
  logGroupArn: string,
  selection: StreamSelection,
): StartLiveTailCommandInput {
  return {
    logGroupIdentifiers: [logGroupArn],
    ...(selection.prefix !== undefined ? { logStreamNamePrefixes: [selection.prefix] } : {}),
  };
}

export interface FollowOptions {
  readonly logGroupArn: string;
  readonly selection: StreamSelection;
  readonly out: Writer;
  readonly err: Writer;
  readonly signal?: AbortSignal;
  readonly sleep: (ms: number) => Promise<void>;
}

/** How one session ended. */
type Ending = "aborted" | "timeout" | "closed" | "never-started";

/** The StartLiveTail call's own errors, as one line that says what to do. */
function startError(error: unknown, logGroupArn: string): unknown {
  if (!(error instanceof Error)) return error;
  switch (error.name) {
    case "LimitExceededException":
      return new CliError(
        `Too many Live Tail sessions are open in this account and region (a CloudWatch Logs ` +
          `quota): close another \`logs --follow\` or console Live Tail, then retry. AWS said: ${error.message}`,
      );
    case "AccessDeniedException":
      return new CliError(
        `Not allowed to start Live Tail on ${logGroupArn} (logs:StartLiveTail): use a role ` +
          `with docs/iam/operator-readonly.json. AWS said: ${error.message}`,
      );
    case "ResourceNotFoundException":
      return new CliError(
        `The log group ${logGroupArn} does not exist: redeploy the stack (npm run infra -- up).`,
      );
    default:
      return error;
  }
}

/**
 * Follows the log group until Ctrl-C (`signal`), then returns 0. A session lasts at most three
 * hours (the stream then ends with SessionTimeoutException) and may be closed by the service; a
 * new one is opened after RECONNECT_DELAY_MS, saying so on stderr (lines ingested in that moment
 * are not replayed). Live Tail samples a second's updates down to 500 events when more match:
 * `sessionMetadata.sampled`, noted once on stderr.
 */
export async function followLogs(
  logs: CloudWatchLogsClient,
  options: FollowOptions,
): Promise<number> {
  const state = { sampledNoted: false, announced: false };
  let failedInARow = 0;
  for (;;) {
    if (options.signal?.aborted === true) return 0;
    const ending = await followSession(logs, options, state);
    if (ending === "aborted") return 0;
    if (ending === "never-started") {
      failedInARow += 1;
      if (failedInARow >= MAX_FAILED_SESSIONS) {
        throw new CliError(
          `Live Tail closed ${MAX_FAILED_SESSIONS} sessions in a row before they started: ` +
            `retry later, or read recent lines without --follow.`,
        );
      }
    } else {
      failedInARow = 0;
    }
    options.err.write(
      ending === "timeout"
        ? "Live Tail session reached its 3-hour limit; starting a new one.\n"
        : "Live Tail session closed by CloudWatch Logs; starting a new one.\n",
    );
    await options.sleep(RECONNECT_DELAY_MS);
  }
}

const ABORTED = Symbol("aborted");

/** Resolves when `signal` aborts (never without one); `dispose` removes the listener. */
function whenAborted(signal: AbortSignal | undefined): {
  promise: Promise<typeof ABORTED>;
  dispose: () => void;
} {
  let dispose = () => undefined as void;
  const promise = new Promise<typeof ABORTED>((resolve) => {
    if (signal === undefined) return;
    const listener = () => resolve(ABORTED);
    signal.addEventListener("abort", listener, { once: true });
    dispose = () => signal.removeEventListener("abort", listener);
  });
  return { promise, dispose };
}

async function followSession(
  logs: CloudWatchLogsClient,
  options: FollowOptions,
  state: { sampledNoted: boolean; announced: boolean },
): Promise<Ending> {
  let response;
  try {
    // The abort signal also closes the HTTP/2 stream, which ends the session server-side.
    response = await logs.send(
      new StartLiveTailCommand(liveTailInput(options.logGroupArn, options.selection)),
      { abortSignal: options.signal },
    );
  } catch (error) {
    if (options.signal?.aborted === true) return "aborted";
    throw startError(error, options.logGroupArn);
  }
  const stream = response.responseStream;
  if (stream === undefined) return "never-started";
  const iterator: AsyncIterator<StartLiveTailResponseStream> = stream[Symbol.asyncIterator]();
  const abort = whenAborted(options.signal);
  let started = false;
  try {
    for (;;) {
      const pending = iterator.next();
      pending.catch(() => undefined); // it may reject after Ctrl-C won the race
      const next = await Promise.race([pending, abort.promise]);
      if (next === ABORTED) return "aborted";
      if (next.done === true) return started ? "closed" : "never-started";
      const event = next.value;
      if (event.sessionStart !== undefined) {
        started = true;
        if (!state.announced) {
          state.announced = true;
          options.err.write("Following with CloudWatch Logs Live Tail; Ctrl-C to stop.\n");
        }
      } else if (event.sessionUpdate !== undefined) {
        started = true;
        if (event.sessionUpdate.sessionMetadata?.sampled === true && !state.sampledNoted) {
          state.sampledNoted = true;
          options.err.write(
            "note: more than 500 lines a second match, so Live Tail is sampling them " +
              "(some lines are not shown); narrow with --task.\n",
          );
        }
        printResults(event.sessionUpdate.sessionResults ?? [], options);
      } else if (event.SessionTimeoutException !== undefined) {
        return "timeout";
      } else if (event.SessionStreamingException !== undefined) {
        throw streamingError(event.SessionStreamingException.message);
      }
    }
  } catch (error) {
    if (options.signal?.aborted === true) return "aborted";
    // The SDK throws the stream's modelled exceptions while iterating.
    if (error instanceof Error && error.name === "SessionTimeoutException") return "timeout";
    if (error instanceof Error && error.name === "SessionStreamingException") {
      throw streamingError(error.message);
    }
    throw error;
  } finally {
    abort.dispose();
    // Closing the stream ends the session (StartLiveTail: "end a session … by closing the
    // session stream"); not awaited, as a generator's return waits for a pending next.
    void iterator.return?.().catch(() => undefined);
  }
}

function streamingError(message: string | undefined): CliError {
  return new CliError(
    `Live Tail stopped with an error from CloudWatch Logs: ${message ?? "unknown"}.`,
  );
}

function printResults(results: readonly LiveTailSessionLogEvent[], options: FollowOptions): void {
  const lines = results
    .filter((r) => selects(options.selection, r.logStreamName))
    .map((r) => ({
      timestamp: r.timestamp ?? 0,
      logStreamName: r.logStreamName ?? "",
      message: r.message ?? "",
    }))
    .sort((a, b) => a.timestamp - b.timestamp);
  for (const line of lines) options.out.write(formatLine(line));
}
