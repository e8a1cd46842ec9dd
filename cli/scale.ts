// What `scale` changes in the stack config and what that does in AWS. Pure: no Pulumi, no AWS.
import { parseStackConfig } from "../components/config";
import { readStackConfig } from "../components/config/stack-files";
import { CliError } from "./errors";
import type { ConfigChange, Workload } from "./workloads";

/** An autoscaled workload's task range: the Application Auto Scaling target's min and max. */
export interface ScalingBounds {
  readonly min: number;
  readonly max: number;
}

/**
 * The workload's autoscaling range as the program resolves it (environment defaults applied), or
 * undefined when it does not autoscale. Workers always do (their `autoscaling` has defaults);
 * services only with `autoscaling` set.
 */
export function scalingBoundsOf(
  stack: string,
  projectDir: string,
  workload: Workload,
): ScalingBounds | undefined {
  const config = parseStackConfig(stack, readStackConfig(stack, projectDir));
  const scaling =
    workload.kind === "service"
      ? config.services[workload.name]?.autoscaling
      : config.workers[workload.name]?.autoscaling;
  return scaling === undefined ? undefined : { min: scaling.min, max: scaling.max };
}

/** A `scale` request: the count, and the optional new bounds of an autoscaled workload. */
export interface ScaleRequest {
  readonly workload: Workload;
  readonly stack: string;
  readonly count: number;
  readonly min?: number;
  readonly max?: number;
}

export interface ScalePlan {
  /** The config changes, in the order they are set. */
  readonly changes: readonly ConfigChange[];
  /** For an autoscaled workload, its range before and after. */
  readonly bounds?: { readonly from: ScalingBounds; readonly to: ScalingBounds };
}

/**
 * What `scale` sets. Without autoscaling, `desiredCount` (ECS runs that many). With it, ECS
 * ignores `desiredCount` after creation (Application Auto Scaling owns the running count), so
 * the count becomes `autoscaling.min` (the floor the target scales out to at once), with
 * `desiredCount` kept equal so the config stays valid; `max` moves only with --max.
 */
export function planScale(request: ScaleRequest, current: ScalingBounds | undefined): ScalePlan {
  const { workload, stack, count, min, max } = request;
  const { name, kind } = workload;
  const key = (...rest: string[]) => [`${kind}s`, name, ...rest] as const;
  const desired: ConfigChange = { path: key("desiredCount"), value: String(count) };

  if (current === undefined) {
    if (min !== undefined || max !== undefined) {
      throw new CliError(
        `--min and --max apply only to an autoscaled workload, and ${kind} ${name} does not autoscale in stack ${stack} ` +
          `(no ${kind}s.${name}.autoscaling): run \`scale ${name} ${count}\` without them to set its desired count.`,
      );
    }
    return { changes: [desired] };
  }

  if (min !== undefined && max !== undefined && min > max) {
    throw new CliError(`Invalid --min ${min}: must be at most --max (${max}).`);
  }
  if (min !== undefined && min > count) {
    throw new CliError(
      `Invalid --min ${min}: must be at most the count (${count}), the tasks ${name} is to run.`,
    );
  }
  const to = { min: min ?? count, max: max ?? current.max };
  if (count > to.max) {
    throw new CliError(
      max !== undefined
        ? `Cannot scale ${name} to ${count} with --max ${max}: the count must be at most the maximum.`
        : `Cannot scale ${name} to ${count}: it autoscales between ${current.min} and ${current.max} tasks ` +
            `(${kind}s.${name}.autoscaling.max = ${current.max}). Pass --max <n> to raise the maximum too, ` +
            `e.g. \`scale ${name} ${count} --max ${count}\`.`,
    );
  }
  // The ceiling first, then the floor, then the count (the order of the stack file's keys).
  const changes: ConfigChange[] = [
    ...(max !== undefined ? [{ path: key("autoscaling", "max"), value: String(max) }] : []),
    { path: key("autoscaling", "min"), value: String(to.min) },
    desired,
  ];
  return { changes, bounds: { from: current, to } };
}

/** What the deploy does in AWS, in one line. */
export function describeScale(name: string, count: number, plan: ScalePlan): string {
  if (plan.bounds === undefined) return `ECS starts or stops tasks until ${count} run.`;
  const { from, to } = plan.bounds;
  const target = "the Application Auto Scaling target's";
  const parts = [`${name} autoscales between ${to.min} and ${to.max} tasks`];
  if (to.min > from.min) {
    parts.push(
      `${target} minimum is now ${to.min}, so ECS starts tasks until at least ${to.min} run`,
    );
  } else if (to.min < from.min) {
    parts.push(
      `${target} minimum is now ${to.min}: the running tasks keep running, and autoscaling removes tasks down to ${to.min} only as load falls`,
    );
  } else {
    parts.push(`${target} minimum stays ${to.min}, so no task starts for it`);
  }
  if (to.max > from.max) {
    parts.push(`its maximum is now ${to.max}, so autoscaling may add tasks up to ${to.max}`);
  } else if (to.max < from.max) {
    parts.push(
      `its maximum is now ${to.max}, so if more run, ECS stops tasks until at most ${to.max} run`,
    );
  }
  if (to.min < count) {
    parts.push(
      `desiredCount ${count} is recorded, but autoscaling owns the running count, so ECS does not start tasks to reach it`,
    );
  }
  return `${parts.join("; ")}.`;
}
