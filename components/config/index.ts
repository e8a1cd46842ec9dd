import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, ConfigError, describeIssues } from "./errors";
import { ENVIRONMENTS, Environment } from "./environment";
import { regionProblem } from "./regions";
import { environmentSchema, ProjectConfig, stackSchema } from "./schema";
import { certificateRegionProblems } from "./service";
import { namespaceProblem } from "./stack-files";

export * from "./cluster";
export * from "./environment";
export * from "./errors";
export * from "./instance-types";
export * from "./network";
export { RESOURCE_NAME_MAX_LENGTH } from "./schema-helpers";

/** The validated configuration of one stack: every key resolved, defaults applied. */
export interface StackConfig extends ProjectConfig {
  /** The Pulumi stack name (dev, prod, or a personal stack). */
  readonly stack: string;
  /** The AWS region every resource goes to (`aws:region`). */
  readonly region: string;
}

/**
 * Pulumi keeps structured config (objects, lists) as JSON text and scalars as plain strings, so a
 * value that parses as JSON is taken as such ("3" is 3, "true" is true) and any other is a string.
 */
function decode(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/**
 * Validates a stack's raw config map (`namespace:key` → string, as `pulumi.runtime.allConfig()`
 * returns it) and resolves the defaults of its environment. Throws one `ConfigError` naming every
 * problem; declares nothing, so it runs before any resource.
 */
export function parseStackConfig(stack: string, rawConfig: Record<string, string>): StackConfig {
  const input: Record<string, unknown> = {};
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const [key, value] of Object.entries(rawConfig)) {
    if (key.startsWith(prefix)) input[key.slice(prefix.length)] = decode(value);
  }

  const problems: string[] = [];
  // `pulumi up` hands the program every key of the stack file: one in a misspelled namespace
  // (`vitcrd-infra:services`) would otherwise be ignored without a word.
  for (const key of Object.keys(rawConfig).sort()) {
    const namespace = namespaceProblem(key, CONFIG_NAMESPACE);
    if (namespace !== undefined) problems.push(namespace);
  }
  const region = rawConfig["aws:region"];
  const problem = region === undefined ? undefined : regionProblem(region);
  const regionIsValid = region !== undefined && problem === undefined;
  if (region === undefined) {
    problems.push(
      "aws:region is missing: must be an AWS region name such as us-east-1 or eu-west-1",
    );
  } else if (problem !== undefined) {
    problems.push(`aws:region = ${JSON.stringify(region)}: ${problem}`);
  }

  // The environment picks every default, so it is read first; when it is wrong the rest is still
  // checked (against dev's defaults) so that one run reports every problem.
  const environment = environmentSchema.safeParse(input.environment);
  const env: Environment = environment.success ? environment.data : ENVIRONMENTS[0];
  const parsed = stackSchema(env).safeParse(input);
  if (!parsed.success) problems.push(...describeIssues(parsed.error.issues, input));
  // Certificates are compared with a valid region only: a malformed one is reported above.
  else if (regionIsValid) problems.push(...certificateRegionProblems(parsed.data.services, region));

  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return { ...parsed.data, stack, region: region as string };
}

/** Reads and validates the current stack's config; call it before declaring any resource. */
export function loadStackConfig(): StackConfig {
  return parseStackConfig(pulumi.getStack(), pulumi.runtime.allConfig());
}
