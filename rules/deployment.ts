/** Reliability rules for deployments: capacity during rollouts, health checks, placement, Spot. */
import { ResourceRule, RuleResource, StackFinding, StackRule } from "./types";
import { decodeUserData, isKnown, list, ofType, record, resourceId, T, text } from "./util";

const BOTH = ["dev", "prod"] as const;

/** Rolling deployments (the ECS controller) are the ones these percentages govern. */
function isRolling(service: RuleResource): boolean {
  const controller = record(service.inputs.deploymentController).type;
  return (
    (controller === undefined || controller === "ECS") &&
    service.inputs.schedulingStrategy !== "DAEMON"
  );
}

export const deploymentCapacity: ResourceRule = {
  scope: "resource",
  id: "VIT-ECS-14",
  title:
    "Rolling deployments keep capacity: at least 100% healthy in prod (50% in dev), room to start new tasks",
  controls: ["ECS deployment configuration", "Copilot 100/200"],
  severity: "medium",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.service],
  check(service, { environment }) {
    if (!isRolling(service)) return [];
    const min = service.inputs.deploymentMinimumHealthyPercent;
    const max = service.inputs.deploymentMaximumPercent;
    const minimum = typeof min === "number" ? min : 100;
    const maximum = typeof max === "number" ? max : 200;
    const floor = environment === "prod" ? 100 : 50;
    const problems: string[] = [];
    if (minimum < floor)
      problems.push(
        `deploymentMinimumHealthyPercent is ${minimum}; ${environment} needs at least ${floor}`,
      );
    if (maximum <= minimum)
      problems.push(
        `deploymentMaximumPercent ${maximum} leaves no room for new tasks above ${minimum}%`,
      );
    return problems;
  },
};

export const gracePeriod: ResourceRule = {
  scope: "resource",
  id: "VIT-ECS-15",
  title: "Load-balanced services give new tasks a health-check grace period",
  controls: ["ECS deployment configuration"],
  severity: "medium",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.service],
  check(service) {
    if (list(service.inputs.loadBalancers).length === 0) return [];
    const grace = service.inputs.healthCheckGracePeriodSeconds;
    return typeof grace === "number" && grace > 0
      ? []
      : [
          "healthCheckGracePeriodSeconds is not set: slow-starting tasks are killed by the load balancer's checks",
        ];
  },
};

export const spreadAcrossZones: ResourceRule = {
  scope: "resource",
  id: "VIT-ECS-16",
  title: "EC2 services spread tasks across availability zones first",
  controls: ["ECS task placement"],
  severity: "medium",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.service],
  check(service) {
    // ECS spreads by zone by default; an explicit strategy must keep that entry first.
    const [first] = list(service.inputs.orderedPlacementStrategies).map(record);
    if (first === undefined) return [];
    return first.type === "spread" && first.field === "attribute:ecs.availability-zone"
      ? []
      : [
          `the first placement strategy is ${text(first.type)} on ${text(first.field)}; spread on attribute:ecs.availability-zone first`,
        ];
  },
};

export const waitForSteadyState: ResourceRule = {
  scope: "resource",
  id: "VIT-ECS-17",
  title:
    "Prod deployments wait for the service to reach a steady state (a failed rollout fails the deploy)",
  controls: ["ECS deployment gating"],
  severity: "medium",
  enforcement: "mandatory",
  environments: ["prod"],
  resourceTypes: [T.service],
  check: (service) =>
    service.inputs.waitForSteadyState === true ? [] : ["waitForSteadyState is not true"],
};

export const targetGroupHealth: ResourceRule = {
  scope: "resource",
  id: "VIT-ELB-08",
  title: "Target groups check their targets' health and deregister them in under 300 seconds",
  controls: ["CKV_AWS_261", "ECS deregistration delay"],
  severity: "medium",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.targetGroup],
  check(group) {
    if (group.inputs.targetType === "lambda") return [];
    const problems: string[] = [];
    const check = record(group.inputs.healthCheck);
    if (group.inputs.healthCheck === undefined || check.enabled === false)
      problems.push("no health check");
    else if (
      text(group.inputs.protocol, "HTTP").startsWith("HTTP") &&
      typeof check.path !== "string"
    ) {
      problems.push("the HTTP health check has no path");
    }
    const delay = group.inputs.deregistrationDelay;
    const seconds = typeof delay === "number" ? delay : Number(delay ?? 300);
    if (!(seconds < 300))
      problems.push(`deregistrationDelay is ${seconds}s (the 300 s default holds up every deploy)`);
    return problems;
  },
};

function usesEc2Spot(asg: RuleResource): boolean {
  const policy = record(asg.inputs.mixedInstancesPolicy);
  if (asg.inputs.mixedInstancesPolicy === undefined) return false;
  const share = record(policy.instancesDistribution).onDemandPercentageAboveBaseCapacity;
  return typeof share !== "number" || share < 100;
}

/**
 * The launch templates the Spot groups launch from, by id; every template when an id is not known
 * yet (a preview), so that no Spot template goes unchecked. Other groups' templates (the dev NAT
 * instance's) launch no ECS instances.
 */
function spotTemplates(
  resources: readonly RuleResource[],
  spotGroups: readonly RuleResource[],
): RuleResource[] {
  const templates = ofType(resources, T.launchTemplate);
  const ids = spotGroups.map(
    (group) =>
      record(
        record(record(group.inputs.mixedInstancesPolicy).launchTemplate)
          .launchTemplateSpecification,
      ).launchTemplateId,
  );
  if (!ids.every((id) => typeof id === "string" && isKnown(id))) return templates;
  const known = templates.filter((t) => resourceId(t) !== undefined);
  if (known.length < templates.length) return templates;
  return templates.filter((t) => ids.includes(resourceId(t)));
}

export const spotDraining: StackRule = {
  scope: "stack",
  id: "VIT-ASG-03",
  title:
    "Spot capacity is drained before interruption: Spot instances enable ECS Spot draining, Spot tasks keep an on-demand base in prod",
  controls: ["ECS Spot draining"],
  severity: "medium",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.asg, T.service],
  check(resources, { environment }) {
    const findings: StackFinding[] = [];
    const spotGroups = ofType(resources, T.asg).filter(usesEc2Spot);
    if (spotGroups.length > 0) {
      for (const template of spotTemplates(resources, spotGroups)) {
        const userData = template.inputs.userData;
        const script = typeof userData === "string" ? decodeUserData(userData) : "";
        if (!/ECS_ENABLE_SPOT_INSTANCE_DRAINING=true/.test(script)) {
          findings.push({
            resource: template,
            message:
              "the Auto Scaling group uses Spot, but user data does not set ECS_ENABLE_SPOT_INSTANCE_DRAINING=true",
          });
        }
      }
    }
    if (environment === "prod") {
      for (const service of ofType(resources, T.service)) {
        const strategies = list(service.inputs.capacityProviderStrategies).map(record);
        if (!strategies.some((s) => s.capacityProvider === "FARGATE_SPOT")) continue;
        const base = strategies.find((s) => s.capacityProvider === "FARGATE")?.base;
        if (typeof base !== "number" || base < 1) {
          findings.push({
            resource: service,
            message: `the service runs on FARGATE_SPOT with no FARGATE base (base ${text(base, 0)}); a Spot reclaim could stop every task`,
          });
        }
      }
    }
    return findings;
  },
};

export const DEPLOYMENT_RULES = [
  deploymentCapacity,
  gracePeriod,
  spreadAcrossZones,
  waitForSteadyState,
  targetGroupHealth,
  spotDraining,
] as const;
