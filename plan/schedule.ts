/**
 * The off-hours schedule as the plan sees it (components/schedule.ts): which components sleep,
 * and how many hours a month they run. EC2 instances, Fargate tasks and RDS instance hours are
 * billed only while they run; storage (RDS, and whatever else outlives a sleep) bills all month.
 */
import {
  DAY_NAMES,
  runningHoursPerMonth,
  runningHoursPerWeek,
  WeeklyTime,
} from "../components/config/schedule";
import { num, obj, ownerOf, RecordedResource, str } from "./resources";

export const OFF_HOURS_TYPE = "vitcord:schedule:OffHours";
const CLUSTER_TYPE = "vitcord:cluster:Ec2Cluster";
const DATABASE_TYPE = "vitcord:data:PostgresDatabase";

/** A stack's schedule, from its OffHours component. */
export interface PlanSchedule {
  readonly timezone: string;
  /** "Mon-Fri 08:00" */
  readonly wake: string;
  readonly sleep: string;
  readonly hoursPerWeek: number;
  /** Hours a month the scheduled resources run (of the assumptions' hoursPerMonth). */
  readonly hoursPerMonth: number;
  /** The web services and workers it scales to zero. */
  readonly workloads: string[];
  /** Whether it takes the cluster's instances to zero. */
  readonly cluster: boolean;
  /** The databases (config names) it stops. */
  readonly databases: string[];
}

function weeklyTime(value: unknown): WeeklyTime | undefined {
  const time = obj(value);
  const days = Array.isArray(time.days) ? time.days.filter((d) => typeof d === "number") : [];
  const hour = num(time.hour);
  const minute = num(time.minute);
  if (days.length === 0 || hour === undefined || minute === undefined) return undefined;
  return { days, hour, minute };
}

/** "Mon-Fri 08:00" for days 0–4 at 8:00 (contiguous days as a range). */
export function formatWeeklyTime(time: WeeklyTime): string {
  const parts: string[] = [];
  let start = time.days[0]!;
  time.days.forEach((day, index) => {
    const next = time.days[index + 1];
    if (next === day + 1) return;
    parts.push(start === day ? DAY_NAMES[day]! : `${DAY_NAMES[start]}-${DAY_NAMES[day]}`);
    if (next !== undefined) start = next;
  });
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${parts.join(",")} ${pad(time.hour)}:${pad(time.minute)}`;
}

const cache = new WeakMap<readonly RecordedResource[], Map<number, PlanSchedule | undefined>>();

/** The stack's schedule, or undefined when it runs around the clock (no OffHours component). */
export function planSchedule(
  resources: readonly RecordedResource[],
  hoursPerMonth: number,
): PlanSchedule | undefined {
  let byHours = cache.get(resources);
  if (byHours === undefined)
    cache.set(resources, (byHours = new Map<number, PlanSchedule | undefined>()));
  if (byHours.has(hoursPerMonth)) return byHours.get(hoursPerMonth);
  const component = resources.find((r) => r.type === OFF_HOURS_TYPE);
  const schedule = obj(component?.inputs.schedule);
  const wake = weeklyTime(schedule.wake);
  const sleep = weeklyTime(schedule.sleep);
  let result: PlanSchedule | undefined;
  if (component !== undefined && wake !== undefined && sleep !== undefined) {
    const names = (value: unknown) =>
      (Array.isArray(value) ? value : []).map((v) =>
        typeof v === "string" ? v : str(obj(v).name),
      );
    result = {
      timezone: str(schedule.timezone) ?? "UTC",
      wake: formatWeeklyTime(wake),
      sleep: formatWeeklyTime(sleep),
      hoursPerWeek: runningHoursPerWeek({ wake, sleep }),
      hoursPerMonth: runningHoursPerMonth({ wake, sleep }, hoursPerMonth),
      workloads: names(component.inputs.workloads).filter((n): n is string => n !== undefined),
      cluster: component.inputs.cluster === true,
      databases: names(component.inputs.databases).filter((n): n is string => n !== undefined),
    };
  }
  byHours.set(hoursPerMonth, result);
  return result;
}

/**
 * The hours a month `resource` is billed for running: the schedule's when its component sleeps
 * (a workload's ECS service, the cluster's Auto Scaling group, a stopped database), else all of
 * `hoursPerMonth`.
 */
export function runningHours(
  resources: readonly RecordedResource[],
  resource: RecordedResource,
  hoursPerMonth: number,
): number {
  const schedule = planSchedule(resources, hoursPerMonth);
  if (schedule === undefined) return hoursPerMonth;
  const owner = ownerOf(resources, resource);
  const sleeps =
    (owner.type === CLUSTER_TYPE && schedule.cluster) ||
    (owner.type === DATABASE_TYPE && schedule.databases.includes(owner.name)) ||
    (owner.type !== DATABASE_TYPE && schedule.workloads.includes(owner.name));
  return sleeps ? schedule.hoursPerMonth : hoursPerMonth;
}

/** The assumption line of a schedule: what sleeps, when, and the hours it runs. */
export function scheduleAssumption(schedule: PlanSchedule, hoursPerMonth: number): string {
  const what = [
    ...(schedule.workloads.length > 0 ? [`the tasks of ${schedule.workloads.join(", ")}`] : []),
    ...(schedule.cluster ? ["the cluster's instances"] : []),
    ...(schedule.databases.length > 0 ? [`RDS ${schedule.databases.join(", ")}`] : []),
  ].join(", ");
  return (
    `off hours: ${what} run from ${schedule.wake} to ${schedule.sleep} (${schedule.timezone}), ` +
    `${schedule.hoursPerWeek} h a week = ${schedule.hoursPerMonth} of ${hoursPerMonth} hours a ` +
    "month (× 730/168 weeks), priced so; their storage, load balancers and NAT bill all month"
  );
}

/** The inventory line of the OffHours component. */
export function scheduleSummary(
  all: readonly RecordedResource[],
  members: readonly RecordedResource[],
): string {
  const count = (type: string) => members.filter((r) => r.type === type).length;
  const schedule = planSchedule(all, 730);
  if (schedule === undefined) return `${members.length} resources`;
  const parts = [
    ...(schedule.workloads.length > 0
      ? [
          `${schedule.workloads.join(", ")} to 0 tasks (${count("aws:appautoscaling/scheduledAction:ScheduledAction")} Application Auto Scaling actions)`,
        ]
      : []),
    ...(schedule.cluster
      ? [
          `the cluster to 0 instances (${count("aws:autoscaling/schedule:Schedule")} EC2 Auto Scaling actions)`,
        ]
      : []),
    ...(schedule.databases.length > 0
      ? [
          `RDS ${schedule.databases.join(", ")} stopped (${count("aws:scheduler/schedule:Schedule")} EventBridge Scheduler schedules)`,
        ]
      : []),
  ];
  return (
    `off hours: wakes ${schedule.wake}, sleeps ${schedule.sleep} (${schedule.timezone}), ` +
    `${schedule.hoursPerWeek} h a week; asleep: ${parts.join("; ")}`
  );
}
