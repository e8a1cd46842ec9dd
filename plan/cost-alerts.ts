/**
 * The cost of the stack's alerting: CloudWatch alarms (per metric each reads: a metric-math alarm
 * is billed for every metric in its expression) and dashboards. SNS topics and their e-mail and
 * HTTPS deliveries are free within the monthly allowance alerts stay under (plan/free-types.ts).
 */
import { charge, Context } from "./cost-context";
import { list, obj, RecordedResource, str } from "./resources";

/** The metrics an alarm reads: one, or each metric (not expression) of its metric math. */
export function alarmMetricCount(alarm: RecordedResource): number {
  const queries = list(alarm.inputs.metricQueries);
  if (queries.length === 0) return 1;
  return queries.filter((q) => Object.keys(obj(obj(q).metric)).length > 0).length || 1;
}

export function priceAlarm(alarm: RecordedResource, ctx: Context): void {
  const metrics = alarmMetricCount(alarm);
  const name = str(alarm.inputs.name) ?? alarm.name;
  const what = metrics === 1 ? "" : ` (metric math, ${metrics} metrics)`;
  charge(ctx, alarm, `alarm ${name}${what}`, metrics, "cloudwatch.alarmMetricMonth");
}

export function priceDashboard(dashboard: RecordedResource, ctx: Context): void {
  const name = str(dashboard.inputs.dashboardName) ?? dashboard.name;
  charge(ctx, dashboard, `CloudWatch dashboard ${name}`, 1, "cloudwatch.dashboardMonth");
}

export const ALERTING_PRICERS = {
  "aws:cloudwatch/metricAlarm:MetricAlarm": priceAlarm,
  "aws:cloudwatch/dashboard:Dashboard": priceDashboard,
} as const;
