import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { egressRuleKey, EgressRuleConfig } from "./config/egress";
import { partitionOf } from "./config/regions";
import { ServiceConfig } from "./config/service";
import { policyDocument } from "./iam";
import { ClusterRef, NetworkRef } from "./refs";

/**
 * The internet-facing edge of a web service, declared as children of the service component:
 * the load balancer's and the tasks' security groups, the access-log bucket, the certificate for
 * a domain, and the listeners.
 */

/** ELB.17/18, CKV_AWS_103: TLS 1.3 with TLS 1.2 as the floor. */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/** The ALB listeners a service gets: with a certificate HTTPS plus a redirect, otherwise HTTP. */
export function listenerPorts(hasCertificate: boolean): number[] {
  return hasCertificate ? [80, 443] : [80];
}

/**
 * The load balancer's group admits only HTTP/HTTPS from the internet and talks only to the
 * tasks; the tasks' group admits only the load balancer's group and the cluster's Service Connect
 * client group, on the container port (checklist #4/#5, CKV_AWS_23: every rule described).
 */
export function createServiceSecurityGroups(
  parent: pulumi.ComponentResource,
  name: string,
  args: { readonly network: NetworkRef; readonly cluster: ClusterRef },
  port: number,
  https: boolean,
  extraEgress: readonly EgressRuleConfig[] = [],
) {
  const vpcId = args.network.vpcId;
  const albSg = new aws.ec2.SecurityGroup(
    `${name}-alb-sg`,
    {
      vpcId,
      description: `Load balancer of ${name}: HTTP(S) from the internet, to its tasks only`,
    },
    { parent },
  );
  const taskSg = new aws.ec2.SecurityGroup(
    `${name}-task-sg`,
    {
      vpcId,
      description: `Tasks of ${name}: from its load balancer and Service Connect peers only`,
    },
    { parent },
  );
  // The ALB is IPv4-only (the VPC has no IPv6 addresses), so there is no ::/0 rule to add.
  for (const listenPort of listenerPorts(https)) {
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-alb-in-${listenPort}`,
      {
        securityGroupId: albSg.id,
        description:
          listenPort === 443
            ? "HTTPS from the internet"
            : https
              ? "HTTP from the internet, redirected to HTTPS"
              : "HTTP from the internet",
        ipProtocol: "tcp",
        fromPort: listenPort,
        toPort: listenPort,
        cidrIpv4: "0.0.0.0/0",
      },
      { parent },
    );
  }
  new aws.vpc.SecurityGroupEgressRule(
    `${name}-alb-to-tasks`,
    {
      securityGroupId: albSg.id,
      description: `Requests and health checks to the ${name} tasks on the container port`,
      ipProtocol: "tcp",
      fromPort: port,
      toPort: port,
      referencedSecurityGroupId: taskSg.id,
    },
    { parent },
  );
  new aws.vpc.SecurityGroupIngressRule(
    `${name}-task-from-alb`,
    {
      securityGroupId: taskSg.id,
      description: `Requests from the ${name} load balancer on the container port`,
      ipProtocol: "tcp",
      fromPort: port,
      toPort: port,
      referencedSecurityGroupId: albSg.id,
    },
    { parent },
  );
  // EC2.18: peers by the cluster's shared client group, which every service and worker task
  // carries; never the VPC's CIDR, which would admit anything in the VPC.
  new aws.vpc.SecurityGroupIngressRule(
    `${name}-task-from-peers`,
    {
      securityGroupId: taskSg.id,
      description: `Service Connect calls to ${name} from other workloads, on the container port`,
      ipProtocol: "tcp",
      fromPort: port,
      toPort: port,
      referencedSecurityGroupId: args.cluster.serviceConnectClientSecurityGroupId,
    },
    { parent },
  );
  // Out: HTTPS anywhere (AWS APIs, third parties) and TCP/UDP inside the VPC (databases,
  // caches, Service Connect peers, the VPC's DNS resolver). No all-protocol rule (CKV_AWS_382).
  const egress: [string, string, string, number, number, pulumi.Input<string>][] = [
    ["https", "HTTPS to AWS APIs and third-party services", "tcp", 443, 443, "0.0.0.0/0"],
    [
      "vpc-tcp",
      "TCP inside the VPC: databases, caches, other services",
      "tcp",
      0,
      65535,
      args.network.cidrBlock,
    ],
    ["vpc-dns", "DNS to the VPC resolver", "udp", 53, 53, args.network.cidrBlock],
  ];
  // `services.<name>.egress`: SMTP to a mail provider, a push gateway's port… each described,
  // named after its protocol, ports and CIDR so that reordering the list replaces nothing.
  for (const rule of extraEgress) {
    egress.push([
      egressRuleKey(rule),
      rule.description,
      rule.protocol,
      rule.fromPort,
      rule.toPort,
      rule.cidr,
    ]);
  }
  for (const [key, description, ipProtocol, fromPort, toPort, cidrIpv4] of egress) {
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-task-out-${key}`,
      { securityGroupId: taskSg.id, description, ipProtocol, fromPort, toPort, cidrIpv4 },
      { parent },
    );
  }
  return { albSg, taskSg };
}

/**
 * ELB's log-delivery account in each region opened before August 2022, as AWS lists them
 * ("Attach a policy to your S3 bucket", ALB user guide). Regions opened since deliver as the
 * `logdelivery.elasticloadbalancing.amazonaws.com` service principal and have no such account.
 */
export const ELB_LOG_DELIVERY_ACCOUNTS: Readonly<Record<string, string>> = {
  "us-east-1": "127311923021",
  "us-east-2": "033677994240",
  "us-west-1": "027434742980",
  "us-west-2": "797873946194",
  "af-south-1": "098369216593",
  "ap-east-1": "754344448648",
  "ap-southeast-3": "589379963580",
  "ap-south-1": "718504428378",
  "ap-northeast-3": "383597477331",
  "ap-northeast-2": "600734575887",
  "ap-southeast-1": "114774131450",
  "ap-southeast-2": "783225319266",
  "ap-northeast-1": "582318560864",
  "ca-central-1": "985666609251",
  "eu-central-1": "054676820928",
  "eu-west-1": "156460612806",
  "eu-west-2": "652711504416",
  "eu-south-1": "635631232127",
  "eu-west-3": "009996457667",
  "eu-north-1": "897822967062",
  "me-south-1": "076674570225",
  "sa-east-1": "507241528517",
  "us-gov-west-1": "048591011584",
  "us-gov-east-1": "190560391635",
  "cn-north-1": "638102146993",
  "cn-northwest-1": "037604701340",
};

/**
 * Who writes a region's ALB access logs: its ELB account where it has one, else the log-delivery
 * service principal. (aws.elb.getServiceAccount has no answer for the newer regions, so a
 * lookup would fail the deploy there.)
 */
export function elbLogDeliveryPrincipal(region: string): { AWS: string } | { Service: string } {
  const account = ELB_LOG_DELIVERY_ACCOUNTS[region];
  if (account === undefined) return { Service: "logdelivery.elasticloadbalancing.amazonaws.com" };
  return { AWS: `arn:${partitionOf(region)}:iam::${account}:root` };
}

/** An S3 bucket for the ALB's access logs: private, encrypted, expiring, writable by ELB only. */
export function createAccessLogBucket(
  parent: pulumi.ComponentResource,
  name: string,
  region: string,
  retentionDays: number,
  stateful: (o?: pulumi.CustomResourceOptions) => pulumi.CustomResourceOptions,
) {
  const bucket = new aws.s3.Bucket(`${name}-alb-logs`, { forceDestroy: false }, stateful());
  new aws.s3.BucketPublicAccessBlock(
    `${name}-alb-logs`,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    { parent },
  );
  new aws.s3.BucketOwnershipControls(
    `${name}-alb-logs`,
    { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
    { parent },
  );
  // ALB access logs support only SSE-S3 (AES256) on the target bucket, not SSE-KMS.
  new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-alb-logs`,
    {
      bucket: bucket.id,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    },
    { parent },
  );
  new aws.s3.BucketLifecycleConfiguration(
    `${name}-alb-logs`,
    {
      bucket: bucket.id,
      rules: [
        {
          id: "expire-access-logs",
          status: "Enabled",
          filter: {},
          expiration: { days: retentionDays },
        },
      ],
    },
    { parent },
  );
  const account = aws.getCallerIdentityOutput({}, { parent }).accountId;
  const policy = new aws.s3.BucketPolicy(
    `${name}-alb-logs`,
    {
      bucket: bucket.id,
      policy: policyDocument([
        {
          Sid: "ElbLogDelivery",
          Effect: "Allow",
          Principal: elbLogDeliveryPrincipal(region),
          Action: "s3:PutObject",
          Resource: pulumi.interpolate`${bucket.arn}/${name}/AWSLogs/${account}/*`,
        },
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: { AWS: "*" },
          Action: "s3:*",
          Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ]),
    },
    { parent },
  );
  return { bucket, policy };
}

/** An ACM certificate for `domain`, validated by DNS in its zone, and the alias to the ALB. */
export function createDomainCertificate(
  parent: pulumi.ComponentResource,
  name: string,
  svc: ServiceConfig,
  alb: aws.lb.LoadBalancer,
): pulumi.Output<string> {
  const zoneId =
    svc.hostedZoneId !== undefined
      ? pulumi.output(svc.hostedZoneId)
      : aws.route53.getZoneOutput({ name: svc.hostedZoneName, privateZone: false }, { parent })
          .zoneId;
  const certificate = new aws.acm.Certificate(
    `${name}-cert`,
    { domainName: svc.domain, validationMethod: "DNS" },
    { parent },
  );
  const option = certificate.domainValidationOptions.apply((options) => options[0]!);
  const validationRecord = new aws.route53.Record(
    `${name}-cert-validation`,
    {
      zoneId,
      name: option.resourceRecordName,
      type: option.resourceRecordType,
      records: [option.resourceRecordValue],
      ttl: 300,
      allowOverwrite: true,
    },
    { parent },
  );
  const validation = new aws.acm.CertificateValidation(
    `${name}-cert`,
    { certificateArn: certificate.arn, validationRecordFqdns: [validationRecord.fqdn] },
    { parent },
  );
  new aws.route53.Record(
    `${name}-alias`,
    {
      zoneId,
      name: svc.domain!,
      type: "A",
      aliases: [{ name: alb.dnsName, zoneId: alb.zoneId, evaluateTargetHealth: true }],
    },
    { parent },
  );
  return validation.certificateArn;
}

/**
 * HTTPS 443 plus a permanent redirect on 80 with a certificate; plain HTTP on 80 without.
 *
 * The program declares no listener rules: priority 1 (`MAINTENANCE_RULE_PRIORITY`) on every
 * listener belongs to the CLI's maintenance rule (`infra maintenance on`, cli/maintenance.ts),
 * a fixed 503 response tagged `vitcord:maintenance`. A `pulumi up` neither removes nor fights it:
 * an `aws.lb.Listener` manages the listener and its default actions only (the listener's "Default"
 * rule, which ModifyListener sets; ELB user guide, "Edit a listener rule"), and other rules are
 * separate resources (`aws.lb.ListenerRule`, CreateRule) that Pulumi manages only when declared.
 * tests/web-service.test.ts checks that none is.
 */
export function createListeners(
  parent: pulumi.ComponentResource,
  name: string,
  alb: aws.lb.LoadBalancer,
  targetGroup: aws.lb.TargetGroup,
  certificateArn: pulumi.Input<string> | undefined,
): aws.lb.Listener[] {
  const forward = [{ type: "forward", targetGroupArn: targetGroup.arn }];
  if (certificateArn === undefined) {
    // Dev only (config refuses it in prod): no certificate, so HTTP forwards to the tasks.
    return [
      new aws.lb.Listener(
        `${name}-http`,
        { loadBalancerArn: alb.arn, port: 80, protocol: "HTTP", defaultActions: forward },
        { parent },
      ),
    ];
  }
  const https = new aws.lb.Listener(
    `${name}-https`,
    {
      loadBalancerArn: alb.arn,
      port: 443,
      protocol: "HTTPS",
      sslPolicy: TLS_POLICY,
      certificateArn,
      defaultActions: forward,
    },
    { parent },
  );
  // ELB.1, CKV2_AWS_20: port 80 only ever answers a permanent redirect to HTTPS.
  const redirect = new aws.lb.Listener(
    `${name}-http`,
    {
      loadBalancerArn: alb.arn,
      port: 80,
      protocol: "HTTP",
      defaultActions: [
        {
          type: "redirect",
          redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" },
        },
      ],
    },
    { parent },
  );
  return [https, redirect];
}
