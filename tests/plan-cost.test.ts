import * as assert from "node:assert/strict";
import { Assumptions, DEFAULT_ASSUMPTIONS } from "../plan/assumptions";
import {
  CostEstimate,
  CostLine,
  estimateCost,
  FREE_TYPES,
  PRICERS,
  roundCents,
} from "../plan/cost";
import { describeIncomplete, renderCost } from "../plan/cost-text";
import { DEFAULT_PRICES, Price, PriceTable } from "../plan/price-table";
import { component, resource, smallStack } from "./plan-fixtures";

/** Round numbers, so every expected amount below can be checked by hand. */
const ASSUMPTIONS: Assumptions = {
  hoursPerMonth: 730,
  natGbPerMonth: 100,
  albLcuPerHour: 2,
  logGbPerGroupPerMonth: 1,
  endpointGbPerMonth: 10,
  s3GbPerBucket: 20,
  ecrGbPerRepository: 3,
  ec2SpotDiscount: 0.6,
  fargateSpotDiscount: 0.7,
  dbBackupBeyondFreeFraction: 0.5,
  dynamoWriteMillionsPerTable: 10,
  dynamoReadMillionsPerTable: 100,
  dynamoGbPerTable: 4,
  cacheGbStored: 0.5,
  cacheEcpuMillionsPerMonth: 100,
  wafRequestsMillionsPerMonth: 10,
};

function estimate(region = "us-east-1", prices?: PriceTable): CostEstimate {
  return estimateCost(smallStack(), { region, assumptions: ASSUMPTIONS, prices });
}

/** The one line whose item is `prefix` or starts with it (and is not merely a longer item's stem). */
function line(cost: CostEstimate, prefix: string): CostLine {
  const exact = cost.lines.filter((l) => l.item === prefix);
  const found = exact.length > 0 ? exact : cost.lines.filter((l) => l.item.startsWith(prefix));
  assert.equal(found.length, 1, `expected one line starting ${prefix}, got ${found.length}`);
  return found[0]!;
}

function price(key: string, region = "us-east-1"): number {
  const entry = DEFAULT_PRICES.get(region, key);
  assert.ok(entry, `the price table has ${key} for ${region}`);
  return entry.price;
}

describe("plan: cost model", () => {
  const cost = estimate();

  it("prices NAT gateways by strategy × AZs: hours, data and one public IPv4 each", () => {
    const hours = line(cost, "3 NAT gateways (OnePerAz), hours");
    assert.equal(hours.quantity, 3 * 730);
    assert.equal(hours.unitPrice, price("nat.hour"));
    assert.equal(hours.monthly, 98.55); // 3 × 730 × $0.045
    assert.equal(line(cost, "NAT data processed").monthly, 4.5); // 100 GB × $0.045
    assert.equal(line(cost, "3 NAT gateways (OnePerAz), public IPv4").monthly, 10.95);
    assert.equal(hours.component, "network");
  });

  it("counts one NAT for the Single strategy and none for None", () => {
    for (const [strategy, count] of [
      ["Single", 1],
      ["None", 0],
    ] as const) {
      const vpc = resource("awsx:ec2:Vpc", "vpc", {
        numberOfAvailabilityZones: 3,
        natGateways: { strategy },
      });
      const natLines = estimateCost([vpc], {
        region: "us-east-1",
        assumptions: ASSUMPTIONS,
      }).lines.filter((l) => l.item.includes("NAT"));
      const hours = natLines.find((l) => l.item.endsWith("hours"));
      assert.equal(hours?.quantity ?? 0, count * 730);
      if (count === 0) assert.deepEqual(natLines, []);
    }
  });

  it("prices an ALB: hours, the assumed LCUs, and a public IPv4 per AZ", () => {
    assert.equal(line(cost, "ALB hours").monthly, 16.43); // 730 × $0.0225 = 16.425
    const lcu = line(cost, "ALB LCUs");
    assert.equal(lcu.quantity, 2 * 730);
    assert.equal(lcu.monthly, 11.68); // 2 × 730 × $0.008
    const ips = line(cost, "ALB public IPv4 (3 AZs)");
    assert.equal(ips.monthly, 10.95);
    assert.equal(ips.component, "api");
  });

  it("gives an internal load balancer no public IPv4 line", () => {
    const lb = resource("aws:lb/loadBalancer:LoadBalancer", "internal", {
      internal: true,
      subnets: ["a", "b"],
    });
    const lines = estimateCost([lb], { region: "us-east-1", assumptions: ASSUMPTIONS }).lines;
    assert.deepEqual(
      lines.map((l) => l.item),
      ["ALB hours", "ALB LCUs (2 on average)"],
    );
  });

  it("prices an Advanced SSM parameter per month and lists a Standard one as free", () => {
    const ops = component("vitcord:ops:OperationsManifest", "ops");
    const parameter = (tier: string) =>
      resource("aws:ssm/parameter:Parameter", "ops-parameter", { tier }, ops);
    const options = { region: "us-east-1", assumptions: ASSUMPTIONS };
    const advanced = estimateCost([ops, parameter("Advanced")], options);
    assert.deepEqual(
      advanced.lines.map((l) => [l.component, l.item, l.quantity, l.unit, l.monthly]),
      [["ops", "SSM advanced parameter", 1, "parameter-month", 0.05]],
    );
    const standard = estimateCost([ops, parameter("Standard")], options);
    assert.deepEqual(standard.lines, []);
    assert.deepEqual(standard.free, [
      {
        type: "aws:ssm/parameter:Parameter",
        count: 1,
        reason: "Standard-tier SSM parameters have no charge",
      },
    ]);
  });

  it("prices a WAF web ACL per month, per rule (a managed group is one) and per assumed request", () => {
    const edge = component("vitcord:waf:WebFirewall", "waf");
    const acl = resource(
      "aws:wafv2/webAcl:WebAcl",
      "waf",
      { name: "x-web", rules: [{}, {}, {}] },
      edge,
    );
    const association = resource(
      "aws:wafv2/webAclAssociation:WebAclAssociation",
      "waf-api",
      {},
      edge,
    );
    const result = estimateCost([edge, acl, association], {
      region: "eu-west-1",
      assumptions: ASSUMPTIONS,
    });
    assert.deepEqual(
      result.lines.map((l) => [l.item, l.quantity, l.unit, l.monthly]),
      [
        ["WAF web ACL x-web", 1, "web ACL-month", 5],
        ["WAF rules (3; a managed rule group is one)", 3, "rule-month", 3],
        ["WAF requests inspected", 10, "1M requests", 6],
      ],
    );
    assert.deepEqual(result.unpriced, []);
    assert.equal(result.free[0]?.reason, "priced with its web ACL");
  });

  it("prices EC2 from the ASG's desired count, the first override, and Spot above the base", () => {
    // 4 desired; base 1 on-demand, then 50% of the other 3 rounded up: 3 on-demand, 1 Spot.
    const onDemand = line(cost, "EC2 t3.medium on-demand × 3");
    assert.equal(onDemand.quantity, 3 * 730);
    assert.equal(onDemand.monthly, roundCents(3 * 730 * price("ec2.t3.medium.hour"))); // 91.10
    assert.equal(onDemand.monthly, 91.1);
    const spot = line(cost, "EC2 t3.medium Spot × 1");
    assert.equal(spot.unitPrice, Number((price("ec2.t3.medium.hour") * 0.4).toPrecision(12)));
    assert.equal(spot.monthly, 12.15); // 730 × $0.0416 × (1 − 0.6)
    assert.match(spot.source, /60% Spot discount assumed/);
  });

  it("uses the minimum size when no desired capacity is set", () => {
    const template = resource("aws:ec2/launchTemplate:LaunchTemplate", "lt", {
      instanceType: "t3.small",
      blockDeviceMappings: [{ ebs: { volumeSize: 20, volumeType: "gp3" } }],
    });
    const group = resource("aws:autoscaling/group:Group", "asg", {
      minSize: 2,
      maxSize: 5,
      launchTemplate: { id: "lt-id", version: "$Latest" },
    });
    const lines = estimateCost([template, group], {
      region: "us-east-1",
      assumptions: ASSUMPTIONS,
    }).lines;
    assert.deepEqual(
      lines.map((l) => [l.item, l.monthly]),
      [
        ["EC2 t3.small on-demand × 2", 30.37], // 2 × 730 × $0.0208 = 30.368
        ["EBS gp3 20 GiB × 2 instances", 3.2], // 40 GB × $0.08
      ],
    );
  });

  it("finds each group's own launch template when there are several", () => {
    const template = (name: string, instanceType: string) =>
      resource("aws:ec2/launchTemplate:LaunchTemplate", name, { instanceType });
    const group = (name: string, id: string) =>
      resource("aws:autoscaling/group:Group", name, {
        desiredCapacity: 1,
        launchTemplate: { id, version: "$Latest" },
      });
    const lines = estimateCost(
      [
        template("small", "t3.small"),
        template("large", "t3.large"),
        group("a", "large-id"),
        group("b", "small-id"),
      ],
      { region: "us-east-1", assumptions: ASSUMPTIONS },
    ).lines;
    assert.deepEqual(
      lines.map((l) => l.item),
      ["EC2 t3.large on-demand × 1", "EC2 t3.small on-demand × 1"],
    );
  });

  it("prices gp3 root volumes per instance, with IOPS and throughput above the baseline", () => {
    assert.equal(line(cost, "EBS gp3 30 GiB × 4 instances").monthly, 9.6); // 120 GB × $0.08
    const iops = line(cost, "EBS gp3 30 GiB × 4 instances, IOPS");
    assert.equal(iops.quantity, 4000); // (4,000 − 3,000) × 4
    assert.equal(iops.monthly, 20);
    assert.equal(line(cost, "EBS gp3 30 GiB × 4 instances, MB/s").monthly, 4); // 25 × 4 × $0.04
  });

  it("prices Fargate ARM tasks at ARM rates, split FARGATE base / FARGATE_SPOT by weight", () => {
    const vcpu = line(cost, "Fargate 1 × 1 vCPU / 2 GB ARM64, vCPU");
    assert.equal(vcpu.unitPrice, price("fargate.arm.vcpuHour"));
    assert.equal(vcpu.monthly, 23.64); // 730 × $0.03238
    assert.equal(line(cost, "Fargate 1 × 1 vCPU / 2 GB ARM64, memory").monthly, 5.2); // 2 × 730 × $0.00356
    const spot = line(cost, "Fargate Spot 3 × 1 vCPU / 2 GB ARM64, vCPU");
    assert.equal(spot.quantity, 3 * 730);
    assert.equal(spot.monthly, 21.27); // 3 × 730 × $0.03238 × 0.3
    assert.equal(line(cost, "Fargate Spot 3 × 1 vCPU / 2 GB ARM64, memory").monthly, 4.68);
    assert.match(spot.source, /70% Spot discount assumed; Fargate Spot on ARM64 unconfirmed/);
    assert.doesNotMatch(vcpu.source, /Spot/);
    assert.equal(spot.component, "jobs");
  });

  it("prices Fargate x86 tasks at x86 rates", () => {
    const vcpu = line(cost, "Fargate 1 × 0.25 vCPU / 0.5 GB x86, vCPU");
    assert.equal(vcpu.unitPrice, price("fargate.x86.vcpuHour"));
    assert.equal(vcpu.monthly, 7.39); // 0.25 × 730 × $0.04048
    assert.equal(line(cost, "Fargate 1 × 0.25 vCPU / 0.5 GB x86, memory").monthly, 1.62);
  });

  it("puts no Fargate line on a service that runs on the EC2 capacity provider", () => {
    assert.equal(
      cost.lines.filter((l) => l.component === "api" && l.item.includes("Fargate")).length,
      0,
    );
    assert.deepEqual(
      cost.free.find((f) => f.type === "aws:ecs/service:Service"),
      {
        type: "aws:ecs/service:Service",
        count: 1,
        reason: "EC2 tasks run on the cluster's instances, priced there",
      },
    );
  });

  it("prices interface endpoints per AZ-hour plus data, and gateway endpoints as free", () => {
    assert.equal(line(cost, "dkr interface endpoint × 2 AZs").monthly, 14.6); // 2 × 730 × $0.01
    assert.equal(line(cost, "dkr interface endpoint data").monthly, 0.1);
    assert.ok(!cost.lines.some((l) => l.item.includes("s3")));
    assert.equal(cost.free.find((f) => f.type === "aws:ec2/vpcEndpoint:VpcEndpoint")?.count, 1);
  });

  it("prices log ingestion from the assumption and storage over the retention", () => {
    assert.equal(line(cost, "/vitcord/test/api: ingestion").monthly, 0.5);
    const storage = line(cost, "/vitcord/test/api: storage (30 days kept)");
    assert.equal(storage.quantity, 0.99); // 1 GB × 30 days × 12 / 365
    assert.equal(storage.monthly, 0.03);
  });

  it("prices ECR storage, KMS keys and secrets from the table", () => {
    const lines = estimateCost(
      [
        resource("aws:ecr/repository:Repository", "api-repo"),
        resource("aws:kms/key:Key", "key"),
        resource("aws:secretsmanager/secret:Secret", "secret"),
      ],
      { region: "us-east-1", assumptions: ASSUMPTIONS },
    ).lines;
    assert.deepEqual(
      lines.map((l) => l.monthly),
      [0.3, 1, 0.4],
    );
  });

  it("prices S3 access-log storage when the table has a price, and lists it unpriced otherwise", () => {
    const bucket = resource("aws:s3/bucket:Bucket", "api-access-logs");
    const withPrice = new PriceTable([
      ...DEFAULT_PRICES.prices,
      {
        key: "s3.standard.gbMonth",
        region: "us-east-1",
        unit: "GB-month",
        price: 0.5,
        source: "test",
        date: "2026-01-01",
        confirmed: true,
      } satisfies Price,
    ]);
    const priced = estimateCost([bucket], {
      region: "us-east-1",
      assumptions: ASSUMPTIONS,
      prices: withPrice,
    });
    assert.equal(priced.lines[0]?.monthly, 10); // 20 GB × $0.5
    // The real table prices S3 Standard in us-east-1 ($0.023/GB-month), not in eu-west-1.
    const real = estimateCost([bucket], { region: "us-east-1", assumptions: ASSUMPTIONS });
    assert.equal(real.lines[0]?.monthly, 0.46); // 20 GB × $0.023
    const eu = estimateCost([bucket], { region: "eu-west-1", assumptions: ASSUMPTIONS });
    assert.deepEqual(eu.lines, []);
    assert.equal(eu.unpriced[0]?.name, "api-access-logs");
    assert.match(eu.unpriced[0].reason, /no s3\.standard\.gbMonth price for eu-west-1/);
  });

  it("lists types outside the model as unpriced and never drops a resource", () => {
    const cdn = resource(
      "aws:cloudfront/distribution:Distribution",
      "cdn",
      {},
      component("x:y:Z", "edge"),
    );
    const result = estimateCost([...smallStack(), cdn], {
      region: "us-east-1",
      assumptions: ASSUMPTIONS,
    });
    assert.deepEqual(result.unpriced.map((u) => `${u.component}/${u.name}`).sort(), [
      "edge/cdn",
      "jobs/jobs-dlq",
      "jobs/jobs-queue",
    ]);
    // Every custom resource is priced, free or unpriced.
    for (const r of smallStack().filter((r) => r.custom)) {
      const known =
        PRICERS[r.type] !== undefined ||
        FREE_TYPES[r.type] !== undefined ||
        result.unpriced.some((u) => u.name === r.name);
      assert.ok(known, `${r.type} ${r.name} is accounted for`);
    }
    assert.equal(result.free.find((f) => f.type === "aws:iam/role:Role")?.count, 1);
  });

  it("totals the lines, per component and overall, to the cent", () => {
    const sum = cost.lines.reduce((total, l) => total + l.monthly, 0);
    assert.equal(cost.total, roundCents(sum));
    assert.deepEqual(
      cost.byComponent.map((c) => c.component),
      ["network", "cluster", "api", "jobs", "mailer"],
    );
    const network = cost.byComponent.find((c) => c.component === "network")!;
    assert.equal(network.monthly, roundCents(98.55 + 4.5 + 10.95 + 14.6 + 0.1));
  });

  it("uses eu-west-1 prices there, marks unconfirmed ones, and leaves unknown ones unpriced", () => {
    const eu = estimate("eu-west-1");
    const nat = line(eu, "3 NAT gateways (OnePerAz), hours");
    assert.equal(nat.unitPrice, 0.048);
    assert.match(nat.source, /\(unconfirmed\)/);
    // The table has no eu-west-1 Fargate or t3.medium price: those become unpriced items.
    assert.ok(!eu.lines.some((l) => l.item.includes("Fargate")));
    assert.ok(eu.unpriced.some((u) => u.reason.includes("fargate.arm.vcpuHour")));
    assert.ok(eu.unpriced.some((u) => u.reason.includes("ec2.t3.medium.hour")));
  });

  it("is complete when the table has every price it needs for the region", () => {
    assert.equal(cost.complete, true);
    assert.deepEqual(cost.missingPrices, []);
    assert.ok(cost.unpriced.every((u) => u.missingPrice === undefined));
  });

  it("is incomplete in a region the table covers in part, and lists the prices it lacks", () => {
    const eu = estimate("eu-west-1");
    assert.equal(eu.complete, false);
    const missing = Object.fromEntries(eu.missingPrices.map((m) => [m.key, m]));
    assert.deepEqual(missing["fargate.arm.vcpuHour"], {
      key: "fargate.arm.vcpuHour",
      category: "Fargate",
      pricedIn: ["us-east-1"],
      items: 2, // the on-demand and the Spot share of the jobs worker
    });
    assert.equal(missing["ec2.t3.medium.hour"]?.category, "EC2 instances");
    assert.equal(missing["nat.hour"], undefined, "eu-west-1 has a NAT price");
    // Each missing price is an unpriced item naming its key; items outside the model name none.
    const keyed = eu.unpriced.filter((u) => u.missingPrice !== undefined);
    assert.equal(
      keyed.length,
      eu.missingPrices.reduce((sum, m) => sum + m.items, 0),
    );
    assert.ok(eu.unpriced.some((u) => u.name === "jobs-queue" && u.missingPrice === undefined));
  });

  it("says which prices no region has, apart from those another region has", () => {
    const noEcr = new PriceTable(DEFAULT_PRICES.prices.filter((p) => p.key !== "ecr.gbMonth"));
    const result = estimate("us-east-1", noEcr);
    assert.equal(result.complete, false);
    assert.deepEqual(result.missingPrices, [
      { key: "ecr.gbMonth", category: "ECR storage", pricedIn: [], items: 1 },
    ]);
    assert.equal(
      describeIncomplete(result, "us-east-1"),
      "The price table has no price in any region for ECR storage: 1 item is not in the total.",
    );
    assert.equal(
      describeIncomplete(estimate("eu-west-1"), "eu-west-1"),
      // 2 endpoint + 2 EC2 + 3 EBS (size, IOPS, throughput) + 1 ECR + 6 Fargate lines.
      "The price table has no eu-west-1 price for interface endpoints, EC2 instances, EBS volumes, " +
        "ECR storage and Fargate: 14 items are not in the total.",
    );
  });

  it("text: marks an incomplete total on its first line and lists what the region lacks", () => {
    const text = renderCost(estimate("eu-west-1"), "eu-west-1");
    assert.match(
      text[0]!,
      /^Monthly cost estimate \(USD, eu-west-1, list prices\): \$[\d,.]+ \+ \d+ unpriced items — INCOMPLETE$/,
    );
    assert.ok(text.includes("  No eu-west-1 price in the table (not in the total):"));
    assert.ok(
      text.includes("    jobs: Fargate 1 × 1 vCPU / 2 GB ARM64, vCPU [fargate.arm.vcpuHour]"),
      text.join("\n"),
    );
    assert.ok(text.every((line) => line.length <= 100));
    const home = renderCost(cost, "us-east-1");
    assert.doesNotMatch(home.join("\n"), /INCOMPLETE|No us-east-1 price/);
  });

  it("text: each line cites its source by a footnote listed under the table", () => {
    const text = renderCost(cost, "us-east-1");
    const spot = text.find((l) => l.includes("Fargate Spot 3 × 1 vCPU / 2 GB ARM64, vCPU"))!;
    const marker = /\[(\d+)\]$/.exec(spot)?.[0];
    assert.ok(marker, spot);
    const at = text.findIndex((l) => l.startsWith(`    ${marker} `));
    assert.deepEqual(text.slice(at, at + 2), [
      `    ${marker} vantage 2026-09-20; 70% Spot discount assumed; Fargate Spot on ARM64 unconfirmed (sources`,
      `        conflict)`,
    ]);
  });

  it("keeps the dev and prod assumptions in one table with the same keys", () => {
    assert.deepEqual(
      Object.keys(DEFAULT_ASSUMPTIONS.dev).sort(),
      Object.keys(DEFAULT_ASSUMPTIONS.prod).sort(),
    );
    assert.equal(DEFAULT_ASSUMPTIONS.prod.hoursPerMonth, 730);
  });

  it("rounds half-cents up despite binary floating point", () => {
    assert.equal(roundCents(730 * 0.0225), 16.43);
    assert.equal(roundCents(0.125), 0.13);
  });
});

describe("plan: price table", () => {
  it("has us-east-1 and eu-west-1 prices with unit, source and date", () => {
    assert.deepEqual(DEFAULT_PRICES.regions, ["eu-west-1", "us-east-1"]);
    for (const p of DEFAULT_PRICES.prices) {
      assert.ok(p.price > 0 && p.unit && p.source && /^\d{4}-\d{2}-\d{2}$/.test(p.date), p.key);
    }
  });

  it("marks the eu-west-1 NAT and ALB prices as unconfirmed", () => {
    for (const key of ["nat.hour", "nat.gb", "alb.hour", "alb.lcuHour"]) {
      assert.equal(DEFAULT_PRICES.get("eu-west-1", key)?.confirmed, false, key);
    }
  });
});
