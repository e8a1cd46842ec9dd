import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  architectureOf,
  ContainerInsights,
  ECS_RESERVED_MEMORY_MIB,
  ecsOptimizedAmiParameter,
  ENVIRONMENT_DEFAULTS,
  SpotSettings,
} from "./config";
import { serviceTrustPolicy } from "./iam";
import { statefulResourceOptions } from "./options";
import { ClusterRef, NetworkRef } from "./refs";

const DEV = ENVIRONMENT_DEFAULTS.dev;

export interface Ec2ClusterArgs {
  /** The VPC; instances go into every one of its private subnets. */
  readonly network: NetworkRef;
  /**
   * Instance types, all arm64 or all x86_64; the first is the launch template's own.
   * @default ["t4g.medium", "t4g.large"]
   */
  readonly instanceTypes?: readonly string[];
  /**
   * Fewest instances.
   * @default 1
   */
  readonly minSize?: number;
  /**
   * Most instances.
   * @default 4
   */
  readonly maxSize?: number;
  /**
   * Instances at creation; managed scaling owns the number afterwards (changes are ignored).
   * @default undefined (minSize)
   */
  readonly desiredCapacity?: number;
  /**
   * Spot above an on-demand base; disabled means every instance is on-demand.
   * @default { enabled: true, onDemandBase: 0, onDemandPercentageAboveBase: 0 }
   */
  readonly spot?: SpotSettings;
  /**
   * Percent of the instances' capacity managed scaling aims to use; below 100 keeps spare room.
   * @default 100
   */
  readonly targetCapacity?: number;
  /**
   * Root (and Docker image) volume size in GiB, at least the AMI's 30.
   * @default 30
   */
  readonly rootVolumeGiB?: number;
  /**
   * Container Insights level.
   * @default "enabled"
   */
  readonly containerInsights?: ContainerInsights;
  /**
   * Days to keep ECS Exec session logs.
   * @default 14
   */
  readonly logRetentionDays?: number;
  /**
   * The KMS key that encrypts the ECS Exec log group (the stack's key, components/kms.ts).
   * @default undefined (CloudWatch Logs' own encryption)
   */
  readonly logKmsKeyArn?: pulumi.Input<string>;
  /**
   * Cloud Map namespace for Service Connect.
   * @default "<stack>.vitcord.internal"
   */
  readonly serviceConnectNamespace?: string;
  /**
   * `protect`/`retainOnDelete` on the cluster and the namespace (prod).
   * @default false
   */
  readonly deletionProtection?: boolean;
  /**
   * The ECS-optimized AMI, pinned: instances are replaced only when it changes. Unset, the
   * recommended AMI is read from AWS's public SSM parameter (see `amiUpdates`).
   * @default undefined (the recommended AMI of the instance types' architecture)
   */
  readonly amiId?: string;
  /**
   * Without `amiId`: `follow` the recommended AMI at every `up`, or `keep` the one of the first
   * deploy (the launch template ignores later changes of its image).
   * @default "follow"
   */
  readonly amiUpdates?: "follow" | "keep";
  /**
   * Declare the account-and-region-wide ECS default `awsvpcTrunking` on (kept on destroy).
   * @default false
   */
  readonly eniTrunking?: boolean;
  /**
   * The stack's tags (the provider's default tags), copied onto what the Auto Scaling group
   * launches: instances, their volumes and network interfaces get no provider default tags.
   * @default {}
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** The launch template's tag saying where its AMI comes from: `cluster.amiId` or the SSM parameter. */
export const AMI_SOURCE_TAG = "vitcord:ami-source";

/** The AMI_SOURCE_TAG value: `cluster.amiId`, the parameter, or `first-deploy:<parameter>`. */
export function amiSource(
  amiId: string | undefined,
  keepFirst: boolean,
  parameter: string,
): string {
  if (amiId !== undefined) return "cluster.amiId";
  return keepFirst ? `first-deploy:${parameter}` : parameter;
}

/** The resource types a launch template tags at launch (all that an ECS instance creates). */
export const LAUNCH_TAGGED_RESOURCE_TYPES = ["instance", "volume", "network-interface"] as const;

/**
 * The tags of what the group launches: the stack's tags and `Name`. The AWS provider's default
 * tags reach only a resource's own top-level `tags`: not a launch template's nested
 * `tagSpecifications` (hashicorp/terraform-provider-aws#19387) nor the instances an Auto Scaling
 * group starts, which carry only the group's tags marked `propagateAtLaunch` (HashiCorp, "Propagate
 * default tags to Auto Scaling group"). Both carry them here: the launch template tags the
 * volumes and network interfaces (the group's tags reach instances only), and the group's
 * propagated tags win over the template's for the instance (EC2 Auto Scaling user guide, "Tag
 * Auto Scaling groups and instances"), with the same values.
 */
export function launchTags(
  stackTags: Readonly<Record<string, string>>,
  name: string,
): Record<string, string> {
  return { ...stackTags, Name: `${name}-instance` };
}

/** The group's own tags: ECS's managed-scaling marker and every launch tag, all propagated. */
export function autoScalingGroupTags(
  stackTags: Readonly<Record<string, string>>,
  name: string,
): { key: string; value: string; propagateAtLaunch: boolean }[] {
  return [
    { key: "AmazonECSManaged", value: "true", propagateAtLaunch: true },
    ...Object.entries(launchTags(stackTags, name))
      .filter(([key]) => key !== "AmazonECSManaged")
      .map(([key, value]) => ({
        key,
        value,
        propagateAtLaunch: true,
      })),
  ];
}

/** What the ECS agent is told in user data. Settings only: never credentials (CKV_AWS_46). */
export function instanceUserData(clusterName: string, spot: boolean): string {
  const settings = [
    `ECS_CLUSTER=${clusterName}`,
    // awsvpc tasks cannot reach the instance metadata, so not the instance role either.
    "ECS_AWSVPC_BLOCK_IMDS=true",
    // No privileged containers on these hosts, whatever a task definition asks (ECS.4).
    "ECS_DISABLE_PRIVILEGED=true",
    "ECS_ENABLE_CONTAINER_METADATA=true",
    // Kept from tasks for the agent, containerd and the SSM agent; see schedulableCapacity().
    `ECS_RESERVED_MEMORY=${ECS_RESERVED_MEMORY_MIB}`,
    // On a Spot interruption notice the agent drains the instance within the two minutes.
    ...(spot ? ["ECS_ENABLE_SPOT_INSTANCE_DRAINING=true"] : []),
  ];
  return ["#!/bin/bash", "cat >> /etc/ecs/ecs.config <<'EOF'", ...settings, "EOF", ""].join("\n");
}

/** A mixed-instances policy is needed for Spot, and for more than one instance type. */
export function needsMixedInstancesPolicy(
  instanceTypes: readonly string[],
  spot: boolean,
): boolean {
  return spot || instanceTypes.length > 1;
}

/**
 * The on-demand/Spot split: with Spot off everything is on-demand (in the listed order); with it
 * on, a fixed on-demand base and a percentage above it, the rest Spot from the deepest pools
 * (capacity-optimized: fewer interruptions for instances that serve web traffic).
 */
export function instancesDistribution(spot: SpotSettings) {
  return {
    onDemandAllocationStrategy: "prioritized",
    onDemandBaseCapacity: spot.enabled ? spot.onDemandBase : 0,
    onDemandPercentageAboveBaseCapacity: spot.enabled ? spot.onDemandPercentageAboveBase : 100,
    ...(spot.enabled ? { spotAllocationStrategy: "capacity-optimized" } : {}),
  };
}

/**
 * An ECS cluster whose web-service capacity is an Auto Scaling group of ECS-optimized Amazon
 * Linux 2023 instances in the private subnets, scaled by an ECS capacity provider; Fargate and
 * Fargate Spot are attached for the workers. Instances accept no inbound traffic and are reached
 * through Session Manager only.
 */
export class Ec2Cluster extends pulumi.ComponentResource implements ClusterRef {
  public readonly clusterArn: pulumi.Output<string>;
  public readonly clusterName: pulumi.Output<string>;
  public readonly capacityProviderName: pulumi.Output<string>;
  public readonly serviceConnectNamespaceArn: pulumi.Output<string>;
  public readonly serviceConnectNamespaceName: pulumi.Output<string>;
  public readonly instanceSecurityGroupId: pulumi.Output<string>;
  public readonly serviceConnectClientSecurityGroupId: pulumi.Output<string>;
  public readonly autoScalingGroupName: pulumi.Output<string>;
  /** Where ECS Exec sessions are logged; task roles of exec-enabled services write here. */
  public readonly execLogGroupName: pulumi.Output<string>;
  public readonly execLogGroupArn: pulumi.Output<string>;

  constructor(name: string, args: Ec2ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vitcord:cluster:Ec2Cluster", name, args, opts);

    const defaults = DEV.cluster;
    const instanceTypes = args.instanceTypes ?? defaults.instanceTypes;
    const minSize = args.minSize ?? defaults.minSize;
    const maxSize = args.maxSize ?? defaults.maxSize;
    const spot = args.spot ?? defaults.spot;
    const architecture = architectureOf(instanceTypes);
    if (architecture === undefined) {
      throw new Error(
        `Ec2Cluster ${name}: \`instanceTypes\` ${JSON.stringify(instanceTypes)} must be one or more supported types of one architecture.`,
      );
    }
    if (minSize > maxSize) {
      throw new Error(`Ec2Cluster ${name}: \`minSize\` cannot exceed \`maxSize\`.`);
    }
    const protect = statefulResourceOptions(args.deletionProtection ?? false, { parent: this });

    const namespace = new aws.servicediscovery.HttpNamespace(
      `${name}-namespace`,
      {
        // HTTP namespace: Service Connect finds endpoints through the Cloud Map API, so no
        // Route 53 private zone is needed.
        name: args.serviceConnectNamespace ?? `${pulumi.getStack()}.vitcord.internal`,
        description: "Service Connect: services and workers reach each other by name.",
      },
      protect,
    );

    const execLogs = new aws.cloudwatch.LogGroup(
      `${name}-exec-logs`,
      {
        name: `/vitcord/${pulumi.getStack()}/${name}/ecs-exec`,
        retentionInDays: args.logRetentionDays ?? DEV.logRetentionDays,
        kmsKeyId: args.logKmsKeyArn,
      },
      { parent: this },
    );

    const cluster = new aws.ecs.Cluster(
      `${name}`,
      {
        settings: [
          {
            name: "containerInsights",
            value: args.containerInsights ?? defaults.containerInsights,
          },
        ],
        // Every ECS Exec session is logged here (CKV_AWS_223); services opt in one by one.
        configuration: {
          executeCommandConfiguration: {
            logging: "OVERRIDE",
            logConfiguration: {
              cloudWatchLogGroupName: execLogs.name,
              // ECS Exec's "use encryption on the CloudWatch logs", off unless set
              // (AWS::ECS::Cluster ExecuteCommandLogConfiguration); the CDK's ECS Exec example sets
              // it with a KMS-encrypted group, as here.
              ...(args.logKmsKeyArn === undefined ? {} : { cloudWatchEncryptionEnabled: true }),
            },
          },
        },
        serviceConnectDefaults: { namespace: namespace.arn },
      },
      protect,
    );

    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-instances`,
      {
        vpcId: args.network.vpcId,
        description: "ECS container instances: no inbound at all; tasks have their own groups",
        ingress: [],
        egress: [
          {
            description: "HTTPS to the ECS, ECR, S3, CloudWatch Logs and SSM endpoints",
            protocol: "tcp",
            fromPort: 443,
            toPort: 443,
            cidrBlocks: ["0.0.0.0/0"],
          },
        ],
        tags: { Name: `${name}-instances` },
      },
      { parent: this },
    );

    // Service Connect peers are admitted by this group, never by the VPC's CIDR (EC2.18): every
    // web-service and worker task carries it beside its own group. No rules of its own (the
    // provider removes AWS's default allow-all egress); the tasks' own groups carry their egress.
    const clientGroup = new aws.ec2.SecurityGroup(
      `${name}-workloads`,
      {
        vpcId: args.network.vpcId,
        description:
          "Service Connect clients: every service and worker task; services admit it on their port",
        ingress: [],
        egress: [],
        tags: { Name: `${name}-workloads` },
      },
      { parent: this },
    );

    const role = new aws.iam.Role(
      `${name}-instance-role`,
      {
        description: "ECS container instances: the ECS agent and Session Manager, nothing else.",
        assumeRolePolicy: serviceTrustPolicy("ec2.amazonaws.com"),
      },
      { parent: this },
    );
    const managedPolicies = {
      ecs: aws.iam.ManagedPolicy.AmazonEC2ContainerServiceforEC2Role,
      ssm: aws.iam.ManagedPolicy.AmazonSSMManagedInstanceCore,
    };
    const policyAttachments = Object.entries(managedPolicies).map(
      ([key, policyArn]) =>
        new aws.iam.RolePolicyAttachment(
          `${name}-instance-${key}`,
          { role: role.name, policyArn },
          { parent: this },
        ),
    );
    const profile = new aws.iam.InstanceProfile(
      `${name}-instance-profile`,
      { role: role.name },
      { parent: this },
    );

    // A pinned AMI changes only with the config; the recommended one with every AWS release.
    const amiParameter = ecsOptimizedAmiParameter(architecture);
    const imageId =
      args.amiId ?? aws.ssm.getParameterOutput({ name: amiParameter }, { parent: this }).value;
    // `keep`: the first deploy's recommended AMI stays; a later recommendation changes the
    // template's input but ignoreChanges keeps the old value, so no version and no refresh.
    const keepFirstAmi = args.amiId === undefined && (args.amiUpdates ?? "follow") === "keep";

    if (args.eniTrunking ?? false) {
      // Account-and-region-wide: every principal without its own setting, so also the instance
      // role the ECS agent registers with. Only instances launched afterwards get a trunk ENI
      // (ECS developer guide, "Increasing Amazon ECS Linux container instance network
      // interfaces"). Destroying the resource would turn it off for the whole account (the
      // provider "will attempt to disable the setting"), under another stack too: kept instead.
      new aws.ecs.AccountSettingDefault(
        `${name}-eni-trunking`,
        { name: "awsvpcTrunking", value: "enabled" },
        { parent: this, retainOnDelete: true },
      );
    }
    const stackTags = args.tags ?? {};
    const launchTemplate = new aws.ec2.LaunchTemplate(
      `${name}-instances`,
      {
        description: `ECS-optimized AL2023 (${architecture}) instances of the ${name} cluster`,
        imageId,
        instanceType: instanceTypes[0],
        iamInstanceProfile: { arn: profile.arn },
        // IMDSv2 only, one hop: containers cannot reach it (EC2.8/170, AutoScaling.3/4, CKV_AWS_79/341).
        metadataOptions: {
          httpEndpoint: "enabled",
          httpTokens: "required",
          httpPutResponseHopLimit: 1,
          instanceMetadataTags: "disabled",
        },
        // No public IP (EC2.9/25, CKV_AWS_88); the group is set here, not on the template.
        networkInterfaces: [
          {
            deviceIndex: 0,
            associatePublicIpAddress: "false",
            deleteOnTermination: "true",
            securityGroups: [securityGroup.id],
          },
        ],
        // Encrypted gp3 root volume (EC2.3/181); it also holds the Docker images.
        blockDeviceMappings: [
          {
            deviceName: "/dev/xvda",
            ebs: {
              volumeSize: args.rootVolumeGiB ?? defaults.rootVolumeGiB,
              volumeType: "gp3",
              encrypted: "true",
              deleteOnTermination: "true",
            },
          },
        ],
        userData: cluster.name.apply((clusterName) =>
          Buffer.from(instanceUserData(clusterName, spot.enabled)).toString("base64"),
        ),
        updateDefaultVersion: true,
        // Where the AMI comes from, for people and the plan; a tag is no template data, so it
        // adds no version and refreshes no instance.
        tags: { [AMI_SOURCE_TAG]: amiSource(args.amiId, keepFirstAmi, amiParameter) },
        tagSpecifications: LAUNCH_TAGGED_RESOURCE_TYPES.map((resourceType) => ({
          resourceType,
          tags: launchTags(stackTags, name),
        })),
      },
      { parent: this, ...(keepFirstAmi ? { ignoreChanges: ["imageId"] } : {}) },
    );

    const template = {
      launchTemplateId: launchTemplate.id,
      // The exact version, so that a template change updates the group and starts a refresh.
      version: launchTemplate.latestVersion.apply(String),
    };
    const group = new aws.autoscaling.Group(
      `${name}-instances`,
      {
        vpcZoneIdentifiers: args.network.privateSubnetIds,
        minSize,
        maxSize,
        desiredCapacity: args.desiredCapacity,
        // Managed termination protection needs it: ECS, not the group, picks what to stop.
        protectFromScaleIn: true,
        capacityRebalance: spot.enabled,
        // Scale-in protected instances would otherwise keep a deleted group waiting forever.
        forceDelete: true,
        // The cluster's asg-at-max alarm reads GroupInServiceInstances, which EC2 Auto Scaling
        // publishes only for the metrics a group enables; group metrics are free at 1-minute
        // granularity ("Monitor CloudWatch metrics for your Auto Scaling groups", EC2 Auto
        // Scaling user guide).
        metricsGranularity: "1Minute",
        enabledMetrics: ["GroupInServiceInstances", "GroupDesiredCapacity", "GroupMaxSize"],
        ...(needsMixedInstancesPolicy(instanceTypes, spot.enabled)
          ? {
              mixedInstancesPolicy: {
                launchTemplate: {
                  launchTemplateSpecification: template,
                  overrides: instanceTypes.map((instanceType) => ({ instanceType })),
                },
                instancesDistribution: instancesDistribution(spot),
              },
            }
          : { launchTemplate: { id: template.launchTemplateId, version: template.version } }),
        // New instances first, then the old ones drained by ECS (managed draining).
        instanceRefresh: {
          strategy: "Rolling",
          preferences: {
            minHealthyPercentage: 100,
            maxHealthyPercentage: 200,
            scaleInProtectedInstances: "Refresh",
            skipMatching: true,
          },
        },
        tags: autoScalingGroupTags(stackTags, name),
      },
      // The profile names only the role: without dependsOn, instances could boot before the ECS
      // policy lets their agent register, and a destroy could detach it while they still drain.
      { parent: this, ignoreChanges: ["desiredCapacity"], dependsOn: policyAttachments },
    );

    const capacityProvider = new aws.ecs.CapacityProvider(
      `${name}-ec2`,
      {
        autoScalingGroupProvider: {
          autoScalingGroupArn: group.arn,
          managedScaling: {
            status: "ENABLED",
            targetCapacity: args.targetCapacity ?? defaults.targetCapacity,
          },
          // ECS.19: instances with tasks are not terminated by scale-in; they are drained first.
          managedTerminationProtection: "ENABLED",
          managedDraining: "ENABLED",
        },
      },
      { parent: this },
    );

    const attachment = new aws.ecs.ClusterCapacityProviders(
      `${name}-providers`,
      {
        clusterName: cluster.name,
        capacityProviders: [capacityProvider.name, "FARGATE", "FARGATE_SPOT"],
        defaultCapacityProviderStrategies: [
          { capacityProvider: capacityProvider.name, weight: 1, base: 0 },
        ],
      },
      { parent: this },
    );

    this.clusterArn = cluster.arn;
    this.clusterName = cluster.name;
    // Services that use the provider must wait until it is attached to the cluster.
    this.capacityProviderName = pulumi
      .all([capacityProvider.name, attachment.id])
      .apply(([providerName]) => providerName);
    this.serviceConnectNamespaceArn = namespace.arn;
    this.serviceConnectNamespaceName = namespace.name;
    this.instanceSecurityGroupId = securityGroup.id;
    this.serviceConnectClientSecurityGroupId = clientGroup.id;
    this.autoScalingGroupName = group.name;
    this.execLogGroupName = execLogs.name;
    this.execLogGroupArn = execLogs.arn;

    this.registerOutputs({
      clusterArn: this.clusterArn,
      clusterName: this.clusterName,
      capacityProviderName: this.capacityProviderName,
      serviceConnectNamespaceArn: this.serviceConnectNamespaceArn,
      serviceConnectNamespaceName: this.serviceConnectNamespaceName,
      instanceSecurityGroupId: this.instanceSecurityGroupId,
      serviceConnectClientSecurityGroupId: this.serviceConnectClientSecurityGroupId,
      autoScalingGroupName: this.autoScalingGroupName,
      execLogGroupName: this.execLogGroupName,
      execLogGroupArn: this.execLogGroupArn,
    });
  }
}
