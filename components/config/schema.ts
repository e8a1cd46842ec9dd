import { z } from "zod";
import { ENVIRONMENT_DEFAULTS, ENVIRONMENTS, Environment, LOG_RETENTION_DAYS } from "./environment";
import { alertsSchema } from "./alerts";
import { cachesSchema } from "./caches";
import { clusterSchema } from "./cluster";
import { databasesSchema } from "./databases";
import { kmsSchema } from "./kms";
import { networkSchema } from "./network";
import { registrySchema } from "./registry";
import { scheduleSchema } from "./schedule";
import { checkServicesAgainstStack, servicesSchema } from "./service";
import { booleanFlag, oneOf, strictObject, tagMap } from "./schema-helpers";
import { tablesSchema } from "./tables";
import { checkDataStoreUses } from "./uses";
import { ruleWaiversSchema } from "./waivers";
import { wafSchema } from "./waf";
import { checkQueueProducers, checkWorkerRepositories, workersSchema } from "./worker";

const logRetention = z
  .number()
  .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
    error: `must be one of the retention periods CloudWatch Logs accepts: ${LOG_RETENTION_DAYS.join(", ")}`,
  })
  .meta({ enum: [...LOG_RETENTION_DAYS] });

export const environmentSchema = oneOf(ENVIRONMENTS).describe(
  "Which kind of environment this stack is. It picks the default of every other key, and prod adds checks (HTTPS for every service) and rules (policy pack). Required.",
);

/**
 * The whole `vitcord-infra:*` configuration of one stack, with the defaults of its environment.
 * Every area (network, cluster, services, workers) has its own schema module; this composes them
 * and adds the checks that span areas.
 */
export function stackSchema(environment: Environment): ReturnType<typeof buildStackSchema> {
  // Built once per environment: zod schemas are immutable, and building one costs more than
  // parsing with it (the plan, the CLI and the tests validate many configs).
  let schema = stackSchemas.get(environment);
  if (schema === undefined) {
    schema = buildStackSchema(environment);
    stackSchemas.set(environment, schema);
  }
  return schema;
}

const stackSchemas = new Map<Environment, ReturnType<typeof buildStackSchema>>();

function buildStackSchema(environment: Environment) {
  const defaults = ENVIRONMENT_DEFAULTS[environment];
  return strictObject({
    environment: environmentSchema,
    logRetentionDays: logRetention
      .default(defaults.logRetentionDays)
      .describe(
        "How many days CloudWatch Logs keeps every log group the stack creates (containers, VPC flow logs, instances).",
      ),
    deletionProtection: booleanFlag
      .default(defaults.deletionProtection)
      .describe(
        "Deletion protection on the load balancers, and Pulumi `protect` plus `retainOnDelete` on stateful resources (load balancers, ECR repositories, access-log buckets, queues), so that a destroy or a removed declaration leaves them in place.",
      ),
    tags: tagMap
      .default({})
      .describe(
        "Extra AWS tags on every resource, beside the Project, Environment, Stack and ManagedBy tags the program sets (a key given here wins). Keys are 1 to 128 characters, values at most 256, both of letters, digits, spaces and `_ . : / = + - @` (what ECS and ELB accept), neither starting with `aws:`; at most 42 beside the program's 4 (AWS allows 50 per resource).",
      ),
    network: networkSchema(environment),
    cluster: clusterSchema(environment),
    registry: registrySchema(environment),
    workers: workersSchema(environment),
    services: servicesSchema(environment),
    databases: databasesSchema(environment),
    tables: tablesSchema(),
    caches: cachesSchema(environment),
    alerts: alertsSchema(environment),
    waf: wafSchema(environment),
    ruleWaivers: ruleWaiversSchema(),
    schedule: scheduleSchema(environment),
    kms: kmsSchema(environment),
  })
    .superRefine(checkServicesAgainstStack)
    .superRefine(checkWorkerRepositories)
    .superRefine(checkQueueProducers)
    .superRefine(checkDataStoreUses);
}

export type ProjectConfig = z.output<ReturnType<typeof buildStackSchema>>;
