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
 * managed policies by their `arn:aws:` ARNs (aws.iam.ManagedPolicy in components/cluster.ts) and
 * the plan's stand-ins and prices are commercial-partition only, so a stack there would fail.
 */
export const UNSUPPORTED_PARTITIONS = [
  { prefix: "us-gov-", partition: "aws-us-gov", name: "AWS GovCloud (US)" },
  { prefix: "cn-", partition: "aws-cn", name: "AWS China" },
  { prefix: "eusc-", partition: "aws-eusc", name: "AWS European Sovereign Cloud" },
  { prefix: "us-iso", partition: "aws-iso", name: "AWS ISO (US secret and top-secret)" },
  { prefix: "eu-isoe-", partition: "aws-iso-e", name: "AWS ISO (EU)" },
] as const;
