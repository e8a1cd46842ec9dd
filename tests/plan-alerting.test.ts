import * as assert from "node:assert/strict";
import { DEFAULT_ASSUMPTIONS, describeAssumptions } from "../plan/assumptions";
import { alarmMetricCount } from "../plan/cost-alerts";
import { estimateCost } from "../plan/cost";
import { buildInventory } from "../plan/inventory";
import { component, resource } from "./plan-fixtures";
import { runProgram } from "./harness";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const alerts = component("vitcord:alerts:StackAlarms", "alarms");
const single = resource(
  ALARM,
  "api-p99-latency",
  { name: "prod-api-p99-latency", metricName: "TargetResponseTime", okActions: ["t"] },
  alerts,
);
const math = resource(
  ALARM,
  "api-lb-5xx-rate",
  {
    name: "prod-api-lb-5xx-rate",
    okActions: ["t"],
    metricQueries: [
      { id: "e", expression: "100 * errors / requests", returnData: true },
      { id: "errors", metric: { metricName: "HTTPCode_ELB_5XX_Count" } },
      { id: "requests", metric: { metricName: "RequestCount" } },
    ],
  },
  alerts,
);
const dashboard = resource(
  "aws:cloudwatch/dashboard:Dashboard",
  "dashboard",
  { dashboardName: "prod" },
  alerts,
);

describe("plan: alerting", () => {
  it("bills an alarm per metric it reads: one, or each metric of its metric math", () => {
    assert.equal(alarmMetricCount(single), 1);
    assert.equal(alarmMetricCount(math), 2);
    const cost = estimateCost([alerts, single, math, dashboard], {
      region: "us-east-1",
      assumptions: DEFAULT_ASSUMPTIONS.prod,
    });
    assert.deepEqual(
      cost.lines.map((l) => [l.item, l.quantity, l.unitPrice, l.monthly]),
      [
        ["alarm prod-api-lb-5xx-rate (metric math, 2 metrics)", 2, 0.1, 0.2],
        ["alarm prod-api-p99-latency", 1, 0.1, 0.1],
        ["CloudWatch dashboard prod", 1, 3, 3],
      ],
    );
    assert.deepEqual(cost.unpriced, []);
  });

  it("lists the SNS topic and its subscriptions as free, and says so in the assumptions", () => {
    const topic = component("vitcord:alerts:AlertTopic", "alerts");
    const cost = estimateCost(
      [
        topic,
        resource("aws:sns/topic:Topic", "alerts-topic", { name: "prod-alerts" }, topic),
        resource("aws:sns/topicSubscription:TopicSubscription", "s", { protocol: "email" }, topic),
      ],
      { region: "us-east-1", assumptions: DEFAULT_ASSUMPTIONS.prod },
    );
    assert.equal(cost.total, 0);
    assert.deepEqual(
      cost.free.map((f) => f.type),
      ["aws:sns/topic:Topic", "aws:sns/topicSubscription:TopicSubscription"],
    );
    assert.ok(
      describeAssumptions(DEFAULT_ASSUMPTIONS.prod).some((a) =>
        a.startsWith("CloudWatch: each alarm per metric"),
      ),
    );
  });

  it("shows prod's alarms per workload, the topic and the dashboard in the inventory, and prices them", async () => {
    const prod = await runProgram("prod");
    const inventory = buildInventory(prod.resources);
    const summary = (name: string) =>
      inventory.components.find((c) => c.component === name)?.summary;
    assert.equal(
      summary("alarms"),
      "19 alert alarms in the stack (here and in the web services), per workload: notifications 5, api 5, notifications (table) 1, jobs 3, main (database) 3, cluster 2",
    );
    assert.equal(
      summary("alerts"),
      "SNS topic prod-alerts: 1 e-mail, 0 HTTPS endpoints; every alarm sends ALARM and OK here",
    );
    assert.equal(summary("dashboard"), "CloudWatch dashboard prod: each workload's key metrics");
    const cost = estimateCost(prod.resources, {
      region: "us-east-1",
      assumptions: DEFAULT_ASSUMPTIONS.prod,
    });
    const alarmLines = cost.lines.filter((l) => l.item.startsWith("alarm "));
    // 19 alert alarms and the worker's 2 backlog alarms; metric math counts each metric.
    assert.equal(alarmLines.length, 21);
    assert.ok(cost.unpriced.every((u) => !u.type.includes("metricAlarm")));
    assert.equal(cost.byComponent.find((c) => c.component === "dashboard")?.monthly, 3);
  });
});
