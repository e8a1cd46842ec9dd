/**
 * What every pricer of the cost model shares: the estimate's context, the line and item shapes,
 * and `charge`, which prices a quantity by key or lists it as unpriced when the table lacks it.
 */
import { Assumptions } from "./assumptions";
import { describeSource, priceCategory, PriceTable } from "./price-table";
import { isComponent, ownerOf, RecordedResource } from "./resources";

export interface CostLine {
  /** The owning component (network, cluster, api, jobs). */
  readonly component: string;
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly unitPrice: number;
  readonly monthly: number;
  readonly source: string;
  /** The price key (prices.json) it is priced by: what the plan's levers group lines by. */
  readonly key: string;
}

export interface UnpricedItem {
  readonly component: string;
  readonly type: string;
  readonly name: string;
  readonly reason: string;
  /** The price key the table lacks for the stack's region, when that is why it is unpriced. */
  readonly missingPrice?: string;
}

/** A price the estimate needed and the table lacks for the stack's region. */
export interface MissingPrice {
  readonly key: string;
  /** What it prices, in words ("NAT gateways", "Fargate"). */
  readonly category: string;
  /** The regions the table does price it in (none: it is missing everywhere). */
  readonly pricedIn: string[];
  /** How many unpriced items lack it. */
  readonly items: number;
}

export interface FreeItem {
  readonly type: string;
  readonly count: number;
  readonly reason: string;
}

export interface Context {
  readonly resources: readonly RecordedResource[];
  readonly region: string;
  readonly assumptions: Assumptions;
  readonly prices: PriceTable;
  readonly lines: CostLine[];
  readonly unpriced: UnpricedItem[];
}

/** Rounds to cents the way people do (16.425 → 16.43), despite binary floating point. */
export function roundCents(value: number): number {
  return Math.round(Number((value * 100).toPrecision(12))) / 100;
}

/**
 * The owning component's name, with its kind when another component has the same name (the
 * `notifications` table of the `notifications` service): `notifications (DynamoTable)`.
 */
export function componentName(
  resources: readonly RecordedResource[],
  resource: RecordedResource,
): string {
  const owner = ownerOf(resources, resource);
  const namesake = resources.some(
    (r) =>
      isComponent(r) &&
      r.name === owner.name &&
      r.type !== owner.type &&
      // Another top-level component, not one nested in this one (the api's WorkloadTask api).
      ownerOf(resources, r).type === r.type,
  );
  return namesake ? `${owner.name} (${owner.type.split(":").pop() ?? owner.type})` : owner.name;
}

export function unpriced(
  ctx: Context,
  resource: RecordedResource,
  reason: string,
  missingPrice?: string,
): void {
  const component = componentName(ctx.resources, resource);
  const item = { component, type: resource.type, name: resource.name, reason };
  ctx.unpriced.push(missingPrice === undefined ? item : { ...item, missingPrice });
}

/** The prices the unpriced items lack, one entry per key, in the order they were needed. */
export function missingPrices(ctx: Context): MissingPrice[] {
  const counts = new Map<string, number>();
  for (const u of ctx.unpriced) {
    if (u.missingPrice !== undefined) {
      counts.set(u.missingPrice, (counts.get(u.missingPrice) ?? 0) + 1);
    }
  }
  return [...counts].map(([key, items]) => ({
    key,
    category: priceCategory(key),
    pricedIn: ctx.prices.regionsWith(key),
    items,
  }));
}

/** Adds `quantity` units of the price `key`, or an unpriced item when the table lacks it. */
export function charge(
  ctx: Context,
  resource: RecordedResource,
  item: string,
  quantity: number,
  key: string,
  discount = 0,
  note = "",
): void {
  if (quantity <= 0) return;
  const price = ctx.prices.get(ctx.region, key);
  if (price === undefined) {
    const reason = `${item}: the price table has no ${key} price for ${ctx.region}`;
    unpriced(ctx, resource, reason, key);
    return;
  }
  const unitPrice = Number((price.price * (1 - discount)).toPrecision(12));
  ctx.lines.push({
    component: componentName(ctx.resources, resource),
    item,
    quantity: Number(quantity.toPrecision(12)),
    unit: price.unit,
    unitPrice,
    monthly: roundCents(quantity * unitPrice),
    source:
      describeSource(price) +
      (discount > 0 ? `; ${Math.round(discount * 100)}% Spot discount assumed` : "") +
      (note ? `; ${note}` : ""),
    key,
  });
}
