import * as assert from "node:assert/strict";
import { parseStackConfig } from "../components/config";
import { tableEnvironmentName } from "../components/config/tables";
import {
  STREAM_READ_ACTIONS,
  TABLE_READ_ACTIONS,
  TABLE_WRITE_ACTIONS,
  tableStatements,
} from "../components/table";
import { ProgramRun, runInvalid, runProgram, stackConfig } from "./harness";

const TABLE = "aws:dynamodb/table:Table";
const COMPONENT = "vitcord:data:DynamoTable";
const SCALING_TARGET = "aws:appautoscaling/target:Target";
const SCALING_POLICY = "aws:appautoscaling/policy:Policy";

const notifications = {
  partitionKey: { name: "userId", type: "S" },
  sortKey: { name: "createdAt", type: "S" },
};

/** The problems the program reports for dev's stack file with `tables.notifications` replaced. */
function problemsWith(table: unknown, others: Record<string, unknown> = {}): string[] {
  try {
    parseStackConfig("dev", stackConfig("dev", { tables: { notifications: table, ...others } }));
  } catch (error) {
    return (error as { problems: string[] }).problems;
  }
  throw new Error("expected the config to be rejected");
}

describe("DynamoTable", () => {
  let dev: ProgramRun;
  let prod: ProgramRun;
  before(async () => {
    dev = await runProgram("dev");
    prod = await runProgram("prod");
  });

  it("declares the notifications table in both stacks: keys, TTL, on-demand, PITR, the AWS owned key", () => {
    for (const [run, stack] of [
      [dev, "dev"],
      [prod, "prod"],
    ] as const) {
      const table = run.one(TABLE);
      assert.equal(table.parent?.type, COMPONENT);
      assert.equal(table.inputs.name, `${stack}-notifications`);
      assert.equal(table.inputs.billingMode, "PAY_PER_REQUEST");
      assert.equal(table.inputs.hashKey, "userId");
      assert.equal(table.inputs.rangeKey, "createdAt");
      assert.deepEqual(table.inputs.attributes, [
        { name: "userId", type: "S" },
        { name: "createdAt", type: "S" },
      ]);
      assert.deepEqual(table.inputs.ttl, { attributeName: "expiresAt", enabled: true });
      assert.deepEqual(table.inputs.pointInTimeRecovery, { enabled: true });
      // `enabled: false` is DynamoDB's AWS owned key: encrypted, with no KMS key to pay for.
      assert.deepEqual(table.inputs.serverSideEncryption, { enabled: false });
      assert.equal(table.inputs.streamEnabled, undefined);
      assert.equal(
        run.ofType(SCALING_TARGET).filter((t) => t.parent?.type === COMPONENT).length,
        0,
      );
    }
  });

  it("protects prod's table (deletion protection, protect, retainOnDelete) and not dev's", () => {
    const prodTable = prod.one(TABLE);
    assert.equal(prodTable.inputs.deletionProtectionEnabled, true);
    assert.equal(prodTable.protect, true);
    assert.equal(prodTable.retainOnDelete, true);
    const devTable = dev.one(TABLE);
    assert.equal(devTable.inputs.deletionProtectionEnabled, false);
    assert.notEqual(devTable.protect, true);
    assert.notEqual(devTable.retainOnDelete, true);
  });

  it("exports each table's name and ARN", () => {
    assert.deepEqual(prod.outputs.tables, {
      notifications: {
        tableName: "prod-notifications",
        arn: "arn:aws:dynamodb:us-east-1:123456789012:table/prod-notifications",
      },
    });
  });

  it("gives the notifications service its table's name and IAM on only its table and indexes", () => {
    for (const [run, stack] of [
      [dev, "dev"],
      [prod, "prod"],
    ] as const) {
      const arn = `arn:aws:dynamodb:us-east-1:123456789012:table/${stack}-notifications`;
      const taskPolicy = run.one("aws:iam/rolePolicy:RolePolicy", "notifications-task");
      const statements = (
        JSON.parse(taskPolicy.inputs.policy as string) as {
          Statement: { Action: string[]; Resource: string[] }[];
        }
      ).Statement.filter((s) => [s.Action].flat().some((a) => a.startsWith("dynamodb:")));
      assert.deepEqual(statements, [
        {
          Effect: "Allow",
          Action: [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS],
          Resource: [arn, `${arn}/index/*`],
        },
      ]);
      const definitions = JSON.parse(
        run.one("aws:ecs/taskDefinition:TaskDefinition", "notifications-task").inputs
          .containerDefinitions as string,
      ) as { environment: { name: string; value: string }[] }[];
      assert.deepEqual(
        definitions[0]!.environment.filter((e) => e.name === "NOTIFICATIONS_TABLE"),
        [{ name: "NOTIFICATIONS_TABLE", value: `${stack}-notifications` }],
      );
      // No other workload reaches the table.
      for (const policy of run.ofType("aws:iam/rolePolicy:RolePolicy")) {
        if (policy === taskPolicy) continue;
        assert.ok(!String(policy.inputs.policy).includes("dynamodb:"), policy.name);
      }
    }
  });

  it("with provisioned billing, sizes the table and its indexes and scales each on read and write", async () => {
    const run = await runProgram("dev", {
      tables: {
        notifications: {
          ...notifications,
          attributes: { status: "S" },
          indexes: {
            byStatus: {
              partitionKey: "status",
              sortKey: "createdAt",
              projection: "INCLUDE",
              nonKeyAttributes: ["title"],
            },
          },
          billing: "provisioned",
          capacity: {
            read: { min: 5, max: 50 },
            write: { min: 2, max: 20 },
            targetUtilization: 60,
          },
          stream: "NEW_AND_OLD_IMAGES",
        },
      },
    });
    const table = run.one(TABLE);
    assert.equal(table.inputs.billingMode, "PROVISIONED");
    assert.equal(table.inputs.readCapacity, 5);
    assert.equal(table.inputs.writeCapacity, 2);
    // Autoscaling owns the capacity of the table and its indexes once they exist.
    assert.deepEqual(table.ignoreChanges, [
      "readCapacity",
      "writeCapacity",
      "globalSecondaryIndexes[*].readCapacity",
      "globalSecondaryIndexes[*].writeCapacity",
    ]);
    assert.deepEqual(table.inputs.globalSecondaryIndexes, [
      {
        name: "byStatus",
        keySchemas: [
          { attributeName: "status", keyType: "HASH" },
          { attributeName: "createdAt", keyType: "RANGE" },
        ],
        projectionType: "INCLUDE",
        nonKeyAttributes: ["title"],
        readCapacity: 5,
        writeCapacity: 2,
      },
    ]);
    assert.equal(table.inputs.streamEnabled, true);
    assert.equal(table.inputs.streamViewType, "NEW_AND_OLD_IMAGES");

    const targets = run
      .ofType(SCALING_TARGET)
      .filter((t) => t.inputs.serviceNamespace === "dynamodb");
    assert.deepEqual(
      targets.map((t) => [
        t.inputs.resourceId,
        t.inputs.scalableDimension,
        t.inputs.minCapacity,
        t.inputs.maxCapacity,
      ]),
      [
        ["table/dev-notifications", "dynamodb:table:ReadCapacityUnits", 5, 50],
        ["table/dev-notifications", "dynamodb:table:WriteCapacityUnits", 2, 20],
        ["table/dev-notifications/index/byStatus", "dynamodb:index:ReadCapacityUnits", 5, 50],
        ["table/dev-notifications/index/byStatus", "dynamodb:index:WriteCapacityUnits", 2, 20],
      ],
    );
    const policies = run
      .ofType(SCALING_POLICY)
      .filter((p) => p.inputs.serviceNamespace === "dynamodb");
    assert.deepEqual(
      policies.map((p) => {
        const tracking = p.inputs.targetTrackingScalingPolicyConfiguration as {
          targetValue: number;
          predefinedMetricSpecification: { predefinedMetricType: string };
        };
        return [
          p.inputs.resourceId,
          tracking.predefinedMetricSpecification.predefinedMetricType,
          tracking.targetValue,
        ];
      }),
      [
        ["table/dev-notifications", "DynamoDBReadCapacityUtilization", 60],
        ["table/dev-notifications", "DynamoDBWriteCapacityUtilization", 60],
        ["table/dev-notifications/index/byStatus", "DynamoDBReadCapacityUtilization", 60],
        ["table/dev-notifications/index/byStatus", "DynamoDBWriteCapacityUtilization", 60],
      ],
    );
  });

  it("stops on a bad table, naming the key, and declares nothing", async () => {
    const { error, declared } = await runInvalid("dev", {
      tables: { notifications: { sortKey: notifications.sortKey } },
    });
    assert.equal(error.name, "ConfigError");
    assert.match(error.message, /vitcord-infra:tables\.notifications\.partitionKey is missing/);
    assert.equal(declared, 0);
  });
});

describe("table access", () => {
  const arns = { table: "arn:t", indexes: "arn:t/index/*" };

  it("read: item reads, queries and scans on the table and its indexes, nothing that writes", () => {
    assert.deepEqual(tableStatements(arns, "read"), [
      {
        Effect: "Allow",
        Action: [
          "dynamodb:GetItem",
          "dynamodb:BatchGetItem",
          "dynamodb:Query",
          "dynamodb:Scan",
          "dynamodb:DescribeTable",
          "dynamodb:ConditionCheckItem",
        ],
        Resource: ["arn:t", "arn:t/index/*"],
      },
    ]);
  });

  it("readWrite: adds item writes, never table management or dynamodb:*", () => {
    const [statement, ...others] = tableStatements(arns, "readWrite");
    assert.equal(others.length, 0);
    assert.deepEqual(statement!.Action, [
      ...TABLE_READ_ACTIONS,
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "dynamodb:BatchWriteItem",
    ]);
    for (const action of statement!.Action) {
      assert.doesNotMatch(action, /\*|:(Create|Delete|Update)Table$/);
    }
  });

  it("a table with a stream: its stream records are readable, on the table's streams only", () => {
    const statements = tableStatements({ ...arns, streams: "arn:t/stream/*" }, "read");
    assert.deepEqual(statements[1], {
      Effect: "Allow",
      Action: [...STREAM_READ_ACTIONS],
      Resource: "arn:t/stream/*",
    });
  });

  it("names the variable <NAME>_TABLE, upper-cased, with - and . as _", () => {
    assert.equal(tableEnvironmentName("notifications"), "NOTIFICATIONS_TABLE");
    assert.equal(tableEnvironmentName("user-events"), "USER_EVENTS_TABLE");
    assert.equal(tableEnvironmentName("audit.log"), "AUDIT_LOG_TABLE");
  });
});

describe("vitcord-infra:tables with a bad input", () => {
  const key = "vitcord-infra:tables.notifications";
  const cases: [string, unknown, string[], Record<string, unknown>?][] = [
    [
      "no partition key",
      { sortKey: notifications.sortKey },
      [
        `${key}.partitionKey is missing: must be the table's partition key: { name, type } with type S, N or B (every table has one)`,
      ],
    ],
    [
      "a key type other than S, N or B",
      { ...notifications, sortKey: { name: "createdAt", type: "STRING" } },
      [
        `${key}.sortKey.type = "STRING": must be S (string), N (number) or B (binary), the key types DynamoDB has`,
      ],
    ],
    [
      "an attribute type other than S, N or B",
      {
        ...notifications,
        attributes: { status: "BOOL" },
        indexes: { byStatus: { partitionKey: "status" } },
      },
      [
        `${key}.attributes.status = "BOOL": must be S (string), N (number) or B (binary), the key types DynamoDB has`,
      ],
    ],
    [
      "an index on an undeclared attribute",
      { ...notifications, indexes: { byStatus: { partitionKey: "status" } } },
      [
        `${key}.indexes.byStatus.partitionKey = "status": is not a declared attribute: declare its type in attributes (S, N or B) or use one of userId, createdAt`,
      ],
    ],
    [
      "a declared attribute no key uses",
      { ...notifications, attributes: { status: "S" } },
      [
        `${key}.attributes.status = "S": is not a key of any index; DynamoDB declares only key attributes (other attributes need no declaration)`,
      ],
    ],
    [
      "a table key declared again in attributes",
      { ...notifications, attributes: { userId: "S" } },
      [
        `${key}.attributes.userId = "S": is already declared as a key of the table; list here only attributes that are keys of an index alone`,
      ],
    ],
    [
      "the same attribute as partition and sort key",
      { ...notifications, sortKey: { name: "userId", type: "S" } },
      [`${key}.sortKey.name = "userId": must differ from the partition key's name`],
    ],
    [
      "INCLUDE without nonKeyAttributes",
      { ...notifications, indexes: { byUser: { partitionKey: "userId", projection: "INCLUDE" } } },
      [`${key}.indexes.byUser.nonKeyAttributes is missing: is required with projection INCLUDE`],
    ],
    [
      "nonKeyAttributes without INCLUDE",
      {
        ...notifications,
        indexes: { byUser: { partitionKey: "userId", nonKeyAttributes: ["title"] } },
      },
      [`${key}.indexes.byUser.nonKeyAttributes = ["title"]: applies only with projection INCLUDE`],
    ],
    [
      "a bad projection",
      { ...notifications, indexes: { byUser: { partitionKey: "userId", projection: "SOME" } } },
      [`${key}.indexes.byUser.projection = "SOME": must be one of: ALL, KEYS_ONLY, INCLUDE`],
    ],
    [
      "an index name DynamoDB refuses",
      { ...notifications, indexes: { by: { partitionKey: "userId" } } },
      [
        `${key}.indexes.by = {"partitionKey":"userId"}: must be 3 to 255 characters: letters, digits, underscores, hyphens and periods (what DynamoDB accepts)`,
      ],
    ],
    [
      "a TTL on a key that is not a number",
      { ...notifications, ttlAttribute: "createdAt" },
      [
        `${key}.ttlAttribute = "createdAt": names a key attribute of type S; TTL reads a number (epoch seconds), so DynamoDB would never expire an item`,
      ],
    ],
    [
      "provisioned billing without capacity",
      { ...notifications, billing: "provisioned" },
      [
        `${key}.capacity is missing: is required with billing: provisioned (read and write min and max)`,
      ],
    ],
    [
      "capacity with on-demand billing",
      { ...notifications, capacity: { read: { min: 1, max: 2 }, write: { min: 1, max: 2 } } },
      [
        `${key}.capacity = {"read":{"min":1,"max":2},"write":{"min":1,"max":2}}: applies only with billing: provisioned; on-demand tables have no capacity`,
      ],
    ],
    [
      "a capacity max below its min",
      {
        ...notifications,
        billing: "provisioned",
        capacity: { read: { min: 10, max: 5 }, write: { min: 1, max: 2 } },
      },
      [`${key}.capacity.read.max = 5: must be at least min (10)`],
    ],
    [
      "an unknown billing mode",
      { ...notifications, billing: "PAY_PER_REQUEST" },
      [`${key}.billing = "PAY_PER_REQUEST": must be one of: onDemand, provisioned`],
    ],
    [
      "an unknown stream view",
      { ...notifications, stream: "ALL" },
      [
        `${key}.stream = "ALL": must be one of: NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY`,
      ],
    ],
    [
      "a typo in a key",
      { ...notifications, ttl: "expiresAt" },
      [
        `${key}.ttl: unknown key; allowed keys here: partitionKey, sortKey, attributes, indexes, billing, capacity, ttlAttribute, stream`,
      ],
    ],
  ];
  for (const [what, table, expected] of cases) {
    it(`refuses ${what} with one message naming the key`, () => {
      assert.deepEqual(problemsWith(table), expected);
    });
  }

  it("refuses a table name DynamoDB (or its variable) would not take", () => {
    const nameMessage =
      "must be 3 to 128 characters: letters, digits, underscores, hyphens and periods, starting with a letter (DynamoDB's characters; upper-cased, the name also names the table's variable, e.g. NOTIFICATIONS_TABLE)";
    const shown = JSON.stringify(notifications).slice(0, 57);
    for (const name of ["ab", "my table", "1st", "x".repeat(129)]) {
      assert.deepEqual(problemsWith(notifications, { [name]: notifications }), [
        `vitcord-infra:tables.${name} = ${shown}...: ${nameMessage}`,
      ]);
    }
  });

  it("refuses two names that make the same variable", () => {
    assert.deepEqual(
      problemsWith(notifications, { "user-events": notifications, user_events: notifications }),
      [
        'vitcord-infra:tables.user_events = {"partitionKey":{"name":"userId","type":"S"},"sortKey":{"...: makes the same variable USER_EVENTS_TABLE as table user-events; rename one',
      ],
    );
  });
});
