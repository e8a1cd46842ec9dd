import { z } from "zod";
import { Environment } from "./environment";
import { booleanFlag, intInRange, oneOf, resourceName, strictObject } from "./schema-helpers";
import { namedRecord } from "./task";

/**
 * `vitcord-infra:databases.<name>`: one RDS for PostgreSQL instance each (components/database.ts).
 *
 * RDS, not Aurora Serverless v2 (../shared/reference/aws-prices-data.md, us-east-1): a dev
 * db.t4g.micro Single-AZ costs $0.016/h ($11.68/month), while Aurora Serverless v2 bills
 * $0.12 per ACU-hour, so its 0.5 ACU floor is $43.80/month before storage and I/O (auto-pause
 * to 0 ACU exists on recent engine versions, but the first query after a pause waits for a
 * resume, which an API's health check and workers polling every few seconds would keep
 * triggering anyway). In prod a db.t4g.medium Multi-AZ ($0.130/h, $94.90/month, 4 GiB like
 * Heroku's Standard-0) is still below one ACU running all month ($87.60) plus a standby.
 * Aurora pays off for spiky load above a few ACUs; that is not this app's database today.
 */

/** The PostgreSQL major versions RDS offers for new instances; minor versions upgrade themselves. */
export const POSTGRES_MAJOR_VERSIONS = ["14", "15", "16", "17"] as const;
export type PostgresMajorVersion = (typeof POSTGRES_MAJOR_VERSIONS)[number];

/**
 * The instance classes RDS for PostgreSQL offers (Graviton and current Intel families, as the RDS
 * "Supported DB engines for DB instance classes" table lists them for PostgreSQL 14 to 17).
 */
const SIZES_BURSTABLE = ["micro", "small", "medium", "large", "xlarge", "2xlarge"];
const SIZES_GENERAL = ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"];
export const POSTGRES_INSTANCE_CLASSES: readonly string[] = [
  ...["t4g", "t3"].flatMap((family) => SIZES_BURSTABLE.map((size) => `db.${family}.${size}`)),
  ...["m7g", "m6g", "m6i", "m5", "r7g", "r6g", "r6i", "r5"].flatMap((family) =>
    SIZES_GENERAL.map((size) => `db.${family}.${size}`),
  ),
];

/** RDS's smallest gp3 volume for PostgreSQL, and its largest. */
export const POSTGRES_MIN_STORAGE_GIB = 20;
export const POSTGRES_MAX_STORAGE_GIB = 65536;
/**
 * Days between rotations of the RDS-managed master password, in dev and prod: RDS's own default
 * ("rotated every 7 days", RDS user guide, password management with Secrets Manager), now set
 * explicitly. A rotation costs one rolling deployment of the database's users (RotationRestart).
 */
export const DEFAULT_PASSWORD_ROTATION_DAYS = 7;
/** PostgreSQL's port. */
export const POSTGRES_PORT = 5432;

export interface DatabaseDefaults {
  readonly instanceClass: string;
  readonly allocatedStorageGiB: number;
  readonly maxAllocatedStorageGiB: number;
  readonly backupRetentionDays: number;
  readonly multiAz: boolean;
  readonly deletionProtection: boolean;
}

/** Cheap and disposable in dev; highly available, two weeks of point-in-time recovery in prod. */
export const DATABASE_DEFAULTS: Readonly<Record<Environment, DatabaseDefaults>> = {
  dev: {
    instanceClass: "db.t4g.micro",
    allocatedStorageGiB: 20,
    maxAllocatedStorageGiB: 100,
    backupRetentionDays: 1,
    multiAz: false,
    deletionProtection: false,
  },
  prod: {
    instanceClass: "db.t4g.medium",
    allocatedStorageGiB: 64,
    maxAllocatedStorageGiB: 500,
    backupRetentionDays: 14,
    multiAz: true,
    deletionProtection: true,
  },
};

// AWS: 1 to 63 letters, digits or underscores, starting with a letter, not a reserved word.
const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
const RESERVED_DATABASE_NAMES = ["postgres", "template0", "template1", "rdsadmin"];
const RESERVED_USERNAMES = [
  "rdsadmin",
  "rdsrepladmin",
  "rdstopmgr",
  "rds_superuser",
  "user",
  "public",
  "current_user",
  "session_user",
  "none",
];
const databaseNameMessage = `must be 1 to 63 letters, digits or underscores, starting with a letter, and not one of ${RESERVED_DATABASE_NAMES.join(", ")}`;
const usernameMessage = `must be 1 to 63 letters, digits or underscores, starting with a letter, not starting with pg_ and not one of ${RESERVED_USERNAMES.join(", ")}`;

const databaseNameSchema = z
  .string({ error: databaseNameMessage })
  .regex(IDENTIFIER, { error: databaseNameMessage })
  .refine((name) => !RESERVED_DATABASE_NAMES.includes(name.toLowerCase()), {
    error: databaseNameMessage,
  })
  .meta({ patternErrorMessage: databaseNameMessage });

const usernameSchema = z
  .string({ error: usernameMessage })
  .regex(IDENTIFIER, { error: usernameMessage })
  .refine(
    (name) =>
      !RESERVED_USERNAMES.includes(name.toLowerCase()) && !name.toLowerCase().startsWith("pg_"),
    { error: usernameMessage },
  )
  .meta({ patternErrorMessage: usernameMessage });

const instanceClassMessage = `must be an instance class RDS offers for PostgreSQL: ${POSTGRES_INSTANCE_CLASSES.join(", ")}`;
const instanceClassSchema = z
  .string({ error: instanceClassMessage })
  .refine((value) => POSTGRES_INSTANCE_CLASSES.includes(value), { error: instanceClassMessage })
  .meta({ enum: [...POSTGRES_INSTANCE_CLASSES] });

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const TIME = "([01]\\d|2[0-3]):[0-5]\\d";
const BACKUP_WINDOW = new RegExp(`^${TIME}-${TIME}$`);
const MAINTENANCE_WINDOW = new RegExp(`^(${DAYS.join("|")}):${TIME}-(${DAYS.join("|")}):${TIME}$`);

/** Minutes from the start of the week (Monday 00:00 UTC) of `ddd:hh:mm`, or of the day for `hh:mm`. */
function minutesOf(point: string): number {
  const parts = point.split(":");
  const [hours, minutes] = parts.slice(-2).map(Number) as [number, number];
  const day = parts.length === 3 ? DAYS.indexOf(parts[0]!) : 0;
  return day * 1440 + hours * 60 + minutes;
}

/** The length of a window in minutes, wrapping over midnight (daily) or Sunday (weekly). */
export function windowMinutes(window: string): number {
  const [start, end] = window.split("-") as [string, string];
  const period = start.split(":").length === 3 ? 7 * 1440 : 1440;
  return (minutesOf(end) - minutesOf(start) + period) % period;
}

const backupWindowMessage =
  "must be a daily UTC window hh:mm-hh:mm of at least 30 minutes, e.g. 03:00-03:30";
const maintenanceWindowMessage =
  "must be a weekly UTC window ddd:hh:mm-ddd:hh:mm of at least 30 minutes, e.g. sun:04:00-sun:04:30";

function databaseSchema(environment: Environment) {
  const defaults = DATABASE_DEFAULTS[environment];
  return strictObject({
    engineVersion: oneOf(POSTGRES_MAJOR_VERSIONS)
      .default("17")
      .describe(
        "The PostgreSQL major version, pinned: RDS applies minor versions itself in the maintenance window, a major upgrade is a deliberate change of this key.",
      ),
    instanceClass: instanceClassSchema
      .default(defaults.instanceClass)
      .describe(
        "The RDS instance class, one that RDS offers for PostgreSQL (dev: db.t4g.micro, prod: db.t4g.medium).",
      ),
    allocatedStorageGiB: intInRange(POSTGRES_MIN_STORAGE_GIB, POSTGRES_MAX_STORAGE_GIB, "GiB")
      .default(defaults.allocatedStorageGiB)
      .describe(
        "The initial gp3 volume; RDS's minimum for PostgreSQL on gp3 is 20 GiB. Storage autoscaling grows it up to `maxAllocatedStorageGiB`.",
      ),
    maxAllocatedStorageGiB: intInRange(
      POSTGRES_MIN_STORAGE_GIB + 1,
      POSTGRES_MAX_STORAGE_GIB,
      "GiB",
    )
      .default(defaults.maxAllocatedStorageGiB)
      .describe(
        "The ceiling of storage autoscaling; must be above `allocatedStorageGiB`. RDS never shrinks a volume.",
      ),
    backupRetentionDays: intInRange(1, 35, "days")
      .default(defaults.backupRetentionDays)
      .describe(
        "Days of automated backups and point-in-time recovery (RDS allows 1 to 35; 0, no backups, is not offered). Dev 1, prod 14.",
      ),
    backupWindow: z
      .string()
      .regex(BACKUP_WINDOW, { error: backupWindowMessage })
      .refine((w) => !BACKUP_WINDOW.test(w) || windowMinutes(w) >= 30, {
        error: backupWindowMessage,
      })
      .default("03:00-03:30")
      .meta({ patternErrorMessage: backupWindowMessage })
      .describe(
        "The daily backup window, UTC; RDS refuses one that overlaps the maintenance window.",
      ),
    maintenanceWindow: z
      .string()
      .regex(MAINTENANCE_WINDOW, { error: maintenanceWindowMessage })
      .refine((w) => !MAINTENANCE_WINDOW.test(w) || windowMinutes(w) >= 30, {
        error: maintenanceWindowMessage,
      })
      .default("sun:04:00-sun:04:30")
      .meta({ patternErrorMessage: maintenanceWindowMessage })
      .describe(
        "The weekly maintenance window, UTC, where RDS applies minor version upgrades and patches.",
      ),
    multiAz: booleanFlag
      .default(defaults.multiAz)
      .describe(
        "A synchronous standby in another zone that RDS fails over to (prod default; turning it off in prod is a rule violation the plan reports).",
      ),
    deletionProtection: booleanFlag
      .default(defaults.deletionProtection)
      .describe(
        "RDS deletion protection and a final snapshot when the instance is deleted (prod default).",
      ),
    performanceInsights: booleanFlag
      .default(true)
      .describe("Performance Insights with its free 7-day retention."),
    databaseName: databaseNameSchema
      .optional()
      .describe(
        "The database created in the instance; defaults to the entry's name with hyphens as underscores.",
      ),
    passwordRotationDays: intInRange(1, 365, "days")
      .default(DEFAULT_PASSWORD_ROTATION_DAYS)
      .describe(
        "Days between rotations of the master password RDS manages in Secrets Manager (RDS's own default is 7). After each rotation every web service and worker that uses the database gets a new deployment, so its tasks start with the new password (docs/components.md, Password rotation).",
      ),
    masterUsername: usernameSchema
      .default("app")
      .describe(
        "The master user the workloads connect as. Its password is generated and rotated by RDS in Secrets Manager, never in config or state.",
      ),
  }).superRefine((database, ctx) => {
    if (database.maxAllocatedStorageGiB <= database.allocatedStorageGiB) {
      ctx.addIssue({
        code: "custom",
        path: ["maxAllocatedStorageGiB"],
        message: `must be above allocatedStorageGiB (${database.allocatedStorageGiB}), the ceiling storage autoscaling grows to`,
      });
    }
  });
}

/** `vitcord-infra:databases`: database name → settings. */
export function databasesSchema(environment: Environment) {
  return namedRecord(
    resourceName,
    databaseSchema(environment).describe(
      "One PostgreSQL database: engine version, instance class, storage, backups, availability.",
    ),
    "is not a valid database name: lowercase letters, digits and single hyphens, starting with a letter, at most 20 characters (it names the RDS instance)",
  )
    .default({})
    .describe(
      "The PostgreSQL databases (RDS), by name: each is an encrypted, private instance with TLS forced and an RDS-managed password, reached only by the workloads that list it in `uses`.",
    );
}

export type DatabasesConfig = z.output<ReturnType<typeof databasesSchema>>;
export type DatabaseConfig = DatabasesConfig[string];
