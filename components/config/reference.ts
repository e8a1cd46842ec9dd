import { CONFIG_NAMESPACE } from "./errors";
import { ENVIRONMENTS, Environment } from "./environment";
import { environmentJsonSchema, JsonSchema } from "./json-schema";
import { AWS_REGIONS } from "./regions";
import { minimalWorkloads } from "./reference-examples";
import { stackSchema } from "./schema";

/**
 * docs/configuration.md, generated from the zod schemas by way of their JSON Schema (one
 * conversion, zod's, for the page and for schema/stack-config.schema.json): every key with its
 * type, allowed values, the default of each environment and the description the schema carries.
 */

/** One row of the reference: a key at any depth (`<name>` stands for a record's entries). */
export interface ConfigKeyReference {
  /** `vitcord-infra:services.<name>.autoscaling.max`. */
  readonly key: string;
  readonly type: string;
  /** What values are accepted, in words. */
  readonly allowed: string;
  /** Per environment: `` `14` ``, `required`, `not set`, or `—` for a record's entry. */
  readonly defaults: Readonly<Record<Environment, string>>;
  readonly description: string;
  /** Whether it has no keys of its own below it (everything but objects and maps of objects). */
  readonly leaf: boolean;
}

const code = (value: unknown) => `\`${typeof value === "string" ? value : JSON.stringify(value)}\``;

function isObject(value: unknown): value is JsonSchema {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function list(values: readonly string[]): string {
  return values.length <= 1
    ? (values[0] ?? "")
    : `${values.slice(0, -1).join(", ")} or ${values[values.length - 1]!}`;
}

/** A map (`z.record`): an object whose entries are described by `additionalProperties`. */
function mapValues(node: JsonSchema): JsonSchema | undefined {
  return node.properties === undefined && isObject(node.additionalProperties)
    ? node.additionalProperties
    : undefined;
}

export function typeWords(node: JsonSchema): string {
  if (Array.isArray(node.anyOf)) return list((node.anyOf as JsonSchema[]).map(typeWords));
  if (Array.isArray(node.type)) return list(node.type as string[]);
  if (node.type === "array") return `list of ${typeWords(node.items as JsonSchema)}`;
  const values = mapValues(node);
  if (values !== undefined) return `map of name → ${typeWords(values)}`;
  return String(node.type);
}

/** "must be lowercase letters…" → "lowercase letters…": the error message as allowed values. */
function patternWords(node: JsonSchema, key: string): string {
  const message = node.patternErrorMessage;
  if (typeof message !== "string") {
    throw new Error(`${key}: a pattern without patternErrorMessage cannot be described in words`);
  }
  const at = message.indexOf("must be ");
  return at === -1 ? message : message.slice(at + "must be ".length);
}

/** `2 to 6`, `at least 1 character`, `at most 20 items`; `unit` is singular ("" for none). */
function rangeWords(min: unknown, max: unknown, unit: string): string | undefined {
  const units = (n: number) => (unit === "" ? "" : ` ${unit}${n === 1 ? "" : "s"}`);
  if (typeof min === "number" && typeof max === "number") return `${min} to ${max}${units(max)}`;
  if (typeof min === "number") return `at least ${min}${units(min)}`;
  if (typeof max === "number") return `at most ${max}${units(max)}`;
  return undefined;
}

export function allowedWords(node: JsonSchema, key: string): string {
  if (Array.isArray(node.anyOf)) {
    return (node.anyOf as JsonSchema[])
      .map((b) => allowedWords(b, key) || typeWords(b))
      .join("; or ");
  }
  if (Array.isArray(node.enum)) return `one of ${node.enum.map(code).join(", ")}`;
  const words: string[] = [];
  switch (node.type) {
    case "boolean":
      return "`true` or `false`";
    case "integer":
    case "number": {
      const range = rangeWords(node.minimum, node.maximum, "");
      if (range !== undefined)
        words.push(node.type === "integer" ? `whole number, ${range}` : range);
      break;
    }
    case "string": {
      if (typeof node.pattern === "string") words.push(patternWords(node, key));
      const length = rangeWords(node.minLength, node.maxLength, "character");
      if (length !== undefined) words.push(length);
      break;
    }
    case "array": {
      const items = allowedWords(node.items as JsonSchema, key);
      if (items !== "") words.push(`each ${items}`);
      const count = rangeWords(node.minItems, node.maxItems, "item");
      if (count !== undefined) words.push(count);
      if (node.uniqueItems === true) words.push("no repeats");
      break;
    }
    case "object": {
      const values = mapValues(node);
      if (values === undefined) return "";
      const names = allowedWords(node.propertyNames as JsonSchema, key);
      words.push(`names: ${names}`);
      if (values.properties === undefined) {
        words.push(`values: ${allowedWords(values, key) || typeWords(values)}`);
      }
      break;
    }
  }
  return words.join("; ");
}

/** The value at a config path in parsed or raw config; `<name>` takes a record's first entry. */
function valueAt(root: unknown, path: readonly string[]): unknown {
  let value = root;
  for (const segment of path) {
    if (!isObject(value)) return undefined;
    value = segment === "<name>" ? Object.values(value)[0] : value[segment];
  }
  return value;
}

/**
 * The defaults the schemas compute rather than declare (a transform's fallback): what parsing the
 * minimal workloads yields at a path the input leaves empty.
 */
function computedDefault(environment: Environment, path: readonly string[]): unknown {
  const input = minimalWorkloads(environment);
  if (valueAt(input, path) !== undefined) return undefined;
  return valueAt(stackSchema(environment).parse(input), path);
}

interface Walk {
  readonly nodes: Readonly<Record<Environment, JsonSchema>>;
  readonly path: readonly string[];
  readonly required: boolean;
  readonly inRecord: boolean;
}

function defaultCell(walk: Walk, environment: Environment): string {
  const node = walk.nodes[environment];
  if ("default" in node) return code(node.default);
  if (walk.inRecord) return "—";
  if (walk.required) return "required";
  const computed = computedDefault(environment, walk.path);
  return computed === undefined ? "not set" : code(computed);
}

function keyName(path: readonly string[]): string {
  const [top, ...rest] = path;
  return [`${CONFIG_NAMESPACE}:${top ?? ""}`, ...rest].join(".");
}

function walkKeys(walk: Walk, rows: ConfigKeyReference[]): void {
  const dev = walk.nodes.dev;
  const children = isObject(dev.properties) ? dev.properties : undefined;
  const values = mapValues(dev);
  const recordOfObjects = values !== undefined && isObject(values.properties);
  rows.push({
    key: keyName(walk.path),
    type: typeWords(dev),
    allowed: allowedWords(dev, keyName(walk.path)),
    defaults: Object.fromEntries(
      ENVIRONMENTS.map((env) => [env, defaultCell(walk, env)]),
    ) as Record<Environment, string>,
    description: typeof dev.description === "string" ? dev.description : "",
    leaf: children === undefined && !recordOfObjects,
  });
  if (children !== undefined) {
    const required = Array.isArray(dev.required) ? (dev.required as string[]) : [];
    for (const name of Object.keys(children)) {
      walkKeys(
        {
          nodes: childNodes(walk.nodes, (n) => (n.properties as Record<string, JsonSchema>)[name]),
          path: [...walk.path, name],
          required: required.includes(name),
          inRecord: false,
        },
        rows,
      );
    }
  } else if (recordOfObjects) {
    walkKeys(
      {
        nodes: childNodes(walk.nodes, (n) => n.additionalProperties as JsonSchema),
        path: [...walk.path, "<name>"],
        required: false,
        inRecord: true,
      },
      rows,
    );
  }
}

function childNodes(
  nodes: Readonly<Record<Environment, JsonSchema>>,
  pick: (node: JsonSchema) => JsonSchema | undefined,
): Record<Environment, JsonSchema> {
  return Object.fromEntries(
    ENVIRONMENTS.map((env) => {
      const child = pick(nodes[env]);
      if (child === undefined) throw new Error(`the ${env} schema lacks a key the others have`);
      return [env, child];
    }),
  ) as Record<Environment, JsonSchema>;
}

const REGION_ROW: ConfigKeyReference = {
  key: "aws:region",
  type: "string",
  allowed: `one of the ${AWS_REGIONS.length} Regions of the commercial partition listed in components/config/regions.ts, e.g. \`us-east-1\``,
  defaults: { dev: "required", prod: "required" },
  description:
    "The AWS Region every resource of the stack goes to (the AWS provider's setting). A service's `certificateArn` must be in it.",
  leaf: true,
};

/** Every key of a stack's config, in the schemas' order, `aws:region` first. */
export function configKeyReference(): ConfigKeyReference[] {
  const schemas = Object.fromEntries(
    ENVIRONMENTS.map((env) => [env, environmentJsonSchema(env)]),
  ) as Record<Environment, JsonSchema>;
  const rows: ConfigKeyReference[] = [REGION_ROW];
  const top = schemas.dev.properties as Record<string, JsonSchema>;
  const required = schemas.dev.required as string[];
  for (const name of Object.keys(top)) {
    walkKeys(
      {
        nodes: childNodes(schemas, (n) => (n.properties as Record<string, JsonSchema>)[name]),
        path: [name],
        required: required.includes(name),
        inRecord: false,
      },
      rows,
    );
  }
  return rows;
}
