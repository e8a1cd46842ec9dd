// The runtime commands over the wire: the real AWS SDK v3 clients the CLI makes, pointed by
// AWS_ENDPOINT_URL (which every SDK v3 client honours) at a stub AWS on 127.0.0.1. Where the other
// CLI tests check the inputs of each command under aws-sdk-client-mock, this checks what the
// clients actually send (the SSM and ECS JSON protocol's targets and bodies) and how a real
// service error comes back (SSM's ParameterNotFound as the CLI's "deploy first" line).
import * as assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { splitManifest } from "../components/ops-manifest";
import { runCli } from "./cli-context";
import { CLUSTER, devManifest } from "./ops-fixtures";

/** One request the stub answered: the JSON protocol's target (or the query action) and body. */
interface Received {
  readonly target: string;
  readonly body: Record<string, unknown>;
}

type Answer = { status?: number; body: unknown };

/** Answers JSON-protocol calls by X-Amz-Target and STS's query-protocol GetCallerIdentity. */
function stubAws(answers: Record<string, (body: Record<string, unknown>) => Answer>) {
  const received: Received[] = [];
  const server = http.createServer((request, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => (text += chunk.toString()));
    request.on("end", () => {
      const target = String(request.headers["x-amz-target"] ?? "");
      if (target === "") {
        // STS speaks the query protocol: Action=GetCallerIdentity&Version=2011-06-15.
        const action = new URLSearchParams(text).get("Action") ?? "?";
        received.push({ target: `sts.${action}`, body: {} });
        response.writeHead(200, { "content-type": "text/xml" });
        response.end(
          '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">' +
            "<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/dev</Arn>" +
            "<UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult>" +
            "<ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></GetCallerIdentityResponse>",
        );
        return;
      }
      const body = (text === "" ? {} : JSON.parse(text)) as Record<string, unknown>;
      received.push({ target, body });
      const answer = answers[target]?.(body) ?? {
        status: 400,
        body: { __type: "UnknownOperationException", message: target },
      };
      response.writeHead(answer.status ?? 200, { "content-type": "application/x-amz-json-1.1" });
      response.end(JSON.stringify(answer.body));
    });
  });
  return { server, received };
}

describe("runtime commands over the wire (real SDK clients, a stub AWS on 127.0.0.1)", () => {
  const saved: Record<string, string | undefined> = {};
  const ENV = {
    AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
    AWS_SECRET_ACCESS_KEY: "secret",
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
  };
  let stub: ReturnType<typeof stubAws> | undefined;

  async function listen(answers: Parameters<typeof stubAws>[0]): Promise<Received[]> {
    stub = stubAws(answers);
    await new Promise<void>((resolve) => stub!.server.listen(0, "127.0.0.1", resolve));
    const { port } = stub.server.address() as AddressInfo;
    // Read by each client when it is made (the CLI makes them per command).
    process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${port}`;
    return stub.received;
  }

  beforeEach(() => {
    for (const key of ["AWS_ENDPOINT_URL", ...Object.keys(ENV)]) saved[key] = process.env[key];
    for (const [key, value] of Object.entries(ENV)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
  afterEach(async () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await new Promise<void>((resolve) => (stub ? stub.server.close(() => resolve()) : resolve()));
    stub = undefined;
  });

  it("ps jobs: the manifest from SSM, then the service and its tasks from ECS", async () => {
    const manifest = devManifest();
    const { stack, workloads } = splitManifest(manifest);
    const received = await listen({
      "AmazonSSM.GetParameter": () => ({
        body: {
          Parameter: { Name: "/vitcord/dev/ops", Type: "String", Value: JSON.stringify(stack) },
        },
      }),
      "AmazonSSM.GetParameters": (body) => ({
        body: {
          Parameters: (body.Names as string[]).map((name) => ({
            Name: name,
            Type: "String",
            Value: JSON.stringify(workloads[name.split("/").pop()!]),
          })),
          InvalidParameters: [],
        },
      }),
      "AmazonEC2ContainerServiceV20141113.DescribeServices": () => ({
        body: {
          services: [
            {
              serviceName: workloads.jobs!.serviceName,
              status: "ACTIVE",
              desiredCount: 1,
              runningCount: 0,
              pendingCount: 1,
              deployments: [
                {
                  id: "ecs-svc/1",
                  status: "PRIMARY",
                  taskDefinition: workloads.jobs!.taskDefinitionArn,
                  rolloutState: "IN_PROGRESS",
                },
              ],
              events: [],
            },
          ],
          failures: [],
        },
      }),
      "AmazonEC2ContainerServiceV20141113.ListTasks": () => ({ body: { taskArns: [] } }),
    });
    const run = await runCli(["ps", "jobs", "--stack", "dev"], { env: {} });
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /^jobs \(worker jobs-service-5e6f7a8\): 0\/1 running, 1 pending, rollout IN_PROGRESS dev-jobs:3/,
    );
    assert.deepEqual(
      received.map((r) => r.target),
      [
        "sts.GetCallerIdentity",
        "AmazonSSM.GetParameter",
        "AmazonSSM.GetParameters",
        "AmazonEC2ContainerServiceV20141113.DescribeServices",
        "AmazonEC2ContainerServiceV20141113.ListTasks",
        "AmazonEC2ContainerServiceV20141113.ListTasks",
      ],
    );
    assert.deepEqual(received[1]!.body, { Name: "/vitcord/dev/ops" });
    assert.deepEqual(received[2]!.body, {
      Names: ["api", "jobs", "notifications"].map((w) => `/vitcord/dev/ops/workloads/${w}`),
    });
    assert.deepEqual(received[3]!.body, { cluster: CLUSTER, services: ["jobs-service-5e6f7a8"] });
    assert.deepEqual(
      received.slice(4).map((r) => r.body.desiredStatus),
      ["RUNNING", "STOPPED"],
    );
  });

  it("a stack never deployed: SSM's ParameterNotFound becomes the one-line 'deploy first'", async () => {
    await listen({
      "AmazonSSM.GetParameter": () => ({
        status: 400,
        body: { __type: "ParameterNotFound", message: "" },
      }),
    });
    const run = await runCli(["logs", "api", "--stack", "dev"], { env: {} });
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      "error: Stack dev has no operations manifest (SSM parameter /vitcord/dev/ops in eu-west-1): " +
        "deploy the stack first (npm run infra -- up --stack dev).\n",
    );
  });
});
