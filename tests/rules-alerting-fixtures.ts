/**
 * Hand-built resources for the alerting rules (rules/alerting.ts): a prod stack's web service,
 * worker, cluster, database, table and cache with their alarms, the alert topic and its
 * subscription, and one change each that breaks one rule. Spread into CASES by rules-fixtures.ts.
 */
import { RuleResource } from "../rules";
import { T } from "../rules/util";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:prod-alerts";

function res(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  outputs?: Record<string, unknown>,
): RuleResource {
  return { type, name, urn: `urn:pulumi:test::vitcord-infra::${type}::${name}`, inputs, outputs };
}

/** An alarm named prod-<workload>-<symptom> that notifies the topic, reading `metrics`. */
const alarm = (
  workload: string,
  symptom: string,
  metric: Record<string, unknown> = {},
  inputs: Record<string, unknown> = {},
) =>
  res(ALARM, `${workload}-${symptom}`, {
    name: `prod-${workload}-${symptom}`,
    alarmActions: [TOPIC_ARN],
    okActions: [TOPIC_ARN],
    ...metric,
    ...inputs,
  });

const DEPLOYMENT = [
  "prod-api-lb-5xx-rate",
  "prod-api-target-5xx-rate",
  "prod-api-unhealthy-targets",
];
const webService = (inputs: Record<string, unknown> = {}) =>
  res(T.service, "api-service", {
    loadBalancers: [{ targetGroupArn: "arn:tg", containerName: "api", containerPort: 3000 }],
    alarms: { alarmNames: DEPLOYMENT, enable: true, rollback: true },
    ...inputs,
  });
const webAlarms = [
  "lb-5xx-rate",
  "target-5xx-rate",
  "unhealthy-targets",
  "p99-latency",
  "tasks-below-desired",
].map((symptom) => alarm("api", symptom));

const worker = res(T.service, "jobs-service", {});
const cluster = res(T.cluster, "cluster", {});
const db = res(T.dbInstance, "main-db", { identifier: "prod-main" });
const table = res(T.dynamoTable, "notifications-table", { name: "prod-notifications" });
const cache = res(T.serverlessCache, "sessions", { engine: "valkey" });
const rds = (metricName: string) => ({
  metricName,
  namespace: "AWS/RDS",
  dimensions: { DBInstanceIdentifier: "prod-main" },
});
const storeAlarms = [
  alarm("cluster", "capacity-pinned"),
  alarm("cluster", "asg-at-max"),
  alarm("jobs", "tasks-below-desired"),
  alarm("main", "db-cpu", rds("CPUUtilization")),
  alarm("main", "db-free-storage", rds("FreeStorageSpace")),
  alarm("main", "db-connections", rds("DatabaseConnections")),
  alarm("notifications", "table-throttles", {
    metricQueries: [
      { id: "e", expression: "reads + writes" },
      {
        id: "reads",
        metric: {
          metricName: "ReadThrottleEvents",
          dimensions: { TableName: "prod-notifications" },
        },
      },
    ],
  }),
  alarm("sessions", "cache-memory"),
  alarm("sessions", "cache-evictions"),
];
const everything = [webService(), ...webAlarms, worker, cluster, db, table, cache, ...storeAlarms];

const topic = res(
  "aws:sns/topic:Topic",
  "alerts-topic",
  { name: "prod-alerts" },
  { arn: TOPIC_ARN },
);
const subscription = (topicArn: string) =>
  res("aws:sns/topicSubscription:TopicSubscription", "alerts-email-oncall", {
    topic: topicArn,
    protocol: "email",
    endpoint: "oncall@vitcord.com",
  });

interface Cases {
  readonly environment?: "dev" | "prod";
  readonly good: readonly (readonly RuleResource[])[];
  readonly bad: readonly {
    readonly resources: readonly RuleResource[];
    readonly message: string;
  }[];
}

export const ALERTING_CASES: Readonly<Record<string, Cases>> = {
  "VIT-ALR-01": {
    good: [[webService(), ...webAlarms], [worker]],
    bad: [
      {
        resources: [webService({ alarms: undefined }), ...webAlarms],
        message: "has no deployment alarms",
      },
      {
        resources: [
          webService({ alarms: { alarmNames: DEPLOYMENT, enable: true, rollback: false } }),
          ...webAlarms,
        ],
        message: "deployment alarms need enable: true and rollback: true",
      },
      {
        resources: [
          webService({
            alarms: { alarmNames: ["prod-api-lb-5xx-rate"], enable: true, rollback: true },
          }),
          ...webAlarms,
        ],
        message: "deployment alarms name no unhealthy-targets alarm",
      },
      {
        resources: [webService(), ...webAlarms.filter((a) => a.name !== "api-unhealthy-targets")],
        message: "deployment alarms prod-api-unhealthy-targets are not declared in the stack",
      },
    ],
  },
  "VIT-ALR-02": {
    environment: "prod",
    good: [everything],
    bad: [
      {
        resources: everything.filter((r) => r.name !== "api-p99-latency"),
        message: "no notifying alarm for api-p99-latency",
      },
      {
        // An alarm that tells no one does not count.
        resources: everything.map((r) =>
          r.name === "jobs-tasks-below-desired"
            ? alarm("jobs", "tasks-below-desired", {}, { okActions: [] })
            : r,
        ),
        message: "no notifying alarm for jobs-tasks-below-desired",
      },
      {
        resources: everything.filter((r) => r.name !== "cluster-asg-at-max"),
        message: "no notifying alarm for cluster-asg-at-max",
      },
      {
        // Matched by dimension: an alarm on another instance does not watch this one.
        resources: everything.map((r) =>
          r.name === "main-db-free-storage"
            ? alarm("main", "db-free-storage", {
                metricName: "FreeStorageSpace",
                dimensions: { DBInstanceIdentifier: "prod-other" },
              })
            : r,
        ),
        message: "no notifying alarm for FreeStorageSpace",
      },
      {
        resources: everything.filter((r) => r.name !== "notifications-table-throttles"),
        message: "no notifying alarm for throttled requests",
      },
      {
        resources: everything.filter((r) => r.name !== "sessions-cache-evictions"),
        message: "no notifying alarm for sessions-cache-evictions",
      },
    ],
  },
  "VIT-ALR-03": {
    environment: "prod",
    good: [[topic, subscription(TOPIC_ARN)]],
    bad: [
      { resources: [topic], message: "no subscription: set vitcord-infra:alerts.emails" },
      {
        resources: [topic, subscription("arn:aws:sns:us-east-1:123456789012:other")],
        message: "no subscription",
      },
    ],
  },
};
