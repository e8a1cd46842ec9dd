import { z } from "zod";
import {
  ENVIRONMENT_DEFAULTS,
  Environment,
  WORKER_ARCHITECTURES,
  WorkerArchitecture,
  WorkerDefaults,
} from "./environment";
export { WORKER_ARCHITECTURES, type WorkerArchitecture, type WorkerDefaults };
import {
  booleanFlag,
  imageDigest,
  imageReference,
  imageTag,
  intInRange,
  oneOf,
  releaseCommit,
  releasedBy,
  resourceName,
  strictObject,
} from "./schema-helpers";
import { checkContainerConfig, containerConfigShape, namedRecord } from "./task";
import { usesSchema } from "./uses";

// ---- The task sizes Fargate accepts (AWS ECS developer guide, "Task CPU and memory").

/** Memory values from `from` to `to` MiB in steps of `step`. */
function memoryRange(from: number, to: number, step: number): number[] {
  const values: number[] = [];
  for (let memory = from; memory <= to; memory += step) values.push(memory);
  return values;
}

/**
 * Task CPU units (1024 = one vCPU) → the task memory values (MiB) Fargate accepts with it. The 8
 * and 16 vCPU sizes need Linux platform 1.4.0, which `LATEST` is.
 */
export const FARGATE_SIZES: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: memoryRange(1024, 4096, 1024),
  1024: memoryRange(2048, 8192, 1024),
  2048: memoryRange(4096, 16384, 1024),
  4096: memoryRange(8192, 30720, 1024),
  8192: memoryRange(16384, 61440, 4096),
  16384: memoryRange(32768, 122880, 8192),
};

/** The task CPU values Fargate accepts, ascending. */
export const FARGATE_CPUS: readonly number[] = Object.keys(FARGATE_SIZES)
  .map(Number)
  .sort((a, b) => a - b);

/** The memory values Fargate accepts with this CPU; empty for a CPU it does not accept. */
export function fargateMemoryOptions(cpu: number): readonly number[] {
  return FARGATE_SIZES[cpu] ?? [];
}

export function isValidFargateSize(cpu: number, memory: number): boolean {
  return fargateMemoryOptions(cpu).includes(memory);
}

/** `512, 1024, 2048` for short lists, `4096 to 16384 in steps of 1024` for the long ones. */
export function describeMemoryOptions(cpu: number): string {
  const options = fargateMemoryOptions(cpu);
  if (options.length <= 4) return options.join(", ");
  return `${options[0]} to ${options[options.length - 1]} in steps of ${options[1]! - options[0]!}`;
}

/** Why a cpu/memory pair is not a Fargate size (a message for the `memory` key), or undefined. */
export function fargateSizeProblem(cpu: number, memory: number): string | undefined {
  if (isValidFargateSize(cpu, memory)) return undefined;
  if (!FARGATE_CPUS.includes(cpu)) return `cpu ${cpu} is not a Fargate size`;
  return `is not a Fargate size with cpu ${cpu}: memory must be ${describeMemoryOptions(cpu)} MiB`;
}

// ---- The `vitcord-infra:workers.<name>` schema.

/** Defaults of a queue the worker creates; not per environment. */
export const QUEUE_DEFAULTS = {
  /** Longer than the longest job: a message hidden for less is handed to a second worker. */
  visibilityTimeoutSeconds: 300,
  /** Receives before a message moves to the dead-letter queue. */
  maxReceiveCount: 5,
  /** Visible messages one task is expected to keep up with; backlog scaling aims at this. */
  backlogPerTask: 100,
} as const;

/** The environment variable a worker with a queue gets: its queue's URL. */
export const QUEUE_URL_VARIABLE = "SQS_QUEUE_URL";

/**
 * The environment variable a producer (a web service in `queue.producers`) gets with a worker's
 * queue URL: `<WORKER>_QUEUE_URL`, e.g. `JOBS_QUEUE_URL`, `MAIL_SENDER_QUEUE_URL`.
 */
export function producerQueueVariable(worker: string): string {
  return `${worker.toUpperCase().replace(/-/g, "_")}_QUEUE_URL`;
}

/** The workers whose queues a web service sends to (it is in their `queue.producers`), sorted. */
export function queuesProducedBy(
  service: string,
  workers: Readonly<Record<string, { readonly queue?: { readonly producers: readonly string[] } }>>,
): string[] {
  return Object.entries(workers)
    .filter(([, worker]) => worker.queue?.producers.includes(service) ?? false)
    .map(([name]) => name)
    .sort();
}

const SQS_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/;

/**
 * The queue a worker consumes: one the program creates, or an existing one by ARN; either way the
 * web services in `producers` may send to it.
 */
export type WorkerQueueConfig =
  | {
      readonly create: true;
      readonly visibilityTimeoutSeconds: number;
      readonly maxReceiveCount: number;
      readonly backlogPerTask: number;
      readonly producers: readonly string[];
    }
  | {
      readonly arn: string;
      readonly backlogPerTask: number;
      readonly producers: readonly string[];
    };

const sqsArnMessage = "must be an SQS queue ARN (arn:aws:sqs:<region>:<account>:<name>)";

const queueSchema = strictObject({
  create: booleanFlag
    .optional()
    .describe(
      "`true` creates a queue for the worker, with a dead-letter queue; set this or `arn`, not both.",
    ),
  arn: z
    .string()
    .regex(SQS_ARN, { error: sqsArnMessage })
    .meta({ patternErrorMessage: sqsArnMessage })
    .optional()
    .describe(
      "An existing SQS queue the worker consumes instead of one it creates; set this or `create`, not both.",
    ),
  visibilityTimeoutSeconds: intInRange(0, 43200, "seconds")
    .optional()
    .describe(
      "Seconds a received message stays hidden from other consumers: longer than the longest job, and at least `stopTimeoutSeconds`. Only with `create: true`.",
    ),
  maxReceiveCount: intInRange(1, 1000, "receives")
    .optional()
    .describe(
      "Receives after which a message that keeps failing moves to the dead-letter queue. Only with `create: true`.",
    ),
  backlogPerTask: intInRange(1, 100000, "messages")
    .default(QUEUE_DEFAULTS.backlogPerTask)
    .describe(
      "Visible messages one task is expected to keep up with; autoscaling adds tasks when the backlog per task is above it.",
    ),
  producers: z
    .array(resourceName, { error: "must be a list of web service names, e.g. [api]" })
    .refine((names) => new Set(names).size === names.length, {
      error: "must name each web service once",
    })
    .meta({ uniqueItems: true })
    .default([])
    .describe(
      "Web services (in `vitcord-infra:services`) that may send to the queue: each gets `sqs:SendMessage` on it and its URL in `<WORKER>_QUEUE_URL`, e.g. `JOBS_QUEUE_URL`.",
    ),
})
  .superRefine((queue, ctx) => {
    const creates = queue.create === true;
    if (creates === (queue.arn !== undefined)) {
      ctx.addIssue({
        code: "custom",
        path: [],
        message:
          "must have either create: true (a new queue with a dead-letter queue) or arn (an existing queue), not both or neither",
      });
    }
    for (const key of ["visibilityTimeoutSeconds", "maxReceiveCount"] as const) {
      if (!creates && queue[key] !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: "applies only to a queue this program creates (create: true)",
        });
      }
    }
  })
  .transform((queue): WorkerQueueConfig =>
    queue.arn !== undefined
      ? { arn: queue.arn, backlogPerTask: queue.backlogPerTask, producers: queue.producers }
      : {
          create: true,
          visibilityTimeoutSeconds:
            queue.visibilityTimeoutSeconds ?? QUEUE_DEFAULTS.visibilityTimeoutSeconds,
          maxReceiveCount: queue.maxReceiveCount ?? QUEUE_DEFAULTS.maxReceiveCount,
          backlogPerTask: queue.backlogPerTask,
          producers: queue.producers,
        },
  );

const commandMessage =
  'a worker needs a command, a list of strings such as ["bundle", "exec", "aws_sqs_active_job", "--queue", "default"]: no image entry point is trusted by default';

/** The shared container keys but `command`, which a worker redefines as required. */
function withoutCommand<T extends { command: unknown }>(shape: T): Omit<T, "command"> {
  const copy: Partial<T> = { ...shape };
  delete copy.command;
  return copy as Omit<T, "command">;
}

/** The schema of one worker, with the defaults of its environment. */
export function workerSchema(environment: Environment) {
  const defaults = ENVIRONMENT_DEFAULTS[environment].worker;
  // The container keys are the web services' (one validator for both); a worker's command is
  // required and its stop timeout defaults per environment.
  const { stopTimeoutSeconds, ...container } = withoutCommand(containerConfigShape);
  return strictObject({
    image: imageReference
      .optional()
      .describe(
        "A full image reference (with a tag or digest) to run; or set `repository` (and `imageTag`) instead.",
      ),
    repository: resourceName
      .optional()
      .describe(
        "A web service (in `vitcord-infra:services`) whose ECR repository holds the worker's image; without `imageTag` the worker runs the same image as the service.",
      ),
    imageTag: imageTag
      .optional()
      .describe(
        "A tag in `repository`'s ECR repository, to run another image than the service's; needs `repository`.",
      ),
    imageDigest: imageDigest
      .optional()
      .describe(
        "The digest (`sha256:…`) of the image `imageTag` names; the worker then runs it by digest. Only with `imageTag`: without it the worker runs the service's release, digest included.",
      ),
    releasedBy: releasedBy
      .optional()
      .describe(
        "Who or what released the worker's own image, written by the release tooling; only with `imageTag`.",
      ),
    releaseCommit: releaseCommit
      .optional()
      .describe(
        "The git commit the worker's own image was built from, written by the release tooling; only with `imageTag`.",
      ),
    command: z
      .array(z.string().min(1), { error: commandMessage })
      .min(1, { error: commandMessage })
      .describe(
        "The command the worker runs, in exec form, e.g. `[bundle, exec, aws_sqs_active_job, --queue, default]`. Required: no image entry point is trusted by default.",
      ),
    cpu: z
      .number({ error: `must be one of: ${FARGATE_CPUS.join(", ")}` })
      .refine((cpu) => FARGATE_CPUS.includes(cpu), {
        error: `must be one of: ${FARGATE_CPUS.join(", ")}`,
      })
      .meta({ enum: [...FARGATE_CPUS] })
      .default(defaults.cpu)
      .describe("CPU of each Fargate task, in CPU units (1024 = one vCPU)."),
    memory: intInRange(512, 122880, "MiB")
      .default(defaults.memory)
      .describe(
        `Memory of each Fargate task, in MiB; Fargate accepts only certain values with each \`cpu\` (e.g. ${describeMemoryOptions(256)} with 256; ${describeMemoryOptions(512)} with 512).`,
      ),
    desiredCount: intInRange(0, 1000, "tasks")
      .default(defaults.desiredCount)
      .describe(
        "Tasks at creation, from `autoscaling.min` to `autoscaling.max`; autoscaling owns the count afterwards.",
      ),
    architecture: oneOf(WORKER_ARCHITECTURES)
      .default(defaults.architecture)
      .describe(
        "The CPU architecture of the Fargate tasks; it must match the image (`arm64` is Graviton).",
      ),
    spot: strictObject({
      enabled: booleanFlag
        .default(defaults.spot.enabled)
        .describe(
          "Run the tasks above `base` on FARGATE_SPOT (cheaper, may be interrupted); `false` runs every task on FARGATE.",
        ),
      base: intInRange(0, 1000, "tasks")
        .default(defaults.spot.base)
        .describe(
          "Tasks that always run on FARGATE (on-demand) while Spot is enabled; at most `autoscaling.max`.",
        ),
    })
      .prefault({})
      .describe("How the worker's tasks are split between FARGATE and FARGATE_SPOT."),
    autoscaling: strictObject({
      min: intInRange(0, 1000, "tasks")
        .default(defaults.autoscaling.min)
        .describe(
          "The fewest tasks; at most `max`. 0 only for a worker with a queue, whose backlog can start it again.",
        ),
      max: intInRange(1, 1000, "tasks")
        .default(defaults.autoscaling.max)
        .describe("The most tasks autoscaling may run."),
      cpuTarget: intInRange(10, 90, "percent")
        .default(defaults.autoscaling.cpuTarget)
        .describe(
          "Target tracking on the tasks' average CPU utilisation, in percent. A worker with a queue also scales on its backlog (`queue.backlogPerTask`).",
        ),
    })
      .prefault({})
      .describe("Target-tracking autoscaling of the worker's task count; always on."),
    execEnabled: booleanFlag
      .default(false)
      .describe(
        "Allow ECS Exec (`aws ecs execute-command`, `infra exec`) into the worker's containers; prod should use one-off tasks instead (VIT-ECS-13).",
      ),
    queue: queueSchema
      .optional()
      .describe(
        "The SQS queue the worker consumes, created here or existing: the worker may receive and delete its messages and gets its URL in `SQS_QUEUE_URL`.",
      ),
    ...container,
    stopTimeoutSeconds: stopTimeoutSeconds
      .unwrap()
      .default(defaults.stopTimeoutSeconds)
      .describe(
        "Seconds between SIGTERM and SIGKILL when a task stops (deploy, scale-in, Spot interruption), for the current job to finish; Fargate allows 120 at most.",
      ),
    uses: usesSchema,
  }).superRefine((worker, ctx) => {
    checkContainerConfig(worker, ctx);
    checkImage(worker, ctx);

    const sizeProblem = FARGATE_CPUS.includes(worker.cpu)
      ? fargateSizeProblem(worker.cpu, worker.memory)
      : undefined;
    if (sizeProblem !== undefined) {
      ctx.addIssue({ code: "custom", path: ["memory"], message: sizeProblem });
    }

    const { min, max } = worker.autoscaling;
    if (min > max) {
      ctx.addIssue({
        code: "custom",
        path: ["autoscaling", "min"],
        message: `must be at most autoscaling.max (${max})`,
      });
    } else if (worker.desiredCount < min || worker.desiredCount > max) {
      ctx.addIssue({
        code: "custom",
        path: ["desiredCount"],
        message: `must be from autoscaling.min (${min}) to autoscaling.max (${max})`,
      });
    }
    if (min === 0 && worker.queue === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["autoscaling", "min"],
        message:
          "can be 0 only for a worker with a queue: CPU tracking cannot start a worker that has no task, queue backlog scaling can",
      });
    }
    if (worker.spot.enabled && worker.spot.base > max) {
      ctx.addIssue({
        code: "custom",
        path: ["spot", "base"],
        message: `must be at most autoscaling.max (${max}): base tasks run on FARGATE, the rest on FARGATE_SPOT`,
      });
    }
    if (
      worker.queue !== undefined &&
      "create" in worker.queue &&
      worker.queue.visibilityTimeoutSeconds < worker.stopTimeoutSeconds
    ) {
      // A task stopped by scale-in, a deployment or a Spot interruption finishes its job for up
      // to stopTimeoutSeconds after SIGTERM; the message must stay hidden that long.
      ctx.addIssue({
        code: "custom",
        path: ["queue", "visibilityTimeoutSeconds"],
        message: `must be at least stopTimeoutSeconds (${worker.stopTimeoutSeconds}): a job still finishing after SIGTERM would be handed to a second worker`,
      });
    }
    if (worker.queue !== undefined) {
      for (const key of ["environment", "secrets"] as const) {
        if (Object.hasOwn(worker[key], QUEUE_URL_VARIABLE)) {
          ctx.addIssue({
            code: "custom",
            path: [key, QUEUE_URL_VARIABLE],
            message: "is set by the worker to its queue's URL; remove it or rename it",
          });
        }
      }
    }
  });
}

/** Exactly one way of naming the image: `image`, or `repository` with an optional `imageTag`. */
function checkImage(
  worker: {
    image?: string;
    repository?: string;
    imageTag?: string;
    imageDigest?: string;
    releasedBy?: string;
    releaseCommit?: string;
  },
  ctx: z.RefinementCtx,
): void {
  // A worker's own release (tag, digest, who, commit) exists only with its own imageTag.
  if (worker.imageTag === undefined) {
    for (const key of ["imageDigest", "releasedBy", "releaseCommit"] as const) {
      if (worker[key] === undefined) continue;
      ctx.addIssue({
        code: "custom",
        path: [key],
        message:
          worker.repository === undefined
            ? "applies only with repository and imageTag (a release from a web service's ECR repository)"
            : `applies only with imageTag: without it the worker runs services.${worker.repository}'s release, and that service records it`,
      });
    }
  }
  if (worker.image !== undefined && (worker.repository ?? worker.imageTag) !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["image"],
      message:
        "set either image (a full reference) or repository (+ imageTag), not both: one way of naming the image",
    });
  } else if (worker.image === undefined && worker.repository === undefined) {
    ctx.addIssue({
      code: "custom",
      path: worker.imageTag === undefined ? ["image"] : ["imageTag"],
      message:
        worker.imageTag === undefined
          ? "a worker needs an image: set image (a full reference) or repository (the web service whose image it runs, + imageTag to pin a tag)"
          : "needs repository: the web service whose ECR repository holds this tag",
    });
  }
}

export type WorkerConfig = z.output<ReturnType<typeof workerSchema>>;

/** `vitcord-infra:workers`: worker name → settings. */
export function workersSchema(environment: Environment) {
  return namedRecord(
    resourceName,
    workerSchema(environment).describe(
      "One worker: its image and command, Fargate size, capacity, scaling, queue and container settings.",
    ),
    "is not a valid worker name: lowercase letters, digits and single hyphens, starting with a letter, at most 20 characters",
  )
    .default({})
    .describe(
      "The background workers, by name: each is an ECS service of Fargate tasks with no load balancer, with its own log group and, optionally, an SQS queue. A worker cannot share a service's name.",
    );
}

export type WorkersConfig = z.output<ReturnType<typeof workersSchema>>;

/**
 * The rule between workers and web services, for the stack schema's superRefine: a worker's
 * `repository` names a configured web service. The issue sits on `workers.<name>.repository`.
 */
export function checkWorkerRepositories(
  config: {
    readonly workers: Readonly<Record<string, { readonly repository?: string }>>;
    readonly services: Readonly<Record<string, unknown>>;
  },
  ctx: z.RefinementCtx,
): void {
  const serviceNames = Object.keys(config.services);
  for (const [name, worker] of Object.entries(config.workers)) {
    if (worker.repository !== undefined && !serviceNames.includes(worker.repository)) {
      ctx.addIssue({
        code: "custom",
        path: ["workers", name, "repository"],
        message: `must name a web service in vitcord-infra:services (configured: ${serviceNames.length > 0 ? serviceNames.join(", ") : "none"})`,
      });
    }
  }
}

/**
 * The rule between queues and web services, for the stack schema's superRefine: each of
 * `workers.<name>.queue.producers` is a configured web service, and that service does not set the
 * `<WORKER>_QUEUE_URL` variable the program gives it.
 */
export function checkQueueProducers(
  config: {
    readonly workers: Readonly<
      Record<string, { readonly queue?: { readonly producers: readonly string[] } }>
    >;
    readonly services: Readonly<
      Record<
        string,
        {
          readonly environment: Readonly<Record<string, string>>;
          readonly secrets: Readonly<Record<string, string>>;
        }
      >
    >;
  },
  ctx: z.RefinementCtx,
): void {
  const serviceNames = Object.keys(config.services);
  for (const [name, worker] of Object.entries(config.workers)) {
    worker.queue?.producers.forEach((producer, i) => {
      const service = config.services[producer];
      if (service === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["workers", name, "queue", "producers", i],
          message: `must name a web service in vitcord-infra:services (configured: ${serviceNames.length > 0 ? serviceNames.join(", ") : "none"})`,
        });
        return;
      }
      const variable = producerQueueVariable(name);
      for (const key of ["environment", "secrets"] as const) {
        if (Object.hasOwn(service[key], variable)) {
          ctx.addIssue({
            code: "custom",
            path: ["services", producer, key, variable],
            message: `is set to the ${name} worker's queue URL (workers.${name}.queue.producers); remove it or rename it`,
          });
        }
      }
    });
  }
}
