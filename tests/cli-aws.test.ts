// The operations CLI's AWS commands (run, logs, status, releases) against mocked SDK v3 clients.
import * as assert from "node:assert/strict";
import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  GetLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  RunTaskCommand,
} from "@aws-sdk/client-ecs";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { OutputMap } from "@pulumi/pulumi/automation";
import { mockClient } from "aws-sdk-client-mock";
import { imageTagOf } from "../cli/format";
import { logStreamOf, parseSince } from "../cli/logs-stream";
import { FakeStack, runCli } from "./cli-context";

const ENV = { PULUMI_BACKEND_URL: "s3://vitcord-state", PULUMI_CONFIG_PASSPHRASE: "" };
const NOW = Date.parse("2026-01-01T12:00:00Z");
const TASK_ARN = "arn:aws:ecs:eu-west-1:123456789012:task/vitcord-dev/0a1b2c3d4e";
const API_TD = "arn:aws:ecs:eu-west-1:123456789012:task-definition/vitcord-dev-api";

function workload(name: string, subnets = ["subnet-p1", "subnet-p2"]) {
  return {
    serviceName: `vitcord-dev-${name}`,
    logGroupName: `/vitcord/dev/${name}`,
    taskDefinitionFamily: `vitcord-dev-${name}`,
    containerName: name,
    securityGroupId: `sg-${name}`,
    subnetIds: subnets,
  };
}

/** The stack-output contract of index.ts, for a deployed dev stack (notifications not yet). */
function outputs(extra: Record<string, unknown> = {}): OutputMap {
  const values: Record<string, unknown> = {
    clusterName: "vitcord-dev",
    capacityProviderName: "vitcord-dev-ec2",
    privateSubnetIds: ["subnet-p1", "subnet-p2"],
    services: { api: { ...workload("api"), url: "http://api.example" } },
    workers: { jobs: workload("jobs") },
    ...extra,
  };
  return Object.fromEntries(
    Object.entries(values).map(([k, value]) => [k, { value, secret: false }]),
  );
}

function deployedStack(extra?: Record<string, unknown>): FakeStack {
  const stack = new FakeStack("dev");
  stack.stackOutputs = outputs(extra);
  return stack;
}

/** A container definition that logs with awslogs the way components/task.ts configures it. */
function container(
  name: string,
  image = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/${name}:v1`,
) {
  return {
    name,
    image,
    logConfiguration: {
      logDriver: "awslogs" as const,
      options: {
        "awslogs-region": "eu-west-1",
        "awslogs-group": `/vitcord/dev/${name}`,
        "awslogs-stream-prefix": name,
      },
    },
  };
}

describe("infra CLI: AWS commands", () => {
  const sts = mockClient(STSClient);
  const ecs = mockClient(ECSClient);
  const logs = mockClient(CloudWatchLogsClient);
  beforeEach(() => {
    sts.reset();
    ecs.reset();
    logs.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Arn: "arn:aws:iam::123456789012:user/dev" });
  });
  after(() => {
    sts.restore();
    ecs.restore();
    logs.restore();
  });

  describe("pure helpers", () => {
    it("derives the awslogs stream of a task: <prefix>/<container>/<task id>", () => {
      assert.deepEqual(logStreamOf(container("api"), "0a1b"), {
        logGroupName: "/vitcord/dev/api",
        logStreamName: "api/api/0a1b",
      });
      assert.equal(logStreamOf({ name: "api" }, "0a1b"), undefined);
    });

    it("reads --since ages and image tags", () => {
      assert.equal(parseSince("90s"), 90_000);
      assert.equal(parseSince("2h"), 7_200_000);
      assert.ok(Number.isNaN(parseSince("2 weeks")));
      assert.equal(imageTagOf("localhost:5000/team/api:v1.2"), "v1.2");
      assert.equal(imageTagOf("nginx"), "latest");
      assert.equal(imageTagOf("repo/api@sha256:abc"), "sha256:abc");
    });
  });

  describe("run", () => {
    /** A task that runs for one poll, logs two lines and exits with `exitCode`. */
    function taskThatExits(name: string, exitCode: number | undefined, reason?: string) {
      ecs.on(RunTaskCommand).resolves({
        tasks: [{ taskArn: TASK_ARN, taskDefinitionArn: `${API_TD}:7` }],
      });
      ecs.on(DescribeTaskDefinitionCommand).resolves({
        taskDefinition: { containerDefinitions: [container(name)] },
      });
      ecs
        .on(DescribeTasksCommand)
        .resolvesOnce({ tasks: [{ taskArn: TASK_ARN, lastStatus: "RUNNING" }] })
        .resolves({
          tasks: [
            {
              taskArn: TASK_ARN,
              lastStatus: "STOPPED",
              stopCode: "EssentialContainerExited",
              stoppedReason: reason,
              containers: [{ name, exitCode, reason }],
            },
          ],
        });
      const pages: Record<string, { message: string[]; next: string }> = {
        start: { message: ["== 20260101 CreateVideos: migrating", "== done"], next: "f/1" },
        "f/1": { message: [], next: "f/1" },
      };
      logs.on(GetLogEventsCommand).callsFake((input: { nextToken?: string }) => {
        const page = pages[input.nextToken ?? "start"]!;
        return {
          events: page.message.map((message) => ({ message })),
          nextForwardToken: page.next,
        };
      });
    }

    it("runs the service's task definition on its capacity provider with the command overridden", async () => {
      taskThatExits("api", 0);
      const run = await runCli(["run", "api", "--stack", "dev", "--", "bin/rails", "db:migrate"], {
        env: ENV,
        stack: deployedStack(),
      });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(ecs.commandCalls(RunTaskCommand)[0]?.args[0].input, {
        cluster: "vitcord-dev",
        taskDefinition: "vitcord-dev-api",
        count: 1,
        capacityProviderStrategy: [{ capacityProvider: "vitcord-dev-ec2", weight: 1 }],
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: ["subnet-p1", "subnet-p2"],
            securityGroups: ["sg-api"],
            assignPublicIp: "DISABLED",
          },
        },
        overrides: { containerOverrides: [{ name: "api", command: ["bin/rails", "db:migrate"] }] },
        startedBy: "vitcord-infra-cli",
        propagateTags: "TASK_DEFINITION",
      });
      // The stream named by the registered task definition's awslogs options.
      assert.deepEqual(logs.commandCalls(GetLogEventsCommand)[0]?.args[0].input, {
        logGroupName: "/vitcord/dev/api",
        logStreamName: "api/api/0a1b2c3d4e",
        startFromHead: true,
        nextToken: undefined,
      });
      assert.equal(run.stdout, "== 20260101 CreateVideos: migrating\n== done\n");
      assert.match(run.stderr, /Task 0a1b2c3d4e exited with code 0\.\n$/);
      assert.deepEqual(ecs.commandCalls(DescribeTasksCommand)[0]?.args[0].input, {
        cluster: "vitcord-dev",
        tasks: [TASK_ARN],
      });
    });

    it("exits with the container's exit code when the command fails", async () => {
      taskThatExits("jobs", 3);
      const run = await runCli(
        ["run", "jobs", "--stack", "dev", "--", "bundle", "exec", "rake", "boom"],
        {
          env: ENV,
          stack: deployedStack(),
        },
      );
      assert.equal(run.code, 3);
      assert.match(run.stderr, /Task 0a1b2c3d4e exited with code 3\.\n$/);
      const input = ecs.commandCalls(RunTaskCommand)[0]?.args[0].input;
      // Workers run on Fargate, latest platform (ECS.10).
      assert.equal(input?.launchType, "FARGATE");
      assert.equal(input?.platformVersion, "LATEST");
      assert.equal(input?.capacityProviderStrategy, undefined);
      assert.deepEqual(input?.overrides?.containerOverrides, [
        { name: "jobs", command: ["bundle", "exec", "rake", "boom"] },
      ]);
    });

    it("fails with the stop reason when the container never ran", async () => {
      taskThatExits("api", undefined, "CannotPullContainerError: pull access denied");
      const run = await runCli(["run", "api", "--stack", "dev", "--", "true"], {
        env: ENV,
        stack: deployedStack(),
      });
      assert.equal(run.code, 1);
      assert.match(
        run.stderr,
        /stopped without an exit code: CannotPullContainerError: pull access denied\.\n$/,
      );
    });

    it("uses the cluster's default strategy when the stack has no capacity provider output", async () => {
      taskThatExits("api", 0);
      await runCli(["run", "api", "--stack", "dev", "--", "true"], {
        env: ENV,
        stack: deployedStack({ capacityProviderName: undefined }),
      });
      const input = ecs.commandCalls(RunTaskCommand)[0]?.args[0].input;
      assert.equal(input?.capacityProviderStrategy, undefined);
      assert.equal(input?.launchType, undefined);
    });

    it("reports why ECS did not start the task", async () => {
      ecs.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason: "RESOURCE:MEMORY" }] });
      const run = await runCli(["run", "api", "--stack", "dev", "--", "true"], {
        env: ENV,
        stack: deployedStack(),
      });
      assert.equal(run.code, 1);
      assert.equal(run.stderr, "error: ECS did not start the task: RESOURCE:MEMORY.\n");
    });

    it("says a configured workload is not deployed yet", async () => {
      const run = await runCli(["run", "notifications", "--stack", "dev", "--", "true"], {
        env: ENV,
        stack: deployedStack(),
      });
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^error: The service notifications is not deployed in stack dev/);
      assert.equal(ecs.commandCalls(RunTaskCommand).length, 0);
    });
  });

  describe("logs", () => {
    it("prints the workload's log group since --since, every page", async () => {
      logs
        .on(FilterLogEventsCommand)
        .resolvesOnce({
          events: [
            {
              eventId: "1",
              timestamp: NOW - 60_000,
              logStreamName: "api/api/t1",
              message: "GET /health 200\n",
            },
          ],
          nextToken: "p2",
        })
        .resolvesOnce({
          events: [
            {
              eventId: "2",
              timestamp: NOW - 30_000,
              logStreamName: "api/api/t2",
              message: "POST /videos 201",
            },
          ],
        });
      const run = await runCli(["logs", "api", "--stack", "dev", "--since", "15m"], {
        env: ENV,
        stack: deployedStack(),
      });
      assert.equal(run.code, 0, run.stderr);
      const inputs = logs.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input);
      assert.deepEqual(inputs, [
        { logGroupName: "/vitcord/dev/api", startTime: NOW - 15 * 60_000, nextToken: undefined },
        { logGroupName: "/vitcord/dev/api", startTime: NOW - 15 * 60_000, nextToken: "p2" },
      ]);
      assert.equal(
        run.stdout,
        "2026-01-01T11:59:00.000Z api/api/t1 GET /health 200\n" +
          "2026-01-01T11:59:30.000Z api/api/t2 POST /videos 201\n",
      );
    });

    it("--follow asks again from the newest event and prints each event once", async () => {
      const first = {
        eventId: "1",
        timestamp: NOW - 1_000,
        logStreamName: "jobs/jobs/t1",
        message: "job 1 done",
      };
      const second = {
        eventId: "2",
        timestamp: NOW + 1_000,
        logStreamName: "jobs/jobs/t1",
        message: "job 2 done",
      };
      logs
        .on(FilterLogEventsCommand)
        .resolvesOnce({ events: [first] })
        .resolvesOnce({ events: [first, second] });
      const run = await runCli(["logs", "jobs", "--stack", "dev", "--follow"], {
        env: ENV,
        stack: deployedStack(),
        onSleep: (count, abort) => {
          if (count === 2) abort.abort(); // Ctrl-C after the second poll
        },
      });
      assert.equal(run.code, 0, run.stderr);
      const starts = logs
        .commandCalls(FilterLogEventsCommand)
        .map((c) => c.args[0].input.startTime);
      assert.deepEqual(starts, [NOW - 3_600_000, NOW - 1_000]);
      assert.equal(run.stdout.match(/job 1 done/g)?.length, 1);
      assert.match(run.stdout, /job 2 done/);
    });
  });
});
