import * as assert from "node:assert/strict";
import { Assumptions, DEFAULT_ASSUMPTIONS } from "../plan/assumptions";
import { CostEstimate, estimateCost } from "../plan/cost";
import { cacheSummary, databaseSummary, dataStoreUsers, tableSummary } from "../plan/data-stores";
import { mermaidFlowchart } from "../plan/diagram";
import { estimateHeroku } from "../plan/heroku";
import { postgresPlanFor } from "../plan/heroku-addons";
import { buildInventory, renderInventory } from "../plan/inventory";
import { DEFAULT_PRICES, HEROKU_PRICES } from "../plan/price-table";
import {
  api,
  cache,
  database,
  dataStack,
  jobs,
  PROD_DATABASE,
  resource,
  smallStack,
  table,
} from "./plan-fixtures";

/** Round numbers, so every amount below can be checked by hand. */
const ASSUMPTIONS: Assumptions = {
  ...DEFAULT_ASSUMPTIONS.prod,
  dbBackupBeyondFreeFraction: 0.5,
  dynamoWriteMillionsPerTable: 10,
  dynamoReadMillionsPerTable: 100,
  dynamoGbPerTable: 4,
  cacheGbStored: 0.5,
  cacheEcpuMillionsPerMonth: 100,
};

function cost(resources = dataStack(), assumptions = ASSUMPTIONS): CostEstimate {
  return estimateCost(resources, { region: "us-east-1", assumptions });
}

/** item → monthly, for the lines of one component. */
function lines(estimate: CostEstimate, component: string): Record<string, number> {
  return Object.fromEntries(
    estimate.lines.filter((l) => l.component === component).map((l) => [l.item, l.monthly]),
  );
}

const DEV_DATABASE = {
  ...PROD_DATABASE,
  instanceClass: "db.t4g.micro",
  allocatedStorage: 20,
  multiAz: false,
  backupRetentionPeriod: 1,
  deletionProtection: false,
};

describe("plan: data stores", () => {
  describe("cost", () => {
    it("prices a Multi-AZ database: both instances' hours, storage twice, backups, its secret", () => {
      assert.deepEqual(lines(cost(), "main"), {
        "RDS postgres db.t4g.medium Multi-AZ, hours": 94.9, // 730 × 0.130
        "RDS gp3 64 GB Multi-AZ": 14.72, // 64 × 0.23
        "RDS backups beyond the free 64 GB (14 days kept)": 3.04, // 32 × 0.095
        "RDS-managed master password secret": 0.4,
      });
      const hours = cost().lines.find((l) => l.item.startsWith("RDS postgres"))!;
      assert.equal(hours.source, "rds-pages 2026-11-29 (unconfirmed)");
    });

    it("prices a Single-AZ database at the Single-AZ rates", () => {
      assert.deepEqual(lines(cost(dataStack(DEV_DATABASE)), "main"), {
        "RDS postgres db.t4g.micro Single-AZ, hours": 11.68, // 730 × 0.016
        "RDS gp3 20 GB Single-AZ": 2.3, // 20 × 0.115
        "RDS backups beyond the free 20 GB (1 day kept)": 0.95, // 10 × 0.095
        "RDS-managed master password secret": 0.4,
      });
    });

    it("leaves a class the table lacks unpriced, naming the missing price, never guessed", () => {
      const estimate = cost(dataStack({ ...PROD_DATABASE, instanceClass: "db.r7g.large" }));
      assert.equal(estimate.complete, false);
      assert.deepEqual(
        estimate.missingPrices.map((m) => m.key),
        ["rds.postgres.db.r7g.large.multiAzHour"],
      );
      assert.ok(
        estimate.unpriced.some(
          (u) =>
            u.reason ===
            "RDS postgres db.r7g.large Multi-AZ, hours: the price table has no rds.postgres.db.r7g.large.multiAzHour price for us-east-1",
        ),
      );
    });

    it("lists Performance Insights beyond its free 7 days as unpriced", () => {
      const long = { ...PROD_DATABASE, performanceInsightsRetentionPeriod: 731 };
      assert.deepEqual(
        cost(dataStack(long)).unpriced.map((u) => u.reason),
        [
          "Performance Insights 731 days: long-term retention is billed per vCPU-month, which the price table lacks",
        ],
      );
      assert.deepEqual(cost().unpriced, []);
    });

    it("prices an on-demand table's requests and storage, each index repeating writes and storage", () => {
      assert.deepEqual(lines(cost(), "notifications (DynamoTable)"), {
        "test-notifications: on-demand writes, millions (table + 1 index)": 12.5, // 20 × 0.625
        "test-notifications: on-demand reads, millions": 12.5, // 100 × 0.125
        "test-notifications: storage (table + 1 index)": 2, // 8 × 0.25
        "test-notifications: point-in-time recovery": 1.6, // 8 × 0.20
      });
    });

    it("leaves provisioned capacity unpriced (the table has no RCU/WCU price)", () => {
      const estimate = cost(dataStack(PROD_DATABASE, { billingMode: "PROVISIONED" }));
      assert.deepEqual(
        estimate.missingPrices.map((m) => m.key),
        ["dynamodb.wcuHour"],
      );
    });

    it("prices a serverless Valkey cache by GB-hour and ECPUs, never below its 100 MB minimum", () => {
      assert.deepEqual(lines(cost(), "sessions"), {
        "ElastiCache Serverless valkey: 0.5 GB stored (0.1 GB minimum)": 30.66, // 365 × 0.084
        "ElastiCache Serverless valkey: ECPUs, millions": 0.23, // 100 × 0.0023
      });
      const idle = cost(dataStack(), { ...ASSUMPTIONS, cacheGbStored: 0.01 });
      assert.equal(
        lines(idle, "sessions")["ElastiCache Serverless valkey: 0.1 GB stored (0.1 GB minimum)"],
        6.13, // 73 GB-hours × 0.084, the $6.13/month of components/cache.ts
      );
    });

    it("prices a node-based cache per node-hour and lists its snapshots as unpriced", () => {
      const group = resource(
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "sessions",
        {
          engine: "valkey",
          nodeType: "cache.t4g.micro",
          numCacheClusters: 2,
          snapshotRetentionLimit: 5,
        },
        cache,
      );
      const estimate = cost(dataStack(PROD_DATABASE, {}, group));
      assert.deepEqual(lines(estimate, "sessions"), {
        "ElastiCache valkey cache.t4g.micro × 2 nodes, hours": 18.69, // 1,460 × 0.0128
      });
      assert.deepEqual(
        estimate.unpriced.map((u) => u.reason),
        ["cache snapshots: billed per GB-month of snapshots, not estimated"],
      );
    });

    it("marks the prices the source could not confirm", () => {
      const get = (key: string) => DEFAULT_PRICES.get("us-east-1", key);
      assert.equal(get("rds.postgres.db.t4g.micro.hour")?.confirmed, true);
      assert.equal(get("rds.postgres.db.t4g.micro.multiAzHour")?.confirmed, false);
      assert.equal(get("rds.postgres.db.m7g.large.hour")?.confirmed, false);
      // Not found or conflicting in the source: absent, so unpriced.
      assert.equal(get("rds.postgres.db.m7g.large.multiAzHour"), undefined);
      assert.equal(get("rds.postgres.db.r7g.large.hour"), undefined);
    });
  });

  describe("inventory and diagram", () => {
    it("summarizes each store in one line", () => {
      const all = dataStack();
      const db = all.find((r) => r.type === "aws:rds/instance:Instance");
      const tbl = all.find((r) => r.type === "aws:dynamodb/table:Table");
      assert.equal(
        databaseSummary(db!),
        "PostgreSQL 17 db.t4g.medium Multi-AZ; gp3 64 GB (up to 500); backups 14 days; encrypted, private, deletion-protected, password managed by RDS",
      );
      assert.equal(
        tableSummary(tbl!),
        "DynamoDB test-notifications: userId (S) + sentAt (N); 1 index; on-demand; PITR, TTL expiresAt, deletion-protected",
      );
    });

    it("reads who uses a store from the ingress rules into its group and the policies on its ARN", () => {
      const all = dataStack();
      const membersOf = (parent: typeof database) => all.filter((r) => r.parentUrn === parent.urn);
      assert.deepEqual(dataStoreUsers(all, membersOf(database)), ["api", "jobs"]);
      assert.deepEqual(dataStoreUsers(all, membersOf(table)), ["api", "notifications"]);
      assert.deepEqual(dataStoreUsers(all, membersOf(cache)), ["api"]);
    });

    it("lists the stores with their kind, summary and users", () => {
      const inventory = buildInventory(dataStack());
      const stores = inventory.components.filter((c) => c.usedBy !== undefined);
      assert.deepEqual(
        stores.map((c) => [c.component, c.kind, c.usedBy]),
        [
          ["main", "database", ["api", "jobs"]],
          ["notifications", "table", ["api", "notifications"]],
          ["sessions", "cache", ["api"]],
        ],
      );
      const text = renderInventory(inventory).join("\n");
      assert.match(
        text,
        /\n {2}sessions \(RedisCache\): 2 resources\n {4}sessions: Valkey serverless \(up to 1 GB\); TLS\n {4}used by api\n/,
      );
    });

    it("draws each store and an edge from each of its users", () => {
      const all = [...smallStack(), ...dataStack().filter((r) => r !== api && r !== jobs)];
      const chart = mermaidFlowchart(all);
      assert.match(
        chart,
        /\n {6}database_main\[\("main database<br\/>PostgreSQL 17 db\.t4g\.medium Multi-AZ"\)\]\n/,
      );
      assert.match(
        chart,
        /\n {2}table_notifications\[\("notifications table<br\/>DynamoDB test-notifications: userId \(S\) \+ sentAt \(N\)"\)\]\n/,
      );
      for (const edge of [
        "svc_api --> database_main",
        "wrk_jobs --> database_main",
        "svc_api --> table_notifications",
        "svc_api --> cache_sessions",
      ]) {
        assert.ok(chart.includes(`\n  ${edge}\n`), edge);
      }
      assert.ok(!chart.includes("wrk_jobs --> cache_sessions"));
    });

    it("summarizes a node-based cache with its nodes, failover and encryption", () => {
      const group = resource("aws:elasticache/replicationGroup:ReplicationGroup", "c", {
        engine: "valkey",
        nodeType: "cache.t4g.small",
        numCacheClusters: 2,
        automaticFailoverEnabled: true,
        transitEncryptionEnabled: true,
        atRestEncryptionEnabled: true,
      });
      assert.equal(
        cacheSummary(group),
        "Valkey cache.t4g.small × 2 nodes, Multi-AZ failover; TLS, encrypted",
      );
    });
  });

  describe("Heroku comparison", () => {
    const plans = HEROKU_PRICES.postgres.plans;

    it("picks the cheapest Postgres plan with the memory, the storage and HA exactly when Multi-AZ", () => {
      const small = { memoryGb: 1, storageGb: 20, highAvailability: false };
      assert.equal(postgresPlanFor(small, plans)?.name, "Standard-0");
      const ha = { memoryGb: 4, storageGb: 64, highAvailability: true };
      assert.equal(postgresPlanFor(ha, plans)?.name, "Premium-0");
      // Standard-2's memory is not known: it is never matched by size.
      assert.equal(postgresPlanFor({ ...small, storageGb: 100 }, plans), undefined);
      assert.equal(postgresPlanFor({ ...small, memoryGb: undefined }, plans), undefined);
    });

    it("adds the database to the Common Runtime figure and lists it unpriced in the Private Space", () => {
      const heroku = estimateHeroku(dataStack());
      assert.deepEqual(heroku.commonRuntime.addons, [
        {
          store: "main",
          kind: "database",
          plan: "Postgres Premium-0",
          match: "4 GB RAM, 64 GB, HA for db.t4g.medium Multi-AZ, 64 GB",
          monthly: 200,
          confirmed: false,
          source: "heroku-addon-docs 2026-11-29 (unconfirmed)",
        },
      ]);
      assert.equal(heroku.commonRuntime.total, 200);
      assert.deepEqual(heroku.commonRuntime.unpriced, [
        "sessions (cache): Key-Value Store plan sizes are not in the price table",
      ]);
      assert.deepEqual(heroku.privateSpace.addons, []);
      assert.equal(heroku.privateSpace.total, 1000);
      assert.deepEqual(heroku.privateSpace.unpriced, [
        "main (database, db.t4g.medium Multi-AZ, 64 GB): Postgres: no Private-tier plan price was found (Heroku's price table was not readable)",
        "sessions (cache): Key-Value Store: no Private-tier plan price was found (Heroku's price table was not readable)",
      ]);
      assert.ok(
        heroku.notes.some((n) => n.startsWith("DynamoDB tables have no Heroku equivalent")),
      );
      assert.ok("heroku-postgres-plans" in heroku.sources);
    });
  });
});
