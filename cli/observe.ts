import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  Service,
} from "@aws-sdk/client-ecs";
import type { CliContext } from "./context";
import { CliError } from "./errors";
import { imageTagOf, table } from "./format";
import { openLive } from "./live";
import { parseSince, printFiltered } from "./logs-stream";
import { required, resolveWorkload, Workload, workloadOutputs } from "./workloads";

/** How often `logs --follow` asks for new events. */
export const FOLLOW_INTERVAL_MS = 2_000;

export interface ObserveOptions {
  readonly stack: string;
  readonly secretsProvider?: string;
  readonly json?: boolean;
}

/** `logs <workload> [--since 1h] [--follow]`: the workload's CloudWatch log group. */
export async function logsCommand(
  ctx: CliContext,
  name: string,
  opts: ObserveOptions & { readonly since?: string; readonly follow?: boolean },
): Promise<number> {
  const since = parseSince(opts.since ?? "1h");
  if (Number.isNaN(since)) {
    throw new CliError(
      `Invalid --since ${JSON.stringify(opts.since)}: a number and a unit, e.g. 30s, 15m, 1h, 2d.`,
    );
  }
  let workload: Workload | undefined;
  const live = await openLive(ctx, opts.stack, opts.secretsProvider, (info) => {
    workload = resolveWorkload(info, name);
  });
  const entry = workloadOutputs(live.outputs, workload!, opts.stack);
  const logGroupName = required(entry.logGroupName, `${name}.logGroupName`, opts.stack);
  const seen = new Set<string>();
  let startTime = ctx.now() - since;
  for (;;) {
    const newest = await printFiltered(live.aws.logs, ctx.stdout, {
      logGroupName,
      startTime,
      seen,
    });
    if (opts.follow !== true) return 0;
    // Ask again from the newest event seen (ids dedupe events sharing its millisecond).
    startTime = newest;
    await ctx.sleep(FOLLOW_INTERVAL_MS);
    if (ctx.signal?.aborted === true) return 0;
  }
}

/** The newest deployment of a service (the PRIMARY one while a rollout runs). */
function latestDeployment(service: Service) {
  return [...(service.deployments ?? [])].sort(
    (a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0),
  )[0];
}

/** `status`: each service and worker's desired/running/pending tasks and latest rollout. */
export async function statusCommand(ctx: CliContext, opts: ObserveOptions): Promise<number> {
  const live = await openLive(ctx, opts.stack, opts.secretsProvider);
  const cluster = required(live.outputs.clusterName, "clusterName", opts.stack);
  const workloads = [
    ...live.info.services.map((name) => ({ name, kind: "service" as const })),
    ...live.info.workers.map((name) => ({ name, kind: "worker" as const })),
  ];
  const ecsNames = new Map<string, string>();
  for (const w of workloads) {
    const entry = (w.kind === "service" ? live.outputs.services : live.outputs.workers)[w.name];
    if (entry?.serviceName !== undefined) ecsNames.set(w.name, entry.serviceName);
  }
  const described = new Map<string, Service>();
  const names = [...new Set(ecsNames.values())];
  for (let i = 0; i < names.length; i += 10) {
    // DescribeServices takes at most 10 services per call.
    const page = await live.aws.ecs.send(
      new DescribeServicesCommand({ cluster, services: names.slice(i, i + 10) }),
    );
    for (const service of page.services ?? []) {
      if (service.serviceName !== undefined) described.set(service.serviceName, service);
    }
  }
  const rows = workloads.map((w) => {
    const service = described.get(ecsNames.get(w.name) ?? "");
    const deployment = service !== undefined ? latestDeployment(service) : undefined;
    return {
      name: w.name,
      kind: w.kind,
      desired: service?.desiredCount,
      running: service?.runningCount,
      pending: service?.pendingCount,
      rollout: service === undefined ? "not deployed" : (deployment?.rolloutState ?? "unknown"),
      reason: deployment?.rolloutStateReason,
    };
  });
  if (opts.json === true) {
    ctx.stdout.write(
      JSON.stringify({ stack: opts.stack, cluster, workloads: rows }, null, 2) + "\n",
    );
    return 0;
  }
  if (rows.length === 0) {
    ctx.stdout.write(`Stack ${opts.stack} has no services or workers configured.\n`);
    return 0;
  }
  const show = (n: number | undefined) => (n === undefined ? "-" : String(n));
  ctx.stdout.write(
    table(
      ["NAME", "KIND", "DESIRED", "RUNNING", "PENDING", "ROLLOUT"],
      rows.map((r) => [
        r.name,
        r.kind,
        show(r.desired),
        show(r.running),
        show(r.pending),
        r.rollout,
      ]),
    ),
  );
  for (const r of rows.filter((row) => row.rollout === "FAILED" && row.reason !== undefined)) {
    ctx.stdout.write(`${r.name}: ${r.reason}\n`);
  }
  return 0;
}

/**
 * The newest `limit` revision ARNs of exactly this family. ListTaskDefinitions pages may hold fewer
 * than `maxResults` with a `nextToken` (and a prefix may also match `api-admin`, which DESC lists
 * before `api`), so follow the pages until `limit` revisions of the family are found.
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

/** `releases <service>`: its task-definition revisions with images, newest first. */
export async function releasesCommand(
  ctx: CliContext,
  name: string,
  opts: ObserveOptions & { readonly limit?: string },
): Promise<number> {
  const limit = Number(opts.limit ?? "10");
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new CliError(
      `Invalid --limit ${JSON.stringify(opts.limit)}: a whole number from 1 to 100.`,
    );
  }
  let workload: Workload | undefined;
  const live = await openLive(ctx, opts.stack, opts.secretsProvider, (info) => {
    workload = resolveWorkload(info, name, ["service"]);
  });
  const entry = workloadOutputs(live.outputs, workload!, opts.stack);
  const family = required(entry.taskDefinitionFamily, `${name}.taskDefinitionFamily`, opts.stack);
  const containerName = entry.containerName ?? name;
  const { ecs } = live.aws;

  const arns = await latestRevisions(ecs, family, limit);
  let current: string | undefined;
  if (entry.serviceName !== undefined && live.outputs.clusterName !== undefined) {
    const services = await ecs.send(
      new DescribeServicesCommand({
        cluster: live.outputs.clusterName,
        services: [entry.serviceName],
      }),
    );
    current = services.services?.[0]?.taskDefinition;
  }
  const releases: {
    revision: number;
    registeredAt?: string;
    image?: string;
    tag: string;
    current: boolean;
  }[] = [];
  for (const arn of arns) {
    const { taskDefinition } = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: arn }),
    );
    const image = taskDefinition?.containerDefinitions?.find(
      (c) => c.name === containerName,
    )?.image;
    releases.push({
      revision: taskDefinition?.revision ?? Number(arn.split(":").pop()),
      registeredAt: taskDefinition?.registeredAt?.toISOString(),
      image,
      tag: imageTagOf(image),
      current: arn === current,
    });
  }
  if (opts.json === true) {
    ctx.stdout.write(JSON.stringify({ service: name, family, releases }, null, 2) + "\n");
    return 0;
  }
  if (releases.length === 0) {
    ctx.stdout.write(`No task definitions registered for ${family} yet.\n`);
    return 0;
  }
  ctx.stdout.write(
    table(
      ["REVISION", "REGISTERED", "TAG", "IMAGE", ""],
      releases.map((r) => [
        String(r.revision),
        r.registeredAt ?? "",
        r.tag,
        r.image ?? "",
        r.current ? "← running" : "",
      ]),
    ),
  );
  const previous = releases.find((r) => !r.current && r.tag !== "" && r.tag !== releases[0]?.tag);
  ctx.stdout.write(
    `Roll back by releasing an earlier tag again: npm run infra -- release ${name} ${previous?.tag ?? "<tag>"} --stack ${opts.stack}\n`,
  );
  return 0;
}
