// `logs`: recent lines (FilterLogEvents) and --follow (Live Tail, StartLiveTail) over the
// operations manifest, against mocked SDK v3 clients; no Pulumi CLI.
import * as assert from "node:assert/strict";
import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  StartLiveTailCommand,
  StartLiveTailResponseStream,
} from "@aws-sdk/client-cloudwatch-logs";
import { SSMClient } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { createAwsClients } from "../cli/aws";
import { imageTagOf } from "../cli/format";
import { followLogs, liveTailInput } from "../cli/live-tail";
import { parseLineCount, parseTaskId } from "../cli/logs";
import { formatLine, LastLines, parseSince, streamSelection } from "../cli/logs-stream";
import { Capture, runCli } from "./cli-context";
import { devManifest, publishManifest, workloadEntry } from "./ops-fixtures";

const NOW = Date.parse("2026-01-01T12:00:00Z");
const TASK = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
const OTHER = "ffee0011223344556677889900aabbcc";
const API_GROUP_ARN = "arn:aws:logs:eu-west-1:123456789012:log-group:/vitcord/dev/api";

type LiveTailEvent = StartLiveTailResponseStream;

/** A Live Tail response stream yielding `events`, then (unless `end`) waiting for ever. */
function liveStream(events: LiveTailEvent[], end: "end" | "hang" | Error = "end") {
  return {
    responseStream: (async function* () {
      for (const event of events) yield event;
      if (end === "hang") await new Promise(() => undefined);
      if (end instanceof Error) throw end;
    })(),
  };
}

const start: LiveTailEvent = { sessionStart: { sessionId: "s1" } };
function update(
  results: { stream: string; at: number; message: string }[],
  sampled = false,
): LiveTailEvent {
  return {
    sessionUpdate: {
      sessionMetadata: { sampled },
      sessionResults: results.map((r) => ({
        logStreamName: r.stream,
        timestamp: r.at,
        message: r.message,
        logGroupIdentifier: API_GROUP_ARN,
      })),
    },
  };
}

function awsError(name: string, message = name): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describe("infra CLI: logs", () => {
  const sts = mockClient(STSClient);
  const ssm = mockClient(SSMClient);
  const logs = mockClient(CloudWatchLogsClient);
  beforeEach(() => {
    sts.reset();
    ssm.reset();
    logs.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Arn: "arn:aws:iam::123456789012:user/dev" });
    publishManifest(ssm);
  });
  after(() => {
    sts.restore();
    ssm.restore();
    logs.restore();
  });

  describe("pure helpers", () => {
    it("formats a line as ISO time, short task id and message without its newline", () => {
      assert.equal(
        formatLine({ timestamp: NOW, logStreamName: `api/api/${TASK}`, message: "GET / 200\n" }),
        "2026-01-01T12:00:00.000Z 0a1b2c3d GET / 200\n",
      );
    });

    it("selects the app container's streams unless the proxy is included", () => {
      const entry = workloadEntry("api", "service");
      assert.deepEqual(streamSelection(entry, {}), { prefix: "api/api/" });
      assert.deepEqual(streamSelection(entry, { taskId: TASK }), { prefix: `api/api/${TASK}` });
      assert.deepEqual(streamSelection(entry, { includeProxy: true }), { taskId: undefined });
      assert.deepEqual(streamSelection(entry, { includeProxy: true, taskId: TASK }), {
        taskId: TASK,
      });
      assert.deepEqual(liveTailInput(API_GROUP_ARN, { prefix: "api/api/" }), {
        logGroupIdentifiers: [API_GROUP_ARN],
        logStreamNamePrefixes: ["api/api/"],
      });
      assert.deepEqual(liveTailInput(API_GROUP_ARN, {}), { logGroupIdentifiers: [API_GROUP_ARN] });
    });

    it("keeps the newest N lines in time order whatever order they arrive in", () => {
      const kept = new LastLines(2);
      for (const at of [5, 1, 4, 2, 3, 6, 0])
        kept.add({ timestamp: at, logStreamName: "s", message: String(at) });
      assert.deepEqual(
        kept.result().map((l) => l.message),
        ["5", "6"],
      );
    });

    it("parses -n, --task and --since, and names what is allowed", () => {
      assert.equal(parseLineCount("250"), 250);
      assert.equal(parseTaskId(TASK.toUpperCase()), TASK);
      assert.equal(
        parseTaskId(`arn:aws:ecs:eu-west-1:123456789012:task/dev-cluster-1a2b3c4/${TASK}`),
        TASK,
      );
      assert.equal(parseSince("90s"), 90_000);
      assert.equal(parseSince("2h"), 7_200_000);
      assert.ok(Number.isNaN(parseSince("2 weeks")));
    });

    it("reads image tags (cli/format.ts)", () => {
      assert.equal(imageTagOf("localhost:5000/team/api:v1.2"), "v1.2");
      assert.equal(imageTagOf("nginx"), "latest");
      assert.equal(imageTagOf("repo/api@sha256:abc"), "sha256:abc");
    });
  });

  describe("recent lines", () => {
    it("reads every page of the app container's streams since --since and prints the newest -n in time order", async () => {
      logs
        .on(FilterLogEventsCommand)
        .resolvesOnce({
          events: [
            { timestamp: NOW - 60_000, logStreamName: `api/api/${TASK}`, message: "one\n" },
            { timestamp: NOW - 50_000, logStreamName: `api/api/${OTHER}`, message: "two" },
          ],
          nextToken: "p2",
        })
        .resolvesOnce({ events: [], nextToken: "p3" }) // FilterLogEvents may page empty
        .resolvesOnce({
          events: [{ timestamp: NOW - 40_000, logStreamName: `api/api/${TASK}`, message: "three" }],
        });
      const run = await runCli(["logs", "api", "--stack", "dev", "--since", "15m", "-n", "2"]);
      assert.equal(run.code, 0, run.stderr);
      const inputs = logs.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input);
      const base = {
        logGroupName: "/vitcord/dev/api",
        startTime: NOW - 15 * 60_000,
        logStreamNamePrefix: "api/api/",
      };
      assert.deepEqual(inputs, [base, { ...base, nextToken: "p2" }, { ...base, nextToken: "p3" }]);
      assert.equal(
        run.stdout,
        "2026-01-01T11:59:10.000Z ffee0011 two\n2026-01-01T11:59:20.000Z 0a1b2c3d three\n",
      );
      assert.equal(logs.commandCalls(StartLiveTailCommand).length, 0);
    });

    it("defaults to the last hour and 100 lines; --task narrows the prefix to that task's stream", async () => {
      const lines = Array.from({ length: 150 }, (_, i) => ({
        timestamp: NOW - 3_000_000 + i,
        logStreamName: `jobs/jobs/${TASK}`,
        message: `job ${i}`,
      }));
      logs.on(FilterLogEventsCommand).resolves({ events: lines });
      const arn = `arn:aws:ecs:eu-west-1:123456789012:task/dev-cluster-1a2b3c4/${TASK}`;
      const run = await runCli(["logs", "jobs", "--stack", "dev", "--task", arn]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(logs.commandCalls(FilterLogEventsCommand)[0]?.args[0].input, {
        logGroupName: "/vitcord/dev/jobs",
        startTime: NOW - 3_600_000,
        logStreamNamePrefix: `jobs/jobs/${TASK}`,
      });
      const printed = run.stdout.trimEnd().split("\n");
      assert.equal(printed.length, 100);
      assert.match(printed[0]!, / 0a1b2c3d job 50$/);
      assert.match(printed[99]!, / 0a1b2c3d job 149$/);
    });

    it("--include-proxy reads the whole group; with --task it keeps that task's streams", async () => {
      logs.on(FilterLogEventsCommand).resolves({
        events: [
          { timestamp: NOW - 3, logStreamName: `api/api/${TASK}`, message: "app" },
          {
            timestamp: NOW - 2,
            logStreamName: `service-connect/ecs-service-connect-x1/${TASK}`,
            message: "proxy",
          },
          { timestamp: NOW - 1, logStreamName: `api/api/${OTHER}`, message: "other task" },
        ],
      });
      const run = await runCli(
        ["logs", "api", "--stack", "dev", "--include-proxy", "--task", TASK],
        {},
      );
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(logs.commandCalls(FilterLogEventsCommand)[0]?.args[0].input, {
        logGroupName: "/vitcord/dev/api",
        startTime: NOW - 3_600_000,
      });
      assert.equal(
        run.stdout,
        "2026-01-01T11:59:59.997Z 0a1b2c3d app\n2026-01-01T11:59:59.998Z 0a1b2c3d proxy\n",
      );
    });

    it("says so when there are no lines", async () => {
      logs.on(FilterLogEventsCommand).resolves({ events: [] });
      // Neither the Pulumi CLI nor a passphrase is needed.
      const run = await runCli(["logs", "api", "--stack", "dev", "--since", "30s"], {
        findExecutable: () => undefined,
        env: {},
      });
      assert.equal(run.code, 0);
      assert.equal(run.stdout, "");
      assert.equal(run.stderr, "No lines from api in the last 30s.\n");
    });
  });

  describe("--follow (Live Tail)", () => {
    it("tails the app container's streams of the log group by ARN and prints each line", async () => {
      logs.on(StartLiveTailCommand).resolvesOnce(
        liveStream([
          start,
          update([
            { stream: `api/api/${OTHER}`, at: NOW + 2_000, message: "second\n" },
            { stream: `api/api/${TASK}`, at: NOW + 1_000, message: "first" },
          ]),
          update([]),
        ]),
      );
      const run = await runCli(["logs", "api", "--stack", "dev", "--follow"], {
        onSleep: (_count, abort) => abort.abort(), // Ctrl-C while waiting to reconnect
      });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(logs.commandCalls(StartLiveTailCommand)[0]?.args[0].input, {
        logGroupIdentifiers: [API_GROUP_ARN],
        logStreamNamePrefixes: ["api/api/"],
      });
      assert.equal(
        run.stdout,
        "2026-01-01T12:00:01.000Z 0a1b2c3d first\n2026-01-01T12:00:02.000Z ffee0011 second\n",
      );
      assert.equal(logs.commandCalls(FilterLogEventsCommand).length, 0);
    });

    it("opens a new session when one reaches its 3-hour limit, and notes sampling once", async () => {
      const line = (message: string) => [{ stream: `api/api/${TASK}`, at: NOW, message }];
      logs
        .on(StartLiveTailCommand)
        .resolvesOnce(
          liveStream(
            [start, update(line("a"), true), update(line("b"), true)],
            awsError("SessionTimeoutException", "Session timed out"),
          ),
        )
        .resolvesOnce(liveStream([start, update(line("c"), true)]));
      const run = await runCli(["logs", "api", "--stack", "dev", "-f", "--task", TASK], {
        onSleep: (count, abort) => {
          if (count === 2) abort.abort();
        },
      });
      assert.equal(run.code, 0, run.stderr);
      const inputs = logs.commandCalls(StartLiveTailCommand).map((c) => c.args[0].input);
      const expected = {
        logGroupIdentifiers: [API_GROUP_ARN],
        logStreamNamePrefixes: [`api/api/${TASK}`],
      };
      assert.deepEqual(inputs, [expected, expected]);
      assert.deepEqual(
        run.stdout.split("\n").map((l) => l.split(" ")[2]),
        ["a", "b", "c", undefined],
      );
      assert.equal(run.stderr.match(/sampling/g)?.length, 1);
      assert.match(
        run.stderr,
        /Live Tail session reached its 3-hour limit; starting a new one\.\n/,
      );
    });

    it("stops cleanly on Ctrl-C in the middle of a session (exit 0, no reconnect)", async () => {
      logs
        .on(StartLiveTailCommand)
        .resolves(
          liveStream(
            [start, update([{ stream: `jobs/jobs/${TASK}`, at: NOW, message: "working" }])],
            "hang",
          ),
        );
      const abort = new AbortController();
      const out = new Capture();
      const err = new Capture();
      // Ctrl-C as soon as the first line is printed, while the stream waits for more.
      const interrupting = { isTTY: false, write: (t: string) => (out.write(t), abort.abort()) };
      const code = await followLogs(createAwsClients("eu-west-1").logs, {
        logGroupArn: API_GROUP_ARN,
        selection: { prefix: "jobs/jobs/" },
        out: interrupting,
        err,
        signal: abort.signal,
        sleep: () => Promise.reject(new Error("must not reconnect")),
      });
      assert.equal(code, 0);
      assert.match(out.text, / 0a1b2c3d working\n$/);
      assert.equal(logs.commandCalls(StartLiveTailCommand).length, 1);
      // The call carried the signal, so the SDK closes the stream (and the session) on abort.
      const sendArgs = logs.commandCalls(StartLiveTailCommand)[0]?.args as unknown[];
      assert.equal((sendArgs[1] as { abortSignal?: AbortSignal }).abortSignal, abort.signal);
    });

    it("fails with one line on a streaming error or a session quota", async () => {
      logs
        .on(StartLiveTailCommand)
        .resolvesOnce(
          liveStream([start], awsError("SessionStreamingException", "internal failure")),
        )
        .rejectsOnce(awsError("LimitExceededException", "Too many sessions"));
      const first = await runCli(["logs", "api", "--stack", "dev", "--follow"]);
      assert.equal(first.code, 1);
      assert.match(
        first.stderr,
        /error: Live Tail stopped with an error from CloudWatch Logs: internal failure\.\n$/,
      );
      const second = await runCli(["logs", "api", "--stack", "dev", "--follow"]);
      assert.equal(second.code, 1);
      assert.match(
        second.stderr,
        /^error: Too many Live Tail sessions are open in this account and region .* AWS said: Too many sessions\n$/,
      );
    });
  });

  describe("errors", () => {
    const rejects = async (argv: string[], message: string) => {
      const run = await runCli(argv);
      assert.equal(run.code, 1);
      assert.equal(run.stderr, `error: ${message}\n`);
      assert.equal(logs.calls().length, 0, "no CloudWatch Logs call");
    };

    it("rejects a bad -n, --task or --since before touching AWS", async () => {
      for (const n of ["0", "-3", "1.5", "ten", "10001"]) {
        await rejects(
          ["logs", "api", "--stack", "dev", "-n", n],
          `Invalid -n ${JSON.stringify(n)}: a whole number of lines from 1 to 10000, e.g. -n 200.`,
        );
      }
      for (const task of ["0a1b", `arn:aws:ecs:eu-west-1:123456789012:service/x/${TASK}`]) {
        await rejects(
          ["logs", "api", "--stack", "dev", "--task", task],
          `Invalid --task ${JSON.stringify(task)}: an ECS task id (32 hexadecimal characters, as ` +
            "`ps` shows) or a task ARN (arn:aws:ecs:<region>:<account>:task/<cluster>/<id>).",
        );
      }
      await rejects(
        ["logs", "api", "--stack", "dev", "--since", "2 weeks"],
        'Invalid --since "2 weeks": a number and a unit, e.g. 30s, 15m, 1h, 2d.',
      );
      await rejects(
        ["logs", "api", "--stack", "dev", "--follow", "-n", "5"],
        "--follow prints lines as they arrive and takes neither --since nor -n: run `logs` " +
          "without --follow for recent lines.",
      );
      assert.equal(sts.calls().length, 0, "not even the credentials check");
    });

    it("lists the configured workloads for an unknown one", async () => {
      await rejects(
        ["logs", "web", "--stack", "dev"],
        'Unknown service or worker "web" in stack dev. Configured: api, notifications, jobs (worker).',
      );
      assert.equal(ssm.calls().length, 0);
    });

    it("fails on missing credentials, a missing manifest or an undeployed workload", async () => {
      sts
        .on(GetCallerIdentityCommand)
        .rejectsOnce(awsError("CredentialsProviderError", "none"))
        .resolves({ Arn: "arn:aws:iam::123456789012:user/dev" });
      const noCredentials = await runCli(["logs", "api", "--stack", "dev"]);
      assert.equal(noCredentials.code, 1);
      assert.match(noCredentials.stderr, /^error: No usable AWS credentials \(none\)\./);

      ssm.reset();
      ssm.rejects(awsError("ParameterNotFound"));
      await rejects(
        ["logs", "api", "--stack", "dev"],
        "Stack dev has no operations manifest (SSM parameter /vitcord/dev/ops in eu-west-1): " +
          "deploy the stack first (npm run infra -- up --stack dev).",
      );

      ssm.reset();
      publishManifest(ssm, devManifest({ notifications: undefined }));
      await rejects(
        ["logs", "notifications", "--stack", "dev"],
        "The service notifications is configured but not deployed in stack dev (not in its " +
          "operations manifest): run `npm run infra -- up --stack dev` first.",
      );
    });
  });
});
