import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { QUEUE_DEFAULTS, WorkerConfig, WorkerQueueConfig } from "./config/worker";
import { PolicyStatement } from "./iam";
import { statefulResourceOptions } from "./options";
import { QueueRef } from "./refs";

/** SQS's longest retention: a failed message waits 14 days in the dead-letter queue for a look. */
export const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600;
/** Four days (SQS's default) for the work queue: a job older than that is news, not work. */
export const QUEUE_RETENTION_SECONDS = 4 * 24 * 3600;

export interface WorkerQueueArgs {
  /**
   * Seconds a received message stays hidden from other consumers; longer than the longest job.
   * @default 300
   */
  readonly visibilityTimeoutSeconds?: number;
  /**
   * Receives before a message moves to the dead-letter queue.
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * Pulumi `protect` and `retainOnDelete` on both queues (prod): messages are data.
   * @default false
   */
  readonly protect?: boolean;
}

/**
 * A worker's SQS queue with its dead-letter queue: both encrypted with SQS-managed keys (no key to
 * pay for or grant), a redrive policy after `maxReceiveCount` receives, and a redrive-allow policy
 * so that only this queue may use the dead-letter queue.
 */
export class WorkerQueue extends pulumi.ComponentResource implements QueueRef {
  public readonly url: pulumi.Output<string>;
  public readonly arn: pulumi.Output<string>;
  public readonly name: pulumi.Output<string>;
  public readonly deadLetterUrl: pulumi.Output<string>;
  public readonly deadLetterArn: pulumi.Output<string>;

  constructor(name: string, args: WorkerQueueArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vitcord:service:WorkerQueue", name, args, opts);
    const stateful = statefulResourceOptions(args.protect ?? false, { parent: this });

    const deadLetter = new aws.sqs.Queue(
      `${name}-dlq`,
      { sqsManagedSseEnabled: true, messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS },
      stateful,
    );
    const queue = new aws.sqs.Queue(
      name,
      {
        sqsManagedSseEnabled: true,
        messageRetentionSeconds: QUEUE_RETENTION_SECONDS,
        visibilityTimeoutSeconds:
          args.visibilityTimeoutSeconds ?? QUEUE_DEFAULTS.visibilityTimeoutSeconds,
        // Long polling: fewer empty receives, fewer requests billed.
        receiveWaitTimeSeconds: 20,
        redrivePolicy: pulumi.jsonStringify({
          deadLetterTargetArn: deadLetter.arn,
          maxReceiveCount: args.maxReceiveCount ?? QUEUE_DEFAULTS.maxReceiveCount,
        }),
      },
      stateful,
    );
    new aws.sqs.RedriveAllowPolicy(
      `${name}-dlq-allow`,
      {
        queueUrl: deadLetter.url,
        redriveAllowPolicy: pulumi.jsonStringify({
          redrivePermission: "byQueue",
          sourceQueueArns: [queue.arn],
        }),
      },
      { parent: this },
    );

    this.url = queue.url;
    this.arn = queue.arn;
    this.name = queue.name;
    this.deadLetterUrl = deadLetter.url;
    this.deadLetterArn = deadLetter.arn;
    this.registerOutputs({
      url: this.url,
      arn: this.arn,
      name: this.name,
      deadLetterUrl: this.deadLetterUrl,
      deadLetterArn: this.deadLetterArn,
    });
  }
}

/**
 * The queue of each worker that has one (`workers.<name>.queue`), by worker name: created (with
 * its dead-letter queue) or, with `queue.arn`, the existing one. Declared before the web services
 * and the workers, because producers get its URL and the worker consumes it.
 */
export function workerQueues(
  workers: Readonly<Record<string, Pick<WorkerConfig, "queue">>>,
  protect: boolean,
  opts: pulumi.ComponentResourceOptions = {},
): Record<string, QueueRef> {
  const queues: Record<string, QueueRef> = {};
  for (const [worker, { queue }] of Object.entries(workers)) {
    if (queue !== undefined) queues[worker] = workerQueue(worker, queue, protect, opts);
  }
  return queues;
}

function workerQueue(
  worker: string,
  config: WorkerQueueConfig,
  protect: boolean,
  opts: pulumi.ComponentResourceOptions,
): QueueRef {
  if ("arn" in config) {
    return {
      url: queueUrlFromArn(config.arn),
      arn: config.arn,
      name: queueNameFromArn(config.arn),
    };
  }
  return new WorkerQueue(
    `${worker}-queue`,
    {
      visibilityTimeoutSeconds: config.visibilityTimeoutSeconds,
      maxReceiveCount: config.maxReceiveCount,
      protect,
    },
    {
      ...opts,
      // The queue used to be the worker's child: the alias keeps the deployed queues (protected
      // in prod) instead of replacing them.
      aliases: [{ parent: pulumi.createUrn(worker, "vitcord:service:FargateWorker") }],
    },
  );
}

// ---- Who may do what on a queue: one statement builder for consumers and producers.

/**
 * The queue actions a consumer needs on its own queue, and nothing else (no queue management).
 * SendMessage too: an ActiveJob `retry_on` re-enqueues the job (with a delay) on its queue, and a
 * job may enqueue others. Not on the dead-letter queue: SQS moves a message there itself after
 * `maxReceiveCount` receives (the redrive policy), without the consumer's permissions.
 */
export const QUEUE_CONSUMER_ACTIONS = [
  "sqs:ReceiveMessage",
  "sqs:DeleteMessage",
  "sqs:ChangeMessageVisibility",
  "sqs:GetQueueAttributes",
  "sqs:SendMessage",
] as const;

/** What a producer needs: send, and read the attributes (ActiveJob checks the queue exists). */
export const QUEUE_PRODUCER_ACTIONS = ["sqs:SendMessage", "sqs:GetQueueAttributes"] as const;

/** A task-role statement on exactly these queues (CKV_AWS_355: a resource, never `*`). */
function queueStatement(
  Sid: string,
  actions: readonly string[],
  Resource: pulumi.Input<string> | readonly pulumi.Input<string>[],
): PolicyStatement {
  return { Sid, Effect: "Allow", Action: [...actions], Resource };
}

/** The worker's task-role statement for consuming its queue. */
export function queueConsumerStatement(queueArn: pulumi.Input<string>): PolicyStatement {
  return queueStatement("ConsumeQueue", QUEUE_CONSUMER_ACTIONS, queueArn);
}

/** A producer's task-role statement for sending to the queues it is a producer of. */
export function queueProducerStatement(
  queueArns: readonly pulumi.Input<string>[],
): PolicyStatement {
  return queueStatement("SendToQueues", QUEUE_PRODUCER_ACTIONS, queueArns);
}

// ---- Pure helpers: existing queues by ARN, and the backlog scaling steps.

/** The name in `arn:aws:sqs:<region>:<account>:<name>`. */
export function queueNameFromArn(arn: string): string {
  return arn.split(":")[5] ?? "";
}

/** The URL of a queue from its ARN: `https://sqs.<region>.amazonaws.com/<account>/<name>`. */
export function queueUrlFromArn(arn: string): string {
  const [, partition, , region, account, name] = arn.split(":");
  const domain = partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
  return `https://sqs.${region}.${domain}/${account}/${name}`;
}

/** One step of a step-scaling policy; bounds are relative to the alarm's threshold. */
export interface ScalingStep {
  readonly lowerBound?: number;
  readonly upperBound?: number;
  readonly change: number;
}

export interface BacklogScaling {
  /** Scale out when the visible messages reach this. */
  readonly scaleOutThreshold: number;
  readonly scaleOutSteps: readonly ScalingStep[];
  /**
   * Scale in (one task at a time) when the visible plus in-flight messages stay at or below this
   * (`scaleInMetricQueries`).
   */
  readonly scaleInThreshold: number;
  readonly scaleInSteps: readonly ScalingStep[];
}

/** Backlog multiples that start a larger step, and the tasks that step adds. */
const SCALE_OUT_MULTIPLES = [
  { atLeast: 1, change: 1 },
  { atLeast: 2, change: 2 },
  { atLeast: 5, change: 5 },
  { atLeast: 10, change: 10 },
] as const;

/**
 * Step scaling on `ApproximateNumberOfMessagesVisible`, derived from the backlog one task is
 * expected to handle (B): at B visible messages add 1 task, at 2B add 2, at 5B add 5, at 10B add
 * 10 (the target's max caps it); remove one task at a time once the queue is empty and no message
 * is in flight (`scaleInMetricQueries`). Step scaling
 * rather than target tracking on backlog per task: it also starts a worker scaled to zero tasks,
 * where backlog ÷ running tasks is undefined.
 */
export function backlogScaling(backlogPerTask: number): BacklogScaling {
  const threshold = backlogPerTask;
  const scaleOutSteps = SCALE_OUT_MULTIPLES.map((step, i): ScalingStep => {
    const next = SCALE_OUT_MULTIPLES[i + 1];
    return {
      lowerBound: (step.atLeast - 1) * backlogPerTask,
      ...(next === undefined ? {} : { upperBound: (next.atLeast - 1) * backlogPerTask }),
      change: step.change,
    };
  });
  return {
    scaleOutThreshold: threshold,
    scaleOutSteps,
    scaleInThreshold: 0,
    scaleInSteps: [{ upperBound: 0, change: -1 }],
  };
}

/** One query of a CloudWatch metric-math alarm (aws.cloudwatch.MetricAlarm `metricQueries`). */
export interface AlarmMetricQuery {
  readonly id: string;
  readonly label?: string;
  readonly expression?: string;
  readonly returnData?: boolean;
  readonly metric?: {
    readonly namespace: string;
    readonly metricName: string;
    readonly dimensions: Record<string, pulumi.Input<string>>;
    readonly stat: string;
    readonly period: number;
  };
}

/**
 * What the scale-in alarm watches: visible plus in-flight messages (received, not yet deleted:
 * `ApproximateNumberOfMessagesNotVisible`). On visible messages alone, an empty queue whose
 * messages are all being worked on looked idle, and scale-in stopped a task in the middle of a
 * job. Step scaling is driven by a CloudWatch alarm, and an alarm may watch a metric-math
 * expression ("Create a CloudWatch alarm based on a metric math expression", CloudWatch user
 * guide), so the sum is one alarm. Scale-out stays on the visible messages: those are the waiting
 * work that more tasks would take.
 */
export function scaleInMetricQueries(queueName: pulumi.Input<string>): AlarmMetricQuery[] {
  const metric = (id: string, metricName: string): AlarmMetricQuery => ({
    id,
    metric: {
      namespace: "AWS/SQS",
      metricName,
      dimensions: { QueueName: queueName },
      stat: "Maximum",
      period: 60,
    },
    returnData: false,
  });
  return [
    metric("visible", "ApproximateNumberOfMessagesVisible"),
    metric("inflight", "ApproximateNumberOfMessagesNotVisible"),
    {
      id: "backlog",
      label: "Messages visible or in flight",
      expression: "visible + inflight",
      returnData: true,
    },
  ];
}
