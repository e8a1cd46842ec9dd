import * as assert from "node:assert/strict";
import { ProgramRun, runInvalid, runProgram } from "./harness";

const VPC = "awsx:ec2:Vpc";
const FLOW_LOG = "aws:ec2/flowLog:FlowLog";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";
const ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint";
const NETWORK = "vitcord:network:PrivateNetwork";

function policy(json: unknown): { Statement: Record<string, unknown>[] } {
  return JSON.parse(json as string) as { Statement: Record<string, unknown>[] };
}

/**
 * prod in another region with an extra tag: one synthesis for the region's endpoint names and the
 * provider's tags and region. tests/web-service.test.ts asks for the same config (a region whose
 * ALB log delivery uses the service principal), so a test worker running both synthesizes it once.
 */
const elsewhere = () =>
  runProgram("prod", { "aws:region": "eu-central-2", tags: { Team: "platform" } });

describe("PrivateNetwork", () => {
  let dev: ProgramRun;
  let prod: ProgramRun;
  before(async () => {
    dev = await runProgram("dev");
    prod = await runProgram("prod");
  });

  it("declares one awsx VPC with public and private subnets under the network component", () => {
    for (const run of [dev, prod]) {
      const vpc = run.one(VPC);
      assert.equal(vpc.parent?.type, NETWORK);
      assert.deepEqual(
        (vpc.inputs.subnetSpecs as { type: string }[]).map((s) => s.type),
        ["Public", "Private"],
      );
      assert.equal(
        vpc.inputs.enableDnsHostnames,
        true,
        "Service Connect and endpoints need DNS names",
      );
    }
  });

  it("uses no NAT gateway (a NAT instance) and 2 AZs in dev, one NAT per AZ and 3 AZs in prod", () => {
    assert.deepEqual(dev.one(VPC).inputs.natGateways, { strategy: "None" });
    assert.equal(dev.one(VPC).inputs.numberOfAvailabilityZones, 2);
    assert.deepEqual(prod.one(VPC).inputs.natGateways, { strategy: "OnePerAz" });
    assert.equal(prod.one(VPC).inputs.numberOfAvailabilityZones, 3);
  });

  it("sizes the subnets from the VPC CIDR and the AZ count", () => {
    assert.equal(dev.one(VPC).inputs.cidrBlock, "10.10.0.0/16");
    assert.equal(dev.one(VPC).inputs.availabilityZoneCidrMask, 17);
    assert.equal(prod.one(VPC).inputs.cidrBlock, "10.20.0.0/16");
    assert.deepEqual(prod.one(VPC).inputs.subnetSpecs, [
      { type: "Public", cidrMask: 20 },
      { type: "Private", cidrMask: 19 },
    ]);
  });

  it("logs ALL traffic to a log group with the environment's retention", () => {
    for (const [run, days] of [
      [dev, 14],
      [prod, 365],
    ] as const) {
      const flowLog = run.one(FLOW_LOG);
      assert.equal(flowLog.inputs.trafficType, "ALL");
      assert.equal(flowLog.inputs.logDestinationType, "cloud-watch-logs");
      assert.equal(flowLog.inputs.vpcId, run.one(VPC).state.vpcId);
      const group = run.one(LOG_GROUP, "network-flow-logs");
      assert.equal(flowLog.inputs.logDestination, group.state.arn);
      assert.equal(group.inputs.retentionInDays, days);
    }
  });

  it("gives the flow-log service a role scoped to its own log group", () => {
    const role = dev.one("aws:iam/role:Role", "network-flow-logs-role");
    const [trust] = policy(role.inputs.assumeRolePolicy).Statement;
    assert.deepEqual(trust!.Principal, { Service: "vpc-flow-logs.amazonaws.com" });
    assert.deepEqual(trust!.Condition, { StringEquals: { "aws:SourceAccount": "123456789012" } });
    assert.equal(dev.one(FLOW_LOG).inputs.iamRoleArn, role.state.arn);

    const [statement, describe, ...others] = policy(
      dev.one("aws:iam/rolePolicy:RolePolicy", "network-flow-logs-write").inputs.policy,
    ).Statement;
    assert.equal(others.length, 0);
    assert.deepEqual(statement!.Action, [
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "logs:DescribeLogStreams",
    ]);
    const groupArn = dev.one(LOG_GROUP, "network-flow-logs").state.arn as string;
    assert.deepEqual(statement!.Resource, [groupArn, `${groupArn}:*`]);
    // AWS's documented minimum includes DescribeLogGroups, a list call no single group's ARN
    // authorizes: the account's groups in the region, never "*".
    assert.equal(describe!.Action, "logs:DescribeLogGroups");
    assert.equal(describe!.Resource, "arn:aws:logs:us-east-1:123456789012:log-group:*");
  });

  it("creates the flow log only after its role can write (dependsOn the role policy)", () => {
    for (const run of [dev, prod]) {
      const writePolicy = run.one("aws:iam/rolePolicy:RolePolicy", "network-flow-logs-write");
      assert.ok(
        (run.one(FLOW_LOG).dependencies ?? []).includes(writePolicy.urn),
        "the flow log does not wait for its role policy",
      );
    }
  });

  it("adopts the default security group with no ingress and no egress rules", () => {
    for (const run of [dev, prod]) {
      const sg = run.one(DEFAULT_SG);
      assert.deepEqual(sg.inputs.ingress, []);
      assert.deepEqual(sg.inputs.egress, []);
      assert.equal(sg.inputs.vpcId, run.one(VPC).state.vpcId);
    }
  });

  it("routes S3 and DynamoDB traffic through free gateway endpoints on every route table", () => {
    for (const run of [dev, prod]) {
      const tables = (run.one(VPC).state.routeTables as { id: string }[]).map((t) => t.id);
      assert.equal(tables.length, run === dev ? 4 : 6, "a public and a private table per AZ");
      for (const service of ["s3", "dynamodb"]) {
        const endpoint = run.one(ENDPOINT, `network-${service}-endpoint`);
        assert.equal(endpoint.inputs.serviceName, `com.amazonaws.us-east-1.${service}`);
        assert.equal(endpoint.inputs.vpcEndpointType, "Gateway");
        assert.equal(endpoint.inputs.vpcId, run.one(VPC).state.vpcId);
        // The workloads' private route tables are among them: table traffic never crosses NAT.
        assert.deepEqual(endpoint.inputs.routeTableIds, tables);
      }
      assert.equal(
        run.ofType(ENDPOINT).length,
        2,
        "no interface endpoint (those cost by the hour)",
      );
    }
  });

  it("names the gateway endpoints after the stack's region", async () => {
    const run = await elsewhere();
    assert.deepEqual(
      run.ofType(ENDPOINT).map((e) => e.inputs.serviceName),
      ["com.amazonaws.eu-central-2.s3", "com.amazonaws.eu-central-2.dynamodb"],
    );
  });

  it("exports the VPC, its CIDR and one public and one private subnet per AZ", () => {
    assert.equal(prod.outputs.vpcId, prod.one(VPC).state.vpcId);
    assert.equal(prod.outputs.vpcCidr, "10.20.0.0/16");
    assert.equal((prod.outputs.publicSubnetIds as string[]).length, 3);
    assert.equal((prod.outputs.privateSubnetIds as string[]).length, 3);
    assert.equal((dev.outputs.privateSubnetIds as string[]).length, 2);
  });

  it("tags every resource through one provider with the project, environment and extra tags", async () => {
    const run = await elsewhere();
    const provider = run.one("pulumi:providers:aws");
    assert.deepEqual(JSON.parse(provider.inputs.defaultTags as string), {
      tags: {
        Project: "vitcord-infra",
        Environment: "prod",
        Stack: "prod",
        ManagedBy: "pulumi",
        Team: "platform",
      },
    });
    assert.equal(provider.inputs.region, "eu-central-2");
  });
});

describe("the program with a bad config", () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      "a malformed CIDR",
      { network: { cidr: "10.0.0/16" } },
      /vitcord-infra:network\.cidr = "10\.0\.0\/16": must be an IPv4 CIDR block/,
    ],
    [
      "one availability zone",
      { network: { availabilityZones: 1 } },
      /vitcord-infra:network\.availabilityZones = 1: must be a whole number from 2 to 6/,
    ],
    [
      "a wrong NAT strategy",
      { network: { natGateways: "OnePerAz" } },
      /vitcord-infra:network\.natGateways = "OnePerAz": must be one of: single, perAz/,
    ],
    [
      "a typo in a key",
      { network: { cdir: "10.0.0.0/16" } },
      /vitcord-infra:network\.cdir: unknown key/,
    ],
    [
      "no environment",
      { environment: undefined },
      /vitcord-infra:environment is missing: must be one of: dev, prod/,
    ],
  ];
  for (const [what, changes, message] of cases) {
    it(`stops on ${what}, naming the key, and declares nothing`, async () => {
      const { error, declared } = await runInvalid("dev", changes);
      assert.equal(error.name, "ConfigError");
      assert.match(error.message, message);
      assert.equal(declared, 0);
    });
  }
});
