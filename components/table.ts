import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { declaredAttributes, tableEnvironmentName, TableConfig } from "./config/tables";
import { DataAccess, DataStore, DataStoreGrant } from "./data-access";
import { PolicyStatement } from "./iam";
import { statefulResourceOptions } from "./options";

/** What a workload with read access may do: items, queries and scans, nothing that writes. */
export const TABLE_READ_ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:BatchGetItem",
  "dynamodb:Query",
  "dynamodb:Scan",
  "dynamodb:DescribeTable",
  "dynamodb:ConditionCheckItem",
] as const;

/** Read-write adds item writes; never table management (CreateTable, DeleteTable, UpdateTable). */
export const TABLE_WRITE_ACTIONS = [
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
] as const;

/** Reading the table's stream (a stream consumer such as a Lambda or KCL worker). */
export const STREAM_READ_ACTIONS = [
  "dynamodb:DescribeStream",
  "dynamodb:GetRecords",
  "dynamodb:GetShardIterator",
] as const;

/** What Application Auto Scaling sets on a provisioned table once it exists: the program leaves it. */
export const AUTOSCALED_CAPACITY = [
  "readCapacity",
  "writeCapacity",
  "globalSecondaryIndexes[*].readCapacity",
  "globalSecondaryIndexes[*].writeCapacity",
];

export interface DynamoTableArgs {
  /** The table's config (`vitcord-infra:tables.<name>`), validated. */
  readonly table: TableConfig;
  /** The table's name in AWS: `<stack>-<name>` (index.ts). */
  readonly tableName: string;
  /**
   * Deletion protection on the table, and Pulumi `protect` plus `retainOnDelete` (prod).
   * @default false
   */
  readonly protect?: boolean;
}

/** The statements a workload gets on a table: exactly its ARN, its indexes and its streams. */
export function tableStatements(
  arns: {
    table: pulumi.Input<string>;
    indexes: pulumi.Input<string>;
    streams?: pulumi.Input<string>;
  },
  access: DataAccess,
): PolicyStatement[] {
  const actions =
    access === "read" ? TABLE_READ_ACTIONS : [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS];
  const statements: PolicyStatement[] = [
    { Effect: "Allow", Action: [...actions], Resource: [arns.table, arns.indexes] },
  ];
  if (arns.streams !== undefined) {
    statements.push({ Effect: "Allow", Action: [...STREAM_READ_ACTIONS], Resource: arns.streams });
  }
  return statements;
}

/**
 * A DynamoDB table as its config says, with what every table gets: point-in-time recovery (35
 * days of restorable history), encryption at rest with the AWS owned key (DynamoDB encrypts every
 * table; the owned key costs nothing and needs no KMS grant), and in prod deletion protection
 * with Pulumi `protect`. On-demand by default; provisioned capacity comes with target-tracking
 * autoscaling on the table and each index.
 */
export class DynamoTable extends pulumi.ComponentResource implements DataStore {
  public readonly tableName: pulumi.Output<string>;
  public readonly arn: pulumi.Output<string>;
  public readonly streamArn: pulumi.Output<string> | undefined;
  private readonly storeName: string;

  constructor(name: string, args: DynamoTableArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vitcord:data:DynamoTable", name, {}, opts);
    const { table } = args;
    const protect = args.protect ?? false;
    const provisioned = table.capacity !== undefined && table.billing === "provisioned";
    const capacity = provisioned
      ? { readCapacity: table.capacity!.read.min, writeCapacity: table.capacity!.write.min }
      : {};

    const resource = new aws.dynamodb.Table(
      name,
      {
        name: args.tableName,
        billingMode: provisioned ? "PROVISIONED" : "PAY_PER_REQUEST",
        ...capacity,
        hashKey: table.partitionKey.name,
        rangeKey: table.sortKey?.name,
        attributes: [...declaredAttributes(table)].map(([attribute, type]) => ({
          name: attribute,
          type,
        })),
        globalSecondaryIndexes: Object.entries(table.indexes).map(([index, spec]) => ({
          name: index,
          keySchemas: [
            { attributeName: spec.partitionKey, keyType: "HASH" },
            ...(spec.sortKey === undefined
              ? []
              : [{ attributeName: spec.sortKey, keyType: "RANGE" }]),
          ],
          projectionType: spec.projection,
          nonKeyAttributes: spec.nonKeyAttributes,
          ...capacity,
        })),
        pointInTimeRecovery: { enabled: true },
        // `enabled: false` is DynamoDB's AWS owned key, not "unencrypted": every table is.
        serverSideEncryption: { enabled: false },
        ...(table.ttlAttribute === undefined
          ? {}
          : { ttl: { attributeName: table.ttlAttribute, enabled: true } }),
        ...(table.stream === undefined
          ? {}
          : { streamEnabled: true, streamViewType: table.stream }),
        deletionProtectionEnabled: protect,
      },
      // Autoscaling owns the capacity of a provisioned table once it exists.
      statefulResourceOptions(protect, {
        parent: this,
        ignoreChanges: provisioned ? AUTOSCALED_CAPACITY : [],
      }),
    );

    if (provisioned) this.autoscaling(name, resource, table);

    this.storeName = name;
    this.tableName = resource.name;
    this.arn = resource.arn;
    this.streamArn = table.stream === undefined ? undefined : resource.streamArn;
    this.registerOutputs({ tableName: this.tableName, arn: this.arn });
  }

  /**
   * The table's name as `<NAME>_TABLE`, and task-role statements on exactly this table, its
   * indexes and (read) its streams: never `dynamodb:*`, never a `*` resource.
   */
  grantTo(_workload: string, access: DataAccess): DataStoreGrant {
    return {
      store: this.storeName,
      environment: { [tableEnvironmentName(this.storeName)]: this.tableName },
      taskPolicyStatements: tableStatements(
        {
          table: this.arn,
          indexes: pulumi.interpolate`${this.arn}/index/*`,
          // The stream's ARN changes each time a stream is turned on: all of this table's.
          streams:
            this.streamArn === undefined ? undefined : pulumi.interpolate`${this.arn}/stream/*`,
        },
        access,
      ),
    };
  }

  /** Target tracking on read and write capacity, for the table and each of its indexes. */
  private autoscaling(name: string, resource: aws.dynamodb.Table, table: TableConfig): void {
    const capacity = table.capacity!;
    const scaled: [string, pulumi.Input<string>, "table" | "index"][] = [
      [name, pulumi.interpolate`table/${resource.name}`, "table"],
      ...Object.keys(table.indexes).map(
        (index): [string, pulumi.Input<string>, "table" | "index"] => [
          `${name}-${index}`,
          pulumi.interpolate`table/${resource.name}/index/${index}`,
          "index",
        ],
      ),
    ];
    for (const [prefix, resourceId, level] of scaled) {
      for (const [kind, metric] of [
        ["read", "Read"],
        ["write", "Write"],
      ] as const) {
        const target = new aws.appautoscaling.Target(
          `${prefix}-${kind}-scaling`,
          {
            serviceNamespace: "dynamodb",
            scalableDimension: `dynamodb:${level}:${metric}CapacityUnits`,
            resourceId,
            minCapacity: capacity[kind].min,
            maxCapacity: capacity[kind].max,
          },
          { parent: this },
        );
        new aws.appautoscaling.Policy(
          `${prefix}-${kind}-scale`,
          {
            policyType: "TargetTrackingScaling",
            serviceNamespace: target.serviceNamespace,
            scalableDimension: target.scalableDimension,
            resourceId: target.resourceId,
            targetTrackingScalingPolicyConfiguration: {
              targetValue: capacity.targetUtilization,
              predefinedMetricSpecification: {
                predefinedMetricType: `DynamoDB${metric}CapacityUtilization`,
              },
            },
          },
          { parent: this },
        );
      }
    }
  }
}

/** One `DynamoTable` per `vitcord-infra:tables` entry, by name, each named `<stack>-<name>`. */
export function dynamoTables(
  tables: Readonly<Record<string, TableConfig>>,
  stack: string,
  protect: boolean,
  opts: pulumi.ComponentResourceOptions = {},
): Record<string, DynamoTable> {
  return Object.fromEntries(
    Object.entries(tables).map(([name, table]) => [
      name,
      new DynamoTable(name, { table, tableName: `${stack}-${name}`, protect }, opts),
    ]),
  );
}
