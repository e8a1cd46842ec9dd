import * as assert from "node:assert/strict";
import { buildPlan, renderPlan } from "../plan";
import { DEFAULT_ASSUMPTIONS } from "../plan/assumptions";
import { CostEstimate, CostLine, roundCents } from "../plan/cost";
import {
  costGroups,
  endpointBreakEven,
  largestLevers,
  LeverContext,
  leverFor,
} from "../plan/levers";
import { DEFAULT_PRICES } from "../plan/price-table";
import { RulesReport } from "../rules";
import { NAT_INSTANCE_TYPE_DEFAULT } from "../components/config/network";
import { runProgram } from "./harness";

const REGION = "us-east-1";
const price = (key: string) => {
  const found = DEFAULT_PRICES.get(REGION, key);
  assert.ok(found, `the table prices ${key}`);
  return found.price;
};

/** A cost line priced from the table, as the cost model's `charge` makes it. */
function line(
  component: string,
  item: string,
  key: string,
  quantity: number,
  discount = 0,
): CostLine {
  const unitPrice = price(key) * (1 - discount);
  return {
    component,
    item,
    key,
    quantity,
    unit: DEFAULT_PRICES.get(REGION, key)!.unit,
    unitPrice,
    monthly: roundCents(quantity * unitPrice),
    source: discount > 0 ? "x; 50% Spot discount assumed" : "x",
  };
}

function estimate(lines: CostLine[]): CostEstimate {
  return {
    currency: "USD",
    total: roundCents(lines.reduce((s, l) => s + l.monthly, 0)),
    complete: true,
    missingPrices: [],
    byComponent: [],
    lines,
    unpriced: [],
    free: [],
  };
}

const context = (environment: "dev" | "prod"): LeverContext => ({
  environment,
  region: REGION,
  assumptions: DEFAULT_ASSUMPTIONS[environment],
  prices: DEFAULT_PRICES,
  networkComponents: new Set(["network"]),
});

const HOURS = 730;
const natGateway = [
  line("network", "1 NAT gateway (Single), hours", "nat.hour", HOURS),
  line("network", "NAT data processed", "nat.gb", 50),
  line("network", "1 NAT gateway (Single), public IPv4 addresses", "ipv4.hour", HOURS),
];
const alb = [
  line("api", "ALB hours", "alb.hour", HOURS),
  line("api", "ALB LCUs", "alb.lcuHour", 73),
  line("api", "ALB public IPv4 (2 AZs)", "ipv4.hour", 2 * HOURS),
];
const cluster = [
  line("cluster", "EC2 m7g.large on-demand × 3", "ec2.m7g.large.hour", 3 * HOURS),
  line("cluster", "EBS gp3 50 GiB × 3 instances", "ebs.gp3.gbMonth", 150),
];

describe("plan levers (plan/levers.ts)", function () {
  this.timeout(60_000);

  it("groups a component's lines by kind, an address with what it belongs to, largest first", () => {
    const groups = costGroups(estimate([...alb, ...natGateway, ...cluster]), new Set(["network"]));
    assert.deepEqual(
      groups.map((g) => [g.label, g.lines.length]),
      [
        ["cluster: EC2 instances", 2],
        ["network: NAT gateways", 3],
        ["api: load balancer", 3],
      ],
    );
    for (const g of groups) {
      assert.equal(g.monthly, roundCents(g.lines.reduce((s, l) => s + l.monthly, 0)));
    }
  });

  it("dev's NAT gateway: a NAT instance saves the gateway's charges less the instance and its address", () => {
    const [group] = costGroups(estimate(natGateway), new Set(["network"]));
    const lever = leverFor(group!, context("dev"));
    const instance = (price(`ec2.${NAT_INSTANCE_TYPE_DEFAULT}.hour`) + price("ipv4.hour")) * HOURS;
    assert.equal(lever.change, "`network.natGateways: instance`");
    assert.equal(lever.saves, roundCents(group!.monthly - roundCents(instance)));
    assert.ok(lever.saves > 0);
  });

  it("prod's NAT gateways and database, and every load balancer: no lever, and why", () => {
    const prod = context("prod");
    const [nat] = costGroups(estimate(natGateway));
    assert.deepEqual(
      [leverFor(nat!, prod).change, leverFor(nat!, prod).detail],
      [
        null,
        "prod keeps a NAT gateway per AZ (VIT-NET-10) and refuses a NAT instance (VIT-NET-13)",
      ],
    );
    const [lb] = costGroups(estimate(alb));
    assert.equal(leverFor(lb!, context("dev")).change, null);
    assert.match(
      leverFor(lb!, prod).detail,
      /each web service has its own load balancer by design/,
    );
  });

  it("on-demand instances in prod: Spot saves them the assumed discount", () => {
    const [group] = costGroups(estimate(cluster));
    const lever = leverFor(group!, context("prod"));
    assert.equal(lever.change, "`cluster.spot` with `onDemandBase: 0`");
    assert.equal(
      lever.saves,
      roundCents(cluster[0]!.monthly * DEFAULT_ASSUMPTIONS.prod.ec2SpotDiscount),
    );
  });

  it("an unscheduled dev database: the default off hours save its hourly charge for the hours it sleeps", () => {
    const db = [
      line(
        "main",
        "RDS postgres db.t4g.micro Single-AZ, hours",
        "rds.postgres.db.t4g.micro.hour",
        HOURS,
      ),
    ];
    const lever = leverFor(costGroups(estimate(db))[0]!, context("dev"));
    assert.equal(lever.change, "`vitcord-infra:schedule` (dev's off hours)");
    assert.ok(lever.saves! > 0 && lever.saves! < db[0]!.monthly);
    // Already asleep: no further change, and what the schedule saves is said.
    const asleep = leverFor(costGroups(estimate(db))[0]!, {
      ...context("dev"),
      schedule: { hoursPerMonth: 365, workloads: [], cluster: false, databases: ["main"] },
    });
    assert.equal(asleep.change, null);
    assert.match(asleep.detail, /^already asleep off hours \(365 of 730 hours\), which saves \$/);
  });

  it("the interface endpoints' break-even: hours in every AZ against NAT's per-GB price net of theirs", () => {
    const rules = {
      violations: [],
      waivedFindings: [
        { ruleId: "VIT-NET-11", message: "no interface endpoint for ecr.api, ecr.dkr, logs, ssm" },
      ],
    } as unknown as RulesReport;
    const e = endpointBreakEven(rules, 3, context("prod"))!;
    const fixed = 4 * 3 * HOURS * price("vpce.interface.azHour");
    const gb = DEFAULT_ASSUMPTIONS.prod.natGbPerMonth;
    assert.deepEqual(e.services, ["ecr.api", "ecr.dkr", "logs", "ssm"]);
    assert.equal(e.monthly, roundCents(fixed + gb * price("vpce.interface.gb")));
    assert.equal(e.natSaved, roundCents(gb * price("nat.gb")));
    assert.equal(e.breakEvenGb, Math.ceil(fixed / (price("nat.gb") - price("vpce.interface.gb"))));
    // At the break-even the endpoints cost what they save.
    const at = e.breakEvenGb;
    assert.ok(Math.abs(fixed + at * price("vpce.interface.gb") - at * price("nat.gb")) < 0.05);
    assert.equal(
      endpointBreakEven(
        { violations: [], waivedFindings: [] } as unknown as RulesReport,
        3,
        context("prod"),
      ),
      undefined,
    );
  });

  for (const stack of ["dev", "prod"] as const) {
    it(`${stack}'s plan ends its cost section with its three largest line items and their levers`, async () => {
      const { resources } = await runProgram(stack);
      const planned = buildPlan({ stack, environment: stack, region: REGION, resources });
      assert.equal(planned.levers.largest.length, 3);
      const groups = costGroups(planned.cost, new Set(["network"]));
      assert.deepEqual(
        planned.levers.largest.map((l) => [l.item, l.monthly]),
        groups.slice(0, 3).map((g) => [g.label, g.monthly]),
      );
      assert.deepEqual(
        largestLevers(planned.cost, { ...context(stack), schedule: planned.assumptions.schedule }),
        planned.levers.largest,
      );
      const text = renderPlan(planned);
      const cost = text.slice(
        text.indexOf("Monthly cost estimate"),
        text.indexOf("The same workloads on Heroku"),
      );
      const tail = cost.trimEnd().split("\n");
      const at = tail.findIndex((l) =>
        /^ {2}Levers: the 3 largest items and what would reduce them$/.test(l),
      );
      assert.ok(at > 0, "the levers heading");
      const items = tail.slice(at + 1).filter((l) => /^ {4}\S/.test(l));
      assert.equal(items.length, 3);
      for (const [i, l] of planned.levers.largest.entries()) {
        assert.ok(items[i]!.startsWith(`    ${l.item} $`), items[i]);
      }
      if (stack === "prod") {
        assert.match(
          cost.replace(/\n {4}(?=\S)/g, " "),
          /^ {2}Interface endpoints \(ecr\.api, ecr\.dkr, logs, ssm; 3 AZs each\): \$[\d,.]+\/mo vs NAT processing saved \$[\d,.]+\/mo at 500 GB: break-even at [\d,]+ GB\/month \(VIT-NET-11\)$/m,
        );
      }
    });
  }
});
