import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { FREE_TYPES, PRICERS } from "../plan/cost";
import { PlanDocument, sortKeys } from "../plan";
import { PlanIo, runPlan } from "../plan/main";
import { PROJECT_DIR, readStackConfig } from "../components/config/stack-files";
import { makeProject, STACK_FILES } from "./cli-context";
import { runProgram } from "./harness";

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
  files: Record<string, string>;
}

async function plan(argv: string[], io: Partial<PlanIo> = {}): Promise<Captured> {
  const out: Captured = { code: -1, stdout: "", stderr: "", files: {} };
  out.code = await runPlan(argv, {
    stdout: (text) => (out.stdout += text),
    stderr: (text) => (out.stderr += text),
    writeFile: (file, text) => (out.files[file] = text),
    ...io,
  });
  return out;
}

/** No stack trace: no "    at fn (file:line)" frames. */
function assertNoStackTrace(text: string): void {
  assert.doesNotMatch(text, /^\s+at .+:\d+/m);
}

/** The data stores the Heroku comparison maps to add-on plans. */
const HEROKU_STORE_TYPES = [
  "aws:rds/instance:Instance",
  "aws:elasticache/replicationGroup:ReplicationGroup",
  "aws:elasticache/serverlessCache:ServerlessCache",
];

describe("plan: the CLI", function () {
  // Each run synthesizes the whole program (a few seconds on a busy machine); no timing is asserted.
  this.timeout(120_000);
  let devJson: Captured;
  let dev: PlanDocument;
  let prod: PlanDocument;
  let prodJson: Captured;
  before(async () => {
    devJson = await plan(["--json"]);
    assert.equal(devJson.code, 0, devJson.stderr);
    dev = JSON.parse(devJson.stdout) as PlanDocument;
    prodJson = await plan(["--stack", "prod", "--json", "--diagram", "out/prod.md"]);
    assert.equal(prodJson.code, 0, prodJson.stderr);
    prod = JSON.parse(prodJson.stdout) as PlanDocument;
  });

  it("--json prints one document with the plan's parts, for the dev stack by default", () => {
    // Other parts of the plan (e.g. the rule results) may add keys; these are the contract.
    for (const key of [
      "assumptions",
      "cost",
      "environment",
      "heroku",
      "inventory",
      "region",
      "resources",
      "stack",
    ]) {
      assert.ok(key in dev, `the plan has ${key}`);
    }
    assert.deepEqual(Object.keys(dev.cost.lines[0] ?? {}).sort(), [
      "component",
      "item",
      "key",
      "monthly",
      "quantity",
      "source",
      "unit",
      "unitPrice",
    ]);
    assert.equal(dev.stack, "dev");
    assert.equal(dev.environment, "dev");
    assert.equal(dev.region, "us-east-1");
    assert.equal(dev.cost.currency, "USD");
    assert.equal(dev.assumptions.hoursPerMonth, 730);
    assert.equal(devJson.stderr, "");
  });

  it("--json compares each stack with Heroku twice: Private Space (like for like) and Common Runtime", () => {
    for (const doc of [dev, prod]) {
      const { privateSpace, commonRuntime } = doc.heroku;
      const services = doc.resources.filter((r) => r.type === "aws:ecs/service:Service").length;
      // Each database and cache is an add-on line or unpriced; DynamoDB tables stay on AWS.
      const stores = doc.resources.filter((r) => HEROKU_STORE_TYPES.includes(r.type)).length;
      for (const figure of [privateSpace, commonRuntime]) {
        const { lines, addons, unpriced } = figure;
        assert.equal(lines.length + addons.length + unpriced.length, services + stores);
      }
      // No Private-tier Postgres price is known; the Common Runtime gets the plan of the same size.
      assert.deepEqual(privateSpace.addons, []);
      assert.deepEqual(
        commonRuntime.addons.map((a) => a.plan),
        doc.stack === "prod" ? ["Postgres Premium-0"] : ["Postgres Standard-0"],
      );
      assert.ok(privateSpace.lines.every((l) => l.dyno.startsWith("Private-")));
      assert.ok(commonRuntime.lines.every((l) => !l.dyno.startsWith("Private-")));
      const dynos = privateSpace.lines.reduce((sum, l) => sum + l.monthly, 0);
      assert.equal(privateSpace.total, 1000 + dynos, doc.stack);
      assert.ok(privateSpace.total > commonRuntime.total, doc.stack);
    }
  });

  it("--json lists every resource the program declares, with its parent and inputs", async () => {
    const synthesis = await runProgram("dev");
    const expected = synthesis.resources
      .map((r) => ({
        type: r.type,
        name: r.name,
        parent: r.parent ? { type: r.parent.type, name: r.parent.name } : null,
        inputs: r.inputs,
      }))
      .sort((a, b) => `${a.type}::${a.name}`.localeCompare(`${b.type}::${b.name}`));
    assert.equal(dev.resources.length, synthesis.resources.length);
    assert.deepEqual(dev.resources, JSON.parse(JSON.stringify(sortKeys(expected))));
  });

  it("--json is the same text on every run (sorted, no timestamps)", async () => {
    const again = await plan(["--json"]);
    assert.equal(again.stdout, devJson.stdout);
  });

  it("every line's monthly amount is its quantity × unit price, and the total their sum", () => {
    for (const doc of [dev, prod]) {
      for (const l of doc.cost.lines) {
        assert.ok(Math.abs(l.monthly - l.quantity * l.unitPrice) < 0.006, l.item);
      }
      const sum = doc.cost.lines.reduce((total, l) => total + l.monthly, 0);
      assert.ok(Math.abs(doc.cost.total - sum) < 0.005);
    }
  });

  it("prod costs more than dev, with a NAT gateway per AZ against dev's NAT instance", () => {
    assert.ok(prod.cost.total > dev.cost.total, `${prod.cost.total} > ${dev.cost.total}`);
    const natHours = (doc: PlanDocument) =>
      doc.cost.lines.find((l) => /NAT gateways? .*hours/.test(l.item))?.quantity;
    assert.equal(natHours(dev), undefined);
    const natInstance = dev.cost.lines.find((l) => l.item === "EC2 t4g.nano on-demand × 1");
    assert.equal(natInstance?.quantity, 730);
    assert.equal(natHours(prod), 3 * 730);
  });

  it("groups prod into the network, the cluster, each web service and each worker", () => {
    const kinds = prod.inventory.components.map((c) => c.kind);
    for (const kind of ["network", "cluster", "service", "worker"] as const) {
      assert.ok(kinds.includes(kind), `prod has a ${kind} component`);
    }
    const services = prod.inventory.components.filter((c) => c.kind === "service");
    for (const service of services) {
      assert.match(service.summary, new RegExp(`^${service.component}: ALB \\+ HTTPS, `));
    }
  });

  it("accounts for every resource type dev and prod declare: priced, free or unpriced", () => {
    for (const doc of [dev, prod]) {
      const unpriced = new Set(doc.cost.unpriced.map((u) => u.type));
      for (const r of doc.resources) {
        if (r.type.startsWith("vitcord:")) continue; // our components group; they cost nothing
        const known =
          PRICERS[r.type] !== undefined || FREE_TYPES[r.type] !== undefined || unpriced.has(r.type);
        assert.ok(
          known,
          `${doc.stack}: ${r.type} (${r.name}) is neither priced, free nor unpriced`,
        );
      }
    }
  });

  it("prints the inventory, cost, Heroku comparison and assumptions as text", async () => {
    const text = await plan(["--diagram", "out/dev.md"]);
    assert.equal(text.code, 0);
    assert.equal(text.stderr, "");
    const headings = [
      "Plan for stack dev (dev, us-east-1)",
      "Inventory: ",
      "Monthly cost estimate (USD, us-east-1, list prices): ",
      "The same workloads on Heroku (list prices): ",
      "  Private Space (a private network, like the VPC) ",
      "  Common Runtime (no private network; for reference) ",
      "  AWS estimate ",
      "Assumptions:",
      "  - 730 hours per month",
    ];
    let from = 0;
    for (const heading of headings) {
      const at = text.stdout.indexOf(heading, from);
      assert.ok(at >= from, `"${heading}" in order`);
      from = at;
    }
    assert.ok(text.stdout.endsWith("\nDiagram written to out/dev.md\n"));
    assert.ok(text.files["out/dev.md"]?.startsWith("# vitcord-infra: the `dev` stack"));
  });

  it("--diagram writes the Mermaid Markdown; with --json stdout stays pure JSON", () => {
    const markdown = prodJson.files["out/prod.md"] ?? "";
    assert.ok(markdown.startsWith("# vitcord-infra: the `prod` stack"));
    assert.ok(markdown.includes("```mermaid\nflowchart LR\n"));
    assert.ok(markdown.includes("nat --> internet"));
    assert.equal(prod.stack, "prod");
    assert.equal(prodJson.stderr, "Diagram written to out/prod.md\n");
  });

  it("docs/prod-diagram.md matches the prod program (the README links to it)", () => {
    const regenerate =
      "regenerate with `npm run plan -- --stack prod --diagram docs/prod-diagram.md`";
    const generated = prodJson.files["out/prod.md"] ?? "";
    const committed = fs.readFileSync(path.join(PROJECT_DIR, "docs", "prod-diagram.md"), "utf8");
    assert.equal(committed, generated, `docs/prod-diagram.md is stale: ${regenerate}`);
    const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
    assert.ok(
      readme.includes("](docs/prod-diagram.md)"),
      "the README links to docs/prod-diagram.md",
    );
  });

  it("an unknown stack: the stacks that exist, exit 1", async () => {
    const result = await plan(["--stack", "staging"]);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    assert.equal(
      result.stderr,
      'Unknown stack "staging": there is no Pulumi.staging.yaml. Stacks in this project: dev, prod.\n',
    );
  });

  it("an invalid config: the validator's message naming the key, exit 1, nothing else", async () => {
    const result = await plan(["--stack", "dev"], {
      readConfig: (stack) => ({
        ...readStackConfig(stack),
        "vitcord-infra:network": JSON.stringify({ availabilityZones: 1 }),
      }),
    });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /^Invalid stack configuration \(1 problem\):\n/);
    assert.ok(
      result.stderr.includes(
        "  - vitcord-infra:network.availabilityZones = 1: must be a whole number from 2 to 6 availability zones\n",
      ),
    );
    assertNoStackTrace(result.stderr);
  });

  for (const [argv, message] of [
    [["--verbose"], "error: unknown option '--verbose'"],
    [["--stack"], "error: option '--stack <name>' argument missing"],
    [["prod"], "error: too many arguments"],
    [["--diagram", ""], "error: --diagram needs a file name"],
  ] as const) {
    it(`rejects ${JSON.stringify(argv)} with one line and exit 1`, async () => {
      const result = await plan([...argv]);
      assert.equal(result.code, 1);
      assert.equal(result.stdout, "");
      assert.ok(result.stderr.startsWith(message), result.stderr);
      assert.equal(result.stderr.trimEnd().split("\n").length, 1);
    });
  }

  it("--help lists the options and exits 0", async () => {
    const result = await plan(["--help"]);
    assert.equal(result.code, 0);
    for (const option of ["--stack <name>", "--json", "--diagram <file>"]) {
      assert.ok(result.stdout.includes(option), option);
    }
  });
});

describe("plan: a broken stack file or --stack given through npm", function () {
  this.timeout(120_000);
  const PROVIDERS = "(provider keys: aws:, awsx:, pulumi:)";

  /** Plans `stack` of a temp project whose files are STACK_FILES with these changes. */
  function planProject(argv: string[], files: Record<string, string>, env = {}) {
    const dir = makeProject({ ...STACK_FILES, ...files });
    const asked: string[] = [];
    const result = plan(argv, {
      env,
      readConfig: (stack) => {
        asked.push(stack);
        return readStackConfig(stack, dir);
      },
    });
    return result.then((r) => ({ ...r, asked }));
  }

  /** One message on stderr, exit 1, nothing planned. */
  function assertRefused(result: Captured, message: string): void {
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    assert.deepEqual(result.files, {});
    assert.equal(result.stderr, `${message}\n`);
    assertNoStackTrace(result.stderr);
  }

  it('a YAML syntax error: file, line, column and yaml\'s snippet, no "plan failed:"', async () => {
    const result = await planProject([], {
      "Pulumi.dev.yaml": "config:\n  aws:region: eu-west-1\n  aws:region: us-east-1\n",
    });
    assertRefused(
      result,
      "Pulumi.dev.yaml:3:3: Map keys must be unique\n" +
        "    aws:region: eu-west-1\n" +
        "    aws:region: us-east-1\n" +
        "    ^",
    );
  });

  it("a stack file that is not a mapping", async () => {
    const result = await planProject(["--stack", "prod"], { "Pulumi.prod.yaml": "- prod\n" });
    assertRefused(
      result,
      'Pulumi.prod.yaml:1:1: the file must be a mapping ("config:" with the stack\'s keys under it), not a list',
    );
  });

  it("a key in a misspelled namespace", async () => {
    const text = STACK_FILES["Pulumi.dev.yaml"]!.replace(
      "vitcord-infra:services",
      "vitcrd-infra:services",
    );
    const result = await planProject([], { "Pulumi.dev.yaml": text });
    assertRefused(
      result,
      'Pulumi.dev.yaml:4:3: config key "vitcrd-infra:services" is in an unknown namespace "vitcrd-infra"; ' +
        `this project's keys start with "vitcord-infra:" ${PROVIDERS}`,
    );
  });

  it("a region AWS does not have", async () => {
    const text = STACK_FILES["Pulumi.dev.yaml"]!.replace("eu-west-1", "us-east-9");
    const result = await planProject([], { "Pulumi.dev.yaml": text });
    assertRefused(
      result,
      "Invalid stack configuration (1 problem):\n" +
        '  - aws:region = "us-east-9": not an AWS region; did you mean us-east-1 or us-east-2? ' +
        "(the 34 regions this program can use are listed in components/config/regions.ts)",
    );
  });

  it("npm run plan --stack=prod (npm_config_stack) plans prod", async () => {
    // Prod's region is made invalid so that the run stops at the config: only the stack matters.
    const text = STACK_FILES["Pulumi.prod.yaml"]!.replace("us-east-1\n", "mars-1\n");
    const result = await planProject(
      [],
      { "Pulumi.prod.yaml": text },
      { npm_config_stack: "prod" },
    );
    assert.deepEqual(result.asked, ["prod"]);
    assert.equal(result.code, 1);
  });

  it("refuses --stack given both ways with different stacks, before reading any file", async () => {
    const result = await planProject(["--stack", "dev"], {}, { npm_config_stack: "prod" });
    assert.deepEqual(result.asked, []);
    assertRefused(
      result,
      "error: two different stacks: --stack=prod before -- (npm passes it on as npm_config_stack) " +
        "and --stack dev after it. Give --stack once, e.g. npm run plan -- --stack dev",
    );
  });

  it("refuses npm run plan --stack prod (npm keeps --stack, prod is left as an argument)", async () => {
    const result = await planProject(["prod"], {}, { npm_config_stack: "true" });
    assertRefused(
      result,
      "error: npm kept --stack for itself and passed no stack name (it only passes --stack=<name> on): " +
        "write npm run plan --stack=<name>, or put the option after --: npm run plan -- --stack <name>",
    );
  });

  it("--help says how --stack given to npm is taken", async () => {
    const result = await plan(["--help"], { env: {} });
    assert.match(
      result.stdout.replace(/\s+/g, " "),
      /before --, npm passes --stack=<name> on as npm_config_stack, which is honoured; given both ways, the two must name the same stack/,
    );
  });
});

describe("plan: end to end in a subprocess", function () {
  this.timeout(120_000);
  const script = path.join("plan", "main.ts");
  const run = (args: string[]) =>
    spawnSync(process.execPath, ["-r", "./scripts/register-ts.js", script, ...args], {
      cwd: PROJECT_DIR,
      encoding: "utf8",
      timeout: 110_000,
    });

  it("node plan/main.ts --json prints a parseable plan and exits 0", () => {
    const result = run(["--stack", "prod", "--json"]);
    assert.equal(result.status, 0, result.stderr);
    const doc = JSON.parse(result.stdout) as PlanDocument;
    assert.equal(doc.stack, "prod");
    assert.ok(doc.resources.length > 0);
  });

  it("an unknown stack exits 1 with one line on stderr and no stack trace", () => {
    const result = run(["--stack", "nope"]);
    assert.equal(result.status, 1);
    assert.equal(result.stderr.trimEnd().split("\n").length, 1);
    assertNoStackTrace(result.stderr);
  });
});
