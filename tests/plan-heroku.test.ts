import * as assert from "node:assert/strict";
import { buildPlan, PLAN_SECTIONS, planJson, renderPlan, usd } from "../plan";
import { dynoFor, estimateHeroku } from "../plan/heroku";
import { HEROKU_PRICES, PRICE_SOURCES } from "../plan/price-table";
import { RecordedResource } from "../plan/engine/synth";
import { component, resource, smallStack } from "./plan-fixtures";

const PRIVATE = HEROKU_PRICES.privateSpace.dynos;
const COMMON = HEROKU_PRICES.commonRuntime.dynos;

/** A worker component named `name` running `tasks` tasks of `memory` MiB on Fargate. */
function workload(name: string, memory: number, tasks: number): RecordedResource[] {
  const parent = component("vitcord:service:FargateWorker", name);
  const task = resource(
    "aws:ecs/taskDefinition:TaskDefinition",
    `${name}-task`,
    { cpu: "1024", memory: String(memory), requiresCompatibilities: ["FARGATE"] },
    parent,
  );
  const service = resource(
    "aws:ecs/service:Service",
    `${name}-service`,
    { desiredCount: tasks, taskDefinition: task.state.arn, launchType: "FARGATE" },
    parent,
  );
  return [parent, task, service];
}

const priced = (lines: { workload: string; tasks: number; dyno: string; monthly: number }[]) =>
  lines.map((l) => [l.workload, l.tasks, l.dyno, l.monthly]);

describe("plan: Heroku price data", () => {
  it("holds the Private-tier and Common Runtime list prices of aws-prices.md, with memory", () => {
    const table = (dynos: typeof PRIVATE) => dynos.map((d) => [d.name, d.memoryMiB, d.monthly]);
    assert.deepEqual(table(PRIVATE), [
      ["Private-S", 1024, 225],
      ["Private-M", 2560, 450],
      ["Private-L", 14336, 900],
    ]);
    assert.deepEqual(table(COMMON), [
      ["Standard-1X", 512, 25],
      ["Standard-2X", 1024, 50],
      ["Performance-M", 2560, 250],
      ["Performance-L", 14336, 500],
    ]);
    assert.equal(HEROKU_PRICES.privateSpace.monthly, 1000);
  });

  it("cites a known source and a date for every price and every memory size", () => {
    for (const p of [HEROKU_PRICES.privateSpace, ...PRIVATE, ...COMMON]) {
      assert.ok(p.source in PRICE_SOURCES, `${p.name}: source ${p.source}`);
      assert.match(p.date, /^\d{4}-\d{2}-\d{2}$/, `${p.name}: date`);
    }
    for (const d of [...PRIVATE, ...COMMON]) {
      assert.ok(d.memorySource in PRICE_SOURCES, `${d.name}: memory source ${d.memorySource}`);
    }
    assert.match(PRICE_SOURCES["heroku-cli"]!, /COST_MONTHLY/);
    assert.match(PRICE_SOURCES["heroku-devcenter"]!, /devcenter\.heroku\.com/);
  });
});

describe("plan: Heroku comparison", () => {
  it("maps a task to the smallest Private-tier dyno with enough memory", () => {
    assert.equal(dynoFor(512, PRIVATE)?.name, "Private-S");
    assert.equal(dynoFor(1024, PRIVATE)?.name, "Private-S");
    assert.equal(dynoFor(1025, PRIVATE)?.name, "Private-M");
    assert.equal(dynoFor(2560, PRIVATE)?.name, "Private-M");
    assert.equal(dynoFor(3072, PRIVATE)?.name, "Private-L");
    assert.equal(dynoFor(14336, PRIVATE)?.name, "Private-L");
    assert.equal(dynoFor(14337, PRIVATE), undefined);
  });

  it("maps a task to the smallest Common Runtime dyno with enough memory", () => {
    assert.equal(dynoFor(512, COMMON)?.name, "Standard-1X");
    assert.equal(dynoFor(513, COMMON)?.name, "Standard-2X");
    assert.equal(dynoFor(1024, COMMON)?.name, "Standard-2X");
    assert.equal(dynoFor(2048, COMMON)?.name, "Performance-M");
    assert.equal(dynoFor(8192, COMMON)?.name, "Performance-L");
    assert.equal(dynoFor(16384, COMMON), undefined);
  });

  it("Private Space: $1,000 + a 512 MiB task as Private-S $225, a 3 GiB task as Private-L $900", () => {
    const heroku = estimateHeroku([...workload("web", 512, 1), ...workload("media", 3072, 1)]);
    const { privateSpace } = heroku;
    assert.equal(privateSpace.privateNetwork, true);
    assert.deepEqual(privateSpace.space, {
      name: "Private Space",
      monthly: 1000,
      source: "heroku-cli 2026-08-04",
    });
    assert.deepEqual(priced(privateSpace.lines), [
      ["media", 1, "Private-L", 900],
      ["web", 1, "Private-S", 225],
    ]);
    assert.equal(privateSpace.total, 2125);
    assert.deepEqual(privateSpace.unpriced, []);
    assert.equal(privateSpace.lines[1]!.source, "heroku-cli 2026-08-04; memory: heroku-enterprise");
  });

  it("Common Runtime: no space fee, Standard/Performance dynos; for reference", () => {
    const heroku = estimateHeroku([...workload("web", 512, 1), ...workload("media", 3072, 1)]);
    const { commonRuntime } = heroku;
    assert.equal(commonRuntime.privateNetwork, false);
    assert.equal(commonRuntime.space, null);
    assert.deepEqual(priced(commonRuntime.lines), [
      ["media", 1, "Performance-L", 500],
      ["web", 1, "Standard-1X", 25],
    ]);
    assert.equal(commonRuntime.total, 525);
    assert.equal(commonRuntime.lines[1]!.source, "heroku-cli 2026-08-04; memory: heroku-devcenter");
  });

  it("multiplies the dyno price by the task count", () => {
    const heroku = estimateHeroku(workload("web", 512, 2));
    assert.deepEqual(priced(heroku.privateSpace.lines), [["web", 2, "Private-S", 450]]);
    assert.equal(heroku.privateSpace.total, 1450);
    assert.deepEqual(priced(heroku.commonRuntime.lines), [["web", 2, "Standard-1X", 50]]);
    assert.equal(heroku.commonRuntime.total, 50);
  });

  it("prices the small stack both ways", () => {
    const heroku = estimateHeroku(smallStack());
    assert.deepEqual(priced(heroku.privateSpace.lines), [
      ["api", 2, "Private-S", 450],
      ["jobs", 4, "Private-M", 1800],
      ["mailer", 1, "Private-S", 225],
    ]);
    assert.equal(heroku.privateSpace.total, 3475);
    assert.deepEqual(priced(heroku.commonRuntime.lines), [
      ["api", 2, "Standard-2X", 100],
      ["jobs", 4, "Performance-M", 1000],
      ["mailer", 1, "Standard-1X", 25],
    ]);
    assert.equal(heroku.commonRuntime.total, 1125);
  });

  it("says a task over 14 GB does not fit, instead of dropping it or pricing it", () => {
    const heroku = estimateHeroku([...workload("big", 30720, 1), ...workload("web", 512, 1)]);
    assert.deepEqual(priced(heroku.privateSpace.lines), [["web", 1, "Private-S", 225]]);
    assert.deepEqual(heroku.privateSpace.unpriced, [
      "big: does not fit, 30720 MiB per task is more than any Private Space dyno (Private-L has 14 GB)",
    ]);
    assert.equal(heroku.privateSpace.total, 1225);
    assert.deepEqual(heroku.commonRuntime.unpriced, [
      "big: does not fit, 30720 MiB per task is more than any Common Runtime dyno (Performance-L has 14 GB)",
    ]);
    assert.equal(heroku.commonRuntime.total, 25);
  });

  it("lists a service whose task memory is unknown in both figures", () => {
    const parent = component("vitcord:service:FargateWorker", "ghost");
    const service = resource(
      "aws:ecs/service:Service",
      "ghost-service",
      { desiredCount: 1, taskDefinition: "arn:unknown" },
      parent,
    );
    const heroku = estimateHeroku([parent, service]);
    assert.deepEqual(heroku.privateSpace.unpriced, ["ghost: task memory unknown"]);
    assert.deepEqual(heroku.commonRuntime.unpriced, ["ghost: task memory unknown"]);
    assert.equal(heroku.privateSpace.total, 1000);
  });

  it("carries the sources it cites, spelled out from the price table", () => {
    const { sources } = estimateHeroku(smallStack());
    assert.deepEqual(Object.keys(sources), ["heroku-cli", "heroku-devcenter", "heroku-enterprise"]);
    assert.equal(sources["heroku-cli"], PRICE_SOURCES["heroku-cli"]);
  });
});

describe("plan: Heroku in the plan document and text", () => {
  const plan = buildPlan({
    stack: "test",
    environment: "dev",
    region: "us-east-1",
    resources: smallStack(),
  });

  it("--json: heroku has both figures, each with its lines, space fee and total", () => {
    const json = JSON.parse(planJson(plan)) as { heroku: Record<string, Record<string, unknown>> };
    const { heroku } = json;
    assert.deepEqual(Object.keys(heroku), [
      "commonRuntime",
      "currency",
      "notes",
      "privateSpace",
      "sources",
    ]);
    assert.deepEqual(Object.keys(heroku.privateSpace!), [
      "addons",
      "lines",
      "name",
      "privateNetwork",
      "space",
      "total",
      "unpriced",
    ]);
    assert.equal(heroku.privateSpace!.total, 3475);
    assert.equal(heroku.commonRuntime!.space, null);
    assert.deepEqual(Object.keys((heroku.privateSpace!.lines as object[])[0]!), [
      "dyno",
      "dynoMemoryMiB",
      "dynoMonthly",
      "memoryMiB",
      "monthly",
      "source",
      "tasks",
      "workload",
    ]);
  });

  it("text: both figures, each line with its source footnote, and AWS compared with the Private Space", () => {
    const section = PLAN_SECTIONS.filter((s) => s.title === "heroku");
    const text = renderPlan(plan, section);
    assert.ok(
      text.startsWith(
        "The same workloads on Heroku (list prices): $3,475.00 per month in a Private Space, $1,125.00 on the\n  Common Runtime\n",
      ),
      text,
    );
    assert.match(text, /\n {2}Private Space \(a private network, like the VPC\) +\$3,475\.00\n/);
    assert.match(text, /\n {4}Private Space fee +\$1,000\.00 {2}\[1\]\n/);
    assert.match(
      text,
      /\n {4}jobs +4 × Private-M \(2\.5 GB\) for 2048 MiB tasks +\$1,800\.00 {2}\[2\]\n/,
    );
    assert.match(text, /\n {2}Common Runtime \(no private network; for reference\) +\$1,125\.00\n/);
    assert.match(
      text,
      /\n {4}mailer +1 × Standard-1X \(512 MB\) for 512 MiB tasks +\$25\.00 {2}\[3\]\n/,
    );
    // Each footnote is the line's source, as in the JSON.
    assert.ok(text.includes("\n  Sources:\n    [1] heroku-cli 2026-08-04\n"), text);
    assert.ok(text.includes("\n    [2] heroku-cli 2026-08-04; memory: heroku-enterprise\n"));
    assert.ok(text.includes("\n    [3] heroku-cli 2026-08-04; memory: heroku-devcenter\n"));
    assert.ok(
      text.endsWith(
        `  AWS estimate ${usd(plan.cost.total)} vs Heroku Private Space $3,475.00 (Common Runtime, without a private network:\n    $1,125.00)\n`,
      ),
      text,
    );
    assert.ok(!text.includes("lower bound"), "no mixed-product caveat any more");
    assert.ok(text.split("\n").every((line) => line.length <= 100));
  });

  it("text: an incomplete AWS estimate is marked as such beside the Heroku figure", () => {
    const abroad = buildPlan({
      stack: "test",
      environment: "dev",
      region: "ap-southeast-2",
      resources: smallStack(),
    });
    const text = renderPlan(
      abroad,
      PLAN_SECTIONS.filter((s) => s.title === "heroku"),
    );
    assert.match(
      text,
      /\n {2}AWS estimate \$0\.00 \(INCOMPLETE, see above\) vs Heroku Private Space/,
    );
  });
});
