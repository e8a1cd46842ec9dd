import { z } from "zod";
import { booleanFlag, intInRange, strictObject } from "./schema-helpers";

/**
 * The container settings every workload shares (web services and Fargate workers): environment,
 * secrets, command, user, stop timeout, read-only root, health check, task-role policies. Each
 * workload schema spreads `containerConfigShape` into its own object and adds
 * `checkContainerConfig` to its superRefine, so both kinds validate them the same way.
 */

/** Environment variable names: letters, digits and underscores, not starting with a digit. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Environment keys that would hand AWS or registry credentials to a container in clear text
 * (ECS.8): the task role gives the application its AWS credentials, secrets go in `secrets`.
 */
export const FORBIDDEN_ENVIRONMENT_KEYS = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "ECS_ENGINE_AUTH_DATA",
] as const;

/** An SSM parameter ARN (`…:ssm:<region>:<account>:parameter/<name>`). */
export const SSM_PARAMETER_ARN =
  /^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/[A-Za-z0-9_.\-/]+$/;

/**
 * A Secrets Manager ARN, optionally followed by ECS's `:<json-key>:<version-stage>:<version-id>`
 * selector (`…:secret:db-AbCdEf:password::`).
 */
export const SECRETS_MANAGER_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+(:[^:]*:[^:]*:[^:]*)?$/;

/** A customer or AWS managed IAM policy ARN. */
const POLICY_ARN = /^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\/[A-Za-z0-9_+=,.@\-/]+$/;

/** A KMS key ARN. */
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

const envNameMessage =
  "environment and secret names must be letters, digits and underscores, not starting with a digit";
const envName = z.string().regex(ENV_NAME, { error: envNameMessage });

/** A record whose bad keys are reported with `message` instead of zod's "Invalid key in record". */
export function namedRecord<K extends z.ZodType<string>, V extends z.ZodType>(
  key: K,
  value: V,
  message: string,
) {
  return z.record(key, value, {
    error: (issue) =>
      issue.code === "invalid_key"
        ? message
        : issue.code === "invalid_type"
          ? "must be a map of names to values"
          : undefined,
  });
}

/** Values may be written as YAML numbers or booleans; the container sees them as text. */
const envValue = z
  .union([z.string(), z.number(), z.boolean()], {
    error: "must be a string, number or boolean",
  })
  .transform(String);

const secretArn = z
  .string()
  .refine((arn) => SSM_PARAMETER_ARN.test(arn) || SECRETS_MANAGER_ARN.test(arn), {
    error:
      "must be an SSM parameter ARN (arn:aws:ssm:<region>:<account>:parameter/<name>) or a Secrets Manager ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)",
  });

const absolutePath = z.string().regex(/^\/[A-Za-z0-9._\-/]*$/, {
  error: "must be an absolute path such as /tmp",
});

/** The user a container runs as; root (by name or uid 0) is refused (ECS.20). */
const nonRootUser = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$/, {
    error: "must be a user, uid, user:group or uid:gid",
  })
  .refine((user) => !/^(root|0)(:|$)/.test(user), {
    error: "must not be root or uid 0 (ECS.20: containers run as a non-root user)",
  });

const healthCommandMessage =
  'must be a shell command string, or a list starting with "CMD" or "CMD-SHELL"';

/** A container health check; a plain string is run by the shell (`CMD-SHELL`). */
export const containerHealthCheckSchema = strictObject({
  command: z
    .union(
      [
        z.string().min(1),
        z
          .array(z.string())
          .min(2)
          .refine((c) => c[0] === "CMD" || c[0] === "CMD-SHELL", { error: healthCommandMessage }),
      ],
      { error: healthCommandMessage },
    )
    .transform((c) => (typeof c === "string" ? ["CMD-SHELL", c] : c)),
  intervalSeconds: intInRange(5, 300, "seconds").default(30),
  timeoutSeconds: intInRange(2, 60, "seconds").default(5),
  retries: intInRange(1, 10).default(3),
  startPeriodSeconds: intInRange(0, 300, "seconds").default(0),
});

export type ContainerHealthCheckConfig = z.output<typeof containerHealthCheckSchema>;

/** The keys shared by `services.<name>` and `workers.<name>`. */
export const containerConfigShape = {
  /** Plain configuration for the container; never credentials (ECS.8). */
  environment: namedRecord(envName, envValue, envNameMessage).default({}),
  /** Name → SSM parameter or Secrets Manager ARN; ECS injects the value at start (ECS.8). */
  secrets: namedRecord(envName, secretArn, envNameMessage).default({}),
  /** KMS key that encrypts the secrets, when it is not the AWS managed key. */
  secretsKmsKeyArn: z
    .string()
    .regex(KMS_KEY_ARN, {
      error: "must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)",
    })
    .optional(),
  /** Overrides the image's command. */
  command: z
    .array(z.string(), { error: "must be a list of strings" })
    .min(1, { error: "must be a list of strings" })
    .optional(),
  /** Non-root user to run as (ECS.20). */
  user: nonRootUser.optional(),
  /** Seconds between SIGTERM and SIGKILL; ECS allows up to 120. */
  stopTimeoutSeconds: intInRange(2, 120, "seconds").default(30),
  /** Read-only root filesystem (ECS.5, CKV_AWS_336); turn off only for images that need it. */
  readonlyRootFilesystem: booleanFlag.default(true),
  /** Paths that get a writable, task-scoped scratch volume (the root stays read-only). */
  writablePaths: z
    .array(absolutePath, { error: "must be a list of absolute paths" })
    .default(["/tmp"]),
  containerHealthCheck: containerHealthCheckSchema.optional(),
  /** IAM policies for the application's task role (the task role is empty otherwise). */
  taskPolicyArns: z
    .array(
      z.string().regex(POLICY_ARN, {
        error: "must be IAM policy ARNs (arn:aws:iam::<account>:policy/<name>)",
      }),
    )
    .default([]),
};

type ContainerConfigInput = {
  readonly environment: Record<string, string>;
  readonly secrets: Record<string, string>;
  readonly writablePaths?: readonly string[];
};

/** The scratch volume name for a writable path: `/var/cache/nginx` → `scratch-var-cache-nginx`. */
export function scratchVolumeName(path: string): string {
  const slug = path.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "");
  return `scratch-${slug || "root"}`;
}

/**
 * The cross-field rules of the shared keys: no credentials in the environment (ECS.8), and no
 * name both in `environment` and in `secrets` (ECS would reject the task definition).
 */
export function checkContainerConfig(value: ContainerConfigInput, ctx: z.RefinementCtx): void {
  for (const key of Object.keys(value.environment)) {
    if ((FORBIDDEN_ENVIRONMENT_KEYS as readonly string[]).includes(key.toUpperCase())) {
      ctx.addIssue({
        code: "custom",
        path: ["environment", key],
        message:
          "AWS credentials must not be set in the environment (ECS.8); the task role provides AWS access, and other credentials go in secrets",
      });
    }
  }
  for (const key of Object.keys(value.secrets)) {
    if (Object.hasOwn(value.environment, key)) {
      ctx.addIssue({
        code: "custom",
        path: ["secrets", key],
        message: `is also set in environment; a name can be in environment or in secrets, not both`,
      });
    }
  }
  // Each path is a task volume named after it and mounted at it: two paths with one volume name
  // (`/tmp` and `/tmp/`, `/var/cache` and `/var_cache`) would be a duplicate volume or mount
  // point, and `/` would hide the whole image; ECS or Docker refuse both.
  const volumes = new Map<string, string>();
  (value.writablePaths ?? []).forEach((path, i) => {
    const name = scratchVolumeName(path);
    const first = volumes.get(name);
    if (path.replace(/\/+$/, "") === "") {
      ctx.addIssue({
        code: "custom",
        path: ["writablePaths", i],
        message: "must be a directory below /, not the root itself",
      });
    } else if (first !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["writablePaths", i],
        message: `is the same scratch volume (${name}) as ${first}; list each directory once`,
      });
    }
    volumes.set(name, first ?? path);
  });
}

/** The shared keys on their own, for typing and for tests. */
export const containerConfigSchema = strictObject(containerConfigShape);

export type ContainerConfig = z.output<typeof containerConfigSchema>;
