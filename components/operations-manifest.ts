// The operations manifest the program publishes (components/ops-manifest.ts has its schema): SSM
// parameters the operations CLI reads with the AWS SDK alone, one for the stack and one per
// workload (each entry is about 1 KB, so any number of workloads fits the free Standard tier).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  CapacityProviderItem,
  configVarsPath,
  LoadBalancerManifest,
  OPS_MANIFEST_VERSION,
  OpsManifest,
  opsManifestParameterName,
  opsManifestSchema,
  opsWorkloadParameterName,
  ScheduleManifest,
  splitManifest,
  WorkloadManifest,
} from "./ops-manifest";

/**
 * Parameter Store's value limits: a Standard parameter holds up to 4 KB (4096 characters, "Standard
 * tier parameters support a maximum parameter value of 4096 characters"), an Advanced one up to
 * 8 KB (AWS Systems Manager user guide, "Changing Parameter Store throughput": "values up to 4 KB
 * … Advanced parameters support larger values (up to 8 KB)"). Advanced costs $0.05 a month.
 */
export const STANDARD_PARAMETER_MAX_BYTES = 4096;
export const ADVANCED_PARAMETER_MAX_BYTES = 8192;

/**
 * The cheapest tier that holds the value of parameter `name`: Standard (free) up to 4 KB, Advanced
 * up to 8 KB. A workload's entry is about 1 KB; only a very long `reservedVariables` list grows it.
 */
export function parameterTier(name: string, value: string): "Standard" | "Advanced" {
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes <= STANDARD_PARAMETER_MAX_BYTES) return "Standard";
  if (bytes <= ADVANCED_PARAMETER_MAX_BYTES) return "Advanced";
  throw new pulumi.RunError(
    `The operations manifest parameter ${name} is ${bytes} bytes; an SSM parameter holds at most ` +
      `${ADVANCED_PARAMETER_MAX_BYTES} (Advanced tier).`,
  );
}

/** What a workload tells the manifest, resolved (WorkloadSource is the same with Inputs). */
export interface WorkloadFacts {
  readonly kind: "service" | "worker";
  readonly serviceName: string;
  readonly taskDefinitionFamily: string;
  readonly taskDefinitionArn: string;
  readonly containerName: string;
  readonly logGroupName: string;
  /** As the log group reports it: with or without the `:*` suffix. */
  readonly logGroupArn: string;
  readonly logStreamPrefix: string;
  readonly securityGroupIds: readonly string[];
  readonly subnetIds: readonly string[];
  readonly capacityProviderStrategy: readonly CapacityProviderItem[];
  readonly execEnabled: boolean;
  readonly configKmsKeyArn?: string;
  readonly reservedVariables: readonly string[];
  readonly repositoryName?: string;
  readonly registryId?: string;
  readonly queueUrl?: string;
  readonly loadBalancer?: LoadBalancerManifest;
}

/** A service's load balancer as its component has it (Outputs allowed). */
export interface LoadBalancerSource {
  readonly arn: pulumi.Input<string>;
  readonly dnsName: pulumi.Input<string>;
  readonly url: pulumi.Input<string>;
  readonly listenerArns: pulumi.Input<string>[];
  readonly targetGroupArn: pulumi.Input<string>;
}

/**
 * What `LoadBalancedService` and `FargateWorker` expose as `operations`: the facts of
 * `WorkloadFacts`, each an Input (the ECS service's name, the log group's ARN, … are known only
 * once AWS creates them).
 */
export interface WorkloadSource {
  readonly kind: "service" | "worker";
  readonly serviceName: pulumi.Input<string>;
  readonly taskDefinitionFamily: pulumi.Input<string>;
  readonly taskDefinitionArn: pulumi.Input<string>;
  readonly containerName: string;
  readonly logGroupName: pulumi.Input<string>;
  readonly logGroupArn: pulumi.Input<string>;
  readonly logStreamPrefix: string;
  readonly securityGroupIds: pulumi.Input<string>[];
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  readonly capacityProviderStrategy: pulumi.Input<CapacityProviderItem[]>;
  readonly execEnabled: boolean;
  readonly configKmsKeyArn?: string;
  readonly reservedVariables: readonly string[];
  readonly repositoryName?: string;
  readonly registryId?: pulumi.Input<string>;
  readonly queueUrl?: pulumi.Input<string>;
  readonly loadBalancer?: LoadBalancerSource;
}

/** `…:log-group:<name>:*` → `…:log-group:<name>`, the form Live Tail's identifiers take. */
export function logGroupArnWithoutSuffix(arn: string): string {
  return arn.endsWith(":*") ? arn.slice(0, -2) : arn;
}

/**
 * A workload's manifest entry: its facts with the config path, the log group ARN without `:*`,
 * the reserved names sorted once each, and absent optional fields left out (not `undefined`).
 */
export function workloadManifest(
  stack: string,
  name: string,
  facts: WorkloadFacts,
): WorkloadManifest {
  const optional = <K extends keyof WorkloadFacts>(key: K) =>
    facts[key] === undefined ? {} : { [key]: facts[key] };
  return {
    kind: facts.kind,
    serviceName: facts.serviceName,
    taskDefinitionFamily: facts.taskDefinitionFamily,
    taskDefinitionArn: facts.taskDefinitionArn,
    containerName: facts.containerName,
    logGroupName: facts.logGroupName,
    logGroupArn: logGroupArnWithoutSuffix(facts.logGroupArn),
    logStreamPrefix: facts.logStreamPrefix,
    securityGroupIds: [...facts.securityGroupIds],
    subnetIds: [...facts.subnetIds],
    capacityProviderStrategy: facts.capacityProviderStrategy.map((item) => ({ ...item })),
    execEnabled: facts.execEnabled,
    configPath: configVarsPath(stack, name),
    ...optional("configKmsKeyArn"),
    reservedVariables: [...new Set(facts.reservedVariables)].sort(),
    ...optional("repositoryName"),
    ...optional("registryId"),
    ...optional("queueUrl"),
    ...(facts.loadBalancer === undefined
      ? {}
      : {
          loadBalancer: {
            ...facts.loadBalancer,
            listenerArns: [...facts.loadBalancer.listenerArns],
          },
        }),
  };
}

/**
 * The manifest, validated: a field the program got wrong (an empty name, a bad account) fails the
 * deploy here, naming the field, instead of breaking the CLI later.
 */
export function validManifest(manifest: unknown): OpsManifest {
  const parsed = opsManifestSchema.safeParse(manifest);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new pulumi.RunError(
      `The operations manifest the program built is invalid (a bug in the program, not in the ` +
        `stack file): ${issues.join("; ")}`,
    );
  }
  return parsed.data;
}

export interface OperationsManifestArgs {
  /** The stack (`pulumi stack`): the parameter is `/vitcord/<stack>/ops`. */
  readonly stack: string;
  /** `dev` or `prod`, from the stack file. */
  readonly environment: string;
  /** The stack's AWS region. */
  readonly region: string;
  /** The account the stack runs in (aws.getCallerIdentity). */
  readonly account: pulumi.Input<string>;
  /** The ECS cluster: name, ARN, EC2 capacity provider and Service Connect client group. */
  readonly cluster: {
    readonly name: pulumi.Input<string>;
    readonly arn: pulumi.Input<string>;
    readonly capacityProviderName: pulumi.Input<string>;
    readonly clientSecurityGroupId: pulumi.Input<string>;
  };
  /** The VPC's private subnets (one-off tasks run there). */
  readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Every service and worker by name: each component's `operations`. */
  readonly workloads: Readonly<Record<string, WorkloadSource>>;
  /**
   * The stack's off hours, for the CLI's `wake` and `sleep`.
   * @default undefined (the stack runs around the clock)
   */
  readonly schedule?: pulumi.Input<ScheduleManifest>;
}

/**
 * The stack's operations manifest in SSM Parameter Store: `/vitcord/<stack>/ops` (the stack, its
 * cluster and the names of its workloads) and `/vitcord/<stack>/ops/workloads/<name>` (each
 * workload's entry), String parameters holding what `ps`, `logs`, `run`, `exec`, `restart`,
 * `config` and `maintenance` need, so they run with the AWS SDK and read access alone, without the
 * Pulumi CLI or the state backend.
 */
export class OperationsManifest extends pulumi.ComponentResource {
  public readonly parameterName: string;
  public readonly parameterArn: pulumi.Output<string>;

  constructor(name: string, args: OperationsManifestArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vitcord:ops:OperationsManifest", name, args, opts);
    this.parameterName = opsManifestParameterName(args.stack);

    const parts = pulumi
      .output({
        account: args.account,
        cluster: args.cluster,
        privateSubnetIds: args.privateSubnetIds,
        workloads: args.workloads,
        schedule: args.schedule,
      })
      .apply(({ account, cluster, privateSubnetIds, workloads, schedule }) =>
        splitManifest(
          validManifest({
            version: OPS_MANIFEST_VERSION,
            stack: args.stack,
            environment: args.environment,
            region: args.region,
            account,
            cluster,
            privateSubnetIds,
            ...(schedule === undefined ? {} : { schedule }),
            workloads: Object.fromEntries(
              Object.entries(workloads).map(([workload, facts]) => [
                workload,
                workloadManifest(args.stack, workload, facts as WorkloadFacts),
              ]),
            ),
          }),
        ),
      );

    const parameter = (logicalName: string, parameterName: string, value: pulumi.Output<string>) =>
      new aws.ssm.Parameter(
        logicalName,
        {
          name: parameterName,
          type: "String",
          // Names and ARNs, no secret: `insecureValue` keeps it readable in previews and the
          // state (`value` is always marked secret by the provider).
          insecureValue: value,
          tier: value.apply((text) => parameterTier(parameterName, text)),
          description: `Vitcord operations manifest of stack ${args.stack}: what the infra CLI's runtime commands read (written by pulumi up; do not edit).`,
        },
        // A value that shrinks back under 4 KB goes from Advanced to Standard, which SSM refuses
        // in place ("You can't downgrade a parameter from the advanced-parameter tier"); the
        // provider replaces the parameter then (its ForceNewIfChange on `tier`), and its fixed
        // name means the old one must go first.
        { parent: this, deleteBeforeReplace: true },
      );

    const stackParameter = parameter(
      `${name}-parameter`,
      this.parameterName,
      parts.apply((p) => JSON.stringify(p.stack)),
    );
    for (const workload of Object.keys(args.workloads).sort()) {
      parameter(
        `${name}-${workload}`,
        opsWorkloadParameterName(args.stack, workload),
        parts.apply((p) => JSON.stringify(p.workloads[workload])),
      );
    }
    this.parameterArn = stackParameter.arn;

    this.registerOutputs({ parameterName: this.parameterName, parameterArn: this.parameterArn });
  }
}
