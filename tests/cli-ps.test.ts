// `ps`: the rollout, crash-loop and task views as pure functions, and the command against mocked
// ECS, ELBv2, SSM and STS clients (exact inputs of every call).
import * as assert from "node:assert/strict";
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  Task,
} from "@aws-sdk/client-ecs";
import {
  DescribeRulesCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { SSMClient } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { crashLoop, isCrash, rolloutView, taskView } from "../cli/ps-view";
import { runCli } from "./cli-context";
import {
  crashedTask,
  digestOf,
  ecsService,
  ecsTask,
  minutesAgo,
  NOW,
  serviceNameOf,
  taskArn,
  taskDefinition,
  taskId,
} from "./ecs-fixtures";
import { CLUSTER, devManifest, publishManifest, workloadEntry } from "./ops-fixtures";

const API = workloadEntry("api", "service");
const LISTENER = API.loadBalancer!.listenerArns[0]!;

describe("ps view (pure)", () => {
  describe("rolloutView: the rollout against the manifest's revision", () => {
    const deployed = taskDefinition("api", 3);
    const primary = (
      revision: number,
      rolloutState: "COMPLETED" | "IN_PROGRESS" = "COMPLETED",
    ) => ({
      id: `ecs-svc/${revision}`,
      status: "PRIMARY",
      taskDefinition: taskDefinition("api", revision),
      rolloutState,
    });

    it("COMPLETED on the manifest's revision, and on a newer one (config:set, restart)", () => {
      assert.deepEqual(rolloutView({ deployments: [primary(3)] }, deployed), {
        state: "COMPLETED",
        running: "dev-api:3",
        deployed: "dev-api:3",
      });
      assert.equal(rolloutView({ deployments: [primary(4)] }, deployed).state, "COMPLETED");
      assert.equal(
        rolloutView({ deployments: [primary(4, "IN_PROGRESS")] }, deployed).state,
        "IN_PROGRESS",
      );
    });

    it("ROLLED_BACK when the PRIMARY deployment runs an older revision of the family", () => {
      assert.deepEqual(rolloutView({ deployments: [primary(2)] }, deployed), {
        state: "ROLLED_BACK",
        running: "dev-api:2",
        deployed: "dev-api:3",
        reason:
          "ECS runs dev-api:2, older than dev-api:3 the last deploy registered: that deployment failed and ECS rolled back",
      });
    });

    it("FAILED while a deployment is FAILED, naming the rollback in progress", () => {
      const view = rolloutView(
        {
          deployments: [
            primary(2, "IN_PROGRESS"),
            {
              status: "ACTIVE",
              taskDefinition: deployed,
              rolloutState: "FAILED",
              rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.",
            },
          ],
        },
        deployed,
      );
      assert.equal(view.state, "FAILED");
      assert.equal(
        view.reason,
        "the deployment of dev-api:3 failed: ECS deployment circuit breaker: tasks failed to start.; ECS is rolling back to dev-api:2",
      );
    });
  });

  describe("isCrash and crashLoop: a task stopping in a loop", () => {
    const stopped = (stopCode: Task["stopCode"], stoppedReason: string): Task => ({
      stopCode,
      stoppedReason,
    });

    it("counts exits, failed starts and failed health checks; not deployments, Spot or restarts", () => {
      assert.equal(
        isCrash(stopped("EssentialContainerExited", "Essential container in task exited")),
        true,
      );
      assert.equal(isCrash(stopped("TaskFailedToStart", "CannotPullContainerError: …")), true);
      assert.equal(
        isCrash(
          stopped("ServiceSchedulerInitiated", "Task failed ELB health checks in (target-group …)"),
        ),
        true,
      );
      assert.equal(
        isCrash(stopped("ServiceSchedulerInitiated", "Task failed container health checks")),
        true,
      );
      assert.equal(
        isCrash(
          stopped(
            "ServiceSchedulerInitiated",
            "Scaling activity initiated by (deployment ecs-svc/1)",
          ),
        ),
        false,
      );
      assert.equal(isCrash(stopped("SpotInterruption", "Your Spot Task was interrupted.")), false);
      assert.equal(isCrash(stopped("UserInitiated", "Task restart by vitcord-infra CLI")), false);
    });

    it("three crashes within 30 minutes are a loop; two, or one older, are not", () => {
      const three = [5, 12, 29].map((m, i) => crashedTask("api", taskId(`c${i}`), m));
      assert.equal(
        crashLoop(ecsService("api"), three, NOW),
        `tasks stop in a loop (3 tasks crashed in the last 30 minutes); last: ${taskId("c0")} ` +
          "(dev-api:3): Essential container in task exited; container api: exit code 1",
      );
      assert.equal(crashLoop(ecsService("api"), three.slice(0, 2), NOW), undefined);
      const older = [5, 12, 31].map((m, i) => crashedTask("api", taskId(`c${i}`), m));
      assert.equal(crashLoop(ecsService("api"), older, NOW), undefined);
    });

    it("a PRIMARY deployment with three failed tasks in a row is a loop", () => {
      const service = ecsService("api", {
        deployments: [{ id: "ecs-svc/9", status: "PRIMARY", failedTasks: 3 }],
      });
      assert.equal(
        crashLoop(service, [], NOW),
        "tasks stop in a loop (deployment ecs-svc/9 counts 3 failed tasks in a row)",
      );
    });
  });

  it("taskView: short fields from the workload's container; its health when it differs", () => {
    const task = ecsTask("api", taskId("ab"), {
      healthStatus: "UNHEALTHY",
      containers: [
        { name: "envoy", image: "envoy:1", healthStatus: "HEALTHY" },
        { name: "api", image: `vitcord/api@${digestOf("d")}`, healthStatus: "UNKNOWN" },
      ],
    });
    assert.deepEqual(taskView(task, "api"), {
      id: taskId("ab"),
      revision: "dev-api:3",
      status: "RUNNING",
      health: "UNHEALTHY (api UNKNOWN)",
      availabilityZone: "eu-west-1a",
      capacityProvider: "dev-ec2",
      image: `vitcord/api@${digestOf("d")}`,
      digest: digestOf("d"),
      startedAt: "2026-01-01T11:00:00Z",
    });
  });
});

describe("infra CLI: ps", () => {
  const sts = mockClient(STSClient);
  const ssm = mockClient(SSMClient);
  const ecs = mockClient(ECSClient);
  const elbv2 = mockClient(ElasticLoadBalancingV2Client);
  beforeEach(() => {
    for (const mock of [sts, ssm, ecs, elbv2]) mock.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Arn: "arn:aws:iam::123456789012:user/dev" });
    publishManifest(ssm, devManifest());
    elbv2.on(DescribeRulesCommand).resolves({ Rules: [{ Priority: "default", RuleArn: "r0" }] });
  });
  after(() => [sts, ssm, ecs, elbv2].forEach((mock) => mock.restore()));

  const RUNNING = [taskId("a1"), taskId("b2")];
  function apiRunningTwo(stopped: Task[] = []) {
    ecs.on(DescribeServicesCommand).resolves({
      services: [ecsService("api", { desiredCount: 2, runningCount: 2 })],
    });
    ecs
      .on(ListTasksCommand, { serviceName: serviceNameOf("api"), desiredStatus: "RUNNING" })
      .resolves({ taskArns: RUNNING.map(taskArn) });
    ecs
      .on(ListTasksCommand, { serviceName: serviceNameOf("api"), desiredStatus: "STOPPED" })
      .resolves({ taskArns: stopped.map((t) => t.taskArn!) });
    ecs.on(DescribeTasksCommand).resolves({
      tasks: [
        ecsTask("api", RUNNING[0]!, { availabilityZone: "eu-west-1b", startedAt: minutesAgo(30) }),
        ecsTask("api", RUNNING[1]!),
        ...stopped,
      ],
    });
  }

  it("ps api: its tasks, counts, rollout, maintenance and events, from the exact calls", async () => {
    apiRunningTwo();
    const run = await runCli(["ps", "api", "--stack", "dev"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stdout,
      [
        "api (service api-service-5e6f7a8): 2/2 running, 0 pending, rollout COMPLETED dev-api:3, maintenance off",
        "  TASK      REVISION   STATUS   HEALTH   AZ          CAPACITY  TAG     DIGEST               STARTED",
        "  a1a1a1a1  dev-api:3  RUNNING  HEALTHY  eu-west-1b  dev-ec2   v1.0.0  sha256:aaaaaaaaaaaa  2026-01-01T11:30:00Z",
        "  b2b2b2b2  dev-api:3  RUNNING  HEALTHY  eu-west-1a  dev-ec2   v1.0.0  sha256:aaaaaaaaaaaa  2026-01-01T11:00:00Z",
        "  events:",
        "    2026-01-01T11:55:00Z (service api-service-5e6f7a8) has reached a steady state.",
        "",
      ].join("\n"),
    );
    assert.equal(run.stderr, "");
    assert.deepEqual(
      ecs.commandCalls(DescribeServicesCommand).map((c) => c.args[0].input),
      [{ cluster: CLUSTER, services: ["api-service-5e6f7a8"] }],
    );
    assert.deepEqual(
      ecs.commandCalls(ListTasksCommand).map((c) => c.args[0].input),
      ["RUNNING", "STOPPED"].map((desiredStatus) => ({
        cluster: CLUSTER,
        serviceName: "api-service-5e6f7a8",
        desiredStatus,
      })),
    );
    assert.deepEqual(
      ecs.commandCalls(DescribeTasksCommand).map((c) => c.args[0].input),
      [{ cluster: CLUSTER, tasks: RUNNING.map(taskArn) }],
    );
    assert.deepEqual(
      elbv2.commandCalls(DescribeRulesCommand).map((c) => c.args[0].input),
      [{ ListenerArn: LISTENER }],
    );
  });

  it("maintenance on: the priority-1 rule tagged vitcord:maintenance on every listener", async () => {
    apiRunningTwo();
    elbv2.on(DescribeRulesCommand).resolves({ Rules: [{ Priority: "1", RuleArn: "rule-m" }] });
    elbv2.on(DescribeTagsCommand).resolves({
      TagDescriptions: [
        { ResourceArn: "rule-m", Tags: [{ Key: "vitcord:maintenance", Value: "on" }] },
      ],
    });
    const run = await runCli(["ps", "api", "--stack", "dev", "--json"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).workloads[0].maintenance, "on");
    assert.deepEqual(elbv2.commandCalls(DescribeTagsCommand)[0]?.args[0].input, {
      ResourceArns: ["rule-m"],
    });
  });

  it("a crash loop is listed first and exits 1", async () => {
    apiRunningTwo([2, 9, 14].map((m, i) => crashedTask("api", taskId(`c${i}`), m)));
    const run = await runCli(["ps", "api", "--stack", "dev"]);
    assert.equal(run.code, 1);
    const lines = run.stdout.split("\n");
    assert.deepEqual(lines.slice(0, 3), [
      "PROBLEMS",
      `  api: tasks stop in a loop (3 tasks crashed in the last 30 minutes); last: ${taskId("c0")} ` +
        "(dev-api:3): Essential container in task exited; container api: exit code 1",
      "",
    ]);
    assert.match(lines[3] ?? "", /^api \(service api-service-5e6f7a8\): 2\/2 running/);
    assert.equal(
      run.stderr,
      "1 problem in stack dev (listed first): see `npm run infra -- logs <workload> --stack dev` and `releases <workload>`.\n",
    );
    assert.deepEqual(ecs.commandCalls(DescribeTasksCommand)[0]?.args[0].input, {
      cluster: CLUSTER,
      tasks: [...RUNNING, taskId("c0"), taskId("c1"), taskId("c2")].map(taskArn),
    });
  });

  it("an unknown workload lists the configured ones and calls no AWS API", async () => {
    const run = await runCli(["ps", "web", "--stack", "dev"]);
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      'error: Unknown service or worker "web" in stack dev. Configured: api, notifications, jobs (worker).\n',
    );
    assert.equal(sts.calls().length + ssm.calls().length + ecs.calls().length, 0);
  });

  it("a configured workload the manifest lacks says to deploy", async () => {
    publishManifest(ssm, devManifest({ notifications: undefined }));
    const run = await runCli(["ps", "notifications", "--stack", "dev"]);
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      "error: The service notifications is configured but not deployed in stack dev (not in its operations manifest): " +
        "run `npm run infra -- up --stack dev` first.\n",
    );
    assert.equal(ecs.calls().length, 0);
  });
});
