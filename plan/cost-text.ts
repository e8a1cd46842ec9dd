/**
 * The cost estimate as text: a table per component (item, quantity × price, monthly, source
 * footnote), what is not in the total and why, and what has no charge of its own. A total that
 * leaves out charges for lack of a price says so on its first line.
 */
import { CostEstimate, MissingPrice } from "./cost";
import { CostLevers } from "./levers";
import { shortType } from "./resources";
import { Footnotes, pack, PLAN_WIDTH, quantity, usd, wrap } from "./text";

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** "a, b and c" */
function listing(words: readonly string[]): string {
  return words.length <= 1
    ? (words[0] ?? "")
    : `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}

/** The categories of the missing prices, once each, in the order the estimate needed them. */
function categories(missing: readonly MissingPrice[]): string[] {
  return [...new Set(missing.map((m) => m.category))];
}

/**
 * Why the total is incomplete: "The price table has no ap-southeast-2 price for NAT gateways and
 * Fargate; no price in any region for S3 storage: 30 items are not in the total."
 */
export function describeIncomplete(cost: CostEstimate, region: string): string {
  const elsewhere = cost.missingPrices.filter((m) => m.pricedIn.length > 0);
  const nowhere = cost.missingPrices.filter((m) => m.pricedIn.length === 0);
  const reasons = [
    ...(elsewhere.length > 0 ? [`no ${region} price for ${listing(categories(elsewhere))}`] : []),
    ...(nowhere.length > 0 ? [`no price in any region for ${listing(categories(nowhere))}`] : []),
  ];
  const items = cost.missingPrices.reduce((sum, m) => sum + m.items, 0);
  const are = items === 1 ? "is" : "are";
  return `The price table has ${reasons.join("; ")}: ${plural(items, "item")} ${are} not in the total.`;
}

interface Row {
  readonly item: string;
  readonly amount: string;
  readonly monthly: string;
  readonly note: string;
}

/** The component tables: item | quantity × unit price | monthly | footnote. */
function renderLines(cost: CostEstimate, notes: Footnotes): string[] {
  const rows = new Map<string, Row[]>();
  for (const l of cost.lines) {
    const list = rows.get(l.component) ?? [];
    list.push({
      item: l.item,
      amount: `${quantity(l.quantity)} ${l.unit} × $${l.unitPrice}`,
      monthly: usd(l.monthly),
      note: notes.ref(l.source),
    });
    rows.set(l.component, list);
  }
  const all = [...rows.values()].flat();
  const amountWidth = Math.max(0, ...all.map((r) => r.amount.length)) + 2;
  const monthlyWidth = Math.max(
    8,
    ...all.map((r) => r.monthly.length + 1),
    ...cost.byComponent.map((c) => usd(c.monthly).length + 1),
  );
  const noteWidth = notes.markerWidth + 2;
  // The item column takes what is left; a longer item wraps under itself.
  const itemWidth = Math.min(
    Math.max(0, ...all.map((r) => r.item.length)) + 2,
    PLAN_WIDTH - 4 - amountWidth - monthlyWidth - noteWidth,
  );
  const lines: string[] = [];
  for (const { component, monthly } of cost.byComponent) {
    const total = usd(monthly).padStart(monthlyWidth);
    lines.push(`  ${component.padEnd(2 + itemWidth + amountWidth)}${total}`);
    for (const r of rows.get(component) ?? []) {
      const [head = "", ...tail] = wrap(r.item, "", "  ", itemWidth - 2);
      const figures = `${r.amount.padEnd(amountWidth)}${r.monthly.padStart(monthlyWidth)}`;
      lines.push(`    ${head.padEnd(itemWidth)}${figures}  ${r.note}`);
      for (const more of tail) lines.push(`    ${more}`);
    }
  }
  return lines;
}

export function renderCost(cost: CostEstimate, region: string): string[] {
  // The total never hides what it leaves out.
  const left = cost.unpriced.length;
  const more = left > 0 ? ` + ${plural(left, "unpriced item")}` : "";
  const flag = cost.complete ? "" : " — INCOMPLETE";
  const lines = [
    `Monthly cost estimate (${cost.currency}, ${region}, list prices): ${usd(cost.total)}${more}${flag}`,
  ];
  if (!cost.complete) lines.push(...wrap(describeIncomplete(cost, region), "  ", "  "));
  const notes = new Footnotes();
  lines.push(...renderLines(cost, notes));
  if (cost.lines.length > 0) {
    lines.push("  Price sources (keys of plan/prices.json):", ...notes.render("    "));
  }
  // Missing prices first: they are the ones a fuller price table would fix.
  const missing = cost.unpriced.filter((u) => u.missingPrice !== undefined);
  if (missing.length > 0) {
    lines.push(`  No ${region} price in the table (not in the total):`);
    for (const u of missing) {
      const suffix = `: the price table has no ${u.missingPrice} price for ${region}`;
      const item = u.reason.endsWith(suffix) ? u.reason.slice(0, -suffix.length) : u.reason;
      lines.push(...wrap(`${u.component}: ${item} [${u.missingPrice}]`, "    ", "      "));
    }
  }
  const others = cost.unpriced.filter((u) => u.missingPrice === undefined);
  if (others.length > 0) {
    lines.push("  Unpriced (not in the total):");
    for (const u of others) {
      const what = `${u.component}: ${u.name} (${shortType(u.type)}): ${u.reason}`;
      lines.push(...wrap(what, "    ", "      "));
    }
  }
  const freeCount = cost.free.reduce((sum, f) => sum + f.count, 0);
  lines.push(
    ...pack(
      cost.free.map((f) => `${shortType(f.type)} ${f.count}`),
      ", ",
      `  No charge of their own: ${plural(freeCount, "resource")}: `,
      "    ",
    ),
  );
  return lines;
}

/**
 * The end of the cost section: the interface endpoints' break-even (when VIT-NET-11 finds some
 * missing), then the largest line items, each with the config change that would reduce it.
 */
export function renderLevers(levers: CostLevers): string[] {
  const lines: string[] = [];
  const e = levers.endpoints;
  if (e !== undefined) {
    const breakEven = Number.isFinite(e.breakEvenGb)
      ? `break-even at ${quantity(e.breakEvenGb)} GB/month`
      : "no break-even (the endpoints' per-GB price is not below NAT's)";
    lines.push(
      ...wrap(
        `Interface endpoints (${e.services.join(", ")}; ${e.zones} AZs each): ${usd(e.monthly)}/mo vs NAT processing saved ${usd(e.natSaved)}/mo at ${quantity(e.gbPerMonth)} GB: ${breakEven} (VIT-NET-11)`,
        "  ",
        "    ",
      ),
    );
  }
  if (levers.largest.length === 0) return lines;
  lines.push(
    `  Levers: the ${plural(levers.largest.length, "largest item")} and what would reduce them`,
  );
  for (const l of levers.largest) {
    const what =
      l.change === null
        ? `none — ${l.detail}`
        : `${l.change} saves ${l.saves === null ? "an unknown amount" : `${usd(l.saves)}/mo`} (${l.detail})`;
    lines.push(...wrap(`${l.item} ${usd(l.monthly)}/mo: ${what}`, "    ", "      "));
  }
  return lines;
}
