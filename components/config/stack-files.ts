import * as fs from "node:fs";
import * as path from "node:path";
import { Document, isMap, isScalar, isSeq, LineCounter, Node, parseDocument, YAMLMap } from "yaml";

/** The project root: where Pulumi.yaml and the Pulumi.<stack>.yaml files live. */
export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

/**
 * Config namespaces besides the project's own that a stack may set: the providers this program
 * uses (@pulumi/aws, and @pulumi/awsx for the VPC) and the engine's `pulumi:` keys (e.g.
 * pulumi:tags). A key in any other namespace is a typo that Pulumi would silently ignore.
 */
export const PROVIDER_NAMESPACES = ["aws", "awsx", "pulumi"] as const;

/** A stack that has no Pulumi.<stack>.yaml; the message lists the ones that exist. */
export class UnknownStackError extends Error {
  constructor(
    readonly stack: string,
    readonly known: readonly string[],
  ) {
    super(
      `Unknown stack ${JSON.stringify(stack)}: there is no Pulumi.${stack}.yaml. ` +
        `Stacks in this project: ${known.length > 0 ? known.join(", ") : "(none)"}.`,
    );
    this.name = "UnknownStackError";
  }
}

/**
 * Pulumi.yaml or a Pulumi.<stack>.yaml that cannot be used: one line per problem, each starting
 * with `<file>:<line>:<column>:` (a YAML error is followed by yaml's snippet of the line).
 */
export class StackFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(problems.join("\n"));
    this.name = "StackFileError";
  }
}

/** The stacks that have a Pulumi.<stack>.yaml in the project directory, sorted. */
export function listStacks(projectDir = PROJECT_DIR): string[] {
  return fs
    .readdirSync(projectDir)
    .map((file) => /^Pulumi\.(.+)\.ya?ml$/.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
}

/** Pulumi's encoding of one config value: strings as they are, everything else as JSON. */
function encode(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** One parsed YAML file, with what it takes to point at a node in it. */
class YamlFile {
  private constructor(
    readonly file: string,
    readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Parses `file` (a name in `projectDir`); any YAML error is a StackFileError. */
  static read(projectDir: string, file: string): YamlFile {
    const lines = new LineCounter();
    const doc = parseDocument(fs.readFileSync(path.join(projectDir, file), "utf8"), {
      lineCounter: lines,
      prettyErrors: true,
      uniqueKeys: true,
    });
    // The first error only: the ones after it are mostly its consequences.
    const error = doc.errors[0];
    if (error !== undefined) {
      // yaml's pretty message: "<what> at line L, column C:\n\n<the line>\n<^ pointer>\n".
      const [, what = error.message, snippet = ""] =
        /^([\s\S]*?) at line \d+, column \d+(?::\n\n([\s\S]*))?$/.exec(error.message) ?? [];
      const { line, col } = error.linePos?.[0] ?? { line: 1, col: 1 };
      const shown = snippet
        .replace(/\n+$/, "")
        .split("\n")
        .filter((l) => l !== "");
      throw new StackFileError(file, [
        [`${file}:${line}:${col}: ${what}`, ...shown.map((l) => `  ${l}`)].join("\n"),
      ]);
    }
    return new YamlFile(file, doc, lines);
  }

  /** `<file>:<line>:<column>` of a node (the file alone for an empty document). */
  at(node: Node | null | undefined): string {
    if (node?.range == null) return `${this.file}:1:1`;
    const { line, col } = this.lines.linePos(node.range[0]);
    return `${this.file}:${line}:${col}`;
  }

  /** A node's plain value; an unresolvable alias is a StackFileError at the node. */
  value(node: unknown): unknown {
    if (node === null || typeof node !== "object" || !("toJS" in node)) return node;
    try {
      return (node as Node).toJS(this.doc);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new StackFileError(this.file, [`${this.at(node as Node)}: ${reason}`]);
    }
  }

  /** The top-level mapping (undefined for an empty file), else a StackFileError. */
  topLevel(expected: string): YAMLMap | undefined {
    const contents = this.doc.contents;
    if (contents === null || isMap(contents)) return contents ?? undefined;
    throw new StackFileError(this.file, [
      `${this.at(contents)}: the file must be a mapping (${expected}), not ${describe(contents)}`,
    ]);
  }

  /** The `config:` mapping of a top level (undefined when absent or empty), else an error. */
  configOf(top: YAMLMap | undefined): YAMLMap | undefined {
    const pair = top?.items.find((p) => isScalar(p.key) && p.key.value === "config");
    const config = pair?.value;
    if (config === undefined || config === null) return undefined;
    if (isScalar(config) && config.value === null) return undefined;
    if (isMap(config)) return config;
    throw new StackFileError(this.file, [
      `${this.at(config as Node)}: config must be a mapping of <namespace>:<key>: <value> lines, ` +
        `not ${describe(config)}`,
    ]);
  }
}

function describe(node: unknown): string {
  if (isSeq(node)) return "a list";
  if (isScalar(node)) return `the value ${JSON.stringify(node.value)}`;
  return "an alias or tag";
}

/** A key as written, for messages: plain scalars as their text. */
function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/** The message for a key outside this project's and the providers' namespaces. */
export function namespaceProblem(key: string, project: string): string | undefined {
  const allowed =
    `this project's keys start with "${project}:" ` +
    `(provider keys: ${PROVIDER_NAMESPACES.map((n) => `${n}:`).join(", ")})`;
  const parts = key.split(":");
  if (parts.length === 1) {
    return `config key ${JSON.stringify(key)} has no namespace; Pulumi needs <namespace>:<key> here, e.g. "${project}:${key}"`;
  }
  const namespace = parts[0]!;
  if (parts.length > 2 || parts.some((p) => p === "")) {
    return `config key ${JSON.stringify(key)} is not <namespace>:<key>; ${allowed}`;
  }
  if (namespace === project || (PROVIDER_NAMESPACES as readonly string[]).includes(namespace)) {
    return undefined;
  }
  return `config key ${JSON.stringify(key)} is in an unknown namespace ${JSON.stringify(namespace)}; ${allowed}`;
}

/** Pulumi's old spelling `<namespace>:config:<name>` is the same key as `<namespace>:<name>`. */
function normalizeKey(key: string): string {
  const parts = key.split(":");
  return parts.length === 3 && parts[1] === "config" ? `${parts[0]}:${parts[2]}` : key;
}

/** What Pulumi.yaml says: the project name and the config defaults every stack starts from. */
export interface ProjectFile {
  readonly name: string;
  readonly config: Record<string, string>;
}

/** Reads Pulumi.yaml; a broken file, a missing name or a mistyped key is a StackFileError. */
export function readProjectFile(projectDir = PROJECT_DIR): ProjectFile {
  const yaml = YamlFile.read(projectDir, "Pulumi.yaml");
  const top = yaml.topLevel("name:, runtime: and config: lines");
  const nameNode = top?.get("name", true);
  const name = yaml.value(nameNode);
  if (typeof name !== "string" || name === "") {
    throw new StackFileError(yaml.file, [
      `${yaml.at(nameNode ?? top)}: the project needs a name (name: <project>)`,
    ]);
  }

  const config: Record<string, string> = {};
  const problems: string[] = [];
  for (const pair of yaml.configOf(top)?.items ?? []) {
    // Pulumi.yaml may leave the project's own keys without a namespace.
    const written = normalizeKey(keyText(pair.key));
    const key = written.includes(":") ? written : `${name}:${written}`;
    const problem = namespaceProblem(key, name);
    if (problem !== undefined) {
      problems.push(`${yaml.at(pair.key as Node)}: ${problem}`);
      continue;
    }
    // Pulumi's shorthand: a plain value is the project key's default, or another key's value.
    const declared = yaml.value(pair.value);
    const isDeclaration =
      declared !== null && typeof declared === "object" && !Array.isArray(declared);
    const { value, default: fallback } = isDeclaration
      ? (declared as { value?: unknown; default?: unknown })
      : { value: declared, default: undefined };
    const resolved = value ?? fallback;
    if (resolved !== undefined && resolved !== null) config[key] = encode(resolved);
  }
  if (problems.length > 0) throw new StackFileError(yaml.file, problems);
  return { name, config };
}

/** What a Pulumi.<stack>.yaml says: its config (secure values left out) and secrets provider. */
export interface StackFile {
  readonly file: string;
  readonly config: Record<string, string>;
  readonly secretsProvider?: string;
}

/**
 * Reads Pulumi.<stack>.yaml (or .yml): `UnknownStackError` when there is none, `StackFileError`
 * naming every key whose namespace is neither the project's nor a provider's.
 */
export function readStackFile(
  stack: string,
  projectDir = PROJECT_DIR,
  project = readProjectFile(projectDir).name,
): StackFile {
  const stacks = listStacks(projectDir);
  if (!stacks.includes(stack)) throw new UnknownStackError(stack, stacks);
  const file = fs.existsSync(path.join(projectDir, `Pulumi.${stack}.yaml`))
    ? `Pulumi.${stack}.yaml`
    : `Pulumi.${stack}.yml`;
  const yaml = YamlFile.read(projectDir, file);
  const top = yaml.topLevel('"config:" with the stack\'s keys under it');

  const config: Record<string, string> = {};
  const problems: string[] = [];
  for (const pair of yaml.configOf(top)?.items ?? []) {
    const key = normalizeKey(keyText(pair.key));
    const problem = namespaceProblem(key, project);
    if (problem !== undefined) {
      problems.push(`${yaml.at(pair.key as Node)}: ${problem}`);
      continue;
    }
    const value = yaml.value(pair.value);
    const isSecure = value !== null && typeof value === "object" && "secure" in value;
    if (!isSecure) config[key] = encode(value);
  }
  if (problems.length > 0) throw new StackFileError(yaml.file, problems);

  const provider = yaml.value(top?.get("secretsprovider", true));
  return { file, config, secretsProvider: typeof provider === "string" ? provider : undefined };
}

/**
 * The config map Pulumi hands a program for this stack (`namespace:key` → string): the project's
 * defaults from Pulumi.yaml, overridden by Pulumi.<stack>.yaml. Secure values stay encrypted and
 * are left out: nothing in this program's config is secret (secrets are ARNs in AWS).
 */
export function readStackConfig(stack: string, projectDir = PROJECT_DIR): Record<string, string> {
  const stacks = listStacks(projectDir);
  if (!stacks.includes(stack)) throw new UnknownStackError(stack, stacks);
  const project = readProjectFile(projectDir);
  return { ...project.config, ...readStackFile(stack, projectDir, project.name).config };
}
