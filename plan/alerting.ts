/**
 * The inventory's lines for the stack's alerting: the alert topic and its subscriptions, the
 * alarms per workload (named `<stack>-<workload>-<symptom>`, components/alarms.ts), the dashboard.
 */
import { ALARM_SYMPTOMS, parseAlarmName } from "../components/alarms";
import { RecordedResource, str } from "./resources";

const TOPIC = "aws:sns/topic:Topic";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const DASHBOARD = "aws:cloudwatch/dashboard:Dashboard";

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** The alert alarms of a stack (those named `<…>-<workload>-<symptom>` that notify a topic). */
export function alertAlarms(all: readonly RecordedResource[]): RecordedResource[] {
  return all.filter(
    (r) =>
      r.type === ALARM &&
      Array.isArray(r.inputs.okActions) &&
      parseAlarmName(str(r.inputs.name) ?? "") !== undefined,
  );
}

/** "api 5, notifications 5, jobs 3, …": alert alarms per workload, in the stack's order. */
export function alarmsPerWorkload(all: readonly RecordedResource[]): string {
  const stackPrefix = (name: string) => name.slice(0, name.indexOf("-") + 1);
  const counts = new Map<string, number>();
  for (const alarm of alertAlarms(all)) {
    const name = str(alarm.inputs.name) ?? "";
    const parsed = parseAlarmName(name, stackPrefix(name));
    const symptom = parsed?.symptom ?? "";
    // A table or cache may share its name with a service: say which it is.
    const kind = (["table", "cache", "database"] as const).find((k) =>
      (ALARM_SYMPTOMS[k] as readonly string[]).includes(symptom),
    );
    const label = kind === undefined ? (parsed?.workload ?? "?") : `${parsed?.workload} (${kind})`;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts].map(([workload, count]) => `${workload} ${count}`).join(", ");
}

/** The summary of an alerting component, or undefined for any other component. */
export function alertingSummary(
  all: readonly RecordedResource[],
  members: readonly RecordedResource[],
): string | undefined {
  const topic = members.find((r) => r.type === TOPIC);
  if (topic !== undefined) {
    const subscriptions = members.filter((r) => r.type === SUBSCRIPTION);
    const by = (protocol: string) =>
      subscriptions.filter((s) => s.inputs.protocol === protocol).length;
    const none = subscriptions.length === 0 ? " (no one is notified)" : "";
    return (
      `SNS topic ${str(topic.inputs.name) ?? topic.name}: ${plural(by("email"), "e-mail")}, ` +
      `${plural(by("https"), "HTTPS endpoint")}${none}; every alarm sends ALARM and OK here`
    );
  }
  const dashboard = members.find((r) => r.type === DASHBOARD);
  if (dashboard !== undefined) {
    return `CloudWatch dashboard ${str(dashboard.inputs.dashboardName) ?? dashboard.name}: each workload's key metrics`;
  }
  const alarms = members.filter((r) => r.type === ALARM);
  if (alarms.length > 0 && alarms.length === members.length) {
    return (
      `${plural(alertAlarms(all).length, "alert alarm")} in the stack (here and in the web ` +
      `services), per workload: ${alarmsPerWorkload(all)}`
    );
  }
  return undefined;
}
