import { z } from "zod";
import { AlertThresholds, ENVIRONMENT_DEFAULTS, Environment } from "./environment";
import { strictObject } from "./schema-helpers";

/**
 * `vitcord-infra:alerts`: who hears about the stack's CloudWatch alarms (components/alarms.ts)
 * through its SNS topic `<stack>-alerts` (components/alerts.ts), and when each alarm fires.
 */

const emailMessage = "must be an e-mail address such as oncall@vitcord.com";
// SNS's email protocol takes one address; this is the usual local@domain.tld shape.
const email = z
  .string({ error: emailMessage })
  .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { error: emailMessage })
  .meta({ patternErrorMessage: emailMessage });

const httpsMessage =
  "must be an https:// URL such as https://chat.example.com/hooks/alerts (SNS's https protocol; plain http:// is refused so alerts travel encrypted)";
const httpsEndpoint = z
  .string({ error: httpsMessage })
  .regex(/^https:\/\/[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$/, { error: httpsMessage })
  .meta({ patternErrorMessage: httpsMessage });

/** A list whose entries are all different (SNS would subscribe the same endpoint once anyway). */
function uniqueList<T extends z.ZodType<string>>(item: T, what: string) {
  return z
    .array(item, { error: `must be a list of ${what}` })
    .refine((items) => new Set(items).size === items.length, {
      error: `must name each ${what.replace(/es$|s$/, "")} once`,
    })
    .meta({ uniqueItems: true })
    .default([]);
}

/** A number within [min, max] (fractions allowed), with the unit in the message. */
function numberInRange(min: number, max: number, unit: string) {
  const message = `must be a number from ${min} to ${max} ${unit}`;
  return z.number({ error: message }).min(min, { error: message }).max(max, { error: message });
}

/** A whole number within [min, max], with the unit in the message. */
function countInRange(min: number, max: number, unit: string) {
  const message = `must be a whole number from ${min} to ${max} ${unit}`;
  return z
    .number({ error: message })
    .int({ error: message })
    .min(min, { error: message })
    .max(max, { error: message });
}

/** The descriptions of the thresholds, with both environments' defaults. */
function described(key: keyof AlertThresholds, text: string): string {
  const { dev, prod } = ENVIRONMENT_DEFAULTS;
  return `${text} Default: ${dev.alerts[key]} in dev, ${prod.alerts[key]} in prod.`;
}

function thresholdsSchema(defaults: AlertThresholds) {
  return strictObject({
    http5xxRatePercent: numberInRange(0.1, 100, "percent")
      .default(defaults.http5xxRatePercent)
      .describe(
        described(
          "http5xxRatePercent",
          "Percent of a web service's requests answered 5xx over 5 minutes, by its load balancer or by its tasks (two alarms), above which it alarms. These two alarms also roll a deployment back.",
        ),
      ),
    unhealthyTargetMinutes: countInRange(1, 60, "minutes")
      .default(defaults.unhealthyTargetMinutes)
      .describe(
        described(
          "unhealthyTargetMinutes",
          "Minutes in a row with at least one unhealthy target in a web service's target group before it alarms (and a deployment rolls back).",
        ),
      ),
    p99ResponseTimeSeconds: numberInRange(0.01, 300, "seconds")
      .default(defaults.p99ResponseTimeSeconds)
      .describe(
        described(
          "p99ResponseTimeSeconds",
          "The 99th percentile of a web service's response time (TargetResponseTime) over 5 minutes, above which it alarms.",
        ),
      ),
    oldestMessageAgeSeconds: countInRange(60, 1209600, "seconds")
      .default(defaults.oldestMessageAgeSeconds)
      .describe(
        described(
          "oldestMessageAgeSeconds",
          "Age of the oldest message in a worker's queue above which it alarms: jobs are waiting too long.",
        ),
      ),
    capacityPinnedMinutes: countInRange(5, 120, "minutes")
      .default(defaults.capacityPinnedMinutes)
      .describe(
        described(
          "capacityPinnedMinutes",
          "Minutes the cluster's capacity provider needs more instances than it runs (CapacityProviderReservation above 100) before it alarms: tasks cannot be placed.",
        ),
      ),
    databaseCpuPercent: numberInRange(1, 100, "percent")
      .default(defaults.databaseCpuPercent)
      .describe(
        described(
          "databaseCpuPercent",
          "A database's CPU utilization over 15 minutes above which it alarms.",
        ),
      ),
    databaseFreeStorageGb: numberInRange(0.1, 65536, "GB")
      .default(defaults.databaseFreeStorageGb)
      .describe(
        described(
          "databaseFreeStorageGb",
          "A database's free storage below which it alarms (storage autoscaling grows it, up to its maximum).",
        ),
      ),
    databaseConnections: countInRange(1, 100000, "connections")
      .default(defaults.databaseConnections)
      .describe(
        described(
          "databaseConnections",
          "Open connections to a database above which it alarms; keep it under the instance class's max_connections.",
        ),
      ),
    tableThrottledRequests: countInRange(1, 1000000, "requests")
      .default(defaults.tableThrottledRequests)
      .describe(
        described(
          "tableThrottledRequests",
          "Throttled read or write requests on a DynamoDB table in 5 minutes at or above which it alarms.",
        ),
      ),
    cacheMemoryPercent: numberInRange(1, 100, "percent")
      .default(defaults.cacheMemoryPercent)
      .describe(
        described(
          "cacheMemoryPercent",
          "Percent of a cache's memory in use (a serverless cache: of its `maxDataStorageGb`) above which it alarms.",
        ),
      ),
    cacheEvictions: countInRange(1, 100000000, "keys")
      .default(defaults.cacheEvictions)
      .describe(
        described(
          "cacheEvictions",
          "Keys a cache evicts in 5 minutes at or above which it alarms: it is too small for its data.",
        ),
      ),
  })
    .prefault({})
    .describe(
      "When each CloudWatch alarm fires, per symptom. Every key has a default per environment (prod stricter).",
    );
}

export function alertsSchema(environment: Environment) {
  return strictObject({
    emails: uniqueList(email, "e-mail addresses").describe(
      "E-mail addresses subscribed to the stack's alert topic `<stack>-alerts`: every alarm's ALARM and OK. Each address must confirm the subscription from the e-mail SNS sends. Prod needs at least one subscription (rule VIT-ALR-03).",
    ),
    httpsEndpoints: uniqueList(httpsEndpoint, "https endpoints").describe(
      "HTTPS URLs subscribed to the alert topic, e.g. a chat webhook; the endpoint must confirm the subscription (SNS posts a SubscriptionConfirmation with a SubscribeURL).",
    ),
    thresholds: thresholdsSchema(ENVIRONMENT_DEFAULTS[environment].alerts),
  })
    .prefault({})
    .describe(
      "Alerts: the stack's SNS topic `<stack>-alerts`, who it notifies, and the thresholds of the CloudWatch alarms on every web service, worker, the cluster and the data stores.",
    );
}

export type AlertsConfig = z.output<ReturnType<typeof alertsSchema>>;
