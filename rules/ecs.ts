/** Rules for ECS task definitions and services. */
import { ResourceRule, RuleResource, StackFinding, StackRule } from "./types";
import {
  ContainerDefinition,
  containerDefinitions,
  isKeyLikeValue,
  isKnown,
  isSecretName,
  list,
  ofType,
  record,
  resourceId,
  strings,
  T,
  text,
  UNKNOWN,
} from "./util";

const BOTH = ["dev", "prod"] as const;

/** Runs a check per container; an unreadable `containerDefinitions` is itself a problem. */
function perContainer(
  task: RuleResource,
  check: (container: ContainerDefinition) => string | undefined,
): string[] {
  if (!isKnown(task.inputs.containerDefinitions)) return [];
  const containers = containerDefinitions(task);
  if (containers === undefined) return ["containerDefinitions is not a JSON list of containers"];
  return containers.flatMap((c) => {
    const problem = check(c);
    return problem === undefined ? [] : [`container ${c.name ?? "(unnamed)"}: ${problem}`];
  });
}

export const taskIsolation: ResourceRule = {
  scope: "resource",
  id: "VIT-ECS-02",
  title: "Task definitions use awsvpc networking and do not share the host's process namespace",
  controls: ["ECS.17", "ECS.3", "CKV_AWS_335"],
  severity: "high",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.taskDefinition],
  check(task) {
    const problems: string[] = [];
    // awsvpc gives each task its own ENI and security group (VIT-NET-07 depends on it).
    if (task.inputs.networkMode !== "awsvpc")
      problems.push(
        `networkMode is ${text(task.inputs.networkMode, "unset (bridge)")}; it must be awsvpc`,
      );
    if (task.inputs.pidMode === "host") problems.push('pidMode is "host"');
    return problems;
  },
};

export const notPrivileged: ResourceRule = {
  scope: "resource",
  id: "VIT-ECS-03",
  title: "Containers do not run privileged",
  controls: ["ECS.4", "CKV_AWS_334"],
  severity: "critical",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.taskDefinition],
  check: (task) =>
    perContainer(task, (c) => (c.privileged === true ? "privileged is true" : undefined)),
};

export const readOnlyRootFilesystem: ResourceRule = {
  scope: "resource",
  id: "VIT-ECS-04",
  title: "Containers have a read-only root filesystem",
  controls: ["ECS.5", "CKV_AWS_336"],
  severity: "high",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.taskDefinition],
  check: (task) =>
    perContainer(task, (c) =>
      c.readonlyRootFilesystem === true ? undefined : "readonlyRootFilesystem is not true",
    ),
};

export const nonRootUser: ResourceRule = {
  scope: "resource",
  id: "VIT-ECS-05",
  title: "Containers run as a non-root user",
  controls: ["ECS.20"],
  severity: "medium",
  enforcement: "advisory",
  environments: BOTH,
  resourceTypes: [T.taskDefinition],
  check: (task) =>
    perContainer(task, (c) => {
      const user = c.user?.split(":")[0];
      return user === undefined || user === "" || user === "root" || user === "0"
        ? `user is ${c.user === undefined ? "unset (the image's, often root)" : JSON.stringify(c.user)}`
        : undefined;
    }),
};

export const noSecretsInEnvironment: ResourceRule = {
  scope: "resource",
  id: "VIT-ECS-06",
  title:
    "No secrets in container environment variables (use secrets[] from SSM or Secrets Manager)",
  controls: ["ECS.8"],
  severity: "critical",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.taskDefinition],
  check: (task) =>
    perContainer(task, (c) => {
      const bad = (c.environment ?? []).filter(
        (e) =>
          (e.name !== undefined && isSecretName(e.name)) ||
          (typeof e.value === "string" && isKeyLikeValue(e.value)),
      );
      return bad.length === 0
        ? undefined
        : `environment holds secrets: ${bad.map((e) => e.name ?? "?").join(", ")}`;
    }),
};

export const logging: ResourceRule = {
  scope: "resource",
  id: "VIT-ECS-07",
  title: "Every container has a logging configuration",
  controls: ["ECS.9"],
  severity: "medium",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.taskDefinition],
  check: (task) =>
    perContainer(task, (c) => (c.logConfiguration?.logDriver ? undefined : "no logConfiguration")),
};

export const serviceNoPublicIp: ResourceRule = {
  scope: "resource",
  id: "VIT-ECS-09",
  title: "ECS services use awsvpc networking without public IP addresses",
  controls: ["ECS.2", "CKV_AWS_333"],
  severity: "high",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.service],
  check(service) {
    const network = service.inputs.networkConfiguration;
    if (network === undefined)
      return ["no networkConfiguration: the task would not get its own security group"];
    return record(network).assignPublicIp === true
      ? ["networkConfiguration.assignPublicIp is true"]
      : [];
  },
};

/** Public subnet ids the stack knows of: awsx VPC outputs and subnets that map public IPs. */
function publicSubnetIds(resources: readonly RuleResource[]): Set<string> {
  const ids = new Set<string>();
  for (const vpc of ofType(resources, T.awsxVpc))
    for (const id of strings(vpc.outputs?.publicSubnetIds)) ids.add(id);
  for (const subnet of ofType(resources, T.subnet)) {
    const id = resourceId(subnet);
    if (subnet.inputs.mapPublicIpOnLaunch === true && id !== undefined) ids.add(id);
  }
  // Ids not known yet (a preview of new subnets) cannot place anything.
  ids.delete(UNKNOWN);
  return ids;
}

export const workloadsInPrivateSubnets: StackRule = {
  scope: "stack",
  id: "VIT-ECS-10",
  title: "Services and instances run in private subnets, never in the load balancers' public ones",
  controls: ["ECS.2", "EC2.15", "CKV_AWS_333"],
  severity: "high",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.service, T.asg],
  check(resources) {
    const publicIds = publicSubnetIds(resources);
    const findings: StackFinding[] = [];
    const placed = [
      ...ofType(resources, T.service).map(
        (r) => [r, strings(record(r.inputs.networkConfiguration).subnets)] as const,
      ),
      ...ofType(resources, T.asg).map((r) => [r, strings(r.inputs.vpcZoneIdentifiers)] as const),
    ];
    for (const [resource, subnets] of placed) {
      const inPublic = subnets.filter((s) => publicIds.has(s));
      if (inPublic.length > 0)
        findings.push({ resource, message: `runs in public subnet(s) ${inPublic.join(", ")}` });
    }
    return findings;
  },
};

function isFargate(service: RuleResource): boolean {
  if (service.inputs.launchType === "FARGATE") return true;
  return list(service.inputs.capacityProviderStrategies)
    .map((s) => record(s).capacityProvider)
    .some((p) => p === "FARGATE" || p === "FARGATE_SPOT");
}

export const fargateLatest: ResourceRule = {
  scope: "resource",
  id: "VIT-ECS-11",
  title: "Fargate services run on the LATEST platform version",
  controls: ["ECS.10", "CKV_AWS_332"],
  severity: "medium",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.service],
  check(service) {
    if (!isFargate(service)) return [];
    const version = service.inputs.platformVersion;
    return version === undefined || version === "LATEST"
      ? []
      : [`platformVersion is ${text(version)}; use LATEST`];
  },
};

export const circuitBreaker: ResourceRule = {
  scope: "resource",
  id: "VIT-ECS-12",
  title: "Services roll back a failing deployment (deployment circuit breaker with rollback)",
  controls: ["ECS deployment circuit breaker"],
  severity: "high",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.service],
  check(service) {
    // The circuit breaker only works with the rolling (ECS) deployment controller.
    const controller = record(service.inputs.deploymentController).type;
    if (controller !== undefined && controller !== "ECS") return [];
    const breaker = record(service.inputs.deploymentCircuitBreaker);
    const problems: string[] = [];
    if (breaker.enable !== true) problems.push("deploymentCircuitBreaker.enable is not true");
    if (breaker.rollback !== true) problems.push("deploymentCircuitBreaker.rollback is not true");
    return problems;
  },
};

export const execOffInProd: ResourceRule = {
  scope: "resource",
  id: "VIT-ECS-13",
  title: "ECS Exec is off on prod services (use one-off tasks for operations)",
  controls: ["CKV_AWS_223", "CKV_AWS_224"],
  severity: "medium",
  enforcement: "advisory",
  environments: ["prod"],
  resourceTypes: [T.service],
  check: (service) =>
    service.inputs.enableExecuteCommand === true ? ["enableExecuteCommand is true"] : [],
};

export const ECS_RULES = [
  taskIsolation,
  notPrivileged,
  readOnlyRootFilesystem,
  nonRootUser,
  noSecretsInEnvironment,
  logging,
  serviceNoPublicIp,
  workloadsInPrivateSubnets,
  fargateLatest,
  circuitBreaker,
  execOffInProd,
] as const;
