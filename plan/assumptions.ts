/**
 * The usage assumptions of the cost estimate, in one place. Prices come from prices.json; these
 * are the quantities AWS bills by use that a plan cannot know (traffic, log volume, Spot prices).
 * They are printed with every plan and included in its JSON.
 */
import prices from "./prices.json";

export interface Assumptions {
  /** Hours in a billing month (AWS and Infracost use 730). */
  readonly hoursPerMonth: number;
  /** GB processed by the NAT gateways per month, all gateways together. */
  readonly natGbPerMonth: number;
  /** Average load-balancer capacity units per ALB, every hour. */
  readonly albLcuPerHour: number;
  /** GB ingested per month into each CloudWatch log group. */
  readonly logGbPerGroupPerMonth: number;
  /** GB processed per month by each interface VPC endpoint. */
  readonly endpointGbPerMonth: number;
  /** GB kept in each S3 bucket (access logs). */
  readonly s3GbPerBucket: number;
  /** GB of images kept in each ECR repository. */
  readonly ecrGbPerRepository: number;
  /** Discount of an EC2 Spot instance against on-demand (AWS says "up to 90%"). */
  readonly ec2SpotDiscount: number;
  /** Discount of a Fargate Spot task (AWS says only "discounted"; 50–70% is cited). */
  readonly fargateSpotDiscount: number;
  /**
   * RDS backup storage beyond the free allowance (100% of the provisioned storage), as a fraction
   * of the provisioned storage: the daily changes kept for the retention period.
   */
  readonly dbBackupBeyondFreeFraction: number;
  /** Millions of write request units per month into each on-demand DynamoDB table. */
  readonly dynamoWriteMillionsPerTable: number;
  /** Millions of read request units per month from each on-demand DynamoDB table. */
  readonly dynamoReadMillionsPerTable: number;
  /** GB stored in each DynamoDB table (each global secondary index stores as much again). */
  readonly dynamoGbPerTable: number;
  /** GB held by each serverless cache on average (the engine's minimum applies). */
  readonly cacheGbStored: number;
  /** Millions of ECPUs per month per serverless cache (100 requests/s ≈ 263 million). */
  readonly cacheEcpuMillionsPerMonth: number;
  /** Millions of requests per month through the stack's WAF web ACL (all web services together). */
  readonly wafRequestsMillionsPerMonth: number;
}

/** Per environment: prod serves the traffic, dev only the team. */
export const DEFAULT_ASSUMPTIONS: Readonly<Record<"dev" | "prod", Assumptions>> = {
  dev: {
    hoursPerMonth: 730,
    natGbPerMonth: 50,
    // An LCU is the highest of 25 new connections/s, 3,000 active connections/min, 1 GB/h
    // processed (EC2/IP targets) or 1,000 rule evaluations/s (aws.amazon.com/elasticloadbalancing/
    // pricing). A team's dev traffic is a few requests a minute: 0.1 LCU is still 2.5 new
    // connections/s or 0.1 GB/h (73 GB a month) around the clock, an upper bound.
    albLcuPerHour: 0.1,
    logGbPerGroupPerMonth: 1,
    endpointGbPerMonth: 10,
    s3GbPerBucket: 5,
    ecrGbPerRepository: 2,
    // The low end of the ranges sources cite, so that Spot is not oversold.
    ec2SpotDiscount: 0.5,
    fargateSpotDiscount: 0.5,
    // One day of backups stays within the free allowance.
    dbBackupBeyondFreeFraction: 0,
    dynamoWriteMillionsPerTable: 1,
    dynamoReadMillionsPerTable: 2,
    dynamoGbPerTable: 1,
    cacheGbStored: 0.1,
    cacheEcpuMillionsPerMonth: 10,
    // Only with `waf.enabled`: the team's own calls, about 0.4 requests/s.
    wafRequestsMillionsPerMonth: 1,
  },
  prod: {
    hoursPerMonth: 730,
    natGbPerMonth: 500,
    albLcuPerHour: 2,
    logGbPerGroupPerMonth: 5,
    endpointGbPerMonth: 100,
    s3GbPerBucket: 50,
    ecrGbPerRepository: 5,
    ec2SpotDiscount: 0.5,
    fargateSpotDiscount: 0.5,
    // Two weeks or more of daily changes add half the database's size again.
    dbBackupBeyondFreeFraction: 0.5,
    dynamoWriteMillionsPerTable: 20,
    dynamoReadMillionsPerTable: 100,
    dynamoGbPerTable: 10,
    cacheGbStored: 0.5,
    cacheEcpuMillionsPerMonth: 263,
    // About 19 requests/s on average across the web services, in line with 2 LCUs per ALB.
    wafRequestsMillionsPerMonth: 50,
  },
};

/** The assumptions for an environment name (unknown names get prod's, the higher estimate). */
export function assumptionsFor(environment: string | undefined): Assumptions {
  return environment === "dev" ? DEFAULT_ASSUMPTIONS.dev : DEFAULT_ASSUMPTIONS.prod;
}

/** One line per assumption, for the printed plan. */
export function describeAssumptions(a: Assumptions): string[] {
  return [
    `${a.hoursPerMonth} hours per month; everything runs all month at its desired count`,
    `${a.natGbPerMonth} GB per month through the NAT gateways (a NAT instance has no per-GB processing fee; data transfer out to the internet, the same through either, is not priced)`,
    `${a.albLcuPerHour} LCU on average per load balancer (an LCU: 25 new connections/s, 3,000 active connections/min, 1 GB/h processed or 1,000 rule evaluations/s, whichever is highest${a.albLcuPerHour < 1 ? `; ${a.albLcuPerHour} is a team's dev traffic with room to spare` : ""})`,
    `${a.logGbPerGroupPerMonth} GB per month into each log group, kept for its retention`,
    `${a.endpointGbPerMonth} GB per month through each interface endpoint`,
    `${a.s3GbPerBucket} GB stored per S3 bucket, ${a.ecrGbPerRepository} GB per ECR repository`,
    `Spot: EC2 ${pct(a.ec2SpotDiscount)} and Fargate ${pct(a.fargateSpotDiscount)} below on-demand`,
    "one public IPv4 address per NAT gateway, per NAT instance (its Elastic IP) and per internet-facing load balancer AZ",
    `RDS: the allocated storage (not the autoscaling maximum); backups beyond the free allowance: ${pct(a.dbBackupBeyondFreeFraction)} of it; Performance Insights within its free 7 days`,
    `DynamoDB per table: ${a.dynamoWriteMillionsPerTable}M writes, ${a.dynamoReadMillionsPerTable}M reads, ${a.dynamoGbPerTable} GB a month; each index repeats writes and storage`,
    `serverless caches: ${a.cacheGbStored} GB stored and ${a.cacheEcpuMillionsPerMonth}M ECPUs a month each`,
    `WAF: ${a.wafRequestsMillionsPerMonth}M requests a month through the web ACL (all web services together); each AWS managed rule group billed as one rule`,
    "CloudWatch: each alarm per metric it reads (metric math: every metric in it), each dashboard $3 (the account's 3 free dashboards not counted); SNS alert e-mails and HTTPS deliveries within the free tier",
    `list prices in ${prices.currency}, no Savings Plans or free tier`,
  ];
}

function pct(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}
