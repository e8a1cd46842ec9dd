// `scale` on workloads with and without autoscaling: which config keys it sets (by path, in
// order), what it says happens in AWS, and that every refusal changes nothing.
import * as assert from "node:assert/strict";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { describeScale, planScale } from "../cli/scale";
import { CliError } from "../cli/errors";
import { FakeStack, makeProject, runCli, STACK_FILES } from "./cli-context";

const ENV = { PULUMI_BACKEND_URL: "s3://vitcord-state", PULUMI_CONFIG_PASSPHRASE: "" };
const UP = ["up", "function"];

/** The Automation API calls as [method, ...args], an `up`'s options reduced to "function". */
function calls(stack: FakeStack): unknown[][] {
  return stack.calls.map((call) =>
    call.method === "up"
      ? ["up", typeof (call.args[0] as { onEvent?: unknown }).onEvent]
      : [call.method, ...call.args],
  );
}

const set = (key: string, value: string) => ["setConfig", `vitcord-infra:${key}`, { value }, true];

/** A refusal: exit 1, exactly this one `error:` line, no stack opened, no call made. */
function assertRefused(run: Awaited<ReturnType<typeof runCli>>, message: string) {
  assert.equal(run.code, 1, run.stderr);
  assert.equal(run.stderr, `error: ${message}\n`);
  assert.deepEqual(run.opened, []);
  assert.deepEqual(run.stack.calls, []);
}

describe("infra CLI: scale", () => {
  const sts = mockClient(STSClient);
  beforeEach(() => {
    sts.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Arn: "arn:aws:iam::123456789012:user/ci" });
  });
  after(() => sts.restore());

  // The dev fixture: api autoscales 1..4 (cpuTarget 60), notifications does not autoscale, the
  // worker jobs autoscales with dev's worker defaults (1..2) and has no queue.
  describe("an autoscaled service", () => {
    it("sets autoscaling.min to the count, then desiredCount, and says ECS starts tasks", async () => {
      const run = await runCli(["scale", "api", "3", "--stack", "dev"], { env: ENV });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(calls(run.stack), [
        set("services.api.autoscaling.min", "3"),
        set("services.api.desiredCount", "3"),
        UP,
      ]);
      assert.ok(
        run.stderr.includes(
          "api autoscales between 3 and 4 tasks; the Application Auto Scaling target's minimum is now 3, so ECS starts tasks until at least 3 run.\n",
        ),
        run.stderr,
      );
    });

    it("refuses a count above autoscaling.max and says to pass --max", async () => {
      const run = await runCli(["scale", "api", "9", "--stack", "dev"], { env: ENV });
      assertRefused(
        run,
        "Cannot scale api to 9: it autoscales between 1 and 4 tasks (services.api.autoscaling.max = 4). " +
          "Pass --max <n> to raise the maximum too, e.g. `scale api 9 --max 9`.",
      );
    });

    it("--max raises the maximum first, then the minimum and desiredCount", async () => {
      const run = await runCli(["scale", "api", "4", "--max", "12", "--stack", "dev"], {
        env: ENV,
      });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(calls(run.stack), [
        set("services.api.autoscaling.max", "12"),
        set("services.api.autoscaling.min", "4"),
        set("services.api.desiredCount", "4"),
        UP,
      ]);
      const up = run.stack.calls[3]?.args[0] as { message?: string };
      assert.equal(up.message, "scale api 4 --max 12");
      assert.ok(
        run.stderr.includes(
          "api autoscales between 4 and 12 tasks; the Application Auto Scaling target's minimum is now 4, so ECS starts tasks until at least 4 run; its maximum is now 12, so autoscaling may add tasks up to 12.\n",
        ),
        run.stderr,
      );
    });

    it("--min sets a minimum below the count and says the count alone starts nothing", async () => {
      const run = await runCli(
        ["scale", "api", "3", "--min", "2", "--max", "6", "--stack", "dev"],
        { env: ENV },
      );
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(calls(run.stack), [
        set("services.api.autoscaling.max", "6"),
        set("services.api.autoscaling.min", "2"),
        set("services.api.desiredCount", "3"),
        UP,
      ]);
      assert.match(run.stderr, /minimum is now 2, so ECS starts tasks until at least 2 run/);
      assert.match(
        run.stderr,
        /desiredCount 3 is recorded, but autoscaling owns the running count/,
      );
    });

    const refusals: [string[], string][] = [
      [["--max", "lots"], 'Invalid --max "lots": must be a whole number of tasks, 0 or more.'],
      [["--min", "-1"], 'Invalid --min "-1": must be a whole number of tasks, 0 or more.'],
      [["--min", "3", "--max", "2"], "Invalid --min 3: must be at most --max (2)."],
      [["--min", "4"], "Invalid --min 4: must be at most the count (3), the tasks api is to run."],
      [
        ["--max", "2"],
        "Cannot scale api to 3 with --max 2: the count must be at most the maximum.",
      ],
    ];
    for (const [options, message] of refusals) {
      it(`refuses scale api 3 ${options.join(" ")} and sets nothing`, async () => {
        const run = await runCli(["scale", "api", "3", ...options, "--stack", "dev"], {
          env: ENV,
        });
        assertRefused(run, message);
      });
    }

    it("validates the config as it will be: a --max the schema rejects changes nothing", async () => {
      const run = await runCli(["scale", "api", "4", "--max", "200", "--stack", "dev"], {
        env: ENV,
      });
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^error: Invalid stack configuration \(1 problem\):\n/);
      assert.match(run.stderr, /vitcord-infra:services\.api\.autoscaling\.max = 200/);
      assert.deepEqual(run.opened, []);
      assert.deepEqual(run.stack.calls, []);
    });
  });

  describe("a workload without autoscaling", () => {
    it("sets desiredCount only, as before", async () => {
      const run = await runCli(["scale", "notifications", "3", "--stack", "dev"], { env: ENV });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(calls(run.stack), [set("services.notifications.desiredCount", "3"), UP]);
      assert.ok(
        run.stderr.includes(
          "Scaling notifications to 3 in dev (Pulumi.dev.yaml updated; commit it). ECS starts or stops tasks until 3 run.\n",
        ),
        run.stderr,
      );
    });

    for (const option of ["--min", "--max"]) {
      it(`refuses ${option}, naming the workload`, async () => {
        const run = await runCli(["scale", "notifications", "3", option, "5", "--stack", "dev"], {
          env: ENV,
        });
        assertRefused(
          run,
          "--min and --max apply only to an autoscaled workload, and service notifications does not autoscale in stack dev " +
            "(no services.notifications.autoscaling): run `scale notifications 3` without them to set its desired count.",
        );
      });
    }
  });

  describe("workers (always autoscaled)", () => {
    it("sets the worker's autoscaling.min and desiredCount", async () => {
      const run = await runCli(["scale", "jobs", "2", "--stack", "dev"], { env: ENV });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(calls(run.stack), [
        set("workers.jobs.autoscaling.min", "2"),
        set("workers.jobs.desiredCount", "2"),
        UP,
      ]);
      assert.match(run.stderr, /jobs autoscales between 2 and 2 tasks; .* minimum is now 2/);
    });

    it("refuses a count above the default maximum (dev workers: 2)", async () => {
      const run = await runCli(["scale", "jobs", "3", "--stack", "dev"], { env: ENV });
      assertRefused(
        run,
        "Cannot scale jobs to 3: it autoscales between 1 and 2 tasks (workers.jobs.autoscaling.max = 2). " +
          "Pass --max <n> to raise the maximum too, e.g. `scale jobs 3 --max 3`.",
      );
    });

    it("scale to zero of a worker without a queue fails on the config rule, changing nothing", async () => {
      const run = await runCli(["scale", "jobs", "0", "--stack", "dev"], { env: ENV });
      assert.equal(run.code, 1);
      assert.match(
        run.stderr,
        /vitcord-infra:workers\.jobs\.autoscaling\.min = 0: can be 0 only for a worker with a queue/,
      );
      assert.deepEqual(run.stack.calls, []);
    });

    it("prod previews, then needs --yes; without it nothing is deployed", async () => {
      const refused = await runCli(["scale", "jobs", "4", "--stack", "prod"], { env: ENV });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /\nerror: Refusing to scale jobs to 4 in stack prod: /);
      assert.deepEqual(
        refused.stack.calls.map((c) => c.method),
        ["setConfig", "setConfig", "preview"],
      );

      const run = await runCli(["scale", "jobs", "4", "--stack", "prod", "--yes"], { env: ENV });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(calls(run.stack).slice(0, 2), [
        set("workers.jobs.autoscaling.min", "4"),
        set("workers.jobs.desiredCount", "4"),
      ]);
      assert.deepEqual(
        calls(run.stack)
          .slice(2)
          .map((call) => call[0]),
        ["preview", "up"],
      );
    });
  });

  it("a lower count lowers the minimum and says running tasks keep running", async () => {
    const dir = makeProject({
      ...STACK_FILES,
      "Pulumi.dev.yaml": STACK_FILES["Pulumi.dev.yaml"]!.replace(
        "autoscaling: { min: 1, max: 4, cpuTarget: 60 }",
        "autoscaling: { min: 3, max: 4, cpuTarget: 60 }",
      ),
    });
    const run = await runCli(["scale", "api", "1", "--stack", "dev"], {
      env: ENV,
      projectDir: dir,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(calls(run.stack).slice(0, 2), [
      set("services.api.autoscaling.min", "1"),
      set("services.api.desiredCount", "1"),
    ]);
    assert.match(
      run.stderr,
      /minimum is now 1: the running tasks keep running, and autoscaling removes tasks down to 1 only as load falls\./,
    );
  });

  it("scale --help shows --min and --max", async () => {
    const run = await runCli(["scale", "--help"]);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /--max <n>/);
    assert.match(run.stdout, /--min <n>/);
  });

  describe("planScale and describeScale (pure)", () => {
    const api = { workload: { name: "api", kind: "service" as const }, stack: "prod" };

    it("keeps the minimum and lowers the maximum when asked", () => {
      const plan = planScale({ ...api, count: 2, max: 3 }, { min: 2, max: 10 });
      assert.deepEqual(plan.changes, [
        { path: ["services", "api", "autoscaling", "max"], value: "3" },
        { path: ["services", "api", "autoscaling", "min"], value: "2" },
        { path: ["services", "api", "desiredCount"], value: "2" },
      ]);
      assert.equal(
        describeScale("api", 2, plan),
        "api autoscales between 2 and 3 tasks; the Application Auto Scaling target's minimum stays 2, so no task starts for it; its maximum is now 3, so if more run, ECS stops tasks until at most 3 run.",
      );
    });

    it("without autoscaling plans desiredCount alone", () => {
      const plan = planScale({ ...api, count: 5 }, undefined);
      assert.deepEqual(plan, {
        changes: [{ path: ["services", "api", "desiredCount"], value: "5" }],
      });
      assert.equal(describeScale("api", 5, plan), "ECS starts or stops tasks until 5 run.");
    });

    it("throws CliError, not a crash, for a count above the maximum", () => {
      assert.throws(() => planScale({ ...api, count: 11 }, { min: 2, max: 10 }), CliError);
    });
  });
});
