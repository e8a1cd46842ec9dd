// Config vars (`config:set`): SSM parameters under `/vitcord/<stack>/config/<workload>` that the
// task definition references through `secrets`. Pure: the merge with the stack file's variables
// and the execution role's statements; `WorkloadTask` reads the names at deploy time.
import * as pulumi from "@pulumi/pulumi";
import { PolicyStatement } from "./iam";
import { CONFIG_VAR_NAME, configVarsPath } from "./ops-manifest";

/** Where the variables a task already gets come from (names only: values stay out of this). */
export interface VariableSources {
  /** The stack, whose file (`Pulumi.<stack>.yaml`) sets them. */
  readonly stack: string;
  /** The workload's key in the stack file: `services.api`, `workers.jobs`. */
  readonly stackFileKey: string;
  readonly environment: readonly string[];
  readonly secrets: readonly string[];
  /** Values the program sets at deploy time (a queue URL). */
  readonly deployTime: readonly string[];
  /** What each data store in `uses` sets. */
  readonly grants: readonly { readonly store: string; readonly names: readonly string[] }[];
}

/** Each variable the task gets from the stack file, by name → where it is set, in words. */
export function reservedVariableSources(sources: VariableSources): Map<string, string> {
  const key = sources.stackFileKey;
  const file = `Pulumi.${sources.stack}.yaml`;
  const reserved = new Map<string, string>();
  for (const name of sources.environment) {
    reserved.set(name, `${key}.environment.${name} in ${file}`);
  }
  for (const name of sources.secrets) reserved.set(name, `${key}.secrets.${name} in ${file}`);
  for (const name of sources.deployTime) {
    reserved.set(name, `the program (a queue URL, from the queue settings in ${file})`);
  }
  for (const grant of sources.grants) {
    for (const name of grant.names) {
      reserved.set(name, `the ${grant.store} store in ${key}.uses (${file})`);
    }
  }
  return reserved;
}

/** The parameters `getParametersByPath` found directly under a workload's config path. */
export interface ConfigVarParameters {
  /** Full parameter names: `/vitcord/<stack>/config/<workload>/<NAME>`. */
  readonly names: readonly string[];
  /** Their ARNs, in the same order. */
  readonly arns: readonly string[];
}

/**
 * The `secrets` entries of a workload's config vars: `{ NAME: <parameter ARN> }`, so the ECS agent
 * reads each value at task start and neither the program nor the state ever holds one. A
 * parameter whose last segment is not a variable name, or names a variable the stack file (or the
 * program, or a data store) already sets, fails the deploy with one message listing each.
 */
export function configVarSecrets(
  stack: string,
  workload: string,
  parameters: ConfigVarParameters,
  reserved: ReadonlyMap<string, string>,
): Record<string, string> {
  const path = configVarsPath(stack, workload);
  const secrets: Record<string, string> = {};
  const problems: string[] = [];
  parameters.names.forEach((parameter, i) => {
    const name = parameter.startsWith(`${path}/`)
      ? parameter.slice(path.length + 1)
      : (parameter.split("/").pop() ?? parameter);
    const source = reserved.get(name);
    if (!CONFIG_VAR_NAME.test(name)) {
      problems.push(
        `SSM parameter ${parameter}: "${name}" is not a variable name (letters, digits and _, ` +
          `not starting with a digit); delete it with \`aws ssm delete-parameter --name ${parameter}\`.`,
      );
    } else if (source !== undefined) {
      problems.push(
        `SSM parameter ${parameter} sets ${name}, which ${source} already sets: a variable ` +
          `has one source. Remove the config var with ` +
          `\`npm run infra -- config:unset ${workload} ${name} --stack ${stack}\`, or the ` +
          `stack file's key.`,
      );
    } else {
      secrets[name] = parameters.arns[i]!;
    }
  });
  if (problems.length > 0) {
    throw new pulumi.RunError(`Config vars of ${workload}: ${problems.join("\n")}`);
  }
  return secrets;
}

/** `arn:<partition>:ssm:<region>:<account>:parameter/vitcord/<stack>/config/<workload>/*`. */
export function configVarsResource(
  partition: string,
  region: string,
  account: string,
  stack: string,
  workload: string,
): string {
  return `arn:${partition}:ssm:${region}:${account}:parameter${configVarsPath(stack, workload)}/*`;
}

/**
 * The execution role may read exactly the workload's config vars, always (even before the first
 * one: `config:set` registers a new revision without a `pulumi up`), and decrypt with the
 * workload's `secretsKmsKeyArn` when one is set. The AWS managed key `aws/ssm` needs no
 * kms:Decrypt here: its key policy grants Decrypt to every principal of the account (Systems
 * Manager user guide, "Restricting decryption of SecureString parameter values"; ECS's "Required
 * IAM permissions for Amazon ECS secrets" asks for kms:Decrypt only with a customer managed key).
 */
export function configVarStatements(
  resource: pulumi.Input<string>,
  kmsKeyArn?: string,
): PolicyStatement[] {
  return [
    { Sid: "ReadConfigVars", Effect: "Allow", Action: "ssm:GetParameters", Resource: resource },
    ...(kmsKeyArn === undefined
      ? []
      : [
          {
            Sid: "DecryptConfigVars",
            Effect: "Allow" as const,
            Action: "kms:Decrypt",
            Resource: kmsKeyArn,
          },
        ]),
  ];
}
