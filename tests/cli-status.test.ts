// `status`: ps over every workload, from the operations manifest and mocked SDK v3 clients (no
// Pulumi): counts, rollouts against the manifest's revisions, problems first and exit 1.
import * as assert from "node:assert/strict";
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  Service,
} from "@aws-sdk/client-ecs";
import {
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { makeProject, runCli, STACK_FILES } from "./cli-context";
import {
  ecsService,
  ecsTask,
  serviceNameOf,
  taskArn,
  taskDefinition,
  taskId,
} from "./ecs-fixtures";
import { CLUSTER, devManifest, publishManifest, workloadEntry } from "./ops-fixtures";

describe("infra CLI: status", () => {
  const sts = mockClient(STSClient);
  const ssm = mockClient(SSMClient);
  const ecs = mockClient(ECSClient);
  const elbv2 = mockClient(ElasticLoadBalancingV2Client);
  beforeEach(() => {
    for (const mock of [sts, ssm, ecs, elbv2]) mock.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Arn: "arn:aws:iam::123456789012:user/dev" });
    publishManifest(ssm, devManifest());
    elbv2.on(DescribeRulesCommand).resolves({ Rules: [] });
    ecs.on(ListTasksCommand).resolves({ taskArns: [] });
    ecs.on(DescribeTasksCommand).resolves({ tasks: [] });
  });
  after(() => [sts, ssm, ecs, elbv2].forEach((mock) => mock.restore()));

  /** api with one task, notifications and jobs as given. */
  function services(notifications: Service, jobs: Service) {
    ecs
      .on(DescribeServicesCommand)
      .resolves({ services: [ecsService("api"), notifications, jobs] });
    ecs
      .on(ListTasksCommand, { serviceName: serviceNameOf("api"), desiredStatus: "RUNNING" })
      .resolves({ taskArns: [taskArn(taskId("a1"))] });
    ecs.on(DescribeTasksCommand).resolves({ tasks: [ecsTask("api", taskId("a1"))] });
  }

  it("shows every workload from one DescribeServices call; healthy: exit 0", async () => {
    services(
      ecsService("notifications", { desiredCount: 0, runningCount: 0, events: [] }),
      ecsService("jobs", { desiredCount: 2, runningCount: 1, pendingCount: 1 }),
    );
    const run = await runCli(["status", "--stack", "dev"]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(ssm.commandCalls(GetParameterCommand)[0]?.args[0].input, {
      Name: "/vitcord/dev/ops",
    });
    assert.deepEqual(ecs.commandCalls(DescribeServicesCommand)[0]?.args[0].input, {
      cluster: CLUSTER,
      services: ["api-service-5e6f7a8", "notifications-service-5e6f7a8", "jobs-service-5e6f7a8"],
    });
    assert.equal(ecs.commandCalls(ListTasksCommand).length, 6, "RUNNING and STOPPED for each");
    assert.equal(
      run.stdout,
      [
        "api (service api-service-5e6f7a8): 1/1 running, 0 pending, rollout COMPLETED dev-api:3, maintenance off",
        "  TASK      REVISION   STATUS   HEALTH   AZ          CAPACITY  TAG     DIGEST               STARTED",
        "  a1a1a1a1  dev-api:3  RUNNING  HEALTHY  eu-west-1a  dev-ec2   v1.0.0  sha256:aaaaaaaaaaaa  2026-01-01T11:00:00Z",
        "  events:",
        "    2026-01-01T11:55:00Z (service api-service-5e6f7a8) has reached a steady state.",
        "",
        "notifications (service notifications-service-5e6f7a8): 0/0 running, 0 pending, rollout COMPLETED dev-notifications:3, maintenance off",
        "  no tasks",
        "",
        "jobs (worker jobs-service-5e6f7a8): 1/2 running, 1 pending, rollout COMPLETED dev-jobs:3",
        "  no tasks",
        "  events:",
        "    2026-01-01T11:55:00Z (service jobs-service-5e6f7a8) has reached a steady state.",
        "",
      ].join("\n"),
    );
  });

  it("a failed rollout and a rolled-back one are listed first and exit 1; newer revisions are fine", async () => {
    services(
      ecsService("notifications", {
        deployments: [{ status: "PRIMARY", taskDefinition: taskDefinition("notifications", 2) }],
      }),
      ecsService("jobs", {
        deployments: [
          {
            status: "PRIMARY",
            taskDefinition: taskDefinition("jobs", 3),
            rolloutState: "FAILED",
            rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.",
          },
        ],
      }),
    );
    const run = await runCli(["status", "--stack", "dev"]);
    assert.equal(run.code, 1);
    assert.deepEqual(run.stdout.split("\n").slice(0, 4), [
      "PROBLEMS",
      "  notifications: rollout ROLLED_BACK: ECS runs dev-notifications:2, older than dev-notifications:3 " +
        "the last deploy registered: that deployment failed and ECS rolled back",
      "  jobs: rollout FAILED: the deployment of dev-jobs:3 failed: ECS deployment circuit breaker: tasks failed to start.",
      "",
    ]);
    assert.match(
      run.stdout,
      /^notifications \(service [^)]+\): 1\/1 running, 0 pending, rollout ROLLED_BACK dev-notifications:2 \(deployed dev-notifications:3\)/m,
    );
    assert.equal(
      run.stderr,
      "2 problems in stack dev (listed first): see `npm run infra -- logs <workload> --stack dev` and `releases <workload>`.\n",
    );

    // config:set and restart run revisions newer than the manifest's: no problem.
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        ecsService("api", {
          deployments: [
            {
              status: "PRIMARY",
              taskDefinition: taskDefinition("api", 5),
              rolloutState: "COMPLETED",
            },
          ],
        }),
        ecsService("notifications"),
        ecsService("jobs"),
      ],
    });
    const newer = await runCli(["status", "--stack", "dev"]);
    assert.equal(newer.code, 0, newer.stderr);
    assert.match(newer.stdout, /rollout COMPLETED dev-api:5 \(deployed dev-api:3\)/);
  });

  it("--json gives the same view and the problems to machines", async () => {
    ecs.on(DescribeServicesCommand).resolves({
      services: [ecsService("api"), ecsService("jobs")],
      failures: [{ arn: "notifications-service-5e6f7a8", reason: "MISSING" }],
    });
    const run = await runCli(["status", "--stack", "dev", "--json"]);
    assert.equal(run.code, 1);
    const parsed = JSON.parse(run.stdout);
    assert.equal(parsed.cluster, CLUSTER);
    assert.deepEqual(
      parsed.workloads.map((w: { name: string; state: string }) => [w.name, w.state]),
      [
        ["api", "ACTIVE"],
        ["notifications", "missing"],
        ["jobs", "ACTIVE"],
      ],
    );
    assert.deepEqual(parsed.problems, [
      {
        workload: "notifications",
        problem:
          "ECS has no service notifications-service-5e6f7a8, which the operations manifest names: redeploy the stack",
      },
    ]);
    assert.equal(run.stderr.startsWith('1 problem in stack dev (in "problems")'), true);
  });

  it("a configured workload not yet in the manifest shows as not deployed", async () => {
    publishManifest(ssm, devManifest({ notifications: undefined }));
    ecs.on(DescribeServicesCommand).resolves({ services: [ecsService("api"), ecsService("jobs")] });
    const run = await runCli(["status", "--stack", "dev"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /^notifications \(service\): not deployed: npm run infra -- up --stack dev$/m,
    );
    assert.deepEqual(ecs.commandCalls(DescribeServicesCommand)[0]?.args[0].input.services, [
      "api-service-5e6f7a8",
      "jobs-service-5e6f7a8",
    ]);
  });

  it("asks DescribeServices for at most ten services per call", async () => {
    const names = Array.from({ length: 11 }, (_, i) => `web${String(i).padStart(2, "0")}`);
    const devFile =
      "config:\n  aws:region: eu-west-1\n  vitcord-infra:environment: dev\n  vitcord-infra:services:\n" +
      names.map((n) => `    ${n}:\n      image: public.ecr.aws/nginx/nginx:1.27\n`).join("");
    const projectDir = makeProject({ ...STACK_FILES, "Pulumi.dev.yaml": devFile });
    const manifest = devManifest({ api: undefined, notifications: undefined, jobs: undefined });
    for (const n of names) manifest.workloads[n] = workloadEntry(n, "service");
    publishManifest(ssm, manifest);
    ecs.on(DescribeServicesCommand).resolves({ services: [] });
    const run = await runCli(["status", "--stack", "dev"], { projectDir });
    assert.equal(run.code, 1, "ECS knows none of them");
    assert.deepEqual(
      ecs.commandCalls(DescribeServicesCommand).map((c) => c.args[0].input.services),
      [names.slice(0, 10).map(serviceNameOf), [serviceNameOf(names[10]!)]],
    );
  });

  it("a stack without a manifest: one line saying to deploy it", async () => {
    ssm.reset();
    const error = new Error("Parameter /vitcord/dev/ops not found.");
    error.name = "ParameterNotFound";
    ssm.on(GetParameterCommand).rejects(error);
    const run = await runCli(["status", "--stack", "dev"]);
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      "error: Stack dev has no operations manifest (SSM parameter /vitcord/dev/ops in eu-west-1): " +
        "deploy the stack first (npm run infra -- up --stack dev).\n",
    );
    assert.equal(ecs.calls().length, 0);
  });
});
