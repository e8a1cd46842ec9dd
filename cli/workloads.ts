import type { OutputMap } from "@pulumi/pulumi/automation";
import { CONFIG_NAMESPACE, parseStackConfig } from "../components/config";
import { readStackConfig, readStackFile } from "../components/config/stack-files";
import { CliError, UnknownWorkloadError } from "./errors";

/** What the CLI needs to know about a stack before it talks to Pulumi or AWS. */
export interface StackInfo {
  readonly stack: string;
  /** `vitcord-infra:environment`; `prod` stacks need confirmation to deploy or destroy. */
  readonly environment: string;
  readonly region: string;
  /** Configured web services (`vitcord-infra:services.<name>`), sorted. */
  readonly services: readonly string[];
  /** Configured workers (`vitcord-infra:workers.<name>`), sorted. */
  readonly workers: readonly string[];
  /** `secretsprovider:` from Pulumi.<stack>.yaml, once the stack exists with a non-default one. */
  readonly secretsProvider?: string;
}

/** Environments whose stacks are protected: `up` and `destroy` need --yes or a confirmation. */
export const PROTECTED_ENVIRONMENTS: readonly string[] = ["prod"];

function keysOf(value: unknown): string[] {
  return value !== null && typeof value === "object" ? Object.keys(value).sort() : [];
}

/**
 * Reads the stack file only (no validation of the values): enough to know the stack exists (else
 * `UnknownStackError` listing the stacks) and whether it is protected. A broken file or a key in
 * an unknown namespace is a `StackFileError` naming the file, line and key.
 */
export function peekStack(stack: string, projectDir: string): StackInfo {
  const raw = readStackConfig(stack, projectDir);
  return {
    stack,
    environment: raw["vitcord-infra:environment"] ?? "",
    region: raw["aws:region"] ?? "",
    services: [],
    workers: [],
    secretsProvider: readStackFile(stack, projectDir).secretsProvider,
  };
}

/**
 * Reads and validates the stack's config (a `ConfigError` names every bad key) and lists its
 * workloads. Stacks without `services`/`workers` keys simply have none.
 */
export function loadStack(stack: string, projectDir: string): StackInfo {
  const config = parseStackConfig(stack, readStackConfig(stack, projectDir)) as object;
  const { services, workers } = config as { services?: unknown; workers?: unknown };
  return {
    ...peekStack(stack, projectDir),
    environment: (config as { environment: string }).environment,
    region: (config as { region: string }).region,
    services: keysOf(services),
    workers: keysOf(workers),
  };
}

/** One config change by path (`setConfig`/`removeConfig` with path=true); no value removes it. */
export interface ConfigChange {
  readonly path: readonly [string, string, ...string[]];
  readonly value?: string;
}

/** `vitcord-infra:services.api.imageTag` for `["services", "api", "imageTag"]`. */
export function configPathKey(path: readonly string[]): string {
  return `${CONFIG_NAMESPACE}:${path.join(".")}`;
}

/** The value at a path of the stack file's config (e.g. a service's `image`), if set. */
export function configValueAt(
  stack: string,
  projectDir: string,
  path: readonly [string, ...string[]],
): unknown {
  const [top, ...rest] = path;
  const raw = readStackConfig(stack, projectDir)[`${CONFIG_NAMESPACE}:${top}`];
  let node: unknown = raw !== undefined ? JSON.parse(raw) : undefined;
  for (const segment of rest) {
    node =
      node !== null && typeof node === "object"
        ? (node as Record<string, unknown>)[segment]
        : undefined;
  }
  return node;
}

/**
 * Validates the stack config as it will be after these changes, so that a release or scale the
 * program would reject (a count outside the autoscaling range, say) fails here with the
 * `ConfigError`, before anything changes. Values are compared as Pulumi's `--path` writes them.
 */
export function checkConfigChanges(
  stack: string,
  projectDir: string,
  changes: readonly ConfigChange[],
): void {
  const raw = readStackConfig(stack, projectDir);
  const updated = { ...raw };
  for (const { path, value } of changes) {
    const [top, ...rest] = path;
    const key = `${CONFIG_NAMESPACE}:${top}`;
    const root = (updated[key] !== undefined ? JSON.parse(updated[key]) : {}) as Record<
      string,
      unknown
    >;
    let node = root;
    for (const segment of rest.slice(0, -1)) {
      const next = node[segment];
      node = (node[segment] = next !== null && typeof next === "object" ? next : {}) as Record<
        string,
        unknown
      >;
    }
    const leaf = rest[rest.length - 1] as string;
    if (value === undefined) delete node[leaf];
    else node[leaf] = /^\d+$/.test(value) ? Number(value) : value;
    updated[key] = JSON.stringify(root);
  }
  parseStackConfig(stack, updated);
}

export function isProtected(info: StackInfo): boolean {
  return PROTECTED_ENVIRONMENTS.includes(info.environment);
}

export type WorkloadKind = "service" | "worker";

export interface Workload {
  readonly name: string;
  readonly kind: WorkloadKind;
}

/** Finds a service or worker by name; unknown names list the configured ones. */
export function resolveWorkload(
  info: StackInfo,
  name: string,
  kinds: readonly WorkloadKind[] = ["service", "worker"],
): Workload {
  if (kinds.includes("service") && info.services.includes(name)) return { name, kind: "service" };
  if (kinds.includes("worker") && info.workers.includes(name)) return { name, kind: "worker" };
  const known = [
    ...(kinds.includes("service") ? info.services : []),
    ...(kinds.includes("worker") ? info.workers.map((w) => `${w} (worker)`) : []),
  ];
  const label = kinds.length === 1 ? kinds[0]! : "service or worker";
  throw new UnknownWorkloadError(name, info.stack, label, known);
}

/** Docker's tag grammar: a word character first, then up to 127 of [A-Za-z0-9_.-]. */
export const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function parseImageTag(tag: string): string {
  if (!IMAGE_TAG.test(tag)) {
    throw new CliError(
      `Invalid image tag ${JSON.stringify(tag)}: a tag is 1 to 128 characters of ` +
        "letters, digits, _ . and -, and must not start with . or -.",
    );
  }
  return tag;
}

/** A task count (the count, --min, --max): a whole number from 0 (scale to zero) up. */
export function parseCount(text: string, what = "count"): number {
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(Number(text))) {
    throw new CliError(
      `Invalid ${what} ${JSON.stringify(text)}: must be a whole number of tasks, 0 or more.`,
    );
  }
  return Number(text);
}

/** The per-workload entries of the stack's `services` and `workers` outputs (index.ts). */
export interface WorkloadOutputs {
  readonly serviceName?: string;
  readonly logGroupName?: string;
  readonly taskDefinitionFamily?: string;
  readonly containerName?: string;
  readonly securityGroupId?: string;
  readonly subnetIds?: readonly string[];
  readonly url?: string;
  /** The revision the last `up` registered (verified against ECS after every `up`). */
  readonly taskDefinitionArn?: string;
  readonly repositoryName?: string;
  /** The account of the image's ECR registry. */
  readonly registryId?: string;
  readonly imageTag?: string;
  readonly imageDigest?: string;
}

/** The stack outputs the operations commands read (the stack-output contract). */
export interface StackOutputs {
  readonly clusterName?: string;
  readonly capacityProviderName?: string;
  readonly privateSubnetIds?: readonly string[];
  readonly services: Readonly<Record<string, WorkloadOutputs>>;
  readonly workers: Readonly<Record<string, WorkloadOutputs>>;
}

export function readOutputs(outputs: OutputMap): StackOutputs {
  const value = (key: string): unknown => outputs[key]?.value;
  const record = (key: string) => {
    const v = value(key);
    return (v !== null && typeof v === "object" ? v : {}) as Record<string, WorkloadOutputs>;
  };
  const str = (key: string) =>
    typeof value(key) === "string" ? (value(key) as string) : undefined;
  const subnets = value("privateSubnetIds");
  return {
    clusterName: str("clusterName"),
    capacityProviderName: str("capacityProviderName"),
    privateSubnetIds: Array.isArray(subnets) ? (subnets as string[]) : undefined,
    services: record("services"),
    workers: record("workers"),
  };
}

/** A workload's outputs, or a clear error when the stack has not deployed it yet. */
export function workloadOutputs(
  outputs: StackOutputs,
  workload: Workload,
  stack: string,
): WorkloadOutputs {
  const entry = (workload.kind === "service" ? outputs.services : outputs.workers)[workload.name];
  if (entry === undefined) {
    throw new CliError(
      `The ${workload.kind} ${workload.name} is configured but not deployed in stack ${stack} ` +
        `(no ${workload.kind}s.${workload.name} in the stack outputs): run \`npm run infra -- up --stack ${stack}\` first.`,
    );
  }
  return entry;
}

/** A required output field, or a clear error naming it. */
export function required<T>(value: T | undefined, what: string, stack: string): T {
  if (value === undefined || value === null || value === "") {
    throw new CliError(
      `Stack ${stack} has no ${what} output: deploy it first (\`npm run infra -- up --stack ${stack}\`).`,
    );
  }
  return value;
}
