// The operations CLI's status command against mocked SDK v3 clients.
import * as assert from "node:assert/strict";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeServicesCommand, ECSClient } from "@aws-sdk/client-ecs";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { OutputMap } from "@pulumi/pulumi/automation";
import { mockClient } from "aws-sdk-client-mock";
import { FakeStack, runCli } from "./cli-context";

const ENV = { PULUMI_BACKEND_URL: "s3://vitcord-state", PULUMI_CONFIG_PASSPHRASE: "" };
const NOW = Date.parse("2026-01-01T12:00:00Z");
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

  describe("status", () => {
    it("shows desired/running/pending and the rollout of every workload, exit 1 while one FAILED", async () => {
      ecs.on(DescribeServicesCommand).resolves({
        services: [
          {
            serviceName: "vitcord-dev-api",
            desiredCount: 2,
            runningCount: 1,
            pendingCount: 1,
            deployments: [
              {
                status: "ACTIVE",
                rolloutState: "COMPLETED",
                createdAt: new Date(NOW - 86_400_000),
              },
              { status: "PRIMARY", rolloutState: "IN_PROGRESS", createdAt: new Date(NOW - 60_000) },
            ],
          },
          {
            serviceName: "vitcord-dev-jobs",
            desiredCount: 1,
            runningCount: 1,
            pendingCount: 0,
            deployments: [
              {
                status: "PRIMARY",
                rolloutState: "FAILED",
                rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.",
                createdAt: new Date(NOW),
              },
            ],
          },
        ],
      });
      const run = await runCli(["status", "--stack", "dev"], { env: ENV, stack: deployedStack() });
      assert.equal(run.code, 1, run.stderr);
      assert.equal(
        run.stderr,
        "A rollout has failed in stack dev: see `npm run infra -- releases <workload> --stack dev` and roll back or release again.\n",
      );
      assert.deepEqual(ecs.commandCalls(DescribeServicesCommand)[0]?.args[0].input, {
        cluster: "vitcord-dev",
        services: ["vitcord-dev-api", "vitcord-dev-jobs"],
      });
      assert.equal(
        run.stdout,
        [
          "NAME           KIND     DESIRED  RUNNING  PENDING  ROLLOUT",
          "api            service  2        1        1        IN_PROGRESS",
          "notifications  service  -        -        -        not deployed",
          "jobs           worker   1        1        0        FAILED",
          "jobs: ECS deployment circuit breaker: tasks failed to start.",
          "",
        ].join("\n"),
      );
    });

    it("a deployment ECS rolled back shows ROLLED_BACK against the revision the up registered", async () => {
      const registered = { taskDefinitionArn: `${API_TD}:8` };
      ecs.on(DescribeServicesCommand).resolves({
        services: [
          {
            serviceName: "vitcord-dev-api",
            desiredCount: 1,
            runningCount: 1,
            pendingCount: 0,
            // The circuit breaker's rollback: a new PRIMARY deployment on the last COMPLETED one.
            deployments: [
              { status: "PRIMARY", taskDefinition: `${API_TD}:7`, rolloutState: "COMPLETED" },
            ],
          },
          {
            serviceName: "vitcord-dev-jobs",
            desiredCount: 1,
            runningCount: 1,
            pendingCount: 0,
            deployments: [{ status: "PRIMARY", rolloutState: "COMPLETED" }],
          },
        ],
      });
      const stack = deployedStack({
        services: { api: { ...workload("api"), ...registered } },
      });
      const run = await runCli(["status", "--stack", "dev"], { env: ENV, stack });
      assert.equal(run.code, 1, run.stderr);
      const lines = run.stdout.split("\n");
      assert.match(lines[1] ?? "", /^api\s+service\s+1\s+1\s+0\s+ROLLED_BACK$/);
      assert.match(lines[3] ?? "", /^jobs\s+worker\s+1\s+1\s+0\s+COMPLETED$/);
      assert.equal(lines[4], "api: ECS runs vitcord-dev-api:7, not vitcord-dev-api:8");

      ecs.on(DescribeServicesCommand).resolves({
        services: [
          {
            serviceName: "vitcord-dev-api",
            deployments: [
              { status: "PRIMARY", taskDefinition: `${API_TD}:8`, rolloutState: "COMPLETED" },
            ],
          },
        ],
      });
      const healthy = await runCli(["status", "--stack", "dev"], { env: ENV, stack });
      assert.equal(healthy.code, 0, healthy.stderr);
    });

    it("--json gives the same rows to machines", async () => {
      ecs.on(DescribeServicesCommand).resolves({ services: [] });
      const run = await runCli(["status", "--stack", "dev", "--json"], {
        env: ENV,
        stack: deployedStack(),
      });
      const parsed = JSON.parse(run.stdout);
      assert.equal(parsed.cluster, "vitcord-dev");
      assert.deepEqual(
        parsed.workloads.map((w: { name: string; rollout: string }) => [w.name, w.rollout]),
        [
          ["api", "not deployed"],
          ["notifications", "not deployed"],
          ["jobs", "not deployed"],
        ],
      );
    });
  });
});
