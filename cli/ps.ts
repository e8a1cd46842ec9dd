// `ps [workload]` and `status`: the workloads' tasks, rollouts and events, from the operations
// manifest and the AWS SDK alone (no Pulumi CLI). A failed rollout or a task stopping in a loop
// is printed first and makes the exit code 1.
import type { CliContext } from "./context";
import { ObserveOptions, ObservedWorkload, observeWorkloads } from "./observe";
import { openOps, OpsStack, opsWorkload } from "./ops";
import { renderPs, workloadView } from "./ps-view";
import { resolveWorkload } from "./workloads";

/** Every configured workload (services first), with its manifest entry once deployed. */
export function configuredWorkloads(ops: Pick<OpsStack, "info" | "manifest">): ObservedWorkload[] {
  const configured = [
    ...ops.info.services.map((name) => ({ name, kind: "service" as const })),
    ...ops.info.workers.map((name) => ({ name, kind: "worker" as const })),
  ];
  return configured.map((w) => {
    const entry = ops.manifest.workloads[w.name];
    return entry !== undefined ? { ...w, entry } : w;
  });
}

/** `ps [workload]`; `status` is `ps` over every workload. */
export async function psCommand(
  ctx: CliContext,
  name: string | undefined,
  opts: ObserveOptions,
): Promise<number> {
  const ops = await openOps(ctx, opts.stack, (info) => {
    if (name !== undefined) resolveWorkload(info, name);
  });
  const workloads = name !== undefined ? [opsWorkload(ops, name)] : configuredWorkloads(ops);
  const snapshots = await observeWorkloads(ops, workloads);
  const views = snapshots.map((snapshot) => workloadView(snapshot, ctx.now()));
  const problems = views.flatMap((v) =>
    v.problems.map((problem) => ({ workload: v.name, problem })),
  );
  if (opts.json === true) {
    const cluster = ops.manifest.cluster.name;
    ctx.stdout.write(
      JSON.stringify({ stack: opts.stack, cluster, problems, workloads: views }, null, 2) + "\n",
    );
  } else if (views.length === 0) {
    ctx.stdout.write(`Stack ${opts.stack} has no services or workers configured.\n`);
  } else {
    ctx.stdout.write(renderPs(views, opts.stack));
  }
  if (problems.length === 0) return 0;
  const count = `${problems.length} problem${problems.length === 1 ? "" : "s"}`;
  ctx.stderr.write(
    `${count} in stack ${opts.stack} (${opts.json === true ? 'in "problems"' : "listed first"}): ` +
      `see \`npm run infra -- logs <workload> --stack ${opts.stack}\` and \`releases <workload>\`.\n`,
  );
  return 1;
}
