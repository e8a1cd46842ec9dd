import { z } from "zod";
import { ENVIRONMENT_DEFAULTS, ENVIRONMENTS, Environment, LOG_RETENTION_DAYS } from "./environment";
import { clusterSchema } from "./cluster";
import { networkSchema } from "./network";
import { checkServicesAgainstStack, servicesSchema } from "./service";
import { booleanFlag, oneOf, strictObject, tagMap } from "./schema-helpers";
import { checkQueueProducers, checkWorkerRepositories, workersSchema } from "./worker";

const logRetention = z
  .number()
  .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
    error: `must be one of the retention periods CloudWatch Logs accepts: ${LOG_RETENTION_DAYS.join(", ")}`,
  });

export const environmentSchema = oneOf(ENVIRONMENTS);

/**
 * The whole `vitcord-infra:*` configuration of one stack, with the defaults of its environment.
 * Every area (network, cluster, services, workers) has its own schema module; this composes them
 * and adds the checks that span areas.
 */
export function stackSchema(environment: Environment) {
  const defaults = ENVIRONMENT_DEFAULTS[environment];
  return strictObject({
    environment: environmentSchema,
    logRetentionDays: logRetention.default(defaults.logRetentionDays),
    deletionProtection: booleanFlag.default(defaults.deletionProtection),
    tags: tagMap.default({}),
    network: networkSchema(environment),
    cluster: clusterSchema(environment),
    workers: workersSchema(environment),
    services: servicesSchema(environment),
  })
    .superRefine(checkServicesAgainstStack)
    .superRefine(checkWorkerRepositories)
    .superRefine(checkQueueProducers);
}

export type ProjectConfig = z.output<ReturnType<typeof stackSchema>>;
