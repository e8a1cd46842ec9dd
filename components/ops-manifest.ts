// The operations manifest: what the operations CLI needs to find a stack's running parts, written
// by the program to SSM (one parameter for the stack, one per workload, so that a stack of many
// workloads never outgrows a parameter's 4 KB) and read by `ps`, `status`, `logs`, `releases`,
// `run`, `exec`, `restart`, `config` and `maintenance` with the AWS SDK alone (no Pulumi CLI, no
// state backend, no passphrase). Pure: the schema and the names both sides agree on.
import { z } from "zod";

/** The manifest's format; a CLI that meets a newer one says so instead of misreading it. */
export const OPS_MANIFEST_VERSION = 1;

/** The SSM parameter holding the stack's part of the manifest: `/vitcord/<stack>/ops`. */
export function opsManifestParameterName(stack: string): string {
  return `/vitcord/${stack}/ops`;
}

/** The SSM parameter holding one workload's entry: `/vitcord/<stack>/ops/workloads/<workload>`. */
export function opsWorkloadParameterName(stack: string, workload: string): string {
  return `/vitcord/${stack}/ops/workloads/${workload}`;
}

/**
 * The SSM path of a workload's config vars (`config:set`): `/vitcord/<stack>/config/<workload>`.
 * Each var is the parameter `<path>/<NAME>`; the task definition references every one of them
 * through `secrets`, and the execution role may read exactly `<path>/*`.
 */
export function configVarsPath(stack: string, workload: string): string {
  return `/vitcord/${stack}/config/${workload}`;
}

/** The parameter of one config var: `/vitcord/<stack>/config/<workload>/<NAME>`. */
export function configVarParameterName(stack: string, workload: string, name: string): string {
  return `${configVarsPath(stack, workload)}/${name}`;
}

/** A config var's name: an environment variable name, as the stack file's `environment` takes. */
export const CONFIG_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The listener-rule priority `maintenance on` takes on each of a service's listeners (1 is the
 * highest ELB allows). The program declares no listener rules, so nothing it owns competes.
 */
export const MAINTENANCE_RULE_PRIORITY = 1;

/** The tag that marks the maintenance rule, so `maintenance off` and `ps` find only that rule. */
export const MAINTENANCE_TAG = { key: "vitcord:maintenance", value: "on" } as const;

const nonEmpty = z.string().min(1);

/** One capacity provider of a workload's strategy, as ECS's RunTask/UpdateService take it. */
export const capacityProviderItemSchema = z.strictObject({
  capacityProvider: nonEmpty,
  weight: z.number().int().min(0),
  base: z.number().int().min(0).optional(),
});

/** A service's load balancer: where `maintenance` puts its rule and `ps` its target health. */
export const loadBalancerManifestSchema = z.strictObject({
  arn: nonEmpty,
  dnsName: nonEmpty,
  /** The service's public URL (https://<domain> or http://<alb dns name>). */
  url: nonEmpty,
  /** Every listener (HTTPS and HTTP, or HTTP alone in dev): the maintenance rule goes on each. */
  listenerArns: z.array(nonEmpty).min(1),
  targetGroupArn: nonEmpty,
});

/** One service or worker: its ECS service, task, logs, network and config vars. */
export const workloadManifestSchema = z.strictObject({
  kind: z.enum(["service", "worker"]),
  /** The ECS service name (in the stack's cluster). */
  serviceName: nonEmpty,
  taskDefinitionFamily: nonEmpty,
  /** The revision the last `pulumi up` registered (`config:set` and `restart` may run newer). */
  taskDefinitionArn: nonEmpty,
  /** The essential container, named after the workload. */
  containerName: nonEmpty,
  logGroupName: nonEmpty,
  /** The log group's ARN without the `:*` suffix, as Live Tail's `logGroupIdentifiers` take it. */
  logGroupArn: nonEmpty,
  /** The awslogs stream prefix: streams are `<prefix>/<container>/<task id>`. */
  logStreamPrefix: nonEmpty,
  /** The task's own security group and the cluster's Service Connect client group. */
  securityGroupIds: z.array(nonEmpty).min(1),
  subnetIds: z.array(nonEmpty).min(1),
  /** How the service places its tasks; a one-off task (`run`) is placed the same way. */
  capacityProviderStrategy: z.array(capacityProviderItemSchema).min(1),
  /** ECS Exec is on for the service (`exec` refuses otherwise). */
  execEnabled: z.boolean(),
  /** `configVarsPath(stack, workload)`. */
  configPath: nonEmpty,
  /**
   * The KMS key `config:set --secret` encrypts with (the workload's `secretsKmsKeyArn`, which the
   * execution role may decrypt with); absent: the AWS managed key `alias/aws/ssm`.
   */
  configKmsKeyArn: nonEmpty.optional(),
  /**
   * Variable names the stack file and the data stores already set (`environment`, `secrets`,
   * `uses`): `config:set` refuses them, so every variable has one source.
   */
  reservedVariables: z.array(nonEmpty),
  repositoryName: nonEmpty.optional(),
  registryId: nonEmpty.optional(),
  queueUrl: nonEmpty.optional(),
  /** Services only. */
  loadBalancer: loadBalancerManifestSchema.optional(),
});

/**
 * A stack's off hours (`vitcord-infra:schedule`, components/schedule.ts): what `wake` and `sleep`
 * change now, with the AWS SDK alone.
 */
export const scheduleManifestSchema = z.strictObject({
  timezone: nonEmpty,
  /** As the stack file says them: "Mon-Fri 08:00". */
  wake: nonEmpty,
  sleep: nonEmpty,
  /** The cluster's Auto Scaling group, and the sizes it wakes to. */
  autoScalingGroupName: nonEmpty,
  clusterMinSize: z.number().int().min(0),
  clusterMaxSize: z.number().int().min(0),
  /** Each ECS service's task range while awake (its scalable target's min and max), by workload. */
  workloads: z.record(
    z.string(),
    z.strictObject({ min: z.number().int().min(0), max: z.number().int().min(0) }),
  ),
  /** The RDS instance identifiers the schedule stops and starts. */
  databaseIdentifiers: z.array(nonEmpty),
});

/** The stack's parameter: everything but the workloads' entries, which it lists by name. */
const stackFields = {
  version: z.literal(OPS_MANIFEST_VERSION),
  stack: nonEmpty,
  environment: nonEmpty,
  region: nonEmpty,
  account: z.string().regex(/^\d{12}$/),
  cluster: z.strictObject({
    name: nonEmpty,
    arn: nonEmpty,
    /** The EC2 capacity provider the web services run on. */
    capacityProviderName: nonEmpty,
    /** The security group every task carries so that the services admit it (Service Connect). */
    clientSecurityGroupId: nonEmpty,
  }),
  privateSubnetIds: z.array(nonEmpty).min(1),
  /** Absent: the stack runs around the clock (`wake`/`sleep` refuse it). */
  schedule: scheduleManifestSchema.optional(),
};

/** The value of `/vitcord/<stack>/ops`: the stack and the names of its workloads' parameters. */
export const opsStackPartSchema = z.strictObject({
  ...stackFields,
  /** Each has its entry in `opsWorkloadParameterName(stack, name)`. */
  workloads: z.array(nonEmpty),
});

/** The whole manifest as the CLI uses it: the stack's part with every workload's entry. */
export const opsManifestSchema = z.strictObject({
  ...stackFields,
  /** Services and workers by name (names are unique across both). */
  workloads: z.record(z.string(), workloadManifestSchema),
});

export type CapacityProviderItem = z.output<typeof capacityProviderItemSchema>;
export type LoadBalancerManifest = z.output<typeof loadBalancerManifestSchema>;
export type WorkloadManifest = z.output<typeof workloadManifestSchema>;
export type OpsManifest = z.output<typeof opsManifestSchema>;
export type OpsStackPart = z.output<typeof opsStackPartSchema>;
export type ScheduleManifest = z.output<typeof scheduleManifestSchema>;

/** The manifest as its parameters hold it: the stack's part, and each workload's entry by name. */
export function splitManifest(manifest: OpsManifest): {
  readonly stack: OpsStackPart;
  readonly workloads: Readonly<Record<string, WorkloadManifest>>;
} {
  const names = Object.keys(manifest.workloads).sort();
  return { stack: { ...manifest, workloads: names }, workloads: manifest.workloads };
}
