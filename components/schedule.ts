// Off hours (issue 16): a dev stack sleeps outside its working hours and wakes by itself. No
// Lambda: AWS's own schedulers change the capacity, and EventBridge Scheduler calls RDS directly.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsCron, OffHoursSchedule, unixCron } from "./config/schedule";
import { policyDocument, serviceTrustPolicy } from "./iam";

/** An ECS service's Application Auto Scaling target, and the task range it wakes to. */
export interface ScheduledWorkload {
  /** The workload's name (`api`, `jobs`): it names the scheduled actions. */
  readonly name: string;
  readonly target: aws.appautoscaling.Target;
  /** Tasks at least and at most while awake (the target's own min and max). */
  readonly min: number;
  readonly max: number;
}

/** The cluster's Auto Scaling group and the sizes it wakes to. */
export interface ScheduledCluster {
  readonly autoScalingGroupName: pulumi.Input<string>;
  readonly minSize: number;
  readonly maxSize: number;
}

/** An RDS instance the schedule stops and starts. */
export interface ScheduledDatabase {
  /** The database's config name (`main`). */
  readonly name: string;
  /** The RDS instance identifier (`dev-main`). */
  readonly identifier: string;
  readonly arn: pulumi.Input<string>;
}

export interface OffHoursArgs {
  /** The stack: every scheduled action and schedule is named `<stack>-<what>-<wake|sleep>`. */
  readonly stack: string;
  /** The validated schedule (`vitcord-infra:schedule`, config/schedule.ts). */
  readonly schedule: OffHoursSchedule;
  /** The account, which alone may make EventBridge Scheduler assume the databases' role. */
  readonly account: pulumi.Input<string>;
  /**
   * Every ECS service's scalable target: at sleep min = max = 0, at wake its own range back.
   * @default [] (none)
   */
  readonly workloads?: readonly ScheduledWorkload[];
  /**
   * The cluster's group: at sleep 0 instances, at wake its configured sizes.
   * @default undefined (no cluster scheduled)
   */
  readonly cluster?: ScheduledCluster;
  /**
   * RDS instances stopped at sleep and started at wake.
   * @default [] (none)
   */
  readonly databases?: readonly ScheduledDatabase[];
}

/** The six-field crons of wake and sleep (Application Auto Scaling, EventBridge Scheduler). */
function crons(schedule: OffHoursSchedule) {
  return { wake: awsCron(schedule.wake), sleep: awsCron(schedule.sleep) } as const;
}

/**
 * The schedule of a dev stack: at `sleep` its ECS services scale to zero tasks (Application Auto
 * Scaling scheduled actions on their scalable targets), its cluster's Auto Scaling group to zero
 * instances (EC2 Auto Scaling scheduled actions) and its RDS instances stop (EventBridge Scheduler's
 * universal target for rds:StopDBInstance); at `wake` each gets its configured capacity back.
 * DynamoDB on-demand tables and serverless caches cost nothing idle beyond storage: left alone.
 */
export class OffHours extends pulumi.ComponentResource {
  /** The scheduled actions' and schedules' names, for the operations manifest and the docs. */
  public readonly actionNames: string[] = [];

  constructor(name: string, args: OffHoursArgs, opts?: pulumi.ComponentResourceOptions) {
    // What it schedules, by name (the plan prices those resources' hours from it): not the
    // targets themselves.
    super(
      "vitcord:schedule:OffHours",
      name,
      {
        stack: args.stack,
        schedule: args.schedule,
        workloads: (args.workloads ?? []).map((w) => ({ name: w.name, min: w.min, max: w.max })),
        cluster: args.cluster !== undefined,
        databases: (args.databases ?? []).map((d) => d.name),
      },
      opts,
    );
    const { schedule, stack } = args;
    const cron = crons(schedule);

    for (const workload of args.workloads ?? []) {
      for (const moment of ["wake", "sleep"] as const) {
        const actionName = `${stack}-${workload.name}-${moment}`;
        this.actionNames.push(actionName);
        // "At the scheduled time, if the current capacity is below the minimum capacity,
        // Application Auto Scaling scales out to the minimum capacity. If the current capacity is
        // above the maximum capacity, Application Auto Scaling scales in to the maximum capacity"
        // (ScalableTargetAction, CloudFormation reference): min = max = 0 stops every task, and
        // the wake's minimum starts them again. Scaling policies stay; they cannot exceed max 0.
        new aws.appautoscaling.ScheduledAction(
          `${name}-${workload.name}-${moment}`,
          {
            name: actionName,
            serviceNamespace: workload.target.serviceNamespace,
            resourceId: workload.target.resourceId,
            scalableDimension: workload.target.scalableDimension,
            schedule: cron[moment],
            // "the canonical names of the IANA time zones" (Application Auto Scaling user guide).
            timezone: schedule.timezone,
            scalableTargetAction:
              moment === "wake"
                ? { minCapacity: workload.min, maxCapacity: workload.max }
                : { minCapacity: 0, maxCapacity: 0 },
          },
          { parent: this },
        );
      }
    }

    if (args.cluster !== undefined) {
      const cluster = args.cluster;
      for (const moment of ["wake", "sleep"] as const) {
        const actionName = `${stack}-cluster-${moment}`;
        this.actionNames.push(actionName);
        // At sleep the group's desired capacity drops to 0 while its instances are still
        // scale-in protected: "its desired capacity is decremented. However, the Auto Scaling group
        // can't terminate the required number of instances until their instance scale-in
        // protection settings are disabled" (EC2 Auto Scaling, instance scale-in protection). ECS
        // managed termination protection turns protection off once an instance runs no task: "When
        // all non-daemon tasks are stopped on an instance, Amazon ECS initiates the scale-in process
        // and turns off scale-in protection" (ECS developer guide, managed termination protection),
        // which the services' own sleep actions cause. So the instances go once their tasks have
        // drained, never under a running task.
        new aws.autoscaling.Schedule(
          `${name}-cluster-${moment}`,
          {
            scheduledActionName: actionName,
            autoscalingGroupName: cluster.autoScalingGroupName,
            // EC2 Auto Scaling takes Unix cron, not Application Auto Scaling's six fields.
            recurrence: unixCron(schedule[moment]),
            timeZone: schedule.timezone,
            ...(moment === "wake"
              ? {
                  minSize: cluster.minSize,
                  maxSize: cluster.maxSize,
                  desiredCapacity: cluster.minSize,
                }
              : { minSize: 0, maxSize: 0, desiredCapacity: 0 }),
          },
          { parent: this },
        );
      }
    }

    for (const database of args.databases ?? []) {
      this.scheduleDatabase(name, args, database, cron);
    }

    this.registerOutputs({ actionNames: this.actionNames });
  }

  /**
   * Stops and starts one RDS instance with EventBridge Scheduler's universal target: the target
   * ARN `arn:aws:scheduler:::aws-sdk:<service>:<apiAction>` and the API's request as `input`
   * (EventBridge Scheduler user guide, "Using universal targets"), under a role that may do exactly
   * that to exactly this instance. RDS starts a stopped instance by itself after 7 days ("The
   * instance restarts automatically after 7 days", StopDBInstance): the next sleep stops it again.
   */
  private scheduleDatabase(
    name: string,
    args: OffHoursArgs,
    database: ScheduledDatabase,
    cron: ReturnType<typeof crons>,
  ): void {
    const role = new aws.iam.Role(
      `${name}-${database.name}-role`,
      {
        description: `EventBridge Scheduler stops and starts RDS instance ${database.identifier} (off hours)`,
        // Only this account's schedules (the confused-deputy guard the Scheduler guide recommends).
        assumeRolePolicy: serviceTrustPolicy("scheduler.amazonaws.com", args.account),
      },
      { parent: this },
    );
    new aws.iam.RolePolicy(
      `${name}-${database.name}-stop-start`,
      {
        role: role.id,
        policy: policyDocument([
          {
            Effect: "Allow",
            Action: ["rds:StopDBInstance", "rds:StartDBInstance"],
            Resource: database.arn,
          },
        ]),
      },
      { parent: this },
    );
    for (const [moment, action] of [
      ["wake", "startDBInstance"],
      ["sleep", "stopDBInstance"],
    ] as const) {
      const scheduleName = `${args.stack}-${database.name}-${moment}`;
      this.actionNames.push(scheduleName);
      new aws.scheduler.Schedule(
        `${name}-${database.name}-${moment}`,
        {
          name: scheduleName,
          description: `${moment === "wake" ? "Starts" : "Stops"} RDS instance ${database.identifier} (off hours)`,
          scheduleExpression: cron[moment],
          scheduleExpressionTimezone: args.schedule.timezone,
          flexibleTimeWindow: { mode: "OFF" },
          target: {
            arn: `arn:aws:scheduler:::aws-sdk:rds:${action}`,
            roleArn: role.arn,
            input: JSON.stringify({ DbInstanceIdentifier: database.identifier }),
            // A failed stop is not retried into the next working day (the default retries for
            // 24 hours): an hour, then the next night's schedule.
            retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 5 },
          },
        },
        { parent: this },
      );
    }
  }
}
