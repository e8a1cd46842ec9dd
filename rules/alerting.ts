/**
 * Alerting rules (issue 15): web services roll back on their alarms, every workload and store has
 * its alarms in prod, and someone hears them. Alarms are named `<stack>-<workload>-<symptom>`
 * (components/alarms.ts); data-store alarms are matched by their metric's dimension instead.
 */
import { RuleResource, StackFinding, StackRule } from "./types";
import { isKnown, list, record, strings, T, text } from "./util";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const TOPIC = "aws:sns/topic:Topic";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";

/** The symptoms each kind must have an alarm for (the names components/alarms.ts gives). */
export const REQUIRED_SYMPTOMS = {
  webService: [
    "lb-5xx-rate",
    "target-5xx-rate",
    "unhealthy-targets",
    "p99-latency",
    "tasks-below-desired",
  ],
  worker: ["tasks-below-desired"],
  cluster: ["capacity-pinned", "asg-at-max"],
  cache: ["cache-memory", "cache-evictions"],
} as const;

/** The metrics a database and a table must be watched on, found by their dimension. */
const DATABASE_METRICS = ["CPUUtilization", "FreeStorageSpace", "DatabaseConnections"];
const TABLE_METRICS = [["ReadThrottleEvents", "WriteThrottleEvents", "ThrottledRequests"]] as const;

const isWeb = (service: RuleResource) => list(service.inputs.loadBalancers).length > 0;

/** Alarms that notify someone: ALARM and OK actions both set. */
function notifyingAlarms(resources: readonly RuleResource[]): RuleResource[] {
  return resources.filter(
    (r) =>
      r.type === ALARM &&
      list(r.inputs.alarmActions).length > 0 &&
      list(r.inputs.okActions).length > 0,
  );
}

/** `{ metricName, dimensions }` of every metric an alarm reads (one, or its metric math's). */
function alarmMetrics(alarm: RuleResource): { metricName: string; dimensions: object }[] {
  const queries = list(alarm.inputs.metricQueries).map((q) => record(record(q).metric));
  const metrics = queries.length > 0 ? queries : [alarm.inputs];
  return metrics.map((m) => ({
    metricName: text(m.metricName, ""),
    dimensions: record(m.dimensions),
  }));
}

function watches(alarm: RuleResource, metricName: string, dimension: string, value: unknown) {
  return alarmMetrics(alarm).some(
    (m) =>
      m.metricName === metricName && (m.dimensions as Record<string, unknown>)[dimension] === value,
  );
}

export const deploymentAlarms: StackRule = {
  scope: "stack",
  id: "VIT-ALR-01",
  title:
    "Web services roll back a deployment on their 5xx-rate and unhealthy-target alarms, which exist",
  controls: ["ECS deployment alarms (deploymentConfiguration.alarms)"],
  severity: "high",
  enforcement: "mandatory",
  environments: ["dev", "prod"],
  resourceTypes: [T.service],
  check(resources) {
    const declared = new Set(
      resources.filter((r) => r.type === ALARM).map((r) => text(r.inputs.name, "")),
    );
    const findings: StackFinding[] = [];
    for (const service of resources.filter((r) => r.type === T.service && isWeb(r))) {
      const alarms = record(service.inputs.alarms);
      const names = strings(alarms.alarmNames);
      const problems: string[] = [];
      if (service.inputs.alarms === undefined) {
        problems.push("has no deployment alarms (alarms with enable and rollback)");
      } else {
        if (alarms.enable !== true || alarms.rollback !== true)
          problems.push("deployment alarms need enable: true and rollback: true");
        const missing = ["5xx-rate", "unhealthy-targets"].filter(
          (symptom) => !names.some((n) => n.endsWith(`-${symptom}`)),
        );
        if (missing.length > 0)
          problems.push(`deployment alarms name no ${missing.join(" or ")} alarm`);
        const absent = names.filter((n) => isKnown(n) && !declared.has(n));
        if (absent.length > 0)
          problems.push(`deployment alarms ${absent.join(", ")} are not declared in the stack`);
      }
      for (const message of problems) findings.push({ resource: service, message });
    }
    return findings;
  },
};

export const workloadAlarms: StackRule = {
  scope: "stack",
  id: "VIT-ALR-02",
  title:
    "Prod watches every workload, the cluster and every data store with alarms that notify on ALARM and OK",
  controls: ["CloudWatch alarms", "issue 15"],
  severity: "high",
  enforcement: "mandatory",
  environments: ["prod"],
  resourceTypes: [
    T.service,
    T.cluster,
    T.dbInstance,
    T.dynamoTable,
    T.replicationGroup,
    T.serverlessCache,
  ],
  check(resources) {
    const alarms = notifyingAlarms(resources);
    const names = alarms.map((a) => text(a.inputs.name, ""));
    const missingNamed = (workload: string, symptoms: readonly string[]) =>
      symptoms.filter((s) => !names.some((n) => n.endsWith(`-${workload}-${s}`)));
    const findings: StackFinding[] = [];
    const report = (resource: RuleResource, missing: readonly string[]) => {
      if (missing.length > 0)
        findings.push({ resource, message: `no notifying alarm for ${missing.join(", ")}` });
    };
    for (const r of resources) {
      if (r.type === T.service) {
        const workload = r.name.replace(/-service$/, "");
        report(
          r,
          missingNamed(workload, REQUIRED_SYMPTOMS[isWeb(r) ? "webService" : "worker"]).map(
            (s) => `${workload}-${s}`,
          ),
        );
      } else if (r.type === T.cluster) {
        report(
          r,
          missingNamed("cluster", REQUIRED_SYMPTOMS.cluster).map((s) => `cluster-${s}`),
        );
      } else if (r.type === T.replicationGroup || r.type === T.serverlessCache) {
        report(
          r,
          missingNamed(r.name, REQUIRED_SYMPTOMS.cache).map((s) => `${r.name}-${s}`),
        );
      } else if (r.type === T.dbInstance && isKnown(r.inputs.identifier)) {
        const id = r.inputs.identifier;
        report(
          r,
          DATABASE_METRICS.filter(
            (metric) => !alarms.some((a) => watches(a, metric, "DBInstanceIdentifier", id)),
          ),
        );
      } else if (r.type === T.dynamoTable && isKnown(r.inputs.name)) {
        const table = r.inputs.name;
        report(
          r,
          TABLE_METRICS.filter(
            (any) =>
              !alarms.some((a) => any.some((metric) => watches(a, metric, "TableName", table))),
          ).map(() => "throttled requests"),
        );
      }
    }
    return findings;
  },
};

export const alertSubscribers: StackRule = {
  scope: "stack",
  id: "VIT-ALR-03",
  title: "In prod the alert topic has at least one subscription (someone hears the alarms)",
  controls: ["SNS subscriptions", "issue 15"],
  severity: "high",
  enforcement: "mandatory",
  environments: ["prod"],
  resourceTypes: [TOPIC],
  check(resources) {
    const subscriptions = resources.filter((r) => r.type === SUBSCRIPTION);
    return resources
      .filter((r) => r.type === TOPIC && text(r.inputs.name, "").endsWith("-alerts"))
      .filter((topic) => {
        const arn = topic.outputs?.arn;
        // An unknown ARN on either side never proves a violation.
        return !subscriptions.some(
          (s) => !isKnown(s.inputs.topic) || !isKnown(arn) || s.inputs.topic === arn,
        );
      })
      .map((topic) => ({
        resource: topic,
        message: `no subscription: set vitcord-infra:alerts.emails or httpsEndpoints`,
      }));
  },
};

export const ALERTING_RULES = [deploymentAlarms, workloadAlarms, alertSubscribers] as const;
