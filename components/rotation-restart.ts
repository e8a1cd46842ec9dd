// After RDS rotates a database's managed password, its users' tasks still hold the old one: ECS
// injects DATABASE_PASSWORD from the secret only when a task starts. This starts a new deployment
// of every ECS service that uses the database, with no Lambda: an EventBridge rule on the secret's
// rotation starts a Step Functions state machine that calls ECS UpdateService itself.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, serviceTrustPolicy } from "./iam";

/** The type token, read by the plan (plan/inventory.ts, plan/free-types.ts). */
export const ROTATION_RESTART_TYPE = "vitcord:database:RotationRestart";

/** Step Functions' AWS SDK integration for ECS UpdateService. */
export const UPDATE_SERVICE_RESOURCE = "arn:aws:states:::aws-sdk:ecs:updateService";

/**
 * The event of a finished rotation of exactly this secret: Secrets Manager sends "Secret Label
 * Updated" to the default bus "when a staging label moves to a new version of a secret", with the
 * secret's ARN in `resources` and the label in `detail.labelUpdated` (Secrets Manager user guide,
 * "Secret Label Updated event"). A rotation ends by moving AWSCURRENT to the new version; a failed
 * one never moves it. It is a native event, which "don't require CloudTrail" (same guide, "Match
 * Secrets Manager events with EventBridge"), unlike the CloudTrail entry RotationSucceeded, which
 * comes as "AWS Service Event via CloudTrail" and is delivered on a best-effort basis.
 */
export function rotationEventPattern(secretArn: string): Record<string, unknown> {
  return {
    source: ["aws.secretsmanager"],
    "detail-type": ["Secret Label Updated"],
    resources: [secretArn],
    detail: { labelUpdated: ["AWSCURRENT"] },
  };
}

/**
 * The state machine: one Parallel branch per service, each one ECS UpdateService call with
 * `forceNewDeployment` (ECS then replaces every task, rolling as the service's deployment settings
 * say, and the new tasks read the secret's current password). `ResultPath: null` keeps the large
 * service description out of the execution's state. Retries cover throttling and a deployment
 * being changed at the same time.
 */
export function restartDefinition(
  cluster: string,
  services: readonly { readonly name: string; readonly serviceName: string }[],
): Record<string, unknown> {
  return {
    Comment: `New deployment of ${services.map((s) => s.name).join(", ")} after a rotation of their database password`,
    StartAt: "Restart services",
    States: {
      "Restart services": {
        Type: "Parallel",
        End: true,
        Branches: services.map(({ name, serviceName }) => ({
          StartAt: `Restart ${name}`,
          States: {
            [`Restart ${name}`]: {
              Type: "Task",
              Resource: UPDATE_SERVICE_RESOURCE,
              Parameters: { Cluster: cluster, Service: serviceName, ForceNewDeployment: true },
              ResultPath: null,
              Retry: [
                {
                  ErrorEquals: ["States.ALL"],
                  IntervalSeconds: 10,
                  MaxAttempts: 3,
                  BackoffRate: 2,
                },
              ],
              End: true,
            },
          },
        })),
      },
    },
  };
}

/** `arn:<partition>:ecs:<region>:<account>:service/<cluster>/<service>` (ECS's long ARN format). */
export function ecsServiceArn(
  partition: string,
  region: string,
  account: string,
  cluster: string,
  service: string,
): string {
  return `arn:${partition}:ecs:${region}:${account}:service/${cluster}/${service}`;
}

/** One ECS service that uses the database. */
export interface RestartedService {
  /** The workload's config name (`api`, `jobs`). */
  readonly name: string;
  readonly serviceName: pulumi.Input<string>;
}

export interface RotationRestartArgs {
  /** The stack: names the state machine, its log group and the rule `<stack>-<database>-…`. */
  readonly stack: string;
  /** The database's config name (`main`). */
  readonly database: string;
  /** The RDS-managed secret whose rotation triggers the restart. */
  readonly secretArn: pulumi.Input<string>;
  /** Days between rotations (`databases.<name>.passwordRotationDays`): for the plan. */
  readonly rotationDays: number;
  readonly clusterName: pulumi.Input<string>;
  /** The web services and workers that list the database in `uses` (at least one). */
  readonly services: readonly RestartedService[];
  readonly account: pulumi.Input<string>;
  readonly region: string;
  readonly partition: pulumi.Input<string>;
  /** Days CloudWatch Logs keeps the executions' logs (the stack's retention). */
  readonly logRetentionDays: number;
  /**
   * The stack's KMS key for the log group.
   * @default undefined (CloudWatch Logs' own encryption)
   */
  readonly logKmsKeyArn?: pulumi.Input<string>;
}

/**
 * A new deployment of each of a database's users after every rotation of its managed password:
 * an EventBridge rule on the secret's "Secret Label Updated" (AWSCURRENT) event starts a Standard
 * Step Functions state machine whose tasks call ECS UpdateService with forceNewDeployment.
 *
 * Standard, not Express: a rotation starts one short execution a few times a month, so Standard's
 * price per state transition ($0.025 per 1,000) is a fraction of a cent, and Standard runs an
 * execution exactly once (Express: at least once, so a service could be redeployed twice) and keeps
 * its history for 90 days in the console, where a failed restart is found.
 */
export class RotationRestart extends pulumi.ComponentResource {
  public readonly stateMachineArn: pulumi.Output<string>;

  constructor(name: string, args: RotationRestartArgs, opts?: pulumi.ComponentResourceOptions) {
    // What it restarts and how often, by name (the plan's inventory and cost read these).
    super(
      ROTATION_RESTART_TYPE,
      name,
      {
        database: args.database,
        services: args.services.map((s) => s.name),
        rotationDays: args.rotationDays,
      },
      opts,
    );
    if (args.services.length === 0) {
      throw new Error(`RotationRestart ${name}: database ${args.database} has no users to restart`);
    }
    const prefix = `${args.stack}-${args.database}-rotation-restart`;
    const serviceNames = pulumi.all(args.services.map((s) => pulumi.output(s.serviceName)));
    const clusterName = pulumi.output(args.clusterName);

    // Step Functions delivers its logs as vended logs: "/aws/vendedlogs/" keeps the log group out
    // of the size limit of CloudWatch Logs' resource policy (Step Functions developer guide,
    // "Logging using CloudWatch Logs").
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      {
        name: `/aws/vendedlogs/states/${prefix}`,
        retentionInDays: args.logRetentionDays,
        kmsKeyId: args.logKmsKeyArn,
      },
      { parent: this },
    );

    const machineRole = new aws.iam.Role(
      `${name}-machine-role`,
      {
        description: `Step Functions: new deployments of the users of database ${args.database} after a password rotation`,
        assumeRolePolicy: serviceTrustPolicy("states.amazonaws.com", args.account),
      },
      { parent: this },
    );
    new aws.iam.RolePolicy(
      `${name}-update-services`,
      {
        role: machineRole.id,
        policy: pulumi
          .all([args.partition, args.account, clusterName, serviceNames])
          .apply(([partition, account, cluster, services]) =>
            JSON.stringify({
              Version: "2012-10-17",
              Statement: [
                {
                  Effect: "Allow",
                  Action: "ecs:UpdateService",
                  Resource: services.map((service) =>
                    ecsServiceArn(partition, args.region, account, cluster, service),
                  ),
                },
                {
                  // Log delivery to CloudWatch Logs: these actions have no resource-level
                  // permissions (Step Functions developer guide, "IAM policies for logging to
                  // CloudWatch Logs").
                  Effect: "Allow",
                  Action: [
                    "logs:CreateLogDelivery",
                    "logs:GetLogDelivery",
                    "logs:UpdateLogDelivery",
                    "logs:DeleteLogDelivery",
                    "logs:ListLogDeliveries",
                    "logs:PutResourcePolicy",
                    "logs:DescribeResourcePolicies",
                    "logs:DescribeLogGroups",
                  ],
                  Resource: "*",
                },
              ],
            }),
          ),
      },
      { parent: this },
    );

    const stateMachine = new aws.sfn.StateMachine(
      `${name}-machine`,
      {
        name: prefix,
        type: "STANDARD",
        roleArn: machineRole.arn,
        definition: pulumi.all([clusterName, serviceNames]).apply(([cluster, names]) =>
          JSON.stringify(
            restartDefinition(
              cluster,
              args.services.map((s, i) => ({ name: s.name, serviceName: names[i]! })),
            ),
          ),
        ),
        loggingConfiguration: {
          // The provider requires the ARN with ":*" (every stream of the group).
          logDestination: pulumi.interpolate`${logGroup.arn}:*`,
          level: "ALL",
          // The event (secret ARN, name, version id: never the value) and each call's input.
          includeExecutionData: true,
        },
      },
      { parent: this },
    );
    this.stateMachineArn = stateMachine.arn;

    const rule = new aws.cloudwatch.EventRule(
      `${name}-rule`,
      {
        name: prefix,
        description: `Rotation of the ${args.database} database's managed password: restart its users`,
        eventPattern: pulumi
          .output(args.secretArn)
          .apply((arn) => JSON.stringify(rotationEventPattern(arn))),
      },
      { parent: this },
    );
    const eventsRole = new aws.iam.Role(
      `${name}-events-role`,
      {
        description: `EventBridge starts ${prefix} after a password rotation`,
        assumeRolePolicy: serviceTrustPolicy("events.amazonaws.com", args.account),
      },
      { parent: this },
    );
    new aws.iam.RolePolicy(
      `${name}-start-execution`,
      {
        role: eventsRole.id,
        policy: policyDocument([
          { Effect: "Allow", Action: "states:StartExecution", Resource: stateMachine.arn },
        ]),
      },
      { parent: this },
    );
    new aws.cloudwatch.EventTarget(
      `${name}-target`,
      { rule: rule.name, arn: stateMachine.arn, roleArn: eventsRole.arn },
      { parent: this },
    );

    this.registerOutputs({ stateMachineArn: this.stateMachineArn });
  }
}
