import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { ConfigError, parseStackConfig } from "../components/config";
import { POSTGRES_INSTANCE_CLASSES, windowMinutes } from "../components/config/databases";
import { databaseVariablePrefix, resolveUse, storeVariables } from "../components/config/uses";
import { PROJECT_DIR, readStackConfig } from "../components/config/stack-files";
import { databaseUrl, springDatasourceUrl } from "../components/database-url";
import { runInvalid } from "./harness";

/** The committed stack config with some keys replaced (`services`, `databases`, …). */
function config(stack: string, changes: Record<string, unknown>): Record<string, string> {
  const raw = readStackConfig(stack);
  for (const [key, value] of Object.entries(changes))
    raw[`vitcord-infra:${key}`] = JSON.stringify(value);
  return raw;
}

/** The problems a change to a committed stack is rejected with. */
function problems(stack: string, changes: Record<string, unknown>): readonly string[] {
  try {
    parseStackConfig(stack, config(stack, changes));
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail("expected the config to be rejected");
}

function stackKey(stack: string, key: string): Record<string, Record<string, unknown>> {
  return JSON.parse(readStackConfig(stack)[`vitcord-infra:${key}`]!) as Record<
    string,
    Record<string, unknown>
  >;
}

/** dev's services with the api's `uses` (and optionally more keys) replaced. */
function apiUses(uses: unknown, extra: Record<string, unknown> = {}) {
  const services = stackKey("dev", "services");
  return { services: { ...services, api: { ...services.api, uses, ...extra } } };
}

/** dev's `main` database with some keys replaced. */
function mainDatabase(settings: Record<string, unknown>) {
  return { databases: { main: { ...stackKey("dev", "databases").main, ...settings } } };
}

const STORES = { databases: { main: {} }, tables: { events: {} }, caches: { sessions: {} } };

describe("uses: resolving items (pure)", () => {
  it("resolves a bare name to the one store of that name, readWrite", () => {
    assert.deepEqual(resolveUse("main", STORES), {
      kind: "database",
      name: "main",
      access: "readWrite",
    });
    assert.deepEqual(resolveUse("events", STORES), {
      kind: "table",
      name: "events",
      access: "readWrite",
    });
  });

  it("takes a table's access level, readWrite by default", () => {
    assert.deepEqual(resolveUse({ table: "events", access: "read" }, STORES), {
      kind: "table",
      name: "events",
      access: "read",
    });
    assert.deepEqual(resolveUse({ table: "events" }, STORES), {
      kind: "table",
      name: "events",
      access: "readWrite",
    });
  });

  it("says a bare name shared by two kinds is ambiguous", () => {
    const both = { databases: { main: {} }, caches: { main: {} } };
    assert.deepEqual(resolveUse("main", both), {
      path: [],
      problem:
        "names more than one store (databases.main, caches.main); write { database: main } instead",
    });
  });

  it("gives the conventional variables per kind", () => {
    assert.equal(databaseVariablePrefix("main"), "DATABASE");
    assert.equal(databaseVariablePrefix("analytics-v2"), "ANALYTICS_V2_DATABASE");
    assert.deepEqual(storeVariables("database", "main"), {
      environment: ["DATABASE_HOST", "DATABASE_PORT", "DATABASE_NAME", "DATABASE_USER"],
      secrets: ["DATABASE_PASSWORD"],
    });
    assert.deepEqual(storeVariables("table", "push-tokens"), {
      environment: ["PUSH_TOKENS_TABLE"],
      secrets: [],
    });
    assert.deepEqual(storeVariables("cache", "main"), {
      environment: ["REDIS_URL"],
      secrets: ["REDIS_AUTH_TOKEN"],
    });
    assert.deepEqual(storeVariables("cache", "sessions"), {
      environment: ["SESSIONS_REDIS_URL"],
      secrets: ["SESSIONS_REDIS_AUTH_TOKEN"],
    });
  });

  it("measures windows across midnight and across the week", () => {
    assert.equal(windowMinutes("03:00-03:30"), 30);
    assert.equal(windowMinutes("23:45-00:15"), 30);
    assert.equal(windowMinutes("sun:23:30-mon:00:10"), 40);
  });
});

describe("uses and databases: bad input, one message naming the key", () => {
  it("refuses a uses entry that names nothing configured, and declares nothing", async () => {
    const expected = [
      'vitcord-infra:services.api.uses.0 = "billing": must name a configured data store (databases: main; tables: notifications; caches: none)',
    ];
    assert.deepEqual(problems("dev", apiUses(["billing"])), expected);
    const { error, declared } = await runInvalid("dev", apiUses(["billing"]));
    assert.ok(error.message.includes(expected[0]!));
    assert.equal(declared, 0);
  });

  it("refuses { database: x } when x is not a database", () => {
    assert.deepEqual(problems("dev", apiUses([{ database: "notifications" }])), [
      'vitcord-infra:services.api.uses.0.database = "notifications": must name a database in vitcord-infra:databases (configured: main)',
    ]);
  });

  it("refuses an access level on a database", () => {
    assert.deepEqual(problems("dev", apiUses([{ database: "main", access: "read" }])), [
      'vitcord-infra:services.api.uses.0.access = "read": applies to tables only: a database or cache grants network access and its connection settings, nothing finer',
    ]);
  });

  it("refuses an item of no known shape", () => {
    assert.deepEqual(problems("dev", apiUses([{ queue: "jobs" }])), [
      'vitcord-infra:services.api.uses.0 = {"queue":"jobs"}: must be a data store\'s name, or { database: <name> }, { table: <name>, access: read | readWrite }, { cache: <name> }',
    ]);
  });

  it("refuses a store listed twice", () => {
    assert.deepEqual(problems("dev", apiUses(["main", { database: "main" }])), [
      'vitcord-infra:services.api.uses.1 = {"database":"main"}: lists the database main again (uses.0); list each store once',
    ]);
  });

  it("refuses a store name used by two kinds (a bare name must name one)", () => {
    const tables = stackKey("dev", "tables");
    assert.deepEqual(
      problems("dev", { tables: { ...tables, main: tables.notifications } }).slice(0, 1),
      [
        'vitcord-infra:tables.main = {"partitionKey":{"name":"userId","type":"S"},"sortKey":{"...: has the name of a database (databases.main); data store names must be unique across databases, tables and caches',
      ],
    );
  });

  it("refuses a workload variable that a store it uses also sets", () => {
    assert.deepEqual(
      problems("dev", apiUses(["main"], { environment: { DATABASE_HOST: "localhost" } })),
      [
        'vitcord-infra:services.api.environment.DATABASE_HOST = "localhost": is set by uses (the database main gives DATABASE_HOST); remove it or rename it',
      ],
    );
    const workers = stackKey("dev", "workers");
    const secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db";
    assert.deepEqual(
      problems("dev", {
        workers: { ...workers, jobs: { ...workers.jobs, secrets: { DATABASE_PASSWORD: secret } } },
      }),
      [
        `vitcord-infra:workers.jobs.secrets.DATABASE_PASSWORD = "${secret}": is set by uses (the database main gives DATABASE_PASSWORD); remove it or rename it`,
      ],
    );
  });

  it("refuses an instance class RDS does not offer for PostgreSQL", () => {
    const [problem] = problems("dev", mainDatabase({ instanceClass: "db.x9.huge" }));
    assert.equal(
      problem,
      `vitcord-infra:databases.main.instanceClass = "db.x9.huge": must be an instance class RDS offers for PostgreSQL: ${POSTGRES_INSTANCE_CLASSES.join(", ")}`,
    );
    assert.ok(POSTGRES_INSTANCE_CLASSES.includes("db.t4g.micro"));
    assert.ok(!POSTGRES_INSTANCE_CLASSES.includes("db.t2.micro"), "retired for PostgreSQL 14+");
  });

  it("refuses storage below the gp3 minimum and an autoscaling ceiling not above it", () => {
    assert.deepEqual(problems("dev", mainDatabase({ allocatedStorageGiB: 10 })), [
      "vitcord-infra:databases.main.allocatedStorageGiB = 10: must be a whole number from 20 to 65536 GiB",
    ]);
    assert.deepEqual(
      problems("dev", mainDatabase({ allocatedStorageGiB: 100, maxAllocatedStorageGiB: 100 })),
      [
        "vitcord-infra:databases.main.maxAllocatedStorageGiB = 100: must be above allocatedStorageGiB (100), the ceiling storage autoscaling grows to",
      ],
    );
  });

  it("refuses backup retention above 35 days (and 0, no backups)", () => {
    for (const days of [36, 0]) {
      assert.deepEqual(problems("dev", mainDatabase({ backupRetentionDays: days })), [
        `vitcord-infra:databases.main.backupRetentionDays = ${days}: must be a whole number from 1 to 35 days`,
      ]);
    }
  });

  it("refuses a database name AWS would reject, and names and users PostgreSQL reserves", () => {
    assert.deepEqual(problems("dev", { databases: { Main_DB: {} } }), [
      "vitcord-infra:databases.Main_DB = {}: is not a valid database name: lowercase letters, digits and single hyphens, starting with a letter, at most 20 characters (it names the RDS instance)",
    ]);
    assert.deepEqual(problems("dev", mainDatabase({ databaseName: "template1" })), [
      'vitcord-infra:databases.main.databaseName = "template1": must be 1 to 63 letters, digits or underscores, starting with a letter, and not one of postgres, template0, template1, rdsadmin',
    ]);
    assert.deepEqual(problems("dev", mainDatabase({ masterUsername: "rdsadmin" })), [
      'vitcord-infra:databases.main.masterUsername = "rdsadmin": must be 1 to 63 letters, digits or underscores, starting with a letter, not starting with pg_ and not one of rdsadmin, rdsrepladmin, rdstopmgr, rds_superuser, user, public, current_user, session_user, none',
    ]);
  });

  it("refuses malformed and too-short windows", () => {
    assert.deepEqual(problems("dev", mainDatabase({ backupWindow: "03:00-03:10" })), [
      'vitcord-infra:databases.main.backupWindow = "03:00-03:10": must be a daily UTC window hh:mm-hh:mm of at least 30 minutes, e.g. 03:00-03:30',
    ]);
    assert.deepEqual(problems("dev", mainDatabase({ maintenanceWindow: "sunday 4am" })), [
      'vitcord-infra:databases.main.maintenanceWindow = "sunday 4am": must be a weekly UTC window ddd:hh:mm-ddd:hh:mm of at least 30 minutes, e.g. sun:04:00-sun:04:30',
    ]);
  });

  it("refuses an engine major version RDS does not offer", () => {
    assert.deepEqual(problems("dev", mainDatabase({ engineVersion: "12" })), [
      'vitcord-infra:databases.main.engineVersion = "12": must be one of: 14, 15, 16, 17',
    ]);
  });
});

describe("the DATABASE_URL recipe (docs/components.md)", () => {
  const variables = {
    DATABASE_HOST: "prod-main.cabc.us-east-1.rds.amazonaws.com",
    DATABASE_PORT: "5432",
    DATABASE_NAME: "main",
    DATABASE_USER: "app",
    DATABASE_PASSWORD: "p@ss:w/rd#1?%",
  };

  it("builds one URL with the password percent-encoded and TLS required", () => {
    const url = databaseUrl(variables);
    assert.equal(
      url,
      "postgres://app:p%40ss%3Aw%2Frd%231%3F%25@prod-main.cabc.us-east-1.rds.amazonaws.com:5432/main?sslmode=require",
    );
    // What a client library reads back is the password itself.
    assert.equal(decodeURIComponent(new URL(url).password), variables.DATABASE_PASSWORD);
    assert.equal(new URL(url).hostname, variables.DATABASE_HOST);
  });

  it("reads another database's prefix, and names a missing variable", () => {
    assert.equal(
      springDatasourceUrl(
        {
          ANALYTICS_DATABASE_HOST: "h",
          ANALYTICS_DATABASE_PORT: "5432",
          ANALYTICS_DATABASE_NAME: "analytics",
        },
        "analytics",
      ),
      "jdbc:postgresql://h:5432/analytics?sslmode=require",
    );
    assert.throws(() => databaseUrl({ ...variables, DATABASE_PASSWORD: undefined }), {
      message: "DATABASE_PASSWORD is not set: the workload must list main in uses",
    });
  });

  it("is the recipe the docs give for Rails and Spring", () => {
    const page = readFileSync(path.join(PROJECT_DIR, "docs/components.md"), "utf8");
    for (const line of [
      'password: <%= ENV.fetch("DATABASE_PASSWORD").to_json %>',
      "sslmode: require",
      'ERB::Util.url_encode(ENV.fetch("DATABASE_PASSWORD"))',
      "spring.datasource.url=jdbc:postgresql://${DATABASE_HOST}:${DATABASE_PORT}/${DATABASE_NAME}?sslmode=require",
      "spring.datasource.password=${DATABASE_PASSWORD}",
    ]) {
      assert.ok(page.includes(line), `docs/components.md shows ${line}`);
    }
  });
});
