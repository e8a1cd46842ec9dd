import * as assert from "node:assert/strict";
import { VOLUME_INIT_CONTAINER, VOLUME_INIT_IMAGE } from "../components/volume-permissions";
import { buildPlan, PlanDocument, renderPlan } from "../plan";
import { PlanIo, runPlan } from "../plan/main";
import { fitLines, Footnotes, pack, PLAN_WIDTH, wrap } from "../plan/text";
import { component, resource, smallStack } from "./plan-fixtures";
import { stackConfig } from "./harness";

async function plan(argv: string[], readConfig?: PlanIo["readConfig"]): Promise<string> {
  let stdout = "";
  let stderr = "";
  const code = await runPlan(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    ...(readConfig ? { readConfig } : {}),
  });
  assert.equal(code, 0, stderr);
  return stdout;
}

/** The lines wider than the terminal, with their numbers, for a readable failure. */
function tooWide(text: string): string[] {
  return text
    .split("\n")
    .map((line, i) => `${i + 1} (${line.length}): ${line}`)
    .filter((_, i) => text.split("\n")[i]!.length > PLAN_WIDTH);
}

describe("plan text: layout helpers", () => {
  it("wraps words onto indented continuation lines within the width", () => {
    assert.deepEqual(wrap("aaa bbb ccc ddd", "> ", "  ", 9), ["> aaa bbb", "  ccc ddd"]);
    assert.deepEqual(wrap("short", "  ", "    ", 20), ["  short"]);
  });

  it("packs a list, keeping the separator at the end of a broken line", () => {
    assert.deepEqual(pack(["a 1", "b 2", "c 3"], ", ", "x: ", "   ", 12), [
      "x: a 1, b 2,",
      "   c 3",
    ]);
    assert.deepEqual(pack(["p", "q"], " · ", "└ ", "  ", 20), ["└ p · q"]);
  });

  it("cuts a word longer than a whole line rather than overflow", () => {
    const lines = pack(["x".repeat(25)], " ", "- ", "  ", 10);
    assert.deepEqual(lines, ["- xxxxxxxx", "  xxxxxxxx", "  xxxxxxxx", "  x"]);
    assert.ok(lines.every((line) => line.length <= 10));
  });

  it("fits any too-wide line two columns deeper than it starts, and leaves others alone", () => {
    assert.deepEqual(fitLines(["  one two three four", "ok"], 12), [
      "  one two",
      "    three",
      "    four",
      "ok",
    ]);
  });

  it("numbers footnotes in the order they are first cited, once each", () => {
    const notes = new Footnotes();
    assert.deepEqual(
      ["a", "b", "a"].map((n) => notes.ref(n)),
      ["[1]", "[2]", "[1]"],
    );
    assert.deepEqual(notes.render("  "), ["  [1] a", "  [2] b"]);
  });
});

describe("plan text: fits a terminal", function () {
  // Each run synthesizes the whole program; no timing is asserted.
  this.timeout(120_000);
  let dev: string;
  let prod: string;
  let devJson: PlanDocument;
  let prodJson: PlanDocument;
  before(async () => {
    dev = await plan(["--stack", "dev"]);
    prod = await plan(["--stack", "prod"]);
    devJson = JSON.parse(await plan(["--stack", "dev", "--json"])) as PlanDocument;
    prodJson = JSON.parse(await plan(["--stack", "prod", "--json"])) as PlanDocument;
  });

  it(`keeps every line of the dev and prod plans within ${PLAN_WIDTH} columns`, () => {
    assert.deepEqual(tooWide(dev), []);
    assert.deepEqual(tooWide(prod), []);
  });

  it("keeps a plan with many long-named services and workers within the width", async () => {
    const services: Record<string, unknown> = {};
    const workers: Record<string, unknown> = {};
    // Three of each, every name as long as config allows: what matters is the width, not the count.
    for (let i = 1; i <= 3; i++) {
      // 20 characters, the longest name a service may have.
      services[`service-number-${i}abcd`] = {
        imageTag: `release-${i}.0.0-long-build-tag`,
        port: 8080,
        domain: `service-number-${i}abcd.vitcord.com`,
        hostedZoneName: "vitcord.com",
      };
      workers[`worker-number-${i}-abcd`] = {
        repository: `service-number-${i}abcd`,
        command: ["bundle", "exec", "aws_sqs_active_job", "--queue", `queue-${i}`],
        queue: { create: true },
      };
    }
    const text = await plan(["--stack", "prod"], () => stackConfig("prod", { services, workers }));
    assert.ok(text.includes("  service-number-3abcd (LoadBalancedService): "), "the services");
    assert.deepEqual(tooWide(text), []);
  });

  it("keeps a hand-built plan with overlong names and messages within the width", () => {
    const long = "x".repeat(150);
    const edge = component("x:y:Z", `edge-${long}`);
    const planned = buildPlan({
      stack: "test",
      environment: "dev",
      region: "ap-southeast-2",
      resources: [...smallStack(), resource(`aws:wafv2/webAcl:WebAcl${long}`, long, {}, edge)],
    });
    assert.deepEqual(tooWide(renderPlan(planned)), []);
  });

  it("says how its resource count relates to the JSON's resources list", () => {
    for (const [text, json] of [
      [dev, devJson],
      [prod, prodJson],
    ] as const) {
      const header =
        /^Inventory: (\d+) resources in \d+ components\n {2}\(--json lists (\d+) resources: these (\d+) and the (\d+) component resources that group them\)$/m.exec(
          text,
        );
      assert.ok(header, `${json.stack}: the inventory header and its relation line`);
      const [, shown, listed, these, components] = header.map(Number);
      assert.equal(shown, json.inventory.resourceCount);
      assert.equal(these, shown);
      assert.equal(listed, json.resources.length, `${json.stack}: the JSON's resources`);
      const componentResources = json.resources.filter((r) => r.type.startsWith("vitcord:"));
      assert.equal(components, componentResources.length);
      assert.equal(Number(shown) + Number(components), listed);
    }
    assert.equal(prodJson.resources.length, 178);
    assert.equal(prodJson.inventory.resourceCount, 160);
  });

  it("shows every service's and worker's image; prod's jobs runs the api's", () => {
    // A Fargate worker with scratch volumes runs a second image first, the container that makes
    // them writable (components/volume-permissions.ts): each image gets a line with its container.
    const init = `\n    image (${VOLUME_INIT_CONTAINER}): ${VOLUME_INIT_IMAGE}\n`;
    assert.ok(
      prod.includes(
        "\n    image (jobs): ECR repository vitcord/api, tag 1.0.0 (the api service's image)" +
          init,
      ),
      prod,
    );
    assert.ok(prod.includes("\n    image: ECR repository vitcord/api, tag 1.0.0\n"));
    assert.ok(prod.includes("\n    image: ECR repository vitcord/notifications, tag 1.0.0\n"));
    assert.ok(
      dev.includes("\n    image (jobs): public.ecr.aws/docker/library/ruby:3.3-slim" + init),
    );
    for (const [text, json] of [
      [dev, devJson],
      [prod, prodJson],
    ] as const) {
      const workloads = json.inventory.components.filter(
        (c) => c.kind === "service" || c.kind === "worker",
      );
      assert.equal(workloads.length, 3);
      for (const w of workloads) {
        const count = w.kind === "worker" ? 2 : 1;
        assert.equal(w.images?.length, count, `${json.stack}: ${w.component}'s images`);
        const block = text.slice(text.indexOf(`\n  ${w.component} (`));
        const image = block.split("\n").find((line) => line.startsWith("    image"));
        assert.ok(image, `${json.stack}: ${w.component}'s image line`);
      }
    }
    const jobs = prodJson.inventory.components.find((c) => c.component === "jobs")!;
    assert.deepEqual(jobs.images?.[0]?.repository, {
      name: "vitcord/api",
      component: "api",
      componentType: "vitcord:service:LoadBalancedService",
    });
  });

  it("a region the price table lacks: plans, totals what it can, and flags the total INCOMPLETE", async () => {
    const readConfig = () => stackConfig("prod", { "aws:region": "ap-southeast-2" });
    const json = JSON.parse(await plan(["--stack", "prod", "--json"], readConfig)) as PlanDocument;
    const { cost } = json;
    assert.equal(json.region, "ap-southeast-2");
    assert.equal(cost.complete, false);
    assert.equal(cost.total, 0);
    assert.deepEqual(cost.lines, []);
    const keys = cost.missingPrices.map((m) => m.key);
    for (const key of ["nat.hour", "alb.hour", "ec2.m7g.large.hour", "fargate.arm.vcpuHour"]) {
      assert.ok(keys.includes(key), key);
    }
    assert.deepEqual(cost.missingPrices.find((m) => m.key === "nat.hour")?.pricedIn, [
      "eu-west-1",
      "us-east-1",
    ]);
    // Same resources as in us-east-1: only the prices are missing.
    assert.equal(json.resources.length, prodJson.resources.length);
    const missingItems = cost.unpriced.filter((u) => u.missingPrice !== undefined).length;
    assert.equal(missingItems, prodJson.cost.lines.length); // every line priced in us-east-1

    const text = await plan(["--stack", "prod"], readConfig);
    assert.deepEqual(tooWide(text), []);
    const unpriced = cost.unpriced.length;
    assert.ok(
      text.includes(
        `\nMonthly cost estimate (USD, ap-southeast-2, list prices): $0.00 + ${unpriced} unpriced items — INCOMPLETE\n` +
          "  The price table has no ap-southeast-2 price for NAT gateways, public IPv4, CloudWatch Logs, EC2\n" +
          "  instances, EBS volumes, RDS, Secrets Manager, DynamoDB, load balancers, S3 storage, CloudWatch\n" +
          `  alarms/dashboards, Fargate, KMS keys and WAF: ${missingItems} items are not in the total.\n`,
      ),
      text,
    );
    assert.ok(text.includes("\n  No ap-southeast-2 price in the table (not in the total):\n"));
    assert.ok(text.includes("\n    network: 3 NAT gateways (OnePerAz), hours [nat.hour]\n"));
    assert.match(text, /\n {2}AWS estimate \$0\.00 \(INCOMPLETE, see above\) vs Heroku/);
  });

  it("eu-west-1: priced where the table has prices, INCOMPLETE for compute it lacks", async () => {
    const readConfig = () => stackConfig("dev", { "aws:region": "eu-west-1" });
    const json = JSON.parse(await plan(["--stack", "dev", "--json"], readConfig)) as PlanDocument;
    assert.equal(json.cost.complete, false);
    assert.ok(json.cost.total > 0);
    // The source has no eu-west-1 price for the dev database's class, gp3, DynamoDB, secrets or
    // CloudWatch alarms and dashboards.
    assert.deepEqual(json.cost.missingPrices.map((m) => m.key).sort(), [
      "cloudwatch.alarmMetricMonth",
      "cloudwatch.dashboardMonth",
      "dynamodb.pitr.gbMonth",
      "dynamodb.readMillion",
      "dynamodb.storage.gbMonth",
      "dynamodb.writeMillion",
      "ebs.gp3.gbMonth",
      "ec2.t4g.medium.hour",
      "ec2.t4g.nano.hour",
      "ecr.gbMonth",
      "fargate.arm.gbHour",
      "fargate.arm.vcpuHour",
      "rds.gp3.gbMonth",
      "rds.postgres.db.t4g.micro.hour",
      "secretsmanager.secretMonth",
    ]);
    assert.ok(json.cost.missingPrices.every((m) => m.pricedIn.includes("us-east-1")));
    // Dev's NAT is an instance (no NAT gateway line); its Elastic IP has eu-west-1's price.
    const eip = json.cost.lines.find((l) => l.item === "Elastic IP (public IPv4)");
    assert.equal(eip?.source, "aws-ipv4 2023-07-28");
  });

  it("us-east-1 dev and prod are complete: every price they need is in the table", () => {
    for (const [text, json] of [
      [dev, devJson],
      [prod, prodJson],
    ] as const) {
      assert.equal(json.cost.complete, true, json.stack);
      assert.deepEqual(json.cost.missingPrices, [], json.stack);
      assert.doesNotMatch(text, /INCOMPLETE/);
    }
    // Prod's access-log buckets are priced (S3 Standard, us-east-1), not left out.
    const s3 = prodJson.cost.lines.filter((l) => l.item === "S3 Standard storage (access logs)");
    assert.equal(s3.length, 2);
  });
});
