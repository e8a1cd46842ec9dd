// Off hours (issue 16): the schedule's parsing, crons and hours (pure), its config messages, what
// the committed dev and prod stacks declare for it, and how the plan prices it.
import * as assert from "node:assert/strict";
import { ConfigError, parseStackConfig } from "../components/config";
import {
  awsCron,
  isKnownTimeZone,
  parseWeeklyTime,
  runningHoursPerMonth,
  runningHoursPerWeek,
  unixCron,
  WeeklyTime,
} from "../components/config/schedule";
import { buildPlan } from "../plan";
import { formatWeeklyTime, planSchedule } from "../plan/schedule";
import { ProgramRun, runProgram } from "./harness";

const time = (text: string): WeeklyTime => parseWeeklyTime(text)!;
const hours = (wake: string, sleep: string) =>
  runningHoursPerWeek({ wake: time(wake), sleep: time(sleep) });

/** The problems a config is rejected with. */
function problems(environment: string, schedule: unknown): readonly string[] {
  try {
    parseStackConfig(environment, {
      "aws:region": "us-east-1",
      "vitcord-infra:environment": environment,
      "vitcord-infra:schedule": JSON.stringify(schedule),
    });
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
  assert.fail("expected the config to be rejected");
}

describe("off hours (vitcord-infra:schedule)", () => {
  describe("times, crons and hours (pure)", () => {
    it("parses days as a range, a list, one day or Daily, and a 24-hour time", () => {
      assert.deepEqual(time("Mon-Fri 08:00"), { days: [0, 1, 2, 3, 4], hour: 8, minute: 0 });
      assert.deepEqual(time("Sat,Sun 10:30"), { days: [5, 6], hour: 10, minute: 30 });
      assert.deepEqual(time("wed 23:59").days, [2]);
      assert.deepEqual(time("Daily 07:00").days, [0, 1, 2, 3, 4, 5, 6]);
      for (const bad of [
        "Mon-Fri 8:00",
        "Mon-Fri 24:00",
        "Fri-Mon 08:00",
        "Weekdays 08:00",
        "08:00",
      ]) {
        assert.equal(parseWeeklyTime(bad), undefined, bad);
      }
    });

    it("writes Application Auto Scaling's six-field cron and EC2 Auto Scaling's Unix cron", () => {
      assert.equal(awsCron(time("Mon-Fri 08:00")), "cron(0 8 ? * MON-FRI *)");
      assert.equal(awsCron(time("Mon,Wed,Fri 20:15")), "cron(15 20 ? * MON,WED,FRI *)");
      assert.equal(unixCron(time("Mon-Fri 08:00")), "0 8 * * 1-5");
      // Sunday is 0 in Unix cron: Sat,Sun becomes 0,6.
      assert.equal(unixCron(time("Sat,Sun 10:30")), "30 10 * * 0,6");
      assert.equal(unixCron(time("Daily 07:00")), "0 7 * * 0-6");
    });

    it("counts the hours a week from each wake to the next sleep, around the week", () => {
      assert.equal(hours("Mon-Fri 08:00", "Mon-Fri 20:00"), 60);
      assert.equal(hours("Daily 08:00", "Daily 20:00"), 84);
      // Awake all week long from Monday morning to Friday night.
      assert.equal(hours("Mon 08:00", "Fri 20:00"), 108);
      // A night shift: awake from 20:00 to the next 08:00, and all weekend after Friday 20:00.
      assert.equal(hours("Mon-Fri 20:00", "Mon-Fri 08:00"), 108);
      assert.equal(hours("Mon-Fri 08:30", "Mon-Fri 17:45"), 46.25);
    });

    it("turns the weekly hours into a month's with the plan's 730 hours (730/168 weeks)", () => {
      const workweek = { wake: time("Mon-Fri 08:00"), sleep: time("Mon-Fri 20:00") };
      assert.equal(runningHoursPerMonth(workweek), 260.71);
      assert.equal(runningHoursPerMonth(workweek, 720), 257.14);
      assert.equal(
        runningHoursPerMonth({ wake: time("Mon 00:00"), sleep: time("Mon 00:01") }),
        0.07,
      );
      assert.equal(formatWeeklyTime(time("Sat,Sun 10:30")), "Sat-Sun 10:30");
      assert.equal(formatWeeklyTime(time("Mon,Wed-Fri 08:05")), "Mon,Wed-Fri 08:05");
    });

    it("knows IANA time zones as AWS spells them, not offsets or a wrong case", () => {
      for (const zone of ["Europe/Madrid", "America/New_York", "UTC", "Etc/GMT+9"]) {
        assert.ok(isKnownTimeZone(zone), zone);
      }
      for (const zone of ["Mars/Olympus", "europe/madrid", "+01:00", "CET+1", ""]) {
        assert.ok(!isKnownTimeZone(zone), zone);
      }
    });
  });

  describe("config", () => {
    it("dev sleeps by default on weekdays 08:00–20:00 in Madrid; prod never", () => {
      const dev = parseStackConfig("dev", {
        "aws:region": "us-east-1",
        "vitcord-infra:environment": "dev",
      });
      assert.deepEqual(dev.schedule, {
        enabled: true,
        timezone: "Europe/Madrid",
        wake: "Mon-Fri 08:00",
        sleep: "Mon-Fri 20:00",
      });
      const prod = parseStackConfig("prod", {
        "aws:region": "us-east-1",
        "vitcord-infra:environment": "prod",
      });
      assert.equal(prod.schedule.enabled, false);
    });

    it("refuses times that do not parse and an unknown time zone, each by its key", () => {
      assert.deepEqual(
        problems("dev", { timezone: "Europe/Madird", wake: "Mon-Fri 8am", sleep: "Mon-Fri 20:00" }),
        [
          'vitcord-infra:schedule.timezone = "Europe/Madird": must be an IANA time zone name as AWS takes it, e.g. Europe/Madrid, America/New_York or UTC',
          'vitcord-infra:schedule.wake = "Mon-Fri 8am": must be days and a 24-hour time, e.g. Mon-Fri 08:00, Sat,Sun 10:30 or Daily 07:00 (days Mon to Sun, ranges forward within the week)',
        ],
      );
    });

    it("refuses a sleep at a moment wake also names", () => {
      assert.deepEqual(problems("dev", { wake: "Mon-Fri 08:00", sleep: "Fri 08:00" }), [
        'vitcord-infra:schedule.sleep = "Fri 08:00": is a moment `wake` (Mon-Fri 08:00) also names: the stack would wake and sleep at once; pick another time',
      ]);
    });

    it("refuses a schedule in prod", () => {
      assert.deepEqual(problems("prod", { enabled: true }), [
        "vitcord-infra:schedule.enabled = true: prod runs around the clock: a schedule that stops its services and databases is allowed in dev only",
      ]);
    });
  });

  describe("the committed stacks", () => {
    let dev: ProgramRun;
    let prod: ProgramRun;
    before(async () => {
      // One after the other: the mock engine runs one program at a time.
      dev = await runProgram("dev");
      prod = await runProgram("prod");
    });
    const named = (run: ProgramRun, type: string, name: string) =>
      run.ofType(type).find((r) => r.inputs.name === name || r.inputs.scheduledActionName === name);

    it("dev: a service without autoscaling gets a scalable target of its count, owning desiredCount", () => {
      const service = dev.one("aws:ecs/service:Service", "notifications-service");
      assert.deepEqual(service.ignoreChanges, ["desiredCount"]);
      const target = dev.one("aws:appautoscaling/target:Target", "notifications-scaling");
      assert.equal(target.inputs.minCapacity, 1);
      assert.equal(target.inputs.maxCapacity, 1);
      // And no scaling policy: a fixed count, only the schedule moves it.
      assert.equal(
        dev
          .ofType("aws:appautoscaling/policy:Policy")
          .filter((p) => p.name.startsWith("notifications")).length,
        0,
      );
    });

    it("dev: each ECS service goes to 0 tasks at 20:00 and back to its range at 08:00, Madrid time", () => {
      const actions = dev.ofType("aws:appautoscaling/scheduledAction:ScheduledAction");
      assert.deepEqual(actions.map((a) => a.inputs.name).sort(), [
        "dev-api-sleep",
        "dev-api-wake",
        "dev-jobs-sleep",
        "dev-jobs-wake",
        "dev-notifications-sleep",
        "dev-notifications-wake",
      ]);
      const sleep = named(
        dev,
        "aws:appautoscaling/scheduledAction:ScheduledAction",
        "dev-jobs-sleep",
      )!;
      const jobsTarget = dev.one("aws:appautoscaling/target:Target", "jobs-scaling");
      assert.deepEqual(
        { ...sleep.inputs, name: undefined },
        {
          name: undefined,
          serviceNamespace: "ecs",
          scalableDimension: "ecs:service:DesiredCount",
          resourceId: jobsTarget.inputs.resourceId,
          schedule: "cron(0 20 ? * MON-FRI *)",
          timezone: "Europe/Madrid",
          scalableTargetAction: { minCapacity: 0, maxCapacity: 0 },
        },
      );
      const wake = named(
        dev,
        "aws:appautoscaling/scheduledAction:ScheduledAction",
        "dev-jobs-wake",
      )!;
      assert.equal(wake.inputs.schedule, "cron(0 8 ? * MON-FRI *)");
      assert.deepEqual(wake.inputs.scalableTargetAction, { minCapacity: 1, maxCapacity: 2 });
    });

    it("dev: the cluster's group goes to 0 instances at sleep and back to its sizes at wake", () => {
      const group = dev.one("aws:autoscaling/group:Group", "cluster-instances");
      const schedules = dev.ofType("aws:autoscaling/schedule:Schedule");
      const by = (name: string) => schedules.find((s) => s.inputs.scheduledActionName === name)!;
      assert.equal(group.inputs.protectFromScaleIn, true, "ECS decides which instance goes");
      assert.deepEqual(
        { ...by("dev-cluster-sleep").inputs, autoscalingGroupName: undefined },
        {
          autoscalingGroupName: undefined,
          scheduledActionName: "dev-cluster-sleep",
          recurrence: "0 20 * * 1-5",
          timeZone: "Europe/Madrid",
          minSize: 0,
          maxSize: 0,
          desiredCapacity: 0,
        },
      );
      assert.equal(typeof by("dev-cluster-sleep").inputs.autoscalingGroupName, "string");
      const wake = by("dev-cluster-wake").inputs;
      assert.deepEqual([wake.minSize, wake.maxSize, wake.desiredCapacity], [1, 4, 1]);
    });

    it("dev: EventBridge Scheduler stops and starts RDS through its universal target, under a role for exactly that instance", () => {
      const schedules = dev.ofType("aws:scheduler/schedule:Schedule");
      const stop = schedules.find((s) => s.inputs.name === "dev-main-sleep")!;
      const target = stop.inputs.target as Record<string, unknown>;
      assert.equal(stop.inputs.scheduleExpression, "cron(0 20 ? * MON-FRI *)");
      assert.equal(stop.inputs.scheduleExpressionTimezone, "Europe/Madrid");
      assert.equal(target.arn, "arn:aws:scheduler:::aws-sdk:rds:stopDBInstance");
      assert.equal(target.input, '{"DbInstanceIdentifier":"dev-main"}');
      const start = schedules.find((s) => s.inputs.name === "dev-main-wake")!;
      assert.equal(
        (start.inputs.target as Record<string, unknown>).arn,
        "arn:aws:scheduler:::aws-sdk:rds:startDBInstance",
      );
      const policy = JSON.parse(
        dev.one("aws:iam/rolePolicy:RolePolicy", "schedule-main-stop-start").inputs
          .policy as string,
      ) as { Statement: { Action: string[]; Resource: string }[] };
      assert.deepEqual(policy.Statement, [
        {
          Effect: "Allow",
          Action: ["rds:StopDBInstance", "rds:StartDBInstance"],
          Resource: "arn:aws:rds:us-east-1:123456789012:db:dev-main",
        },
      ]);
      const trust = JSON.parse(
        dev.one("aws:iam/role:Role", "schedule-main-role").inputs.assumeRolePolicy as string,
      ) as { Statement: { Principal: unknown; Condition: unknown }[] };
      assert.deepEqual(trust.Statement[0]!.Principal, { Service: "scheduler.amazonaws.com" });
      assert.deepEqual(trust.Statement[0]!.Condition, {
        StringEquals: { "aws:SourceAccount": "123456789012" },
      });
      // DynamoDB on-demand costs nothing idle: the table is left alone.
      assert.equal(dev.ofType("aws:scheduler/schedule:Schedule").length, 2);
    });

    it("dev: the operations manifest tells wake and sleep what to change", () => {
      const parameter = dev
        .ofType("aws:ssm/parameter:Parameter")
        .find((p) => p.inputs.name === "/vitcord/dev/ops")!;
      const stack = JSON.parse(parameter.inputs.insecureValue as string) as {
        schedule: Record<string, unknown>;
      };
      assert.deepEqual(
        { ...stack.schedule, autoScalingGroupName: undefined },
        {
          timezone: "Europe/Madrid",
          wake: "Mon-Fri 08:00",
          sleep: "Mon-Fri 20:00",
          autoScalingGroupName: undefined,
          clusterMinSize: 1,
          clusterMaxSize: 4,
          workloads: {
            api: { min: 1, max: 1 },
            notifications: { min: 1, max: 1 },
            jobs: { min: 1, max: 2 },
          },
          databaseIdentifiers: ["dev-main"],
        },
      );
    });

    it("prod: no schedule, no scheduled action, and no scalable target beyond autoscaling's", () => {
      assert.equal(prod.ofType("vitcord:schedule:OffHours").length, 0);
      assert.equal(prod.ofType("aws:appautoscaling/scheduledAction:ScheduledAction").length, 0);
      assert.equal(prod.ofType("aws:autoscaling/schedule:Schedule").length, 0);
      assert.equal(prod.ofType("aws:scheduler/schedule:Schedule").length, 0);
      const parameter = prod
        .ofType("aws:ssm/parameter:Parameter")
        .find((p) => p.inputs.name === "/vitcord/prod/ops")!;
      assert.equal(
        "schedule" in (JSON.parse(parameter.inputs.insecureValue as string) as object),
        false,
      );
    });

    it("plan: dev's instances, Fargate tasks and RDS hours are priced for 260.71 of 730 hours, and it says so", () => {
      const plan = buildPlan({
        stack: "dev",
        environment: "dev",
        region: "us-east-1",
        resources: dev.resources,
      });
      const line = (prefix: string) => plan.cost.lines.find((l) => l.item.startsWith(prefix))!;
      assert.equal(line("EC2 t4g.medium Spot").quantity, 260.71);
      assert.equal(line("RDS postgres db.t4g.micro").quantity, 260.71);
      assert.equal(line("Fargate Spot 1 × 0.5 vCPU / 1 GB ARM64, memory").quantity, 260.71);
      // Root volumes go with the instances; RDS storage bills all month.
      assert.equal(line("EBS gp3 30 GiB").quantity, Number(((30 * 260.71) / 730).toPrecision(12)));
      assert.equal(line("RDS gp3 20 GB").quantity, 20);
      assert.equal(plan.assumptions.schedule?.hoursPerMonth, 260.71);
      assert.ok(
        plan.assumptions.statements.includes(
          "off hours: the tasks of api, notifications, jobs, the cluster's instances, RDS main run " +
            "from Mon-Fri 08:00 to Mon-Fri 20:00 (Europe/Madrid), 60 h a week = 260.71 of 730 hours " +
            "a month (× 730/168 weeks), priced so; their storage, load balancers and NAT bill all month",
        ),
        plan.assumptions.statements.join("\n"),
      );
      const prodPlan = buildPlan({
        stack: "prod",
        environment: "prod",
        region: "us-east-1",
        resources: prod.resources,
      });
      assert.equal(planSchedule(prod.resources, 730), undefined);
      assert.ok(
        prodPlan.cost.lines.filter((l) => l.unit === "hour").every((l) => l.quantity % 730 === 0),
      );
    });
  });
});
