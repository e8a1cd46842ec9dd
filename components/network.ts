import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import {
  ENVIRONMENT_DEFAULTS,
  NatInstanceType,
  NatStrategy,
  parseCidr,
  subnetLayout,
} from "./config";
import { policyDocument, serviceTrustPolicy } from "./iam";
import { NatInstance } from "./nat-instance";

const DEV = ENVIRONMENT_DEFAULTS.dev;

export interface PrivateNetworkArgs {
  /** The AWS region, for the gateway endpoints' service names. */
  readonly region: string;
  /**
   * IPv4 CIDR block of the VPC, /16 to /22.
   * @default "10.10.0.0/16"
   */
  readonly cidr?: string;
  /**
   * Number of availability zones; each gets a public and a private subnet.
   * @default 2
   */
  readonly availabilityZones?: number;
  /**
   * `single`: one NAT gateway for the whole VPC (cheap, one AZ's failure cuts egress);
   * `perAz`: one per availability zone (each AZ keeps its egress on its own);
   * `instance`: one NAT instance (components/nat-instance.ts) for the whole VPC, dev only.
   * @default "single"
   */
  readonly natGateways?: NatStrategy;
  /**
   * The NAT instance's type (`natGateways: instance` only).
   * @default "t4g.nano"
   */
  readonly natInstanceType?: NatInstanceType;
  /**
   * The stack's tags, for what the NAT instance's group launches (`natGateways: instance` only).
   * @default {}
   */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * Days to keep the VPC flow logs.
   * @default 14
   */
  readonly flowLogRetentionDays?: number;
  /**
   * The KMS key that encrypts the flow-log group (the stack's key, components/kms.ts).
   * @default undefined (CloudWatch Logs' own encryption)
   */
  readonly logKmsKeyArn?: pulumi.Input<string>;
}

/** The AWS services with (free) gateway endpoints; each gets one on the VPC's route tables. */
export const GATEWAY_ENDPOINT_SERVICES = ["s3", "dynamodb"] as const;

/**
 * Maps our config vocabulary onto awsx's NAT strategies. `instance` is awsx's `None`: its private
 * subnets still get their own route tables, with no default route (awsx/ec2/vpc.ts creates the
 * private subnet's NAT route only when the strategy is not "none"); the NAT instance adds it.
 */
export const AWSX_NAT_STRATEGY: Readonly<
  Record<NatStrategy, awsx.types.enums.ec2.NatGatewayStrategy>
> = {
  single: "Single",
  perAz: "OnePerAz",
  instance: "None",
};

/**
 * The ids of the route tables awsx made for the private subnets, which it tags `SubnetType:
 * Private` (awsx/ec2/vpc.ts gives every subnet its own route table, tagged with the subnet's type).
 */
function privateRouteTableIds(vpc: awsx.ec2.Vpc): pulumi.Output<string[]> {
  return vpc.routeTables
    .apply((tables) => pulumi.all(tables.map((table) => pulumi.all([table.id, table.tags]))))
    .apply((pairs) => pairs.filter(([, tags]) => tags?.SubnetType === "Private").map(([id]) => id));
}

/** The id of the zone's subnet or route table, in awsx's zone order: one per zone. */
function idAt(ids: readonly string[], index: number, what = "private route tables"): string {
  const id = ids[index];
  if (id === undefined) {
    throw new Error(`the VPC has ${ids.length} ${what}; expected one per availability zone`);
  }
  return id;
}

/**
 * A VPC whose workloads live in private subnets: they reach the internet through NAT gateways (or,
 * in dev, a NAT instance) and each other inside the VPC, and nothing on the internet can open a
 * connection to them. Public subnets hold only the load balancers and the NAT gateways or instance.
 */
export class PrivateNetwork extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  public readonly cidrBlock: pulumi.Output<string>;
  public readonly publicSubnetIds: pulumi.Output<string[]>;
  public readonly privateSubnetIds: pulumi.Output<string[]>;
  public readonly flowLogGroupName: pulumi.Output<string>;
  public readonly availabilityZoneCount: number;

  constructor(name: string, args: PrivateNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vitcord:network:PrivateNetwork", name, args, opts);

    const cidr = args.cidr ?? DEV.network.cidr;
    const availabilityZones = args.availabilityZones ?? DEV.network.availabilityZones;
    const natGateways = args.natGateways ?? DEV.network.natGateways;
    const retentionInDays = args.flowLogRetentionDays ?? DEV.logRetentionDays;
    const parsedCidr = parseCidr(cidr);
    if (parsedCidr === undefined) {
      throw new Error(
        `PrivateNetwork ${name}: \`cidr\` ${JSON.stringify(cidr)} is not an IPv4 CIDR block.`,
      );
    }
    const layout = subnetLayout(parsedCidr.prefix, availabilityZones);

    const vpc = new awsx.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: cidr,
        numberOfAvailabilityZones: availabilityZones,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        natGateways: { strategy: AWSX_NAT_STRATEGY[natGateways] },
        subnetStrategy: "Auto",
        availabilityZoneCidrMask: layout.availabilityZoneCidrMask,
        subnetSpecs: [
          { type: "Public", cidrMask: layout.publicCidrMask },
          { type: "Private", cidrMask: layout.privateCidrMask },
        ],
      },
      { parent: this },
    );
    this.vpcId = vpc.vpcId;
    this.publicSubnetIds = vpc.publicSubnetIds;
    this.privateSubnetIds = vpc.privateSubnetIds;
    this.cidrBlock = pulumi.output(cidr);
    this.availabilityZoneCount = availabilityZones;

    // Adopt the default security group and strip it of every rule, so that nothing placed in it by
    // mistake can talk to anything (EC2.2, CKV2_AWS_12).
    new aws.ec2.DefaultSecurityGroup(
      `${name}-default-sg`,
      { vpcId: vpc.vpcId, ingress: [], egress: [], tags: { Name: `${name}-default-deny-all` } },
      { parent: this },
    );

    // S3 and DynamoDB are reached through free gateway endpoints: ECR image layers come from S3,
    // and the tables' traffic stays off NAT's per-GB fee too. awsx creates the route tables, so the
    // endpoints are ours; every route table gets them (the workloads' private ones included).
    const routeTableIds = vpc.routeTables.apply((tables) => pulumi.all(tables.map((t) => t.id)));
    for (const service of GATEWAY_ENDPOINT_SERVICES) {
      new aws.ec2.VpcEndpoint(
        `${name}-${service}-endpoint`,
        {
          vpcId: vpc.vpcId,
          serviceName: `com.amazonaws.${args.region}.${service}`,
          vpcEndpointType: "Gateway",
          routeTableIds,
          tags: { Name: `${name}-${service}` },
        },
        { parent: this },
      );
    }

    if (natGateways === "instance") {
      // awsx has no NAT-instance strategy: the instance and the private route tables' default
      // routes are built beside it, with raw resources, on the route tables it created.
      const privateTables = privateRouteTableIds(vpc);
      new NatInstance(
        `${name}-nat`,
        {
          region: args.region,
          vpcId: vpc.vpcId,
          vpcCidr: cidr,
          publicSubnetId: vpc.publicSubnetIds.apply((ids) => idAt(ids, 0, "public subnets")),
          privateRouteTableIds: Array.from({ length: availabilityZones }, (_v, index) =>
            privateTables.apply((ids) => idAt(ids, index)),
          ),
          instanceType: args.natInstanceType,
          tags: args.tags,
        },
        { parent: this },
      );
    }

    this.flowLogGroupName = this.createFlowLogs(
      name,
      vpc.vpcId,
      retentionInDays,
      args.logKmsKeyArn,
    );

    this.registerOutputs({
      vpcId: this.vpcId,
      cidrBlock: this.cidrBlock,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
      flowLogGroupName: this.flowLogGroupName,
    });
  }

  /** Flow logs of ALL traffic (accepted and rejected) to CloudWatch (EC2.6, CKV2_AWS_11). */
  private createFlowLogs(
    name: string,
    vpcId: pulumi.Output<string>,
    retentionInDays: number,
    kmsKeyId: pulumi.Input<string> | undefined,
  ): pulumi.Output<string> {
    // The flow-log service writes through CloudWatch Logs, which encrypts with the key: the
    // delivery role needs no KMS permission.
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-flow-logs`,
      { name: `/vitcord/${pulumi.getStack()}/vpc-flow-logs`, retentionInDays, kmsKeyId },
      { parent: this },
    );
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const role = new aws.iam.Role(
      `${name}-flow-logs-role`,
      {
        description: "Lets the VPC flow-log service write this VPC's flow logs, and nothing else.",
        assumeRolePolicy: serviceTrustPolicy("vpc-flow-logs.amazonaws.com", account),
      },
      { parent: this },
    );
    // AWS's minimum for flow-log delivery includes logs:DescribeLogGroups, a list call IAM
    // authorizes against `…:log-group::log-stream:`, never one group's ARN: it is granted on the
    // account's groups in the region. CreateLogGroup is not needed: the group exists.
    const writePolicy = new aws.iam.RolePolicy(
      `${name}-flow-logs-write`,
      {
        role: role.id,
        policy: policyDocument([
          {
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resource: [logGroup.arn, pulumi.interpolate`${logGroup.arn}:*`],
          },
          {
            Effect: "Allow",
            Action: "logs:DescribeLogGroups",
            Resource: logGroup.arn.apply((arn) => arn.replace(/:log-group:.*$/, ":log-group:*")),
          },
        ]),
      },
      { parent: this },
    );
    // The flow log uses only the role's ARN, so Pulumi alone would create it alongside the policy:
    // a flow log created before its permissions can stay in "Access error" until it is recreated.
    new aws.ec2.FlowLog(
      `${name}-flow-log`,
      {
        vpcId,
        trafficType: "ALL",
        logDestinationType: "cloud-watch-logs",
        logDestination: logGroup.arn,
        iamRoleArn: role.arn,
        maxAggregationInterval: 60,
      },
      { parent: this, dependsOn: [writePolicy] },
    );
    return logGroup.name;
  }
}
