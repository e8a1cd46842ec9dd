// Stack operations of the operations CLI through a recording Automation API stack: which calls
// are made with which arguments, protected (prod) stacks, backend and secrets provider choice.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { FakeStack, makeProject, runCli, STACK_FILES } from "./cli-context";

const ENV = { PULUMI_BACKEND_URL: "s3://vitcord-state", PULUMI_CONFIG_PASSPHRASE: "" };

/** The options object a stack operation was called with, functions replaced by their type. */
function shape(args: unknown[]): unknown[] {
  return args.map((arg) =>
    arg !== null && typeof arg === "object"
      ? Object.fromEntries(
          Object.entries(arg).map(([k, v]) => [k, typeof v === "function" ? "function" : v]),
        )
      : arg,
  );
}

function calls(stack: FakeStack) {
  return stack.calls.map((call) => [call.method, ...shape(call.args)]);
}

describe("infra CLI: stack operations", () => {
  const sts = mockClient(STSClient);
  beforeEach(() => {
    sts.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Arn: "arn:aws:iam::123456789012:user/ci" });
  });
  after(() => sts.restore());

  describe("preview | up | refresh | destroy", () => {
    it("preview opens the stack over the project directory and previews with live events", async () => {
      const projectDir = makeProject();
      const run = await runCli(["preview", "--stack", "dev"], { projectDir, env: ENV });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(run.opened, [
        [
          { stackName: "dev", workDir: projectDir },
          {
            workDir: projectDir,
            envVars: { PULUMI_BACKEND_URL: "s3://vitcord-state" },
            secretsProvider: "passphrase",
          },
        ],
      ]);
      assert.deepEqual(calls(run.stack), [["preview", { color: "never", onEvent: "function" }]]);
      assert.equal(
        run.stdout,
        "preview dev would be: 1 created, 0 updated, 0 replaced, 0 deleted, 1 unchanged (1m 15s)\n",
      );
      assert.equal(sts.commandCalls(GetCallerIdentityCommand).length, 1);
    });

    it("passes policy packs to the Automation API on preview and up", async () => {
      const run = await runCli(
        ["up", "--stack", "dev", "--policy-pack", "policy", "--policy-pack", "extra"],
        { env: ENV },
      );
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(calls(run.stack), [
        ["up", { color: "never", onEvent: "function", policyPacks: ["policy", "extra"] }],
      ]);
    });

    for (const command of ["refresh", "destroy"] as const) {
      it(`${command} runs the engine operation of that name on dev without asking`, async () => {
        const run = await runCli([command, "--stack", "dev"], { env: ENV });
        assert.equal(run.code, 0, run.stderr);
        assert.deepEqual(calls(run.stack), [[command, { color: "never", onEvent: "function" }]]);
        assert.deepEqual(run.prompts, []);
        assert.match(run.stdout, new RegExp(`^${command} dev done: 1 created`));
      });
    }

    it("--json prints one summary object and no progress", async () => {
      const run = await runCli(["up", "--stack", "dev", "--json"], { env: ENV });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(calls(run.stack), [["up", { color: "never" }]]);
      assert.deepEqual(JSON.parse(run.stdout), {
        command: "up",
        stack: "dev",
        changes: { created: 1, updated: 0, replaced: 0, deleted: 0, unchanged: 1 },
        durationSeconds: 75,
      });
      assert.equal(run.stderr, "");
    });

    it("prints one line per changed resource in a log (no terminal)", async () => {
      const run = await runCli(["up", "--stack", "dev"], { env: ENV });
      assert.equal(run.stderr, "  create api (aws:ecs/service:Service)\n");
    });

    it("rewrites one live progress line on a terminal", async () => {
      const run = await runCli(["up", "--stack", "dev"], { env: ENV, tty: true });
      const clear = "\r\u001b[K";
      assert.ok(
        run.stderr.includes(
          `${clear}up dev: 0 done, 1 in progress · creating api (aws:ecs/service:Service)`,
        ),
        run.stderr,
      );
      assert.ok(run.stderr.includes(`${clear}up dev: 2 done, 0 in progress`), run.stderr);
      assert.ok(run.stderr.endsWith(clear), "the live line is cleared before the summary");
    });

    it("prints each service's URL after an up", async () => {
      const stack = new FakeStack("dev");
      stack.stackOutputs = {
        services: { value: { api: { url: "http://api-123.elb.amazonaws.com" } }, secret: false },
      };
      const run = await runCli(["up", "--stack", "dev"], { env: ENV, stack });
      assert.ok(run.stdout.includes("\n  api: http://api-123.elb.amazonaws.com\n"), run.stdout);
    });

    it("reports a failed deployment in one line, from the engine's error lines", async () => {
      const stack = new FakeStack("dev");
      stack.failWith = Object.assign(
        new Error(
          "code: 255\n stdout: Updating (dev)\n\n stderr: error: update failed\nerror: update failed\n",
        ),
        { name: "CommandError" },
      );
      const run = await runCli(["up", "--stack", "dev", "--json"], { env: ENV, stack });
      assert.equal(run.code, 1);
      assert.equal(run.stderr, "error: update failed\n");
    });
  });

  describe("protected stacks (environment prod)", () => {
    for (const command of ["up", "destroy"]) {
      it(`refuses ${command} on prod without --yes when nobody can confirm`, async () => {
        const run = await runCli([command, "--stack", "prod"], { env: ENV });
        assert.equal(run.code, 1);
        assert.equal(
          run.stderr,
          `error: Refusing to ${command} stack prod: it is a protected prod stack. Pass --yes to confirm (CI does this behind its approval gate), or run it in a terminal.\n`,
        );
        assert.deepEqual(run.opened, []);
        assert.deepEqual(run.stack.calls, []);
      });
    }

    it("accepts --yes on prod", async () => {
      const run = await runCli(["up", "--stack", "prod", "--yes"], { env: ENV });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(calls(run.stack), [["up", { color: "never", onEvent: "function" }]]);
      assert.deepEqual(run.prompts, []);
    });

    it("asks on a terminal and goes ahead when the stack name is typed", async () => {
      const run = await runCli(["destroy", "--stack", "prod"], {
        env: ENV,
        interactive: true,
        answer: "prod\n",
      });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(run.prompts, ["Stack prod is prod. Type the stack name to destroy it: "]);
      assert.deepEqual(calls(run.stack), [["destroy", { color: "never", onEvent: "function" }]]);
    });

    it("stops when the answer is not the stack name", async () => {
      const run = await runCli(["up", "--stack", "prod"], {
        env: ENV,
        interactive: true,
        answer: "y",
      });
      assert.equal(run.code, 1);
      assert.equal(run.stderr, 'error: Not confirmed (expected "prod"); nothing was changed.\n');
      assert.deepEqual(run.stack.calls, []);
    });

    it("preview and refresh of prod need no confirmation", async () => {
      for (const command of ["preview", "refresh"]) {
        const run = await runCli([command, "--stack", "prod"], { env: ENV });
        assert.equal(run.code, 0, run.stderr);
        assert.equal(run.stack.calls[0]?.method, command);
      }
    });
  });

  describe("release and scale", () => {
    it("release sets the service's image tag by path, then deploys with a message", async () => {
      const run = await runCli(["release", "api", "v1.4.2", "--stack", "dev"], { env: ENV });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(calls(run.stack), [
        ["setConfig", "vitcord-infra:services.api.imageTag", { value: "v1.4.2" }, true],
        ["up", { color: "never", onEvent: "function", message: "release api v1.4.2" }],
      ]);
      assert.match(run.stderr, /deployment circuit breaker rolls the service back/);
      assert.match(
        run.stdout,
        /Released api:v1\.4\.2\. Check the rollout: npm run infra -- status --stack dev/,
      );
    });

    it("release moves a service pinned to an explicit image onto its ECR repository", async () => {
      const run = await runCli(["release", "notifications", "2f9c1e7", "--stack", "dev"], {
        env: ENV,
      });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(calls(run.stack).slice(0, 2), [
        ["removeConfig", "vitcord-infra:services.notifications.image", true],
        ["setConfig", "vitcord-infra:services.notifications.imageTag", { value: "2f9c1e7" }, true],
      ]);
      assert.match(
        run.stderr,
        /notifications ran the image "public\.ecr\.aws\/nginx\/nginx:1\.27"; from now on it runs its ECR repository/,
      );
    });

    it("release to prod needs --yes, and changes nothing without it", async () => {
      const refused = await runCli(["release", "api", "v2", "--stack", "prod"], { env: ENV });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /^error: Refusing to release api v2 to stack prod/);
      assert.deepEqual(refused.stack.calls, []);

      const run = await runCli(["release", "api", "v2", "--stack", "prod", "--yes"], { env: ENV });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(
        run.stack.calls.map((c) => c.method),
        ["setConfig", "up"],
      );
    });

    it("scale sets an autoscaled worker's minimum and desired count by path, then deploys", async () => {
      const run = await runCli(["scale", "jobs", "2", "--stack", "dev"], { env: ENV });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(calls(run.stack), [
        ["setConfig", "vitcord-infra:workers.jobs.autoscaling.min", { value: "2" }, true],
        ["setConfig", "vitcord-infra:workers.jobs.desiredCount", { value: "2" }, true],
        ["up", { color: "never", onEvent: "function", message: "scale jobs 2" }],
      ]);
    });

    it("scale sets a service's desired count, down to zero", async () => {
      const run = await runCli(["scale", "notifications", "0", "--stack", "dev"], { env: ENV });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(calls(run.stack)[0], [
        "setConfig",
        "vitcord-infra:services.notifications.desiredCount",
        { value: "0" },
        true,
      ]);
    });
  });

  describe("outputs", () => {
    it("prints the outputs with secrets masked, without AWS", async () => {
      const stack = new FakeStack("dev");
      stack.stackOutputs = {
        clusterName: { value: "vitcord-dev", secret: false },
        privateSubnetIds: { value: ["subnet-a", "subnet-b"], secret: false },
        dbPassword: { value: "hunter2", secret: true },
      };
      const run = await runCli(["outputs", "--stack", "dev"], { env: ENV, stack });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(
        run.stdout,
        'clusterName: vitcord-dev\nprivateSubnetIds: ["subnet-a","subnet-b"]\ndbPassword: [secret]\n',
      );
      assert.deepEqual(calls(stack), [["outputs"]]);
      assert.equal(sts.commandCalls(GetCallerIdentityCommand).length, 0);
    });

    it("--json prints them as one object", async () => {
      const stack = new FakeStack("dev");
      stack.stackOutputs = { vpcId: { value: "vpc-1", secret: false } };
      const run = await runCli(["outputs", "--stack", "dev", "--json"], { env: ENV, stack });
      assert.deepEqual(JSON.parse(run.stdout), { vpcId: "vpc-1" });
    });
  });

  describe("state backend and secrets provider", () => {
    it("without PULUMI_BACKEND_URL or a login, keeps state in the project's .pulumi-state and says so", async () => {
      const projectDir = makeProject();
      const run = await runCli(["preview", "--stack", "dev"], {
        projectDir,
        env: { PULUMI_CONFIG_PASSPHRASE: "" },
      });
      assert.equal(run.code, 0, run.stderr);
      const url = `file://${path.join(projectDir, ".pulumi-state")}`;
      assert.deepEqual((run.opened[0]?.[1] as { envVars: unknown }).envVars, {
        PULUMI_BACKEND_URL: url,
      });
      assert.ok(fs.statSync(path.join(projectDir, ".pulumi-state")).isDirectory());
      assert.match(
        run.stderr,
        new RegExp(`^note: no Pulumi backend configured .* keeping state in ${url}`),
      );
    });

    it("refuses a local backend in CI, where the runner's disk is thrown away", async () => {
      const run = await runCli(["up", "--stack", "dev"], {
        env: { CI: "true", PULUMI_BACKEND_URL: "", PULUMI_CONFIG_PASSPHRASE: "" },
      });
      assert.equal(run.code, 1);
      assert.equal(
        run.stderr,
        "error: No Pulumi backend in CI: set PULUMI_BACKEND_URL (e.g. s3://<state bucket>) so that state outlives the runner.\n",
      );
      assert.deepEqual(run.opened, []);
    });

    it("treats an empty PULUMI_SECRETS_PROVIDER (an unset CI variable) as unset", async () => {
      const run = await runCli(["preview", "--stack", "dev"], {
        env: { ...ENV, PULUMI_SECRETS_PROVIDER: "" },
      });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(
        (run.opened[0]?.[1] as { secretsProvider: string }).secretsProvider,
        "passphrase",
      );
    });

    it("uses the backend of an existing `pulumi login`", async () => {
      const homeDir = fs.mkdtempSync(path.join(os.tmpdir(), "home-"));
      fs.mkdirSync(path.join(homeDir, ".pulumi"));
      fs.writeFileSync(
        path.join(homeDir, ".pulumi", "credentials.json"),
        JSON.stringify({ current: "s3://team-state", accessTokens: {} }),
      );
      const run = await runCli(["preview", "--stack", "dev"], {
        homeDir,
        env: { PULUMI_CONFIG_PASSPHRASE: "" },
      });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual((run.opened[0]?.[1] as { envVars: unknown }).envVars, {
        PULUMI_BACKEND_URL: "s3://team-state",
      });
      assert.doesNotMatch(run.stderr, /note:/);
    });

    it("refuses a passphrase stack without PULUMI_CONFIG_PASSPHRASE", async () => {
      const run = await runCli(["preview", "--stack", "dev"], {
        env: { PULUMI_BACKEND_URL: "s3://vitcord-state" },
      });
      assert.equal(run.code, 1);
      assert.match(
        run.stderr,
        /^error: PULUMI_CONFIG_PASSPHRASE is not set: stack dev encrypts its secrets with a passphrase\./,
      );
      assert.deepEqual(run.opened, []);
    });

    it("uses KMS from PULUMI_SECRETS_PROVIDER, with no passphrase needed", async () => {
      const run = await runCli(["preview", "--stack", "dev"], {
        env: {
          PULUMI_BACKEND_URL: "s3://vitcord-state",
          PULUMI_SECRETS_PROVIDER: "awskms://alias/pulumi",
        },
      });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(
        (run.opened[0]?.[1] as { secretsProvider: string }).secretsProvider,
        "awskms://alias/pulumi",
      );
    });

    it("--secrets-provider overrides the environment", async () => {
      const run = await runCli(
        ["preview", "--stack", "dev", "--secrets-provider", "awskms://alias/other"],
        { env: { ...ENV, PULUMI_SECRETS_PROVIDER: "awskms://alias/pulumi" } },
      );
      assert.equal(
        (run.opened[0]?.[1] as { secretsProvider: string }).secretsProvider,
        "awskms://alias/other",
      );
    });

    it("keeps the provider a stack file already records", async () => {
      const projectDir = makeProject({
        ...STACK_FILES,
        "Pulumi.dev.yaml": `secretsprovider: awskms://alias/dev\n${STACK_FILES["Pulumi.dev.yaml"]!}`,
      });
      const run = await runCli(["preview", "--stack", "dev"], {
        projectDir,
        env: { PULUMI_BACKEND_URL: "s3://vitcord-state" },
      });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(
        (run.opened[0]?.[1] as { secretsProvider: string }).secretsProvider,
        "awskms://alias/dev",
      );
    });

    it("leaves Pulumi Cloud's own secrets provider alone", async () => {
      const run = await runCli(["preview", "--stack", "dev"], {
        env: { PULUMI_BACKEND_URL: "https://api.pulumi.com" },
      });
      assert.equal(run.code, 0, run.stderr);
      assert.equal("secretsProvider" in (run.opened[0]?.[1] as object), false);
    });
  });
});
