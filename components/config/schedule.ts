/**
 * `vitcord-infra:schedule`: when a dev stack sleeps (its services, workers and cluster at zero,
 * its databases stopped) and wakes. Pure: the schema, the parsing of "Mon-Fri 08:00", the cron
 * expressions AWS takes, and the hours a week the stack runs (the plan prices those).
 */
import { z } from "zod";
import { Environment } from "./environment";
import { booleanFlag, strictObject } from "./schema-helpers";

/** The days as the config spells them, Monday first (index 0). */
export const DAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;

/** One moment of the week the schedule acts at: days (0 = Monday) and a time of day. */
export interface WeeklyTime {
  /** Day indexes, 0 (Monday) to 6 (Sunday), ascending, no repeats. */
  readonly days: readonly number[];
  readonly hour: number;
  readonly minute: number;
}

/** A validated schedule: the time zone and the two moments. */
export interface OffHoursSchedule {
  readonly timezone: string;
  readonly wake: WeeklyTime;
  readonly sleep: WeeklyTime;
}

/**
 * The dev default: weekdays 08:00 to 20:00 in Madrid, where the team works: twelve hours cover a
 * working day with room on each side, and nights and weekends (108 of the week's 168 hours) cost
 * nothing but storage.
 */
export const SCHEDULE_DEFAULTS = {
  timezone: "Europe/Madrid",
  wake: "Mon-Fri 08:00",
  sleep: "Mon-Fri 20:00",
} as const;

/** Whether a stack of this environment sleeps by default: dev yes, prod never (refused). */
export const SCHEDULE_ENABLED_BY_DEFAULT: Readonly<Record<Environment, boolean>> = {
  dev: true,
  prod: false,
};

const TIME_SHAPE = "days and a 24-hour time, e.g. Mon-Fri 08:00, Sat,Sun 10:30 or Daily 07:00";

function dayIndex(name: string): number | undefined {
  const index = DAY_NAMES.findIndex((day) => day.toLowerCase() === name.toLowerCase());
  return index === -1 ? undefined : index;
}

/** "Mon-Fri", "Sat,Sun", "Mon", "Daily" → day indexes; undefined when it does not parse. */
export function parseDays(text: string): number[] | undefined {
  if (text.toLowerCase() === "daily") return [0, 1, 2, 3, 4, 5, 6];
  const days = new Set<number>();
  for (const part of text.split(",")) {
    const [from, to, ...rest] = part.split("-");
    if (rest.length > 0 || from === undefined) return undefined;
    const first = dayIndex(from);
    const last = to === undefined ? first : dayIndex(to);
    // A range runs forward within the week (Mon-Fri); Fri-Mon is written Fri-Sun,Mon.
    if (first === undefined || last === undefined || last < first) return undefined;
    for (let day = first; day <= last; day++) days.add(day);
  }
  return [...days].sort((a, b) => a - b);
}

/** "Mon-Fri 08:00" → its days and time; undefined when it does not parse. */
export function parseWeeklyTime(text: string): WeeklyTime | undefined {
  const match = /^(\S+)\s+([01]\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  if (match === null) return undefined;
  const days = parseDays(match[1]!);
  if (days === undefined) return undefined;
  return { days, hour: Number(match[2]), minute: Number(match[3]) };
}

/**
 * Whether AWS knows the time zone: an IANA name as the database spells it (Europe/Madrid, UTC,
 * Etc/GMT+9). Application Auto Scaling takes "the canonical names of the IANA time zones"
 * (Application Auto Scaling user guide, "Schedule recurring scaling actions"); an offset such as
 * +01:00 or a misspelled case is refused here rather than at deploy.
 */
export function isKnownTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name)) return false;
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone === name;
  } catch {
    return false;
  }
}

/** Contiguous runs of day indexes, each `[first, last]`: [0,1,2,3,4] → [[0,4]]. */
function runs(days: readonly number[]): [number, number][] {
  const result: [number, number][] = [];
  for (const day of days) {
    const last = result[result.length - 1];
    if (last !== undefined && last[1] === day - 1) last[1] = day;
    else result.push([day, day]);
  }
  return result;
}

const AWS_DAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"] as const;

/**
 * The six-field cron expression of Application Auto Scaling and EventBridge Scheduler:
 * `cron(Minutes Hours Day-of-month Month Day-of-week Year)`, day-of-month `?` when the days of
 * the week are given ("30 6 ? * MON *" recurs every Monday at 6:30, the Application Auto Scaling
 * user guide's example). Mon-Fri 08:00 → `cron(0 8 ? * MON-FRI *)`.
 */
export function awsCron(time: WeeklyTime): string {
  const days = runs(time.days)
    .map(([a, b]) => (a === b ? AWS_DAYS[a] : `${AWS_DAYS[a]}-${AWS_DAYS[b]}`))
    .join(",");
  return `cron(${time.minute} ${time.hour} ? * ${days} *)`;
}

/**
 * The Unix cron of EC2 Auto Scaling's `Recurrence` (five fields, day of week 0 = Sunday: "With
 * Amazon EC2 Auto Scaling, you use traditional cron syntax"). Mon-Fri 08:00 → `0 8 * * 1-5`.
 */
export function unixCron(time: WeeklyTime): string {
  // Monday-first index → Unix day (Sunday 0): Sunday becomes 0 and sorts first.
  const unixDays = time.days.map((day) => (day + 1) % 7).sort((a, b) => a - b);
  const days = runs(unixDays)
    .map(([a, b]) => (a === b ? String(a) : `${a}-${b}`))
    .join(",");
  return `${time.minute} ${time.hour} * * ${days}`;
}

const MINUTES_PER_WEEK = 7 * 24 * 60;

function momentsOf(time: WeeklyTime): number[] {
  return time.days.map((day) => day * 24 * 60 + time.hour * 60 + time.minute);
}

/**
 * Hours a week the stack runs: from each wake to the next sleep, around the week. Weekdays 08:00
 * to 20:00 → 60. A wake with no sleep before the next wake keeps running (a second wake changes
 * nothing); the same for sleeps.
 */
export function runningHoursPerWeek(schedule: Pick<OffHoursSchedule, "wake" | "sleep">): number {
  const events = [
    ...momentsOf(schedule.wake).map((at) => ({ at, awake: true })),
    ...momentsOf(schedule.sleep).map((at) => ({ at, awake: false })),
  ].sort((a, b) => a.at - b.at);
  let minutes = 0;
  events.forEach((event, index) => {
    const next = events[(index + 1) % events.length]!;
    const until = next.at > event.at ? next.at : next.at + MINUTES_PER_WEEK;
    if (event.awake) minutes += until - event.at;
  });
  return minutes / 60;
}

/**
 * Hours a month the scheduled resources run, in a month of `hoursPerMonth` (730, the plan's):
 * the weekly hours times the weeks in such a month (730 / 168 ≈ 4.35). 60 a week → 260.71.
 */
export function runningHoursPerMonth(
  schedule: Pick<OffHoursSchedule, "wake" | "sleep">,
  hoursPerMonth = 730,
): number {
  return Number(((runningHoursPerWeek(schedule) * hoursPerMonth) / 168).toFixed(2));
}

/** "weekdays 08:00–20:00 Europe/Madrid"-like text: the config's own words. */
export function describeSchedule(config: ScheduleConfig): string {
  return `wakes ${config.wake}, sleeps ${config.sleep} (${config.timezone})`;
}

/** The validated schedule of a stack, or undefined when it runs around the clock. */
export function activeSchedule(config: ScheduleConfig): OffHoursSchedule | undefined {
  if (!config.enabled) return undefined;
  return {
    timezone: config.timezone,
    wake: parseWeeklyTime(config.wake)!,
    sleep: parseWeeklyTime(config.sleep)!,
  };
}

const timeMessage = `must be ${TIME_SHAPE} (days Mon to Sun, ranges forward within the week)`;
const timeZoneMessage =
  "must be an IANA time zone name as AWS takes it, e.g. Europe/Madrid, America/New_York or UTC";

const weeklyTime = z
  .string({ error: timeMessage })
  .refine((text) => parseWeeklyTime(text) !== undefined, { error: timeMessage })
  .meta({ pattern: "^\\S+\\s+([01]\\d|2[0-3]):[0-5]\\d$", patternErrorMessage: timeMessage });

export function scheduleSchema(environment: Environment) {
  return strictObject({
    enabled: booleanFlag
      .default(SCHEDULE_ENABLED_BY_DEFAULT[environment])
      .describe(
        "Whether the stack sleeps outside `wake`–`sleep`: its web services and workers scale to zero tasks, the cluster's Auto Scaling group to zero instances, and its RDS databases stop (storage still bills). Dev only: a prod stack serves users at every hour, so `true` there is refused.",
      ),
    timezone: z
      .string({ error: timeZoneMessage })
      .refine(isKnownTimeZone, { error: timeZoneMessage })
      .default(SCHEDULE_DEFAULTS.timezone)
      .describe(
        "The IANA time zone `wake` and `sleep` are in (daylight saving time followed): the team's.",
      ),
    wake: weeklyTime
      .default(SCHEDULE_DEFAULTS.wake)
      .describe(
        "When the stack wakes: days (`Mon`…`Sun`, a range `Mon-Fri`, a list `Sat,Sun`, or `Daily`) and a 24-hour time `HH:MM`. The workloads get their configured task counts back, the cluster its minimum, the databases start (a few minutes).",
      ),
    sleep: weeklyTime
      .default(SCHEDULE_DEFAULTS.sleep)
      .describe("When the stack goes to sleep, in the same form as `wake`."),
  })
    .superRefine((schedule, ctx) => {
      if (environment === "prod" && schedule.enabled) {
        ctx.addIssue({
          code: "custom",
          path: ["enabled"],
          message:
            "prod runs around the clock: a schedule that stops its services and databases is allowed in dev only",
        });
      }
      const wake = parseWeeklyTime(schedule.wake);
      const sleep = parseWeeklyTime(schedule.sleep);
      if (wake === undefined || sleep === undefined) return;
      const wakes = new Set(momentsOf(wake));
      if (momentsOf(sleep).some((moment) => wakes.has(moment))) {
        ctx.addIssue({
          code: "custom",
          path: ["sleep"],
          message: `is a moment \`wake\` (${schedule.wake}) also names: the stack would wake and sleep at once; pick another time`,
        });
      }
    })
    .prefault({})
    .describe(
      "Off hours: when the stack sleeps and wakes (Application Auto Scaling and EC2 Auto Scaling scheduled actions, EventBridge Scheduler stopping and starting RDS). On in dev (weekdays 08:00–20:00 Europe/Madrid), refused in prod. `npm run infra -- wake|sleep --stack <stack>` overrides it until its next action.",
    );
}

export type ScheduleConfig = z.output<ReturnType<typeof scheduleSchema>>;
