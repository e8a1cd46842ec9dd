import * as assert from "node:assert/strict";
import {
  instancesDistribution,
  instanceUserData,
  needsMixedInstancesPolicy,
} from "../components/cluster";
import { ConfigError, instanceTypeProblem } from "../components/config";
import { shortHash } from "../plan/engine/stand-ins";
import { ProgramRun, RecordedResource, runInvalid, runProgram } from "./harness";

const COMPONENT = "vitcord:cluster:Ec2Cluster";
const CLUSTER = "aws:ecs/cluster:Cluster";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const ASG = "aws:autoscaling/group:Group";
const CAPACITY_PROVIDER = "aws:ecs/capacityProvider:CapacityProvider";
const PROVIDERS = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders";
const NAMESPACE = "aws:servicediscovery/httpNamespace:HttpNamespace";
const SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup";
const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";

const ARM64_AMI = "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id";
const X86_AMI = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id";
/** The ids the stand-ins give the instance security group and the launch template. */
const SG_ID = `sg-${shortHash("cluster-instances", 17)}`;
const LT_ID = `lt-${shortHash("cluster-instances", 17)}`;
/** The image id the SSM stand-in answers for a parameter name. */
const amiFrom = (parameter: string) => `ami-0${shortHash(parameter, 16)}`;

type Inputs = Record<string, any>;

/** The one resource of a type under the Ec2Cluster component. */
function inCluster(run: ProgramRun, type: string, name?: string): RecordedResource {
  const found = run
    .childrenOf(run.one(COMPONENT))
    .filter((r) => r.type === type && (name === undefined || r.name === name));
  assert.equal(found.length, 1, `expected one ${type} under the cluster, found ${found.length}`);
  return found[0]!;
}

const inputs = (run: ProgramRun, type: string, name?: string) =>
  inCluster(run, type, name).inputs as Inputs;

/**
 * Config variants, each one synthesis shared by the tests of independent properties it sets (the
 * harness memoizes per stack and config). The cluster key replaces the stack file's whole map.
 */
const PINNED_AMI = "ami-0123456789abcdef0";
/** prod with enhanced Container Insights, a pinned AMI, other sizes and Spot above a base. */
const tunedProd = () =>
  runProgram("prod", {
    cluster: {
      containerInsights: "enhanced",
      amiId: PINNED_AMI,
      minSize: 4,
      maxSize: 20,
      desiredCapacity: 6,
      spot: { enabled: true, onDemandPercentageAboveBase: 25 },
    },
  });
/** dev on x86_64 types with a bigger root volume and an on-demand base equal to its maximum (4). */
const x86Dev = () =>
  runProgram("dev", {
    cluster: {
      instanceTypes: ["t3.large", "m6i.large"],
      rootVolumeGiB: 80,
      spot: { onDemandBase: 4 },
    },
  });
/** prod (Spot off, base 3) with one type and a maximum of 2, below that base. */
const oneTypeProd = () =>
  runProgram("prod", { cluster: { instanceTypes: ["m7g.large"], minSize: 1, maxSize: 2 } });

function userDataLines(run: ProgramRun): string[] {
  const encoded = inputs(run, LAUNCH_TEMPLATE).userData as string;
  return Buffer.from(encoded, "base64").toString("utf8").split("\n");
}

describe("Ec2Cluster", () => {
  let dev: ProgramRun;
  let prod: ProgramRun;
  before(async () => {
    dev = await runProgram("dev");
    prod = await runProgram("prod");
  });

  it("declares every resource under the component, which sits beside the network", () => {
    const component = dev.one(COMPONENT);
    assert.equal(component.parent, undefined);
    const children = dev.childrenOf(component).map((r) => r.type);
    for (const type of [CLUSTER, LAUNCH_TEMPLATE, ASG, CAPACITY_PROVIDER, PROVIDERS, NAMESPACE]) {
      assert.ok(children.includes(type), `${type} is not a child of the cluster`);
    }
    assert.equal(dev.ofType(CLUSTER).length, 1);
  });

  describe("the ECS cluster (ECS.12, CKV_AWS_65, CKV_AWS_223)", () => {
    it("turns Container Insights on in both environments", () => {
      for (const run of [dev, prod]) {
        assert.deepEqual(inputs(run, CLUSTER).settings, [
          { name: "containerInsights", value: "enabled" },
        ]);
      }
    });

    it("can use enhanced Container Insights from config", async () => {
      const run = await tunedProd();
      assert.deepEqual(inputs(run, CLUSTER).settings, [
        { name: "containerInsights", value: "enhanced" },
      ]);
    });

    it("logs every ECS Exec session to a log group with the environment's retention", () => {
      for (const [run, days] of [
        [dev, 14],
        [prod, 365],
      ] as const) {
        const group = inCluster(run, "aws:cloudwatch/logGroup:LogGroup", "cluster-exec-logs");
        assert.equal(group.inputs.retentionInDays, days);
        assert.equal(group.inputs.name, `/vitcord/${run.synthesis.stack}/cluster/ecs-exec`);
        assert.deepEqual(inputs(run, CLUSTER).configuration, {
          executeCommandConfiguration: {
            logging: "OVERRIDE",
            logConfiguration: {
              cloudWatchLogGroupName: group.state.name,
              // Prod's group is encrypted with the stack's KMS key (tests/kms.test.ts).
              ...(run === prod ? { cloudWatchEncryptionEnabled: true } : {}),
            },
          },
        });
      }
    });

    it("sets a Cloud Map HTTP namespace named after the stack as the Service Connect default", () => {
      for (const run of [dev, prod]) {
        const namespace = inCluster(run, NAMESPACE);
        assert.equal(namespace.inputs.name, `${run.synthesis.stack}.vitcord.internal`);
        assert.deepEqual(inputs(run, CLUSTER).serviceConnectDefaults, {
          namespace: namespace.state.arn,
        });
      }
      assert.equal(
        dev.ofType("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace").length,
        0,
      );
    });
  });

  describe("the launch template", () => {
    it("follows the recommended arm64 AMI in dev; prod keeps its first deploy's (no fleet refresh)", () => {
      const launchTemplate = (run: ProgramRun) => inCluster(run, LAUNCH_TEMPLATE);
      assert.equal(inputs(dev, LAUNCH_TEMPLATE).imageId, amiFrom(ARM64_AMI));
      assert.deepEqual(inputs(dev, LAUNCH_TEMPLATE).tags, { "vitcord:ami-source": ARM64_AMI });
      assert.deepEqual(launchTemplate(dev).ignoreChanges, []);
      // Prod: the same recommendation at the first deploy, then a newer one changes nothing.
      assert.equal(inputs(prod, LAUNCH_TEMPLATE).imageId, amiFrom(ARM64_AMI));
      assert.deepEqual(inputs(prod, LAUNCH_TEMPLATE).tags, {
        "vitcord:ami-source": `first-deploy:${ARM64_AMI}`,
      });
      assert.deepEqual(launchTemplate(prod).ignoreChanges, ["imageId"]);
      assert.equal(inputs(dev, LAUNCH_TEMPLATE).instanceType, "t4g.medium");
      assert.equal(inputs(prod, LAUNCH_TEMPLATE).instanceType, "m7g.large");
    });

    it("uses the x86_64 AMI when the instance types are x86_64", async () => {
      const run = await x86Dev();
      const template = inputs(run, LAUNCH_TEMPLATE);
      assert.equal(template.imageId, amiFrom(X86_AMI));
      assert.match(template.description as string, /\(x86_64\)/);
    });

    it("requires IMDSv2 with a hop limit of 1 (EC2.8/170, AutoScaling.3/4, CKV_AWS_79/341)", () => {
      for (const run of [dev, prod]) {
        const metadata = inputs(run, LAUNCH_TEMPLATE).metadataOptions as Inputs;
        assert.equal(metadata.httpTokens, "required");
        assert.equal(metadata.httpPutResponseHopLimit, 1);
        assert.equal(metadata.httpEndpoint, "enabled");
      }
    });

    it("gives instances no public IP and only the instance security group (EC2.9/25, CKV_AWS_88)", () => {
      for (const run of [dev, prod]) {
        const interfaces = inputs(run, LAUNCH_TEMPLATE).networkInterfaces as Inputs[];
        assert.equal(interfaces.length, 1);
        assert.equal(interfaces[0]!.associatePublicIpAddress, "false");
        assert.deepEqual(interfaces[0]!.securityGroups, [SG_ID]);
        assert.equal(inputs(run, LAUNCH_TEMPLATE).vpcSecurityGroupIds, undefined);
        assert.equal(inputs(run, LAUNCH_TEMPLATE).keyName, undefined, "no SSH key pair");
      }
    });

    it("encrypts a gp3 root volume sized from config (EC2.3/181)", async () => {
      const volume = (run: ProgramRun) =>
        (inputs(run, LAUNCH_TEMPLATE).blockDeviceMappings as Inputs[])[0]!;
      for (const [run, size] of [
        [dev, 30],
        [prod, 50],
      ] as const) {
        assert.equal(volume(run).deviceName, "/dev/xvda");
        assert.deepEqual(volume(run).ebs, {
          volumeSize: size,
          volumeType: "gp3",
          encrypted: "true",
          deleteOnTermination: "true",
        });
      }
      const bigger = await x86Dev();
      assert.equal(volume(bigger).ebs.volumeSize, 80);
    });

    it("joins the cluster, blocks task access to IMDS and drains on Spot notices in dev", () => {
      const clusterName = inCluster(dev, CLUSTER).state.name as string;
      assert.deepEqual(userDataLines(dev), [
        "#!/bin/bash",
        "cat >> /etc/ecs/ecs.config <<'EOF'",
        `ECS_CLUSTER=${clusterName}`,
        "ECS_AWSVPC_BLOCK_IMDS=true",
        "ECS_DISABLE_PRIVILEGED=true",
        "ECS_ENABLE_CONTAINER_METADATA=true",
        "ECS_RESERVED_MEMORY=256",
        "ECS_ENABLE_SPOT_INSTANCE_DRAINING=true",
        "EOF",
        "",
      ]);
    });

    it("leaves Spot draining out when prod buys on-demand only, and puts no secrets in user data (CKV_AWS_46)", () => {
      const lines = userDataLines(prod);
      assert.ok(lines.includes("ECS_AWSVPC_BLOCK_IMDS=true"));
      assert.ok(!lines.some((l) => l.startsWith("ECS_ENABLE_SPOT_INSTANCE_DRAINING")));
      for (const run of [dev, prod]) {
        const settings = userDataLines(run).filter((l) => l.includes("="));
        assert.ok(
          settings.every((l) => /^ECS_[A-Z_]+=[\w.-]+$/.test(l)),
          settings.join("\n"),
        );
        assert.ok(!settings.some((l) => /AUTH|SECRET|PASSWORD|TOKEN|KEY/.test(l)));
      }
    });
  });

  describe("instance identity and network access", () => {
    it("gives instances a role with exactly the ECS and SSM managed policies", () => {
      for (const run of [dev, prod]) {
        const role = inCluster(run, "aws:iam/role:Role", "cluster-instance-role");
        const trust = JSON.parse(role.inputs.assumeRolePolicy as string) as Inputs;
        assert.deepEqual(trust.Statement, [
          {
            Effect: "Allow",
            Principal: { Service: "ec2.amazonaws.com" },
            Action: "sts:AssumeRole",
          },
        ]);
        const attached = run
          .childrenOf(run.one(COMPONENT))
          .filter((r) => r.type === ATTACHMENT)
          .map((r) => {
            assert.equal(r.inputs.role, role.state.name);
            return r.inputs.policyArn;
          });
        assert.deepEqual(attached.sort(), [
          "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
          "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
        ]);
        // No inline policy widens it.
        assert.equal(
          run
            .childrenOf(run.one(COMPONENT))
            .filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy").length,
          0,
        );
        const profile = inCluster(run, "aws:iam/instanceProfile:InstanceProfile");
        assert.equal(profile.inputs.role, role.state.name);
        assert.deepEqual(inputs(run, LAUNCH_TEMPLATE).iamInstanceProfile, {
          arn: profile.state.arn,
        });
      }
    });

    it("launches instances only after the role's policies are attached (dependsOn)", () => {
      for (const run of [dev, prod]) {
        const attachments = run
          .childrenOf(run.one(COMPONENT))
          .filter((r) => r.type === ATTACHMENT)
          .map((r) => r.urn);
        assert.equal(attachments.length, 2);
        const dependencies = inCluster(run, ASG).dependencies ?? [];
        for (const urn of attachments) assert.ok(dependencies.includes(urn), urn);
      }
    });

    it("has an instance security group with no ingress and only described HTTPS egress (CKV_AWS_23)", () => {
      for (const run of [dev, prod]) {
        const sg = inputs(run, SECURITY_GROUP, "cluster-instances");
        assert.equal(sg.vpcId, run.outputs.vpcId);
        assert.deepEqual(sg.ingress, []);
        assert.equal((sg.egress as Inputs[]).length, 1);
        const [egress] = sg.egress as Inputs[];
        assert.equal(egress!.protocol, "tcp");
        assert.equal(egress!.fromPort, 443);
        assert.equal(egress!.toPort, 443);
        assert.ok((egress!.description as string).length > 0);
        assert.ok((sg.description as string).length > 0);
      }
    });
  });

  describe("the Service Connect client group (EC2.18)", () => {
    it("is one described group in the VPC with no rules, exported for services and workers", () => {
      for (const run of [dev, prod]) {
        const group = inCluster(run, SECURITY_GROUP, "cluster-workloads");
        assert.equal(group.inputs.vpcId, run.outputs.vpcId);
        assert.deepEqual(group.inputs.ingress, []);
        assert.deepEqual(group.inputs.egress, []);
        assert.match(String(group.inputs.description), /^Service Connect clients: /);
        // Every web-service and worker task carries it.
        const carriers = run
          .ofType("aws:ecs/service:Service")
          .filter((service) =>
            (
              service.inputs.networkConfiguration as { securityGroups: string[] }
            ).securityGroups.includes(`sg-${shortHash("cluster-workloads", 17)}`),
          );
        assert.deepEqual(carriers.map((c) => c.name).sort(), [
          "api-service",
          "jobs-service",
          "notifications-service",
        ]);
      }
    });
  });

  describe("the Auto Scaling group (AutoScaling.2/6/9, CKV_AWS_315)", () => {
    it("spans the private subnet of every AZ: 2 in dev, 3 in prod", () => {
      for (const [run, zones] of [
        [dev, 2],
        [prod, 3],
      ] as const) {
        const subnets = inputs(run, ASG).vpcZoneIdentifiers as string[];
        assert.deepEqual(subnets, run.outputs.privateSubnetIds);
        assert.equal(subnets.length, zones);
        assert.ok(subnets.every((s) => s.startsWith("subnet-prv")));
      }
    });

    it("publishes the group metrics the cluster's asg-at-max alarm reads, each minute", () => {
      for (const run of [dev, prod]) {
        const group = inputs(run, ASG);
        assert.equal(group.metricsGranularity, "1Minute");
        assert.ok((group.enabledMetrics as string[]).includes("GroupInServiceInstances"));
        const alarm = run
          .ofType("aws:cloudwatch/metricAlarm:MetricAlarm")
          .find((a) => String(a.inputs.name).endsWith("-cluster-asg-at-max"));
        const metric = (alarm?.inputs.metricQueries as { metric?: { metricName?: string } }[])?.[0];
        assert.equal(
          metric?.metric?.metricName ?? alarm?.inputs.metricName,
          "GroupInServiceInstances",
        );
      }
    });

    it("takes min and max from config: 1-4 in dev, 3-12 in prod, and an initial desired count", async () => {
      assert.equal(inputs(dev, ASG).minSize, 1);
      assert.equal(inputs(dev, ASG).maxSize, 4);
      assert.equal(inputs(dev, ASG).desiredCapacity, undefined);
      assert.equal(inputs(prod, ASG).minSize, 3);
      assert.equal(inputs(prod, ASG).maxSize, 12);
      const run = await tunedProd();
      assert.equal(inputs(run, ASG).minSize, 4);
      assert.equal(inputs(run, ASG).maxSize, 20);
      assert.equal(inputs(run, ASG).desiredCapacity, 6);
    });

    it("protects instances from scale-in and marks them AmazonECSManaged (ECS.19)", () => {
      for (const run of [dev, prod]) {
        const group = inputs(run, ASG);
        assert.equal(group.protectFromScaleIn, true);
        assert.deepEqual(
          (group.tags as Inputs[]).find((t) => t.key === "AmazonECSManaged"),
          { key: "AmazonECSManaged", value: "true", propagateAtLaunch: true },
        );
      }
    });

    it("refreshes instances on template changes, launching new ones before draining old ones", () => {
      for (const run of [dev, prod]) {
        assert.deepEqual(inputs(run, ASG).instanceRefresh, {
          strategy: "Rolling",
          preferences: {
            minHealthyPercentage: 100,
            maxHealthyPercentage: 200,
            scaleInProtectedInstances: "Refresh",
            skipMatching: true,
          },
        });
      }
    });

    it("mixes t4g types in dev, all Spot above a base of 0, capacity-optimized", () => {
      const group = inputs(dev, ASG);
      assert.equal(group.launchTemplate, undefined);
      const policy = group.mixedInstancesPolicy as Inputs;
      assert.deepEqual(policy.launchTemplate, {
        launchTemplateSpecification: {
          launchTemplateId: LT_ID,
          version: "1",
        },
        overrides: [{ instanceType: "t4g.medium" }, { instanceType: "t4g.large" }],
      });
      assert.deepEqual(policy.instancesDistribution, {
        onDemandAllocationStrategy: "prioritized",
        onDemandBaseCapacity: 0,
        onDemandPercentageAboveBaseCapacity: 0,
        spotAllocationStrategy: "capacity-optimized",
      });
      assert.equal(group.capacityRebalance, true);
    });

    it("mixes two Graviton types in prod, all on-demand", () => {
      const group = inputs(prod, ASG);
      const policy = group.mixedInstancesPolicy as Inputs;
      assert.deepEqual(policy.launchTemplate.overrides, [
        { instanceType: "m7g.large" },
        { instanceType: "m6g.large" },
      ]);
      assert.deepEqual(policy.instancesDistribution, {
        onDemandAllocationStrategy: "prioritized",
        onDemandBaseCapacity: 0,
        onDemandPercentageAboveBaseCapacity: 100,
      });
      assert.equal(group.capacityRebalance, false);
    });

    it("uses the launch template alone, at its exact version, for one on-demand type", async () => {
      const run = await oneTypeProd();
      const group = inputs(run, ASG);
      assert.equal(group.mixedInstancesPolicy, undefined);
      assert.deepEqual(group.launchTemplate, {
        id: LT_ID,
        version: "1",
      });
    });

    it("accepts an on-demand base equal to the maximum size, and any base with Spot off", async () => {
      const full = await x86Dev();
      const distribution = (inputs(full, ASG).mixedInstancesPolicy as Inputs).instancesDistribution;
      assert.equal(distribution.onDemandBaseCapacity, 4);
      assert.equal(inputs(full, ASG).maxSize, 4);
      // prod's base of 3 is ignored while Spot is off, so a maximum of 2 is fine.
      const small = await oneTypeProd();
      assert.equal(inputs(small, ASG).maxSize, 2);
    });

    it("keeps an on-demand base under Spot when config asks for one", async () => {
      const run = await tunedProd();
      const distribution = (inputs(run, ASG).mixedInstancesPolicy as Inputs).instancesDistribution;
      assert.equal(distribution.onDemandBaseCapacity, 3);
      assert.equal(distribution.onDemandPercentageAboveBaseCapacity, 25);
      assert.equal(distribution.spotAllocationStrategy, "capacity-optimized");
      assert.ok(userDataLines(run).includes("ECS_ENABLE_SPOT_INSTANCE_DRAINING=true"));
    });
  });

  describe("the capacity provider (ECS.19)", () => {
    it("scales the group with managed scaling, termination protection and draining", () => {
      for (const [run, target] of [
        [dev, 100],
        [prod, 90],
      ] as const) {
        assert.deepEqual(inputs(run, CAPACITY_PROVIDER).autoScalingGroupProvider, {
          autoScalingGroupArn: inCluster(run, ASG).state.arn,
          managedScaling: { status: "ENABLED", targetCapacity: target },
          managedTerminationProtection: "ENABLED",
          managedDraining: "ENABLED",
        });
      }
    });

    it("attaches it with FARGATE and FARGATE_SPOT, and makes it the default strategy", () => {
      for (const run of [dev, prod]) {
        const providerName = inCluster(run, CAPACITY_PROVIDER).state.name as string;
        assert.deepEqual(inputs(run, PROVIDERS), {
          clusterName: inCluster(run, CLUSTER).state.name,
          capacityProviders: [providerName, "FARGATE", "FARGATE_SPOT"],
          defaultCapacityProviderStrategies: [
            { capacityProvider: providerName, weight: 1, base: 0 },
          ],
        });
      }
    });
  });

  it("exports the cluster name and ARN, the capacity provider and the namespace", () => {
    for (const run of [dev, prod]) {
      const cluster = inCluster(run, CLUSTER);
      assert.equal(run.outputs.clusterName, cluster.state.name);
      assert.equal(run.outputs.clusterArn, cluster.state.arn);
      assert.equal(run.outputs.capacityProviderName, inCluster(run, CAPACITY_PROVIDER).state.name);
      assert.equal(run.outputs.serviceConnectNamespace, `${run.synthesis.stack}.vitcord.internal`);
    }
  });
});

describe("Ec2Cluster helpers", () => {
  it("writes only ECS agent settings into user data", () => {
    assert.deepEqual(instanceUserData("c1", false).split("\n").slice(2, -2), [
      "ECS_CLUSTER=c1",
      "ECS_AWSVPC_BLOCK_IMDS=true",
      "ECS_DISABLE_PRIVILEGED=true",
      "ECS_ENABLE_CONTAINER_METADATA=true",
      "ECS_RESERVED_MEMORY=256",
    ]);
    assert.match(instanceUserData("c1", true), /\nECS_ENABLE_SPOT_INSTANCE_DRAINING=true\nEOF\n$/);
  });

  it("needs a mixed-instances policy for Spot or several types only", () => {
    assert.equal(needsMixedInstancesPolicy(["t4g.large"], false), false);
    assert.equal(needsMixedInstancesPolicy(["t4g.large"], true), true);
    assert.equal(needsMixedInstancesPolicy(["t4g.large", "t4g.xlarge"], false), true);
  });

  it("ignores the Spot split when Spot is off", () => {
    assert.deepEqual(
      instancesDistribution({ enabled: false, onDemandBase: 2, onDemandPercentageAboveBase: 10 }),
      {
        onDemandAllocationStrategy: "prioritized",
        onDemandBaseCapacity: 0,
        onDemandPercentageAboveBaseCapacity: 100,
      },
    );
  });

  it("explains an unknown family and an unknown size differently", () => {
    assert.equal(instanceTypeProblem("m7g.large"), undefined);
    assert.match(
      instanceTypeProblem("m7g.metal")!,
      /^is not a supported size of m7g; supported sizes: large, xlarge, 2xlarge$/,
    );
    assert.match(
      instanceTypeProblem("p5.48xlarge")!,
      /^is not a supported instance type; use <family>\.<size> with a family of: t3, t3a, t4g,/,
    );
  });
});

describe("the program with a bad cluster config", () => {
  const FAMILIES = "t3, t3a, t4g, m6i, m7i, m6g, m7g, c6i, c6g, c7g, r6g, r7g";
  const cases: [string, string, Record<string, unknown>, string[]][] = [
    [
      "min > max",
      "dev",
      { minSize: 5, maxSize: 2 },
      ["vitcord-infra:cluster.minSize = 5: must be at most vitcord-infra:cluster.maxSize (2)"],
    ],
    [
      "a max below prod's default min",
      "prod",
      { maxSize: 2 },
      ["vitcord-infra:cluster.maxSize = 2: must be at least vitcord-infra:cluster.minSize (3)"],
    ],
    [
      "a max of zero",
      "dev",
      { maxSize: 0 },
      ["vitcord-infra:cluster.maxSize = 0: must be a whole number from 1 to 100 instances"],
    ],
    [
      "mixed architectures",
      "dev",
      { instanceTypes: ["t4g.large", "t3.large", "m7i.large"] },
      [
        'vitcord-infra:cluster.instanceTypes = ["t4g.large","t3.large","m7i.large"]: mixes architectures (arm64: t4g.large; x86_64: t3.large, m7i.large); all types must be arm64 (Graviton) or all x86_64, as one launch template has one AMI',
      ],
    ],
    [
      "an unknown instance family",
      "prod",
      { instanceTypes: ["m7g.large", "x9.large"] },
      [
        `vitcord-infra:cluster.instanceTypes.1 = "x9.large": is not a supported instance type; use <family>.<size> with a family of: ${FAMILIES}`,
      ],
    ],
    [
      "an unknown size",
      "dev",
      { instanceTypes: ["t4g.nano"] },
      [
        'vitcord-infra:cluster.instanceTypes.0 = "t4g.nano": is not a supported size of t4g; supported sizes: small, medium, large, xlarge',
      ],
    ],
    [
      "no instance types",
      "dev",
      { instanceTypes: [] },
      ["vitcord-infra:cluster.instanceTypes = []: must list at least one instance type"],
    ],
    [
      "a type listed twice",
      "dev",
      { instanceTypes: ["t4g.large", "t4g.large"] },
      ['vitcord-infra:cluster.instanceTypes = ["t4g.large","t4g.large"]: lists t4g.large twice'],
    ],
    [
      "bad Spot values",
      "dev",
      { spot: { enabled: "yes", onDemandBase: -1, onDemandPercentageAboveBase: 150 } },
      [
        'vitcord-infra:cluster.spot.enabled = "yes": must be true or false',
        "vitcord-infra:cluster.spot.onDemandBase = -1: must be a whole number from 0 to 100 instances",
        "vitcord-infra:cluster.spot.onDemandPercentageAboveBase = 150: must be a whole number from 0 to 100 percent",
      ],
    ],
    [
      "a typo in a Spot key",
      "dev",
      { spot: { enable: false } },
      [
        "vitcord-infra:cluster.spot.enable: unknown key; allowed keys here: enabled, onDemandBase, onDemandPercentageAboveBase",
      ],
    ],
    [
      "a Spot on-demand base above the maximum size",
      "dev",
      { maxSize: 4, spot: { enabled: true, onDemandBase: 5 } },
      [
        "vitcord-infra:cluster.spot.onDemandBase = 5: must be at most vitcord-infra:cluster.maxSize (4): the Auto Scaling group rejects an on-demand base above its maximum size",
      ],
    ],
    [
      "Spot turned on with a maximum below the default on-demand base of 3",
      "prod",
      { minSize: 1, maxSize: 2, spot: { enabled: true } },
      [
        "vitcord-infra:cluster.maxSize = 2: must be at least vitcord-infra:cluster.spot.onDemandBase (3) while Spot is enabled",
      ],
    ],
    [
      "a target capacity of 0",
      "prod",
      { targetCapacity: 0 },
      ["vitcord-infra:cluster.targetCapacity = 0: must be a whole number from 1 to 100 percent"],
    ],
    [
      "a root volume smaller than the AMI",
      "dev",
      { rootVolumeGiB: 20 },
      ["vitcord-infra:cluster.rootVolumeGiB = 20: must be a whole number from 30 to 16384 GiB"],
    ],
    [
      "a desired capacity outside min..max",
      "dev",
      { desiredCapacity: 9 },
      [
        "vitcord-infra:cluster.desiredCapacity = 9: must be from vitcord-infra:cluster.minSize (1) to vitcord-infra:cluster.maxSize (4)",
      ],
    ],
    [
      "Container Insights turned off",
      "prod",
      { containerInsights: "disabled" },
      ['vitcord-infra:cluster.containerInsights = "disabled": must be one of: enabled, enhanced'],
    ],
  ];
  for (const [what, stack, cluster, expected] of cases) {
    it(`stops on ${what} in ${stack}, naming the key, and declares nothing`, async () => {
      const { error, declared } = await runInvalid(stack, { cluster });
      assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
      assert.deepEqual(error.problems, expected);
      assert.equal(declared, 0);
    });
  }
  describe("issue 15: a pinned AMI and ENI trunking", () => {
    it("launches the pinned AMI, not what SSM recommends, so that AWS's AMI releases roll nothing", async () => {
      const run = await tunedProd();
      assert.equal(inputs(run, LAUNCH_TEMPLATE).imageId, PINNED_AMI);
      assert.deepEqual(inputs(run, LAUNCH_TEMPLATE).tags, {
        "vitcord:ami-source": "cluster.amiId",
      });
      // A pin is a change the template must take: nothing ignored.
      assert.deepEqual(run.one(LAUNCH_TEMPLATE).ignoreChanges, []);
    });

    it("refuses an AMI id that is not one, naming the key, and declares nothing", async () => {
      const { error, declared } = await runInvalid("prod", { cluster: { amiId: "ubuntu-22.04" } });
      assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
      assert.deepEqual(error.problems, [
        'vitcord-infra:cluster.amiId = "ubuntu-22.04": must be an AMI id: ami- followed by 8 or 17 lowercase hex digits',
      ]);
      assert.equal(declared, 0);
    });

    it("declares awsvpcTrunking in prod only, kept when the stack is destroyed", async () => {
      const [dev, prod] = [await runProgram("dev"), await runProgram("prod")];
      const setting = inCluster(prod, "aws:ecs/accountSettingDefault:AccountSettingDefault");
      assert.deepEqual(setting.inputs, { name: "awsvpcTrunking", value: "enabled" });
      assert.equal(setting.retainOnDelete, true, "destroying it would disable it account-wide");
      assert.equal(dev.ofType("aws:ecs/accountSettingDefault:AccountSettingDefault").length, 0);
    });
  });
});
