// What the runtime commands (ps, status, logs, releases, run, exec, restart, config, maintenance)
// know of a stack: its stack file (region, workloads) and the operations manifest the program
// publishes in SSM (components/ops-manifest.ts). The AWS SDK alone: no Pulumi CLI, no state
// backend, no passphrase. Commands that change infrastructure keep the Automation API (live.ts).
import { GetParameterCommand, GetParametersCommand } from "@aws-sdk/client-ssm";
import { checkCredentials, AwsClients } from "./aws";
import type { CliContext } from "./context";
import { CliError, isCredentialsError, AwsCredentialsError } from "./errors";
import { loadStack, resolveWorkload, StackInfo, Workload, WorkloadKind } from "./workloads";
import {
  OPS_MANIFEST_VERSION,
  opsManifestParameterName,
  opsManifestSchema,
  OpsManifest,
  opsStackPartSchema,
  opsWorkloadParameterName,
  WorkloadManifest,
} from "../components/ops-manifest";

/** A stack as the runtime commands see it. */
export interface OpsStack {
  readonly info: StackInfo;
  readonly manifest: OpsManifest;
  readonly aws: AwsClients;
}

/** A workload of the manifest with its name. */
export interface OpsWorkload extends Workload {
  readonly entry: WorkloadManifest;
}

/** JSON text, or a CliError naming the parameter. */
function parseJson(text: string, parameter: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`The operations manifest ${parameter} is not JSON: redeploy the stack.`);
  }
}

/** The first problem zod found, as "at <path>: <message>". */
function firstIssue(error: {
  issues: readonly { path: PropertyKey[]; message: string }[];
}): string {
  const issue = error.issues[0]!;
  return `at ${issue.path.map(String).join(".") || "(root)"}: ${issue.message}`;
}

/**
 * The stack's part of the manifest (`/vitcord/<stack>/ops`). A manifest of another version, or
 * one that does not match the schema, is a CliError naming the parameter, so an old CLI never
 * misreads a newer program's.
 */
export function parseStackPart(text: string, parameter: string): { workloads: string[] } {
  const value = parseJson(text, parameter);
  const version = (value as { version?: unknown } | null)?.version;
  if (version !== OPS_MANIFEST_VERSION) {
    throw new CliError(
      `The operations manifest ${parameter} has version ${JSON.stringify(version)}, and this CLI ` +
        `reads version ${OPS_MANIFEST_VERSION}: update the CLI (git pull) or redeploy the stack with this one.`,
    );
  }
  const parsed = opsStackPartSchema.safeParse(value);
  if (!parsed.success) {
    throw new CliError(
      `The operations manifest ${parameter} is not valid ${firstIssue(parsed.error)}. ` +
        "Redeploy the stack (npm run infra -- up).",
    );
  }
  return parsed.data;
}

/** The stack's part with each workload's entry (by name), validated as one manifest. */
export function joinManifest(
  stackPart: object,
  entries: Readonly<Record<string, unknown>>,
  parameter: string,
): OpsManifest {
  const parsed = opsManifestSchema.safeParse({ ...stackPart, workloads: entries });
  if (!parsed.success) {
    throw new CliError(
      `The operations manifest under ${parameter} is not valid ${firstIssue(parsed.error)}. ` +
        "Redeploy the stack (npm run infra -- up).",
    );
  }
  return parsed.data;
}

/** SSM errors the manifest read can meet, as one clear line. */
function manifestReadError(error: unknown, info: StackInfo, name: string): unknown {
  if (isCredentialsError(error)) return new AwsCredentialsError((error as Error).message);
  if (error instanceof Error && error.name === "ParameterNotFound") {
    return new CliError(
      `Stack ${info.stack} has no operations manifest (SSM parameter ${name} in ${info.region}): ` +
        `deploy the stack first (npm run infra -- up --stack ${info.stack}).`,
    );
  }
  if (error instanceof Error && error.name === "AccessDeniedException") {
    return new CliError(
      `Not allowed to read the operations manifest ${name} (ssm:GetParameter, ssm:GetParameters): ` +
        `use a role with docs/iam/operator-readonly.json. AWS said: ${error.message}`,
    );
  }
  return error;
}

/** GetParameters takes at most ten names per call. */
const GET_PARAMETERS_MAX = 10;

/**
 * Reads the stack's manifest from SSM: the stack's parameter, then its workloads' parameters ten
 * at a time. A missing one says how to create it; a workload listed but missing says to redeploy.
 */
export async function readManifest(aws: AwsClients, info: StackInfo): Promise<OpsManifest> {
  const name = opsManifestParameterName(info.stack);
  try {
    const result = await aws.ssm.send(new GetParameterCommand({ Name: name }));
    const text = result.Parameter?.Value;
    if (text === undefined) throw new CliError(`The operations manifest ${name} has no value.`);
    const stackPart = parseStackPart(text, name);
    const entries: Record<string, unknown> = {};
    const names = stackPart.workloads.map((w) => opsWorkloadParameterName(info.stack, w));
    for (let i = 0; i < names.length; i += GET_PARAMETERS_MAX) {
      const page = await aws.ssm.send(
        new GetParametersCommand({ Names: names.slice(i, i + GET_PARAMETERS_MAX) }),
      );
      if ((page.InvalidParameters ?? []).length > 0) {
        throw new CliError(
          `The operations manifest of stack ${info.stack} is incomplete (missing ` +
            `${page.InvalidParameters!.join(", ")}): redeploy the stack (npm run infra -- up --stack ${info.stack}).`,
        );
      }
      for (const parameter of page.Parameters ?? []) {
        const workload = parameter.Name?.split("/").pop() ?? "";
        entries[workload] = parseJson(parameter.Value ?? "", parameter.Name ?? name);
      }
    }
    return joinManifest(stackPart, entries, name);
  } catch (error) {
    throw manifestReadError(error, info, name);
  }
}

/**
 * Validates the stack file, runs `check` on it (e.g. to reject an unknown workload before touching
 * AWS), checks the AWS credentials, then reads the manifest. Never needs the Pulumi CLI.
 */
export async function openOps(
  ctx: CliContext,
  stack: string,
  check: (info: StackInfo) => void = () => undefined,
): Promise<OpsStack> {
  const info = loadStack(stack, ctx.projectDir);
  check(info);
  const aws = ctx.aws(info.region);
  await checkCredentials(aws.sts);
  return { info, manifest: await readManifest(aws, info), aws };
}

/**
 * A configured workload's manifest entry: an unknown name lists the configured ones (from the
 * stack file), a configured one the last deploy did not publish says to deploy.
 */
export function opsWorkload(
  ops: Pick<OpsStack, "info" | "manifest">,
  name: string,
  kinds: readonly WorkloadKind[] = ["service", "worker"],
): OpsWorkload {
  const workload = resolveWorkload(ops.info, name, kinds);
  const entry = ops.manifest.workloads[name];
  if (entry === undefined) {
    throw new CliError(
      `The ${workload.kind} ${name} is configured but not deployed in stack ${ops.info.stack} ` +
        `(not in its operations manifest): run \`npm run infra -- up --stack ${ops.info.stack}\` first.`,
    );
  }
  return { ...workload, entry };
}

/** Every workload of the manifest, services first, each group by name. */
export function opsWorkloads(manifest: OpsManifest): OpsWorkload[] {
  const all = Object.entries(manifest.workloads).map(([name, entry]) => ({
    name,
    kind: entry.kind,
    entry,
  }));
  const rank = (w: OpsWorkload) => (w.kind === "service" ? 0 : 1);
  return all.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}
