/**
 * The data stores as the plan shows them: a one-line summary of each database, table and cache,
 * and the workloads that use it. Who uses a store is read from what grants the access, not from
 * config: the ingress rules into a database's or cache's security group (from each user's task
 * group) and the IAM policies that name a table's ARN.
 */
import { DATA_TYPES } from "./cost-data";
import { findReferenced, list, num, obj, ownerOf, RecordedResource, str } from "./resources";

export type DataStoreKind = "database" | "table" | "cache";

const SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const POLICY_TYPES = ["aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy"];

function ofType(members: readonly RecordedResource[], ...types: string[]): RecordedResource[] {
  return members.filter((r) => types.includes(r.type));
}

/** The store a component holds, if it holds one. */
export function dataStoreOf(
  members: readonly RecordedResource[],
): { kind: DataStoreKind; store: RecordedResource } | undefined {
  const db = ofType(members, DATA_TYPES.dbInstance)[0];
  if (db !== undefined) return { kind: "database", store: db };
  const table = ofType(members, DATA_TYPES.table)[0];
  if (table !== undefined) return { kind: "table", store: table };
  const cache = ofType(members, DATA_TYPES.replicationGroup, DATA_TYPES.serverlessCache)[0];
  if (cache !== undefined) return { kind: "cache", store: cache };
  return undefined;
}

/** "PostgreSQL 16 db.t4g.small Multi-AZ, gp3 20 GB (up to 100), backups 14 days, …" */
export function databaseSummary(db: RecordedResource): string {
  const { inputs } = db;
  const engine = str(inputs.engine) === "postgres" ? "PostgreSQL" : (str(inputs.engine) ?? "?");
  const version = str(inputs.engineVersion) ?? "";
  const az = inputs.multiAz === true ? "Multi-AZ" : "Single-AZ";
  const parts = [
    `${engine} ${version} ${str(inputs.instanceClass) ?? "?"} ${az}`.replace("  ", " "),
  ];
  const gb = num(inputs.allocatedStorage);
  const max = num(inputs.maxAllocatedStorage);
  if (gb !== undefined) {
    const upTo = max !== undefined && max > gb ? ` (up to ${max})` : "";
    parts.push(`${str(inputs.storageType) ?? "gp2"} ${gb} GB${upTo}`);
  }
  const days = num(inputs.backupRetentionPeriod) ?? 0;
  parts.push(`backups ${days} day${days === 1 ? "" : "s"}`);
  const flags = [
    inputs.storageEncrypted === true ? "encrypted" : "NOT encrypted",
    inputs.publiclyAccessible === true ? "PUBLIC" : "private",
    ...(inputs.deletionProtection === true ? ["deletion-protected"] : []),
    ...(inputs.manageMasterUserPassword === true ? ["password managed by RDS"] : []),
  ];
  return [...parts, flags.join(", ")].join("; ");
}

function keyText(table: RecordedResource, name: unknown): string {
  const type = list(table.inputs.attributes)
    .map(obj)
    .find((a) => a.name === name)?.type;
  return `${str(name) ?? "?"} (${str(type) ?? "?"})`;
}

/** "DynamoDB vitcord-prod-notifications: userId (S) + sentAt (N); 1 index; on-demand; PITR; …" */
export function tableSummary(table: RecordedResource): string {
  const { inputs } = table;
  const range = inputs.rangeKey === undefined ? "" : ` + ${keyText(table, inputs.rangeKey)}`;
  const parts = [
    `DynamoDB ${str(inputs.name) ?? table.name}: ${keyText(table, inputs.hashKey)}${range}`,
  ];
  const indexes = list(inputs.globalSecondaryIndexes).length;
  if (indexes > 0) parts.push(`${indexes} index${indexes === 1 ? "" : "es"}`);
  parts.push(str(inputs.billingMode) === "PAY_PER_REQUEST" ? "on-demand" : "provisioned");
  const flags = [
    ...(obj(inputs.pointInTimeRecovery).enabled === true ? ["PITR"] : ["no PITR"]),
    ...(obj(inputs.ttl).enabled === true ? [`TTL ${str(obj(inputs.ttl).attributeName)}`] : []),
    ...(inputs.streamEnabled === true ? ["stream"] : []),
    ...(inputs.deletionProtectionEnabled === true ? ["deletion-protected"] : []),
  ];
  return [...parts, flags.join(", ")].join("; ");
}

/** "Valkey serverless (up to 1 GB)" or "Valkey 8.0 cache.t4g.micro × 2 nodes, Multi-AZ failover" */
export function cacheSummary(cache: RecordedResource): string {
  const { inputs } = cache;
  const engine = str(inputs.engine) === "valkey" ? "Valkey" : "Redis OSS";
  if (cache.type === DATA_TYPES.serverlessCache) {
    const max = num(obj(obj(inputs.cacheUsageLimits).dataStorage).maximum);
    return `${engine} serverless${max !== undefined ? ` (up to ${max} GB)` : ""}; TLS`;
  }
  const nodes = num(inputs.numCacheClusters) ?? 1;
  const failover = inputs.automaticFailoverEnabled === true ? ", Multi-AZ failover" : "";
  const parts = [
    `${engine} ${str(inputs.nodeType) ?? "?"} × ${nodes} node${nodes === 1 ? "" : "s"}${failover}`,
  ];
  const flags = [
    inputs.transitEncryptionEnabled === true ? "TLS" : "NO TLS",
    ...(inputs.atRestEncryptionEnabled === true ? ["encrypted"] : []),
  ];
  return [...parts, flags.join(", ")].join("; ");
}

export function dataStoreSummary(kind: DataStoreKind, store: RecordedResource): string {
  if (kind === "database") return databaseSummary(store);
  if (kind === "table") return tableSummary(store);
  return cacheSummary(store);
}

/** The components whose security groups an ingress rule into one of `members`' groups admits. */
function networkUsers(all: readonly RecordedResource[], members: readonly RecordedResource[]) {
  const groups = new Set(ofType(members, SECURITY_GROUP));
  const users: string[] = [];
  for (const rule of ofType(all, INGRESS_RULE)) {
    const target = findReferenced(all, SECURITY_GROUP, rule.inputs.securityGroupId);
    if (target === undefined || !groups.has(target)) continue;
    const source = findReferenced(all, SECURITY_GROUP, rule.inputs.referencedSecurityGroupId);
    if (source !== undefined && !groups.has(source)) users.push(ownerOf(all, source).name);
  }
  return users;
}

/** The components with an IAM policy that names the table's ARN (or its indexes'). */
function tableUsers(all: readonly RecordedResource[], table: RecordedResource): string[] {
  const arn = str(table.state.arn);
  if (arn === undefined) return [];
  return ofType(all, ...POLICY_TYPES)
    .filter((policy) => str(policy.inputs.policy)?.includes(JSON.stringify(arn)) === true)
    .map((policy) => ownerOf(all, policy).name);
}

/** The workloads that use a store, sorted, each once. */
export function dataStoreUsers(
  all: readonly RecordedResource[],
  members: readonly RecordedResource[],
): string[] {
  const found = dataStoreOf(members);
  if (found === undefined) return [];
  const users = found.kind === "table" ? tableUsers(all, found.store) : networkUsers(all, members);
  return [...new Set(users)].sort();
}
