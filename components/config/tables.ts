import { z } from "zod";
import { namedRecord } from "./task";
import { intInRange, oneOf, strictObject } from "./schema-helpers";

/**
 * `vitcord-infra:tables.<name>`: DynamoDB tables. Key attributes are declared with their types
 * once (the table's keys, plus `attributes` for keys only an index uses), as DynamoDB's
 * AttributeDefinitions are; an index names its keys. So an index on an undeclared attribute, or
 * a declared attribute no key uses (DynamoDB refuses both), is caught here with the key named.
 */

/** DynamoDB's key attribute types: string, number, binary. */
export const KEY_TYPES = ["S", "N", "B"] as const;
export const STREAM_VIEWS = ["NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"] as const;
export const PROJECTIONS = ["ALL", "KEYS_ONLY", "INCLUDE"] as const;
/** DynamoDB's quota of global secondary indexes per table. */
export const MAX_INDEXES = 20;
/**
 * The table is named `<stack>-<name>`: Pulumi stack names are at most 100 characters, so a name
 * of at most 128 keeps the whole within DynamoDB's 255.
 */
export const TABLE_NAME_MAX_LENGTH = 128;

const keyTypeMessage = "must be S (string), N (number) or B (binary), the key types DynamoDB has";
const keyType = z.enum(KEY_TYPES, { error: keyTypeMessage });

const attributeNameMessage = "must be an attribute name of 1 to 255 characters";
const attributeName = z
  .string({ error: attributeNameMessage })
  .min(1, { error: attributeNameMessage })
  .max(255, { error: attributeNameMessage });

/** A key attribute `{ name, type }`; `missing` is the message when it is absent or not an object. */
function keySchema(missing: string) {
  return z.strictObject(
    {
      name: attributeName.describe("The attribute's name. Required."),
      type: keyType.describe("`S` (string), `N` (number) or `B` (binary). Required."),
    },
    {
      error: (issue) =>
        issue.code === "unrecognized_keys"
          ? "unknown key; allowed keys here: name, type"
          : issue.code === "invalid_type"
            ? missing
            : undefined,
    },
  );
}

const tableNameMessage = `must be 3 to ${TABLE_NAME_MAX_LENGTH} characters: letters, digits, underscores, hyphens and periods, starting with a letter (DynamoDB's characters; upper-cased, the name also names the table's variable, e.g. NOTIFICATIONS_TABLE)`;
const tableName = z
  .string()
  .regex(new RegExp(`^[A-Za-z][A-Za-z0-9_.-]{2,${TABLE_NAME_MAX_LENGTH - 1}}$`), {
    error: tableNameMessage,
  })
  .meta({ patternErrorMessage: tableNameMessage });

const indexNameMessage =
  "must be 3 to 255 characters: letters, digits, underscores, hyphens and periods (what DynamoDB accepts)";
const indexName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{3,255}$/, { error: indexNameMessage })
  .meta({ patternErrorMessage: indexNameMessage });

const indexSchema = strictObject({
  partitionKey: attributeName.describe(
    "The index's partition key: one of the table's keys or an attribute declared in `attributes`. Required.",
  ),
  sortKey: attributeName
    .optional()
    .describe("The index's sort key: one of the table's keys or an attribute in `attributes`."),
  projection: oneOf(PROJECTIONS)
    .default("ALL")
    .describe(
      "Which attributes the index copies: `ALL`, `KEYS_ONLY` (the table's and the index's keys), or `INCLUDE` (the keys and `nonKeyAttributes`).",
    ),
  nonKeyAttributes: z
    .array(attributeName, { error: "must be a list of attribute names" })
    .min(1, { error: "must name at least one attribute" })
    .max(100, { error: "must name at most 100 attributes (DynamoDB's limit)" })
    .optional()
    .describe("The attributes an `INCLUDE` index copies beside the keys; only with `INCLUDE`."),
});

const capacitySchema = strictObject({
  min: intInRange(1, 40000, "capacity units").describe(
    "The fewest capacity units autoscaling keeps (and the table's capacity at creation). Required.",
  ),
  max: intInRange(1, 40000, "capacity units").describe(
    "The most capacity units autoscaling may set; at least `min`. Required.",
  ),
});

const tableObject = strictObject({
  partitionKey: keySchema(
    "must be the table's partition key: { name, type } with type S, N or B (every table has one)",
  ).describe("The table's partition (hash) key: name and type. Required."),
  sortKey: keySchema("must be the table's sort key: { name, type } with type S, N or B")
    .optional()
    .describe("The table's sort (range) key: name and type."),
  attributes: namedRecord(attributeName, keyType, "attribute names must be 1 to 255 characters")
    .default({})
    .describe(
      "Attributes that are keys of an index only, with their types (`S`, `N` or `B`); the table's own keys are declared by `partitionKey` and `sortKey`.",
    ),
  indexes: namedRecord(
    indexName,
    indexSchema.describe(
      "One global secondary index: its partition key, optional sort key and projection.",
    ),
    indexNameMessage,
  )
    .refine((indexes) => Object.keys(indexes).length <= MAX_INDEXES, {
      error: `must have at most ${MAX_INDEXES} indexes (DynamoDB's quota per table)`,
    })
    .default({})
    .describe(
      "Global secondary indexes, by name: their keys and projection. With provisioned billing each index gets the table's capacity and autoscaling.",
    ),
  billing: oneOf(["onDemand", "provisioned"])
    .default("onDemand")
    .describe(
      "`onDemand`: pay per request, nothing to size (best for unknown or spiky traffic). `provisioned`: capacity units per second with autoscaling, set in `capacity` (cheaper for steady, predictable traffic).",
    ),
  capacity: strictObject({
    read: capacitySchema.describe("Read capacity units per second: `min` and `max`. Required."),
    write: capacitySchema.describe("Write capacity units per second: `min` and `max`. Required."),
    targetUtilization: intInRange(20, 90, "percent")
      .default(70)
      .describe("The consumed share of capacity autoscaling keeps, in percent."),
  })
    .optional()
    .describe("Provisioned capacity and its autoscaling; required with `billing: provisioned`."),
  ttlAttribute: attributeName
    .optional()
    .describe(
      "The attribute holding each item's expiry time (epoch seconds, a number); DynamoDB deletes expired items at no cost.",
    ),
  stream: oneOf(STREAM_VIEWS)
    .optional()
    .describe(
      "A DynamoDB stream of item changes, with what each record carries (`NEW_IMAGE`, `OLD_IMAGE`, `NEW_AND_OLD_IMAGES` or `KEYS_ONLY`). The workloads that use the table may read it.",
    ),
});

const tableSchema = tableObject.superRefine(checkTable);

export type TableConfig = z.output<typeof tableObject>;

/** The attributes the table declares with their types: its keys and `attributes`. */
export function declaredAttributes(
  table: Pick<TableConfig, "partitionKey" | "sortKey" | "attributes">,
) {
  const declared = new Map<string, string>();
  declared.set(table.partitionKey.name, table.partitionKey.type);
  if (table.sortKey !== undefined) declared.set(table.sortKey.name, table.sortKey.type);
  for (const [name, type] of Object.entries(table.attributes)) declared.set(name, type);
  return declared;
}

function checkTable(table: TableConfig, ctx: z.core.$RefinementCtx<TableConfig>): void {
  const problem = (path: PropertyKey[], message: string) =>
    ctx.addIssue({ code: "custom", path, message });
  const keys = [table.partitionKey.name, ...(table.sortKey ? [table.sortKey.name] : [])];
  if (table.sortKey !== undefined && table.sortKey.name === table.partitionKey.name) {
    problem(["sortKey", "name"], "must differ from the partition key's name");
  }
  for (const name of Object.keys(table.attributes)) {
    if (keys.includes(name)) {
      problem(
        ["attributes", name],
        "is already declared as a key of the table; list here only attributes that are keys of an index alone",
      );
    }
  }
  const declared = declaredAttributes(table);
  const used = new Set(keys);
  const declaredWords = [...declared.keys()].join(", ");
  for (const [index, spec] of Object.entries(table.indexes)) {
    for (const role of ["partitionKey", "sortKey"] as const) {
      const attribute = spec[role];
      if (attribute === undefined) continue;
      used.add(attribute);
      if (!declared.has(attribute)) {
        problem(
          ["indexes", index, role],
          `is not a declared attribute: declare its type in attributes (S, N or B) or use one of ${declaredWords}`,
        );
      }
    }
    if (spec.sortKey !== undefined && spec.sortKey === spec.partitionKey) {
      problem(["indexes", index, "sortKey"], "must differ from the index's partition key");
    }
    if (spec.projection === "INCLUDE" && spec.nonKeyAttributes === undefined) {
      problem(["indexes", index, "nonKeyAttributes"], "is required with projection INCLUDE");
    }
    if (spec.projection !== "INCLUDE" && spec.nonKeyAttributes !== undefined) {
      problem(["indexes", index, "nonKeyAttributes"], "applies only with projection INCLUDE");
    }
  }
  for (const name of Object.keys(table.attributes)) {
    if (!keys.includes(name) && !used.has(name)) {
      problem(
        ["attributes", name],
        "is not a key of any index; DynamoDB declares only key attributes (other attributes need no declaration)",
      );
    }
  }
  const ttlType = table.ttlAttribute === undefined ? undefined : declared.get(table.ttlAttribute);
  if (ttlType !== undefined && ttlType !== "N") {
    problem(
      ["ttlAttribute"],
      `names a key attribute of type ${ttlType}; TTL reads a number (epoch seconds), so DynamoDB would never expire an item`,
    );
  }
  if (table.billing === "provisioned" && table.capacity === undefined) {
    problem(["capacity"], "is required with billing: provisioned (read and write min and max)");
  }
  if (table.billing === "onDemand" && table.capacity !== undefined) {
    problem(
      ["capacity"],
      "applies only with billing: provisioned; on-demand tables have no capacity",
    );
  }
  for (const kind of ["read", "write"] as const) {
    const range = table.capacity?.[kind];
    if (range !== undefined && range.max < range.min) {
      problem(["capacity", kind, "max"], `must be at least min (${range.min})`);
    }
  }
}

/** `NOTIFICATIONS_TABLE` for `notifications`, `USER_EVENTS_TABLE` for `user-events` or `user.events`. */
export function tableEnvironmentName(table: string): string {
  return `${table.toUpperCase().replace(/[-.]/g, "_")}_TABLE`;
}

export function tablesSchema() {
  return namedRecord(
    tableName,
    tableSchema.describe(
      "One DynamoDB table, `<stack>-<name>` in AWS: its keys, indexes, billing, TTL attribute and stream.",
    ),
    tableNameMessage,
  )
    .superRefine((tables, ctx) => {
      // Two names that make the same variable (`user-events`, `user_events`) could not both be used.
      const byVariable = new Map<string, string>();
      for (const name of Object.keys(tables)) {
        const variable = tableEnvironmentName(name);
        const other = byVariable.get(variable);
        if (other !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: [name],
            message: `makes the same variable ${variable} as table ${other}; rename one`,
          });
        }
        byVariable.set(variable, name);
      }
    })
    .default({})
    .describe(
      "DynamoDB tables, by name: keys, indexes, billing, TTL and stream. Each is named `<stack>-<name>`, has point-in-time recovery and (prod) deletion protection, and is reached by the workloads that list it in `uses` (as `<NAME>_TABLE`).",
    );
}

export type TablesConfig = z.output<ReturnType<typeof tablesSchema>>;
