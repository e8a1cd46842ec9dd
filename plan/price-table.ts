/** The price table (prices.json) as typed data, and the look-up the cost model uses. */
import data from "./prices.json";

export interface Price {
  /** What is priced, e.g. `nat.hour`, `ec2.t3.small.hour`, `fargate.arm.vcpuHour`. */
  readonly key: string;
  readonly region: string;
  readonly unit: string;
  /** USD per unit. */
  readonly price: number;
  /** A key of `PRICE_SOURCES`. */
  readonly source: string;
  /** When the source published or was read. */
  readonly date: string;
  /** False when the source could not confirm the price. */
  readonly confirmed: boolean;
  readonly note?: string;
}

export interface HerokuDyno {
  readonly name: string;
  readonly memoryMiB: number;
  readonly monthly: number;
  /** Where the price comes from (a key of `PRICE_SOURCES`). */
  readonly source: string;
  /** Where the memory size comes from (a key of `PRICE_SOURCES`). */
  readonly memorySource: string;
  readonly date: string;
}

/** A Heroku add-on plan (Postgres, Key-Value Store); a size of null was not found. */
export interface HerokuAddonPlan {
  readonly name: string;
  readonly monthly: number;
  readonly memoryGb?: number | null;
  readonly storageGb?: number | null;
  /** Premium, Private and Shield Postgres plans keep a standby (HA), like RDS Multi-AZ. */
  readonly highAvailability?: boolean;
  readonly source: string;
  readonly date: string;
  /** False when the price (or the size) comes from one source or sources conflict. */
  readonly confirmed: boolean;
  readonly note?: string;
}

/** Heroku list prices: the Private Space (a private network, like the VPC) and the Common Runtime. */
export interface HerokuPrices {
  readonly privateSpace: {
    readonly name: string;
    /** The space's own monthly fee, before any dyno. */
    readonly monthly: number;
    readonly source: string;
    readonly date: string;
    /** The Private-tier dynos, the only ones that run in a Private Space. */
    readonly dynos: readonly HerokuDyno[];
  };
  readonly commonRuntime: {
    readonly name: string;
    readonly dynos: readonly HerokuDyno[];
  };
  /** Common Runtime Postgres plans (no Private-tier prices were found). */
  readonly postgres: { readonly tiersSource: string; readonly plans: readonly HerokuAddonPlan[] };
  readonly keyValueStore: { readonly plans: readonly HerokuAddonPlan[] };
}

export const PRICE_SOURCES: Readonly<Record<string, string>> = data.sources;
export const CURRENCY = data.currency;
export const HEROKU_PRICES: HerokuPrices = data.heroku;

/** A set of prices, looked up by region and key. */
export class PriceTable {
  private readonly byKey = new Map<string, Price>();

  constructor(readonly prices: readonly Price[]) {
    for (const price of prices) this.byKey.set(`${price.region}|${price.key}`, price);
  }

  get(region: string, key: string): Price | undefined {
    return this.byKey.get(`${region}|${key}`);
  }

  /** The regions the table prices `key` in. */
  regionsWith(key: string): string[] {
    return this.prices
      .filter((p) => p.key === key)
      .map((p) => p.region)
      .sort();
  }

  /** The regions that have at least one price. */
  get regions(): string[] {
    return [...new Set(this.prices.map((p) => p.region))].sort();
  }
}

/** The repository's price table. */
export const DEFAULT_PRICES = new PriceTable(data.prices);

/** "infracost 2026-08-21", with "(unconfirmed)" when the source could not confirm it. */
export function describeSource(price: Price): string {
  return `${price.source} ${price.date}${price.confirmed ? "" : " (unconfirmed)"}`;
}

/** What a price key prices, in words: `nat.hour` → "NAT gateways", `ec2.t3.small.hour` → "EC2". */
const CATEGORIES: Readonly<Record<string, string>> = {
  nat: "NAT gateways",
  ipv4: "public IPv4",
  alb: "load balancers",
  nlb: "load balancers",
  ec2: "EC2 instances",
  ebs: "EBS volumes",
  fargate: "Fargate",
  vpce: "interface endpoints",
  logs: "CloudWatch Logs",
  ecr: "ECR storage",
  s3: "S3 storage",
  kms: "KMS keys",
  secretsmanager: "Secrets Manager",
  ssm: "SSM Parameter Store",
  rds: "RDS",
  dynamodb: "DynamoDB",
  elasticache: "ElastiCache",
  cloudwatch: "CloudWatch alarms/dashboards",
  waf: "WAF",
};

export function priceCategory(key: string): string {
  const prefix = key.split(".")[0] ?? key;
  return CATEGORIES[prefix] ?? prefix;
}
