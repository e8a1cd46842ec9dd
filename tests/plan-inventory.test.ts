import * as assert from "node:assert/strict";
import { diagramMarkdown, label, mermaidFlowchart, nodeId } from "../plan/diagram";
import { buildInventory, renderInventory } from "../plan/inventory";
import { api, component, jobs, JOBS_DIGEST, resource, smallStack } from "./plan-fixtures";
import { RecordedResource } from "../plan/engine/synth";
import { runProgram } from "./harness";

describe("plan: inventory", () => {
  const inventory = buildInventory(smallStack());

  it("groups resources by their outermost component, in the program's wiring order", () => {
    assert.deepEqual(
      inventory.components.map((c) => `${c.component}:${c.kind}:${c.resourceCount}`),
      [
        "stack:other:1",
        "network:network:4",
        "cluster:cluster:3",
        "api:service:9",
        "jobs:worker:4",
        "mailer:worker:2",
      ],
    );
    assert.equal(inventory.resourceCount, 23);
  });

  it("counts the component resources apart, so both counts add up to every resource", () => {
    const stack = smallStack();
    // network, cluster, api, jobs, mailer: the only non-custom, non-awsx records.
    assert.equal(inventory.componentResourceCount, 5);
    assert.equal(inventory.resourceCount + inventory.componentResourceCount, stack.length);
  });

  it("orders components as the program wires them, whatever order the engine declared them in", () => {
    const reversed = buildInventory([...smallStack()].reverse());
    assert.deepEqual(
      reversed.components.map((c) => c.component),
      inventory.components.map((c) => c.component),
    );
  });

  it("gives a worker's queue its own line, after the web services and before the workers", async () => {
    const run = await runProgram("dev");
    const components = buildInventory(run.resources).components;
    assert.deepEqual(
      components.map((c) => `${c.component}:${c.kind}`),
      [
        "stack:other",
        "network:network",
        "cluster:cluster",
        "registry:registry",
        "main:database",
        "notifications:table",
        "api:service",
        "notifications:service",
        "jobs-queue:queue",
        "jobs:worker",
        "alarms:alerts",
        "alerts:alerts",
        "dashboard:alerts",
        // Restarts api and jobs after a rotation of main's password.
        "main-rotation-restart:other",
        "ops:operations",
        // Issue 16: dev's off hours.
        "schedule:schedule",
      ],
    );
    assert.equal(
      components.find((c) => c.kind === "schedule")?.summary,
      "off hours: wakes Mon-Fri 08:00, sleeps Mon-Fri 20:00 (Europe/Madrid), 60 h a week; asleep: " +
        "api, notifications, jobs to 0 tasks (6 Application Auto Scaling actions); the cluster to 0 " +
        "instances (2 EC2 Auto Scaling actions); RDS main stopped (2 EventBridge Scheduler schedules)",
    );
    assert.equal(
      components.find((c) => c.kind === "queue")?.summary,
      "jobs-queue: SQS queue + dead-letter queue",
    );
    // The manifest goes last: it records every workload.
    assert.match(
      components.find((c) => c.kind === "operations")!.summary,
      /^operations manifest \/vitcord\/dev\/ops \+ 3 workload parameters in SSM \(Standard tier, [\d,]+ bytes in all\)$/,
    );
    assert.equal(
      components.find((c) => c.kind === "registry")?.summary,
      "shared ECR repositories vitcord/api, vitcord/notifications (kept on delete)",
    );
  });

  it("counts resources per type within a component", () => {
    const api = inventory.components.find((c) => c.component === "api")!;
    assert.deepEqual(
      api.types.find((t) => t.type === "aws:lb/listener:Listener"),
      { type: "aws:lb/listener:Listener", count: 2 },
    );
    assert.equal(api.type, "vitcord:service:LoadBalancedService");
  });

  it("summarizes the network: CIDR, AZs, NAT strategy and endpoints", () => {
    assert.equal(
      inventory.components.find((c) => c.component === "network")!.summary,
      "VPC 10.20.0.0/16 across 3 AZs; NAT: 3 gateways, one per AZ; S3 gateway endpoint; dkr interface endpoint",
    );
  });

  it("names the program's gateway endpoints by their service: S3 and DynamoDB", async () => {
    const run = await runProgram("prod");
    const network = buildInventory(run.resources).components.find((c) => c.kind === "network")!;
    assert.match(network.summary, /; S3 gateway endpoint; DynamoDB gateway endpoint;/);
  });

  it("summarizes a single NAT as shared by the AZs", () => {
    const vpc = resource("awsx:ec2:Vpc", "vpc", {
      cidrBlock: "10.10.0.0/16",
      numberOfAvailabilityZones: 2,
      natGateways: { strategy: "Single" },
    });
    assert.match(buildInventory([vpc]).components[0]!.summary, /NAT: 1 gateway shared by 2 AZs/);
  });

  it("summarizes the cluster: size range, types, on-demand/Spot split, root volume", () => {
    assert.equal(
      inventory.components.find((c) => c.component === "cluster")!.summary,
      "ECS on EC2: 2–6 × t3.medium/t3.large (4 running: 3 on-demand + 1 Spot); gp3 30 GiB root; capacity provider at 90% target; " +
        "AMI: AWS's recommended ECS-optimized one, re-read at every up; unpinned, a new one refreshes the instances; " +
        "awsvpc tasks per instance: t3.medium 2, t3.large 2 (one ENI each; t3 cannot use ENI trunking)",
    );
  });

  it("summarizes services and workers: entry point, task range and size, where they run", () => {
    const summary = (name: string) =>
      inventory.components.find((c) => c.component === name)!.summary;
    assert.equal(
      summary("api"),
      "api: ALB + HTTPS, 2–6 tasks of 0.5 vCPU / 1 GiB on EC2, ECR repository",
    );
    assert.equal(
      summary("jobs"),
      "jobs: 4 tasks of 1 vCPU / 2 GiB on Fargate (1) + Fargate Spot (3), ARM64, SQS queue + dead-letter queue",
    );
    assert.equal(summary("mailer"), "mailer: 1 task of 0.25 vCPU / 0.5 GiB on Fargate");
  });

  it("renders a tree: one header line per component, its summary, image and type counts", () => {
    const text = renderInventory(inventory);
    assert.equal(text[0], "Inventory: 23 resources in 6 components");
    assert.equal(
      text[1],
      "  (--json lists 28 resources: these 23 and the 5 component resources that group them)",
    );
    const api = text.indexOf("  api (LoadBalancedService): 9 resources");
    assert.ok(api > 0);
    assert.equal(
      text[api + 1],
      "    api: ALB + HTTPS, 2–6 tasks of 0.5 vCPU / 1 GiB on EC2, ECR repository",
    );
    assert.equal(text[api + 2], "    image: ECR repository test/api, tag 1.0.0");
    assert.match(text[api + 3]!, /^ {4}└ appautoscaling\.Target 1 · cloudwatch\.LogGroup 1/);
  });

  it("shows every workload's image, and whose repository a shared image comes from", () => {
    const text = renderInventory(inventory);
    // The first image line under a component's header (its summary may wrap onto two lines).
    const imageOf = (header: string) =>
      text.slice(text.indexOf(header)).find((line) => line.startsWith("    image"));
    assert.equal(
      imageOf("  jobs (FargateWorker): 4 resources"),
      "    image: ECR repository test/api, digest sha256:0123456789ab… (the api service's image)",
    );
    assert.equal(
      imageOf("  mailer (FargateWorker): 2 resources"),
      "    image: public.ecr.aws/docker/library/ruby:3.3-slim",
    );
    // The JSON keeps the full reference and the repository's owner.
    const jobs = inventory.components.find((c) => c.component === "jobs")!;
    assert.deepEqual(jobs.images, [
      {
        container: "jobs",
        image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/test/api@${JOBS_DIGEST}`,
        repository: {
          name: "test/api",
          component: "api",
          componentType: "vitcord:service:LoadBalancedService",
        },
        reference: JOBS_DIGEST,
      },
    ]);
    assert.equal(inventory.components.find((c) => c.kind === "network")!.images, undefined);
  });

  it("says so when a workload's image cannot be read", () => {
    const worker = component("vitcord:service:FargateWorker", "ghost");
    const service = resource("aws:ecs/service:Service", "ghost-service", {}, worker);
    const text = renderInventory(buildInventory([worker, service]));
    assert.ok(
      text.includes("    image: not found (no task definition with containers)"),
      text.join("\n"),
    );
  });

  it("names the container of each image when a task has several", () => {
    const worker = component("vitcord:service:FargateWorker", "duo");
    const task = resource(
      "aws:ecs/taskDefinition:TaskDefinition",
      "duo-task",
      {
        cpu: "256",
        memory: "512",
        containerDefinitions: [
          { name: "app", image: "public.ecr.aws/a/app:1" },
          { name: "proxy", image: "public.ecr.aws/b/proxy:2" },
        ],
      },
      worker,
    );
    const service = resource(
      "aws:ecs/service:Service",
      "duo-service",
      { taskDefinition: task.state.arn, desiredCount: 1 },
      worker,
    );
    const text = renderInventory(buildInventory([worker, task, service]));
    assert.ok(text.includes("    image (app): public.ecr.aws/a/app:1"));
    assert.ok(text.includes("    image (proxy): public.ecr.aws/b/proxy:2"));
  });
});

/** A task-role policy of a workload with one statement on `queueArn`. */
function queuePolicy(owner: RecordedResource, action: string, queueArn: unknown) {
  const policy = { Statement: [{ Action: [action], Resource: queueArn }] };
  return resource(
    "aws:iam/rolePolicy:RolePolicy",
    `${owner.name}-task`,
    { policy: JSON.stringify(policy) },
    owner,
  );
}

describe("plan: diagram", () => {
  // Queues are drawn by who uses them, read from the task-role policies: the worker consumes its
  // queue, the api sends to it.
  const stack = smallStack();
  const jobsQueue = stack.find((r) => r.name === "jobs-queue")!.state.arn;
  const chart = mermaidFlowchart([
    ...stack,
    queuePolicy(jobs, "sqs:ReceiveMessage", jobsQueue),
    queuePolicy(api, "sqs:SendMessage", [jobsQueue]),
  ]);
  const lines = chart.split("\n");

  it("is a Mermaid flowchart with the VPC and its public and private subnets", () => {
    assert.equal(lines[0], "flowchart LR");
    assert.ok(lines.includes('  subgraph vpc["VPC 10.20.0.0/16 · 3 AZs"]'));
    assert.ok(lines.includes('      nat["NAT gateways ×3<br/>one per AZ"]'));
  });

  it("routes internet → load balancer → service, and services and workers → NAT → internet", () => {
    for (const edge of [
      "  internet --> alb_api --> svc_api",
      "  svc_api --> nat",
      "  wrk_jobs --> nat",
      "  wrk_mailer --> nat",
      "  nat --> internet",
    ]) {
      assert.ok(lines.includes(edge), `missing edge: ${edge}`);
    }
    // Workers have no load balancer in front of them.
    assert.ok(!chart.includes("alb_jobs"));
  });

  it("shows the web service on the cluster's capacity, the endpoints and the worker's queue", () => {
    assert.ok(lines.includes("  svc_api -. runs on .-> cluster_cluster"));
    assert.ok(lines.includes("  wrk_jobs --> endpoint_network_s3_endpoint"));
    assert.ok(lines.includes('    endpoint_network_s3_endpoint[("S3 gateway endpoint")]'));
    assert.ok(lines.includes("  wrk_jobs <--> queue_jobs_queue"));
    assert.ok(lines.includes("  svc_api -- enqueues --> queue_jobs_queue"));
    assert.ok(!mermaidFlowchart(stack).includes("queue_jobs_queue"), "no policy, no queue edge");
    assert.ok(!chart.includes("jobs_dlq"), "the dead-letter queue is not drawn");
  });

  it("draws nothing for a stack without NAT, load balancers or workloads", () => {
    const vpc = resource("awsx:ec2:Vpc", "vpc", { natGateways: { strategy: "None" } });
    const bare = mermaidFlowchart([vpc]);
    assert.ok(!bare.includes("nat"));
    assert.ok(!bare.includes("-->"));
  });

  it("makes safe node ids and labels", () => {
    assert.equal(nodeId("svc", "api-v2.x"), "svc_api_v2_x");
    assert.equal(label('say "hi"'), '"say #quot;hi#quot;"');
  });

  it("wraps the chart in Markdown with no timestamp, so it renders on GitHub and diffs cleanly", () => {
    const markdown = diagramMarkdown("prod", smallStack());
    assert.ok(markdown.startsWith("# vitcord-infra: the `prod` stack\n"));
    assert.ok(markdown.includes("```mermaid\nflowchart LR\n"));
    assert.equal(markdown, diagramMarkdown("prod", smallStack()));
  });
});
