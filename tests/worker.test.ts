import * as assert from "node:assert/strict";
import { ConfigError, parseStackConfig } from "../components/config";
import { ecsServiceOptions } from "../components/options";
import {
  containerDefinition,
  EXEC_AGENT_PATHS,
  EXEC_STATEMENTS,
  taskContainers,
} from "../components/task";
import { DENY_IAM_CHANGES } from "../components/iam";
import { VOLUME_INIT_CONTAINER } from "../components/volume-permissions";
import {
  capacityStrategyKey,
  fargateCapacityStrategy,
  strategyChanged,
} from "../components/worker";
import { shortHash } from "../plan/engine/stand-ins";
import { ProgramRun, RecordedResource, runInvalid, runProgram } from "./harness";
import { devWithConfigVarsAndWorkerExec } from "./ops-program";

const WORKER = "vitcord:service:FargateWorker";
const SERVICE = "aws:ecs/service:Service";
const TASK_DEF = "aws:ecs/taskDefinition:TaskDefinition";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const QUEUE = "aws:sqs/queue:Queue";
const POLICY = "aws:appautoscaling/policy:Policy";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const IMAGE = "public.ecr.aws/docker/library/ruby:3.3-slim";
const EXISTING_QUEUE = "arn:aws:sqs:us-east-1:123456789012:mailers";

/** A worker config for `changes`: the smallest valid one, plus overrides. */
function jobs(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { workers: { jobs: { image: IMAGE, command: ["bin/jobs"], ...overrides } } };
}

/** The problems a `workers.jobs` config is rejected with, through the real config parser. */
function problems(environment: "dev" | "prod", overrides: Record<string, unknown>): string[] {
  const raw: Record<string, string> = {
    "aws:region": "us-east-1",
    "vitcord-infra:environment": environment,
    "vitcord-infra:workers": JSON.stringify(jobs(overrides).workers),
    "vitcord-infra:services": JSON.stringify({
      api: {
        image: "public.ecr.aws/nginx/nginx:1.27",
        port: 80,
        certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc",
      },
    }),
  };
  try {
    parseStackConfig(environment, raw);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return [...error.problems];
  }
  return assert.fail("expected the config to be rejected");
}

/**
 * dev with two workers in place of the committed one, each property the subject of its own test,
 * in one synthesis (the harness memoizes it): `jobs` on-demand x86_64 with extra egress, consuming
 * an existing queue by ARN; `idle` the smallest worker, with no queue.
 */
const variedDev = () =>
  runProgram("dev", {
    workers: {
      jobs: {
        image: IMAGE,
        command: ["bin/jobs"],
        spot: { enabled: false },
        architecture: "x86_64",
        egress: [
          { description: "SMTP to the mail provider", port: 587, cidr: "0.0.0.0/0" },
          { description: "Syslog collector", port: 514, protocol: "udp", cidr: "192.0.2.0/24" },
        ],
        queue: { arn: EXISTING_QUEUE, backlogPerTask: 20 },
      },
      idle: { image: IMAGE, command: ["bin/jobs"] },
    },
  });

function children(run: ProgramRun, type: string, worker = "jobs"): RecordedResource[] {
  const component = run.one(WORKER, worker);
  const under = (r: RecordedResource): boolean =>
    r.parentUrn === component.urn || run.resources.some((p) => p.urn === r.parentUrn && under(p));
  return run.ofType(type).filter(under);
}

/**
 * What the worker's queue component declared, of one type. The program declares the queues before
 * the web services (producers need their URLs), so they sit beside the worker, not under it.
 */
function queueParts(run: ProgramRun, type = QUEUE, worker = "jobs"): RecordedResource[] {
  const queues = run
    .ofType("vitcord:service:WorkerQueue")
    .filter((q) => q.name === `${worker}-queue`);
  return queues.flatMap((q) => run.childrenOf(q)).filter((r) => r.type === type);
}

function only(run: ProgramRun, type: string, worker = "jobs"): RecordedResource {
  const found = children(run, type, worker);
  assert.equal(found.length, 1, `one ${type} under worker ${worker}`);
  return found[0]!;
}

function statements(policy: unknown): Record<string, unknown>[] {
  return (JSON.parse(policy as string) as { Statement: Record<string, unknown>[] }).Statement;
}

describe("FargateWorker", () => {
  let dev: ProgramRun;
  let prod: ProgramRun;
  before(async () => {
    dev = await runProgram("dev");
    prod = await runProgram("prod");
  });

  it("declares the committed jobs worker in both stacks", () => {
    for (const run of [dev, prod]) assert.equal(run.one(WORKER).name, "jobs");
  });

  it("has no load balancer and no `loadBalancers` on the service (dev, prod)", () => {
    for (const run of [dev, prod]) {
      const service = only(run, SERVICE);
      assert.equal(service.inputs.loadBalancers, undefined);
      assert.equal(children(run, "aws:lb/loadBalancer:LoadBalancer").length, 0);
      assert.equal(children(run, "aws:lb/targetGroup:TargetGroup").length, 0);
    }
  });

  it("has a security group with no ingress at all and described egress (EC2.18, CKV_AWS_23)", () => {
    for (const run of [dev, prod]) {
      const sg = only(run, SG);
      assert.deepEqual(sg.inputs.ingress, []);
      // Its only ingress rules are on the groups of the stores it uses (`uses`), none on its own.
      const rules = children(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
      assert.deepEqual(
        rules.map((r) => r.name),
        ["jobs-to-main"],
      );
      assert.notEqual(rules[0]!.inputs.securityGroupId, rules[0]!.inputs.referencedSecurityGroupId);
      const egress = sg.inputs.egress as Record<string, unknown>[];
      assert.deepEqual(
        egress.map((e) => [e.protocol, e.fromPort, e.toPort, e.cidrBlocks]),
        [
          ["tcp", 443, 443, ["0.0.0.0/0"]],
          ["-1", 0, 0, [run.outputs.vpcCidr]],
        ],
      );
      for (const rule of egress) assert.ok(String(rule.description).length > 10);
      // The service uses this group (the output is its id) and the cluster's Service Connect
      // client group, which the web services admit: no CIDR opens them to the worker.
      const groupId = (run.outputs.workers as Record<string, Record<string, unknown>>).jobs!
        .securityGroupId;
      assert.match(String(groupId), /^sg-/);
      assert.deepEqual(
        (only(run, SERVICE).inputs.networkConfiguration as { securityGroups: string[] })
          .securityGroups,
        [groupId, `sg-${shortHash("cluster-workloads", 17)}`],
      );
    }
  });

  it("runs in the private subnets with no public IP (ECS.2, CKV_AWS_333)", () => {
    for (const run of [dev, prod]) {
      const network = only(run, SERVICE).inputs.networkConfiguration as Record<string, unknown>;
      assert.equal(network.assignPublicIp, false);
      assert.deepEqual(network.subnets, run.outputs.privateSubnetIds);
      assert.notDeepEqual(network.subnets, run.outputs.publicSubnetIds);
    }
  });

  it("uses FARGATE compatibility, awsvpc and a valid cpu/memory pair per environment", () => {
    for (const [run, cpu, memory] of [
      [dev, "512", "1024"],
      [prod, "1024", "2048"],
    ] as const) {
      const task = only(run, TASK_DEF);
      assert.deepEqual(task.inputs.requiresCompatibilities, ["FARGATE"]);
      assert.equal(task.inputs.networkMode, "awsvpc");
      assert.equal(task.inputs.cpu, cpu);
      assert.equal(task.inputs.memory, memory);
      assert.deepEqual(task.inputs.runtimePlatform, {
        cpuArchitecture: "ARM64",
        operatingSystemFamily: "LINUX",
      });
    }
  });

  it("runs all on FARGATE_SPOT in dev, a FARGATE base of 2 plus Spot in prod, FARGATE only with spot off", async () => {
    assert.deepEqual(only(dev, SERVICE).inputs.capacityProviderStrategies, [
      { capacityProvider: "FARGATE_SPOT", base: 0, weight: 1 },
    ]);
    assert.deepEqual(only(prod, SERVICE).inputs.capacityProviderStrategies, [
      { capacityProvider: "FARGATE", base: 2, weight: 0 },
      { capacityProvider: "FARGATE_SPOT", base: 0, weight: 1 },
    ]);
    const onDemand = await variedDev();
    assert.deepEqual(only(onDemand, SERVICE).inputs.capacityProviderStrategies, [
      { capacityProvider: "FARGATE", base: 0, weight: 1 },
    ]);
    assert.equal(only(onDemand, SERVICE).inputs.launchType, undefined);
    assert.deepEqual(only(onDemand, TASK_DEF).inputs.runtimePlatform, {
      cpuArchitecture: "X86_64",
      operatingSystemFamily: "LINUX",
    });
  });

  it("is created after FARGATE and FARGATE_SPOT are attached to the cluster (CreateService rejects an unattached provider)", () => {
    for (const run of [dev, prod]) {
      const attachment = run.one("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders");
      assert.deepEqual(
        (attachment.inputs.capacityProviders as string[]).filter((p) => p.startsWith("FARGATE")),
        ["FARGATE", "FARGATE_SPOT"],
      );
      assert.ok(
        only(run, SERVICE).dependencies?.includes(attachment.urn),
        "the worker service depends on the ClusterCapacityProviders attachment",
      );
    }
  });

  it("forces no new deployment when its strategy is what the last update exported", () => {
    for (const run of [dev, prod]) {
      assert.equal(only(run, SERVICE).inputs.forceNewDeployment, false);
      const exported = (run.outputs.workers as Record<string, Record<string, unknown>>).jobs!;
      assert.equal(
        exported.capacityProviderStrategy,
        capacityStrategyKey(
          only(run, SERVICE).inputs.capacityProviderStrategies as {
            capacityProvider: string;
            base: number;
            weight: number;
          }[],
        ),
      );
    }
  });

  it("forces a new deployment exactly in the update that changes the strategy", () => {
    const before = capacityStrategyKey(fargateCapacityStrategy({ enabled: true, base: 2 }));
    const after = capacityStrategyKey(fargateCapacityStrategy({ enabled: false, base: 2 }));
    assert.equal(before, "FARGATE:base=2:weight=0,FARGATE_SPOT:base=0:weight=1");
    assert.equal(after, "FARGATE:base=0:weight=1");
    // The provider fails the preview of a changed strategy without it.
    assert.equal(strategyChanged(before, after), true);
    // Any other update (a release, a scaled range) restarts nothing more than it must.
    assert.equal(strategyChanged(after, after), false);
    // A first update creates the service with its strategy: nothing to force.
    assert.equal(strategyChanged(undefined, after), false);
  });

  it("deploys with the circuit breaker and rollback, platform LATEST, and waits for steady state", () => {
    for (const [run, min] of [
      [dev, 50],
      [prod, 100],
    ] as const) {
      const service = only(run, SERVICE).inputs;
      assert.deepEqual(service.deploymentCircuitBreaker, { enable: true, rollback: true });
      assert.equal(service.platformVersion, "LATEST"); // ECS.10, CKV_AWS_332
      assert.equal(service.deploymentMinimumHealthyPercent, min);
      assert.equal(service.deploymentMaximumPercent, 200);
      assert.equal(service.waitForSteadyState, true);
      assert.equal(service.propagateTags, "SERVICE");
      assert.equal(service.enableEcsManagedTags, true);
      assert.equal(service.cluster, run.outputs.clusterArn);
      // Service Connect as a client only: it calls the web services and serves nothing.
      const connect = service.serviceConnectConfiguration as Record<string, unknown>;
      assert.equal(connect.enabled, true);
      assert.match(String(connect.namespace), /^arn:aws:servicediscovery:/);
      assert.equal(connect.services, undefined);
    }
  });

  it("creates an encrypted queue with a dead-letter queue, redrive and redrive-allow policies", () => {
    for (const run of [dev, prod]) {
      const queue = queueParts(run).find((q) => q.name === "jobs-queue")!;
      const dlq = queueParts(run).find((q) => q.name === "jobs-queue-dlq")!;
      assert.equal(queue.inputs.sqsManagedSseEnabled, true);
      assert.equal(dlq.inputs.sqsManagedSseEnabled, true);
      assert.equal(dlq.inputs.messageRetentionSeconds, 1209600);
      assert.deepEqual(JSON.parse(queue.inputs.redrivePolicy as string), {
        deadLetterTargetArn: dlq.state.arn,
        maxReceiveCount: 5,
      });
      const allows = queueParts(run, "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy");
      assert.equal(allows.length, 1);
      const allow = allows[0]!;
      assert.equal(allow.inputs.queueUrl, dlq.state.url);
      assert.deepEqual(JSON.parse(allow.inputs.redriveAllowPolicy as string), {
        redrivePermission: "byQueue",
        sourceQueueArns: [queue.state.arn],
      });
    }
    const prodQueue = queueParts(prod).find((q) => q.name === "jobs-queue")!;
    assert.equal(prodQueue.inputs.visibilityTimeoutSeconds, 900);
    assert.deepEqual(
      (prod.outputs.workers as Record<string, Record<string, unknown>>).jobs!.queueArn,
      prodQueue.state.arn,
    );
  });

  it("protects and retains both queues in prod only (statefulResourceOptions)", () => {
    for (const [run, stateful] of [
      [dev, false],
      [prod, true],
    ] as const) {
      const queues = queueParts(run);
      assert.equal(queues.length, 2);
      for (const queue of queues) {
        assert.equal(queue.protect, stateful, `${queue.name} protect`);
        assert.equal(queue.retainOnDelete, stateful, `${queue.name} retainOnDelete`);
      }
      // Only the data is protected: the service and its task definition are replaceable.
      assert.equal(only(run, SERVICE).protect, false);
    }
  });

  it("leaves the desired count to autoscaling, as the web services do: a deploy never resets a worker scaled out by its backlog", () => {
    for (const run of [dev, prod]) {
      assert.deepEqual(only(run, SERVICE).ignoreChanges, ["desiredCount"]);
    }
  });

  it("gives the container its queue's URL", () => {
    const queue = queueParts(dev).find((q) => q.name === "jobs-queue")!;
    const [container] = JSON.parse(only(dev, TASK_DEF).inputs.containerDefinitions as string) as {
      environment: { name: string; value: string }[];
    }[];
    // Beside the database it uses (`uses: [main]`, tests/database.test.ts), only its queue's URL.
    assert.deepEqual(
      container!.environment.filter((e) => !e.name.startsWith("DATABASE_")),
      [{ name: "SQS_QUEUE_URL", value: queue.state.url }],
    );
  });

  it("scales on CPU and on the queue backlog with steps derived from backlogPerTask", () => {
    for (const [run, backlog, min, max] of [
      [dev, 100, 1, 2],
      [prod, 50, 2, 10],
    ] as const) {
      const target = only(run, "aws:appautoscaling/target:Target");
      assert.equal(target.inputs.minCapacity, min);
      assert.equal(target.inputs.maxCapacity, max);
      assert.equal(target.inputs.scalableDimension, "ecs:service:DesiredCount");
      const policies = children(run, POLICY);
      const cpu = policies.find((p) => p.name === "jobs-cpu")!;
      const tracking = cpu.inputs.targetTrackingScalingPolicyConfiguration as Record<
        string,
        unknown
      >;
      assert.equal(tracking.targetValue, run === dev ? 70 : 60);
      // The queue's backlog scales in; CPU tracking only adds tasks, never fights the backlog.
      assert.equal(tracking.disableScaleIn, true);
      const out = policies.find((p) => p.name === "jobs-backlog-out")!;
      const config = out.inputs.stepScalingPolicyConfiguration as {
        stepAdjustments: Record<string, unknown>[];
      };
      assert.deepEqual(config.stepAdjustments[0], {
        metricIntervalLowerBound: "0",
        metricIntervalUpperBound: String(backlog),
        scalingAdjustment: 1,
      });
      const queue = queueParts(run).find((q) => q.name === "jobs-queue")!;
      const alarm = children(run, ALARM).find((a) => a.name === "jobs-backlog-out")!;
      assert.equal(alarm.inputs.metricName, "ApproximateNumberOfMessagesVisible");
      assert.equal(alarm.inputs.namespace, "AWS/SQS");
      assert.deepEqual(alarm.inputs.dimensions, { QueueName: queue.state.name });
      assert.equal(alarm.inputs.threshold, backlog);
      assert.deepEqual(alarm.inputs.alarmActions, [out.state.arn]);
      const scaleIn = children(run, ALARM).find((a) => a.name === "jobs-backlog-in")!;
      assert.equal(scaleIn.inputs.comparisonOperator, "LessThanOrEqualToThreshold");
      // Issue 15: scale-in waits for the jobs in flight, not only for an empty queue: metric
      // math on visible + not visible (received, not yet deleted) messages.
      assert.equal(scaleIn.inputs.metricName, undefined);
      assert.equal(scaleIn.inputs.threshold, 0);
      const queries = scaleIn.inputs.metricQueries as {
        id: string;
        expression?: string;
        returnData?: boolean;
        metric?: { metricName: string; namespace: string; dimensions: unknown; stat: string };
      }[];
      assert.deepEqual(
        queries.map((q) => [q.id, q.metric?.metricName ?? q.expression, q.returnData]),
        [
          ["visible", "ApproximateNumberOfMessagesVisible", false],
          ["inflight", "ApproximateNumberOfMessagesNotVisible", false],
          ["backlog", "visible + inflight", true],
        ],
      );
      for (const q of queries.filter((q) => q.metric !== undefined)) {
        assert.equal(q.metric!.namespace, "AWS/SQS");
        assert.deepEqual(q.metric!.dimensions, { QueueName: queue.state.name });
      }
      assert.deepEqual(scaleIn.inputs.alarmActions, [
        policies.find((p) => p.name === "jobs-backlog-in")!.state.arn,
      ]);
    }
  });

  it("makes prod's scratch volumes writable for uid 1000 on Fargate before the Rails jobs start (issue 15)", () => {
    const containers = JSON.parse(only(prod, TASK_DEF).inputs.containerDefinitions as string) as {
      name: string;
      user?: string;
      essential: boolean;
      command?: string[];
      dependsOn?: unknown;
      mountPoints: { containerPath: string; sourceVolume: string }[];
    }[];
    const [app, init] = containers;
    assert.equal(containers.length, 2);
    assert.equal(app!.name, "jobs");
    assert.equal(app!.user, "1000:1000");
    // Rails' tmp/ and log/ under its app directory, beside /tmp.
    const paths = ["/tmp", "/rails/tmp", "/rails/log"];
    assert.deepEqual(
      app!.mountPoints.map((m) => m.containerPath),
      paths,
    );
    assert.deepEqual(app!.dependsOn, [
      { containerName: VOLUME_INIT_CONTAINER, condition: "SUCCESS" },
    ]);
    assert.equal(init!.name, VOLUME_INIT_CONTAINER);
    assert.equal(init!.essential, false);
    assert.deepEqual(init!.mountPoints, app!.mountPoints);
    assert.deepEqual(init!.command, [
      "sh",
      "-c",
      `chown 1000:1000 ${paths.join(" ")} && chmod 1777 ${paths.join(" ")}`,
    ]);
    // Each mounted path has its task volume.
    assert.deepEqual(
      (only(prod, TASK_DEF).inputs.volumes as { name: string }[]).map((v) => v.name),
      app!.mountPoints.map((m) => m.sourceVolume),
    );
  });

  it("adds each configured egress rule to the worker's group, described (issue 15)", async () => {
    const run = await variedDev();
    const egress = only(run, SG).inputs.egress as Record<string, unknown>[];
    assert.deepEqual(egress.slice(2), [
      {
        description: "SMTP to the mail provider",
        protocol: "tcp",
        fromPort: 587,
        toPort: 587,
        cidrBlocks: ["0.0.0.0/0"],
      },
      {
        description: "Syslog collector",
        protocol: "udp",
        fromPort: 514,
        toPort: 514,
        cidrBlocks: ["192.0.2.0/24"],
      },
    ]);
    // The committed worker has only the two built-in rules.
    assert.equal((only(dev, SG).inputs.egress as unknown[]).length, 2);
  });

  it("lets the task role consume exactly the created queue, and the execution role differ (CKV_AWS_249)", () => {
    const queue = queueParts(dev).find((q) => q.name === "jobs-queue")!;
    const taskPolicy = children(dev, ROLE_POLICY).find((p) => p.name === "jobs-task")!;
    assert.deepEqual(statements(taskPolicy.inputs.policy), [
      {
        Sid: "ConsumeQueue",
        Effect: "Allow",
        Action: [
          "sqs:ReceiveMessage",
          "sqs:DeleteMessage",
          "sqs:ChangeMessageVisibility",
          "sqs:GetQueueAttributes",
          // Issue 15: ActiveJob retries and jobs that enqueue jobs send to the worker's own queue.
          "sqs:SendMessage",
        ],
        Resource: queue.state.arn,
      },
      JSON.parse(JSON.stringify(DENY_IAM_CHANGES)) as Record<string, unknown>,
    ]);
    const task = only(dev, TASK_DEF).inputs;
    assert.notEqual(task.taskRoleArn, task.executionRoleArn);
  });

  it("references an existing queue by ARN: no queue created, the role scoped to that ARN", async () => {
    const run = await variedDev();
    assert.equal(queueParts(run).length, 0);
    const taskPolicy = children(run, ROLE_POLICY).find((p) => p.name === "jobs-task")!;
    assert.deepEqual(
      statements(taskPolicy.inputs.policy)
        .filter((s) => s.Effect === "Allow")
        .map((s) => s.Resource),
      [EXISTING_QUEUE],
    );
    const alarm = children(run, ALARM).find((a) => a.name === "jobs-backlog-out")!;
    assert.deepEqual(alarm.inputs.dimensions, { QueueName: "mailers" });
    assert.equal(alarm.inputs.threshold, 20);
    assert.deepEqual((run.outputs.workers as Record<string, unknown>).jobs, {
      ...(run.outputs.workers as Record<string, Record<string, unknown>>).jobs,
      queueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/mailers",
      queueArn: EXISTING_QUEUE,
    });
  });

  it("without a queue: CPU scaling only, no queue permission, no queue outputs", async () => {
    const run = await variedDev();
    assert.equal(queueParts(run, QUEUE, "idle").length, 0);
    assert.equal(children(run, ALARM, "idle").length, 0);
    assert.deepEqual(
      children(run, POLICY, "idle").map((p) => p.name),
      ["idle-cpu"],
    );
    // CPU is the only policy, so it scales in as well as out.
    const cpu = children(run, POLICY, "idle")[0]!.inputs
      .targetTrackingScalingPolicyConfiguration as {
      disableScaleIn: boolean;
    };
    assert.equal(cpu.disableScaleIn, false);
    // No queue permission: the task role's policy only denies IAM changes.
    assert.deepEqual(
      statements(
        children(run, ROLE_POLICY, "idle").find((p) => p.name === "idle-task")!.inputs.policy,
      ),
      [JSON.parse(JSON.stringify(DENY_IAM_CHANGES)) as Record<string, unknown>],
    );
    const output = (run.outputs.workers as Record<string, Record<string, unknown>>).idle!;
    assert.equal(output.queueUrl, undefined);
    assert.equal(output.queueArn, undefined);
  });

  it("exports what a one-off task needs, per the output contract", () => {
    for (const run of [dev, prod]) {
      const output = (run.outputs.workers as Record<string, Record<string, unknown>>).jobs!;
      // Prod's jobs runs the api's release: its repository, registry and tag come with it.
      const release =
        run === prod ? ["imageTag", "registryId", "repositoryName"] : ([] as string[]);
      assert.deepEqual(
        Object.keys(output).sort(),
        [
          "capacityProviderStrategy",
          "containerName",
          "logGroupName",
          "queueArn",
          "queueUrl",
          "securityGroupId",
          "serviceName",
          "subnetIds",
          "taskDefinitionArn",
          "taskDefinitionFamily",
          ...release,
        ].sort(),
      );
      assert.equal(output.taskDefinitionArn, only(run, TASK_DEF).state.arn);
      assert.equal(output.containerName, "jobs");
      assert.equal(output.taskDefinitionFamily, only(run, TASK_DEF).inputs.family);
      assert.equal(output.logGroupName, `/vitcord/${run.synthesis.stack}/jobs`);
      assert.deepEqual(output.subnetIds, run.outputs.privateSubnetIds);
      assert.equal(output.serviceName, only(run, SERVICE).state.name);
    }
  });

  it("runs the API's image in prod and may pull from the API's repository only", async () => {
    // The api's shared repository, which dev creates and prod pulls from.
    const apiRepo = dev.one("aws:ecr/repository:Repository", "api-repo");
    const [container] = JSON.parse(only(prod, TASK_DEF).inputs.containerDefinitions as string) as {
      image: string;
      command: string[];
      user: string;
    }[];
    assert.equal(container!.image, `${apiRepo.state.repositoryUrl as string}:1.0.0`);
    assert.deepEqual(container!.command, [
      "bundle",
      "exec",
      "aws_sqs_active_job",
      "--queue",
      "default",
    ]);
    assert.equal(container!.user, "1000:1000"); // ECS.20: not root
    const execution = children(prod, ROLE_POLICY).find((p) => p.name === "jobs-execution")!;
    const pull = statements(execution.inputs.policy).find((s) => s.Sid === "PullImages")!;
    assert.equal(pull.Resource, apiRepo.state.arn);
    // `imageTag` pins another tag of the same repository.
    const pinned = await runProgram("prod", {
      workers: { jobs: { repository: "api", imageTag: "0.9.1", command: ["bin/jobs"] } },
    });
    const [pinnedContainer] = JSON.parse(
      only(pinned, TASK_DEF).inputs.containerDefinitions as string,
    ) as { image: string }[];
    assert.equal(pinnedContainer!.image, `${apiRepo.state.repositoryUrl as string}:0.9.1`);
  });

  it("gets the same container shape as the web services: one task module for both", () => {
    for (const run of [dev, prod]) {
      const api = run.one(TASK_DEF, "api-task");
      const jobsTask = only(run, TASK_DEF);
      // Both task definitions are declared by the shared WorkloadTask component.
      assert.equal(api.parent?.type, "vitcord:task:WorkloadTask");
      assert.equal(jobsTask.parent?.type, "vitcord:task:WorkloadTask");
      const [web] = JSON.parse(api.inputs.containerDefinitions as string) as Record<
        string,
        unknown
      >[];
      const [worker] = JSON.parse(jobsTask.inputs.containerDefinitions as string) as Record<
        string,
        unknown
      >[];
      const shape = (c: Record<string, unknown>) => ({
        logDriver: (c.logConfiguration as { logDriver: string }).logDriver,
        logOptions: Object.keys((c.logConfiguration as { options: object }).options).sort(),
        readonlyRootFilesystem: c.readonlyRootFilesystem,
        privileged: c.privileged,
        linuxParameters: c.linuxParameters,
        secretsIsList: Array.isArray(c.secrets),
        environmentIsList: Array.isArray(c.environment),
        scratchMount: (c.mountPoints as { containerPath: string }[]).some(
          (m) => m.containerPath === "/tmp",
        ),
      });
      assert.deepEqual(shape(worker!), shape(web!));
      assert.equal(shape(worker!).readonlyRootFilesystem, true);
      // Each container logs to its own workload's group.
      assert.notEqual(
        (worker!.logConfiguration as { options: Record<string, string> }).options["awslogs-group"],
        (web!.logConfiguration as { options: Record<string, string> }).options["awslogs-group"],
      );
    }
  });

  it("builds its container with the shared task module (the same function as the web services)", () => {
    const task = only(dev, TASK_DEF);
    const [container] = JSON.parse(task.inputs.containerDefinitions as string) as {
      command: string[];
      environment: { name: string; value: string }[];
      secrets: { name: string; valueFrom: string }[];
    }[];
    assert.equal(task.parent?.type, "vitcord:task:WorkloadTask");
    // What its `uses` gives it comes in as environment and secrets (tests/database.test.ts).
    const usesEnvironment = Object.fromEntries(
      container!.environment
        .filter((e) => e.name.startsWith("DATABASE_"))
        .map((e) => [e.name, e.value]),
    );
    const usesSecrets = Object.fromEntries(container!.secrets.map((e) => [e.name, e.valueFrom]));
    assert.deepEqual(Object.keys(usesSecrets), ["DATABASE_PASSWORD"]);
    const queue = queueParts(dev).find((q) => q.name === "jobs-queue")!;
    const config = parseStackConfig("dev", {
      "aws:region": "us-east-1",
      "vitcord-infra:environment": "dev",
      "vitcord-infra:workers": JSON.stringify({
        jobs: {
          image: IMAGE,
          command: JSON.parse(JSON.stringify(container!.command)) as string[],
          user: "65534:65534",
          queue: { create: true },
        },
      }),
    }).workers.jobs!;
    assert.deepEqual(
      JSON.parse(task.inputs.containerDefinitions as string),
      JSON.parse(
        JSON.stringify(
          taskContainers(
            "FARGATE",
            containerDefinition({
              ...config,
              environment: { SQS_QUEUE_URL: queue.state.url as string, ...usesEnvironment },
              secrets: usesSecrets,
              name: "jobs",
              image: IMAGE,
              logRegion: "us-east-1",
              logGroupName: "/vitcord/dev/jobs",
            }),
          ),
        ),
      ),
    );
    // ECS.5 / ECS.9 / ECS.20 come with it.
    const c = container as Record<string, unknown>;
    assert.equal(c.readonlyRootFilesystem, true);
    assert.equal((c.logConfiguration as { logDriver: string }).logDriver, "awslogs");
    assert.equal(c.privileged, undefined);
    assert.equal(c.portMappings instanceof Array && c.portMappings.length, 0);
  });
});

describe("FargateWorker with ECS Exec (workers.<name>.execEnabled)", () => {
  /** The worker's task policy statements, its service and its container's mount paths. */
  function execView(run: ProgramRun) {
    const taskPolicy = children(run, ROLE_POLICY).find((p) => p.name === "jobs-task")!;
    const definition = only(run, TASK_DEF);
    const container = (
      JSON.parse(definition.inputs.containerDefinitions as string) as {
        readonlyRootFilesystem: boolean;
        mountPoints: { containerPath: string }[];
      }[]
    )[0]!;
    return {
      service: only(run, SERVICE).inputs,
      statements: statements(taskPolicy.inputs.policy),
      container,
      paths: container.mountPoints.map((m) => m.containerPath),
    };
  }

  it("is off by default: no execute-command, no ssmmessages permission", async () => {
    const { service, statements: granted } = execView(await runProgram("dev"));
    assert.equal(service.enableExecuteCommand, false);
    assert.ok(!granted.some((s) => s.Sid === "EcsExec" || s.Sid === "WriteExecSessionLogs"));
  });

  it("on: enableExecuteCommand, the exec and session-log statements, the agent's paths", async () => {
    const run = await devWithConfigVarsAndWorkerExec();
    const { service, statements: granted, container, paths } = execView(run);
    assert.equal(service.enableExecuteCommand, true);
    assert.deepEqual(
      granted.find((s) => s.Sid === "EcsExec"),
      EXEC_STATEMENTS[0],
    );
    const execLogs = run.one("aws:cloudwatch/logGroup:LogGroup", "cluster-exec-logs");
    assert.deepEqual(
      granted.find((s) => s.Sid === "WriteExecSessionLogs")?.Resource,
      `${execLogs.state.arn as string}:log-stream:*`,
    );
    // The cluster logs every session (CKV_AWS_223/224) to that group, as for the services.
    assert.equal(container.readonlyRootFilesystem, true);
    for (const path of EXEC_AGENT_PATHS) assert.ok(paths.includes(path), path);
  });
});

describe("ecsServiceOptions (shared by web services and workers)", () => {
  it("ignores desiredCount only with autoscaling, keeping the other options", () => {
    assert.deepEqual(ecsServiceOptions(true, { protect: true }), {
      protect: true,
      ignoreChanges: ["desiredCount"],
    });
    assert.deepEqual(ecsServiceOptions(false, { ignoreChanges: ["tags"] }), {
      ignoreChanges: ["tags"],
    });
    assert.deepEqual(ecsServiceOptions(true, { ignoreChanges: ["tags"] }).ignoreChanges, [
      "tags",
      "desiredCount",
    ]);
  });
});

describe("workers config", () => {
  it("applies the environment's defaults", () => {
    const dev = parseStackConfig("dev", {
      "aws:region": "us-east-1",
      "vitcord-infra:environment": "dev",
      "vitcord-infra:workers": JSON.stringify(jobs().workers),
    }).workers.jobs!;
    assert.deepEqual(
      [
        dev.cpu,
        dev.memory,
        dev.desiredCount,
        dev.architecture,
        dev.spot,
        dev.autoscaling,
        dev.stopTimeoutSeconds,
      ],
      [512, 1024, 1, "arm64", { enabled: true, base: 0 }, { min: 1, max: 2, cpuTarget: 70 }, 30],
    );
    const prod = parseStackConfig("prod", {
      "aws:region": "us-east-1",
      "vitcord-infra:environment": "prod",
      "vitcord-infra:workers": JSON.stringify(jobs({ queue: { create: true } }).workers),
    }).workers.jobs!;
    assert.deepEqual(
      [
        prod.cpu,
        prod.memory,
        prod.desiredCount,
        prod.spot,
        prod.autoscaling,
        prod.stopTimeoutSeconds,
      ],
      [1024, 2048, 2, { enabled: true, base: 2 }, { min: 2, max: 10, cpuTarget: 60 }, 120],
    );
    assert.deepEqual(prod.queue, {
      create: true,
      visibilityTimeoutSeconds: 300,
      maxReceiveCount: 5,
      backlogPerTask: 100,
      producers: [],
    });
  });

  it("rejects each invalid cpu/memory pair, naming the key and listing what is allowed", () => {
    const cases: [number, number, string][] = [
      [256, 4096, "512, 1024, 2048"],
      [512, 512, "1024, 2048, 3072, 4096"],
      [512, 8192, "1024, 2048, 3072, 4096"],
      [1024, 1024, "2048 to 8192 in steps of 1024"],
      [2048, 2048, "4096 to 16384 in steps of 1024"],
      [4096, 32768, "8192 to 30720 in steps of 1024"],
      [8192, 18432, "16384 to 61440 in steps of 4096"],
      [16384, 36864, "32768 to 122880 in steps of 8192"],
    ];
    for (const [cpu, memory, allowed] of cases) {
      assert.deepEqual(problems("dev", { cpu, memory }), [
        `vitcord-infra:workers.jobs.memory = ${memory}: is not a Fargate size with cpu ${cpu}: memory must be ${allowed} MiB`,
      ]);
    }
    assert.deepEqual(problems("prod", { cpu: 1000 }), [
      "vitcord-infra:workers.jobs.cpu = 1000: must be one of: 256, 512, 1024, 2048, 4096, 8192, 16384",
    ]);
  });

  it("rejects each bad value with the key, the value and what is allowed", () => {
    const cases: [Record<string, unknown>, string][] = [
      [
        { command: undefined },
        'vitcord-infra:workers.jobs.command is missing: a worker needs a command, a list of strings such as ["bundle", "exec", "aws_sqs_active_job", "--queue", "default"]: no image entry point is trusted by default',
      ],
      [
        { image: undefined },
        "vitcord-infra:workers.jobs.image is missing: a worker needs an image: set image (a full reference) or repository (the web service whose image it runs, + imageTag to pin a tag)",
      ],
      [
        { repository: "api" },
        'vitcord-infra:workers.jobs.image = "public.ecr.aws/docker/library/ruby:3.3-slim": set either image (a full reference) or repository (+ imageTag), not both: one way of naming the image',
      ],
      [
        { image: undefined, repository: "apii" },
        'vitcord-infra:workers.jobs.repository = "apii": must name a web service in vitcord-infra:services (configured: api)',
      ],
      [
        { image: undefined, imageTag: "v42" },
        'vitcord-infra:workers.jobs.imageTag = "v42": needs repository: the web service whose ECR repository holds this tag',
      ],
      [
        { desiredCount: 3 },
        "vitcord-infra:workers.jobs.desiredCount = 3: must be from autoscaling.min (1) to autoscaling.max (2)",
      ],
      [
        { autoscaling: { min: 4, max: 3 }, desiredCount: 3 },
        "vitcord-infra:workers.jobs.autoscaling.min = 4: must be at most autoscaling.max (3)",
      ],
      [
        { autoscaling: { min: 0 } },
        "vitcord-infra:workers.jobs.autoscaling.min = 0: can be 0 only for a worker with a queue: CPU tracking cannot start a worker that has no task, queue backlog scaling can",
      ],
      [
        { autoscaling: { cpuTarget: 95 } },
        "vitcord-infra:workers.jobs.autoscaling.cpuTarget = 95: must be a whole number from 10 to 90 percent",
      ],
      [
        { spot: { base: 5 } },
        "vitcord-infra:workers.jobs.spot.base = 5: must be at most autoscaling.max (2): base tasks run on FARGATE, the rest on FARGATE_SPOT",
      ],
      [
        { spot: { enabled: "yes" } },
        'vitcord-infra:workers.jobs.spot.enabled = "yes": must be true or false',
      ],
      [
        { architecture: "arm" },
        'vitcord-infra:workers.jobs.architecture = "arm": must be one of: x86_64, arm64',
      ],
      [
        { stopTimeoutSeconds: 300 },
        "vitcord-infra:workers.jobs.stopTimeoutSeconds = 300: must be a whole number from 2 to 120 seconds",
      ],
      [
        { queue: {} },
        "vitcord-infra:workers.jobs.queue = {}: must have either create: true (a new queue with a dead-letter queue) or arn (an existing queue), not both or neither",
      ],
      [
        { queue: { create: true, arn: EXISTING_QUEUE } },
        // Long values are shortened to 60 characters in messages.
        'vitcord-infra:workers.jobs.queue = {"create":true,"arn":"arn:aws:sqs:us-east-1:123456789012:...: must have either create: true (a new queue with a dead-letter queue) or arn (an existing queue), not both or neither',
      ],
      [
        { queue: { arn: "arn:aws:sns:us-east-1:123456789012:topic" } },
        'vitcord-infra:workers.jobs.queue.arn = "arn:aws:sns:us-east-1:123456789012:topic": must be an SQS queue ARN (arn:aws:sqs:<region>:<account>:<name>)',
      ],
      [
        { queue: { arn: EXISTING_QUEUE, maxReceiveCount: 3 } },
        "vitcord-infra:workers.jobs.queue.maxReceiveCount = 3: applies only to a queue this program creates (create: true)",
      ],
      [
        { queue: { create: true, visibilityTimeoutSeconds: 20 }, stopTimeoutSeconds: 60 },
        "vitcord-infra:workers.jobs.queue.visibilityTimeoutSeconds = 20: must be at least stopTimeoutSeconds (60): a job still finishing after SIGTERM would be handed to a second worker",
      ],
      [
        { queue: { create: true, backlogPerTask: 0 } },
        "vitcord-infra:workers.jobs.queue.backlogPerTask = 0: must be a whole number from 1 to 100000 messages",
      ],
      [
        { queue: { create: true }, environment: { SQS_QUEUE_URL: "x" } },
        'vitcord-infra:workers.jobs.environment.SQS_QUEUE_URL = "x": is set by the worker to its queue\'s URL; remove it or rename it',
      ],
      [
        { taskPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"] },
        'vitcord-infra:workers.jobs.taskPolicyArns.0 = "arn:aws:iam::aws:policy/AdministratorAccess": is AdministratorAccess, an administrator-like policy (every action on every resource); task roles get only what the application calls: attach a policy of your own that names its actions and resources',
      ],
      [
        { egress: [{ port: 587, cidr: "0.0.0.0/0" }] },
        'vitcord-infra:workers.jobs.egress.0.description is missing: must say what the rule reaches and why, e.g. "SMTP to the mail provider": up to 255 letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*',
      ],
      [
        { environment: { AWS_SECRET_ACCESS_KEY: "x" } },
        'vitcord-infra:workers.jobs.environment.AWS_SECRET_ACCESS_KEY = "x": AWS credentials must not be set in the environment (ECS.8); the task role provides AWS access, and other credentials go in secrets',
      ],
    ];
    for (const [overrides, message] of cases) {
      assert.deepEqual(problems("dev", overrides), [message], JSON.stringify(overrides));
    }
  });

  it("rejects unknown keys and bad worker names", () => {
    assert.deepEqual(problems("dev", { replicas: 2 }).length, 1);
    assert.match(
      problems("dev", { replicas: 2 })[0]!,
      /^vitcord-infra:workers\.jobs\.replicas: unknown key; allowed keys here: image, repository, imageTag, imageDigest, releasedBy, releaseCommit, command, cpu, memory,/,
    );
  });

  it("declares nothing when a worker's config is bad", async () => {
    const { error, declared } = await runInvalid("prod", jobs({ cpu: 512, memory: 512 }));
    assert.ok(error instanceof ConfigError);
    assert.equal(declared, 0);
    assert.match(error.message, /vitcord-infra:workers\.jobs\.memory = 512: is not a Fargate size/);
  });
});
