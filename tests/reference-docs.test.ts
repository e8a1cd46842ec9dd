import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv, { ErrorObject } from "ajv";
import { parse } from "yaml";
import { z } from "zod";
import { ENVIRONMENTS, Environment, parseStackConfig } from "../components/config";
import {
  inputJsonSchema,
  JsonSchema,
  mergeEnvironmentDefaults,
} from "../components/config/json-schema";
import { allowedWords, configKeyReference } from "../components/config/reference";
import { CONFIG_EXAMPLES, minimalWorkloads } from "../components/config/reference-examples";
import {
  CONFIGURATION_PAGE,
  headingAnchor,
  STACK_SCHEMA_FILE,
} from "../components/config/reference-page";
import { stackSchema } from "../components/config/schema";
import { PROJECT_DIR } from "../components/config/stack-files";
import { synthesize } from "../plan/engine/synth";
import { evaluateRules, formatViolation, fromRecords, ruleEnvironment } from "../rules";
import { generatedFiles } from "../scripts/generate-docs";

const read = (file: string) => fs.readFileSync(path.join(PROJECT_DIR, file), "utf8");

describe("generated reference files", function () {
  this.timeout(60_000);
  let files: Record<string, string>;
  before(async () => {
    files = await generatedFiles();
  });

  it("are the three files, each byte-identical to what npm run docs writes now", () => {
    assert.deepEqual(Object.keys(files).sort(), [
      "docs/configuration.md",
      "docs/rules.md",
      "schema/stack-config.schema.json",
    ]);
    for (const [file, content] of Object.entries(files)) {
      assert.ok(
        fs.existsSync(path.join(PROJECT_DIR, file)),
        `${file} is missing: run npm run docs`,
      );
      assert.ok(read(file) === content, `${file} is stale: run npm run docs`);
    }
  });

  it("are referenced by both stack files on their first line", () => {
    for (const file of ["Pulumi.dev.yaml", "Pulumi.prod.yaml"]) {
      assert.equal(
        read(file).split("\n")[0],
        `# yaml-language-server: $schema=./${STACK_SCHEMA_FILE}`,
        file,
      );
    }
  });
});

// ---- docs/configuration.md lists every key of the zod schemas with its defaults.

interface ZodKey {
  readonly path: readonly string[];
  readonly leaf: boolean;
  readonly required: boolean;
  /** The `.default()`/`.prefault()` value zod declares, when there is one. */
  readonly declared?: { readonly value: unknown };
}

/**
 * The keys of a zod schema read from zod's own definitions (not from the JSON Schema the page is
 * generated from): wrappers are looked through, a preprocess by its schema, a transform by its input.
 */
function zodKeys(schema: z.core.$ZodType, path: string[] = [], required = true): ZodKey[] {
  let node = schema;
  let declared: { value: unknown } | undefined;
  let optional = !required;
  for (;;) {
    const def = (node as z.core.$ZodTypes)._zod.def;
    if (def.type === "default" || def.type === "prefault") {
      declared ??= { value: def.defaultValue };
      optional = true;
      node = def.innerType;
    } else if (def.type === "optional") {
      optional = true;
      node = def.innerType;
    } else if (def.type === "pipe") {
      node = def.in._zod.def.type === "transform" ? def.out : def.in;
    } else break;
  }
  const def = (node as z.core.$ZodTypes)._zod.def;
  if (def.type === "object") {
    const shape = def.shape;
    const self: ZodKey = { path, leaf: false, required: !optional, declared };
    return [
      ...(path.length > 0 ? [self] : []),
      ...Object.entries(shape).flatMap(([key, child]) => zodKeys(child, [...path, key], true)),
    ];
  }
  if (def.type === "record") {
    const values = zodKeys(def.valueType, [...path, "<name>"], false);
    const ofObjects = values.length > 1;
    return [
      { path, leaf: !ofObjects, required: !optional, declared },
      ...(ofObjects ? values : []),
    ];
  }
  return [{ path, leaf: true, required: !optional, declared }];
}

function valueAt(root: unknown, keyPath: readonly string[]): unknown {
  let value = root;
  for (const segment of keyPath) {
    if (value === null || typeof value !== "object") return undefined;
    const entries = value as Record<string, unknown>;
    value = segment === "<name>" ? Object.values(entries)[0] : entries[segment];
  }
  return value;
}

/** The default cell a key must show in one environment, from zod alone. */
function expectedDefault(key: ZodKey, environment: Environment): string[] {
  const code = (v: unknown) => `\`${typeof v === "string" ? v : JSON.stringify(v)}\``;
  if (key.path.at(-1) === "<name>") return ["—"];
  if (key.declared !== undefined) return [code(key.declared.value)];
  if (key.required) return ["required"];
  // A default a transform computes shows when the minimal workloads leave the key out.
  const input = minimalWorkloads(environment);
  const computed =
    valueAt(input, key.path) === undefined
      ? valueAt(stackSchema(environment).parse(input), key.path)
      : undefined;
  return computed === undefined ? ["not set"] : [code(computed)];
}

/** The cells of the page's row for a key: key, type, allowed, dev, prod, description. */
function rowCells(page: string, key: string): string[] | undefined {
  const line = page.split("\n").find((l) => l.startsWith(`| \`${key}\` |`));
  return line
    ?.slice(2, -2)
    .split(/ (?<!\\)\| /)
    .map((c) => c.trim());
}

describe("docs/configuration.md", function () {
  this.timeout(60_000);
  const page = read(CONFIGURATION_PAGE);
  const keys = zodKeys(stackSchema("dev"));

  it("reads a real schema (the walk finds nested and record keys)", () => {
    const names = keys.map((k) => k.path.join("."));
    for (const name of [
      "services.<name>.autoscaling.max",
      "workers.<name>.queue.producers",
      "cluster.spot.onDemandBase",
    ]) {
      assert.ok(names.includes(name), name);
    }
    assert.ok(keys.filter((k) => k.leaf).length > 80);
  });

  it("lists every leaf key with its dev and prod default", () => {
    const columns = ENVIRONMENTS.map((env) => 3 + ENVIRONMENTS.indexOf(env));
    for (const key of keys.filter((k) => k.leaf)) {
      const name = `vitcord-infra:${key.path.join(".")}`;
      const cells = rowCells(page, name);
      assert.ok(cells !== undefined, `${name} has no row`);
      ENVIRONMENTS.forEach((env, i) => {
        const expected = expectedDefault(
          zodKeys(stackSchema(env)).find((k) => k.path.join(".") === key.path.join("."))!,
          env,
        );
        assert.deepEqual([cells[columns[i]!]], expected, `${name}, ${env} default`);
      });
    }
  });

  it("gives every key, nested or not, a description of its own", () => {
    const rows = configKeyReference();
    assert.equal(rows.length, keys.length + 1, "one row per key, and aws:region");
    for (const row of rows) {
      assert.ok(row.description.length > 20, `${row.key} has no description`);
      assert.ok(rowCells(page, row.key)?.[5] === row.description.replace(/\|/g, "\\|"), row.key);
    }
    assert.deepEqual(rowCells(page, "aws:region")?.slice(3, 5), ["required", "required"]);
  });

  it("shows allowed values in words, computed defaults and the environments' differences", () => {
    const cells = (key: string) => rowCells(page, `vitcord-infra:${key}`)!;
    assert.deepEqual(cells("network.natGateways").slice(1, 5), [
      "string",
      "one of `single`, `perAz`, `instance`",
      "`single`",
      "`perAz`",
    ]);
    assert.deepEqual(cells("services.<name>.autoscaling.max").slice(2, 5), [
      "whole number, 1 to 100",
      "required",
      "required",
    ]);
    assert.equal(cells("services.<name>.desiredCount")[1], "integer or string");
    assert.deepEqual(cells("services.<name>.desiredCount").slice(3, 5), ["`1`", "`2`"]);
    assert.match(cells("services.<name>.domain")[2]!, /^a lowercase DNS name/);
  });

  it("has a table of contents whose links reach a heading", () => {
    const anchors = page
      .split("\n")
      .filter((l) => l.startsWith("## "))
      .map((l) => headingAnchor(l.slice(3)));
    const links = [...page.matchAll(/^- \[[^\]]+\]\(#([^)]+)\)$/gm)].map((m) => m[1]);
    assert.ok(links.length >= 10);
    for (const link of links) assert.ok(anchors.includes(link!), link);
  });
});

describe("configuration examples", function () {
  this.timeout(120_000);

  it("cover every top-level key", () => {
    const tops = configKeyReference()
      .map((r) => r.key)
      .filter((k) => !k.includes("."));
    assert.deepEqual(CONFIG_EXAMPLES.map((e) => e.key).sort(), [...tops].sort());
  });

  for (const example of CONFIG_EXAMPLES) {
    it(`${example.key}: validates and builds with no mandatory rule violation`, async () => {
      const config = Object.fromEntries(
        Object.entries(example.config).map(([k, v]) => [
          k,
          typeof v === "string" ? v : JSON.stringify(v),
        ]),
      );
      const parsed = parseStackConfig("example", config);
      const { resources } = await synthesize({ stack: "example", config });
      const evaluation = evaluateRules(fromRecords(resources), ruleEnvironment(parsed.environment));
      assert.deepEqual(evaluation.mandatoryViolations.map(formatViolation), []);
    });
  }
});

// ---- schema/stack-config.schema.json accepts the stack files and refuses bad ones.

describe("schema/stack-config.schema.json", () => {
  const ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: false });
  ajv.addKeyword("patternErrorMessage"); // yaml-language-server's message for a failed pattern
  const validate = ajv.compile(JSON.parse(read(STACK_SCHEMA_FILE)) as JsonSchema);

  const show = (e: ErrorObject) =>
    `${e.instancePath}: ${e.message ?? e.keyword}` +
    (e.keyword === "additionalProperties" ? ` (${String(e.params.additionalProperty)})` : "");
  const problems = (file: unknown) => (validate(file) ? [] : (validate.errors ?? []).map(show));
  const devStack = () => parse(read("Pulumi.dev.yaml")) as { config: Record<string, unknown> };
  const withConfig = (changes: Record<string, unknown>) => {
    const stack = devStack();
    return { ...stack, config: { ...stack.config, ...changes } };
  };

  it("accepts both stack files and every example", () => {
    assert.deepEqual(problems(parse(read("Pulumi.dev.yaml"))), []);
    assert.deepEqual(problems(parse(read("Pulumi.prod.yaml"))), []);
    for (const example of CONFIG_EXAMPLES) {
      assert.deepEqual(problems({ config: example.config }), [], example.key);
    }
  });

  it("refuses a misspelled key, naming it", () => {
    assert.deepEqual(problems(withConfig({ "vitcord-infra:servces": {} })), [
      "/config: must NOT have additional properties (vitcord-infra:servces)",
    ]);
  });

  it("refuses a wrong type where it stands", () => {
    const found = problems(withConfig({ "vitcord-infra:cluster": { maxSize: "many" } }));
    assert.ok(
      found.includes("/config/vitcord-infra:cluster/maxSize: must be integer"),
      found.join("\n"),
    );
  });

  it("refuses a value outside an enum", () => {
    const found = problems(withConfig({ "vitcord-infra:network": { natGateways: "triple" } }));
    assert.ok(
      found.includes(
        "/config/vitcord-infra:network/natGateways: must be equal to one of the allowed values",
      ),
      found.join("\n"),
    );
  });

  it("refuses an unknown nested key", () => {
    const stack = devStack();
    const services = stack.config["vitcord-infra:services"] as Record<string, object>;
    const found = problems(
      withConfig({ "vitcord-infra:services": { ...services, api: { ...services.api, prot: 80 } } }),
    );
    assert.ok(
      found.includes(
        "/config/vitcord-infra:services/api: must NOT have additional properties (prot)",
      ),
      found.join("\n"),
    );
  });

  it("refuses a missing environment and a region outside the list", () => {
    const stack = devStack();
    delete stack.config["vitcord-infra:environment"];
    assert.deepEqual(problems(stack), [
      "/config: must have required property 'vitcord-infra:environment'",
    ]);
    assert.ok(
      problems(withConfig({ "aws:region": "us-east-9" })).includes(
        "/config/aws:region: must be equal to one of the allowed values",
      ),
    );
  });

  it("refuses what a refine checks when JSON Schema can say it: root users, Fargate sizes", () => {
    const worker = (changes: object) => ({
      "vitcord-infra:workers": { jobs: { image: "a/b:1", command: ["x"], ...changes } },
    });
    assert.ok(
      problems(withConfig(worker({ user: "0:0" }))).includes(
        '/config/vitcord-infra:workers/jobs/user: must match pattern "^(?!(root|0)(:|$))[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$"',
      ),
    );
    assert.ok(
      problems(withConfig(worker({ cpu: 300 }))).includes(
        "/config/vitcord-infra:workers/jobs/cpu: must be equal to one of the allowed values",
      ),
    );
  });

  it("accepts what the program accepts: secrets, counts and tags written as text or numbers", () => {
    const stack = devStack();
    const services = stack.config["vitcord-infra:services"] as Record<string, object>;
    const changes = {
      "vitcord-infra:tags": { secure: "v1:AAAA" },
      "aws:profile": "vitcord-dev",
      "vitcord-infra:services": { ...services, api: { imageTag: 2, desiredCount: "2" } },
    };
    assert.deepEqual(problems(withConfig(changes)), []);
    // The program agrees on the plain values (the secret is Pulumi's to decrypt).
    const service = stackSchema("dev").parse({
      environment: "dev",
      services: { api: { imageTag: 2, desiredCount: "2" } },
    }).services.api!;
    assert.deepEqual([service.imageTag, service.desiredCount], ["2", 2]);
  });
});

// ---- The generator's pure parts.

describe("reference generator", () => {
  it("describes a pattern by its message, and refuses a pattern it cannot put in words", () => {
    assert.equal(
      allowedWords({ type: "string", pattern: "^a$", patternErrorMessage: "must be a" }, "k"),
      "a",
    );
    assert.throws(
      () => allowedWords({ type: "string", pattern: "^a$" }, "vitcord-infra:x"),
      /^Error: vitcord-infra:x: a pattern without patternErrorMessage cannot be described in words$/,
    );
  });

  it("states a preprocess's other inputs, and refuses one that does not register them", () => {
    assert.throws(
      () => inputJsonSchema(z.object({ n: z.preprocess((v) => v, z.number()) })),
      /a z\.preprocess has no preprocessInputs entry/,
    );
  });

  it("turns defaults that differ by environment into words, and refuses other differences", () => {
    const merged = mergeEnvironmentDefaults({
      dev: { type: "integer", description: "Days.", default: 14 },
      prod: { type: "integer", description: "Days.", default: 365 },
    });
    assert.deepEqual(merged, {
      type: "integer",
      description: "Days. Default: 14 in dev, 365 in prod.",
    });
    assert.deepEqual(mergeEnvironmentDefaults({ dev: { default: 1 }, prod: { default: 1 } }), {
      default: 1,
    });
    assert.throws(
      () => mergeEnvironmentDefaults({ dev: { type: "integer" }, prod: { type: "string" } }),
      /^Error: the environments' schemas differ at \/type, not in a default$/,
    );
  });
});
