// `release`, `promote` and `rollback`: one path. The image is resolved to a digest in the stack's
// registry before anything changes, the stack file records tag, digest, who released it and the
// app commit, then `up` deploys it and the rollout is verified (rollout.ts, from deploy.ts).
import * as os from "node:os";
import { parseStackConfig } from "../components/config";
import { releaseTag, repositoryName } from "../components/config/registry";
import { readStackConfig } from "../components/config/stack-files";
import { accountOfArn, checkCredentials } from "./aws";
import type { CliContext } from "./context";
import { deployChanges, StackOptions } from "./deploy";
import { CliError, PulumiNotInstalledError } from "./errors";
import { HistoryOptions, pickRollback, readHistory, shortDigest } from "./history";
import { findImage, IMAGE_DIGEST, pushCommand, tagImage } from "./images";
import {
  ConfigChange,
  configValueAt,
  loadStack,
  parseImageTag,
  resolveWorkload,
  StackInfo,
  Workload,
} from "./workloads";

/** A git commit SHA as CI passes it (`--commit $GITHUB_SHA` of the app repository). */
const COMMIT = /^[0-9a-f]{7,64}$/;

export function parseCommit(commit: string | undefined): string | undefined {
  if (commit === undefined) return undefined;
  if (!COMMIT.test(commit)) {
    throw new CliError(
      `Invalid --commit ${JSON.stringify(commit)}: a git commit hash, 7 to 64 lowercase hex digits.`,
    );
  }
  // `pulumi config set --path` stores a value that parses as an integer as a YAML number (so
  // 0123456 would become 123456): a short hash of digits only must be given in full.
  if (/^\d+$/.test(commit) && commit.length < 40) {
    throw new CliError(
      `Invalid --commit ${JSON.stringify(commit)}: a hash of digits only would be stored as a number; ` +
        "pass the full 40-digit hash (e.g. $GITHUB_SHA).",
    );
  }
  return commit;
}

/** What is known about the machine that releases, to say who released. */
export interface Releaser {
  readonly gitEmail?: string;
  readonly user?: string;
  readonly host?: string;
}

/**
 * Who released, as recorded in `releasedBy` and the task definition's vitcord:released-by tag: the
 * GitHub actor and run in GitHub Actions, else the git email (or OS user) and host name.
 */
export function describeReleaser(env: CliContext["env"], local: Releaser): string {
  const who =
    env.GITHUB_ACTIONS === "true" && env.GITHUB_ACTOR !== undefined
      ? `${env.GITHUB_ACTOR} via GitHub Actions run ${env.GITHUB_RUN_ID ?? "?"}`
      : `${local.gitEmail ?? local.user ?? "unknown user"} from ${local.host ?? "unknown host"}`;
  // The characters an AWS tag value allows (the config's releasedBy pattern), at most 256.
  return who.replace(/[^A-Za-z0-9 +\-=._:/@]/g, "-").slice(0, 256);
}

/** The git email (through the context's git), OS user and host name of this machine. */
async function localReleaser(ctx: CliContext): Promise<Releaser> {
  const attempt = (read: () => string) => {
    try {
      return read().trim() || undefined;
    } catch {
      return undefined;
    }
  };
  const email = await ctx.git(["config", "user.email"], ctx.projectDir);
  return {
    gitEmail: email.code === 0 ? attempt(() => email.stdout) : undefined,
    user: attempt(() => os.userInfo().username),
    host: attempt(() => os.hostname()),
  };
}

/** The config of one workload as the stack file has it (no defaults), to plan changes on. */
type WorkloadEntry = Readonly<Record<string, unknown>>;

/** Where a workload's image lives: the ECR repository and the account that holds it. */
export interface Registry {
  readonly account: string;
  readonly region: string;
  readonly repositoryName: string;
}

/**
 * The registry of a workload in a stack: `repositoryName(service)` (a worker: its `repository`)
 * in `vitcord-infra:registry.account`, by default the caller's account.
 */
export function registryOf(
  info: StackInfo,
  projectDir: string,
  workload: Workload,
  callerAccount: string,
): Registry {
  const config = parseStackConfig(
    info.stack,
    readStackConfig(info.stack, projectDir),
  ) as unknown as {
    registry?: { account?: string };
    workers: Record<string, { repository?: string }>;
  };
  let service = workload.name;
  if (workload.kind === "worker") {
    const repository = config.workers[workload.name]?.repository;
    if (repository === undefined) {
      throw new CliError(
        `The worker ${workload.name} runs a fixed image in stack ${info.stack} (workers.${workload.name}.image): ` +
          `set workers.${workload.name}.repository to the service whose image it runs, then release it.`,
      );
    }
    service = repository;
  }
  return {
    account: config.registry?.account ?? callerAccount,
    region: info.region,
    repositoryName: repositoryName(service),
  };
}

/** The image to release, as resolved in the registry. */
export interface ReleasedImage {
  readonly tag: string;
  readonly digest: string;
  readonly releasedBy: string;
  readonly commit?: string;
}

/**
 * The stack-file changes of a release: `imageTag`, `imageDigest`, `releasedBy` and
 * `releaseCommit` (removed when this release names no commit, so no stale commit stays), and no
 * more `image` (a service on a public image moves onto its repository).
 */
export function planRelease(
  workload: Workload,
  entry: WorkloadEntry,
  image: ReleasedImage,
): ConfigChange[] {
  const key = (field: string) => [`${workload.kind}s`, workload.name, field] as const;
  const changes: ConfigChange[] = [];
  if (entry.image !== undefined) changes.push({ path: key("image") });
  changes.push(
    { path: key("imageTag"), value: image.tag },
    { path: key("imageDigest"), value: image.digest },
    { path: key("releasedBy"), value: image.releasedBy },
  );
  if (image.commit !== undefined) changes.push({ path: key("releaseCommit"), value: image.commit });
  else if (entry.releaseCommit !== undefined) changes.push({ path: key("releaseCommit") });
  return changes;
}

/** One release: a workload and an image (a tag, a digest or both) to run in `opts.stack`. */
interface ReleaseRequest {
  readonly name: string;
  readonly tag?: string;
  readonly digest?: string;
  readonly commit?: string;
  /** The command, for messages: release, promote, rollback. */
  readonly verb: string;
  /** The `up` message, e.g. `release api v1.4.2`. */
  readonly message: string;
  /** Said when the image is missing: how to get it there. */
  readonly missingHint?: string;
}

/** `vitcord/api:v1.4.2` or `vitcord/api@sha256:…`, for messages. */
function imageName(repository: string, tag: string | undefined, digest: string | undefined) {
  return digest !== undefined ? `${repository}@${digest}` : `${repository}:${tag ?? "latest"}`;
}

/**
 * The one release path: resolve the image in the stack's registry (refusing a missing one before
 * anything changes), write tag, digest, releaser and commit to the stack file, `up`, verify.
 */
async function releaseToStack(
  ctx: CliContext,
  opts: StackOptions,
  request: ReleaseRequest,
): Promise<number> {
  const info = loadStack(opts.stack, ctx.projectDir);
  const workload = resolveWorkload(info, request.name);
  if (ctx.findExecutable("pulumi") === undefined) throw new PulumiNotInstalledError();
  const aws = ctx.aws(info.region);
  const caller = accountOfArn(await checkCredentials(aws.sts)) ?? "";
  const registry = registryOf(info, ctx.projectDir, workload, caller);
  const found = await findImage(aws.ecr, {
    registryId: registry.account,
    repositoryName: registry.repositoryName,
    ...(request.digest !== undefined ? { digest: request.digest } : { tag: request.tag }),
  });
  const where = `ECR account ${registry.account} (${registry.region})`;
  const wanted = imageName(registry.repositoryName, request.tag, request.digest);
  if (found === undefined) {
    const hint =
      request.missingHint ??
      (request.digest === undefined
        ? `push it first: ${pushCommand(registry.account, registry.region, registry.repositoryName, request.tag ?? "latest")}`
        : "push or copy that image there first");
    throw new CliError(`No image ${wanted} in ${where}: ${hint}.`);
  }
  const tag = request.tag ?? found.tags[0];
  if (tag === undefined) {
    throw new CliError(
      `The image ${wanted} in ${where} has no tag: pass the tag to release (e.g. its version), or tag it in ECR.`,
    );
  }
  // The release-<digest> tag keeps the image from the lifecycle policy as long as ECR has it.
  const keep = releaseTag(found.digest);
  if (!found.tags.includes(keep)) {
    const ref = { ...registry, registryId: registry.account, digest: found.digest };
    const problem = await tagImage(aws.ecr, ref, keep);
    if (problem !== undefined) {
      ctx.stderr.write(
        `warning: could not tag ${registry.repositoryName}@${found.digest} as ${keep} (${problem}); ` +
          "the repository's lifecycle policy may expire it once it is no longer among the newest images.\n",
      );
    }
  }
  const entry = (configValueAt(opts.stack, ctx.projectDir, [`${workload.kind}s`, workload.name]) ??
    {}) as WorkloadEntry;
  const image: ReleasedImage = {
    tag,
    digest: found.digest,
    releasedBy: describeReleaser(
      ctx.env,
      ctx.env.GITHUB_ACTIONS === "true" ? {} : await localReleaser(ctx),
    ),
    ...(request.commit !== undefined ? { commit: request.commit } : {}),
  };
  const changes = planRelease(workload, entry, image);
  if (entry.image !== undefined) {
    ctx.stderr.write(
      `${request.name} ran the image ${JSON.stringify(entry.image)}; from now on it runs ${registry.repositoryName} by digest.\n`,
    );
  }
  await deployChanges(ctx, info, opts, changes, {
    action: `${request.verb} ${request.name} ${tag} to`,
    message: request.message,
    note:
      `${request.verb === "release" ? "Releasing" : request.verb === "promote" ? "Promoting" : "Rolling back"} ` +
      `${request.name} to ${tag} (${found.digest}) in ${opts.stack} (Pulumi.${opts.stack}.yaml updated; commit it).`,
  });
  if (opts.json !== true) {
    ctx.stdout.write(
      `Released ${request.name} ${tag} (${shortDigest(found.digest)}) to ${opts.stack}: the rollout completed.\n`,
    );
  }
  return 0;
}

export interface ReleaseOptions extends StackOptions {
  /** The app repository's commit the image was built from. */
  readonly commit?: string;
}

/** `release <workload> <tag> [--commit <sha>]`. */
export async function releaseCommand(
  ctx: CliContext,
  name: string,
  tag: string,
  opts: ReleaseOptions,
): Promise<number> {
  parseImageTag(tag);
  const commit = parseCommit(opts.commit);
  return releaseToStack(ctx, opts, {
    name,
    tag,
    ...(commit !== undefined ? { commit } : {}),
    verb: "release",
    message: `release ${name} ${tag}`,
  });
}

/** The released image of a workload in a stack file: its tag, digest and commit. */
function releasedIn(stack: string, projectDir: string, workload: Workload) {
  const config = parseStackConfig(stack, readStackConfig(stack, projectDir)) as unknown as Record<
    string,
    Record<
      string,
      { imageTag?: string; imageDigest?: string; releaseCommit?: string; repository?: string }
    >
  >;
  const entry = config[`${workload.kind}s`]?.[workload.name];
  // A worker without its own tag runs its service's release.
  const own = entry?.imageDigest !== undefined || entry?.imageTag !== undefined;
  const source =
    !own && entry?.repository !== undefined ? config.services?.[entry.repository] : entry;
  return {
    tag: source?.imageTag,
    digest: source?.imageDigest,
    commit: source?.releaseCommit,
  };
}

export interface PromoteOptions extends Omit<StackOptions, "stack"> {
  readonly from?: string;
  readonly to?: string;
}

/** `promote <workload> --from <stack> --to <stack>`: the source's released digest, unchanged. */
export async function promoteCommand(
  ctx: CliContext,
  name: string,
  opts: PromoteOptions,
): Promise<number> {
  const { from, to } = opts;
  if (from === undefined || to === undefined) {
    throw new CliError(
      "promote needs both --from <stack> and --to <stack>, e.g. --from dev --to prod.",
    );
  }
  if (from === to) {
    throw new CliError(`Cannot promote from ${from} to itself: --from and --to name two stacks.`);
  }
  const source = loadStack(from, ctx.projectDir);
  const workload = resolveWorkload(source, name);
  const released = releasedIn(from, ctx.projectDir, workload);
  if (released.digest === undefined || !IMAGE_DIGEST.test(released.digest)) {
    throw new CliError(
      `Stack ${from} has no digest-pinned release of ${name} (no ${workload.kind}s.${name}.imageDigest in Pulumi.${from}.yaml): ` +
        `release it there first: npm run infra -- release ${name} <tag> --stack ${from}`,
    );
  }
  return releaseToStack(
    ctx,
    { ...opts, stack: to },
    {
      name,
      digest: released.digest,
      ...(released.tag !== undefined ? { tag: released.tag } : {}),
      ...(released.commit !== undefined ? { commit: released.commit } : {}),
      verb: "promote",
      message: `promote ${name} ${released.tag ?? released.digest} from ${from}`,
      missingHint:
        `stack ${to} pulls from another registry than ${from}; copy the image there first ` +
        "(docs/deploy.md, separate accounts)",
    },
  );
}

/** `rollback <workload> [revision|tag]`: release an earlier revision's image again. */
export async function rollbackCommand(
  ctx: CliContext,
  name: string,
  wanted: string | undefined,
  opts: StackOptions & HistoryOptions,
): Promise<number> {
  const history = await readHistory(ctx, name, opts, 50);
  const target = pickRollback(
    history.releases,
    history.running,
    wanted,
    `${name} in stack ${opts.stack}`,
  );
  if (target.digest === undefined && !(target.image ?? "").includes(".dkr.ecr.")) {
    throw new CliError(
      `Revision ${target.revision} of ${name} ran ${target.image ?? "an unknown image"}, not an image of its ECR repository: ` +
        `to return to it, set ${history.workload.kind}s.${name}.image in Pulumi.${opts.stack}.yaml and deploy.`,
    );
  }
  return releaseToStack(ctx, opts, {
    name,
    ...(target.tag !== undefined ? { tag: target.tag } : {}),
    ...(target.digest !== undefined ? { digest: target.digest } : {}),
    ...(target.commit !== undefined ? { commit: target.commit } : {}),
    verb: "rollback",
    message: `rollback ${name} to revision ${target.revision}${target.tag !== undefined ? ` (${target.tag})` : ""}`,
  });
}
