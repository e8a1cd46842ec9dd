// Heroku's config vars over SSM Parameter Store: a workload's vars are the parameters under
// `configVarsPath(stack, workload)`, one per name. The pure rules (what `config:set` and
// `config:unset` accept, how `config` prints) and the one SSM read they share. A value never
// appears in a message: errors name the key and the argument's position only.
import { GetParametersByPathCommand, Parameter, SSMClient } from "@aws-sdk/client-ssm";
import { FORBIDDEN_ENVIRONMENT_KEYS } from "../components/config/task";
import { partitionOf } from "../components/config/regions";
import { CONFIG_VAR_NAME, WorkloadManifest } from "../components/ops-manifest";
import { CliError, isCredentialsError, AwsCredentialsError } from "./errors";

/**
 * Standard-tier parameters hold at most 4 KB (PutParameter's `Value`: "Standard parameters have a
 * value limit of 4 KB"; AWS's ValidationException says 4096 characters). Counted in UTF-8 bytes,
 * the stricter reading, so a value this accepts is never refused by AWS.
 */
export const MAX_CONFIG_VALUE_BYTES = 4096;

/** What `config` prints for a SecureString value without --reveal. */
export const MASK = "********";

/** One config var as Parameter Store holds it. */
export interface ConfigVar {
  readonly name: string;
  readonly type: "String" | "SecureString";
  /** With `WithDecryption: false`, a SecureString's value is ciphertext: never print it. */
  readonly value: string;
}

/** One KEY=VALUE of `config:set`, validated. */
export interface ConfigAssignment {
  readonly name: string;
  readonly value: string;
}

const EXAMPLE = "e.g. DATABASE_POOL=10";

/** Why `name` cannot be a config var (stack-independent rules), or undefined when it can. */
function nameProblem(name: string): string | undefined {
  if (!CONFIG_VAR_NAME.test(name)) {
    return `${JSON.stringify(name)} is not a valid config var name: letters, digits and underscores, not starting with a digit (${EXAMPLE})`;
  }
  if ((FORBIDDEN_ENVIRONMENT_KEYS as readonly string[]).includes(name.toUpperCase())) {
    // As components/config/task.ts refuses them in `environment` (ECS.8).
    return `${name}: AWS credentials must not be config vars (ECS.8); the task role provides AWS access`;
  }
  return undefined;
}

/**
 * Parses `config:set`'s KEY=VALUE arguments (split at the first `=`, so a value may hold `=`).
 * Every problem is one line naming the key (or the argument's position when there is no key):
 * a bad or duplicate name, AWS credentials, an empty value, one beyond the Standard tier.
 */
export function parseAssignments(args: readonly string[]): ConfigAssignment[] {
  const seen = new Set<string>();
  return args.map((arg, index) => {
    const equals = arg.indexOf("=");
    if (equals < 0) {
      // Not echoed: a value typed without its key would be printed.
      throw new CliError(
        `config:set takes KEY=VALUE pairs, and argument ${index + 1} has no "=" (${EXAMPLE}).`,
      );
    }
    const name = arg.slice(0, equals);
    const value = arg.slice(equals + 1);
    const problem = nameProblem(name);
    if (problem !== undefined) throw new CliError(`${problem}.`);
    if (seen.has(name)) throw new CliError(`${name} is given twice: give each name once.`);
    seen.add(name);
    if (value === "") {
      throw new CliError(
        `${name} has an empty value: Parameter Store cannot store one; remove the var with config:unset ${name}.`,
      );
    }
    const bytes = Buffer.byteLength(value, "utf8");
    if (bytes > MAX_CONFIG_VALUE_BYTES) {
      throw new CliError(
        `${name}'s value is ${bytes} bytes: a Standard-tier SSM parameter holds at most ${MAX_CONFIG_VALUE_BYTES} bytes (4 KB).`,
      );
    }
    return { name, value };
  });
}

/** Checks `config:unset`'s names: valid and each given once. */
export function parseNames(args: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const name of args) {
    if (!CONFIG_VAR_NAME.test(name)) {
      throw new CliError(
        `${JSON.stringify(name)} is not a valid config var name: letters, digits and underscores, not starting with a digit.`,
      );
    }
    if (seen.has(name)) throw new CliError(`${name} is given twice: give each name once.`);
    seen.add(name);
  }
  return [...seen];
}

/**
 * The names the stack file (or a data store's `uses`) already sets are refused, so every
 * variable has one source and a `pulumi up` never meets a name in both `environment` and
 * `secrets` (ECS rejects such a task definition).
 */
export function checkReserved(
  names: readonly string[],
  workload: string,
  stack: string,
  entry: Pick<WorkloadManifest, "reservedVariables">,
): void {
  const reserved = names.filter((n) => entry.reservedVariables.includes(n));
  if (reserved.length > 0) {
    throw new CliError(
      `${reserved.join(", ")} ${reserved.length === 1 ? "is" : "are"} already set for ${workload} by ` +
        `Pulumi.${stack}.yaml or the program (its environment, secrets, uses or queue URL): ` +
        `change ${reserved.length === 1 ? "it" : "them"} there, or pick another name.`,
    );
  }
}

/**
 * Parameter Store cannot change an existing parameter's type (HierarchyTypeMismatchException:
 * "you can't change a parameter from a String type to a SecureString type"), so a var keeps the
 * type it was created with; refused before anything changes.
 */
export function checkTypes(
  assignments: readonly ConfigAssignment[],
  existing: ReadonlyMap<string, ConfigVar>,
  secret: boolean,
  workload: string,
): void {
  for (const { name } of assignments) {
    const current = existing.get(name);
    if (current === undefined) continue;
    if (current.type === "SecureString" && !secret) {
      throw new CliError(
        `${name} is a secret config var of ${workload}: set it again with --secret (Parameter Store cannot turn a SecureString into a String; config:unset ${name} first to store it in clear).`,
      );
    }
    if (current.type === "String" && secret) {
      throw new CliError(
        `${name} is a plain config var of ${workload}: Parameter Store cannot turn a String into a SecureString; config:unset ${name} first, then config:set --secret it.`,
      );
    }
  }
}

/** The name of a var from its parameter: the last path segment. */
export function configVarName(parameterName: string): string {
  return parameterName.slice(parameterName.lastIndexOf("/") + 1);
}

/**
 * A parameter's ARN as a task definition's `secrets[].valueFrom` takes it (and as the program
 * writes it): `arn:<partition>:ssm:<region>:<account>:parameter/<path>/<NAME>`.
 */
export function parameterArn(region: string, account: string, parameterName: string): string {
  return `arn:${partitionOf(region)}:ssm:${region}:${account}:parameter${parameterName}`;
}

/** `config`'s lines: NAME=value sorted by name, SecureString values masked unless revealed. */
export function configLines(vars: readonly ConfigVar[], reveal: boolean): string[] {
  return [...vars]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((v) => `${v.name}=${v.type === "SecureString" && !reveal ? MASK : v.value}`);
}

/** `config --json`: the same, as objects. */
export function configJson(vars: readonly ConfigVar[], reveal: boolean) {
  return [...vars]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((v) => ({
      name: v.name,
      secret: v.type === "SecureString",
      value: v.type === "SecureString" && !reveal ? MASK : v.value,
    }));
}

/** Replaces every occurrence of the values in an AWS message, should AWS ever echo one. */
export function redact(message: string, values: readonly string[]): string {
  return values.filter((v) => v !== "").reduce((text, v) => text.split(v).join(MASK), message);
}

/** An SSM failure as one line naming the action; credentials and access get their own advice. */
export function ssmFailure(
  error: unknown,
  action: string,
  resource: string,
  values: readonly string[] = [],
): Error {
  if (isCredentialsError(error)) return new AwsCredentialsError((error as Error).message);
  if (!(error instanceof Error)) return new CliError(`${action} on ${resource} failed.`);
  const said = redact(error.message, values);
  if (error.name === "AccessDeniedException") {
    return new CliError(
      `Not allowed to ${action} on ${resource}: use a role with the deployer's or operator's policy in docs/iam/. AWS said: ${said}`,
    );
  }
  return new CliError(`${action} on ${resource} failed: ${error.name}: ${said}`);
}

/**
 * Every var under the workload's path, every page (GetParametersByPath returns at most 10 per
 * call). `reveal` decrypts SecureStrings (the caller needs kms:Decrypt on their key).
 */
export async function listConfigVars(
  ssm: SSMClient,
  path: string,
  reveal: boolean,
): Promise<ConfigVar[]> {
  const found: Parameter[] = [];
  let next: string | undefined;
  try {
    do {
      const page = await ssm.send(
        new GetParametersByPathCommand({
          Path: path,
          Recursive: false,
          WithDecryption: reveal,
          ...(next === undefined ? {} : { NextToken: next }),
        }),
      );
      found.push(...(page.Parameters ?? []));
      next = page.NextToken;
    } while (next !== undefined);
  } catch (error) {
    throw ssmFailure(error, "ssm:GetParametersByPath", path);
  }
  return found
    .filter((p) => p.Name !== undefined)
    .map((p) => ({
      name: configVarName(p.Name!),
      type: p.Type === "SecureString" ? "SecureString" : "String",
      value: p.Value ?? "",
    }));
}
