// `exec`: ECS Exec into a running container; the ExecuteCommand input and the Session Manager
// plugin's argv (as the AWS CLI starts it) through the fake CliContext's spawnInteractive.
import * as assert from "node:assert/strict";
import {
  DescribeTasksCommand,
  ECSClient,
  ExecuteCommandCommand,
  ListTasksCommand,
} from "@aws-sdk/client-ecs";
import { SSMClient } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { runCli } from "./cli-context";
import { ecsTask, minutesAgo, serviceNameOf, taskArn, taskId } from "./ecs-fixtures";
import { CLUSTER, devManifest, publishManifest, workloadEntry } from "./ops-fixtures";

const OLD = taskId("a1");
const NEW = taskId("b2");
const SESSION = {
  sessionId: "ecs-execute-command-0f1e2d3c4b5a",
  streamUrl:
    "wss://ssmmessages.eu-west-1.amazonaws.com/v1/data-channel/ecs-execute-command-0f1e2d3c4b5a?role=publish_subscribe",
  tokenValue: "AAEAAc0ffee",
};
const PLUGIN_ENDPOINT = "https://ecs.eu-west-1.amazonaws.com";

describe("infra CLI: exec", () => {
  const sts = mockClient(STSClient);
  const ssm = mockClient(SSMClient);
  const ecs = mockClient(ECSClient);
  beforeEach(() => {
    for (const mock of [sts, ssm, ecs]) mock.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Arn: "arn:aws:iam::123456789012:user/dev" });
    publishManifest(ssm, devManifest());
    ecs.on(ListTasksCommand).resolves({ taskArns: [OLD, NEW].map(taskArn) });
    ecs.on(DescribeTasksCommand).resolves({
      tasks: [
        ecsTask("api", OLD, { startedAt: minutesAgo(90) }),
        ecsTask("api", NEW, { startedAt: minutesAgo(10) }),
      ],
    });
    ecs.on(ExecuteCommandCommand).callsFake((input: { task: string }) => ({
      clusterArn: `arn:aws:ecs:eu-west-1:123456789012:cluster/${CLUSTER}`,
      taskArn: input.task,
      containerName: "api",
      interactive: true,
      session: SESSION,
    }));
  });
  after(() => [sts, ssm, ecs].forEach((mock) => mock.restore()));

  it("opens a shell in the newest running task and hands the terminal to the plugin", async () => {
    const run = await runCli(["exec", "api", "--stack", "dev"], { interactiveExitCode: 0 });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(ecs.commandCalls(ListTasksCommand)[0]?.args[0].input, {
      cluster: CLUSTER,
      serviceName: serviceNameOf("api"),
      desiredStatus: "RUNNING",
    });
    assert.deepEqual(ecs.commandCalls(ExecuteCommandCommand)[0]?.args[0].input, {
      cluster: CLUSTER,
      task: taskArn(NEW),
      container: "api",
      interactive: true,
      command: "/bin/sh",
    });
    assert.deepEqual(run.spawned, [
      {
        command: "session-manager-plugin",
        args: [
          JSON.stringify(SESSION),
          "eu-west-1",
          "StartSession",
          "",
          JSON.stringify({ Target: `ecs:${CLUSTER}_${NEW}_${NEW}-1234567890` }),
          PLUGIN_ENDPOINT,
        ],
      },
    ]);
    assert.equal(
      run.stderr,
      `Session in task ${NEW} of api (dev-api:3), container api; exit to leave.\n`,
    );
  });

  it("--task and a command after --; the profile goes to the plugin; its exit code is ours", async () => {
    const run = await runCli(
      ["exec", "api", "--task", OLD.slice(0, 8), "--stack", "dev", "--", "bin/rails", "console"],
      {
        env: { AWS_PROFILE: "vitcord-dev" },
        interactiveExitCode: 130,
      },
    );
    assert.equal(run.code, 130);
    assert.deepEqual(ecs.commandCalls(DescribeTasksCommand)[0]?.args[0].input, {
      cluster: CLUSTER,
      tasks: [taskArn(OLD)],
    });
    assert.deepEqual(ecs.commandCalls(ExecuteCommandCommand)[0]?.args[0].input, {
      cluster: CLUSTER,
      task: taskArn(OLD),
      container: "api",
      interactive: true,
      command: "bin/rails console",
    });
    assert.equal(run.spawned[0]?.args[3], "vitcord-dev");
    assert.equal(
      run.spawned[0]?.args[4],
      JSON.stringify({ Target: `ecs:${CLUSTER}_${OLD}_${OLD}-1234567890` }),
    );
  });

  it("refuses a service whose exec is off, naming the key to set and to deploy", async () => {
    publishManifest(
      ssm,
      devManifest({ api: workloadEntry("api", "service", { execEnabled: false }) }),
    );
    const run = await runCli(["exec", "api", "--stack", "dev"]);
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      "error: ECS Exec is off for the service api in stack dev: set vitcord-infra:services.api.execEnabled: true " +
        "in Pulumi.dev.yaml and deploy (npm run infra -- up --stack dev).\n",
    );
    assert.equal(ecs.calls().length, 0);
    assert.deepEqual(run.spawned, []);
  });

  it("refuses a worker whose exec is off the same way", async () => {
    const run = await runCli(["exec", "jobs", "--stack", "dev"]);
    assert.equal(
      run.stderr,
      "error: ECS Exec is off for the worker jobs in stack dev: set vitcord-infra:workers.jobs.execEnabled: true " +
        "in Pulumi.dev.yaml and deploy (npm run infra -- up --stack dev).\n",
    );
    assert.equal(ecs.calls().length, 0);
  });

  it("without the Session Manager plugin says where to install it, and opens no session", async () => {
    const run = await runCli(["exec", "api", "--stack", "dev"], {
      findExecutable: (name) =>
        name === "session-manager-plugin" ? undefined : `/usr/bin/${name}`,
    });
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      "error: The Session Manager plugin (session-manager-plugin) is not on PATH; ECS Exec needs it for the " +
        "terminal session. Install it as https://docs.aws.amazon.com/systems-manager/latest/userguide/" +
        "session-manager-working-with-install-plugin.html says, then retry.\n",
    );
    assert.equal(ecs.commandCalls(ExecuteCommandCommand).length, 0);
  });

  it("a task whose exec agent is not connected: one line saying to restart", async () => {
    const refused = new Error("The execute command failed because the agent is not connected.");
    refused.name = "TargetNotConnectedException";
    ecs.on(ExecuteCommandCommand).rejects(refused);
    const run = await runCli(["exec", "api", "--stack", "dev"]);
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      `error: ECS refused a session in task ${NEW} of api (TargetNotConnectedException: The execute command ` +
        "failed because the agent is not connected.). A task started before ECS Exec was on has no exec agent: " +
        "npm run infra -- restart api --stack dev.\n",
    );
    assert.deepEqual(run.spawned, []);
  });

  it("no AWS credentials: one line, before the manifest is read", async () => {
    const missing = new Error("Could not load credentials from any providers");
    missing.name = "CredentialsProviderError";
    sts.on(GetCallerIdentityCommand).rejects(missing);
    const run = await runCli(["exec", "api", "--stack", "dev"]);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /^error: No usable AWS credentials \(Could not load credentials from any providers\)\. Configure them/,
    );
    assert.equal(run.stderr.split("\n").length, 2, "one line");
    assert.equal(ssm.calls().length + ecs.calls().length, 0);
  });
});
