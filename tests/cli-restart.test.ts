// `restart`: a verified redeploy of the same task definition, or one task stopped (StopTask) and
// its replacement awaited, against mocked ECS, SSM and STS clients.
import * as assert from "node:assert/strict";
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  StopTaskCommand,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import { SSMClient } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { runCli } from "./cli-context";
import {
  ecsService,
  ecsTask,
  minutesAgo,
  serviceNameOf,
  taskArn,
  taskDefinition,
  taskId,
} from "./ecs-fixtures";
import { CLUSTER, devManifest, publishManifest } from "./ops-fixtures";

const A1 = taskId("a1");
const B2 = taskId("b2");
const C3 = taskId("c3");

describe("infra CLI: restart", () => {
  const sts = mockClient(STSClient);
  const ssm = mockClient(SSMClient);
  const ecs = mockClient(ECSClient);
  beforeEach(() => {
    for (const mock of [sts, ssm, ecs]) mock.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Arn: "arn:aws:iam::123456789012:user/dev" });
    publishManifest(ssm, devManifest());
  });
  after(() => [sts, ssm, ecs].forEach((mock) => mock.restore()));

  describe("the whole workload", () => {
    const deployment = (rolloutState: "IN_PROGRESS" | "COMPLETED" | "FAILED") => ({
      id: "ecs-svc/777",
      status: "PRIMARY",
      taskDefinition: taskDefinition("api", 4),
      rolloutState,
      rolloutStateReason: rolloutState === "FAILED" ? "tasks failed to start." : undefined,
    });

    it("forces a new deployment of the running task definition and verifies it", async () => {
      ecs.on(UpdateServiceCommand).resolves({
        service: ecsService("api", { deployments: [deployment("IN_PROGRESS")] }),
      });
      ecs
        .on(DescribeServicesCommand)
        .resolves({ services: [ecsService("api", { deployments: [deployment("COMPLETED")] })] });
      const run = await runCli(["restart", "api", "--stack", "dev"]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(ecs.commandCalls(UpdateServiceCommand)[0]?.args[0].input, {
        cluster: CLUSTER,
        service: "api-service-5e6f7a8",
        forceNewDeployment: true,
      });
      assert.equal(run.stdout, "Restarted api: deployment ecs-svc/777 of dev-api:4 completed.\n");
    });

    it("a deployment that fails exits 1 with its report, never a success line", async () => {
      ecs.on(UpdateServiceCommand).resolves({
        service: ecsService("api", { deployments: [deployment("IN_PROGRESS")] }),
      });
      ecs
        .on(DescribeServicesCommand)
        .resolves({ services: [ecsService("api", { deployments: [deployment("FAILED")] })] });
      ecs.on(ListTasksCommand).resolves({ taskArns: [] });
      const run = await runCli(["restart", "api", "--stack", "dev"]);
      assert.equal(run.code, 1);
      assert.equal(run.stdout, "");
      assert.match(
        run.stderr,
        /^Deploying api \(dev-api:4, deployment ecs-svc\/777\)…\nerror: The deployment of api in stack dev did not complete:\nservice api \(ECS service api-service-5e6f7a8\): tasks failed to start\./,
      );
    });
  });

  describe("--task", () => {
    /** The lookup of a1 by prefix, then two polls: b2 alone, then b2 and the new c3 running. */
    function replacement() {
      ecs
        .on(ListTasksCommand)
        .resolvesOnce({ taskArns: [A1, B2].map(taskArn) })
        .resolvesOnce({ taskArns: [taskArn(B2)] })
        .resolves({ taskArns: [B2, C3].map(taskArn) });
      ecs
        .on(DescribeTasksCommand)
        .resolvesOnce({ tasks: [ecsTask("api", A1)] })
        .resolvesOnce({ tasks: [ecsTask("api", B2)] })
        .resolves({
          tasks: [ecsTask("api", B2), ecsTask("api", C3, { startedAt: minutesAgo(0) })],
        });
      ecs
        .on(DescribeServicesCommand)
        .resolvesOnce({ services: [ecsService("api", { desiredCount: 2, runningCount: 1 })] })
        .resolves({ services: [ecsService("api", { desiredCount: 2, runningCount: 2 })] });
      ecs.on(StopTaskCommand).resolves({ task: ecsTask("api", A1, { desiredStatus: "STOPPED" }) });
    }

    it("stops the task after checking it is the service's, then waits for its replacement", async () => {
      replacement();
      const run = await runCli(["restart", "api", "--task", A1.slice(0, 8), "--stack", "dev"]);
      assert.equal(run.code, 0, run.stderr);
      const listed = ecs.commandCalls(ListTasksCommand).map((c) => c.args[0].input);
      assert.deepEqual(listed[0], {
        cluster: CLUSTER,
        serviceName: serviceNameOf("api"),
        desiredStatus: "RUNNING",
      });
      assert.deepEqual(ecs.commandCalls(DescribeTasksCommand)[0]?.args[0].input, {
        cluster: CLUSTER,
        tasks: [taskArn(A1)],
      });
      assert.deepEqual(
        ecs.commandCalls(StopTaskCommand).map((c) => c.args[0].input),
        [{ cluster: CLUSTER, task: taskArn(A1), reason: "Task restart by vitcord-infra CLI" }],
      );
      assert.deepEqual(ecs.commandCalls(DescribeTasksCommand)[2]?.args[0].input, {
        cluster: CLUSTER,
        tasks: [B2, C3].map(taskArn),
      });
      assert.equal(run.sleeps.length, 1, "one poll before the replacement runs");
      assert.equal(run.stdout, `Restarted task ${A1} of api: 2/2 tasks running, newest ${C3}.\n`);
    });

    it("refuses a task of another service and stops nothing", async () => {
      ecs.on(DescribeTasksCommand).resolves({
        tasks: [ecsTask("notifications", A1)],
      });
      const run = await runCli(["restart", "api", "--task", A1, "--stack", "dev"]);
      assert.equal(run.code, 1);
      assert.equal(
        run.stderr,
        `error: Task ${A1} is not a task of the service api: its group is service:notifications-service-5e6f7a8, not service:api-service-5e6f7a8.\n`,
      );
      assert.equal(ecs.commandCalls(ListTasksCommand).length, 0, "a whole id needs no lookup");
      assert.equal(ecs.commandCalls(StopTaskCommand).length, 0);
    });

    it("an unknown prefix lists the service's tasks", async () => {
      ecs.on(ListTasksCommand).resolves({ taskArns: [A1, B2].map(taskArn) });
      const run = await runCli(["restart", "api", "--task", "c3c3c3c3", "--stack", "dev"]);
      assert.equal(
        run.stderr,
        "error: No running task of api starts with c3c3c3c3; its tasks: a1a1a1a1, b2b2b2b2.\n",
      );
      assert.equal(ecs.commandCalls(StopTaskCommand).length, 0);
    });

    it("a malformed --task is one line, before any AWS call", async () => {
      const run = await runCli(["restart", "api", "--task", "web.1", "--stack", "dev"]);
      assert.equal(run.code, 1);
      assert.equal(
        run.stderr,
        'error: Invalid --task "web.1": a task id as `ps` shows it (8 to 32 lowercase hex characters) or a task ARN.\n',
      );
      assert.equal(sts.calls().length + ecs.calls().length, 0);
    });

    it("a task ECS does not replace in time exits 1 with the service's events", async () => {
      ecs
        .on(DescribeTasksCommand)
        .resolvesOnce({ tasks: [ecsTask("api", A1)] })
        .resolves({ tasks: [] });
      ecs.on(ListTasksCommand).resolves({ taskArns: [] });
      ecs.on(StopTaskCommand).resolves({});
      ecs.on(DescribeServicesCommand).resolves({
        services: [
          ecsService("api", {
            runningCount: 0,
            events: [
              {
                createdAt: minutesAgo(1),
                message: "unable to place a task: no container instance",
              },
            ],
          }),
        ],
      });
      const run = await runCli(["restart", "api", "--task", A1, "--stack", "dev"]);
      assert.equal(run.code, 1);
      assert.equal(run.stdout, "");
      const [first, second, ...rest] = run.stderr.split("\n");
      assert.equal(first, `Stopped task ${A1} of api; waiting for ECS to replace it…`);
      assert.equal(second, `error: ECS has not replaced task ${A1} of api in stack dev:`);
      assert.match(rest.join("\n"), /after 10 minutes ECS runs 0 of 1 tasks without it/);
      assert.match(rest.join("\n"), /unable to place a task: no container instance/);
    });
  });
});
