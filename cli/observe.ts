import { DescribeServicesCommand, Service } from "@aws-sdk/client-ecs";
import type { CliContext } from "./context";
import { table } from "./format";
import { openLive } from "./live";
import { rolloutOf, RolloutState } from "./rollout";
import { required } from "./workloads";

export interface ObserveOptions {
  readonly stack: string;
  readonly secretsProvider?: string;
  readonly json?: boolean;
}

/** Rollout states that mean the stack's declared revision is not what runs: `status` exits 1. */
const FAILED_ROLLOUTS: readonly RolloutState[] = ["FAILED", "ROLLED_BACK"];

/**
 * `status`: each service and worker's desired/running/pending tasks and its rollout, judged
 * against the revision the last `up` registered (see rolloutOf). Exits 1 while one has failed.
 */
export async function statusCommand(ctx: CliContext, opts: ObserveOptions): Promise<number> {
  const live = await openLive(ctx, opts.stack, opts.secretsProvider);
  const cluster = required(live.outputs.clusterName, "clusterName", opts.stack);
  const workloads = [
    ...live.info.services.map((name) => ({ name, kind: "service" as const })),
    ...live.info.workers.map((name) => ({ name, kind: "worker" as const })),
  ];
  const ecsNames = new Map<string, string>();
  const expected = new Map<string, string>();
  for (const w of workloads) {
    const entry = (w.kind === "service" ? live.outputs.services : live.outputs.workers)[w.name];
    if (entry?.serviceName !== undefined) ecsNames.set(w.name, entry.serviceName);
    if (entry?.taskDefinitionArn !== undefined) expected.set(w.name, entry.taskDefinitionArn);
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
    const rollout = service !== undefined ? rolloutOf(service, expected.get(w.name)) : undefined;
    return {
      name: w.name,
      kind: w.kind,
      desired: service?.desiredCount,
      running: service?.runningCount,
      pending: service?.pendingCount,
      rollout: rollout === undefined ? "not deployed" : rollout.state,
      reason: rollout?.reason,
    };
  });
  const failed = rows.some((r) => (FAILED_ROLLOUTS as readonly string[]).includes(r.rollout));
  const exitCode = failed ? 1 : 0;
  if (opts.json === true) {
    ctx.stdout.write(
      JSON.stringify({ stack: opts.stack, cluster, workloads: rows }, null, 2) + "\n",
    );
    return exitCode;
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
  for (const r of rows.filter((row) => FAILED_ROLLOUTS.includes(row.rollout as RolloutState))) {
    ctx.stdout.write(`${r.name}: ${r.reason ?? r.rollout}\n`);
  }
  if (failed) {
    ctx.stderr.write(
      `A rollout has failed in stack ${opts.stack}: see \`npm run infra -- releases <workload> --stack ${opts.stack}\` and roll back or release again.\n`,
    );
  }
  return exitCode;
}
