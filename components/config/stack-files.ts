import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

/** The project root: where Pulumi.yaml and the Pulumi.<stack>.yaml files live. */
export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

/** A stack that has no Pulumi.<stack>.yaml; the message lists the ones that exist. */
export class UnknownStackError extends Error {
  constructor(
    readonly stack: string,
    readonly known: readonly string[],
  ) {
    super(
      `Unknown stack ${JSON.stringify(stack)}: there is no Pulumi.${stack}.yaml. ` +
        `Stacks in this project: ${known.length > 0 ? known.join(", ") : "(none)"}.`,
    );
    this.name = "UnknownStackError";
  }
}

/** The stacks that have a Pulumi.<stack>.yaml in the project directory, sorted. */
export function listStacks(projectDir = PROJECT_DIR): string[] {
  return fs
    .readdirSync(projectDir)
    .map((file) => /^Pulumi\.(.+)\.ya?ml$/.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
}

/** Pulumi's encoding of one config value: strings as they are, everything else as JSON. */
function encode(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * The config map Pulumi hands a program for this stack (`namespace:key` → string): the project's
 * defaults from Pulumi.yaml, overridden by Pulumi.<stack>.yaml. Secure values stay encrypted and
 * are left out: nothing in this program's config is secret (secrets are ARNs in AWS).
 */
export function readStackConfig(stack: string, projectDir = PROJECT_DIR): Record<string, string> {
  const stacks = listStacks(projectDir);
  if (!stacks.includes(stack)) throw new UnknownStackError(stack, stacks);

  const config: Record<string, string> = {};
  const project = parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as {
    config?: Record<string, unknown>;
  };
  for (const [key, declared] of Object.entries(project.config ?? {})) {
    const fallback =
      declared !== null && typeof declared === "object" && "default" in declared
        ? declared.default
        : undefined;
    if (fallback !== undefined) config[key] = encode(fallback);
  }

  const file = fs.existsSync(path.join(projectDir, `Pulumi.${stack}.yaml`))
    ? `Pulumi.${stack}.yaml`
    : `Pulumi.${stack}.yml`;
  const stackFile = parse(fs.readFileSync(path.join(projectDir, file), "utf8")) as {
    config?: Record<string, unknown>;
  } | null;
  for (const [key, value] of Object.entries(stackFile?.config ?? {})) {
    const isSecure = value !== null && typeof value === "object" && "secure" in value;
    if (!isSecure) config[key] = encode(value);
  }
  return config;
}
