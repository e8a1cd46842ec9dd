/**
 * The stack's CloudWatch alarms as data: one pure table per kind of workload (web service, worker,
 * cluster, database, table, cache), the alarm names, and one helper that declares a table's alarms
 * with both ALARM and OK sent to the stack's alert topic (components/alerts.ts).
 *
 * Every alarm is named `<stack>-<workload>-<symptom>` (`alarmName`): the deployment alarms an ECS
 * service names (`deploymentConfiguration.alarms`) and the rules (rules/alerting.ts) rely on it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlertThresholds } from "./config/environment";

/** The symptoms every kind of workload is watched for, in the order the alarms are declared. */
export const ALARM_SYMPTOMS = {
  service: [
    "lb-5xx-rate",
    "target-5xx-rate",
    "unhealthy-targets",
    "p99-latency",
    "tasks-below-desired",
  ],
  worker: ["dlq-not-empty", "oldest-message-age", "tasks-below-desired"],
  cluster: ["capacity-pinned", "asg-at-max"],
  database: ["db-cpu", "db-free-storage", "db-connections"],
  table: ["table-throttles"],
  cache: ["cache-memory", "cache-evictions"],
} as const;
export type AlarmKind = keyof typeof ALARM_SYMPTOMS;
export type Symptom = (typeof ALARM_SYMPTOMS)[AlarmKind][number];

/** The alarms a web service's ECS deployment watches, and rolls back on (rules/alerting.ts). */
export const DEPLOYMENT_SYMPTOMS = ["lb-5xx-rate", "target-5xx-rate", "unhealthy-targets"] as const;

/** `<stack>-<workload>-<symptom>`, e.g. `prod-api-lb-5xx-rate`. */
export function alarmName(stack: string, workload: string, symptom: Symptom): string {
  return `${stack}-${workload}-${symptom}`;
}

const ALL_SYMPTOMS: readonly Symptom[] = [...new Set(Object.values(ALARM_SYMPTOMS).flat())].sort(
  (a, b) => b.length - a.length,
);

/** `{ workload, symptom }` of `<prefix><workload>-<symptom>`; undefined for any other name. */
export function parseAlarmName(
  name: string,
  prefix = "",
): { workload: string; symptom: Symptom } | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  const symptom = ALL_SYMPTOMS.find((s) => rest.endsWith(`-${s}`));
  if (symptom === undefined) return undefined;
  const workload = rest.slice(0, -symptom.length - 1);
  return workload === "" ? undefined : { workload, symptom };
}

/** One metric an alarm reads. `D` is the dimension value: a string, or a Pulumi input. */
export interface AlarmMetric<D = string> {
  readonly id: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, D>>;
  /** `Sum`, `Average`, `Maximum`, `Minimum`, or a percentile such as `p99`. */
  readonly stat: string;
}

export interface AlarmSpec<D = string> {
  readonly workload: string;
  readonly symptom: Symptom;
  readonly description: string;
  readonly comparison:
    "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold" | "LessThanThreshold";
  readonly threshold: number;
  /** Seconds per datapoint; 60 and above is standard resolution ($0.10 per metric-month). */
  readonly period: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: "notBreaching" | "breaching" | "missing";
  /** One metric, or several combined by `expression` (metric math: billed per metric). */
  readonly metrics: readonly AlarmMetric<D>[];
  readonly expression?: string;
}

/** How many metrics CloudWatch bills the alarm for (a metric-math alarm: each metric in it). */
export function billedMetrics(spec: { readonly metrics: readonly unknown[] }): number {
  return spec.metrics.length;
}

// Error counts are absent when nothing failed (ALB, DynamoDB, SQS publish no zero datapoints for
// idle resources), so for them missing data is "not breaching"; gauges that are always published
// (Container Insights task counts, RDS, capacity) keep "missing" so a gap shows as
// INSUFFICIENT_DATA instead of paging or hiding.
const NOT_BREACHING = "notBreaching" as const;
const MISSING = "missing" as const;

/** A web service's load balancer and target group, as CloudWatch names them (`arnSuffix`). */
export interface LoadBalancerDimensions<D = string> {
  readonly loadBalancer: D;
  readonly targetGroup: D;
}

/** Below this many requests a minute, a 5xx rate is noise (one error of two requests is 50%). */
export const MIN_REQUESTS_PER_MINUTE = 10;

/** The load-balancer alarms of a web service (the ECS service's task alarm is `tasksBelowDesired`). */
export function serviceAlarmSpecs<D>(
  name: string,
  lb: LoadBalancerDimensions<D>,
  t: AlertThresholds,
): AlarmSpec<D>[] {
  const alb = { LoadBalancer: lb.loadBalancer };
  const target = { LoadBalancer: lb.loadBalancer, TargetGroup: lb.targetGroup };
  const elb = "AWS/ApplicationELB";
  const rate = (
    symptom: Symptom,
    errors: string,
    dimensions: Record<string, D>,
    who: string,
  ): AlarmSpec<D> => ({
    workload: name,
    symptom,
    description: `${name}: more than ${t.http5xxRatePercent}% of requests answered 5xx by ${who} in 3 of 5 minutes.`,
    comparison: "GreaterThanThreshold",
    threshold: t.http5xxRatePercent,
    period: 60,
    evaluationPeriods: 5,
    datapointsToAlarm: 3,
    treatMissingData: NOT_BREACHING,
    metrics: [
      { id: "errors", namespace: elb, metricName: errors, dimensions, stat: "Sum" },
      { id: "requests", namespace: elb, metricName: "RequestCount", dimensions, stat: "Sum" },
    ],
    // No 5xx datapoint means no error (FILL); too few requests give a rate of 0.
    expression: `IF(requests >= ${MIN_REQUESTS_PER_MINUTE}, 100 * FILL(errors, 0) / requests, 0)`,
  });
  return [
    rate("lb-5xx-rate", "HTTPCode_ELB_5XX_Count", alb, "the load balancer"),
    rate("target-5xx-rate", "HTTPCode_Target_5XX_Count", target, "its tasks"),
    {
      workload: name,
      symptom: "unhealthy-targets",
      description: `${name}: at least one unhealthy target for ${t.unhealthyTargetMinutes} minutes.`,
      comparison: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      period: 60,
      evaluationPeriods: t.unhealthyTargetMinutes,
      datapointsToAlarm: t.unhealthyTargetMinutes,
      treatMissingData: NOT_BREACHING,
      metrics: [
        {
          id: "m",
          namespace: elb,
          metricName: "UnHealthyHostCount",
          dimensions: target,
          stat: "Maximum",
        },
      ],
    },
    {
      workload: name,
      symptom: "p99-latency",
      description: `${name}: p99 response time above ${t.p99ResponseTimeSeconds} s for 10 minutes.`,
      comparison: "GreaterThanThreshold",
      threshold: t.p99ResponseTimeSeconds,
      period: 300,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      // No requests, no response time: nothing is slow.
      treatMissingData: NOT_BREACHING,
      metrics: [
        {
          id: "m",
          namespace: elb,
          metricName: "TargetResponseTime",
          dimensions: target,
          stat: "p99",
        },
      ],
    },
  ];
}

/**
 * Running tasks below desired for 10 minutes in a row (a crash loop, or tasks that cannot be
 * placed), from Container Insights (`ECS/ContainerInsights`): the cluster always has it on
 * (config/environment.ts CONTAINER_INSIGHTS offers no "disabled"); without it these metrics would
 * be absent and the alarm would stay INSUFFICIENT_DATA, never ALARM.
 */
export function tasksBelowDesired<D>(
  name: string,
  cluster: D,
  service: D,
  kind: "web service" | "worker",
): AlarmSpec<D> {
  const dimensions = { ClusterName: cluster, ServiceName: service };
  const metric = (id: string, metricName: string): AlarmMetric<D> => ({
    id,
    namespace: "ECS/ContainerInsights",
    metricName,
    dimensions,
    stat: "Average",
  });
  return {
    workload: name,
    symptom: "tasks-below-desired",
    description: `${kind} ${name}: fewer tasks running than desired for 10 minutes.`,
    comparison: "GreaterThanThreshold",
    threshold: 0,
    period: 60,
    evaluationPeriods: 10,
    datapointsToAlarm: 10,
    treatMissingData: MISSING,
    metrics: [metric("desired", "DesiredTaskCount"), metric("running", "RunningTaskCount")],
    expression: "desired - running",
  };
}

/** A worker's queue alarms: its dead-letter queue holds a message; its oldest job is too old. */
export function workerQueueAlarmSpecs<D>(
  name: string,
  queue: { readonly queueName: D; readonly deadLetterQueueName?: D },
  t: AlertThresholds,
): AlarmSpec<D>[] {
  const sqs = (metricName: string, queueName: D): AlarmMetric<D> => ({
    id: "m",
    namespace: "AWS/SQS",
    metricName,
    dimensions: { QueueName: queueName },
    stat: "Maximum",
  });
  const deadLetter = queue.deadLetterQueueName;
  const dlqAlarms: AlarmSpec<D>[] =
    deadLetter === undefined
      ? []
      : [
          {
            workload: name,
            symptom: "dlq-not-empty",
            description: `worker ${name}: a job failed every attempt and waits in the dead-letter queue.`,
            comparison: "GreaterThanThreshold",
            threshold: 0,
            period: 300,
            evaluationPeriods: 1,
            datapointsToAlarm: 1,
            // SQS stops publishing for a queue that stays empty and idle: empty, not broken.
            treatMissingData: NOT_BREACHING,
            metrics: [sqs("ApproximateNumberOfMessagesVisible", deadLetter)],
          },
        ];
  return [
    ...dlqAlarms,
    {
      workload: name,
      symptom: "oldest-message-age",
      description: `worker ${name}: the oldest job has waited more than ${t.oldestMessageAgeSeconds} s.`,
      comparison: "GreaterThanThreshold",
      threshold: t.oldestMessageAgeSeconds,
      period: 300,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: NOT_BREACHING,
      metrics: [sqs("ApproximateAgeOfOldestMessage", queue.queueName)],
    },
  ];
}

/** Where alarms notify, and the stack they belong to. */
export interface AlarmTarget {
  readonly stack: string;
  /** The stack's alert topic: every alarm sends ALARM and OK there. */
  readonly topicArn: pulumi.Input<string>;
  readonly thresholds: AlertThresholds;
}

/** The MetricAlarm inputs of a spec: one metric, or metric math with the metrics hidden. */
export function metricAlarmArgs(
  stack: string,
  spec: AlarmSpec<pulumi.Input<string>>,
  topicArn: pulumi.Input<string>,
): aws.cloudwatch.MetricAlarmArgs {
  const common: aws.cloudwatch.MetricAlarmArgs = {
    name: alarmName(stack, spec.workload, spec.symptom),
    alarmDescription: spec.description,
    comparisonOperator: spec.comparison,
    threshold: spec.threshold,
    evaluationPeriods: spec.evaluationPeriods,
    datapointsToAlarm: spec.datapointsToAlarm,
    treatMissingData: spec.treatMissingData,
    actionsEnabled: true,
    alarmActions: [topicArn],
    okActions: [topicArn],
  };
  const [only] = spec.metrics;
  if (spec.expression === undefined && only !== undefined) {
    const percentile = /^p\d/.test(only.stat);
    return {
      ...common,
      namespace: only.namespace,
      metricName: only.metricName,
      dimensions: only.dimensions,
      period: spec.period,
      ...(percentile ? { extendedStatistic: only.stat } : { statistic: only.stat }),
    };
  }
  return {
    ...common,
    metricQueries: [
      { id: "e", expression: spec.expression, label: spec.symptom, returnData: true },
      ...spec.metrics.map((m) => ({
        id: m.id,
        returnData: false,
        metric: {
          namespace: m.namespace,
          metricName: m.metricName,
          dimensions: m.dimensions,
          period: spec.period,
          stat: m.stat,
        },
      })),
    ],
  };
}

/** Declares the specs' alarms under `parent`, each `<workload>-<symptom>` by resource name. */
export function declareAlarms(
  parent: pulumi.Resource,
  specs: readonly AlarmSpec<pulumi.Input<string>>[],
  target: AlarmTarget,
): aws.cloudwatch.MetricAlarm[] {
  return specs.map(
    (spec) =>
      new aws.cloudwatch.MetricAlarm(
        `${spec.workload}-${spec.symptom}`,
        metricAlarmArgs(target.stack, spec, target.topicArn),
        { parent },
      ),
  );
}

/**
 * A web service's load-balancer alarms, declared under it, and the `alarms` of its ECS service:
 * ECS fails a rolling deployment (and rolls it back) when one of them goes to ALARM during the
 * deployment or its bake time, which ECS derives from the alarms' periods
 * (docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-alarm-failure.html). The alarms
 * must exist when ECS reads them: the service depends on them (`dependsOn`).
 */
export function declareServiceAlarms(
  parent: pulumi.Resource,
  name: string,
  lb: LoadBalancerDimensions<pulumi.Input<string>>,
  target: AlarmTarget | undefined,
): {
  alarms: aws.cloudwatch.MetricAlarm[];
  deployment?: { alarmNames: string[]; enable: boolean; rollback: boolean };
} {
  if (target === undefined) return { alarms: [] };
  const alarms = declareAlarms(parent, serviceAlarmSpecs(name, lb, target.thresholds), target);
  return {
    alarms,
    deployment: {
      alarmNames: DEPLOYMENT_SYMPTOMS.map((symptom) => alarmName(target.stack, name, symptom)),
      enable: true,
      rollback: true,
    },
  };
}
