import { z } from "zod";
import { CONFIG_NAMESPACE } from "./errors";
import { ENVIRONMENTS, Environment } from "./environment";
import { AWS_REGIONS } from "./regions";
import { preprocessInputs } from "./schema-helpers";
import { stackSchema } from "./schema";

/**
 * The JSON Schema of `Pulumi.<stack>.yaml`, generated from the zod schemas (`npm run docs` writes
 * it to schema/stack-config.schema.json). Draft-07: what yaml-language-server and ajv's default
 * class both support fully.
 */

export type JsonSchema = { [keyword: string]: unknown };

export const JSON_SCHEMA_DRAFT = "http://json-schema.org/draft-07/schema#";

/**
 * zod's `io: "input"` view of a `z.preprocess` is the schema after the step, which refuses what
 * the step converts (`desiredCount: "3"`); each preprocess names what else it takes, and a
 * preprocess that does not is an error here rather than a silently wrong JSON Schema.
 */
function acceptPreprocessInputs(ctx: { zodSchema: z.core.$ZodType; jsonSchema: JsonSchema }) {
  const def = ctx.zodSchema._zod.def;
  if (def.type !== "pipe") return;
  const pipe = def as z.core.$ZodPipeDef;
  if (pipe.in._zod.def.type !== "transform") return;
  const extra = preprocessInputs.get(ctx.zodSchema);
  if (extra === undefined) {
    throw new Error(
      "a z.preprocess has no preprocessInputs entry: register what it accepts (schema-helpers.ts)",
    );
  }
  const after: JsonSchema = {};
  for (const [keyword, value] of Object.entries(ctx.jsonSchema)) {
    if (keyword !== "description" && keyword !== "default") {
      after[keyword] = value;
      delete ctx.jsonSchema[keyword];
    }
  }
  ctx.jsonSchema.anyOf = [after, extra.alsoAccepts];
}

/**
 * zod leaves out the `default` of a schema that holds a transform (`services`, `workers`: the
 * default is an output value, which need not be a valid input); these defaults (`{}`) are valid
 * inputs, and one that the schema accepts as input is put back.
 */
function keepInputDefaults(ctx: { zodSchema: z.core.$ZodType; jsonSchema: JsonSchema }) {
  const def = ctx.zodSchema._zod.def;
  if (def.type !== "default" || "default" in ctx.jsonSchema) return;
  const { innerType, defaultValue } = def as z.core.$ZodDefaultDef;
  if (z.safeParse(innerType, defaultValue).success) ctx.jsonSchema.default = defaultValue;
}

/** What a zod schema accepts as input, as draft-07 JSON Schema without its `$schema`. */
export function inputJsonSchema(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, {
    target: "draft-7",
    io: "input",
    override: (ctx) => {
      acceptPreprocessInputs(ctx);
      keepInputDefaults(ctx);
    },
  }) as JsonSchema;
  delete json.$schema;
  return json;
}

/** The `vitcord-infra:*` keys of one environment, as JSON Schema (its defaults included). */
export function environmentJsonSchema(environment: Environment): JsonSchema {
  return inputJsonSchema(stackSchema(environment));
}

function isObject(value: unknown): value is JsonSchema {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * One schema for every environment: the dev and prod schemas differ only in their defaults, and
 * a default that differs becomes words in the description instead ("Default: 14 in dev, 365 in
 * prod."), since a stack file's environment decides which applies.
 */
export function mergeEnvironmentDefaults(
  schemas: Readonly<Record<Environment, JsonSchema>>,
  path = "",
): JsonSchema {
  const [first, ...others] = ENVIRONMENTS.map((env) => schemas[env]);
  const merged: JsonSchema = {};
  for (const [keyword, value] of Object.entries(first!)) {
    const values = ENVIRONMENTS.map((env) => schemas[env][keyword]);
    if (keyword === "default" && !values.every((v) => sameJson(v, value))) {
      const words = ENVIRONMENTS.map((env) => `${JSON.stringify(schemas[env].default)} in ${env}`);
      const description = typeof first!.description === "string" ? `${first!.description} ` : "";
      merged.description = `${description}Default: ${words.join(", ")}.`;
      continue;
    }
    if (keyword === "description" && "description" in merged) continue;
    if (isObject(value) && values.every(isObject)) {
      const byEnv = Object.fromEntries(ENVIRONMENTS.map((env, i) => [env, values[i]]));
      merged[keyword] = mergeEnvironmentDefaults(
        byEnv as Record<Environment, JsonSchema>,
        `${path}/${keyword}`,
      );
    } else if (Array.isArray(value) && values.every(Array.isArray) && value.some(isObject)) {
      merged[keyword] = (value as unknown[]).map((item, i): unknown =>
        isObject(item)
          ? mergeEnvironmentDefaults(
              Object.fromEntries(
                ENVIRONMENTS.map((env, e) => [env, (values[e] as unknown[])[i]]),
              ) as Record<Environment, JsonSchema>,
              `${path}/${keyword}/${i}`,
            )
          : item,
      );
    } else if (values.every((v) => sameJson(v, value))) {
      merged[keyword] = value;
    } else {
      throw new Error(`the environments' schemas differ at ${path}/${keyword}, not in a default`);
    }
  }
  if (others.some((schema) => Object.keys(schema).length !== Object.keys(first!).length)) {
    throw new Error(`the environments' schemas have different keywords at ${path || "/"}`);
  }
  return merged;
}

/** A Pulumi secret: the ciphertext `pulumi config set --secret` writes. */
const SECURE_VALUE: JsonSchema = {
  description: "A secret, encrypted by `pulumi config set --secret`.",
  type: "object",
  properties: { secure: { type: "string", minLength: 1 } },
  required: ["secure"],
  additionalProperties: false,
};

/** A config value as it stands, or as a Pulumi secret (which Pulumi decrypts before the check). */
function plainOrSecret(schema: JsonSchema): JsonSchema {
  const { description, ...rest } = schema;
  return { description, anyOf: [rest, { $ref: "#/definitions/secureValue" }] };
}

/** The whole stack file: `config` with every key of this program, and Pulumi's own keys. */
export function stackFileJsonSchema(): JsonSchema {
  const keys = mergeEnvironmentDefaults({
    dev: environmentJsonSchema("dev"),
    prod: environmentJsonSchema("prod"),
  });
  const properties = keys.properties as Record<string, JsonSchema>;
  const config: Record<string, JsonSchema> = {
    "aws:region": plainOrSecret({
      description: "The AWS Region every resource of the stack goes to. Required.",
      type: "string",
      enum: [...AWS_REGIONS],
    }),
  };
  for (const [key, schema] of Object.entries(properties)) {
    config[`${CONFIG_NAMESPACE}:${key}`] = plainOrSecret(schema);
  }
  const required = (keys.required as string[]).map((key) => `${CONFIG_NAMESPACE}:${key}`);
  return {
    $schema: JSON_SCHEMA_DRAFT,
    title: "vitcord-infra stack configuration (Pulumi.<stack>.yaml)",
    description:
      "Generated from components/config by `npm run docs`; docs/configuration.md explains every key. The program's own validation also checks what a JSON Schema cannot (cross-field rules).",
    type: "object",
    properties: {
      config: {
        description: "The stack's configuration: `namespace:key` → value.",
        type: "object",
        properties: config,
        required: ["aws:region", ...required],
        patternProperties: {
          "^(aws|pulumi):": {
            description: "Another setting of the AWS provider or of Pulumi.",
          },
        },
        additionalProperties: false,
      },
      secretsprovider: {
        description: "Where the stack's secrets key lives (e.g. awskms://…); set by Pulumi.",
        type: "string",
      },
      encryptedkey: {
        description: "The stack's data key, encrypted by the secrets provider; set by Pulumi.",
        type: "string",
      },
      encryptionsalt: {
        description: "The salt of the passphrase secrets provider; set by Pulumi.",
        type: "string",
      },
      environment: {
        description: "Pulumi ESC environments the stack imports.",
        type: "array",
        items: { type: "string" },
      },
    },
    required: ["config"],
    additionalProperties: false,
    definitions: { secureValue: SECURE_VALUE },
  };
}
