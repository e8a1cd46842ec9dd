// Release history: the task-definition revisions of a workload's family (kept with skipDestroy),
// tagged with the release (vitcord:image-tag, -digest, -released-by, -release-commit).
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  Tag,
  TaskDefinition,
} from "@aws-sdk/client-ecs";
import type { CliContext } from "./context";
import { CliError } from "./errors";
import { table } from "./format";
import { openLive } from "./live";
import { openOps, opsWorkload } from "./ops";
import { required, resolveWorkload, Workload, workloadOutputs } from "./workloads";

/** One revision of a workload's task definition: what it ran and who released it. */
export interface Release {
  readonly revision: number;
  readonly arn: string;
  readonly registeredAt?: Date;
  readonly image?: string;
  readonly tag?: string;
  readonly digest?: string;
  readonly releasedBy?: string;
  readonly commit?: string;
}

/** The repository, tag and digest of an image reference (`repo:tag`, `repo@sha256:…`). */
export function imageParts(image: string): { repository: string; tag?: string; digest?: string } {
  const at = image.indexOf("@");
  const name = at >= 0 ? image.slice(0, at) : image;
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const slash = name.lastIndexOf("/");
  const colon = name.indexOf(":", slash + 1);
  const repository = colon >= 0 ? name.slice(0, colon) : name;
  const tag = colon >= 0 ? name.slice(colon + 1) : undefined;
  return {
    repository,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

/**
 * A revision as a release: the container's image, and the `vitcord:*` tags the program puts on
 * the task definition (the tags win: an image pinned by digest names no tag).
 */
export function releaseOf(
  arn: string,
  taskDefinition: TaskDefinition | undefined,
  tags: readonly Tag[],
  containerName: string,
): Release {
  const tag = (key: string) => tags.find((t) => t.key === key)?.value;
  const image = taskDefinition?.containerDefinitions?.find((c) => c.name === containerName)?.image;
  const parts = image !== undefined ? imageParts(image) : undefined;
  const fields = {
    tag: tag("vitcord:image-tag") ?? parts?.tag,
    digest: tag("vitcord:image-digest") ?? parts?.digest,
    releasedBy: tag("vitcord:released-by"),
    commit: tag("vitcord:release-commit"),
    registeredAt: taskDefinition?.registeredAt,
    image,
  };
  return {
    revision: taskDefinition?.revision ?? Number(arn.split(":").pop()),
    arn,
    ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
  };
}

/**
 * The newest `limit` ACTIVE revision ARNs of exactly this family. ListTaskDefinitions pages may
 * hold fewer than `maxResults` with a `nextToken` (and a prefix may also match `api-admin`, which
 * DESC lists before `api`), so follow the pages until `limit` revisions of the family are found.
 */
export async function latestRevisions(
  ecs: ECSClient,
  family: string,
  limit: number,
): Promise<string[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecs.send(
      new ListTaskDefinitionsCommand({
        familyPrefix: family,
        status: "ACTIVE",
        sort: "DESC",
        maxResults: 100,
        nextToken,
      }),
    );
    for (const arn of page.taskDefinitionArns ?? []) {
      const revision = arn.split(":").pop() ?? "";
      if (arn.endsWith(`:task-definition/${family}:${revision}`)) arns.push(arn);
    }
    nextToken = page.nextToken;
  } while (nextToken !== undefined && arns.length < limit);
  return arns.slice(0, limit);
}

/** The workload's releases, newest first, with their tags (DescribeTaskDefinition include TAGS). */
export async function listReleases(
  ecs: ECSClient,
  family: string,
  containerName: string,
  limit: number,
): Promise<Release[]> {
  const releases: Release[] = [];
  for (const arn of await latestRevisions(ecs, family, limit)) {
    const answer = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ["TAGS"] }),
    );
    releases.push(releaseOf(arn, answer.taskDefinition, answer.tags ?? [], containerName));
  }
  return releases;
}

/** The task definition of the service's PRIMARY deployment: the revision ECS runs. */
export async function runningRevision(
  ecs: ECSClient,
  cluster: string,
  serviceName: string,
): Promise<string | undefined> {
  const { services = [] } = await ecs.send(
    new DescribeServicesCommand({ cluster, services: [serviceName] }),
  );
  const service = services[0];
  return (
    service?.deployments?.find((d) => d.status === "PRIMARY")?.taskDefinition ??
    service?.taskDefinition
  );
}

/** `7 (v1.5.0)`, for lists of what exists. */
function label(release: Release, running: string | undefined): string {
  const bits = [release.tag, release.arn === running ? "running" : undefined].filter(
    (b) => b !== undefined,
  );
  return `${release.revision}${bits.length > 0 ? ` (${bits.join(", ")})` : ""}`;
}

/** The image a release ran, for comparing two: its digest, else its image reference. */
const identity = (release: Release) => release.digest ?? release.image;

/**
 * The release to roll back to: `wanted` (a revision number or an image tag, newest first), or by
 * default the newest one older than the running revision that ran another image (a revision that
 * only changed settings would roll back nothing). Unknown ones are refused listing what exists.
 */
export function pickRollback(
  releases: readonly Release[],
  running: string | undefined,
  wanted: string | undefined,
  where: string,
): Release {
  const known = releases.map((r) => label(r, running)).join(", ") || "(none)";
  if (wanted !== undefined) {
    const found = /^\d+$/.test(wanted)
      ? releases.find((r) => r.revision === Number(wanted))
      : releases.find((r) => r.tag === wanted);
    if (found === undefined) {
      throw new CliError(
        `Unknown revision or tag ${JSON.stringify(wanted)} for ${where}. Releases: ${known}.`,
      );
    }
    return found;
  }
  const index = releases.findIndex((r) => r.arn === running);
  if (index < 0) {
    throw new CliError(
      `The running revision ${running ?? "(none)"} of ${where} is not among its last releases (${known}): ` +
        "name the revision or tag to roll back to.",
    );
  }
  const current = releases[index]!;
  const previous = releases.slice(index + 1).find((r) => identity(r) !== identity(current));
  if (previous === undefined) {
    throw new CliError(
      `Nothing to roll back to for ${where}: no release before the running one (${label(current, running)}) ran another image. Releases: ${known}.`,
    );
  }
  return previous;
}

/** `sha256:0123456789ab` for a digest, to fit a table. */
export function shortDigest(digest: string | undefined): string {
  return digest === undefined ? "" : digest.slice(0, "sha256:".length + 12);
}

export interface HistoryOptions {
  readonly stack: string;
  readonly secretsProvider?: string;
  readonly json?: boolean;
  readonly limit?: string;
}

/** What `rollback` reads through the stack outputs: the workload, its releases and the running revision. */
export async function readHistory(
  ctx: CliContext,
  name: string,
  opts: HistoryOptions,
  limit: number,
) {
  let workload: Workload | undefined;
  const live = await openLive(ctx, opts.stack, opts.secretsProvider, (info) => {
    workload = resolveWorkload(info, name);
  });
  const entry = workloadOutputs(live.outputs, workload!, opts.stack);
  const family = required(entry.taskDefinitionFamily, `${name}.taskDefinitionFamily`, opts.stack);
  const { ecs } = live.aws;
  const releases = await listReleases(ecs, family, entry.containerName ?? name, limit);
  const running =
    entry.serviceName !== undefined && live.outputs.clusterName !== undefined
      ? await runningRevision(ecs, live.outputs.clusterName, entry.serviceName)
      : undefined;
  return { live, workload: workload!, family, releases, running };
}

/**
 * `releases <workload>`: its releases newest first, with time, tag, digest and which one runs.
 * Reads the family and container from the operations manifest (no Pulumi CLI).
 */
export async function releasesCommand(
  ctx: CliContext,
  name: string,
  opts: HistoryOptions,
): Promise<number> {
  const limit = Number(opts.limit ?? "10");
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new CliError(
      `Invalid --limit ${JSON.stringify(opts.limit)}: a whole number from 1 to 100.`,
    );
  }
  const ops = await openOps(ctx, opts.stack, (info) => {
    resolveWorkload(info, name);
  });
  const { entry } = opsWorkload(ops, name);
  const { ecs } = ops.aws;
  const family = entry.taskDefinitionFamily;
  const releases = await listReleases(ecs, family, entry.containerName, limit);
  const running = await runningRevision(ecs, ops.manifest.cluster.name, entry.serviceName);
  if (opts.json === true) {
    const rows = releases.map((r) => ({
      ...r,
      registeredAt: r.registeredAt?.toISOString(),
      running: r.arn === running,
    }));
    ctx.stdout.write(JSON.stringify({ workload: name, family, releases: rows }, null, 2) + "\n");
    return 0;
  }
  if (releases.length === 0) {
    ctx.stdout.write(`No task definitions registered for ${family} yet.\n`);
    return 0;
  }
  ctx.stdout.write(
    table(
      ["REVISION", "REGISTERED", "TAG", "DIGEST", "RELEASED BY", "COMMIT", ""],
      releases.map((r) => [
        String(r.revision),
        r.registeredAt?.toISOString() ?? "",
        r.tag ?? "",
        shortDigest(r.digest),
        r.releasedBy ?? "",
        r.commit?.slice(0, 12) ?? "",
        r.arn === running ? "← running" : "",
      ]),
    ),
  );
  ctx.stdout.write(
    `Roll back (default: the release before the running one): npm run infra -- rollback ${name} [revision|tag] --stack ${opts.stack}\n`,
  );
  return 0;
}
