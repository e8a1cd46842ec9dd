// `maintenance on|off|status <service>` (and `maintenance` alone: every service's state). The
// rule itself, and why the CLI owns it rather than the stack config, are in maintenance.ts.
import type { CliContext } from "./context";
import { CliError } from "./errors";
import { table } from "./format";
import {
  checkedMaintenancePage,
  DEFAULT_MAINTENANCE_MESSAGE,
  maintenanceStatus,
  putMaintenanceRules,
  removeMaintenanceRules,
} from "./maintenance";
import { openOps, OpsStack, opsWorkload } from "./ops";
import type { LoadBalancerManifest } from "../components/ops-manifest";
import { resolveWorkload } from "./workloads";

export interface MaintenanceOptions {
  readonly stack: string;
  readonly message?: string;
}

const ACTIONS = ["on", "off", "status"] as const;
type MaintenanceAction = (typeof ACTIONS)[number];

/**
 * The action and service of `maintenance [action] [service]`: no action is the state of every
 * service, a lone service name its state (as `heroku maintenance`).
 */
export function parseMaintenanceArgs(
  action: string | undefined,
  service: string | undefined,
  opts: Pick<MaintenanceOptions, "message" | "stack">,
): { action: MaintenanceAction; service?: string } {
  let parsed: { action: MaintenanceAction; service?: string };
  if (action === undefined) parsed = { action: "status" };
  else if ((ACTIONS as readonly string[]).includes(action)) {
    parsed = { action: action as MaintenanceAction, service };
  } else if (service === undefined) parsed = { action: "status", service: action };
  else {
    throw new CliError(
      `maintenance takes on, off or status, then a service; got ${JSON.stringify(action)} ` +
        `(e.g. npm run infra -- maintenance on api --stack ${opts.stack}).`,
    );
  }
  if (parsed.action !== "status" && parsed.service === undefined) {
    throw new CliError(
      `maintenance ${parsed.action} needs a service (e.g. npm run infra -- maintenance ${parsed.action} api --stack ${opts.stack}).`,
    );
  }
  if (opts.message !== undefined && parsed.action !== "on") {
    throw new CliError("--message goes with maintenance on (it is the page's text).");
  }
  return parsed;
}

/** A service's load balancer; a worker has none, so it has no maintenance mode. */
function loadBalancerOf(ops: OpsStack, name: string): LoadBalancerManifest {
  const workload = opsWorkload(ops, name);
  if (workload.kind === "worker") {
    throw new CliError(
      `${name} is a worker: it has no load balancer, so it has no maintenance mode ` +
        `(to stop its tasks: npm run infra -- scale ${name} 0 --stack ${ops.info.stack}).`,
    );
  }
  if (workload.entry.loadBalancer === undefined) {
    throw new CliError(
      `The operations manifest of stack ${ops.info.stack} has no load balancer for ${name}: redeploy the stack (npm run infra -- up).`,
    );
  }
  return workload.entry.loadBalancer;
}

/** `maintenance …`: changes take effect at once and are verified; no deploy. */
export async function maintenanceCommand(
  ctx: CliContext,
  actionArg: string | undefined,
  serviceArg: string | undefined,
  opts: MaintenanceOptions,
): Promise<number> {
  const { action, service } = parseMaintenanceArgs(actionArg, serviceArg, opts);
  // Checked before AWS: a page ELB cannot hold changes nothing.
  const page =
    action === "on" ? checkedMaintenancePage(opts.message ?? DEFAULT_MAINTENANCE_MESSAGE) : "";
  const ops = await openOps(ctx, opts.stack, (info) => {
    if (service !== undefined) resolveWorkload(info, service);
  });
  const { elbv2 } = ops.aws;
  const { stack } = ops.info;
  if (service === undefined) {
    const rows: string[][] = [];
    for (const name of ops.info.services) {
      const lb = ops.manifest.workloads[name]?.loadBalancer;
      rows.push([
        name,
        lb === undefined ? "not deployed" : await maintenanceStatus(elbv2, lb),
        lb?.url ?? "",
      ]);
    }
    if (rows.length === 0) {
      ctx.stdout.write(`Stack ${stack} has no services (maintenance is for services).\n`);
      return 0;
    }
    ctx.stdout.write(table(["SERVICE", "MAINTENANCE", "URL"], rows));
    return 0;
  }
  const lb = loadBalancerOf(ops, service);
  if (action === "status") {
    ctx.stdout.write(
      `Maintenance mode of ${service} in stack ${stack}: ${await maintenanceStatus(elbv2, lb)}.\n`,
    );
    return 0;
  }
  const listeners = (n: number) => `${n} listener${n === 1 ? "" : "s"}`;
  if (action === "on") {
    const change = await putMaintenanceRules(elbv2, lb, service, page);
    const status = await maintenanceStatus(elbv2, lb);
    if (status !== "on") {
      throw new CliError(
        `Maintenance mode of ${service} is ${status} after the change (expected on on every listener): run maintenance on again, or off.`,
      );
    }
    ctx.stdout.write(
      `Maintenance mode is on for ${service} in stack ${stack}: ${lb.url} answers 503 with the maintenance page ` +
        `(rule created on ${listeners(change.created.length)}, updated on ${listeners(change.updated.length)}). ` +
        `It takes effect at once, with no deploy. Turn it off with: npm run infra -- maintenance off ${service} --stack ${stack}\n`,
    );
    return 0;
  }
  const removed = await removeMaintenanceRules(elbv2, lb);
  const status = await maintenanceStatus(elbv2, lb);
  if (status !== "off") {
    throw new CliError(
      `Maintenance mode of ${service} is ${status} after removing its rules: run maintenance off again.`,
    );
  }
  ctx.stdout.write(
    removed.length === 0
      ? `Maintenance mode was already off for ${service} in stack ${stack}; nothing changed.\n`
      : `Maintenance mode is off for ${service} in stack ${stack}: rule removed from ${listeners(removed.length)}; ` +
          `${lb.url} serves the app again, at once, with no deploy.\n`,
  );
  return 0;
}
