/**
 * The AWS Regions a stack may deploy to (`aws:region`): every Region of the commercial `aws`
 * partition that is generally available.
 *
 * Source: AWS's "AWS Region billing codes" page
 * (https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-region-billing-codes.html),
 * cross-checked with the `Region` enum of @pulumi/aws 7.x; checked 2026-11-29. When AWS opens a
 * Region, add its code here (a stack in it is refused until then).
 */
export const AWS_REGIONS = [
  // North America
  "us-east-1", // US East (N. Virginia)
  "us-east-2", // US East (Ohio)
  "us-west-1", // US West (N. California)
  "us-west-2", // US West (Oregon)
  "ca-central-1", // Canada (Central)
  "ca-west-1", // Canada West (Calgary)
  "mx-central-1", // Mexico (Central)
  // South America
  "sa-east-1", // South America (São Paulo)
  // Europe
  "eu-central-1", // Europe (Frankfurt)
  "eu-central-2", // Europe (Zurich)
  "eu-north-1", // Europe (Stockholm)
  "eu-south-1", // Europe (Milan)
  "eu-south-2", // Europe (Spain)
  "eu-west-1", // Europe (Ireland)
  "eu-west-2", // Europe (London)
  "eu-west-3", // Europe (Paris)
  // Africa and the Middle East
  "af-south-1", // Africa (Cape Town)
  "il-central-1", // Israel (Tel Aviv)
  "me-central-1", // Middle East (UAE)
  "me-south-1", // Middle East (Bahrain)
  // Asia Pacific
  "ap-east-1", // Asia Pacific (Hong Kong)
  "ap-east-2", // Asia Pacific (Taipei)
  "ap-northeast-1", // Asia Pacific (Tokyo)
  "ap-northeast-2", // Asia Pacific (Seoul)
  "ap-northeast-3", // Asia Pacific (Osaka)
  "ap-south-1", // Asia Pacific (Mumbai)
  "ap-south-2", // Asia Pacific (Hyderabad)
  "ap-southeast-1", // Asia Pacific (Singapore)
  "ap-southeast-2", // Asia Pacific (Sydney)
  "ap-southeast-3", // Asia Pacific (Jakarta)
  "ap-southeast-4", // Asia Pacific (Melbourne)
  "ap-southeast-5", // Asia Pacific (Malaysia)
  "ap-southeast-6", // Asia Pacific (New Zealand)
  "ap-southeast-7", // Asia Pacific (Thailand)
] as const;

export type AwsRegion = (typeof AWS_REGIONS)[number];

/**
 * Regions outside the commercial partition, refused with the reason: the program attaches AWS
 * managed policies by their `arn:aws:` ARNs (aws.iam.ManagedPolicy in components/cluster.ts), which
 * do not exist in another partition, so a deploy there would fail half-way.
 */
export const UNSUPPORTED_PARTITIONS = [
  { prefix: "us-gov-", partition: "aws-us-gov", name: "AWS GovCloud (US)" },
  { prefix: "cn-", partition: "aws-cn", name: "AWS China" },
  { prefix: "eusc-", partition: "aws-eusc", name: "the AWS European Sovereign Cloud" },
  { prefix: "us-isob-", partition: "aws-iso-b", name: "AWS ISO-B" },
  { prefix: "us-isof-", partition: "aws-iso-f", name: "AWS ISO-F" },
  { prefix: "us-iso-", partition: "aws-iso", name: "AWS ISO" },
  { prefix: "eu-isoe-", partition: "aws-iso-e", name: "AWS ISO-E" },
] as const;

/**
 * The partition of a region, for ARNs: the commercial `aws` unless the region is in one of the
 * partitions above (the program refuses those; the CLI and the ELB log-delivery principal stay
 * right).
 */
export function partitionOf(region: string): string {
  return UNSUPPORTED_PARTITIONS.find((p) => region.startsWith(p.prefix))?.partition ?? "aws";
}

const REGIONS: readonly string[] = AWS_REGIONS;

/** `a`, `a or b`, `a, b or c`. */
function orList(items: readonly string[]): string {
  return items.length <= 1
    ? (items[0] ?? "")
    : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]!}`;
}

/**
 * The regions a mistyped one was probably meant to be: the same code in another spelling
 * (US-EAST-1, useast1), else the same area and direction (us-east-9 → us-east-1, us-east-2),
 * else the same area when it has a few (us-central-1 → the four us- regions). Never the whole list.
 */
export function closestRegions(value: string): string[] {
  const bare = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, "");
  const same = REGIONS.filter((r) => bare(r) === bare(value));
  if (same.length > 0) return same;
  const [area, direction] = value.trim().toLowerCase().split("-");
  if (area === undefined || direction === undefined) return [];
  const sameDirection = REGIONS.filter((r) => r.startsWith(`${area}-${direction}-`));
  if (sameDirection.length > 0) return sameDirection;
  const sameArea = REGIONS.filter((r) => r.startsWith(`${area}-`));
  return sameArea.length <= 6 ? sameArea : [];
}

/** Why `region` cannot be this program's `aws:region` (what follows `aws:region = "…": `). */
export function regionProblem(region: string): string | undefined {
  if (REGIONS.includes(region)) return undefined;
  const other = UNSUPPORTED_PARTITIONS.find((p) => region.startsWith(p.prefix));
  if (other !== undefined) {
    return (
      `${other.name} (partition ${other.partition}) is not supported: the program attaches AWS ` +
      "managed policies by their arn:aws: ARNs, which do not exist there; use a region of the " +
      "commercial partition, e.g. us-east-1"
    );
  }
  const near = closestRegions(region);
  const hint = near.length > 0 ? `; did you mean ${orList(near)}?` : "";
  return (
    `not an AWS region${hint} (the ${REGIONS.length} regions this program can use are listed in ` +
    "components/config/regions.ts)"
  );
}
