/**
 * The cost model of the data stores: RDS instances (hours, storage, backups beyond the free
 * allowance, the RDS-managed password secret), DynamoDB tables (on-demand requests, storage, PITR
 * under the stated assumptions) and ElastiCache (node hours, or serverless GB-hours and ECPUs).
 * Prices by key from prices.json; a class the table lacks makes its item unpriced, not guessed.
 */
import { charge, Context, unpriced } from "./cost-context";
import { list, num, obj, RecordedResource, str } from "./resources";
import { runningHours } from "./schedule";

export const DATA_TYPES = {
  dbInstance: "aws:rds/instance:Instance",
  table: "aws:dynamodb/table:Table",
  replicationGroup: "aws:elasticache/replicationGroup:ReplicationGroup",
  serverlessCache: "aws:elasticache/serverlessCache:ServerlessCache",
} as const;

/** Performance Insights keeps 7 days for free; longer retention is billed per vCPU. */
const FREE_PERFORMANCE_INSIGHTS_DAYS = 7;

/** The data a serverless cache is billed for at least (AWS ElastiCache pricing page). */
const SERVERLESS_MINIMUM_GB: Readonly<Record<string, number>> = { valkey: 0.1, redis: 1 };

function priceDatabase(db: RecordedResource, ctx: Context): void {
  // A stopped instance bills its storage, not its hours (off hours, plan/schedule.ts).
  const hours = runningHours(ctx.resources, db, ctx.assumptions.hoursPerMonth);
  const engine = str(db.inputs.engine) ?? "postgres";
  const instanceClass = str(db.inputs.instanceClass);
  const multiAz = db.inputs.multiAz === true;
  const az = multiAz ? "Multi-AZ" : "Single-AZ";
  if (instanceClass === undefined) {
    unpriced(ctx, db, "RDS instance hours: no instance class declared");
  } else {
    const key = `rds.${engine}.${instanceClass}.${multiAz ? "multiAzHour" : "hour"}`;
    charge(ctx, db, `RDS ${engine} ${instanceClass} ${az}, hours`, hours, key);
  }
  const storageGb = num(db.inputs.allocatedStorage);
  const storageType = str(db.inputs.storageType) ?? "gp2";
  if (storageGb === undefined) {
    unpriced(ctx, db, "RDS storage: no allocated storage declared");
  } else {
    const key = `rds.${storageType}.${multiAz ? "multiAzGbMonth" : "gbMonth"}`;
    charge(ctx, db, `RDS ${storageType} ${storageGb} GB ${az}`, storageGb, key);
    const retention = num(db.inputs.backupRetentionPeriod) ?? 0;
    const beyondFree = storageGb * ctx.assumptions.dbBackupBeyondFreeFraction;
    if (retention > 0 && beyondFree > 0) {
      const kept = `${retention} day${retention === 1 ? "" : "s"} kept`;
      const what = `RDS backups beyond the free ${storageGb} GB (${kept})`;
      charge(ctx, db, what, beyondFree, "rds.backup.gbMonth");
    }
  }
  const insightsDays = num(db.inputs.performanceInsightsRetentionPeriod) ?? 0;
  if (
    db.inputs.performanceInsightsEnabled === true &&
    insightsDays > FREE_PERFORMANCE_INSIGHTS_DAYS
  ) {
    unpriced(
      ctx,
      db,
      `Performance Insights ${insightsDays} days: long-term retention is billed per vCPU-month, which the price table lacks`,
    );
  }
  if (db.inputs.manageMasterUserPassword === true) {
    const what = "RDS-managed master password secret";
    charge(ctx, db, what, 1, "secretsmanager.secretMonth");
  }
}

function priceTable(table: RecordedResource, ctx: Context): void {
  const mode = str(table.inputs.billingMode) ?? "PROVISIONED";
  const name = str(table.inputs.name) ?? table.name;
  const indexes = list(table.inputs.globalSecondaryIndexes).length;
  // Every write to the table is written again to each global secondary index, which also stores
  // its projection: both scale with 1 + the number of indexes (an upper bound for projections).
  const copies = 1 + indexes;
  const withIndexes = indexes > 0 ? ` (table + ${indexes} index${indexes === 1 ? "" : "es"})` : "";
  const a = ctx.assumptions;
  if (mode === "PAY_PER_REQUEST") {
    const writes = a.dynamoWriteMillionsPerTable * copies;
    charge(
      ctx,
      table,
      `${name}: on-demand writes, millions${withIndexes}`,
      writes,
      "dynamodb.writeMillion",
    );
    const reads = a.dynamoReadMillionsPerTable;
    charge(ctx, table, `${name}: on-demand reads, millions`, reads, "dynamodb.readMillion");
  } else {
    unpriced(
      ctx,
      table,
      "provisioned capacity: the price table has no DynamoDB RCU/WCU-hour price",
      "dynamodb.wcuHour",
    );
  }
  const stored = a.dynamoGbPerTable * copies;
  charge(ctx, table, `${name}: storage${withIndexes}`, stored, "dynamodb.storage.gbMonth");
  if (obj(table.inputs.pointInTimeRecovery).enabled === true) {
    charge(ctx, table, `${name}: point-in-time recovery`, stored, "dynamodb.pitr.gbMonth");
  }
  if (table.inputs.streamEnabled === true) {
    unpriced(ctx, table, "stream reads: billed per read request by consumers other than Lambda");
  }
}

function snapshotsUnpriced(cache: RecordedResource, ctx: Context): void {
  if ((num(cache.inputs.snapshotRetentionLimit) ?? 0) > 0) {
    unpriced(ctx, cache, "cache snapshots: billed per GB-month of snapshots, not estimated");
  }
}

function priceReplicationGroup(group: RecordedResource, ctx: Context): void {
  const engine = str(group.inputs.engine) ?? "redis";
  const nodeType = str(group.inputs.nodeType);
  const shards = num(group.inputs.numNodeGroups);
  const nodes =
    num(group.inputs.numCacheClusters) ??
    (shards === undefined ? 1 : shards * (1 + (num(group.inputs.replicasPerNodeGroup) ?? 0)));
  if (nodeType === undefined) {
    unpriced(ctx, group, "ElastiCache nodes: no node type declared");
  } else {
    const what = `ElastiCache ${engine} ${nodeType} × ${nodes} nodes, hours`;
    const key = `elasticache.${engine}.${nodeType}.nodeHour`;
    charge(ctx, group, what, nodes * ctx.assumptions.hoursPerMonth, key);
  }
  snapshotsUnpriced(group, ctx);
}

function priceServerlessCache(cache: RecordedResource, ctx: Context): void {
  const engine = str(cache.inputs.engine) ?? "redis";
  const a = ctx.assumptions;
  const limit = num(obj(obj(cache.inputs.cacheUsageLimits).dataStorage).maximum);
  const minimum = SERVERLESS_MINIMUM_GB[engine] ?? 1;
  const gb = Math.max(minimum, Math.min(a.cacheGbStored, limit ?? Infinity));
  const key = `elasticache.serverless.${engine}`;
  const what = `ElastiCache Serverless ${engine}: ${gb} GB stored (${minimum} GB minimum)`;
  charge(ctx, cache, what, gb * a.hoursPerMonth, `${key}.gbHour`);
  const ecpus = `ElastiCache Serverless ${engine}: ECPUs, millions`;
  charge(ctx, cache, ecpus, a.cacheEcpuMillionsPerMonth, `${key}.ecpuMillion`);
  snapshotsUnpriced(cache, ctx);
}

/** The data stores' pricers, by resource type (spread into cost.ts's PRICERS). */
export const DATA_STORE_PRICERS = {
  [DATA_TYPES.dbInstance]: priceDatabase,
  [DATA_TYPES.table]: priceTable,
  [DATA_TYPES.replicationGroup]: priceReplicationGroup,
  [DATA_TYPES.serverlessCache]: priceServerlessCache,
};
