/**
 * Hand-built data stores for the data-store rules (rules/data.ts, VIT-IAM-04): a compliant RDS
 * instance with its parameter group, a DynamoDB table and caches, and one change each that breaks
 * one rule. Spread into CASES by rules-fixtures.ts; kept apart because that file is long.
 */
import { RuleEnvironment, RuleResource } from "../rules";
import { T } from "../rules/util";

function res(type: string, name: string, inputs: Record<string, unknown>): RuleResource {
  return { type, name, urn: `urn:pulumi:test::vitcord-infra::${type}::${name}`, inputs };
}

const parameterGroup = (forceSsl: string | undefined) =>
  res(T.dbParameterGroup, "main-params", {
    name: "main-pg16",
    family: "postgres16",
    parameters:
      forceSsl === undefined
        ? [{ name: "log_min_duration_statement", value: "500" }]
        : [{ name: "rds.force_ssl", value: forceSsl, applyMethod: "pending-reboot" }],
  });

/** The database as prod declares it. */
const db = (inputs: Record<string, unknown> = {}) =>
  res(T.dbInstance, "main-db", {
    engine: "postgres",
    engineVersion: "16",
    instanceClass: "db.t4g.small",
    allocatedStorage: 20,
    storageEncrypted: true,
    publiclyAccessible: false,
    multiAz: true,
    deletionProtection: true,
    backupRetentionPeriod: 14,
    enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
    parameterGroupName: "main-pg16",
    manageMasterUserPassword: true,
    ...inputs,
  });

const table = (inputs: Record<string, unknown> = {}) =>
  res(T.dynamoTable, "notifications-table", {
    hashKey: "pk",
    attributes: [{ name: "pk", type: "S" }],
    billingMode: "PAY_PER_REQUEST",
    pointInTimeRecovery: { enabled: true },
    deletionProtectionEnabled: true,
    ...inputs,
  });

const replicationGroup = (inputs: Record<string, unknown> = {}) =>
  res(T.replicationGroup, "main-cache", {
    engine: "valkey",
    nodeType: "cache.t4g.micro",
    transitEncryptionEnabled: true,
    atRestEncryptionEnabled: true,
    authToken: "[secret]",
    ...inputs,
  });

const serverless = (inputs: Record<string, unknown> = {}) =>
  res(T.serverlessCache, "main-cache", { engine: "valkey", userGroupId: "ug-1", ...inputs });

const policy = (action: string | string[], resource: string | string[]) =>
  res(T.rolePolicy, "notifications-task", {
    policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: action, Resource: resource }],
    }),
  });
const TABLE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/vitcord-prod-notifications";

interface Cases {
  readonly environment?: RuleEnvironment;
  readonly good: readonly (readonly RuleResource[])[];
  readonly bad: readonly {
    readonly resources: readonly RuleResource[];
    readonly message: string;
  }[];
}

export const DATA_CASES: Readonly<Record<string, Cases>> = {
  "VIT-IAM-04": {
    good: [
      [policy(["dynamodb:GetItem", "dynamodb:Query"], [TABLE_ARN, `${TABLE_ARN}/index/*`])],
      [policy("ecr:GetAuthorizationToken", "*")],
    ],
    bad: [
      { resources: [policy("dynamodb:*", TABLE_ARN)], message: "allows dynamodb:*" },
      {
        resources: [policy(["dynamodb:GetItem"], "*")],
        message: 'allows dynamodb:GetItem on "*"',
      },
      {
        resources: [policy("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:123456789012:table/*")],
        message: 'allows dynamodb:PutItem on "arn:aws:dynamodb:us-east-1:123456789012:table/*"',
      },
      { resources: [policy("rds-db:connect", "*")], message: 'allows rds-db:connect on "*"' },
    ],
  },
  "VIT-RDS-01": {
    good: [[db()]],
    bad: [
      { resources: [db({ storageEncrypted: false })], message: "storageEncrypted is not true" },
      {
        resources: [db({ storageEncrypted: undefined })],
        message: "storageEncrypted is not true",
      },
    ],
  },
  "VIT-RDS-02": {
    good: [[db()], [db({ publiclyAccessible: undefined })]],
    bad: [{ resources: [db({ publiclyAccessible: true })], message: "publiclyAccessible is true" }],
  },
  "VIT-RDS-03": {
    good: [
      [db(), parameterGroup("1")],
      // A group the stack does not declare cannot be judged.
      [db({ parameterGroupName: "shared-pg16" }), parameterGroup("1")],
      [db({ engine: "mysql", parameterGroupName: undefined })],
    ],
    bad: [
      {
        resources: [db(), parameterGroup("0")],
        message: "parameter group main-pg16 does not set rds.force_ssl = 1 (it is 0)",
      },
      {
        resources: [db(), parameterGroup(undefined)],
        message: "parameter group main-pg16 does not set rds.force_ssl = 1 (it is unset)",
      },
      {
        resources: [db({ parameterGroupName: undefined })],
        message: "uses the default parameter group, which does not force TLS",
      },
    ],
  },
  "VIT-RDS-04": {
    environment: "prod",
    good: [[db()], [db({ backupRetentionPeriod: 7 })]],
    bad: [
      {
        resources: [db({ backupRetentionPeriod: 1 })],
        message: "backupRetentionPeriod is 1; at least 7 days in prod",
      },
      {
        resources: [db({ backupRetentionPeriod: undefined })],
        message: "backupRetentionPeriod is unset; at least 7 days in prod",
      },
    ],
  },
  "VIT-RDS-05": {
    environment: "prod",
    good: [[db()]],
    bad: [
      {
        resources: [db({ multiAz: false })],
        message: "multiAz is not true: one AZ outage takes the database down",
      },
    ],
  },
  "VIT-RDS-06": {
    environment: "prod",
    good: [[db()]],
    bad: [
      { resources: [db({ deletionProtection: false })], message: "deletionProtection is not true" },
    ],
  },
  "VIT-RDS-07": {
    good: [[db()], [db({ enabledCloudwatchLogsExports: ["postgresql"] })]],
    bad: [
      {
        resources: [db({ enabledCloudwatchLogsExports: ["upgrade"] })],
        message: 'enabledCloudwatchLogsExports does not include "postgresql"',
      },
      {
        resources: [db({ enabledCloudwatchLogsExports: undefined })],
        message: 'enabledCloudwatchLogsExports does not include "postgresql"',
      },
    ],
  },
  "VIT-DDB-01": {
    good: [[table()]],
    bad: [
      {
        resources: [table({ pointInTimeRecovery: { enabled: false } })],
        message: "pointInTimeRecovery.enabled is not true",
      },
      {
        resources: [table({ pointInTimeRecovery: undefined })],
        message: "pointInTimeRecovery.enabled is not true",
      },
    ],
  },
  "VIT-DDB-02": {
    environment: "prod",
    good: [[table()]],
    bad: [
      {
        resources: [table({ deletionProtectionEnabled: false })],
        message: "deletionProtectionEnabled is not true",
      },
    ],
  },
  "VIT-EC-01": {
    good: [[replicationGroup()]],
    bad: [
      {
        resources: [replicationGroup({ transitEncryptionEnabled: false })],
        message: "transitEncryptionEnabled is not true",
      },
    ],
  },
  "VIT-EC-02": {
    good: [[replicationGroup()]],
    bad: [
      {
        resources: [replicationGroup({ atRestEncryptionEnabled: undefined })],
        message: "atRestEncryptionEnabled is not true",
      },
    ],
  },
  "VIT-EC-03": {
    good: [
      [replicationGroup()],
      [replicationGroup({ authToken: undefined, userGroupIds: ["ug-1"] })],
      [serverless()],
    ],
    bad: [
      {
        resources: [replicationGroup({ authToken: undefined })],
        message: "neither authToken nor userGroupIds is set",
      },
      {
        resources: [serverless({ userGroupId: undefined })],
        message: "no userGroupId: anyone in the VPC connects",
      },
    ],
  },
};
