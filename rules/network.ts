/** Rules for the VPC: default security group, flow logs, subnets, security groups, NACLs, NAT. */
import { ResourceRule, RuleResource, StackFinding, StackRule } from "./types";
import {
  cidrWithin,
  coversPort,
  descendantsOf,
  describe,
  ingressRules,
  INTERNET_CIDRS,
  isKnown,
  isPublicSubnet,
  isWebPortOnly,
  list,
  ofType,
  portsText,
  record,
  resourceId,
  strings,
  T,
  text,
} from "./util";

const BOTH = ["dev", "prod"] as const;

export const defaultSecurityGroupClosed: ResourceRule = {
  scope: "resource",
  id: "VIT-NET-01",
  title: "The VPC's default security group has no ingress or egress rules",
  controls: ["EC2.2", "CKV2_AWS_12"],
  severity: "high",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.defaultSg],
  check(sg) {
    const problems: string[] = [];
    if (list(sg.inputs.ingress).length > 0)
      problems.push("the default security group has ingress rules");
    if (list(sg.inputs.egress).length > 0)
      problems.push("the default security group has egress rules");
    return problems;
  },
};

export const flowLogsAllTraffic: ResourceRule = {
  scope: "resource",
  id: "VIT-NET-02",
  title: "VPC flow logs capture ALL traffic (accepted and rejected)",
  controls: ["EC2.6", "CKV2_AWS_11"],
  severity: "medium",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.flowLog],
  check(flowLog) {
    const traffic = flowLog.inputs.trafficType;
    return traffic === "ALL" ? [] : [`trafficType is ${text(traffic)}; it must be ALL`];
  },
};

/** Every VPC is declared through awsx or raw; both count. */
function vpcs(resources: readonly RuleResource[]): RuleResource[] {
  return ofType(resources, T.awsxVpc, T.vpc).filter(
    // A raw VPC that is a child of an awsx VPC is the same VPC.
    (vpc) =>
      !(
        vpc.type === T.vpc && resources.some((r) => r.type === T.awsxVpc && r.urn === vpc.parentUrn)
      ),
  );
}

function vpcIdOf(vpc: RuleResource): string | undefined {
  const id = vpc.type === T.awsxVpc ? vpc.outputs?.vpcId : resourceId(vpc);
  return typeof id === "string" && isKnown(id) ? id : undefined;
}

export const vpcBaseline: StackRule = {
  scope: "stack",
  id: "VIT-NET-03",
  title: "Every VPC has flow logs and its default security group adopted with no rules",
  controls: ["EC2.6", "EC2.2", "CKV2_AWS_11", "CKV2_AWS_12"],
  severity: "medium",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.awsxVpc, T.vpc],
  check(resources) {
    const findings: StackFinding[] = [];
    const all = vpcs(resources);
    for (const vpc of all) {
      const id = vpcIdOf(vpc);
      // With one VPC an unknown id still pairs up; with several only known ids can.
      const matches = (r: RuleResource) =>
        all.length === 1 ? true : id !== undefined && r.inputs.vpcId === id;
      if (!ofType(resources, T.flowLog).some(matches)) {
        findings.push({ resource: vpc, message: "the VPC has no flow log" });
      }
      if (!ofType(resources, T.defaultSg).some(matches)) {
        findings.push({
          resource: vpc,
          message: "the VPC's default security group is not adopted and emptied",
        });
      }
    }
    return findings;
  },
};

export const noPublicIpOnLaunch: ResourceRule = {
  scope: "resource",
  id: "VIT-NET-04",
  title: "Private subnets do not assign public IP addresses; awsx VPCs declare private subnets",
  controls: ["EC2.15", "CKV_AWS_130"],
  severity: "high",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.subnet, T.awsxVpc],
  check(resource) {
    if (resource.type === T.awsxVpc) {
      // awsx v3 has no per-spec switch: public subnets map public IPs (for NAT gateways and load
      // balancers only), private ones never do. So workloads need private subnets to exist.
      const types = list(resource.inputs.subnetSpecs).map((s) => record(s).type);
      return types.includes("Private")
        ? []
        : ["the VPC declares no Private subnets, so instances and tasks would get public subnets"];
    }
    // Public subnets hold only load balancers and NAT gateways (see VIT-ECS-10 for workloads).
    if (isPublicSubnet(resource)) return [];
    return resource.inputs.mapPublicIpOnLaunch === true
      ? ["a private subnet has mapPublicIpOnLaunch: true"]
      : [];
  },
};

const SG_TYPES = [T.securityGroup, T.sgRule, T.sgIngressRule];

export const internetIngressWebPortsOnly: ResourceRule = {
  scope: "resource",
  id: "VIT-NET-05",
  title: "Ingress from the internet (0.0.0.0/0, ::/0) only on TCP 80 or 443; never 22 or 3389",
  controls: ["EC2.18", "EC2.19", "CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260", "CKV_AWS_277"],
  severity: "critical",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: SG_TYPES,
  check(resource) {
    const problems: string[] = [];
    for (const rule of ingressRules(resource)) {
      for (const cidr of rule.cidrs.filter((c) => INTERNET_CIDRS.includes(c))) {
        if (isWebPortOnly(rule)) continue;
        const admin = [22, 3389].filter((port) => coversPort(rule, port));
        const why =
          admin.length > 0 ? ` (includes remote administration port ${admin.join(", ")})` : "";
        problems.push(`ingress from ${cidr} on ${portsText(rule)}${why}`);
      }
    }
    return problems;
  },
};

/** Security groups attached to load balancers, by id. */
function loadBalancerGroupIds(resources: readonly RuleResource[]): Set<string> {
  return new Set(
    ofType(resources, T.loadBalancer).flatMap((lb) => strings(lb.inputs.securityGroups)),
  );
}

/** The group a rule belongs to: itself for inline rules, `securityGroupId` for standalone ones. */
function owningGroupId(resource: RuleResource, standaloneId?: string): string | undefined {
  return resource.type === T.securityGroup ? resourceId(resource) : standaloneId;
}

export const internetIngressOnlyToLoadBalancers: StackRule = {
  scope: "stack",
  id: "VIT-NET-06",
  title: "Only load balancer security groups accept traffic from the internet",
  controls: ["EC2.18", "aws-ec2-securitygroup-disallow-public-internet-ingress"],
  severity: "critical",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: SG_TYPES,
  check(resources) {
    const lbGroups = loadBalancerGroupIds(resources);
    const findings: StackFinding[] = [];
    for (const resource of ofType(resources, ...SG_TYPES)) {
      for (const rule of ingressRules(resource)) {
        if (!rule.cidrs.some((c) => INTERNET_CIDRS.includes(c))) continue;
        const group = owningGroupId(resource, rule.securityGroupId);
        // An unknown id proves nothing during a preview; offline every id is known.
        if (group === undefined || !isKnown(group) || lbGroups.has(group)) continue;
        findings.push({
          resource,
          message: `security group ${group} accepts internet traffic on ${portsText(rule)} but no load balancer uses it`,
        });
      }
    }
    return findings;
  },
};

/** Security groups that tasks and instances use, by id, with the resource that uses each. */
function workloadGroupIds(resources: readonly RuleResource[]): Map<string, RuleResource> {
  const groups = new Map<string, RuleResource>();
  for (const service of ofType(resources, T.service)) {
    for (const id of strings(record(service.inputs.networkConfiguration).securityGroups))
      groups.set(id, service);
  }
  for (const template of ofType(resources, T.launchTemplate)) {
    const ids = [
      ...strings(template.inputs.vpcSecurityGroupIds),
      ...list(template.inputs.networkInterfaces).flatMap((ni) =>
        strings(record(ni).securityGroups),
      ),
    ];
    for (const id of ids) groups.set(id, template);
  }
  return groups;
}

/** Every ingress rule on a task's or an instance's security group, with the group and its user. */
function workloadIngress(resources: readonly RuleResource[]) {
  const workloads = workloadGroupIds(resources);
  return ofType(resources, ...SG_TYPES).flatMap((resource) =>
    ingressRules(resource).flatMap((rule) => {
      const group = owningGroupId(resource, rule.securityGroupId);
      const user = group === undefined ? undefined : workloads.get(group);
      // An id not known yet (preview) cannot be matched to its user.
      return group === undefined || !isKnown(group) || user === undefined
        ? []
        : [{ resource, rule, group, user: describe(user) }];
    }),
  );
}

/** The CIDR blocks of the stack's VPCs (awsx or raw). */
function vpcCidrs(resources: readonly RuleResource[]): string[] {
  return ofType(resources, T.awsxVpc, T.vpc).flatMap((vpc) => strings(vpc.inputs.cidrBlock));
}

export const workloadIngressFromInside: StackRule = {
  scope: "stack",
  id: "VIT-NET-07",
  title:
    "Task and instance security groups accept traffic only from inside the VPC (their load balancer's security group or peers), never from the internet",
  controls: ["EC2.18", "ECS.2"],
  severity: "critical",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.service, T.launchTemplate],
  check(resources) {
    const lbGroups = loadBalancerGroupIds(resources);
    const inside = vpcCidrs(resources);
    const findings: StackFinding[] = [];
    const shared = new Set<string>();
    for (const { resource, rule, group, user } of workloadIngress(resources)) {
      if (lbGroups.has(group) && !shared.has(group)) {
        shared.add(group);
        findings.push({
          resource,
          message: `security group ${group} is shared by a load balancer and ${user}`,
        });
      }
      for (const cidr of rule.cidrs.filter((c) => !inside.some((vpc) => cidrWithin(c, vpc)))) {
        findings.push({
          resource,
          message: `security group ${group} of ${user} accepts ${cidr} (outside the VPC) on ${portsText(rule)}`,
        });
      }
    }
    return findings;
  },
};

export const workloadIngressFromGroupsOnly: StackRule = {
  scope: "stack",
  id: "VIT-NET-12",
  title:
    "Task and instance security groups name their sources by security group (load balancer, peers), not by CIDR range (least privilege inside the VPC)",
  controls: ["EC2.18", "CKV_AWS_23"],
  severity: "medium",
  // Mandatory: the program admits peers by the cluster's Service Connect client group, so a
  // CIDR source on a task or instance group is a regression, not an open recommendation.
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.service, T.launchTemplate],
  check(resources) {
    return workloadIngress(resources).flatMap(({ resource, rule, group, user }) =>
      rule.cidrs.map((cidr) => ({
        resource,
        message: `security group ${group} of ${user} accepts ${cidr} on ${portsText(rule)}; allow the peers' security groups instead`,
      })),
    );
  },
};

export const rulesDescribed: ResourceRule = {
  scope: "resource",
  id: "VIT-NET-08",
  title: "Security groups and their ingress rules have descriptions",
  controls: ["CKV_AWS_23", "aws-ec2-securitygroup-missing-description"],
  severity: "low",
  enforcement: "advisory",
  environments: BOTH,
  resourceTypes: SG_TYPES,
  check(resource) {
    const problems: string[] = [];
    if (resource.type === T.securityGroup && typeof resource.inputs.description !== "string") {
      problems.push("the security group has no description");
    }
    for (const rule of ingressRules(resource)) {
      if (!rule.description)
        problems.push(`the ingress rule on ${portsText(rule)} has no description`);
    }
    return problems;
  },
};

export const networkAclNoAdminPorts: ResourceRule = {
  scope: "resource",
  id: "VIT-NET-09",
  title: "Network ACLs do not allow ingress from the internet to port 22 or 3389",
  controls: ["EC2.21", "CKV_AWS_229", "CKV_AWS_230", "CKV_AWS_231", "CKV_AWS_232", "CKV_AWS_352"],
  severity: "high",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.networkAcl, T.networkAclRule],
  check(resource) {
    const entries =
      resource.type === T.networkAcl
        ? list(resource.inputs.ingress).map(record)
        : resource.inputs.egress === true
          ? []
          : [{ ...resource.inputs, action: resource.inputs.ruleAction }];
    const problems: string[] = [];
    for (const entry of entries) {
      const cidrs = strings(entry.cidrBlock).concat(strings(entry.ipv6CidrBlock));
      if (entry.action !== "allow" || !cidrs.some((c) => INTERNET_CIDRS.includes(c))) continue;
      const rule = {
        protocol: text(entry.protocol, "-1"),
        fromPort: typeof entry.fromPort === "number" ? entry.fromPort : 0,
        toPort: typeof entry.toPort === "number" ? entry.toPort : 65535,
      };
      for (const port of [22, 3389].filter((p) => coversPort(rule, p))) {
        problems.push(
          `rule ${text(entry.ruleNo ?? entry.ruleNumber)} allows the internet to port ${port}`,
        );
      }
    }
    return problems;
  },
};

export const natGatewayPerAz: StackRule = {
  scope: "stack",
  id: "VIT-NET-10",
  title: "One NAT gateway per availability zone, so one zone's failure leaves the others' egress",
  controls: ["reliability"],
  severity: "high",
  enforcement: "mandatory",
  environments: ["prod"],
  resourceTypes: [T.awsxVpc],
  check(resources) {
    const findings: StackFinding[] = [];
    for (const vpc of ofType(resources, T.awsxVpc)) {
      // awsx nests them: VPC component → aws.ec2.Vpc → subnets → NAT gateways.
      const children = descendantsOf(resources, vpc.urn);
      const nats = ofType(children, T.natGateway).length;
      const zones = ofType(children, T.subnet).filter(isPublicSubnet).length;
      if (nats > 0 || zones > 0) {
        // At preview awsx's children exist: count them.
        if (nats < zones)
          findings.push({
            resource: vpc,
            message: `${nats} NAT gateway(s) for ${zones} availability zones`,
          });
        continue;
      }
      // Offline awsx's children never exist: read the strategy it was given.
      const strategy = record(vpc.inputs.natGateways).strategy;
      if (strategy !== "OnePerAz") {
        findings.push({
          resource: vpc,
          message: `natGateways.strategy is ${text(strategy, "Single (the default)")}; prod needs OnePerAz`,
        });
      }
    }
    return findings;
  },
};

export const interfaceEndpoints: StackRule = {
  scope: "stack",
  id: "VIT-NET-11",
  title:
    "Interface endpoints for ECR, CloudWatch Logs and SSM keep AWS API traffic off the NAT gateways",
  controls: ["EC2.10", "EC2.55", "EC2.56", "EC2.57"],
  severity: "low",
  enforcement: "advisory",
  environments: ["prod"],
  resourceTypes: [T.awsxVpc, T.vpc],
  check(resources) {
    const services = ofType(resources, T.vpcEndpoint)
      .filter((e) => e.inputs.vpcEndpointType === "Interface")
      .map((e) => text(e.inputs.serviceName));
    const missing = ["ecr.api", "ecr.dkr", "logs", "ssm"].filter(
      (s) => !services.some((name) => name.endsWith(`.${s}`)),
    );
    return missing.length === 0
      ? []
      : [{ message: `no interface endpoint for ${missing.join(", ")}` }];
  },
};

const ROUTE = "aws:ec2/route:Route";

export const noNatInstanceInProd: ResourceRule = {
  scope: "resource",
  id: "VIT-NET-13",
  title:
    "Prod's private subnets reach the internet through NAT gateways, never a NAT instance (dev only)",
  controls: ["reliability"],
  severity: "high",
  // A NAT instance is one instance's bandwidth and a replacement's minutes without egress, with
  // its OS to patch: a dev saving, not prod's egress. Config refuses it too (network.natGateways).
  enforcement: "mandatory",
  environments: ["prod"],
  resourceTypes: [ROUTE, T.awsxVpc],
  check(resource) {
    if (resource.type === T.awsxVpc) {
      // awsx's `None` is how a NAT instance starts: no gateway, no default route of awsx's.
      const strategy = record(resource.inputs.natGateways).strategy;
      return strategy === "None"
        ? ["natGateways.strategy is None: the private subnets get no NAT gateway (a NAT instance?)"]
        : [];
    }
    const { destinationCidrBlock, networkInterfaceId } = resource.inputs;
    if (destinationCidrBlock !== "0.0.0.0/0" || networkInterfaceId === undefined) return [];
    return [
      `the default route goes to network interface ${text(networkInterfaceId)} (a NAT instance); prod needs NAT gateways (network.natGateways: single or perAz)`,
    ];
  },
};

export const NETWORK_RULES = [
  defaultSecurityGroupClosed,
  flowLogsAllTraffic,
  vpcBaseline,
  noPublicIpOnLaunch,
  internetIngressWebPortsOnly,
  internetIngressOnlyToLoadBalancers,
  workloadIngressFromInside,
  rulesDescribed,
  networkAclNoAdminPorts,
  natGatewayPerAz,
  interfaceEndpoints,
  workloadIngressFromGroupsOnly,
  noNatInstanceInProd,
] as const;
