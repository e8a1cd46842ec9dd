/** Rules for the EC2 capacity: launch template, Auto Scaling group, capacity provider, cluster. */
import { ResourceRule, StackFinding, StackRule } from "./types";
import {
  decodeUserData,
  isTrue,
  list,
  ofType,
  record,
  resourceArn,
  secretIn,
  strings,
  T,
  text,
} from "./util";

const BOTH = ["dev", "prod"] as const;

export const imdsV2: ResourceRule = {
  scope: "resource",
  id: "VIT-EC2-01",
  title: "Launch templates require IMDSv2 with a metadata hop limit of 1",
  controls: ["EC2.8", "EC2.170", "AutoScaling.3", "AutoScaling.4", "CKV_AWS_79", "CKV_AWS_341"],
  severity: "high",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.launchTemplate],
  check(template) {
    const options = record(template.inputs.metadataOptions);
    const problems: string[] = [];
    // Absent metadataOptions means IMDSv1 stays on (Checkov fails it too).
    if (options.httpTokens !== "required") {
      problems.push(
        `metadataOptions.httpTokens is ${text(options.httpTokens, "unset")}; it must be "required" (IMDSv2)`,
      );
    }
    // Hop limit 1: containers on the instance cannot reach the instance role's credentials.
    if (options.httpPutResponseHopLimit !== 1) {
      problems.push(
        `metadataOptions.httpPutResponseHopLimit is ${text(options.httpPutResponseHopLimit, "unset")}; it must be 1`,
      );
    }
    return problems;
  },
};

export const launchTemplateNoPublicIp: ResourceRule = {
  scope: "resource",
  id: "VIT-EC2-02",
  title: "Launch templates do not give instances public IP addresses",
  controls: ["EC2.9", "EC2.25", "CKV_AWS_88", "aws-ec2-launchtemplate-disallow-public-ip"],
  severity: "high",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.launchTemplate],
  check(template) {
    return list(template.inputs.networkInterfaces)
      .map(record)
      .filter((ni) => isTrue(ni.associatePublicIpAddress))
      .map(
        (ni) => `network interface ${text(ni.deviceIndex, 0)} has associatePublicIpAddress "true"`,
      );
  },
};

export const encryptedVolumes: ResourceRule = {
  scope: "resource",
  id: "VIT-EC2-03",
  title: "Launch templates encrypt every EBS volume, the root volume included",
  controls: ["EC2.3", "EC2.181", "aws-ec2-launchtemplate-disallow-unencrypted-block-device"],
  severity: "high",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.launchTemplate],
  check(template) {
    const mappings = list(template.inputs.blockDeviceMappings).map(record);
    // Without a mapping the root volume takes the AMI's (unencrypted) settings.
    if (mappings.length === 0)
      return ["no blockDeviceMappings: the root volume would not be encrypted"];
    return mappings
      .filter((m) => m.ebs !== undefined && !isTrue(record(m.ebs).encrypted))
      .map((m) => `volume ${text(m.deviceName)} is not encrypted (ebs.encrypted must be "true")`);
  },
};

export const noSecretsInUserData: ResourceRule = {
  scope: "resource",
  id: "VIT-EC2-04",
  title: "No secrets in instance user data",
  controls: ["CKV_AWS_46"],
  severity: "critical",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.launchTemplate],
  check(template) {
    const userData = template.inputs.userData;
    if (typeof userData !== "string") return [];
    const found = secretIn(decodeUserData(userData));
    return found === undefined
      ? []
      : [`user data contains ${found}; read it from SSM or Secrets Manager at boot`];
  },
};

export const autoScalingGroupSpread: ResourceRule = {
  scope: "resource",
  id: "VIT-ASG-01",
  title:
    "Auto Scaling groups use a launch template and span at least 2 subnets (availability zones)",
  controls: ["AutoScaling.2", "AutoScaling.9", "CKV_AWS_315"],
  severity: "high",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.asg],
  check(asg) {
    const problems: string[] = [];
    const template =
      asg.inputs.launchTemplate ??
      record(record(asg.inputs.mixedInstancesPolicy).launchTemplate).launchTemplateSpecification;
    if (template === undefined) {
      const legacy =
        asg.inputs.launchConfiguration === undefined
          ? ""
          : " (it uses a launch configuration, deprecated)";
      problems.push(`the group has no launch template${legacy}`);
    }
    const subnets = strings(asg.inputs.vpcZoneIdentifiers).length;
    if (subnets < 2)
      problems.push(`the group spans ${subnets} subnet(s); it needs at least 2 availability zones`);
    return problems;
  },
};

export const mixedInstanceTypes: ResourceRule = {
  scope: "resource",
  id: "VIT-ASG-02",
  title: "Auto Scaling groups use several instance types (survive one type's capacity shortage)",
  controls: ["AutoScaling.6"],
  severity: "low",
  enforcement: "advisory",
  environments: ["prod"],
  resourceTypes: [T.asg],
  check(asg) {
    const overrides = list(
      record(record(asg.inputs.mixedInstancesPolicy).launchTemplate).overrides,
    );
    return overrides.length >= 2 ? [] : ["the group uses a single instance type"];
  },
};

export const capacityProviderManaged: ResourceRule = {
  scope: "resource",
  id: "VIT-CAP-01",
  title: "EC2 capacity providers use managed scaling and managed termination protection",
  controls: ["ECS.19"],
  severity: "medium",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.capacityProvider],
  check(provider) {
    const asg = record(provider.inputs.autoScalingGroupProvider);
    if (provider.inputs.autoScalingGroupProvider === undefined) return [];
    const problems: string[] = [];
    if (record(asg.managedScaling).status !== "ENABLED")
      problems.push("managedScaling.status is not ENABLED");
    if (asg.managedTerminationProtection !== "ENABLED")
      problems.push("managedTerminationProtection is not ENABLED");
    // managedDraining defaults to ENABLED; only an explicit DISABLED is wrong.
    if (asg.managedDraining === "DISABLED") problems.push("managedDraining is DISABLED");
    return problems;
  },
};

export const scaleInProtection: StackRule = {
  scope: "stack",
  id: "VIT-CAP-02",
  title:
    "Auto Scaling groups behind a capacity provider with termination protection protect instances from scale-in",
  controls: ["ECS.19"],
  severity: "medium",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.capacityProvider],
  check(resources) {
    const findings: StackFinding[] = [];
    const groups = ofType(resources, T.asg);
    for (const provider of ofType(resources, T.capacityProvider)) {
      const asgProvider = record(provider.inputs.autoScalingGroupProvider);
      if (asgProvider.managedTerminationProtection !== "ENABLED") continue;
      const arn = asgProvider.autoScalingGroupArn;
      // Match by ARN; when it is not known yet, every group must comply.
      const matched = groups.filter((g) => resourceArn(g) === arn);
      for (const group of matched.length > 0 ? matched : groups) {
        if (group.inputs.protectFromScaleIn !== true) {
          findings.push({
            resource: group,
            message: `protectFromScaleIn is not true, but capacity provider ${provider.name} has managed termination protection (instances would stick in DRAINING)`,
          });
        }
      }
    }
    return findings;
  },
};

export const containerInsights: ResourceRule = {
  scope: "resource",
  id: "VIT-ECS-01",
  title: "ECS clusters have Container Insights on",
  controls: ["ECS.12", "CKV_AWS_65"],
  severity: "medium",
  enforcement: "mandatory",
  environments: ["prod"],
  resourceTypes: [T.cluster],
  check(cluster) {
    const setting = list(cluster.inputs.settings)
      .map(record)
      .find((s) => s.name === "containerInsights");
    return setting?.value === "enabled" || setting?.value === "enhanced"
      ? []
      : ["the containerInsights setting is not enabled"];
  },
};

export const COMPUTE_RULES = [
  imdsV2,
  launchTemplateNoPublicIp,
  encryptedVolumes,
  noSecretsInUserData,
  autoScalingGroupSpread,
  mixedInstanceTypes,
  capacityProviderManaged,
  scaleInProtection,
  containerInsights,
] as const;
