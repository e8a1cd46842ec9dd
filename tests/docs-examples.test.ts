import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { ConfigError, parseStackConfig } from "../components/config";
import { PROJECT_DIR, readStackConfig } from "../components/config/stack-files";
import { runPlan } from "../plan/main";
import {
  evaluateRules,
  formatViolation,
  fromRecords,
  IndexedWaivers,
  ruleEnvironment,
  RULES,
} from "../rules";
import { runProgram } from "./harness";

/**
 * The docs' YAML examples are changes to a stack file; each must validate and build with no
 * mandatory rule violation, so that a reader who copies one gets a stack that deploys. Generated
 * pages are checked by their own generators.
 */
const GENERATED = ["docs/configuration.md", "docs/rules.md", "docs/prod-diagram.md"];

function docPages(): string[] {
  const docs = fs
    .readdirSync(path.join(PROJECT_DIR, "docs"))
    .filter((file) => file.endsWith(".md"))
    .map((file) => `docs/${file}`);
  return ["README.md", ...docs].filter((page) => !GENERATED.includes(page)).sort();
}

function readPage(page: string): string {
  return fs.readFileSync(path.join(PROJECT_DIR, page), "utf8");
}

interface Fence {
  readonly lang: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly text: string;
}

/** The fenced code blocks of a Markdown page. */
function fences(markdown: string): Fence[] {
  const found: Fence[] = [];
  let open: { lang: string; line: number; indent: number; body: string[] } | undefined;
  markdown.split("\n").forEach((line, i) => {
    const fence = /^(\s*)```(\S*)/.exec(line);
    if (open === undefined && fence) {
      open = { lang: fence[2] ?? "", line: i + 1, indent: fence[1]!.length, body: [] };
    } else if (open !== undefined && /^\s*```\s*$/.test(line)) {
      found.push({ lang: open.lang, line: open.line, text: open.body.join("\n") });
      open = undefined;
    } else open?.body.push(line.slice(Math.min(open.indent, /^\s*/.exec(line)![0].length)));
  });
  return found;
}

/** The stack a YAML example changes: its first line is `# Pulumi.<stack>.yaml`. */
function exampleStack(yamlText: string): string | undefined {
  return /^# Pulumi\.([a-z0-9-]+)\.yaml\b/.exec(yamlText.trimStart())?.[1];
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A stack file's config with the example's on top: maps merge, lists and scalars replace. */
function mergeConfig(base: unknown, change: unknown): unknown {
  if (!isMap(base) || !isMap(change)) return change;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(change)) merged[key] = mergeConfig(base[key], value);
  return merged;
}

/**
 * The problems of one example: that it names no stack or is not a `config:` map, the config
 * validator's lines, or the mandatory rule violations of the program it builds. Empty: it deploys.
 */
async function exampleProblems(yamlText: string): Promise<string[]> {
  const stack = exampleStack(yamlText);
  if (stack === undefined) {
    return ['a YAML example must start with "# Pulumi.dev.yaml" or "# Pulumi.prod.yaml"'];
  }
  const example = parse(yamlText) as unknown;
  if (!isMap(example) || !isMap(example.config)) return ["a YAML example must have a config: map"];

  const stackFile = `Pulumi.${stack}.yaml`;
  const original = parse(readPage(stackFile)) as Record<string, unknown>;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "docs-example-"));
  try {
    fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    fs.writeFileSync(path.join(dir, stackFile), stringify(mergeConfig(original, example)));
    const config = readStackConfig(stack, dir);
    let waivers: IndexedWaivers;
    try {
      // The stack file's waivers apply, as in the plan (dev's NAT instance has four).
      waivers = parseStackConfig(stack, config).ruleWaivers.map((waiver, index) => ({
        waiver,
        index,
      }));
    } catch (error) {
      if (error instanceof ConfigError) return [...error.problems];
      throw error;
    }
    // Through the harness, as the changes to the stack file: an example that leaves the stack as
    // it is, or that another test also builds, shares that synthesis instead of running its own.
    const committed = readStackConfig(stack);
    const changes: Record<string, string | undefined> = {};
    for (const key of new Set([...Object.keys(committed), ...Object.keys(config)])) {
      if (config[key] !== committed[key]) changes[key] = config[key];
    }
    const { resources, outputs } = await runProgram(stack, changes);
    const environment = typeof outputs.environment === "string" ? outputs.environment : "prod";
    const evaluation = evaluateRules(
      fromRecords(resources),
      ruleEnvironment(environment),
      RULES,
      waivers,
    );
    return evaluation.mandatoryViolations.map(formatViolation);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("docs: YAML examples", function () {
  this.timeout(60_000);

  const examples = docPages().flatMap((page) =>
    fences(readPage(page))
      .filter((fence) => fence.lang === "yaml")
      .map((fence) => ({ page, ...fence })),
  );

  it("finds the examples (the components and operations pages have some)", () => {
    const pages = new Set(examples.map((e) => e.page));
    assert.ok(pages.has("docs/components.md"), [...pages].join(", "));
    assert.ok(examples.length >= 5, `only ${examples.length} examples found`);
  });

  for (const { page, line, text } of examples) {
    it(`${page}:${line} (${exampleStack(text) ?? "no stack"}) validates and builds`, async () => {
      assert.deepEqual(await exampleProblems(text), [], `${page}:${line}`);
    });
  }

  it("rejects an example that would not deploy, with the validator's message", async () => {
    const example = [
      "# Pulumi.dev.yaml",
      "config:",
      "  vitcord-infra:workers:",
      "    transcoder:",
      "      repository: search",
      "      command: [bundle, exec, rake, transcoder:work]",
    ].join("\n");
    assert.deepEqual(await exampleProblems(example), [
      'vitcord-infra:workers.transcoder.repository = "search": must name a web service in vitcord-infra:services (configured: api, notifications)',
    ]);
  });

  it("rejects an example that names no stack file", async () => {
    assert.deepEqual(await exampleProblems("config:\n  vitcord-infra:tags: {}\n"), [
      'a YAML example must start with "# Pulumi.dev.yaml" or "# Pulumi.prod.yaml"',
    ]);
  });

  it("merges maps and replaces lists and scalars", () => {
    assert.deepEqual(
      mergeConfig(
        { config: { s: { api: { port: 80, paths: ["/tmp"] } }, x: 1 } },
        { config: { s: { api: { paths: ["/run"] }, web: { port: 8080 } } } },
      ),
      { config: { s: { api: { port: 80, paths: ["/run"] }, web: { port: 8080 } }, x: 1 } },
    );
  });
});

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function headingAnchor(heading: string): string {
  return heading
    .replace(/`/g, "")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** The anchors of a page's headings (outside code blocks). */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  let inFence = false;
  for (const line of markdown.split("\n")) {
    if (/^\s*```/.test(line)) inFence = !inFence;
    const heading = inFence ? null : /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) anchors.add(headingAnchor(heading[1]!));
  }
  return anchors;
}

/** The relative link targets of a page, outside code blocks and inline code. */
function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/^\s*```[\s\S]*?^\s*```/gm, "").replace(/`[^`\n]*`/g, "");
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

describe("docs: relative links", () => {
  for (const page of docPages()) {
    it(`every relative link in ${page} points to a file and heading that exist`, () => {
      const broken: string[] = [];
      for (const link of relativeLinks(readPage(page))) {
        const [file = "", anchor] = link.split("#");
        const target = file === "" ? page : path.posix.join(path.posix.dirname(page), file);
        if (!fs.existsSync(path.join(PROJECT_DIR, target))) {
          broken.push(`${link}: no file ${target}`);
        } else if (anchor !== undefined && target.endsWith(".md")) {
          if (!anchorsOf(readPage(target)).has(anchor))
            broken.push(`${link}: no heading #${anchor}`);
        }
      }
      assert.deepEqual(broken, []);
    });
  }

  it("finds links and headings the way GitHub names them", () => {
    assert.deepEqual(relativeLinks("See [a](docs/a.md#x-y), [b](https://e.com), `[c](c.md)`."), [
      "docs/a.md#x-y",
    ]);
    assert.equal(headingAnchor("CI/CD: `deploy.yml`"), "cicd-deployyml");
    assert.equal(
      headingAnchor("Run a migration or any one-off command"),
      "run-a-migration-or-any-one-off-command",
    );
  });
});

describe("README: the plan excerpt", function () {
  this.timeout(60_000);

  it("is real output of npm run plan: every line it shows is in today's dev plan", async () => {
    const readme = readPage("README.md");
    const start = readme.indexOf("<!-- plan-excerpt:start");
    const end = readme.indexOf("<!-- plan-excerpt:end -->");
    assert.ok(start !== -1 && end > start, "the README marks its plan excerpt");
    const excerpt = /```\n([\s\S]*?)```/.exec(readme.slice(start, end))?.[1] ?? "";
    const shown = excerpt.split("\n").filter((line) => line.trim() !== "" && line.trim() !== "[…]");
    assert.ok(shown.length >= 15, "the excerpt shows the plan's sections");

    let stdout = "";
    const code = await runPlan(["--stack", "dev"], {
      stdout: (text) => (stdout += text),
      stderr: () => undefined,
    });
    assert.equal(code, 0);
    const planLines = new Set(stdout.split("\n"));
    const stale = shown.filter((line) => !planLines.has(line));
    assert.deepEqual(stale, [], "stale README plan excerpt: paste from `npm run plan`");
  });
});
