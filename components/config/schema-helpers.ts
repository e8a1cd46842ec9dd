import { z } from "zod";

/**
 * A strict object: an unknown key (usually a typo) is an error that lists the keys allowed here.
 */
export function strictObject<T extends z.core.$ZodLooseShape>(shape: T) {
  const allowed = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown key; allowed keys here: ${allowed}`
        : issue.code === "invalid_type"
          ? `must be an object with keys ${allowed}`
          : undefined,
  });
}

/** A whole number within [min, max], with a message that says the range and the unit. */
export function intInRange(min: number, max: number, unit = "") {
  const suffix = unit ? ` ${unit}` : "";
  const message = `must be a whole number from ${min} to ${max}${suffix}`;
  return z
    .number({ error: message })
    .int({ error: message })
    .min(min, { error: message })
    .max(max, {
      error: message,
    });
}

/** One of a fixed set of strings; the message lists them. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of: ${values.join(", ")}` });
}

export const booleanFlag = z.boolean({ error: "must be true or false" });

/**
 * A name that becomes part of AWS resource names (load balancers, target groups, log groups,
 * roles): lowercase letters, digits and single hyphens, starting with a letter. 20 characters at
 * most, so that `<name>-tg` plus Pulumi's 8-character suffix fits AWS's 32-character limit.
 */
export const RESOURCE_NAME_MAX_LENGTH = 20;
const resourceNameMessage =
  "must be lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen";
export const resourceName = z
  .string()
  .regex(/^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$/, { error: resourceNameMessage })
  .max(RESOURCE_NAME_MAX_LENGTH, {
    error: `must be at most ${RESOURCE_NAME_MAX_LENGTH} characters (AWS load balancer and target group names are limited to 32)`,
  })
  .meta({ patternErrorMessage: resourceNameMessage });

// ---- AWS tags (`vitcord-infra:tags`).

/**
 * The characters every tagging API the stack uses accepts in a key and a value: ECS's `Tag`
 * pattern `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$` (ECS API reference, Tag), which ELBv2 and IAM share,
 * and the strictest of them (EC2 takes any character). Letters, digits, spaces and `_ . : / = + - @`.
 */
export const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
export const TAG_KEY_MAX_LENGTH = 128;
export const TAG_VALUE_MAX_LENGTH = 256;
/** ECS, EC2, ELB and the others: 50 user tags per resource (`aws:` tags are not counted). */
export const TAGS_PER_RESOURCE_MAX = 50;
/** The tags the program puts on every resource (index.ts: the provider's default tags). */
export const PROGRAM_TAG_KEYS = ["Project", "Environment", "Stack", "ManagedBy"] as const;
/**
 * The most tags a resource carries of its own beside the default ones: a task definition's four
 * release tags (`vitcord:image-tag`, …; components/release.ts). Others carry `Name`, or two on the
 * Auto Scaling group (`AmazonECSManaged`, `Name`).
 */
export const RESOURCE_OWN_TAGS_MAX = 4;
/** Keys `vitcord-infra:tags` may add to the program's own: 50 − 4 − 4 = 42. */
export const EXTRA_TAGS_MAX =
  TAGS_PER_RESOURCE_MAX - RESOURCE_OWN_TAGS_MAX - PROGRAM_TAG_KEYS.length;

const TAG_ALLOWED = "letters, digits, spaces and _ . : / = + - @";

/** What is wrong with a tag key, or undefined. */
export function tagKeyProblem(key: string): string | undefined {
  if (key.length === 0) return "a tag key cannot be empty";
  if (key.length > TAG_KEY_MAX_LENGTH) {
    return `tag keys are at most ${TAG_KEY_MAX_LENGTH} characters (this one has ${key.length})`;
  }
  if (key.toLowerCase().startsWith("aws:")) {
    return "tag keys cannot start with aws: (in any case): AWS reserves that prefix";
  }
  if (!TAG_CHARACTERS.test(key)) {
    return `tag keys may hold only ${TAG_ALLOWED} (the ECS and ELB tag pattern)`;
  }
  return undefined;
}

/** What is wrong with a tag value, or undefined. */
export function tagValueProblem(value: string): string | undefined {
  if (value.length > TAG_VALUE_MAX_LENGTH) {
    return `tag values are at most ${TAG_VALUE_MAX_LENGTH} characters (this one has ${value.length})`;
  }
  if (value.toLowerCase().startsWith("aws:")) {
    return "tag values cannot start with aws: (in any case): ECS rejects it as AWS's reserved prefix";
  }
  if (!TAG_CHARACTERS.test(value)) {
    return `tag values may hold only ${TAG_ALLOWED} (the ECS and ELB tag pattern)`;
  }
  return undefined;
}

/**
 * Extra tags for every resource, checked against what every tagging API of the stack accepts:
 * each key and value (the problem is reported at `tags.<key>`), and their number once merged with
 * the program's own tags (a key given here that the program also sets replaces it, not adds one).
 */
export const tagMap = z
  .record(z.string(), z.string({ error: "tag values must be strings" }))
  .superRefine((tags, ctx) => {
    for (const [key, value] of Object.entries(tags)) {
      const problem = tagKeyProblem(key) ?? tagValueProblem(value);
      if (problem !== undefined) ctx.addIssue({ code: "custom", path: [key], message: problem });
    }
    const program: readonly string[] = PROGRAM_TAG_KEYS;
    const extra = Object.keys(tags).filter((key) => !program.includes(key)).length;
    if (extra > EXTRA_TAGS_MAX) {
      ctx.addIssue({
        code: "custom",
        message: `adds ${extra} tags; at most ${EXTRA_TAGS_MAX} besides ${PROGRAM_TAG_KEYS.join(", ")}: AWS allows ${TAGS_PER_RESOURCE_MAX} tags per resource, the program sets those ${PROGRAM_TAG_KEYS.length} everywhere and a task definition carries ${RESOURCE_OWN_TAGS_MAX} release tags of its own`,
      });
    }
  });

// ---- Image names shared by web services and workers.

/** A full image reference (`registry/repo:tag` or `repo@sha256:…`). */
const imageReferenceMessage =
  "must be a full image reference with a tag or digest, e.g. public.ecr.aws/nginx/nginx:1.27";
export const imageReference = z
  .string()
  .regex(
    /^[a-z0-9]+([._/:-][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$/,
    { error: imageReferenceMessage },
  )
  .meta({ patternErrorMessage: imageReferenceMessage });

/** An image tag as Docker and ECR accept it. */
const imageTagMessage =
  "must be an image tag: letters, digits, underscores, periods and hyphens, not starting with a period or hyphen, at most 128 characters";
export const imageTag = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { error: imageTagMessage })
  .meta({ patternErrorMessage: imageTagMessage });

/**
 * What a `z.preprocess` accepts besides its schema's own input, as JSON Schema. zod's
 * `toJSONSchema` shows only the schema after the preprocess step, which would reject the text the
 * preprocess turns into a number; the stack-file JSON Schema (reference.ts) adds these as
 * alternatives and refuses a preprocess that has no entry here.
 */
export const preprocessInputs = z.registry<{ alsoAccepts: Record<string, unknown> }>();

/** An image digest as ECR reports it: `sha256:` and 64 lowercase hex digits. */
const imageDigestMessage = "must be an image digest: sha256: followed by 64 lowercase hex digits";
export const imageDigest = z
  .string()
  .regex(/^sha256:[a-f0-9]{64}$/, { error: imageDigestMessage })
  .meta({ patternErrorMessage: imageDigestMessage });

/**
 * Who or what released an image (`alice`, `github-actions/vitcord/api`): it becomes the value of
 * an AWS tag on the task definition, so it takes what AWS tag values take.
 */
const releasedByMessage =
  "must be 1 to 256 characters: letters, digits, spaces and + - = . _ : / @ (what an AWS tag value allows)";
export const releasedBy = z
  .string()
  .regex(/^[A-Za-z0-9 +\-=._:/@]{1,256}$/, { error: releasedByMessage })
  .meta({ patternErrorMessage: releasedByMessage });

/** The git commit a release was made from: an abbreviated or full SHA-1 or SHA-256 hash. */
const releaseCommitMessage = "must be a git commit hash: 7 to 64 lowercase hex digits";
export const releaseCommit = z
  .string()
  .regex(/^[a-f0-9]{7,64}$/, { error: releaseCommitMessage })
  .meta({ patternErrorMessage: releaseCommitMessage });
