import * as assert from "node:assert/strict";
import { ConfigError, parseStackConfig } from "../components/config";
import { producerQueueVariable, queuesProducedBy } from "../components/config/worker";
import {
  queueConsumerStatement,
  queueProducerStatement,
  QUEUE_CONSUMER_ACTIONS,
  QUEUE_PRODUCER_ACTIONS,
} from "../components/worker-queue";
import { readStackConfig } from "../components/config/stack-files";
import { ProgramRun, RecordedResource, runInvalid, runProgram } from "./harness";

const QUEUE = "aws:sqs/queue:Queue";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const TASK_DEF = "aws:ecs/taskDefinition:TaskDefinition";
const EXISTING_QUEUE = "arn:aws:sqs:us-east-1:123456789012:mailers";

interface Statement {
  Sid?: string;
  Action: string | string[];
  Resource: string | string[];
}

/** The committed stack's workers, for tests that change the jobs queue and keep the rest. */
function stackWorkers(stack: string): Record<string, Record<string, unknown>> {
  return JSON.parse(readStackConfig(stack)["vitcord-infra:workers"]!) as Record<
    string,
    Record<string, unknown>
  >;
}

/** `workers` with the jobs worker's queue settings replaced. */
function jobsQueue(stack: string, queue: Record<string, unknown>) {
  const workers = stackWorkers(stack);
  return { workers: { ...workers, jobs: { ...workers.jobs, queue } } };
}

/** A worker's created queue: a child of its WorkerQueue component, declared before the services. */
function queueOf(run: ProgramRun, worker: string): RecordedResource {
  return run
    .childrenOf(run.one("vitcord:service:WorkerQueue", `${worker}-queue`))
    .find((r) => r.type === QUEUE && r.name === `${worker}-queue`)!;
}

const jobsQueueOf = (run: ProgramRun) => queueOf(run, "jobs");

/**
 * dev's workers with jobs on an existing queue (by ARN) that both services produce to, and a
 * second worker, mailer, like jobs but with a queue of its own and no producers: one synthesis for
 * the two tests below (the harness memoizes it).
 */
function arnJobsAndMailer(): Promise<ProgramRun> {
  const { workers } = jobsQueue("dev", {
    arn: EXISTING_QUEUE,
    producers: ["api", "notifications"],
  });
  return runProgram("dev", {
    workers: { ...workers, mailer: { ...workers.jobs, queue: { create: true } } },
  });
}

/** A service's task-role statements (none when it has no task-role policy). */
function taskStatements(run: ProgramRun, service: string): Statement[] {
  const policy = run.ofType(ROLE_POLICY).find((p) => p.name === `${service}-task`);
  if (policy === undefined) return [];
  return (JSON.parse(policy.inputs.policy as string) as { Statement: Statement[] }).Statement;
}

/** A service's container environment, by name. */
function environmentOf(run: ProgramRun, service: string): Record<string, string> {
  const definition = run.ofType(TASK_DEF).find((t) => t.name === `${service}-task`)!;
  const [container] = JSON.parse(definition.inputs.containerDefinitions as string) as {
    environment: { name: string; value: string }[];
  }[];
  return Object.fromEntries(container!.environment.map((e) => [e.name, e.value]));
}

describe("queue producers (workers.<name>.queue.producers)", () => {
  let dev: ProgramRun;
  let prod: ProgramRun;
  before(async () => {
    dev = await runProgram("dev");
    prod = await runProgram("prod");
  });

  it("lets the api's task role send to exactly the jobs queue, and nothing more (CKV_AWS_355)", () => {
    for (const run of [dev, prod]) {
      const send = taskStatements(run, "api").filter((s) => s.Sid === "SendToQueues");
      assert.deepEqual(send, [
        {
          Sid: "SendToQueues",
          Effect: "Allow",
          Action: ["sqs:SendMessage", "sqs:GetQueueAttributes"],
          Resource: [jobsQueueOf(run).state.arn],
        },
      ]);
      // No other statement of the api touches SQS.
      const sqs = taskStatements(run, "api").filter((s) =>
        JSON.stringify(s.Action).includes("sqs:"),
      );
      assert.equal(sqs.length, 1);
    }
  });

  it("gives the api the queue's URL as JOBS_QUEUE_URL", () => {
    for (const run of [dev, prod]) {
      assert.equal(environmentOf(run, "api").JOBS_QUEUE_URL, jobsQueueOf(run).state.url);
    }
  });

  it("gives a service that is no producer neither the permission nor the URL", () => {
    for (const run of [dev, prod]) {
      assert.deepEqual(
        taskStatements(run, "notifications").filter((s) => s.Sid === "SendToQueues"),
        [],
      );
      assert.equal(environmentOf(run, "notifications").JOBS_QUEUE_URL, undefined);
    }
  });

  it("with no producers, no service may send", async () => {
    const run = await arnJobsAndMailer();
    const mailer = queueOf(run, "mailer").state.arn as string;
    assert.match(mailer, /:mailer-queue/);
    for (const service of ["api", "notifications"]) {
      // Both send to the jobs queue they produce to, and to nothing else.
      assert.deepEqual(
        taskStatements(run, service)
          .filter((s) => s.Sid === "SendToQueues")
          .map((s) => s.Resource),
        [[EXISTING_QUEUE]],
      );
      assert.equal(environmentOf(run, service).MAILER_QUEUE_URL, undefined);
    }
  });

  it("scopes a producer of an existing queue (by ARN) to that ARN and its URL", async () => {
    const run = await arnJobsAndMailer();
    for (const service of ["api", "notifications"]) {
      const [send] = taskStatements(run, service).filter((s) => s.Sid === "SendToQueues");
      assert.deepEqual(send!.Resource, [EXISTING_QUEUE]);
      assert.equal(
        environmentOf(run, service).JOBS_QUEUE_URL,
        "https://sqs.us-east-1.amazonaws.com/123456789012/mailers",
      );
    }
  });

  describe("a bad producers value stops the program, naming the key, and declares nothing", () => {
    const cases: [string, Record<string, unknown>, string][] = [
      [
        "a name that is no configured service",
        jobsQueue("prod", { create: true, producers: ["api", "apx"] }),
        'vitcord-infra:workers.jobs.queue.producers.1 = "apx": must name a web service in vitcord-infra:services (configured: api, notifications)',
      ],
      [
        "a single name instead of a list",
        jobsQueue("prod", { create: true, producers: "api" }),
        'vitcord-infra:workers.jobs.queue.producers = "api": must be a list of web service names, e.g. [api]',
      ],
      [
        "a name listed twice",
        jobsQueue("prod", { create: true, producers: ["api", "api"] }),
        'vitcord-infra:workers.jobs.queue.producers = ["api","api"]: must name each web service once',
      ],
    ];
    for (const [what, changes, message] of cases) {
      it(what, async () => {
        const { error, declared } = await runInvalid("prod", changes);
        assert.ok(error instanceof ConfigError, String(error));
        assert.deepEqual(error.problems, [message]);
        assert.equal(declared, 0);
      });
    }

    it("a producer that sets the variable the program gives it", async () => {
      const services = JSON.parse(readStackConfig("prod")["vitcord-infra:services"]!) as Record<
        string,
        Record<string, unknown>
      >;
      services.api!.environment = { RAILS_ENV: "production", JOBS_QUEUE_URL: "x" };
      const { error, declared } = await runInvalid("prod", { services });
      assert.ok(error instanceof ConfigError, String(error));
      assert.deepEqual(error.problems, [
        'vitcord-infra:services.api.environment.JOBS_QUEUE_URL = "x": is set to the jobs worker\'s queue URL (workers.jobs.queue.producers); remove it or rename it',
      ]);
      assert.equal(declared, 0);
    });
  });

  it("parses producers with the rest of the queue, [] by default", () => {
    const raw = readStackConfig("dev");
    const config = parseStackConfig("dev", raw);
    assert.deepEqual(config.workers.jobs!.queue!.producers, ["api"]);
    const without = parseStackConfig("dev", {
      ...raw,
      "vitcord-infra:workers": JSON.stringify(jobsQueue("dev", { create: true }).workers),
    });
    assert.deepEqual(without.workers.jobs!.queue!.producers, []);
  });
});

describe("queue helpers", () => {
  it("names the producer's variable after the worker: upper case, underscores", () => {
    assert.equal(producerQueueVariable("jobs"), "JOBS_QUEUE_URL");
    assert.equal(producerQueueVariable("mail-sender2"), "MAIL_SENDER2_QUEUE_URL");
  });

  it("finds the queues a service produces to, sorted", () => {
    const workers = {
      mail: { queue: { producers: ["api"] } },
      jobs: { queue: { producers: ["api", "notifications"] } },
      cron: {},
    };
    assert.deepEqual(queuesProducedBy("api", workers), ["jobs", "mail"]);
    assert.deepEqual(queuesProducedBy("notifications", workers), ["jobs"]);
    assert.deepEqual(queuesProducedBy("admin", workers), []);
  });

  it("builds the consumer's and the producer's statements with one builder, on the queue ARNs only", () => {
    assert.deepEqual(queueConsumerStatement(EXISTING_QUEUE), {
      Sid: "ConsumeQueue",
      Effect: "Allow",
      Action: [...QUEUE_CONSUMER_ACTIONS],
      Resource: EXISTING_QUEUE,
    });
    assert.deepEqual(queueProducerStatement([EXISTING_QUEUE]), {
      Sid: "SendToQueues",
      Effect: "Allow",
      Action: [...QUEUE_PRODUCER_ACTIONS],
      Resource: [EXISTING_QUEUE],
    });
    // A producer cannot consume. A consumer may send to its own queue (ActiveJob retries and
    // jobs that enqueue jobs), and manage nothing.
    assert.ok(!(QUEUE_PRODUCER_ACTIONS as readonly string[]).includes("sqs:ReceiveMessage"));
    assert.deepEqual([...QUEUE_CONSUMER_ACTIONS].sort(), [
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:ReceiveMessage",
      "sqs:SendMessage",
    ]);
  });
});
