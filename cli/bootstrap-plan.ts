// The pure part of `bootstrap`: what a stack needs before its first `up` (from its validated
// config), which preview steps are the shared repositories, and how each check prints.
import { parseStackConfig } from "../components/config";
import { repositoryName } from "../components/config/registry";
import { readStackConfig } from "../components/config/stack-files";
import type { PlannedStep } from "./confirm";

/** A service-linked role a first deploy needs, and the service that owns it. */
export interface ServiceLinkedRole {
  readonly roleName: string;
  readonly serviceName: string;
  readonly why: string;
}

/**
 * The roles AWS names these, per service (IAM user guide, "AWS services that work with IAM").
 * ECS's is the one a new account lacks most often: CreateCluster and CreateCapacityProvider fail
 * without it. The others are created by their services on first use when the caller may; making
 * them here removes that race from the first `up`.
 */
export const SERVICE_LINKED_ROLES: readonly ServiceLinkedRole[] = [
  {
    roleName: "AWSServiceRoleForECS",
    serviceName: "ecs.amazonaws.com",
    why: "ECS clusters, capacity providers and services",
  },
  {
    roleName: "AWSServiceRoleForApplicationAutoScaling_ECSService",
    serviceName: "ecs.application-autoscaling.amazonaws.com",
    why: "autoscaling of services and workers",
  },
  {
    roleName: "AWSServiceRoleForAutoScaling",
    serviceName: "autoscaling.amazonaws.com",
    why: "the cluster's EC2 Auto Scaling group",
  },
  {
    roleName: "AWSServiceRoleForElasticLoadBalancing",
    serviceName: "elasticloadbalancing.amazonaws.com",
    why: "the services' load balancers",
  },
];

/** A hosted zone the stack's `domain`s are validated and published in: by name or by ID. */
export interface ZoneCheck {
  readonly name?: string;
  readonly id?: string;
  /** The services' domains in it. */
  readonly domains: readonly string[];
}

/** An image the stack runs from the shared repositories. */
export interface ImageCheck {
  readonly repositoryName: string;
  readonly tag: string;
  readonly digest?: string;
  /** The services and workers that run it. */
  readonly workloads: readonly string[];
}

export interface BootstrapPlan {
  readonly createRepositories: boolean;
  /** The registry account: `registry.account`, else the caller's. */
  readonly account: string;
  /** `vitcord/<service>` for every web service, sorted. */
  readonly repositories: readonly string[];
  readonly zones: readonly ZoneCheck[];
  readonly images: readonly ImageCheck[];
}

interface ServiceEntry {
  imageTag?: string;
  imageDigest?: string;
  domain?: string;
  hostedZoneName?: string;
  hostedZoneId?: string;
}

interface WorkerEntry {
  repository?: string;
  imageTag?: string;
  imageDigest?: string;
}

interface BootstrapConfig {
  registry: { createRepositories: boolean; account?: string };
  services: Record<string, ServiceEntry>;
  workers: Record<string, WorkerEntry>;
}

/** What `stack` needs, from its validated config (a bad config is its `ConfigError`). */
export function planBootstrap(
  projectDir: string,
  stack: string,
  callerAccount: string,
): BootstrapPlan {
  const config = parseStackConfig(
    stack,
    readStackConfig(stack, projectDir),
  ) as unknown as BootstrapConfig;
  const services = Object.entries(config.services ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const workers = Object.entries(config.workers ?? {}).sort(([a], [b]) => a.localeCompare(b));

  const zones = new Map<string, { name?: string; id?: string; domains: string[] }>();
  for (const [, service] of services) {
    if (service.domain === undefined) continue;
    const key = service.hostedZoneId ?? normalizeDnsName(service.hostedZoneName ?? "");
    const zone = zones.get(key) ?? {
      ...(service.hostedZoneId !== undefined
        ? { id: service.hostedZoneId }
        : { name: normalizeDnsName(service.hostedZoneName ?? "") }),
      domains: [],
    };
    zone.domains.push(service.domain);
    zones.set(key, zone);
  }

  const images = new Map<
    string,
    { repositoryName: string; tag: string; digest?: string; workloads: string[] }
  >();
  const addImage = (workload: string, service: string, tag?: string, digest?: string) => {
    if (tag === undefined) return;
    const name = repositoryName(service);
    const key = `${name}|${digest ?? tag}`;
    const image = images.get(key) ?? {
      repositoryName: name,
      tag,
      ...(digest !== undefined ? { digest } : {}),
      workloads: [],
    };
    image.workloads.push(workload);
    images.set(key, image);
  };
  for (const [name, service] of services)
    addImage(name, name, service.imageTag, service.imageDigest);
  for (const [name, worker] of workers) {
    // A worker on its service's image (no imageTag of its own) is checked with that service.
    if (worker.repository !== undefined) {
      addImage(`${name} (worker)`, worker.repository, worker.imageTag, worker.imageDigest);
    }
  }

  return {
    createRepositories: config.registry.createRepositories,
    account: config.registry.account ?? callerAccount,
    repositories: services.map(([name]) => repositoryName(name)),
    zones: [...zones.values()],
    images: [...images.values()],
  };
}

/** `Vitcord.com.` → `vitcord.com`: DNS names compare without case or the root dot. */
export function normalizeDnsName(name: string): string {
  return name.trim().replace(/\.$/, "").toLowerCase();
}

/**
 * The public DNS delegates the zone when it answers some of the zone's own name servers and no
 * other (a registrar may list fewer than Route 53's four).
 */
export function nameServersMatch(zone: readonly string[], resolved: readonly string[]): boolean {
  const expected = new Set(zone.map(normalizeDnsName));
  return resolved.length > 0 && resolved.every((ns) => expected.has(normalizeDnsName(ns)));
}

/** The component that holds the shared repositories (components/registry.ts). */
export const REGISTRY_COMPONENT_TYPE = "vitcord:registry:SharedRepositories";

/**
 * The URNs of a preview's steps that belong to the shared repositories: the component and its
 * children. A URN is `urn:pulumi:<stack>::<project>::<parent types $-joined>$<type>::<name>`,
 * so a child's type chain names the component's type.
 */
export function registryTargets(steps: readonly PlannedStep[]): string[] {
  return steps
    .filter((step) => {
      const typeChain = step.urn.split("::")[2] ?? "";
      return typeChain.split("$").includes(REGISTRY_COMPONENT_TYPE);
    })
    .map((step) => step.urn);
}

export type CheckStatus = "ok" | "created" | "missing";

/** One line of bootstrap's report, and for a missing item the exact fix. */
export interface Check {
  readonly status: CheckStatus;
  readonly subject: string;
  readonly detail?: string;
  readonly fix?: string;
}

/** `ok       subject: detail`, then `         fix: …` under a missing one. */
export function formatChecks(checks: readonly Check[]): string {
  return checks
    .map((check) => {
      const head = `${check.status.padEnd(8)} ${check.subject}${check.detail !== undefined ? `: ${check.detail}` : ""}\n`;
      return check.fix !== undefined ? `${head}${" ".repeat(9)}fix: ${check.fix}\n` : head;
    })
    .join("");
}
