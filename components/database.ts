import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DatabaseConfig, POSTGRES_PORT } from "./config/databases";
import { databaseVariablePrefix } from "./config/uses";
import { DataAccess, DataStore, DataStoreGrant } from "./data-access";
import { statefulResourceOptions } from "./options";
import { NetworkRef } from "./refs";

/** The PostgreSQL logs RDS exports to CloudWatch Logs (server log and major-upgrade log). */
export const POSTGRES_LOG_EXPORTS = ["postgresql", "upgrade"] as const;

/**
 * The RDS instance identifier of a database: `<stack>-<name>`, lowercased, with anything RDS
 * refuses (it takes letters, digits and single hyphens, starting with a letter) made a hyphen. It
 * is fixed rather than auto-named so that the log groups RDS exports to can be created first.
 */
export function databaseIdentifier(stack: string, name: string): string {
  const raw = `${stack}-${name}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-");
  const identifier = /^[a-z]/.test(raw) ? raw : `db-${raw}`;
  return identifier.slice(0, 63).replace(/-+$/, "");
}

/** The log group RDS writes one export to: `/aws/rds/instance/<identifier>/<log>`. */
export function rdsLogGroupName(identifier: string, log: string): string {
  return `/aws/rds/instance/${identifier}/${log}`;
}

export interface PostgresDatabaseArgs {
  /** The VPC: the instance goes in its private subnets. */
  readonly network: NetworkRef;
  /** The database's validated config (`vitcord-infra:databases.<name>`). */
  readonly database: DatabaseConfig;
  /** Days CloudWatch Logs keeps the exported PostgreSQL logs (the stack's retention). */
  readonly logRetentionDays: number;
  /**
   * The KMS key that encrypts the exported-log groups (the stack's key, components/kms.ts).
   * @default undefined (CloudWatch Logs' own encryption)
   */
  readonly logKmsKeyArn?: pulumi.Input<string>;
  /**
   * Pulumi `protect` and `retainOnDelete` on the instance (the stack's `deletionProtection`).
   * @default false
   */
  readonly protect?: boolean;
}

/**
 * One RDS for PostgreSQL instance: encrypted gp3 storage that autoscales, TLS forced, a password
 * RDS generates and rotates in Secrets Manager every `passwordRotationDays`, the pinned major version with automatic minor
 * upgrades, backups with point-in-time recovery, logs in CloudWatch Logs, and a security group
 * that admits only the workloads that `use` it (rules added by those workloads, `grantTo`).
 *
 * Private subnets, not a new tier of isolated ones: nothing in the internet can route into a
 * private subnet (its only way out is the NAT gateway, and the instance is never publicly
 * accessible), and the security group admits only its users' task groups and has no egress. An
 * isolated tier would add a subnet per zone and its route tables to a VPC whose address plan is
 * already laid out, for no reachability the security group does not already deny.
 */
export class PostgresDatabase extends pulumi.ComponentResource implements DataStore {
  public readonly identifier: string;
  public readonly address: pulumi.Output<string>;
  public readonly port: number = POSTGRES_PORT;
  public readonly databaseName: string;
  public readonly username: string;
  public readonly securityGroupId: pulumi.Output<string>;
  /** The RDS-managed secret holding `username` and `password` (JSON). */
  public readonly secretArn: pulumi.Output<string>;
  public readonly instance: aws.rds.Instance;

  constructor(
    private readonly storeName: string,
    args: PostgresDatabaseArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("vitcord:data:PostgresDatabase", storeName, args, opts);
    const name = storeName;
    const db = args.database;
    this.identifier = databaseIdentifier(pulumi.getStack(), name);
    this.databaseName = db.databaseName ?? name.replace(/-/g, "_");
    this.username = db.masterUsername;

    // No inline rules: the provider then removes AWS's default allow-all egress, and the only
    // ingress is the users' rules (aws.vpc.SecurityGroupIngressRule, one per workload).
    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-db-sg`,
      {
        vpcId: args.network.vpcId,
        description: `PostgreSQL ${name}: port ${POSTGRES_PORT} from the workloads that use it only`,
      },
      { parent: this },
    );
    this.securityGroupId = securityGroup.id;

    const subnetGroup = new aws.rds.SubnetGroup(
      `${name}-db-subnets`,
      {
        description: `Private subnets of the ${name} database`,
        subnetIds: args.network.privateSubnetIds,
      },
      { parent: this },
    );

    // RDS forces TLS on every connection: a client without sslmode=require is refused.
    const parameterGroup = new aws.rds.ParameterGroup(
      `${name}-db-params`,
      {
        family: `postgres${db.engineVersion}`,
        description: `PostgreSQL ${db.engineVersion} for ${name}: TLS forced`,
        parameters: [{ name: "rds.force_ssl", value: "1" }],
      },
      { parent: this },
    );

    // Created before the instance with the stack's retention; otherwise RDS creates them itself
    // on the first export, with no retention (kept forever) and outside the program.
    const logGroups = POSTGRES_LOG_EXPORTS.map(
      (log) =>
        new aws.cloudwatch.LogGroup(
          `${name}-db-${log}-logs`,
          {
            name: rdsLogGroupName(this.identifier, log),
            retentionInDays: args.logRetentionDays,
            kmsKeyId: args.logKmsKeyArn,
          },
          { parent: this },
        ),
    );

    this.instance = new aws.rds.Instance(
      `${name}-db`,
      {
        identifier: this.identifier,
        engine: "postgres",
        // A major version only: RDS picks the newest minor and upgrades minors in the window.
        engineVersion: db.engineVersion,
        autoMinorVersionUpgrade: true,
        instanceClass: db.instanceClass,
        storageType: "gp3",
        allocatedStorage: db.allocatedStorageGiB,
        maxAllocatedStorage: db.maxAllocatedStorageGiB,
        storageEncrypted: true,
        dbName: this.databaseName,
        username: this.username,
        // RDS generates the password into a Secrets Manager secret and rotates it; it is never
        // in config or in Pulumi's state.
        manageMasterUserPassword: true,
        dbSubnetGroupName: subnetGroup.name,
        vpcSecurityGroupIds: [securityGroup.id],
        parameterGroupName: parameterGroup.name,
        publiclyAccessible: false,
        multiAz: db.multiAz,
        backupRetentionPeriod: db.backupRetentionDays,
        backupWindow: db.backupWindow,
        maintenanceWindow: db.maintenanceWindow,
        copyTagsToSnapshot: true,
        deletionProtection: db.deletionProtection,
        skipFinalSnapshot: !db.deletionProtection,
        ...(db.deletionProtection ? { finalSnapshotIdentifier: `${this.identifier}-final` } : {}),
        performanceInsightsEnabled: db.performanceInsights,
        ...(db.performanceInsights ? { performanceInsightsRetentionPeriod: 7 } : {}),
        enabledCloudwatchLogsExports: [...POSTGRES_LOG_EXPORTS],
      },
      statefulResourceOptions(args.protect ?? false, { parent: this, dependsOn: logGroups }),
    );
    this.address = this.instance.address;
    this.secretArn = this.instance.masterUserSecrets.apply((secrets) => {
      const arn = secrets[0]?.secretArn;
      if (arn === undefined) throw new Error(`database ${name}: RDS returned no master secret`);
      return arn;
    });

    // The rotation schedule, set explicitly (RDS's default is every 7 days). An RDS-managed secret
    // is rotated by RDS, so no Lambda: the provider's rotationLambdaArn is optional "to support
    // modifying the rotation schedule of AWS-managed secrets" (terraform-provider-aws #34180). Its
    // rotate_immediately defaults to true (RotateSecret now): false waits for the schedule. Its
    // delete calls CancelRotateSecret, which would leave the password unrotated: deletedWith skips
    // that when the instance (and the secret RDS deletes with it) goes, and prod protects it like
    // the instance.
    new aws.secretsmanager.SecretRotation(
      `${name}-db-password-rotation`,
      {
        secretId: this.secretArn,
        rotateImmediately: false,
        rotationRules: { automaticallyAfterDays: db.passwordRotationDays },
      },
      statefulResourceOptions(args.protect ?? false, {
        parent: this,
        deletedWith: this.instance,
      }),
    );

    this.registerOutputs({
      identifier: this.identifier,
      address: this.address,
      securityGroupId: this.securityGroupId,
      secretArn: this.secretArn,
    });
  }

  /**
   * What a workload that uses this database gets: port 5432 from its task group, the connection
   * settings (`DATABASE_HOST`, `_PORT`, `_NAME`, `_USER` for `main`), the password from the
   * managed secret's `password` key as a secret, and read access to exactly that secret for its
   * execution role. A database has no finer access than that, so `access` is not used.
   */
  grantTo(workload: string, _access: DataAccess): DataStoreGrant {
    const prefix = databaseVariablePrefix(this.storeName);
    return {
      store: this.storeName,
      ingress: {
        securityGroupId: this.securityGroupId,
        port: this.port,
        description: `PostgreSQL ${this.storeName} from ${workload}`,
      },
      environment: {
        [`${prefix}_HOST`]: this.address,
        [`${prefix}_PORT`]: String(this.port),
        [`${prefix}_NAME`]: this.databaseName,
        [`${prefix}_USER`]: this.username,
      },
      secrets: { [`${prefix}_PASSWORD`]: pulumi.interpolate`${this.secretArn}:password::` },
      secretArns: [this.secretArn],
    };
  }
}
