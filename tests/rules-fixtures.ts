/**
 * Hand-built resources for the rule tests: for every rule, compliant stacks and non-compliant
 * ones with the message each must produce. Independent of the program, so each rule is proven on
 * its own before it runs over dev and prod.
 */
import { RuleEnvironment, RuleResource, RuleResource as R } from "../rules";
import { T } from "../rules/util";
import { ALERTING_CASES } from "./rules-alerting-fixtures";
import { DATA_CASES } from "./rules-data-fixtures";

export function res(
  type: string,
  name: string,
  inputs: Record<string, unknown> = {},
  extra: Partial<Pick<R, "outputs" | "parentUrn" | "options">> = {},
): RuleResource {
  return { type, name, urn: `urn:pulumi:test::vitcord-infra::${type}::${name}`, inputs, ...extra };
}

const sgArn = (id: string) => `arn:aws:ec2:us-east-1:123456789012:security-group/${id}`;
const sg = (name: string, id: string, inputs: Record<string, unknown>) =>
  res(
    T.securityGroup,
    name,
    { description: `${name} group`, ...inputs },
    { outputs: { arn: sgArn(id) } },
  );
const ingress = (
  port: number | [number, number],
  from: Record<string, unknown>,
  protocol = "tcp",
) => ({
  protocol,
  fromPort: Array.isArray(port) ? port[0] : port,
  toPort: Array.isArray(port) ? port[1] : port,
  description: "test rule",
  ...from,
});
const internet = { cidrBlocks: ["0.0.0.0/0"] };
const b64 = (text: string) => Buffer.from(text).toString("base64");
const containers = (...defs: Record<string, unknown>[]) =>
  JSON.stringify(
    defs.map((d) => ({
      name: "api",
      readonlyRootFilesystem: true,
      user: "1000",
      logConfiguration: { logDriver: "awslogs", options: {} },
      ...d,
    })),
  );
const task = (inputs: Record<string, unknown>) =>
  res(T.taskDefinition, "api-task", {
    networkMode: "awsvpc",
    containerDefinitions: containers({}),
    executionRoleArn: "arn:aws:iam::123456789012:role/exec",
    taskRoleArn: "arn:aws:iam::123456789012:role/task",
    ...inputs,
  });
const service = (inputs: Record<string, unknown>) =>
  res(T.service, "api-service", {
    networkConfiguration: {
      subnets: ["subnet-prv1", "subnet-prv2"],
      securityGroups: ["sg-task"],
      assignPublicIp: false,
    },
    deploymentCircuitBreaker: { enable: true, rollback: true },
    ...inputs,
  });
const policy = (...statements: Record<string, unknown>[]) =>
  res(T.rolePolicy, "policy", {
    policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
  });
const allow = (action: string | string[], resource: string | string[]) => ({
  Effect: "Allow",
  Action: action,
  Resource: resource,
});
const lb = (inputs: Record<string, unknown> = {}) =>
  res(
    T.loadBalancer,
    "api-lb",
    {
      loadBalancerType: "application",
      subnets: ["subnet-pub1", "subnet-pub2"],
      securityGroups: ["sg-lb"],
      dropInvalidHeaderFields: true,
      ...inputs,
    },
    {
      outputs: {
        arn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/api-lb/1",
      },
    },
  );
const LB_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/api-lb/1";
const listener = (inputs: Record<string, unknown>) =>
  res(T.listener, `listener-${String(inputs.port)}`, { loadBalancerArn: LB_ARN, ...inputs });
const https = listener({
  port: 443,
  protocol: "HTTPS",
  sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
  certificateArn: "arn:aws:acm:cert",
  defaultActions: [{ type: "forward" }],
});
const httpRedirect = listener({
  port: 80,
  protocol: "HTTP",
  defaultActions: [
    { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
  ],
});
const awsxVpc = (inputs: Record<string, unknown> = {}) =>
  res(
    T.awsxVpc,
    "network-vpc",
    {
      subnetSpecs: [{ type: "Public" }, { type: "Private" }],
      natGateways: { strategy: "OnePerAz" },
      ...inputs,
    },
    {
      outputs: {
        vpcId: "vpc-1",
        publicSubnetIds: ["subnet-pub1", "subnet-pub2"],
        privateSubnetIds: ["subnet-prv1", "subnet-prv2"],
      },
    },
  );
const VPC_URN = awsxVpc().urn;
/** What awsx declares at preview: VPC component → aws.ec2.Vpc → subnets → NAT gateways. */
function awsxChildren(zones: number, nats: number): RuleResource[] {
  const vpc = awsxVpc({ natGateways: undefined });
  const inner = { ...res(T.vpc, "network-vpc", { cidrBlock: "10.0.0.0/16" }), parentUrn: VPC_URN };
  const subnets = Array.from({ length: zones }, (_v, i) => ({
    ...res(T.subnet, `network-vpc-public-${i + 1}`, {
      mapPublicIpOnLaunch: true,
      tags: { SubnetType: "Public" },
    }),
    parentUrn: inner.urn,
  }));
  const gateways = subnets
    .slice(0, nats)
    .map((subnet, i) => ({ ...res(T.natGateway, `network-vpc-${i + 1}`), parentUrn: subnet.urn }));
  return [vpc, inner, ...subnets, ...gateways];
}
const lt = (inputs: Record<string, unknown>) =>
  res(T.launchTemplate, "instances", {
    metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
    blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true", volumeSize: 30 } }],
    vpcSecurityGroupIds: ["sg-instance"],
    ...inputs,
  });
const asg = (inputs: Record<string, unknown>) =>
  res(
    T.asg,
    "instances",
    {
      launchTemplate: { id: "lt-1", version: "$Latest" },
      vpcZoneIdentifiers: ["subnet-prv1", "subnet-prv2"],
      protectFromScaleIn: true,
      ...inputs,
    },
    {
      outputs: {
        arn: "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:1:autoScalingGroupName/instances",
      },
    },
  );
const capacityProvider = (asgProvider: Record<string, unknown> = {}) =>
  res(T.capacityProvider, "ec2", {
    autoScalingGroupProvider: {
      autoScalingGroupArn:
        "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:1:autoScalingGroupName/instances",
      managedScaling: { status: "ENABLED", targetCapacity: 90 },
      managedTerminationProtection: "ENABLED",
      ...asgProvider,
    },
  });

export interface BadCase {
  readonly resources: readonly RuleResource[];
  /** A part of the one violation's message. */
  readonly message: string;
}

export interface RuleCases {
  readonly environment?: RuleEnvironment;
  readonly good: readonly (readonly RuleResource[])[];
  readonly bad: readonly BadCase[];
}

export const CASES: Readonly<Record<string, RuleCases>> = {
  "VIT-NET-01": {
    good: [[res(T.defaultSg, "default", { ingress: [], egress: [] })]],
    bad: [
      {
        resources: [res(T.defaultSg, "default", { ingress: [ingress(443, internet)], egress: [] })],
        message: "has ingress rules",
      },
      {
        resources: [
          res(T.defaultSg, "default", { ingress: [], egress: [ingress(0, internet, "-1")] }),
        ],
        message: "has egress rules",
      },
    ],
  },
  "VIT-NET-02": {
    good: [[res(T.flowLog, "flow", { trafficType: "ALL" })]],
    bad: [
      {
        resources: [res(T.flowLog, "flow", { trafficType: "REJECT" })],
        message: "trafficType is REJECT",
      },
    ],
  },
  "VIT-NET-03": {
    good: [
      [
        awsxVpc(),
        res(T.flowLog, "flow", { vpcId: "vpc-1" }),
        res(T.defaultSg, "default", { vpcId: "vpc-1" }),
      ],
    ],
    bad: [
      {
        resources: [awsxVpc(), res(T.defaultSg, "default", { vpcId: "vpc-1" })],
        message: "the VPC has no flow log",
      },
      {
        resources: [awsxVpc(), res(T.flowLog, "flow", { vpcId: "vpc-1" })],
        message: "default security group is not adopted",
      },
    ],
  },
  "VIT-NET-04": {
    good: [
      [
        awsxVpc(),
        res(T.subnet, "network-vpc-public-1", { mapPublicIpOnLaunch: true }),
        res(T.subnet, "network-vpc-private-1", { mapPublicIpOnLaunch: false }),
      ],
    ],
    bad: [
      {
        resources: [res(T.subnet, "network-vpc-private-1", { mapPublicIpOnLaunch: true })],
        message: "a private subnet has mapPublicIpOnLaunch: true",
      },
      {
        resources: [awsxVpc({ subnetSpecs: [{ type: "Public" }] })],
        message: "declares no Private subnets",
      },
    ],
  },
  "VIT-NET-05": {
    good: [
      [
        sg("lb", "sg-lb", {
          ingress: [
            ingress(443, internet),
            ingress(80, { ipv6CidrBlocks: ["::/0"] }),
            ingress(22, { cidrBlocks: ["10.0.0.0/16"] }),
          ],
        }),
      ],
    ],
    bad: [
      {
        resources: [sg("lb", "sg-lb", { ingress: [ingress(22, internet)] })],
        message: "ingress from 0.0.0.0/0 on port 22 (includes remote administration port 22)",
      },
      {
        resources: [
          res(T.sgRule, "rdp", {
            type: "ingress",
            protocol: "tcp",
            fromPort: 3389,
            toPort: 3389,
            ipv6CidrBlocks: ["::/0"],
            securityGroupId: "sg-x",
          }),
        ],
        message: "ingress from ::/0 on port 3389",
      },
      {
        resources: [
          res(T.sgIngressRule, "all", {
            ipProtocol: "-1",
            cidrIpv4: "0.0.0.0/0",
            securityGroupId: "sg-x",
          }),
        ],
        message: "ingress from 0.0.0.0/0 on all ports",
      },
      {
        resources: [sg("lb", "sg-lb", { ingress: [ingress([80, 443], internet)] })],
        message: "on ports 80-443",
      },
    ],
  },
  "VIT-NET-06": {
    good: [[lb(), sg("lb", "sg-lb", { ingress: [ingress(443, internet)] })]],
    bad: [
      {
        resources: [lb(), sg("app", "sg-app", { ingress: [ingress(443, internet)] })],
        message:
          "security group sg-app accepts internet traffic on port 443 but no load balancer uses it",
      },
    ],
  },
  "VIT-NET-07": {
    good: [
      [
        service({}),
        lb(),
        sg("task", "sg-task", {
          ingress: [ingress(8080, { securityGroups: ["sg-lb"] }), ingress(8080, { self: true })],
        }),
      ],
      // Inside the VPC passes this rule (VIT-NET-12 requires naming the peers' groups instead).
      [
        awsxVpc({ cidrBlock: "10.0.0.0/16" }),
        service({}),
        sg("task", "sg-task", { ingress: [ingress(8080, { cidrBlocks: ["10.0.128.0/17"] })] }),
      ],
    ],
    bad: [
      {
        resources: [
          awsxVpc({ cidrBlock: "10.0.0.0/16" }),
          service({}),
          sg("task", "sg-task", { ingress: [ingress(8080, { cidrBlocks: ["0.0.0.0/0"] })] }),
        ],
        message: "accepts 0.0.0.0/0 (outside the VPC) on port 8080",
      },
      {
        resources: [
          awsxVpc({ cidrBlock: "10.0.0.0/16" }),
          lt({}),
          res(T.sgRule, "ssh", {
            type: "ingress",
            protocol: "tcp",
            fromPort: 22,
            toPort: 22,
            cidrBlocks: ["10.0.0.0/8"],
            securityGroupId: "sg-instance",
          }),
        ],
        message:
          "security group sg-instance of instances (aws:ec2/launchTemplate:LaunchTemplate) accepts 10.0.0.0/8 (outside the VPC)",
      },
      {
        resources: [
          service({}),
          lb({ securityGroups: ["sg-task"] }),
          sg("task", "sg-task", {
            ingress: [ingress(443, { securityGroups: ["sg-x"] }), ingress(80, { self: true })],
          }),
        ],
        message: "is shared by a load balancer",
      },
    ],
  },
  "VIT-NET-08": {
    good: [[sg("lb", "sg-lb", { ingress: [ingress(443, internet)] })]],
    bad: [
      {
        resources: [res(T.securityGroup, "lb", { ingress: [] })],
        message: "the security group has no description",
      },
      {
        resources: [
          sg("lb", "sg-lb", {
            ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }],
          }),
        ],
        message: "the ingress rule on port 443 has no description",
      },
    ],
  },
  "VIT-NET-09": {
    good: [
      [
        res(T.networkAcl, "acl", {
          ingress: [
            {
              ruleNo: 100,
              action: "deny",
              protocol: "tcp",
              fromPort: 22,
              toPort: 22,
              cidrBlock: "0.0.0.0/0",
            },
            {
              ruleNo: 200,
              action: "allow",
              protocol: "tcp",
              fromPort: 443,
              toPort: 443,
              cidrBlock: "0.0.0.0/0",
            },
          ],
        }),
      ],
    ],
    bad: [
      {
        resources: [
          res(T.networkAcl, "acl", {
            ingress: [
              {
                ruleNo: 100,
                action: "allow",
                protocol: "tcp",
                fromPort: 0,
                toPort: 1024,
                cidrBlock: "0.0.0.0/0",
              },
            ],
          }),
        ],
        message: "rule 100 allows the internet to port 22",
      },
      {
        resources: [
          res(T.networkAclRule, "rdp", {
            ruleNumber: 7,
            ruleAction: "allow",
            protocol: "tcp",
            fromPort: 3389,
            toPort: 3389,
            cidrBlock: "0.0.0.0/0",
          }),
        ],
        message: "rule 7 allows the internet to port 3389",
      },
    ],
  },
  "VIT-NET-10": {
    environment: "prod",
    good: [[awsxVpc()], awsxChildren(2, 2)],
    bad: [
      {
        resources: [awsxVpc({ natGateways: { strategy: "Single" } })],
        message: "natGateways.strategy is Single; prod needs OnePerAz",
      },
      {
        resources: [awsxVpc({ natGateways: undefined })],
        message: "natGateways.strategy is Single (the default)",
      },
      {
        // At preview the inputs are gone (the component's outputs instead) but the children exist.
        resources: awsxChildren(3, 1),
        message: "1 NAT gateway(s) for 3 availability zones",
      },
    ],
  },
  "VIT-NET-11": {
    environment: "prod",
    good: [
      [
        awsxVpc(),
        ...["ecr.api", "ecr.dkr", "logs", "ssm"].map((s) =>
          res(T.vpcEndpoint, s, {
            vpcEndpointType: "Interface",
            serviceName: `com.amazonaws.us-east-1.${s}`,
          }),
        ),
      ],
    ],
    bad: [
      {
        resources: [
          awsxVpc(),
          res(T.vpcEndpoint, "s3", {
            vpcEndpointType: "Gateway",
            serviceName: "com.amazonaws.us-east-1.s3",
          }),
        ],
        message: "no interface endpoint for ecr.api, ecr.dkr, logs, ssm",
      },
    ],
  },
  "VIT-NET-12": {
    good: [
      [
        service({}),
        sg("task", "sg-task", { ingress: [ingress(8080, { securityGroups: ["sg-lb"] })] }),
      ],
    ],
    bad: [
      {
        resources: [
          service({}),
          sg("task", "sg-task", { ingress: [ingress(8080, { cidrBlocks: ["10.0.0.0/16"] })] }),
        ],
        message: "accepts 10.0.0.0/16 on port 8080; allow the peers' security groups instead",
      },
    ],
  },
  "VIT-NET-13": {
    environment: "prod",
    good: [
      [
        // A NAT gateway's default route; an interface may carry a route to another network.
        awsxVpc({ natGateways: { strategy: "OnePerAz" } }),
        res("aws:ec2/route:Route", "private-1", {
          destinationCidrBlock: "0.0.0.0/0",
          natGatewayId: "nat-0123456789abcdef0",
        }),
        res("aws:ec2/route:Route", "peering", {
          destinationCidrBlock: "10.30.0.0/16",
          networkInterfaceId: "eni-0123456789abcdef0",
        }),
      ],
    ],
    bad: [
      {
        resources: [
          res("aws:ec2/route:Route", "network-nat-route-1", {
            destinationCidrBlock: "0.0.0.0/0",
            networkInterfaceId: "eni-0123456789abcdef0",
          }),
        ],
        message:
          "the default route goes to network interface eni-0123456789abcdef0 (a NAT instance); prod needs NAT gateways",
      },
      {
        resources: [awsxVpc({ natGateways: { strategy: "None" } })],
        message: "natGateways.strategy is None: the private subnets get no NAT gateway",
      },
    ],
  },
  "VIT-EC2-01": {
    good: [[lt({})]],
    bad: [
      {
        resources: [
          lt({ metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 } }),
        ],
        message: "httpPutResponseHopLimit is 2; it must be 1",
      },
      {
        resources: [
          lt({ metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 1 } }),
        ],
        message: 'httpTokens is optional; it must be "required"',
      },
    ],
  },
  "VIT-EC2-02": {
    good: [
      [
        lt({
          networkInterfaces: [
            { associatePublicIpAddress: "false", securityGroups: ["sg-instance"] },
          ],
        }),
      ],
    ],
    bad: [
      {
        resources: [lt({ networkInterfaces: [{ associatePublicIpAddress: "true" }] })],
        message: 'network interface 0 has associatePublicIpAddress "true"',
      },
    ],
  },
  "VIT-EC2-03": {
    good: [[lt({})]],
    bad: [
      {
        resources: [
          lt({ blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "false" } }] }),
        ],
        message: "volume /dev/xvda is not encrypted",
      },
      { resources: [lt({ blockDeviceMappings: [] })], message: "no blockDeviceMappings" },
    ],
  },
  "VIT-EC2-04": {
    good: [
      [
        lt({
          userData: b64(
            "#!/bin/bash\naws secretsmanager get-secret-value --secret-id arn:aws:secretsmanager:us-east-1:123456789012:secret:db\n",
          ),
        }),
      ],

      [
        lt({
          userData: b64(
            "#!/bin/bash\necho ECS_CLUSTER=vitcord >> /etc/ecs/ecs.config\necho ECS_ENABLE_SPOT_INSTANCE_DRAINING=true >> /etc/ecs/ecs.config\n",
          ),
        }),
      ],
    ],
    bad: [
      {
        resources: [
          lt({ userData: b64("#!/bin/bash\nexport AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n") }),
        ],
        message: "user data contains an AWS access key id",
      },
      {
        resources: [lt({ userData: b64("#!/bin/bash\nDB_PASSWORD=hunter2hunter2 ./run\n") })],
        message: "a password or token assignment",
      },
      {
        resources: [
          lt({ userData: "#!/bin/bash\necho ECS_ENGINE_AUTH_DATA={} >> /etc/ecs/ecs.config" }),
        ],
        message: "ECS registry credentials",
      },
    ],
  },
  "VIT-ASG-01": {
    good: [[asg({})]],
    bad: [
      { resources: [asg({ vpcZoneIdentifiers: ["subnet-prv1"] })], message: "spans 1 subnet(s)" },
      {
        resources: [asg({ launchTemplate: undefined, launchConfiguration: "lc-1" })],
        message: "no launch template",
      },
    ],
  },
  "VIT-ASG-02": {
    environment: "prod",
    good: [
      [
        asg({
          launchTemplate: undefined,
          mixedInstancesPolicy: {
            launchTemplate: {
              launchTemplateSpecification: { launchTemplateId: "lt-1" },
              overrides: [{ instanceType: "t3.large" }, { instanceType: "t3a.large" }],
            },
          },
        }),
      ],
    ],
    bad: [{ resources: [asg({})], message: "single instance type" }],
  },
  "VIT-CAP-01": {
    good: [[capacityProvider()]],
    bad: [
      {
        resources: [capacityProvider({ managedTerminationProtection: "DISABLED" })],
        message: "managedTerminationProtection is not ENABLED",
      },
      {
        resources: [capacityProvider({ managedScaling: { status: "DISABLED" } })],
        message: "managedScaling.status is not ENABLED",
      },
    ],
  },
  "VIT-CAP-02": {
    good: [[capacityProvider(), asg({})]],
    bad: [
      {
        resources: [capacityProvider(), asg({ protectFromScaleIn: false })],
        message: "protectFromScaleIn is not true",
      },
    ],
  },
  "VIT-ECS-01": {
    environment: "prod",
    good: [
      [res(T.cluster, "cluster", { settings: [{ name: "containerInsights", value: "enabled" }] })],
    ],
    bad: [
      {
        resources: [
          res(T.cluster, "cluster", {
            settings: [{ name: "containerInsights", value: "disabled" }],
          }),
        ],
        message: "containerInsights setting is not enabled",
      },
    ],
  },
  "VIT-ECS-02": {
    good: [[task({})]],
    bad: [
      {
        resources: [task({ networkMode: "bridge" })],
        message: "networkMode is bridge; it must be awsvpc",
      },
      { resources: [task({ pidMode: "host" })], message: 'pidMode is "host"' },
    ],
  },
  "VIT-ECS-03": {
    good: [[task({ containerDefinitions: containers({ privileged: false }) })]],
    bad: [
      {
        resources: [task({ containerDefinitions: containers({ privileged: true }) })],
        message: "container api: privileged is true",
      },
    ],
  },
  "VIT-ECS-04": {
    good: [[task({})]],
    bad: [
      {
        resources: [task({ containerDefinitions: containers({ readonlyRootFilesystem: false }) })],
        message: "container api: readonlyRootFilesystem is not true",
      },
      {
        resources: [task({ containerDefinitions: "not json" })],
        message: "containerDefinitions is not a JSON list",
      },
    ],
  },
  "VIT-ECS-05": {
    good: [[task({ containerDefinitions: containers({ user: "1000:1000" }) })]],
    bad: [
      {
        resources: [task({ containerDefinitions: containers({ user: "root" }) })],
        message: 'user is "root"',
      },
      {
        resources: [task({ containerDefinitions: containers({ user: undefined }) })],
        message: "user is unset",
      },
    ],
  },
  "VIT-ECS-06": {
    good: [
      [
        task({
          containerDefinitions: containers({
            environment: [
              { name: "RAILS_ENV", value: "production" },
              {
                name: "DB_SECRET_ARN",
                value: "arn:aws:secretsmanager:us-east-1:123456789012:secret:db",
              },
              { name: "QUEUE_URL", value: "https://sqs.us-east-1.amazonaws.com/123456789012/jobs" },
            ],
          }),
        }),
      ],
    ],
    bad: [
      {
        resources: [
          task({
            containerDefinitions: containers({
              environment: [{ name: "AWS_SECRET_ACCESS_KEY", value: "x" }],
            }),
          }),
        ],
        message: "environment holds secrets: AWS_SECRET_ACCESS_KEY",
      },
      {
        resources: [
          task({
            containerDefinitions: containers({
              environment: [{ name: "DATABASE_URL", value: "postgres://app:s3cret@db:5432/app" }],
            }),
          }),
        ],
        message: "environment holds secrets: DATABASE_URL",
      },
      {
        resources: [
          task({
            containerDefinitions: containers({
              environment: [{ name: "KEY", value: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" }],
            }),
          }),
        ],
        message: "environment holds secrets: KEY",
      },
      {
        resources: [
          task({
            containerDefinitions: containers({
              environment: [{ name: "STRIPE_API_KEY", value: "sk_live" }],
            }),
          }),
        ],
        message: "environment holds secrets: STRIPE_API_KEY",
      },
    ],
  },
  "VIT-ECS-07": {
    good: [[task({})]],
    bad: [
      {
        resources: [task({ containerDefinitions: containers({ logConfiguration: undefined }) })],
        message: "container api: no logConfiguration",
      },
    ],
  },
  "VIT-ECS-09": {
    good: [[service({})]],
    bad: [
      {
        resources: [
          service({ networkConfiguration: { subnets: ["subnet-prv1"], assignPublicIp: true } }),
        ],
        message: "assignPublicIp is true",
      },
      {
        resources: [service({ networkConfiguration: undefined })],
        message: "no networkConfiguration",
      },
    ],
  },
  "VIT-ECS-10": {
    good: [[awsxVpc(), service({}), asg({})]],
    bad: [
      {
        resources: [
          awsxVpc(),
          service({
            networkConfiguration: {
              subnets: ["subnet-pub1", "subnet-prv1"],
              assignPublicIp: false,
            },
          }),
        ],
        message: "runs in public subnet(s) subnet-pub1",
      },
      {
        resources: [awsxVpc(), asg({ vpcZoneIdentifiers: ["subnet-pub1", "subnet-pub2"] })],
        message: "runs in public subnet(s) subnet-pub1, subnet-pub2",
      },
    ],
  },
  "VIT-ECS-11": {
    good: [
      [service({ launchType: "FARGATE" })],
      [
        service({
          capacityProviderStrategies: [{ capacityProvider: "FARGATE_SPOT" }],
          platformVersion: "LATEST",
        }),
      ],
      [service({ platformVersion: "1.3.0" })],
    ],
    bad: [
      {
        resources: [service({ launchType: "FARGATE", platformVersion: "1.3.0" })],
        message: "platformVersion is 1.3.0; use LATEST",
      },
    ],
  },
  "VIT-ECS-12": {
    good: [
      [service({})],
      [
        service({
          deploymentCircuitBreaker: undefined,
          deploymentController: { type: "CODE_DEPLOY" },
        }),
      ],
    ],
    bad: [
      {
        resources: [service({ deploymentCircuitBreaker: { enable: true, rollback: false } })],
        message: "deploymentCircuitBreaker.rollback is not true",
      },
      {
        resources: [service({ deploymentCircuitBreaker: { enable: false, rollback: true } })],
        message: "deploymentCircuitBreaker.enable is not true",
      },
    ],
  },
  "VIT-ECS-13": {
    environment: "prod",
    good: [[service({ enableExecuteCommand: false })]],
    bad: [
      {
        resources: [service({ enableExecuteCommand: true })],
        message: "enableExecuteCommand is true",
      },
    ],
  },
  "VIT-ECS-14": {
    environment: "prod",
    good: [
      [service({ deploymentMinimumHealthyPercent: 100, deploymentMaximumPercent: 200 })],
      [service({})],
      [service({ deploymentMinimumHealthyPercent: 0, deploymentController: { type: "EXTERNAL" } })],
    ],
    bad: [
      {
        resources: [service({ deploymentMinimumHealthyPercent: 50 })],
        message: "deploymentMinimumHealthyPercent is 50; prod needs at least 100",
      },
      {
        resources: [
          service({ deploymentMinimumHealthyPercent: 100, deploymentMaximumPercent: 100 }),
        ],
        message: "deploymentMaximumPercent 100 leaves no room for new tasks above 100%",
      },
    ],
  },
  "VIT-ECS-15": {
    good: [
      [
        service({
          loadBalancers: [{ targetGroupArn: "tg", containerName: "api", containerPort: 3000 }],
          healthCheckGracePeriodSeconds: 60,
        }),
      ],
      [service({})],
    ],
    bad: [
      {
        resources: [
          service({
            loadBalancers: [{ targetGroupArn: "tg", containerName: "api", containerPort: 3000 }],
          }),
        ],
        message: "healthCheckGracePeriodSeconds is not set",
      },
    ],
  },
  "VIT-ECS-16": {
    good: [
      [
        service({
          orderedPlacementStrategies: [
            { type: "spread", field: "attribute:ecs.availability-zone" },
            { type: "binpack", field: "memory" },
          ],
        }),
      ],
      [service({})],
    ],
    bad: [
      {
        resources: [
          service({ orderedPlacementStrategies: [{ type: "binpack", field: "memory" }] }),
        ],
        message: "the first placement strategy is binpack on memory",
      },
    ],
  },
  "VIT-ECS-17": {
    environment: "prod",
    good: [[service({ waitForSteadyState: true })]],
    bad: [{ resources: [service({})], message: "waitForSteadyState is not true" }],
  },
  "VIT-ELB-08": {
    good: [
      [
        res(T.targetGroup, "tg", {
          protocol: "HTTP",
          targetType: "ip",
          deregistrationDelay: 30,
          healthCheck: { enabled: true, path: "/up" },
        }),
      ],
    ],
    bad: [
      {
        resources: [res(T.targetGroup, "tg", { protocol: "HTTP", deregistrationDelay: 30 })],
        message: "no health check",
      },
      {
        resources: [
          res(T.targetGroup, "tg", {
            protocol: "HTTP",
            healthCheck: { enabled: true, path: "/up" },
          }),
        ],
        message: "deregistrationDelay is 300s",
      },
      {
        resources: [
          res(T.targetGroup, "tg", {
            protocol: "HTTP",
            deregistrationDelay: 5,
            healthCheck: { enabled: true },
          }),
        ],
        message: "the HTTP health check has no path",
      },
    ],
  },
  "VIT-ASG-03": {
    environment: "prod",
    good: [
      [
        asg({
          launchTemplate: undefined,
          mixedInstancesPolicy: {
            instancesDistribution: { onDemandPercentageAboveBaseCapacity: 0 },
            launchTemplate: {},
          },
        }),
        lt({
          userData: b64(
            "#!/bin/bash\necho ECS_ENABLE_SPOT_INSTANCE_DRAINING=true >> /etc/ecs/ecs.config\n",
          ),
        }),
        service({
          capacityProviderStrategies: [
            { capacityProvider: "FARGATE", base: 2, weight: 0 },
            { capacityProvider: "FARGATE_SPOT", weight: 1 },
          ],
        }),
      ],
      [asg({}), lt({})],
    ],
    bad: [
      {
        resources: [
          asg({
            launchTemplate: undefined,
            mixedInstancesPolicy: {
              instancesDistribution: { onDemandPercentageAboveBaseCapacity: 25 },
              launchTemplate: {},
            },
          }),
          lt({ userData: b64("#!/bin/bash\necho ECS_CLUSTER=x >> /etc/ecs/ecs.config\n") }),
        ],
        message: "does not set ECS_ENABLE_SPOT_INSTANCE_DRAINING=true",
      },
      {
        resources: [
          service({
            capacityProviderStrategies: [
              { capacityProvider: "FARGATE", base: 0, weight: 0 },
              { capacityProvider: "FARGATE_SPOT", weight: 1 },
            ],
          }),
        ],
        message: "runs on FARGATE_SPOT with no FARGATE base (base 0)",
      },
    ],
  },
  "VIT-IAM-01": {
    good: [
      [
        policy(
          allow(["logs:CreateLogStream", "logs:PutLogEvents"], "arn:aws:logs:*:*:log-group:x:*"),
        ),
      ],
      [
        res(T.rolePolicyAttachment, "exec", {
          policyArn: "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
        }),
      ],
    ],
    bad: [
      { resources: [policy(allow("*", "*"))], message: 'allows Action "*"' },
      {
        resources: [policy(allow(["s3:*"], "arn:aws:s3:::bucket/*"))],
        message: 'allows Action "s3:*"',
      },
      {
        resources: [
          res(T.role, "role", {
            inlinePolicies: [
              { name: "p", policy: JSON.stringify({ Statement: [allow("sqs:*", "*")] }) },
            ],
          }),
        ],
        message: 'allows Action "sqs:*"',
      },
      {
        resources: [
          res(T.rolePolicyAttachment, "admin", {
            policyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
          }),
        ],
        message: "attaches arn:aws:iam::aws:policy/AdministratorAccess",
      },
    ],
  },
  "VIT-IAM-02": {
    good: [
      [
        policy(
          allow("ecr:GetAuthorizationToken", "*"),
          allow("secretsmanager:GetSecretValue", [
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:db",
          ]),
        ),
      ],
    ],
    bad: [
      {
        resources: [policy(allow("secretsmanager:GetSecretValue", "*"))],
        message: 'allows secretsmanager:GetSecretValue on Resource "*"',
      },
      {
        resources: [policy(allow(["ssm:GetParameter*", "logs:PutLogEvents"], ["*"]))],
        message: 'allows ssm:GetParameter* on Resource "*"',
      },
      { resources: [policy(allow("kms:Decrypt", "*"))], message: "allows kms:Decrypt" },
    ],
  },
  "VIT-IAM-03": {
    good: [[task({})], [task({ taskRoleArn: undefined })]],
    bad: [
      {
        resources: [task({ taskRoleArn: "arn:aws:iam::123456789012:role/exec" })],
        message: "the execution role and the task role are the same",
      },
    ],
  },
  "VIT-ELB-01": {
    good: [[lb()], [lb({ loadBalancerType: "network", dropInvalidHeaderFields: undefined })]],
    bad: [
      {
        resources: [lb({ dropInvalidHeaderFields: false })],
        message: "dropInvalidHeaderFields is not true",
      },
      {
        resources: [lb({ desyncMitigationMode: "monitor" })],
        message: 'desyncMitigationMode is "monitor"',
      },
    ],
  },
  "VIT-ELB-02": {
    good: [[lb()]],
    bad: [{ resources: [lb({ subnets: ["subnet-pub1"] })], message: "in 1 subnet(s)" }],
  },
  "VIT-ELB-03": {
    environment: "prod",
    good: [[lb({ accessLogs: { bucket: "logs", enabled: true } })]],
    bad: [
      {
        resources: [lb({ accessLogs: { bucket: "logs", enabled: false } })],
        message: "accessLogs are not enabled",
      },
    ],
  },
  "VIT-ELB-04": {
    environment: "prod",
    good: [[lb({ enableDeletionProtection: true })]],
    bad: [{ resources: [lb({})], message: "enableDeletionProtection is not true" }],
  },
  "VIT-ELB-05": {
    good: [[https], [httpRedirect]],
    bad: [
      {
        resources: [
          listener({
            port: 443,
            protocol: "HTTPS",
            sslPolicy: "ELBSecurityPolicy-2016-08",
            certificateArn: "arn:aws:acm:cert",
          }),
        ],
        message: "sslPolicy is ELBSecurityPolicy-2016-08",
      },
      {
        resources: [
          listener({
            port: 443,
            protocol: "HTTPS",
            sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
          }),
        ],
        message: "no certificateArn",
      },
    ],
  },
  "VIT-ELB-06": {
    environment: "prod",
    good: [
      [lb(), https, httpRedirect],
      [
        lb({ internal: true }),
        listener({ port: 80, protocol: "HTTP", defaultActions: [{ type: "forward" }] }),
      ],
    ],
    bad: [
      {
        resources: [
          lb(),
          listener({
            port: 80,
            protocol: "HTTP",
            defaultActions: [
              { type: "redirect", redirect: { protocol: "HTTPS", statusCode: "HTTP_301" } },
            ],
          }),
        ],
        message: "the load balancer has no HTTPS listener",
      },
      {
        resources: [
          lb(),
          https,
          listener({ port: 80, protocol: "HTTP", defaultActions: [{ type: "forward" }] }),
        ],
        message: "the HTTP listener on port 80 does not redirect to HTTPS",
      },
    ],
  },
  "VIT-ELB-07": {
    environment: "prod",
    good: [[lb(), res(T.webAclAssociation, "waf", { resourceArn: LB_ARN, webAclArn: "arn:waf" })]],
    bad: [{ resources: [lb()], message: "no WAF web ACL is associated" }],
  },
  "VIT-LOG-01": {
    environment: "prod",
    good: [[res(T.logGroup, "logs", { retentionInDays: 365 })]],
    bad: [
      {
        resources: [res(T.logGroup, "logs", { retentionInDays: 30 })],
        message: "retentionInDays is 30; prod keeps logs at least 365 days",
      },
      { resources: [res(T.logGroup, "logs", {})], message: "retentionInDays is not set" },
    ],
  },
  "VIT-LOG-02": {
    environment: "prod",
    good: [[res(T.logGroup, "logs", { retentionInDays: 365, kmsKeyId: "arn:aws:kms:key" })]],
    bad: [
      { resources: [res(T.logGroup, "logs", { retentionInDays: 365 })], message: "no kmsKeyId" },
    ],
  },
  "VIT-OPS-01": {
    environment: "prod",
    good: [
      [res(T.queue, "jobs", {}, { options: { protect: true, retainOnDelete: true } })],
      [res(T.queue, "jobs", {}, { options: { protect: true } })],
    ],
    bad: [
      {
        resources: [
          res(T.loadBalancer, "api-lb", {}, { options: { protect: false, retainOnDelete: false } }),
        ],
        message:
          "protect is not set and retainOnDelete is not set; declare it with statefulResourceOptions(true)",
      },
      {
        resources: [
          res(T.repository, "api", {}, { options: { protect: true, retainOnDelete: false } }),
        ],
        message: "retainOnDelete is not set",
      },
    ],
  },
  ...DATA_CASES,
  ...ALERTING_CASES,
};
