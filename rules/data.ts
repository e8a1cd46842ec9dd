/**
 * Rules for the data stores: RDS PostgreSQL instances, DynamoDB tables and ElastiCache caches.
 * The control ids are Security Hub FSBP and Checkov ids (the security checklist has no data-store
 * rows; these are the controls' published ids).
 */
import { ResourceRule, StackFinding, StackRule } from "./types";
import { isKnown, isTrue, list, ofType, record, text, T, UNKNOWN } from "./util";

const BOTH = ["dev", "prod"] as const;

/** What AWS Backup and FSBP RDS.11 ask of production backups. */
export const MIN_PROD_BACKUP_DAYS = 7;

/** The PostgreSQL logs an instance must export (the connection and error log). */
const POSTGRES_LOG = "postgresql";

function isPostgres(instance: { inputs: Record<string, unknown> }): boolean {
  const engine = instance.inputs.engine;
  return typeof engine === "string" && engine.startsWith("postgres");
}

export const databaseEncrypted: ResourceRule = {
  scope: "resource",
  id: "VIT-RDS-01",
  title: "Databases encrypt their storage",
  controls: ["RDS.3", "CKV_AWS_16"],
  severity: "high",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.dbInstance],
  check: (db) => (isTrue(db.inputs.storageEncrypted) ? [] : ["storageEncrypted is not true"]),
};

export const databasePrivate: ResourceRule = {
  scope: "resource",
  id: "VIT-RDS-02",
  title: "Databases are not publicly accessible",
  controls: ["RDS.2", "CKV_AWS_17"],
  severity: "critical",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.dbInstance],
  check: (db) => (isTrue(db.inputs.publiclyAccessible) ? ["publiclyAccessible is true"] : []),
};

/** The parameter group an instance names, found by its name or id among the stack's groups. */
function parameterGroupOf(
  resources: Parameters<StackRule["check"]>[0],
  name: string,
): (typeof resources)[number] | undefined {
  return ofType(resources, T.dbParameterGroup).find((group) =>
    [group.inputs.name, group.outputs?.name, group.outputs?.id].includes(name),
  );
}

export const databaseTlsForced: StackRule = {
  scope: "stack",
  id: "VIT-RDS-03",
  title: "PostgreSQL databases force TLS (a parameter group with rds.force_ssl = 1)",
  controls: ["CKV2_AWS_69"],
  severity: "high",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.dbInstance],
  check(resources) {
    const findings: StackFinding[] = [];
    for (const db of ofType(resources, T.dbInstance).filter(isPostgres)) {
      const name = db.inputs.parameterGroupName;
      if (name === undefined) {
        findings.push({
          resource: db,
          message: "uses the default parameter group, which does not force TLS",
        });
        continue;
      }
      if (!isKnown(name)) continue;
      const group = parameterGroupOf(resources, text(name));
      // A group from outside the stack cannot be judged here.
      if (group === undefined) continue;
      const forceSsl = list(group.inputs.parameters)
        .map(record)
        .find((p) => p.name === "rds.force_ssl");
      if (forceSsl === undefined || String(forceSsl.value) !== "1") {
        findings.push({
          resource: db,
          message: `parameter group ${text(name)} does not set rds.force_ssl = 1 (it is ${text(forceSsl?.value)})`,
        });
      }
    }
    return findings;
  },
};

export const databaseBackups: ResourceRule = {
  scope: "resource",
  id: "VIT-RDS-04",
  title: `Production databases keep automated backups for at least ${MIN_PROD_BACKUP_DAYS} days`,
  controls: ["RDS.11", "CKV_AWS_133"],
  severity: "high",
  enforcement: "mandatory",
  environments: ["prod"],
  resourceTypes: [T.dbInstance],
  check(db) {
    const days = db.inputs.backupRetentionPeriod;
    if (days === UNKNOWN) return [];
    return Number(days) >= MIN_PROD_BACKUP_DAYS
      ? []
      : [`backupRetentionPeriod is ${text(days)}; at least ${MIN_PROD_BACKUP_DAYS} days in prod`];
  },
};

export const databaseMultiAz: ResourceRule = {
  scope: "resource",
  id: "VIT-RDS-05",
  title: "Production databases run Multi-AZ (a standby in a second AZ)",
  controls: ["RDS.5", "CKV_AWS_157"],
  severity: "high",
  enforcement: "mandatory",
  environments: ["prod"],
  resourceTypes: [T.dbInstance],
  check: (db) =>
    isTrue(db.inputs.multiAz) ? [] : ["multiAz is not true: one AZ outage takes the database down"],
};

export const databaseDeletionProtection: ResourceRule = {
  scope: "resource",
  id: "VIT-RDS-06",
  title: "Production databases have deletion protection",
  controls: ["RDS.8", "CKV_AWS_293"],
  severity: "high",
  enforcement: "mandatory",
  environments: ["prod"],
  resourceTypes: [T.dbInstance],
  check: (db) => (isTrue(db.inputs.deletionProtection) ? [] : ["deletionProtection is not true"]),
};

export const databaseLogsExported: ResourceRule = {
  scope: "resource",
  id: "VIT-RDS-07",
  title: "PostgreSQL databases export their logs to CloudWatch Logs",
  controls: ["RDS.9", "CKV_AWS_129"],
  severity: "medium",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.dbInstance],
  applies: isPostgres,
  check(db) {
    const exports = db.inputs.enabledCloudwatchLogsExports;
    if (exports === UNKNOWN) return [];
    return list(exports).includes(POSTGRES_LOG)
      ? []
      : [`enabledCloudwatchLogsExports does not include "${POSTGRES_LOG}"`];
  },
};

export const tablePointInTimeRecovery: ResourceRule = {
  scope: "resource",
  id: "VIT-DDB-01",
  title: "DynamoDB tables have point-in-time recovery",
  controls: ["DynamoDB.2", "CKV_AWS_28"],
  severity: "high",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.dynamoTable],
  check: (table) =>
    isTrue(record(table.inputs.pointInTimeRecovery).enabled)
      ? []
      : ["pointInTimeRecovery.enabled is not true"],
};

export const tableDeletionProtection: ResourceRule = {
  scope: "resource",
  id: "VIT-DDB-02",
  title: "Production DynamoDB tables have deletion protection",
  controls: ["DynamoDB.6"],
  severity: "high",
  enforcement: "mandatory",
  environments: ["prod"],
  resourceTypes: [T.dynamoTable],
  check: (table) =>
    isTrue(table.inputs.deletionProtectionEnabled) ? [] : ["deletionProtectionEnabled is not true"],
};

export const cacheEncryptedInTransit: ResourceRule = {
  scope: "resource",
  id: "VIT-EC-01",
  title: "Caches encrypt traffic in transit (TLS)",
  controls: ["ElastiCache.5", "CKV_AWS_30"],
  severity: "high",
  enforcement: "mandatory",
  environments: BOTH,
  // A serverless cache always uses TLS; only a replication group can turn it off.
  resourceTypes: [T.replicationGroup],
  check: (cache) =>
    isTrue(cache.inputs.transitEncryptionEnabled) ? [] : ["transitEncryptionEnabled is not true"],
};

export const cacheEncryptedAtRest: ResourceRule = {
  scope: "resource",
  id: "VIT-EC-02",
  title: "Caches encrypt their data at rest",
  controls: ["ElastiCache.4", "CKV_AWS_29"],
  severity: "high",
  enforcement: "mandatory",
  environments: BOTH,
  // A serverless cache is always encrypted at rest.
  resourceTypes: [T.replicationGroup],
  check: (cache) =>
    isTrue(cache.inputs.atRestEncryptionEnabled) ? [] : ["atRestEncryptionEnabled is not true"],
};

export const cacheAuthenticated: ResourceRule = {
  scope: "resource",
  id: "VIT-EC-03",
  title: "Caches require authentication (an auth token or RBAC user groups)",
  controls: ["ElastiCache.6", "CKV_AWS_31"],
  severity: "critical",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.replicationGroup, T.serverlessCache],
  check(cache) {
    const { inputs } = cache;
    if (cache.type === T.serverlessCache) {
      return inputs.userGroupId !== undefined ? [] : ["no userGroupId: anyone in the VPC connects"];
    }
    const token = inputs.authToken !== undefined && inputs.authToken !== "";
    const groups = list(inputs.userGroupIds).length > 0;
    return token || groups ? [] : ["neither authToken nor userGroupIds is set"];
  },
};

export const DATA_RULES = [
  databaseEncrypted,
  databasePrivate,
  databaseTlsForced,
  databaseBackups,
  databaseMultiAz,
  databaseDeletionProtection,
  databaseLogsExported,
  tablePointInTimeRecovery,
  tableDeletionProtection,
  cacheEncryptedInTransit,
  cacheEncryptedAtRest,
  cacheAuthenticated,
] as const;
