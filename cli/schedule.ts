// `wake` and `sleep` (issue 16): do now what a stack's off-hours schedule does at its times, with
// the AWS SDK alone (the operations manifest says what to change): the ECS services' scalable
// targets, the cluster's Auto Scaling group, the RDS instances. Verified by describing each after;
// the schedule's next action applies as usual (`sleep` tonight puts a woken stack back to sleep).
import {
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
  ScalableTarget,
} from "@aws-sdk/client-application-auto-scaling";
import {
  AutoScalingGroup,
  DescribeAutoScalingGroupsCommand,
  UpdateAutoScalingGroupCommand,
} from "@aws-sdk/client-auto-scaling";
import {
  DescribeDBInstancesCommand,
  StartDBInstanceCommand,
  StopDBInstanceCommand,
} from "@aws-sdk/client-rds";
import type { Command } from "commander";
import type { ScheduleManifest } from "../components/ops-manifest";
import { Runner, stackOption } from "./command-helpers";
import type { CliContext } from "./context";
import { CliError } from "./errors";
import { openOps, OpsStack } from "./ops";

export type ScheduleMoment = "wake" | "sleep";

export interface ScheduleOptions {
  readonly stack: string;
}

/** A task range (an ECS service's scalable target's min and max). */
export interface TaskRange {
  readonly min: number;
  readonly max: number;
}

/** What `wake` or `sleep` sets, from the manifest: pure. */
export interface SchedulePlan {
  /** By workload: its ECS service's scalable target resource id and the range it gets. */
  readonly targets: readonly {
    readonly workload: string;
    readonly resourceId: string;
    readonly range: TaskRange;
  }[];
  readonly group: {
    readonly name: string;
    readonly minSize: number;
    readonly maxSize: number;
    /** Sleep sets it to 0; wake leaves it to MinSize (which raises it) and ECS managed scaling. */
    readonly desiredCapacity?: number;
  };
  readonly databases: readonly string[];
}

/** `service/<cluster>/<service>`: an ECS service's scalable target id. */
export function serviceResourceId(cluster: string, serviceName: string): string {
  return `service/${cluster}/${serviceName}`;
}

export function planScheduleMoment(
  moment: ScheduleMoment,
  ops: Pick<OpsStack, "manifest">,
  schedule: ScheduleManifest,
): SchedulePlan {
  const cluster = ops.manifest.cluster.name;
  const targets = Object.entries(schedule.workloads)
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([workload, awake]) => {
      const entry = ops.manifest.workloads[workload];
      if (entry === undefined) return [];
      return [
        {
          workload,
          resourceId: serviceResourceId(cluster, entry.serviceName),
          range: moment === "wake" ? awake : { min: 0, max: 0 },
        },
      ];
    });
  return {
    targets,
    group:
      moment === "wake"
        ? {
            name: schedule.autoScalingGroupName,
            minSize: schedule.clusterMinSize,
            maxSize: schedule.clusterMaxSize,
          }
        : { name: schedule.autoScalingGroupName, minSize: 0, maxSize: 0, desiredCapacity: 0 },
    databases: schedule.databaseIdentifiers,
  };
}

/** RDS states after a start (or a stop) that mean it is happening or done. */
const DATABASE_STATES: Readonly<Record<ScheduleMoment, readonly string[]>> = {
  wake: ["starting", "available"],
  sleep: ["stopping", "stopped"],
};

async function databaseStatus(ops: OpsStack, identifier: string): Promise<string> {
  const result = await ops.aws.rds.send(
    new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }),
  );
  return result.DBInstances?.[0]?.DBInstanceStatus ?? "unknown";
}

/**
 * Starts (wake) or stops (sleep) one database unless it is already so; a database in another
 * state (backing-up, modifying, stopping at wake) is a problem line, not a failed call.
 */
async function switchDatabase(
  ops: OpsStack,
  moment: ScheduleMoment,
  identifier: string,
): Promise<string | undefined> {
  const before = await databaseStatus(ops, identifier);
  const wanted = DATABASE_STATES[moment];
  if (wanted.includes(before)) return undefined;
  const from = moment === "wake" ? "stopped" : "available";
  if (before !== from) {
    return `RDS ${identifier} is ${before}: it can be ${moment === "wake" ? "started" : "stopped"} only when ${from}; run ${moment} again in a few minutes`;
  }
  await ops.aws.rds.send(
    moment === "wake"
      ? new StartDBInstanceCommand({ DBInstanceIdentifier: identifier })
      : new StopDBInstanceCommand({ DBInstanceIdentifier: identifier }),
  );
  return undefined;
}

/** What differs between what was asked and what AWS now reports, one line each. */
export function verifySchedule(
  plan: SchedulePlan,
  targets: readonly ScalableTarget[],
  group: AutoScalingGroup | undefined,
  databases: Readonly<Record<string, string>>,
  moment: ScheduleMoment,
): string[] {
  const problems: string[] = [];
  for (const { workload, resourceId, range } of plan.targets) {
    const target = targets.find((t) => t.ResourceId === resourceId);
    if (target?.MinCapacity !== range.min || target.MaxCapacity !== range.max) {
      const now =
        target === undefined
          ? "no scalable target"
          : `${target.MinCapacity}–${target.MaxCapacity} tasks`;
      problems.push(`${workload}: asked for ${range.min}–${range.max} tasks, AWS reports ${now}`);
    }
  }
  const sizes = (g: { minSize?: number; maxSize?: number }) => `min ${g.minSize}, max ${g.maxSize}`;
  if (
    group === undefined ||
    group.MinSize !== plan.group.minSize ||
    group.MaxSize !== plan.group.maxSize ||
    (plan.group.desiredCapacity !== undefined &&
      group.DesiredCapacity !== plan.group.desiredCapacity)
  ) {
    const now =
      group === undefined
        ? "no such group"
        : `${sizes({ minSize: group.MinSize, maxSize: group.MaxSize })}, desired ${group.DesiredCapacity}`;
    problems.push(
      `Auto Scaling group ${plan.group.name}: asked for ${sizes(plan.group)}, AWS reports ${now}`,
    );
  }
  for (const identifier of plan.databases) {
    const status = databases[identifier] ?? "unknown";
    if (!DATABASE_STATES[moment].includes(status)) {
      problems.push(`RDS ${identifier}: ${status}, not ${DATABASE_STATES[moment].join(" or ")}`);
    }
  }
  return problems;
}

/**
 * `wake --stack dev` / `sleep --stack dev`. Wake starts the databases first (they take minutes),
 * then the cluster and the services; sleep stops the services first, so that ECS drains the
 * instances before their group goes to 0, then the databases.
 */
export async function scheduleCommand(
  ctx: CliContext,
  moment: ScheduleMoment,
  opts: ScheduleOptions,
): Promise<number> {
  const ops = await openOps(ctx, opts.stack);
  const schedule = ops.manifest.schedule;
  if (schedule === undefined) {
    throw new CliError(
      `Stack ${opts.stack} has no off-hours schedule (vitcord-infra:schedule), so it never sleeps: ` +
        `there is nothing to ${moment}.`,
    );
  }
  const plan = planScheduleMoment(moment, ops, schedule);
  const problems: string[] = [];
  /** Databases that could not be switched (already reported): not verified again. */
  const skipped = new Set<string>();

  const setTargets = async () => {
    for (const { resourceId, range } of plan.targets) {
      await ops.aws.applicationAutoScaling.send(
        new RegisterScalableTargetCommand({
          ServiceNamespace: "ecs",
          ScalableDimension: "ecs:service:DesiredCount",
          ResourceId: resourceId,
          MinCapacity: range.min,
          MaxCapacity: range.max,
        }),
      );
    }
  };
  const setGroup = () =>
    ops.aws.autoScaling.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: plan.group.name,
        MinSize: plan.group.minSize,
        MaxSize: plan.group.maxSize,
        ...(plan.group.desiredCapacity === undefined
          ? {}
          : { DesiredCapacity: plan.group.desiredCapacity }),
      }),
    );
  const setDatabases = async () => {
    for (const identifier of plan.databases) {
      const problem = await switchDatabase(ops, moment, identifier);
      if (problem !== undefined) {
        problems.push(problem);
        skipped.add(identifier);
      }
    }
  };

  if (moment === "wake") {
    await setDatabases();
    await setGroup();
    await setTargets();
  } else {
    await setTargets();
    await setGroup();
    await setDatabases();
  }

  // Verify: what AWS reports now.
  const described = await ops.aws.applicationAutoScaling.send(
    new DescribeScalableTargetsCommand({
      ServiceNamespace: "ecs",
      ScalableDimension: "ecs:service:DesiredCount",
      ResourceIds: plan.targets.map((t) => t.resourceId),
    }),
  );
  const groups = await ops.aws.autoScaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [plan.group.name] }),
  );
  const statuses: Record<string, string> = {};
  for (const identifier of plan.databases.filter((d) => !skipped.has(d))) {
    statuses[identifier] = await databaseStatus(ops, identifier);
  }
  problems.push(
    ...verifySchedule(
      { ...plan, databases: plan.databases.filter((d) => !skipped.has(d)) },
      described.ScalableTargets ?? [],
      groups.AutoScalingGroups?.[0],
      statuses,
      moment,
    ),
  );
  if (problems.length > 0) {
    throw new CliError(
      `${moment} of stack ${opts.stack} did not fully happen:\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
  }

  const tasks = plan.targets.map((t) => `${t.workload} ${t.range.min}–${t.range.max}`).join(", ");
  const databases = plan.databases
    .map((identifier) => `${identifier} ${statuses[identifier]}`)
    .join(", ");
  ctx.stdout.write(
    moment === "wake"
      ? `Woke stack ${opts.stack}: tasks ${tasks}; Auto Scaling group ${plan.group.name} min ${plan.group.minSize}, max ${plan.group.maxSize}` +
          `${databases === "" ? "" : `; RDS ${databases}`}. ECS starts the tasks as instances join (a few minutes); ` +
          `the schedule puts it to sleep again at ${schedule.sleep} (${schedule.timezone}).\n`
      : `Put stack ${opts.stack} to sleep: tasks ${tasks}; Auto Scaling group ${plan.group.name} at 0 instances once ECS has drained them` +
          `${databases === "" ? "" : `; RDS ${databases}`}. The schedule wakes it at ${schedule.wake} (${schedule.timezone}).\n`,
  );
  return 0;
}

/** `wake` and `sleep`, each with --stack only (program.ts). */
export function registerScheduleCommands(program: Command, ctx: CliContext, run: Runner): void {
  for (const moment of ["wake", "sleep"] as const) {
    stackOption(
      program
        .command(moment)
        .description(
          moment === "wake"
            ? "wake a stack with off hours (vitcord-infra:schedule) now: its databases start, its cluster and services get their capacity back, until the schedule's next sleep"
            : "put a stack with off hours to sleep now: its services and cluster scale to zero, its databases stop, until the schedule's next wake",
        ),
    ).action(run((opts: ScheduleOptions) => scheduleCommand(ctx, moment, opts)));
  }
}
