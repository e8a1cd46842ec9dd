import * as assert from "node:assert/strict";
import {
  alarmName,
  metricAlarmArgs,
  parseAlarmName,
  serviceAlarmSpecs,
  tasksBelowDesired,
  workerQueueAlarmSpecs,
} from "../components/alarms";
import { clusterAlarmSpecs, dataStoreAlarmSpecs } from "../components/alarm-tables";
import { ENVIRONMENT_DEFAULTS } from "../components/config/environment";
import { arnSuffix, dashboardBody } from "../components/dashboard";
import { ProgramRun, runProgram } from "./harness";

const PROD = ENVIRONMENT_DEFAULTS.prod.alerts;
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

describe("alarms", () => {
  describe("names", () => {
    it("names an alarm <stack>-<workload>-<symptom> and reads it back", () => {
      assert.equal(alarmName("prod", "api", "lb-5xx-rate"), "prod-api-lb-5xx-rate");
      assert.deepEqual(parseAlarmName("prod-web-api-target-5xx-rate", "prod-"), {
        workload: "web-api",
        symptom: "target-5xx-rate",
      });
      // The longest symptom wins: "5xx-rate" is not a symptom, "lb-5xx-rate" is.
      assert.deepEqual(parseAlarmName("prod-api-lb-5xx-rate", "prod-"), {
        workload: "api",
        symptom: "lb-5xx-rate",
      });
      assert.equal(parseAlarmName("prod-api-backlog-out", "prod-"), undefined);
      assert.equal(parseAlarmName("dev-api-lb-5xx-rate", "prod-"), undefined);
    });
  });

  describe("tables", () => {
    it("computes a web service's 5xx rates by metric math over the ALB's and the target group's counts", () => {
      const specs = serviceAlarmSpecs(
        "api",
        { loadBalancer: "app/a/1", targetGroup: "targetgroup/t/2" },
        PROD,
      );
      assert.deepEqual(
        specs.map((s) => s.symptom),
        ["lb-5xx-rate", "target-5xx-rate", "unhealthy-targets", "p99-latency"],
      );
      const [lb, target, unhealthy, p99] = specs;
      assert.deepEqual(
        lb!.metrics.map((m) => [m.metricName, m.dimensions]),
        [
          ["HTTPCode_ELB_5XX_Count", { LoadBalancer: "app/a/1" }],
          ["RequestCount", { LoadBalancer: "app/a/1" }],
        ],
      );
      assert.deepEqual(target!.metrics[0]!.dimensions, {
        LoadBalancer: "app/a/1",
        TargetGroup: "targetgroup/t/2",
      });
      assert.equal(target!.metrics[0]!.metricName, "HTTPCode_Target_5XX_Count");
      assert.equal(lb!.expression, "IF(requests >= 10, 100 * FILL(errors, 0) / requests, 0)");
      assert.equal(lb!.threshold, 5);
      assert.equal(lb!.treatMissingData, "notBreaching");
      assert.equal(unhealthy!.evaluationPeriods, PROD.unhealthyTargetMinutes);
      assert.equal(unhealthy!.comparison, "GreaterThanOrEqualToThreshold");
      assert.equal(p99!.metrics[0]!.stat, "p99");
      assert.equal(p99!.threshold, 2);
    });

    it("alarms when running tasks stay below desired, from Container Insights", () => {
      const spec = tasksBelowDesired("jobs", "c", "s", "worker");
      assert.equal(spec.expression, "desired - running");
      assert.deepEqual(
        spec.metrics.map((m) => [m.namespace, m.metricName, m.dimensions]),
        [
          ["ECS/ContainerInsights", "DesiredTaskCount", { ClusterName: "c", ServiceName: "s" }],
          ["ECS/ContainerInsights", "RunningTaskCount", { ClusterName: "c", ServiceName: "s" }],
        ],
      );
      assert.equal(spec.comparison, "GreaterThanThreshold");
      assert.equal(spec.threshold, 0);
    });

    it("watches a worker's dead-letter queue and its oldest message; no DLQ alarm without a DLQ", () => {
      const specs = workerQueueAlarmSpecs(
        "jobs",
        { queueName: "q", deadLetterQueueName: "d" },
        PROD,
      );
      assert.deepEqual(
        specs.map((s) => [
          s.symptom,
          s.metrics[0]!.metricName,
          s.metrics[0]!.dimensions,
          s.threshold,
        ]),
        [
          ["dlq-not-empty", "ApproximateNumberOfMessagesVisible", { QueueName: "d" }, 0],
          ["oldest-message-age", "ApproximateAgeOfOldestMessage", { QueueName: "q" }, 900],
        ],
      );
      assert.deepEqual(
        workerQueueAlarmSpecs("jobs", { queueName: "q" }, PROD).map((s) => s.symptom),
        ["oldest-message-age"],
      );
    });

    it("alarms on a pinned capacity provider and on the group at its configured maximum", () => {
      const [pinned, atMax] = clusterAlarmSpecs(
        { clusterName: "c", capacityProviderName: "cp", autoScalingGroupName: "g", maxSize: 12 },
        PROD,
      );
      assert.equal(pinned!.metrics[0]!.namespace, "AWS/ECS/ManagedScaling");
      assert.equal(pinned!.metrics[0]!.metricName, "CapacityProviderReservation");
      assert.equal(pinned!.threshold, 100);
      assert.equal(pinned!.comparison, "GreaterThanThreshold");
      assert.equal(pinned!.evaluationPeriods, 15);
      assert.equal(atMax!.metrics[0]!.metricName, "GroupInServiceInstances");
      assert.equal(atMax!.threshold, 12);
    });

    it("watches databases, tables and caches on their own metrics and dimensions", () => {
      const db = dataStoreAlarmSpecs(
        { kind: "database", name: "main", identifier: "prod-main" },
        PROD,
      );
      assert.deepEqual(
        db.map((s) => [s.symptom, s.metrics[0]!.metricName, s.threshold]),
        [
          ["db-cpu", "CPUUtilization", 80],
          ["db-free-storage", "FreeStorageSpace", 10e9],
          ["db-connections", "DatabaseConnections", 350],
        ],
      );
      const [table] = dataStoreAlarmSpecs({ kind: "table", name: "n", tableName: "prod-n" }, PROD);
      assert.deepEqual(
        table!.metrics.map((m) => m.metricName),
        ["ReadThrottleEvents", "WriteThrottleEvents"],
      );
      const [memory, evictions] = dataStoreAlarmSpecs(
        { kind: "cache", name: "c", mode: "serverless", cacheName: "prod-c", maxDataStorageGb: 5 },
        PROD,
      );
      // Serverless: no memory percentage; 80% of the 5 GB limit, per clusterId.
      assert.equal(memory!.metrics[0]!.metricName, "BytesUsedForCache");
      assert.deepEqual(memory!.metrics[0]!.dimensions, { clusterId: "prod-c" });
      assert.equal(memory!.threshold, 4e9);
      assert.equal(evictions!.metrics[0]!.metricName, "Evictions");
      const [nodeMemory] = dataStoreAlarmSpecs(
        { kind: "cache", name: "c", mode: "nodes", nodeIds: ["rg-001", "rg-002"] },
        PROD,
      );
      assert.equal(nodeMemory!.expression, "MAX([n1, n2])");
      assert.deepEqual(nodeMemory!.metrics[1]!.dimensions, { CacheClusterId: "rg-002" });
    });

    it("gives CloudWatch one metric with an extended statistic, or metric math with the metrics hidden", () => {
      const [, , , p99] = serviceAlarmSpecs("api", { loadBalancer: "a", targetGroup: "t" }, PROD);
      const single = metricAlarmArgs("prod", p99!, "arn:topic");
      assert.equal(single.extendedStatistic, "p99");
      assert.equal(single.statistic, undefined);
      assert.deepEqual(single.alarmActions, ["arn:topic"]);
      assert.deepEqual(single.okActions, ["arn:topic"]);
      const math = metricAlarmArgs("prod", tasksBelowDesired("api", "c", "s", "web service"), "t");
      const queries = math.metricQueries as { id: string; returnData: boolean }[];
      assert.deepEqual(
        queries.map((q) => [q.id, q.returnData]),
        [
          ["e", true],
          ["desired", false],
          ["running", false],
        ],
      );
      assert.equal(math.namespace, undefined);
    });
  });

  describe("dashboard", () => {
    it("takes the ARN suffixes CloudWatch's dimensions use", () => {
      assert.equal(
        arnSuffix("arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/api-alb/abc"),
        "app/api-alb/abc",
      );
      assert.equal(
        arnSuffix("arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/api-tg/def"),
        "targetgroup/api-tg/def",
      );
    });

    it("lays out a row per workload: a title, then its graphs side by side", () => {
      const body = dashboardBody({
        region: "us-east-1",
        clusterName: "c",
        capacityProviderName: "cp",
        items: [
          {
            kind: "service",
            name: "api",
            serviceName: "api-s",
            loadBalancer: "app/a/1",
            targetGroup: "targetgroup/t/2",
          },
          {
            kind: "worker",
            name: "jobs",
            serviceName: "jobs-s",
            queueName: "q",
            deadLetterQueueName: "d",
          },
        ],
      });
      const titles = body.widgets.map((w) =>
        w.type === "text"
          ? (w.properties as { markdown: string }).markdown
          : (w.properties as { title: string }).title,
      );
      assert.deepEqual(titles, [
        "## cluster",
        "Capacity reservation (%)",
        "CPU and memory reserved (%)",
        "## api (web service)",
        "Requests and 5xx",
        "Response time p99 (s) and unhealthy targets",
        "Tasks",
        "## jobs (worker)",
        "Queue: waiting, in flight, oldest (s)",
        "Dead-letter queue",
        "Tasks",
      ]);
      const api = body.widgets[4]!;
      assert.deepEqual([api.x, api.y, api.width, api.height], [0, 8, 8, 6]);
      const metrics = (api.properties as { metrics: unknown[][] }).metrics;
      assert.deepEqual(metrics[2], [
        ".",
        "HTTPCode_Target_5XX_Count",
        "LoadBalancer",
        "app/a/1",
        "TargetGroup",
        "targetgroup/t/2",
        { label: "target 5xx" },
      ]);
      // Widgets never overlap: each row starts below the previous one.
      const tasks = body.widgets[10]!;
      assert.deepEqual([tasks.x, tasks.y], [16, 15]);
    });
  });

  describe("prod under mocks", () => {
    let prod: ProgramRun;
    before(async () => {
      prod = await runProgram("prod");
    });

    it("declares the alert topic prod-alerts with the stack file's e-mail subscription", () => {
      const topic = prod.one("aws:sns/topic:Topic");
      assert.equal(topic.inputs.name, "prod-alerts");
      const subscriptions = prod.ofType("aws:sns/topicSubscription:TopicSubscription");
      assert.deepEqual(
        subscriptions.map((s) => [s.inputs.protocol, s.inputs.endpoint, s.inputs.topic]),
        [["email", "oncall@vitcord.com", topic.state.arn]],
      );
      const policy = JSON.parse(String(prod.one("aws:sns/topicPolicy:TopicPolicy").inputs.policy));
      assert.deepEqual(policy.Statement[0].Principal, { Service: "cloudwatch.amazonaws.com" });
      assert.ok(policy.Statement[0].Condition.StringEquals["aws:SourceAccount"]);
    });

    it("declares each workload's alarms, all notifying the topic on ALARM and OK", () => {
      const topicArn = prod.one("aws:sns/topic:Topic").state.arn;
      const alarms = prod
        .ofType(ALARM)
        .filter((a) => typeof a.inputs.name === "string" && a.inputs.name.startsWith("prod-"));
      assert.deepEqual(alarms.map((a) => a.inputs.name).sort(), [
        "prod-api-lb-5xx-rate",
        "prod-api-p99-latency",
        "prod-api-target-5xx-rate",
        "prod-api-tasks-below-desired",
        "prod-api-unhealthy-targets",
        "prod-cluster-asg-at-max",
        "prod-cluster-capacity-pinned",
        "prod-jobs-dlq-not-empty",
        "prod-jobs-oldest-message-age",
        "prod-jobs-tasks-below-desired",
        "prod-main-db-connections",
        "prod-main-db-cpu",
        "prod-main-db-free-storage",
        "prod-notifications-lb-5xx-rate",
        "prod-notifications-p99-latency",
        "prod-notifications-table-throttles",
        "prod-notifications-target-5xx-rate",
        "prod-notifications-tasks-below-desired",
        "prod-notifications-unhealthy-targets",
      ]);
      for (const alarm of alarms) {
        assert.deepEqual(alarm.inputs.alarmActions, [topicArn], String(alarm.inputs.name));
        assert.deepEqual(alarm.inputs.okActions, [topicArn], String(alarm.inputs.name));
      }
      const atMax = alarms.find((a) => a.inputs.name === "prod-cluster-asg-at-max")!;
      assert.equal(atMax.inputs.threshold, 12);
    });

    it("rolls each web service's deployment back on its 5xx-rate and unhealthy-target alarms", () => {
      for (const name of ["api", "notifications"]) {
        const service = prod.one("aws:ecs/service:Service", `${name}-service`);
        assert.deepEqual(service.inputs.alarms, {
          alarmNames: [
            `prod-${name}-lb-5xx-rate`,
            `prod-${name}-target-5xx-rate`,
            `prod-${name}-unhealthy-targets`,
          ],
          enable: true,
          rollback: true,
        });
        // The 5xx alarms read this service's load balancer.
        const lbAlarm = prod.one(ALARM, `${name}-lb-5xx-rate`);
        const queries = lbAlarm.inputs.metricQueries as { metric?: { dimensions: object } }[];
        const alb = prod.one("aws:lb/loadBalancer:LoadBalancer", `${name}-alb`);
        assert.deepEqual(queries[1]!.metric!.dimensions, { LoadBalancer: alb.state.arnSuffix });
      }
      // The worker deploys without load-balancer alarms.
      assert.equal(prod.one("aws:ecs/service:Service", "jobs-service").inputs.alarms, undefined);
    });

    it("declares the dashboard prod with a row per workload and data store", () => {
      const dashboard = prod.one("aws:cloudwatch/dashboard:Dashboard");
      assert.equal(dashboard.inputs.dashboardName, "prod");
      const body = JSON.parse(String(dashboard.inputs.dashboardBody)) as {
        widgets: { type: string; properties: { markdown?: string } }[];
      };
      assert.deepEqual(
        body.widgets.filter((w) => w.type === "text").map((w) => w.properties.markdown),
        [
          "## cluster",
          "## api (web service)",
          "## notifications (web service)",
          "## jobs (worker)",
          "## main (database)",
          "## notifications (table)",
        ],
      );
    });
  });
});
