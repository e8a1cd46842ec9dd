/**
 * The stack's KMS key in the plan (components/kms.ts): its inventory line and its cost, the key
 * month and the requests of the log groups and topics that use it.
 */
import { charge, Context } from "./cost-context";
import { num, RecordedResource, str } from "./resources";

const KEY = "aws:kms/key:Key";
const ALIAS = "aws:kms/alias:Alias";

/**
 * SNS reuses a data key for up to 5 minutes and makes 2 KMS calls per reuse period and publisher
 * (SNS developer guide, "Key management": R = B / D × (2 × P)). CloudWatch Logs publishes no such
 * figure; the plan assumes the same for each log group that ingests all month.
 */
export const DATA_KEY_REUSE_SECONDS = 300;
export const KMS_CALLS_PER_REUSE = 2;

/** The KMS requests a month of `users` log groups and topics, each busy all month. */
export function kmsRequestsPerMonth(users: number, hoursPerMonth: number): number {
  return Math.round(
    ((hoursPerMonth * 3600) / DATA_KEY_REUSE_SECONDS) * KMS_CALLS_PER_REUSE * users,
  );
}

/** The resources whose `kmsKeyId` (log groups) or `kmsMasterKeyId` (topics) is the key's ARN. */
export function keyUsers(
  all: readonly RecordedResource[],
  key: RecordedResource,
): RecordedResource[] {
  const arn = str(key.state.arn);
  if (arn === undefined) return [];
  return all.filter((r) => r.inputs.kmsKeyId === arn || r.inputs.kmsMasterKeyId === arn);
}

/** "4 log groups and 1 SNS topic". */
function usersPhrase(users: readonly RecordedResource[]): string {
  const groups = users.filter((r) => r.type === "aws:cloudwatch/logGroup:LogGroup").length;
  const topics = users.filter((r) => r.type === "aws:sns/topic:Topic").length;
  const others = users.length - groups - topics;
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  return [
    count(groups, "log group"),
    ...(topics > 0 ? [count(topics, "SNS topic")] : []),
    ...(others > 0 ? [count(others, "other resource")] : []),
  ].join(", ");
}

/**
 * The key month (the first year's key material) and the requests of its users. Automatic rotation
 * adds $1 a month after the first rotation and $1 more after the second, none after (AWS KMS
 * pricing since its April 2024 change, as cloudburn.io's breakdown of the AWS page quotes it): a
 * yearly-rotated key costs $1, then $2, then $3 a month from its third year.
 */
export function priceKmsKey(key: RecordedResource, ctx: Context): void {
  const rotates = key.inputs.enableKeyRotation === true;
  const days = num(key.inputs.rotationPeriodInDays) ?? 365;
  charge(
    ctx,
    key,
    "KMS key",
    1,
    "kms.keyMonth",
    0,
    rotates
      ? `first year; rotation every ${days} days adds $1/month after each of the first 2 rotations`
      : "",
  );
  const users = keyUsers(ctx.resources, key);
  const requests = kmsRequestsPerMonth(users.length, ctx.assumptions.hoursPerMonth);
  charge(
    ctx,
    key,
    `KMS requests (${usersPhrase(users)}: ${requests.toLocaleString("en-US")} a month)`,
    requests / 10_000,
    "kms.request10k",
    0,
    `a data key per ${DATA_KEY_REUSE_SECONDS / 60} minutes per user, ${KMS_CALLS_PER_REUSE} calls each (SNS's formula)`,
  );
}

export const KMS_PRICERS = {
  [KEY]: priceKmsKey,
  [ALIAS]: () => "KMS aliases have no charge",
} as const;

/** The inventory line of a component that holds a KMS key, or undefined. */
export function kmsSummary(
  all: readonly RecordedResource[],
  members: readonly RecordedResource[],
): string | undefined {
  const key = members.find((r) => r.type === KEY);
  if (key === undefined) return undefined;
  const alias = members.find((r) => r.type === ALIAS);
  const name = str(alias?.inputs.name) ?? key.name;
  const rotation =
    key.inputs.enableKeyRotation === true
      ? `rotated every ${num(key.inputs.rotationPeriodInDays) ?? 365} days`
      : "not rotated";
  const window = num(key.inputs.deletionWindowInDays) ?? 30;
  return (
    `KMS key ${name}: ${rotation}, ${window}-day deletion window; encrypts ` +
    usersPhrase(keyUsers(all, key))
  );
}
