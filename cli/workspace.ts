import * as fs from "node:fs";
import * as path from "node:path";
import type { LocalWorkspaceOptions } from "@pulumi/pulumi/automation";
import { parseDocument } from "yaml";
import type { AutomationStack, CliContext } from "./context";
import { CliError, PulumiNotInstalledError } from "./errors";
import { MissingStackError } from "./stacks";
import { isProtected, loadStack, StackInfo } from "./workloads";

/** Where state lives, and where that was configured (for messages). */
export interface Backend {
  readonly url: string;
  readonly source: "PULUMI_BACKEND_URL" | "backend.url in Pulumi.yaml";
}

/** `backend: { url: … }` from Pulumi.yaml (Pulumi's own project setting), if set. */
export function projectBackendUrl(projectDir: string): string | undefined {
  const file = path.join(projectDir, "Pulumi.yaml");
  // A broken Pulumi.yaml is reported by the stack-file reader, which every command runs first.
  const doc = parseDocument(fs.readFileSync(file, "utf8"));
  if (doc.errors.length > 0) return undefined;
  const backend = (doc.toJS() as { backend?: unknown } | null)?.backend;
  if (backend === undefined || backend === null) return undefined;
  const url = (backend as { url?: unknown }).url;
  if (typeof backend !== "object" || typeof url !== "string" || url === "") {
    throw new CliError(
      `Pulumi.yaml: backend must be a mapping with a url, e.g. "backend: { url: s3://<state bucket> }", ` +
        `not ${JSON.stringify(backend)}.`,
    );
  }
  return url;
}

export function isFileBackend(url: string): boolean {
  return url.startsWith("file://");
}

/**
 * The backend: PULUMI_BACKEND_URL, else `backend.url` in Pulumi.yaml (Pulumi's own order). There
 * is no fallback: a local file backend is used only when one of them names it.
 */
export function resolveBackend(env: CliContext["env"], projectDir: string): Backend {
  const fromEnv = env.PULUMI_BACKEND_URL;
  // An empty variable (an unset CI variable expands to "") counts as unset.
  if (fromEnv !== undefined && fromEnv !== "")
    return { url: fromEnv, source: "PULUMI_BACKEND_URL" };
  const fromProject = projectBackendUrl(projectDir);
  if (fromProject !== undefined) return { url: fromProject, source: "backend.url in Pulumi.yaml" };
  throw new CliError(
    "No Pulumi backend configured: set PULUMI_BACKEND_URL (e.g. s3://<state bucket>) or backend.url " +
      "in Pulumi.yaml. A personal stack may keep its state on this machine, if named explicitly: " +
      `PULUMI_BACKEND_URL=file://${path.join(projectDir, LOCAL_STATE_DIR)}`,
  );
}

/** The git-ignored folder suggested for a personal stack's local file backend. */
export const LOCAL_STATE_DIR = ".pulumi-state";

/** Refuses a local file backend where state must outlive this machine: prod, and CI runners. */
export function checkBackendFor(info: StackInfo, backend: Backend, env: CliContext["env"]): void {
  if (!isFileBackend(backend.url)) return;
  if (isProtected(info)) {
    throw new CliError(
      `Refusing the local file backend ${backend.url} (${backend.source}) for stack ${info.stack}: ` +
        `a protected ${info.environment} stack keeps its state in the team's shared backend. ` +
        "Set PULUMI_BACKEND_URL or backend.url in Pulumi.yaml to it, e.g. s3://<state bucket>.",
    );
  }
  if (env.CI !== undefined && env.CI !== "") {
    // A runner's disk is thrown away after the job: state kept there would be lost.
    throw new CliError(
      `Refusing the local file backend ${backend.url} in CI: the runner's disk is thrown away after ` +
        "the job. Set PULUMI_BACKEND_URL to a shared backend, e.g. s3://<state bucket>.",
    );
  }
}

/** Pulumi Cloud keeps secrets itself; every other backend needs a secrets provider. */
function isPulumiCloud(url: string): boolean {
  return /^https?:\/\//.test(url);
}

/**
 * The secrets provider for new stacks: an explicit flag or PULUMI_SECRETS_PROVIDER (e.g.
 * `awskms://alias/vitcord-pulumi`), else what the stack file already records, else `passphrase`
 * (undefined on Pulumi Cloud, whose own provider is the default). A passphrase provider needs
 * PULUMI_CONFIG_PASSPHRASE (or _FILE) set, since nobody can type it in CI.
 */
export function resolveSecretsProvider(
  flag: string | undefined,
  env: CliContext["env"],
  info: StackInfo,
  backend: Backend,
): string | undefined {
  // An empty variable (an unset CI variable expands to "") counts as unset.
  const fromEnv = env.PULUMI_SECRETS_PROVIDER === "" ? undefined : env.PULUMI_SECRETS_PROVIDER;
  const chosen = flag ?? fromEnv ?? info.secretsProvider;
  const provider = chosen ?? (isPulumiCloud(backend.url) ? undefined : "passphrase");
  if (provider !== undefined && !/^(passphrase|default|[a-z]+:\/\/.+)$/.test(provider)) {
    throw new CliError(
      `Invalid secrets provider ${JSON.stringify(provider)}: use passphrase or awskms://<key id, alias or ARN>.`,
    );
  }
  const hasPassphrase =
    env.PULUMI_CONFIG_PASSPHRASE !== undefined || env.PULUMI_CONFIG_PASSPHRASE_FILE !== undefined;
  if (provider === "passphrase" && !hasPassphrase) {
    throw new CliError(
      `PULUMI_CONFIG_PASSPHRASE is not set: stack ${info.stack} encrypts its secrets with a passphrase. ` +
        "Export it (the team's passphrase, or an empty one for a personal stack), or use KMS with " +
        "--secrets-provider awskms://alias/<key>.",
    );
  }
  return provider;
}

export interface OpenOptions {
  readonly secretsProvider?: string;
}

/** The backend and the LocalWorkspace options for a stack, after every check that needs no Pulumi. */
function workspaceOptions(
  ctx: CliContext,
  info: StackInfo,
  options: OpenOptions,
): { backend: Backend; opts: LocalWorkspaceOptions } {
  if (ctx.findExecutable("pulumi") === undefined) throw new PulumiNotInstalledError();
  const backend = resolveBackend(ctx.env, ctx.projectDir);
  checkBackendFor(info, backend, ctx.env);
  const secretsProvider = resolveSecretsProvider(options.secretsProvider, ctx.env, info, backend);
  const localDir = isFileBackend(backend.url) ? backend.url.slice("file://".length) : "";
  // Pulumi's file backend needs its folder to exist; `file://~` and relative forms are Pulumi's.
  if (path.isAbsolute(localDir)) fs.mkdirSync(localDir, { recursive: true });
  const opts: LocalWorkspaceOptions = {
    workDir: ctx.projectDir,
    envVars: { PULUMI_BACKEND_URL: backend.url },
    ...(secretsProvider !== undefined ? { secretsProvider } : {}),
  };
  return { backend, opts };
}

function isNamed(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

/**
 * Opens an existing stack in a LocalWorkspace over the project directory. It never creates one
 * (that is `init`'s job) and never changes the stack the user has selected.
 */
export async function openStack(
  ctx: CliContext,
  info: StackInfo,
  options: OpenOptions = {},
): Promise<AutomationStack> {
  const { backend, opts } = workspaceOptions(ctx, info, options);
  try {
    return await ctx.stacks.select({ stackName: info.stack, workDir: ctx.projectDir }, opts);
  } catch (error) {
    if (!(error instanceof MissingStackError) && !isNamed(error, "StackNotFoundError")) throw error;
    throw new CliError(
      `Stack ${info.stack} does not exist in the backend ${backend.url} (${backend.source}). ` +
        `Create it with \`npm run infra -- init --stack ${info.stack}\`, or point PULUMI_BACKEND_URL ` +
        "at the backend that holds it.",
    );
  }
}

/** `init --stack <name>`: creates the stack in the configured backend, and says which. */
export async function initCommand(
  ctx: CliContext,
  opts: { readonly stack: string; readonly secretsProvider?: string },
): Promise<number> {
  const info = loadStack(opts.stack, ctx.projectDir);
  const { backend, opts: workspace } = workspaceOptions(ctx, info, opts);
  const where = `${backend.url} (${backend.source})`;
  ctx.stderr.write(`Creating stack ${info.stack} in the backend ${where}.\n`);
  try {
    await ctx.stacks.create({ stackName: info.stack, workDir: ctx.projectDir }, workspace);
  } catch (error) {
    if (!isNamed(error, "StackAlreadyExistsError")) throw error;
    ctx.stdout.write(`Stack ${info.stack} already exists in ${where}; nothing changed.\n`);
    return 0;
  }
  const secrets = workspace.secretsProvider ?? "the backend's default";
  ctx.stdout.write(
    `Created stack ${info.stack} in ${where}, secrets provider ${secrets}. ` +
      `Next: npm run infra -- preview --stack ${info.stack}\n`,
  );
  return 0;
}
