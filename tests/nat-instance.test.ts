import * as assert from "node:assert/strict";
import { ConfigError, parseStackConfig, NAT_INSTANCE_IN_PROD } from "../components/config";
import { readStackConfig } from "../components/config/stack-files";
import { NAT_AMI_PARAMETER, NAT_INSTANCE_TAG, natUserData } from "../components/nat-instance";
import { assumptionsFor } from "../plan/assumptions";
import { estimateCost } from "../plan/cost";
import { resourceState, shortHash, STAND_IN_ACCOUNT_ID } from "../plan/engine/stand-ins";
import { networkSummary } from "../plan/inventory";
import { fromRecords } from "../rules";
import { spotDraining } from "../rules/deployment";
import { noNatInstanceInProd } from "../rules/network";
import { ProgramRun, RecordedResource, runInvalid, runProgram } from "./harness";

const NAT = "vitcord:network:NatInstance";
const TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const GROUP = "aws:autoscaling/group:Group";
const ENI = "aws:ec2/networkInterface:NetworkInterface";
const EIP = "aws:ec2/eip:Eip";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const ROUTE = "aws:ec2/route:Route";
const VPC = "awsx:ec2:Vpc";

/** The resources under the NAT instance component, of one type. */
function natOfType(run: ProgramRun, type: string): RecordedResource[] {
  const nat = run.one(NAT);
  return run.resources.filter((r) => r.type === type && r.parentUrn === nat.urn);
}

function natOne(run: ProgramRun, type: string): RecordedResource {
  const found = natOfType(run, type);
  assert.equal(found.length, 1, `expected one ${type} under the NAT instance`);
  return found[0]!;
}

/** The id the stand-in engine gave a resource (the records keep its state, not its id). */
function idOf(resource: RecordedResource): string {
  return resourceState(resource.type, resource.name, resource.inputs, { region: "us-east-1" }).id;
}

function decoded(userData: unknown): string {
  return Buffer.from(String(userData), "base64").toString("utf8");
}

/** The problems a config is rejected with (fails the test if it is accepted). */
function problems(stack: string, changes: Record<string, unknown>): readonly string[] {
  const config = readStackConfig(stack);
  for (const [key, value] of Object.entries(changes)) {
    config[`vitcord-infra:${key}`] = JSON.stringify(value);
  }
  try {
    parseStackConfig(stack, config);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail("expected the config to be rejected");
}

describe("NatInstance (network.natGateways: instance, dev)", () => {
  let dev: ProgramRun;
  let prod: ProgramRun;
  before(async () => {
    // The committed stack files: shared with every other test file that runs them.
    dev = await runProgram("dev");
    prod = await runProgram("prod");
  });

  it("asks awsx for no NAT gateway in dev and builds the NAT instance under the network", () => {
    assert.deepEqual(dev.one(VPC).inputs.natGateways, { strategy: "None" });
    const nat = dev.one(NAT);
    assert.equal(nat.parent?.type, "vitcord:network:PrivateNetwork");
    // Prod keeps its NAT gateways and has none of it.
    assert.deepEqual(prod.one(VPC).inputs.natGateways, { strategy: "OnePerAz" });
    assert.deepEqual(prod.ofType(NAT), []);
    assert.deepEqual(prod.ofType(ENI), []);
    assert.deepEqual(prod.ofType(ROUTE), []);
  });

  it("launches AL2023 arm64 from AWS's public SSM parameter: t4g.nano, IMDSv2, no key pair", () => {
    assert.equal(
      NAT_AMI_PARAMETER,
      "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
    );
    const template = natOne(dev, TEMPLATE);
    // The stand-in answers each parameter with an id derived from its name.
    assert.equal(template.inputs.imageId, `ami-0${shortHash(NAT_AMI_PARAMETER, 16)}`);
    assert.equal(template.inputs.instanceType, "t4g.nano");
    assert.equal(template.inputs.keyName, undefined);
    assert.deepEqual(template.inputs.metadataOptions, {
      httpEndpoint: "enabled",
      httpTokens: "required",
      httpPutResponseHopLimit: 1,
      instanceMetadataTags: "disabled",
    });
    const sg = natOne(dev, SG);
    assert.deepEqual(template.inputs.networkInterfaces, [
      {
        deviceIndex: 0,
        associatePublicIpAddress: "true",
        deleteOnTermination: "true",
        securityGroups: [idOf(sg)],
      },
    ]);
    assert.deepEqual(template.inputs.blockDeviceMappings, [
      {
        deviceName: "/dev/xvda",
        ebs: { volumeSize: 8, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
      },
    ]);
    // What it launches carries the tag the role's permissions are scoped by.
    for (const spec of template.inputs.tagSpecifications as { tags: Record<string, string> }[]) {
      assert.equal(spec.tags[NAT_INSTANCE_TAG], "network-nat");
    }
  });

  it("boots into a NAT: the fixed ENI attached, the Elastic IP moved, forwarding and masquerading", () => {
    const script = decoded(natOne(dev, TEMPLATE).inputs.userData);
    const eni = natOne(dev, ENI);
    const eip = natOne(dev, EIP);
    assert.equal(
      script,
      natUserData({
        networkInterfaceId: idOf(eni),
        allocationId: String(eip.state.allocationId),
        vpcCidr: "10.10.0.0/16",
      }),
    );
    assert.match(idOf(eni), /^eni-/);
    for (const expected of [
      `FIXED_ENI=${idOf(eni)}`,
      `ALLOCATION_ID=${String(eip.state.allocationId)}`,
      "X-aws-ec2-metadata-token-ttl-seconds",
      "dnf install -y iptables-services",
      "net.ipv4.ip_forward = 1",
      'iptables -t nat -A POSTROUTING -s "$VPC_CIDR" -o "$OUTBOUND_IF" -j MASQUERADE',
      "iptables -F FORWARD",
      "--no-source-dest-check",
      'aws ec2 associate-address --allocation-id "$ALLOCATION_ID" --network-interface-id "$PRIMARY_ENI" --allow-reassociation',
      'aws ec2 attach-network-interface --network-interface-id "$FIXED_ENI" --instance-id "$INSTANCE_ID" --device-index 1',
    ]) {
      assert.ok(script.includes(expected), `user data lacks ${expected}`);
    }
    assert.doesNotMatch(script, /ssh|authorized_keys|AWS_SECRET/i);
  });

  it("keeps one instance in an Auto Scaling group in the first public subnet", () => {
    const group = natOne(dev, GROUP);
    const template = natOne(dev, TEMPLATE);
    const publicSubnets = dev.one(VPC).state.publicSubnetIds as string[];
    assert.equal(group.inputs.minSize, 1);
    assert.equal(group.inputs.maxSize, 1);
    assert.equal(group.inputs.desiredCapacity, 1);
    assert.deepEqual(group.inputs.vpcZoneIdentifiers, [publicSubnets[0]]);
    assert.deepEqual(group.inputs.launchTemplate, { id: idOf(template), version: "1" });
    assert.equal(group.inputs.healthCheckType, "EC2");
  });

  it("puts a fixed ENI (source/dest check off) and an Elastic IP in front of it", () => {
    const eni = natOne(dev, ENI);
    const sg = natOne(dev, SG);
    const publicSubnets = dev.one(VPC).state.publicSubnetIds as string[];
    assert.equal(eni.inputs.sourceDestCheck, false);
    assert.equal(eni.inputs.subnetId, publicSubnets[0]);
    assert.deepEqual(eni.inputs.securityGroups, [idOf(sg)]);
    assert.equal((eni.inputs.tags as Record<string, string>)[NAT_INSTANCE_TAG], "network-nat");
    const eip = natOne(dev, EIP);
    assert.equal(eip.inputs.domain, "vpc");
    assert.equal((eip.inputs.tags as Record<string, string>)[NAT_INSTANCE_TAG], "network-nat");
  });

  it("admits only the VPC's CIDR, on no port in particular and never 22 from outside", () => {
    const sg = natOne(dev, SG);
    assert.equal(sg.inputs.vpcId, dev.one(VPC).state.vpcId);
    const ingress = sg.inputs.ingress as Record<string, unknown>[];
    assert.deepEqual(
      ingress.map((rule) => ({ ...rule, description: undefined })),
      [
        {
          protocol: "-1",
          fromPort: 0,
          toPort: 0,
          cidrBlocks: ["10.10.0.0/16"],
          description: undefined,
        },
      ],
    );
    const egress = sg.inputs.egress as Record<string, unknown>[];
    assert.deepEqual(
      egress.map((rule) => rule.cidrBlocks),
      [["0.0.0.0/0"]],
    );
  });

  it("routes each private route table's 0.0.0.0/0 to the fixed ENI, never a public one", () => {
    const eni = natOne(dev, ENI);
    const tables = dev.one(VPC).state.routeTables as { id: string; tags: { SubnetType: string } }[];
    const privateIds = tables.filter((t) => t.tags.SubnetType === "Private").map((t) => t.id);
    assert.equal(privateIds.length, 2);
    const routes = natOfType(dev, ROUTE);
    assert.deepEqual(
      routes
        .map((r) => r.inputs)
        .sort((a, b) => String(a.routeTableId).localeCompare(String(b.routeTableId))),
      [...privateIds].sort().map((routeTableId) => ({
        routeTableId,
        destinationCidrBlock: "0.0.0.0/0",
        networkInterfaceId: idOf(eni),
      })),
    );
  });

  it("gives the instance Session Manager and exactly its boot calls, on its own resources", () => {
    const role = natOne(dev, "aws:iam/role:Role");
    assert.deepEqual(JSON.parse(String(role.inputs.assumeRolePolicy)).Statement, [
      { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    const attachments = natOfType(dev, "aws:iam/rolePolicyAttachment:RolePolicyAttachment");
    assert.deepEqual(
      attachments.map((a) => a.inputs.policyArn),
      ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"],
    );
    const eni = natOne(dev, ENI);
    const eip = natOne(dev, EIP);
    const ec2 = (path: string) => `arn:aws:ec2:us-east-1:${STAND_IN_ACCOUNT_ID}:${path}`;
    const own = { StringEquals: { "ec2:ResourceTag/vitcord:nat-instance": "network-nat" } };
    const policy = natOne(dev, "aws:iam/rolePolicy:RolePolicy");
    assert.deepEqual(JSON.parse(String(policy.inputs.policy)).Statement, [
      {
        Effect: "Allow",
        Action: "ec2:AttachNetworkInterface",
        Resource: [ec2(`network-interface/${idOf(eni)}`), ec2("instance/*")],
        Condition: own,
      },
      {
        Effect: "Allow",
        Action: "ec2:ModifyNetworkInterfaceAttribute",
        Resource: ec2("network-interface/*"),
        Condition: own,
      },
      {
        Effect: "Allow",
        Action: "ec2:AssociateAddress",
        Resource: [
          ec2(`elastic-ip/${String(eip.state.allocationId)}`),
          ec2("network-interface/*"),
          ec2("instance/*"),
        ],
        Condition: own,
      },
    ]);
  });

  it("prices the instance, its root volume and its Elastic IP instead of a NAT gateway", () => {
    const cost = estimateCost(dev.resources, {
      region: "us-east-1",
      assumptions: assumptionsFor("dev"),
    });
    const network = cost.lines.filter((l) => l.component === "network");
    const byItem = (item: string) => network.find((l) => l.item === item);
    assert.equal(byItem("EC2 t4g.nano on-demand × 1")?.monthly, 3.07); // 730 h × $0.0042
    assert.equal(byItem("EBS gp3 8 GiB × 1 instances")?.monthly, 0.64); // 8 GB × $0.08
    assert.equal(byItem("Elastic IP (public IPv4)")?.monthly, 3.65); // 730 h × $0.005
    assert.deepEqual(
      network.filter((l) => l.item.includes("NAT")),
      [],
      "no NAT gateway hours, data processing or addresses",
    );
    assert.deepEqual(
      cost.unpriced.filter((u) => u.component === "network"),
      [],
    );
    const summary = networkSummary(
      dev.one(VPC),
      dev.resources.filter((r) => r.parentUrn === dev.one(NAT).urn),
    );
    assert.match(
      summary,
      /NAT: 1 t4g\.nano instance \(Auto Scaling group of 1\) shared by 2 AZs, fixed network interface \+ Elastic IP/,
    );
  });
});

describe("NAT instance refused in prod", () => {
  it("refuses natGateways: instance in prod's config with one exact message, declaring nothing", async () => {
    assert.deepEqual(
      problems("prod", {
        network: { cidr: "10.20.0.0/16", availabilityZones: 3, natGateways: "instance" },
      }),
      [`vitcord-infra:network.natGateways = "instance": ${NAT_INSTANCE_IN_PROD}`],
    );
    assert.equal(
      NAT_INSTANCE_IN_PROD,
      "a NAT instance is for dev only: prod's private subnets need NAT gateways, which AWS runs and scales (allowed in prod: single, perAz)",
    );
    const { error, declared } = await runInvalid("prod", { network: { natGateways: "instance" } });
    assert.match(
      error.message,
      /vitcord-infra:network\.natGateways = "instance": a NAT instance is for dev only/,
    );
    assert.equal(declared, 0);
  });

  it("accepts it in dev, and refuses a NAT instance type that is not a small Graviton one", () => {
    assert.equal(parseStackConfig("dev", readStackConfig("dev")).network.natGateways, "instance");
    assert.deepEqual(
      problems("dev", { network: { natGateways: "instance", natInstanceType: "t3.nano" } }),
      ['vitcord-infra:network.natInstanceType = "t3.nano": must be one of: t4g.nano, t4g.micro'],
    );
  });

  it("VIT-NET-13 flags a default route to a network interface, which dev's NAT instance has", async () => {
    const dev = await runProgram("dev");
    const routes = fromRecords(dev.ofType(ROUTE));
    assert.equal(routes.length, 2);
    for (const route of routes) {
      assert.deepEqual(noNatInstanceInProd.check(route, { environment: "prod" }), [
        `the default route goes to network interface ${String(route.inputs.networkInterfaceId)} (a NAT instance); prod needs NAT gateways (network.natGateways: single or perAz)`,
      ]);
    }
    assert.deepEqual(noNatInstanceInProd.environments, ["prod"]);
    assert.equal(noNatInstanceInProd.enforcement, "mandatory");
  });

  it("VIT-ASG-03 asks Spot draining of the Spot group's template only, not the NAT instance's", async () => {
    const dev = await runProgram("dev");
    assert.deepEqual(spotDraining.check(fromRecords(dev.resources), { environment: "dev" }), []);
  });
});
