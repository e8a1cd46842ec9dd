import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NAT_INSTANCE_TYPE_DEFAULT, NatInstanceType } from "./config";
import { policyDocument, PolicyStatement, serviceTrustPolicy } from "./iam";

/**
 * Amazon Linux 2023 for Graviton, from AWS's public SSM parameter (the AL2023 user guide's
 * "Launching AL2023 using the SSM parameter"): an AMI AWS builds and patches, no third party's.
 */
export const NAT_AMI_PARAMETER =
  "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64";

/**
 * The tag that marks what belongs to one NAT instance: its fixed interface, its Elastic IP and
 * what its Auto Scaling group launches (instances and their interfaces). The instance role's EC2
 * permissions hold only on resources carrying it with this NAT's name.
 */
export const NAT_INSTANCE_TAG = "vitcord:nat-instance";

/** The AL2023 AMI's root volume is an 8 GiB snapshot: the smallest size the volume can have. */
export const NAT_ROOT_VOLUME_GIB = 8;

export interface NatInstanceArgs {
  /** The AWS region, for the ARNs in the instance role's policy. */
  readonly region: string;
  readonly vpcId: pulumi.Input<string>;
  /** The VPC's CIDR block: the only source the NAT admits, and the only one it masquerades. */
  readonly vpcCidr: string;
  /**
   * The public subnet of the instance and its fixed interface: one subnet, since a network
   * interface attaches only to instances in its own availability zone.
   */
  readonly publicSubnetId: pulumi.Input<string>;
  /** The private route tables whose default route (0.0.0.0/0) goes through the NAT. */
  readonly privateRouteTableIds: readonly pulumi.Input<string>[];
  /**
   * A burstable Graviton type (the AMI is arm64) with two network interfaces.
   * @default "t4g.nano"
   */
  readonly instanceType?: NatInstanceType;
  /**
   * Tags for what the group launches (the provider's default tags do not reach it).
   * @default {}
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** What the boot script needs: the fixed interface and the Elastic IP to take over. */
export interface NatUserDataArgs {
  readonly networkInterfaceId: string;
  readonly allocationId: string;
  readonly vpcCidr: string;
}

/**
 * The boot script of a NAT instance, after fck-nat (AndrewGuenther/fck-nat service/fck-nat.sh):
 * the Elastic IP goes to the instance's own (primary) interface, the outbound one; the fixed
 * interface the route tables point at is attached as the second one, inbound. Then forwarding and
 * masquerading, with iptables-services as AWS's "Create a NAT AMI" procedure installs it on AL2023
 * (VPC user guide, NAT instances): the AMI ships no iptables service. Settings and ids only, never
 * credentials (the AWS CLI takes the instance role's from IMDSv2).
 */
export function natUserData(args: NatUserDataArgs): string {
  return [
    "#!/bin/bash",
    "set -euo pipefail",
    `FIXED_ENI=${args.networkInterfaceId}`,
    `ALLOCATION_ID=${args.allocationId}`,
    `VPC_CIDR=${args.vpcCidr}`,
    "# IMDSv2 only: a session token first.",
    'TOKEN=$(curl -sf -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 300" http://169.254.169.254/latest/api/token)',
    'imds() { curl -sf -H "X-aws-ec2-metadata-token: $TOKEN" "http://169.254.169.254/latest/meta-data/$1"; }',
    "INSTANCE_ID=$(imds instance-id)",
    "export AWS_DEFAULT_REGION=$(imds placement/region)",
    'PRIMARY_ENI=$(imds "network/interfaces/macs/$(imds mac)/interface-id")',
    "# The outbound interface: the one the default route leaves by (ens5 on Nitro).",
    "OUTBOUND_IF=$(ip -o route show default | awk '{print $5; exit}')",
    "",
    "# Forward and masquerade the VPC's traffic; keep both across reboots.",
    "dnf install -y iptables-services",
    "systemctl enable --now iptables",
    "cat > /etc/sysctl.d/90-nat.conf <<EOF",
    "net.ipv4.ip_forward = 1",
    "net.ipv4.conf.all.rp_filter = 0",
    "net.ipv4.conf.default.rp_filter = 0",
    "EOF",
    "sysctl --system",
    'iptables -t nat -A POSTROUTING -s "$VPC_CIDR" -o "$OUTBOUND_IF" -j MASQUERADE',
    "# The service's default rules reject forwarded packets.",
    "iptables -F FORWARD",
    "iptables-save > /etc/sysconfig/iptables",
    "",
    "# Replies to the private subnets leave by the primary interface with the internet's source",
    "# addresses: its source/destination check must be off (a launch template cannot say so).",
    'aws ec2 modify-network-interface-attribute --network-interface-id "$PRIMARY_ENI" --no-source-dest-check',
    "# The stable egress address; it replaces the public IP the instance was launched with.",
    'aws ec2 associate-address --allocation-id "$ALLOCATION_ID" --network-interface-id "$PRIMARY_ENI" --allow-reassociation',
    "# The fixed interface: the instance this one replaces may hold it until it has terminated.",
    'until aws ec2 attach-network-interface --network-interface-id "$FIXED_ENI" --instance-id "$INSTANCE_ID" --device-index 1; do sleep 5; done',
    'until [ "$(ls /sys/class/net | wc -l)" -ge 3 ]; do sleep 1; done',
    "# Packets from the private subnets arrive on it and leave by the other: no reverse-path filter.",
    'for f in /proc/sys/net/ipv4/conf/*/rp_filter; do echo 0 > "$f"; done',
    "",
  ].join("\n");
}

export interface NatPolicyArgs {
  readonly region: string;
  readonly account: string;
  readonly name: string;
  readonly networkInterfaceId: string;
  readonly allocationId: string;
}

/**
 * The instance role's EC2 permissions, exactly what the boot script calls, each held only on
 * resources tagged as this NAT's (`ec2:ResourceTag`, as fck-nat's Terraform module scopes them):
 * attach the fixed interface (by its ARN) to an instance of the group, turn off the primary
 * interface's source/destination check, move the Elastic IP (by its ARN) onto that interface.
 */
export function natPolicyStatements(args: NatPolicyArgs): PolicyStatement[] {
  const arn = (kind: string, id: string) =>
    `arn:aws:ec2:${args.region}:${args.account}:${kind}/${id}`;
  const ownResources = { StringEquals: { [`ec2:ResourceTag/${NAT_INSTANCE_TAG}`]: args.name } };
  return [
    {
      Effect: "Allow",
      Action: "ec2:AttachNetworkInterface",
      Resource: [arn("network-interface", args.networkInterfaceId), arn("instance", "*")],
      Condition: ownResources,
    },
    {
      Effect: "Allow",
      Action: "ec2:ModifyNetworkInterfaceAttribute",
      Resource: arn("network-interface", "*"),
      Condition: ownResources,
    },
    {
      Effect: "Allow",
      Action: "ec2:AssociateAddress",
      Resource: [
        arn("elastic-ip", args.allocationId),
        arn("network-interface", "*"),
        arn("instance", "*"),
      ],
      Condition: ownResources,
    },
  ];
}

/**
 * A NAT instance for the private subnets (dev only; see docs/components.md): one small Graviton
 * instance in an Auto Scaling group of one, in a public subnet, so that EC2 replaces it when it
 * fails. The route tables point at a fixed network interface, not at the instance, and each new
 * instance attaches it at boot, so the routes survive a replacement (the fck-nat design). No SSH
 * key and no port 22: Session Manager only.
 */
export class NatInstance extends pulumi.ComponentResource {
  public readonly networkInterfaceId: pulumi.Output<string>;
  public readonly publicIp: pulumi.Output<string>;
  public readonly securityGroupId: pulumi.Output<string>;

  constructor(name: string, args: NatInstanceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vitcord:network:NatInstance", name, args, opts);

    const instanceType = args.instanceType ?? NAT_INSTANCE_TYPE_DEFAULT;
    const ownTag = { [NAT_INSTANCE_TAG]: name };
    const launchTags = { ...(args.tags ?? {}), Name: `${name}-instance`, ...ownTag };

    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description:
          "NAT instance: forwards the VPC's traffic to the internet; admits only the VPC",
        ingress: [
          {
            description: "Everything the VPC sends to the internet through the NAT",
            protocol: "-1",
            fromPort: 0,
            toPort: 0,
            cidrBlocks: [args.vpcCidr],
          },
        ],
        egress: [
          {
            description: "The forwarded traffic, to anywhere on the internet",
            protocol: "-1",
            fromPort: 0,
            toPort: 0,
            cidrBlocks: ["0.0.0.0/0"],
          },
        ],
        tags: { Name: `${name}-sg` },
      },
      { parent: this },
    );

    // The route tables' target: it outlives every instance.
    const fixedInterface = new aws.ec2.NetworkInterface(
      `${name}-eni`,
      {
        subnetId: args.publicSubnetId,
        securityGroups: [securityGroup.id],
        sourceDestCheck: false,
        description: `${name}: the private route tables' target, attached by each NAT instance`,
        tags: { Name: `${name}-eni`, ...ownTag },
      },
      { parent: this },
    );
    const elasticIp = new aws.ec2.Eip(
      `${name}-eip`,
      { domain: "vpc", tags: { Name: `${name}-eip`, ...ownTag } },
      { parent: this },
    );

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        description: "NAT instance: Session Manager, and taking over its interface and Elastic IP.",
        assumeRolePolicy: serviceTrustPolicy("ec2.amazonaws.com"),
      },
      { parent: this },
    );
    new aws.iam.RolePolicyAttachment(
      `${name}-ssm`,
      { role: role.name, policyArn: aws.iam.ManagedPolicy.AmazonSSMManagedInstanceCore },
      { parent: this },
    );
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const bootPolicy = new aws.iam.RolePolicy(
      `${name}-boot`,
      {
        role: role.id,
        policy: pulumi
          .all([account, fixedInterface.id, elasticIp.allocationId])
          .apply(([accountId, networkInterfaceId, allocationId]) =>
            policyDocument(
              natPolicyStatements({
                region: args.region,
                account: accountId,
                name,
                networkInterfaceId,
                allocationId,
              }),
            ),
          ),
      },
      { parent: this },
    );
    const profile = new aws.iam.InstanceProfile(
      `${name}-profile`,
      { role: role.name },
      { parent: this },
    );

    const imageId = aws.ssm.getParameterOutput({ name: NAT_AMI_PARAMETER }, { parent: this }).value;
    const launchTemplate = new aws.ec2.LaunchTemplate(
      `${name}-template`,
      {
        description: `${name}: Amazon Linux 2023 (arm64) NAT instance`,
        imageId,
        instanceType,
        iamInstanceProfile: { arn: profile.arn },
        // No keyName: no SSH. IMDSv2 only, one hop (EC2.8/170).
        metadataOptions: {
          httpEndpoint: "enabled",
          httpTokens: "required",
          httpPutResponseHopLimit: 1,
          instanceMetadataTags: "disabled",
        },
        // A public IP to reach the EC2 API and the AL2023 repositories at boot, until the Elastic
        // IP replaces it (dev waives VIT-EC2-02 for this template: Pulumi.dev.yaml).
        networkInterfaces: [
          {
            deviceIndex: 0,
            associatePublicIpAddress: "true",
            deleteOnTermination: "true",
            securityGroups: [securityGroup.id],
          },
        ],
        blockDeviceMappings: [
          {
            deviceName: "/dev/xvda",
            ebs: {
              volumeSize: NAT_ROOT_VOLUME_GIB,
              volumeType: "gp3",
              encrypted: "true",
              deleteOnTermination: "true",
            },
          },
        ],
        userData: pulumi
          .all([fixedInterface.id, elasticIp.allocationId])
          .apply(([networkInterfaceId, allocationId]) =>
            Buffer.from(
              natUserData({ networkInterfaceId, allocationId, vpcCidr: args.vpcCidr }),
            ).toString("base64"),
          ),
        updateDefaultVersion: true,
        tagSpecifications: ["instance", "volume", "network-interface"].map((resourceType) => ({
          resourceType,
          tags: launchTags,
        })),
      },
      { parent: this },
    );

    // One instance, always: EC2 health checks replace it when it fails. A new template version
    // (a new AMI) waits for the next replacement: no instance refresh cuts egress on a deploy.
    new aws.autoscaling.Group(
      `${name}-group`,
      {
        minSize: 1,
        maxSize: 1,
        desiredCapacity: 1,
        vpcZoneIdentifiers: [args.publicSubnetId],
        healthCheckType: "EC2",
        launchTemplate: {
          id: launchTemplate.id,
          version: launchTemplate.latestVersion.apply(String),
        },
        tags: Object.entries(launchTags).map(([key, value]) => ({
          key,
          value,
          propagateAtLaunch: true,
        })),
      },
      // The instance needs its permissions at boot.
      { parent: this, dependsOn: [bootPolicy] },
    );

    args.privateRouteTableIds.forEach((routeTableId, index) => {
      new aws.ec2.Route(
        `${name}-route-${index + 1}`,
        { routeTableId, destinationCidrBlock: "0.0.0.0/0", networkInterfaceId: fixedInterface.id },
        { parent: this },
      );
    });

    this.networkInterfaceId = fixedInterface.id;
    this.publicIp = elasticIp.publicIp;
    this.securityGroupId = securityGroup.id;
    this.registerOutputs({
      networkInterfaceId: this.networkInterfaceId,
      publicIp: this.publicIp,
      securityGroupId: this.securityGroupId,
    });
  }
}
