import * as fs from "node:fs";
import * as path from "node:path";
import type { LocalWorkspaceOptions } from "@pulumi/pulumi/automation";
import type { AutomationStack, CliContext } from "./context";
import { CliError, PulumiNotInstalledError } from "./errors";
import type { StackInfo } from "./workloads";

/** The git-ignored folder that holds state when no backend is configured. */
export const LOCAL_STATE_DIR = ".pulumi-state";

export interface Backend {
  readonly url: string;
  /** env: PULUMI_BACKEND_URL; login: `pulumi login`; local: the project's .pulumi-state. */
  readonly source: "env" | "login" | "local";
}

/** The backend `pulumi login` left current, from <PULUMI_HOME or ~/.pulumi>/credentials.json. */
function loggedInBackend(env: CliContext["env"], homeDir: string): string | undefined {
  const pulumiHome = env.PULUMI_HOME ?? path.join(homeDir, ".pulumi");
  try {
    const file = path.join(pulumiHome, "credentials.json");
    const { current } = JSON.parse(fs.readFileSync(file, "utf8")) as { current?: unknown };
    return typeof current === "string" && current !== "" ? current : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where state lives: PULUMI_BACKEND_URL, else the backend of an existing `pulumi login`, else a
 * file backend in the project's git-ignored .pulumi-state folder.
 */
export function resolveBackend(
  env: CliContext["env"],
  homeDir: string,
  projectDir: string,
): Backend {
  const fromEnv = env.PULUMI_BACKEND_URL;
  if (fromEnv !== undefined && fromEnv !== "") return { url: fromEnv, source: "env" };
  const login = loggedInBackend(env, homeDir);
  if (login !== undefined) return { url: login, source: "login" };
  return { url: `file://${path.join(projectDir, LOCAL_STATE_DIR)}`, source: "local" };
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

/**
 * Opens (creating it on first use) the stack in a LocalWorkspace over the project directory.
 * Checks for the Pulumi CLI first: the Automation API shells out to it.
 */
export async function openStack(
  ctx: CliContext,
  info: StackInfo,
  options: OpenOptions = {},
): Promise<AutomationStack> {
  if (ctx.findExecutable("pulumi") === undefined) throw new PulumiNotInstalledError();

  const backend = resolveBackend(ctx.env, ctx.homeDir, ctx.projectDir);
  const secretsProvider = resolveSecretsProvider(options.secretsProvider, ctx.env, info, backend);
  if (backend.source === "local" && ctx.env.CI !== undefined && ctx.env.CI !== "") {
    // A runner's disk is thrown away after the job: state kept there would be lost.
    throw new CliError(
      "No Pulumi backend in CI: set PULUMI_BACKEND_URL (e.g. s3://<state bucket>) so that state outlives the runner.",
    );
  }
  if (backend.source === "local") {
    fs.mkdirSync(path.join(ctx.projectDir, LOCAL_STATE_DIR), { recursive: true });
    ctx.stderr.write(
      `note: no Pulumi backend configured (PULUMI_BACKEND_URL or \`pulumi login\`); keeping state ` +
        `in ${backend.url} on this machine only. Teams: \`export PULUMI_BACKEND_URL=s3://<bucket>\`.\n`,
    );
  }

  const opts: LocalWorkspaceOptions = {
    workDir: ctx.projectDir,
    envVars: { PULUMI_BACKEND_URL: backend.url },
    ...(secretsProvider !== undefined ? { secretsProvider } : {}),
  };
  return ctx.createOrSelectStack({ stackName: info.stack, workDir: ctx.projectDir }, opts);
}
