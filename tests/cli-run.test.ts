// `run`: a one-off task like `heroku run`, over the operations manifest, against mocked SDK v3
// clients (no Pulumi CLI): the running task definition, the workload's placement and network,
// its logs streamed, the container's exit code, Ctrl-C → StopTask, --detach.
import * as assert from "node:assert/strict";
import { CloudWatchLogsClient, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  RunTaskCommand,
  StopTaskCommand,
} from "@aws-sdk/client-ecs";
import { SSMClient } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { runTaskInput } from "../cli/run-task";
import { runCli } from "./cli-context";
import { CLIENT_SG, CLUSTER, devManifest, publishManifest, workloadEntry } from "./ops-fixtures";

const TASK_ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
const TASK_ARN = `arn:aws:ecs:eu-west-1:123456789012:task/${CLUSTER}/${TASK_ID}`;
const TD = (name: string, revision: number) =>
  `arn:aws:ecs:eu-west-1:123456789012:task-definition/dev-${name}:${revision}`;

function awsError(name: string, message = name): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describe("infra CLI: run", () => {
  const sts = mockClient(STSClient);
  const ssm = mockClient(SSMClient);
  const ecs = mockClient(ECSClient);
  const logs = mockClient(CloudWatchLogsClient);
  beforeEach(() => {
    for (const mock of [sts, ssm, ecs, logs]) mock.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Arn: "arn:aws:iam::123456789012:user/dev" });
    publishManifest(ssm);
  });
  after(() => {
    for (const mock of [sts, ssm, ecs, logs]) mock.restore();
  });

  /**
   * The service runs revision 5 (PRIMARY) while a failed release's revision 7 is still ACTIVE;
   * the task runs for one poll, logs two lines and stops with `exitCode`.
   */
  function taskThatExits(name: string, exitCode: number | undefined, reason?: string) {
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        {
          serviceName: `${name}-service-5e6f7a8`,
          status: "ACTIVE",
          deployments: [
            { status: "ACTIVE", taskDefinition: TD(name, 7), rolloutState: "FAILED" },
            { status: "PRIMARY", taskDefinition: TD(name, 5), rolloutState: "COMPLETED" },
          ],
        },
      ],
    });
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK_ARN }] });
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
      return { events: page.message.map((message) => ({ message })), nextForwardToken: page.next };
    });
  }

  it("runs the service's running revision on its capacity provider, streams its logs, exits 0", async () => {
    taskThatExits("api", 0);
    const run = await runCli(["run", "api", "--stack", "dev", "--", "bin/rails", "db:migrate"]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(ecs.commandCalls(DescribeServicesCommand)[0]?.args[0].input, {
      cluster: CLUSTER,
      services: ["api-service-5e6f7a8"],
    });
    assert.deepEqual(ecs.commandCalls(RunTaskCommand)[0]?.args[0].input, {
      cluster: CLUSTER,
      taskDefinition: TD("api", 5),
      count: 1,
      capacityProviderStrategy: [{ capacityProvider: "dev-ec2", weight: 1 }],
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ["subnet-p1", "subnet-p2"],
          securityGroups: ["sg-api", CLIENT_SG],
          assignPublicIp: "DISABLED",
        },
      },
      overrides: { containerOverrides: [{ name: "api", command: ["bin/rails", "db:migrate"] }] },
      startedBy: "vitcord-infra-cli",
      propagateTags: "TASK_DEFINITION",
      enableExecuteCommand: true,
    });
    assert.deepEqual(logs.commandCalls(GetLogEventsCommand)[0]?.args[0].input, {
      logGroupName: "/vitcord/dev/api",
      logStreamName: `api/api/${TASK_ID}`,
      startFromHead: true,
      nextToken: undefined,
    });
    assert.deepEqual(
      ecs.commandCalls(DescribeTasksCommand).map((c) => c.args[0].input),
      [
        { cluster: CLUSTER, tasks: [TASK_ARN] },
        { cluster: CLUSTER, tasks: [TASK_ARN] },
      ],
    );
    assert.equal(run.stdout, "== 20260101 CreateVideos: migrating\n== done\n");
    assert.match(
      run.stderr,
      /^Started task 0a1b2c3d4e5f60718293a4b5c6d7e8f9 \(api: bin\/rails db:migrate, dev-api:5\)/,
    );
    assert.match(run.stderr, /Task 0a1b2c3d4e5f60718293a4b5c6d7e8f9 exited with code 0\.\n$/);
    assert.equal(ecs.commandCalls(StopTaskCommand).length, 0);
  });

  it("exits with the worker container's exit code; workers run on their Fargate strategy without exec", async () => {
    taskThatExits("jobs", 3);
    const run = await runCli([
      "run",
      "jobs",
      "--stack",
      "dev",
      "--",
      "bundle",
      "exec",
      "rake",
      "boom",
    ]);
    assert.equal(run.code, 3);
    assert.match(run.stderr, /exited with code 3\.\n$/);
    const input = ecs.commandCalls(RunTaskCommand)[0]?.args[0].input;
    assert.deepEqual(input?.capacityProviderStrategy, [
      { capacityProvider: "FARGATE_SPOT", weight: 1 },
    ]);
    assert.equal(input?.launchType, undefined, "RunTask takes a strategy or a launch type");
    assert.equal(input?.enableExecuteCommand, undefined);
    assert.equal(input?.taskDefinition, TD("jobs", 5));
    assert.deepEqual(input?.overrides?.containerOverrides, [
      { name: "jobs", command: ["bundle", "exec", "rake", "boom"] },
    ]);
  });

  it("adds the cluster's client group when the manifest's groups lack it", () => {
    const manifest = devManifest();
    const entry = workloadEntry("api", "service", { securityGroupIds: ["sg-api"] });
    const input = runTaskInput(manifest, { name: "api", kind: "service", entry }, "td:1", ["x"]);
    assert.deepEqual(input.networkConfiguration?.awsvpcConfiguration?.securityGroups, [
      "sg-api",
      CLIENT_SG,
    ]);
  });

  it("fails with the stop reason when the container never exited", async () => {
    taskThatExits("api", undefined, "CannotPullContainerError: pull access denied");
    const run = await runCli(["run", "api", "--stack", "dev", "--", "true"]);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /\nerror: Task 0a1b2c3d4e5f60718293a4b5c6d7e8f9 stopped without an exit code: CannotPullContainerError: pull access denied\.\n$/,
    );
  });

  it("Ctrl-C stops the task before exiting 130", async () => {
    taskThatExits("api", 0);
    ecs.on(StopTaskCommand).resolves({ task: { taskArn: TASK_ARN, desiredStatus: "STOPPED" } });
    const run = await runCli(["run", "api", "--stack", "dev", "--", "sleep", "600"], {
      onSleep: (_count, abort) => abort.abort(),
    });
    assert.equal(run.code, 130, run.stderr);
    assert.deepEqual(ecs.commandCalls(StopTaskCommand)[0]?.args[0].input, {
      cluster: CLUSTER,
      task: TASK_ARN,
      reason: "Interrupted (Ctrl-C) in vitcord-infra-cli run",
    });
    // Stopped after the first poll, before asking again.
    assert.equal(ecs.commandCalls(DescribeTasksCommand).length, 1);
    assert.match(run.stderr, /Interrupted: stopped task 0a1b2c3d4e5f60718293a4b5c6d7e8f9\.\n$/);
  });

  it("Ctrl-C says how to stop the task when StopTask fails", async () => {
    taskThatExits("api", 0);
    ecs.on(StopTaskCommand).rejects(awsError("AccessDeniedException", "not allowed"));
    const run = await runCli(["run", "api", "--stack", "dev", "--", "sleep", "600"], {
      onSleep: (_count, abort) => abort.abort(),
    });
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /error: Interrupted, but could not stop task 0a1b2c3d4e5f60718293a4b5c6d7e8f9: not allowed\. Stop it with: aws ecs stop-task --cluster dev-cluster-1a2b3c4 --task 0a1b2c3d4e5f60718293a4b5c6d7e8f9\n$/,
    );
  });

  it("--detach prints the task id and how to follow its logs, and leaves it running", async () => {
    taskThatExits("api", 0);
    const run = await runCli(["run", "api", "--stack", "dev", "--detach", "--", "bin/backfill"], {
      findExecutable: () => undefined, // no Pulumi CLI needed
      env: {},
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `${TASK_ID}\n`);
    assert.match(
      run.stderr,
      new RegExp(
        `Follow its logs: npm run infra -- logs api --task ${TASK_ID} --follow --stack dev\\n$`,
      ),
    );
    assert.equal(ecs.commandCalls(DescribeTasksCommand).length, 0);
    assert.equal(logs.commandCalls(GetLogEventsCommand).length, 0);
    assert.equal(ecs.commandCalls(StopTaskCommand).length, 0);
  });

  it("reports why ECS did not start the task", async () => {
    taskThatExits("api", 0);
    ecs.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason: "RESOURCE:MEMORY" }] });
    const run = await runCli(["run", "api", "--stack", "dev", "--", "true"]);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, "error: ECS did not start the task: RESOURCE:MEMORY.\n");
  });

  it("refuses when the service is not active", async () => {
    ecs.on(DescribeServicesCommand).resolves({
      services: [],
      failures: [{ arn: "api-service-5e6f7a8", reason: "MISSING" }],
    });
    const run = await runCli(["run", "api", "--stack", "dev", "--", "true"]);
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      "error: The ECS service api-service-5e6f7a8 of api is not active in cluster " +
        "dev-cluster-1a2b3c4 (MISSING): redeploy the stack (npm run infra -- up --stack dev).\n",
    );
    assert.equal(ecs.commandCalls(RunTaskCommand).length, 0);
  });

  describe("errors, each before any task starts", () => {
    const rejects = async (argv: string[], message: RegExp | string) => {
      const run = await runCli(argv);
      assert.equal(run.code, 1);
      if (typeof message === "string") assert.equal(run.stderr, `error: ${message}\n`);
      else assert.match(run.stderr, message);
      assert.equal(ecs.commandCalls(RunTaskCommand).length, 0);
    };

    it("lists the configured workloads for an unknown one", async () => {
      await rejects(
        ["run", "web", "--stack", "dev", "--", "true"],
        'Unknown service or worker "web" in stack dev. Configured: api, notifications, jobs (worker).',
      );
      assert.equal(sts.calls().length, 0);
    });

    it("fails on missing credentials, a missing manifest or an undeployed workload", async () => {
      sts.reset();
      sts.on(GetCallerIdentityCommand).rejects(awsError("CredentialsProviderError", "none"));
      await rejects(
        ["run", "api", "--stack", "dev", "--", "true"],
        /^error: No usable AWS credentials \(none\)\./,
      );
      assert.equal(ssm.calls().length, 0);

      sts.reset();
      sts.on(GetCallerIdentityCommand).resolves({ Arn: "arn:aws:iam::123456789012:user/dev" });
      ssm.reset();
      ssm.rejects(awsError("ParameterNotFound"));
      await rejects(
        ["run", "api", "--stack", "dev", "--", "true"],
        "Stack dev has no operations manifest (SSM parameter /vitcord/dev/ops in eu-west-1): " +
          "deploy the stack first (npm run infra -- up --stack dev).",
      );

      ssm.reset();
      publishManifest(ssm, devManifest({ jobs: undefined }));
      await rejects(
        ["run", "jobs", "--stack", "dev", "--", "true"],
        "The worker jobs is configured but not deployed in stack dev (not in its operations " +
          "manifest): run `npm run infra -- up --stack dev` first.",
      );
    });

    it("needs a command", async () => {
      await rejects(
        ["run", "api", "--stack", "dev"],
        /^error: missing required argument 'command'/,
      );
    });
  });
});
