import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/** The Pulumi config namespace of this project: every key is `vitcord-infra:<key>`. */
export const CONFIG_NAMESPACE = "vitcord-infra";

/**
 * One invalid stack configuration, with every problem listed. A `RunError`, so that `pulumi up`
 * prints the message alone instead of a stack trace.
 */
export class ConfigError extends pulumi.RunError {
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** `vitcord-infra:services.api.port` for the path `["services", "api", "port"]`. */
export function configKey(path: readonly PropertyKey[]): string {
  const [top, ...rest] = path.map(String);
  return [`${CONFIG_NAMESPACE}:${top ?? ""}`, ...rest].join(".");
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = root;
  for (const segment of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** One problem: `vitcord-infra:<path> = <value>: <message>`, or `… is missing: …`. */
export function problemLine(path: readonly PropertyKey[], value: unknown, message: string): string {
  const got = value === undefined ? "is missing" : `= ${show(value)}`;
  return `${configKey(path)} ${got}: ${message}`;
}

/**
 * Turns zod issues into one line each: the full config key, the bad value, and what is allowed.
 * Unknown keys become one line per key so that a typo is named where it stands.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], input: unknown): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        lines.push(`${configKey([...issue.path, key])}: ${issue.message}`);
      }
      continue;
    }
    lines.push(problemLine(issue.path, valueAt(input, issue.path), issue.message));
  }
  return lines;
}
