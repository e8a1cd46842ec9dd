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
export const resourceName = z
  .string()
  .regex(/^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$/, {
    error:
      "must be lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen",
  })
  .max(RESOURCE_NAME_MAX_LENGTH, {
    error: `must be at most ${RESOURCE_NAME_MAX_LENGTH} characters (AWS load balancer and target group names are limited to 32)`,
  });

/** Tag keys and values as AWS allows them (128 / 256 characters). */
export const tagMap = z.record(
  z.string().min(1).max(128, { error: "tag keys are at most 128 characters" }),
  z.string({ error: "tag values must be strings" }).max(256, {
    error: "tag values are at most 256 characters",
  }),
);

// ---- Container settings shared by web services and workers (one validator each, used by both).

/** Environment names that would put AWS credentials in plain text (ECS.8): use `secrets`. */
export const CREDENTIAL_ENVIRONMENT_NAMES = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "ECS_ENGINE_AUTH_DATA",
] as const;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const envName = z
  .string()
  .regex(ENV_NAME, {
    error: "variable names are letters, digits and underscores, not starting with a digit",
  })
  .refine((name) => !(CREDENTIAL_ENVIRONMENT_NAMES as readonly string[]).includes(name), {
    error:
      "AWS credentials must not be plain environment variables (ECS.8); the task role grants access",
  });

/** A container's plain environment: NAME → string value (quote numbers and booleans in YAML). */
export const containerEnvironment = z.record(
  envName,
  z.string({ error: "must be a string (quote numbers and booleans in the stack file)" }),
  {
    error: (issue) =>
      issue.code === "invalid_key"
        ? (issue.issues[0]?.message ?? "is not a valid environment variable name")
        : issue.code === "invalid_type"
          ? "must be a map of NAME: value"
          : undefined,
  },
);

/** A Secrets Manager secret ARN (optionally with a JSON key suffix) or an SSM parameter ARN. */
export const SECRET_ARN =
  /^arn:aws[a-z-]*:(secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+(:[^:]*:[^:]*:[^:]*)?|ssm:[a-z0-9-]+:\d{12}:parameter\/[A-Za-z0-9/_.-]+)$/;

/** A container's secrets: NAME → the ARN ECS reads the value from at start (ECS.8). */
export const containerSecrets = z.record(
  envName,
  z.string().regex(SECRET_ARN, {
    error:
      "must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>) or an SSM parameter ARN (arn:aws:ssm:<region>:<account>:parameter/<name>)",
  }),
  {
    error: (issue) =>
      issue.code === "invalid_key"
        ? (issue.issues[0]?.message ?? "is not a valid environment variable name")
        : issue.code === "invalid_type"
          ? "must be a map of NAME: secret or parameter ARN"
          : undefined,
  },
);

/**
 * Reports each secret whose name is also a plain environment variable: ECS would refuse the task
 * definition, and the intent (secret or not) is unclear. `path` is the workload's config path.
 */
export function checkSecretNames(
  environment: Record<string, string>,
  secrets: Record<string, string>,
  ctx: z.core.$RefinementCtx,
  path: PropertyKey[] = [],
): void {
  for (const name of Object.keys(secrets)) {
    if (name in environment) {
      ctx.addIssue({
        code: "custom",
        path: [...path, "secrets", name],
        message: `is also set in environment; a name is either a secret or a plain variable`,
      });
    }
  }
}

/** A full image reference (`registry/repo:tag` or `repo@sha256:…`). */
export const imageReference = z
  .string()
  .regex(
    /^[a-z0-9]+([._/:-][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$/,
    {
      error:
        "must be a full image reference with a tag or digest, e.g. public.ecr.aws/nginx/nginx:1.27",
    },
  );

/** An image tag as Docker and ECR accept it. */
export const imageTag = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, {
  error:
    "must be an image tag: letters, digits, underscores, periods and hyphens, not starting with a period or hyphen, at most 128 characters",
});

/** A container health check as ECS runs it (limits from the ECS API's HealthCheck). */
export const containerHealthCheck = strictObject({
  /** The command, e.g. ["CMD-SHELL", "bundle exec sidekiqmon || exit 1"]. */
  command: z
    .array(z.string(), { error: 'must be a list starting with "CMD" or "CMD-SHELL"' })
    .refine((c) => c.length >= 2 && (c[0] === "CMD" || c[0] === "CMD-SHELL"), {
      error: 'must be a list starting with "CMD" or "CMD-SHELL", then the command',
    }),
  intervalSeconds: intInRange(5, 300, "seconds").default(30),
  timeoutSeconds: intInRange(2, 60, "seconds").default(5),
  retries: intInRange(1, 10).default(3),
  startPeriodSeconds: intInRange(0, 300, "seconds").default(0),
});

export type ContainerHealthCheckConfig = z.output<typeof containerHealthCheck>;
