import { z } from "zod";
import { checkEgressRules, EgressRuleConfig, egressSchema } from "./egress";
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

/**
 * AWS managed policies that make a task role an administrator, or let it make itself one; an
 * application never needs them, and a compromised container would own the account.
 */
export const ADMINISTRATOR_POLICIES: Readonly<Record<string, string>> = {
  AdministratorAccess: "every action on every resource",
  "AdministratorAccess-Amplify":
    "account administrative permissions (AWS's description), IAM roles and policies included",
  PowerUserAccess: "every action outside IAM and Organizations, on every resource",
  IAMFullAccess: "iam:*: the role could attach AdministratorAccess to itself",
  AWSOrganizationsFullAccess: "organizations:*: administers the organization and its accounts",
};

/** The AWS managed policy an ARN names, if it is one of `ADMINISTRATOR_POLICIES`. */
export function administratorPolicy(arn: string): string | undefined {
  const name = /^arn:aws[a-z-]*:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn)?.[1];
  return name !== undefined && Object.hasOwn(ADMINISTRATOR_POLICIES, name) ? name : undefined;
}

const kmsKeyArnMessage = "must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)";
const policyArnMessage = "must be IAM policy ARNs (arn:aws:iam::<account>:policy/<name>)";
const policyArnWords = "must be an IAM policy ARN (arn:aws:iam::<account>:policy/<name>)";

const envNameMessage =
  "environment and secret names must be letters, digits and underscores, not starting with a digit";
const envName = z
  .string()
  .regex(ENV_NAME, { error: envNameMessage })
  .meta({ patternErrorMessage: envNameMessage });

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

const secretArnMessage =
  "must be an SSM parameter ARN (arn:aws:ssm:<region>:<account>:parameter/<name>) or a Secrets Manager ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)";
const secretArn = z
  .string()
  .refine((arn) => SSM_PARAMETER_ARN.test(arn) || SECRETS_MANAGER_ARN.test(arn), {
    error: secretArnMessage,
  })
  .meta({
    pattern: `${SSM_PARAMETER_ARN.source}|${SECRETS_MANAGER_ARN.source}`,
    patternErrorMessage: secretArnMessage,
  });

const absolutePathMessage = "must be an absolute path such as /tmp";
const absolutePath = z
  .string()
  .regex(/^\/[A-Za-z0-9._\-/]*$/, { error: absolutePathMessage })
  .meta({ patternErrorMessage: absolutePathMessage });

/** The user a container runs as; root (by name or uid 0) is refused (ECS.20). */
const nonRootUser = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$/, {
    error: "must be a user, uid, user:group or uid:gid",
  })
  .refine((user) => !/^(root|0)(:|$)/.test(user), {
    error: "must not be root or uid 0 (ECS.20: containers run as a non-root user)",
  })
  .meta({
    // Both checks as one pattern for the JSON Schema: the lookahead refuses root and uid 0.
    pattern: "^(?!(root|0)(:|$))[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$",
    patternErrorMessage: "must be a user, uid, user:group or uid:gid, and not root or uid 0",
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
    .transform((c) => (typeof c === "string" ? ["CMD-SHELL", c] : c))
    .describe(
      'The check Docker runs inside the container: a shell command string (run as `CMD-SHELL`), or a list starting with `"CMD"` (exec form) or `"CMD-SHELL"`. Exit code 0 is healthy. Required.',
    ),
  intervalSeconds: intInRange(5, 300, "seconds")
    .default(30)
    .describe("Seconds between two runs of the check."),
  timeoutSeconds: intInRange(2, 60, "seconds")
    .default(5)
    .describe("Seconds one run of the check may take before it counts as a failure."),
  retries: intInRange(1, 10)
    .default(3)
    .describe("Failed runs in a row after which the container is unhealthy and ECS replaces it."),
  startPeriodSeconds: intInRange(0, 300, "seconds")
    .default(0)
    .describe(
      "Seconds after the container starts during which failed runs do not count, for slow starters.",
    ),
});

export type ContainerHealthCheckConfig = z.output<typeof containerHealthCheckSchema>;

/** The keys shared by `services.<name>` and `workers.<name>`. */
export const containerConfigShape = {
  environment: namedRecord(envName, envValue, envNameMessage)
    .default({})
    .describe(
      "Plain environment variables for the container, name → value (numbers and booleans are passed as text). Never credentials: AWS keys are refused (ECS.8), and other credentials go in `secrets`.",
    ),
  secrets: namedRecord(envName, secretArn, envNameMessage)
    .default({})
    .describe(
      "Secret environment variables, name → the ARN of an SSM parameter or Secrets Manager secret; ECS reads the value when the task starts, and the execution role may read exactly these ARNs (ECS.8). A name cannot also be in `environment`.",
    ),
  secretsKmsKeyArn: z
    .string()
    .regex(KMS_KEY_ARN, { error: kmsKeyArnMessage })
    .meta({ patternErrorMessage: kmsKeyArnMessage })
    .optional()
    .describe(
      "The customer-managed KMS key that encrypts the `secrets`, so that the execution role may decrypt with it; unset for secrets under the AWS managed key.",
    ),
  command: z
    .array(z.string(), { error: "must be a list of strings" })
    .min(1, { error: "must be a list of strings" })
    .optional()
    .describe(
      "The command the container runs, in exec form, instead of the image's own `CMD`; unset keeps the image's.",
    ),
  user: nonRootUser
    .optional()
    .describe(
      "The user the container runs as (`user`, `uid`, `user:group` or `uid:gid`), never root (ECS.20); unset keeps the image's `USER`.",
    ),
  stopTimeoutSeconds: intInRange(2, 120, "seconds")
    .default(30)
    .describe(
      "Seconds between SIGTERM and SIGKILL when a task stops (deploy, scale-in, Spot interruption), for in-flight work to finish.",
    ),
  readonlyRootFilesystem: booleanFlag
    .default(true)
    .describe(
      "Mount the container's root filesystem read-only (ECS.5); `writablePaths` stay writable. Turn off only for an image that writes elsewhere and cannot be changed.",
    ),
  writablePaths: z
    .array(absolutePath, { error: "must be a list of absolute paths" })
    .default(["/tmp"])
    .describe(
      "Directories that get a writable scratch volume of their own, which lives as long as the task, while the root filesystem stays read-only.",
    ),
  containerHealthCheck: containerHealthCheckSchema
    .optional()
    .describe(
      "A health check that Docker runs inside the container; ECS replaces a container that fails it. Unset, only the load balancer (web services) or the process exit (workers) tells health.",
    ),
  taskPolicyArns: z
    .array(
      z
        .string()
        .regex(POLICY_ARN, { error: policyArnMessage })
        .meta({ patternErrorMessage: policyArnWords })
        .superRefine((arn, ctx) => {
          const name = administratorPolicy(arn);
          if (name === undefined) return;
          ctx.addIssue({
            code: "custom",
            message: `is ${name}, an administrator-like policy (${ADMINISTRATOR_POLICIES[name]}); task roles get only what the application calls: attach a policy of your own that names its actions and resources`,
          });
        }),
    )
    .default([])
    .describe(
      "IAM policies attached to the task role, which the application's AWS SDK calls use; the task role has no permissions otherwise (a worker's queue and a producer's send permission are added for you). Administrator-like AWS managed policies (AdministratorAccess, PowerUserAccess, IAMFullAccess, …) are refused, and every task role denies IAM changes whatever is attached.",
    ),
  egress: egressSchema,
};

type ContainerConfigInput = {
  readonly environment: Record<string, string>;
  readonly secrets: Record<string, string>;
  readonly writablePaths?: readonly string[];
  readonly egress?: readonly EgressRuleConfig[];
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
  checkEgressRules(value.egress ?? [], ctx);
}

/** The shared keys on their own, for typing and for tests. */
export const containerConfigSchema = strictObject(containerConfigShape);

export type ContainerConfig = z.output<typeof containerConfigSchema>;
