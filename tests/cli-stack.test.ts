// Stack operations of the operations CLI through a recording Automation API stack: which calls
// are made with which arguments, protected (prod) stacks, backend and secrets provider choice.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { DescribeImagesCommand, ECRClient } from "@aws-sdk/client-ecr";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import type { GitRunner } from "../cli/git";
import { CLEAN_GIT, FakeStack, makeProject, runCli, STACK_FILES } from "./cli-context";

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

const DIGEST = `sha256:${"ab".repeat(32)}`;

describe("infra CLI: stack operations", () => {
  const sts = mockClient(STSClient);
  const ecr = mockClient(ECRClient);
  beforeEach(() => {
    sts.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Arn: "arn:aws:iam::123456789012:user/ci" });
    // Every image the stack files name exists (up checks that first).
    ecr.reset();
    ecr.on(DescribeImagesCommand).resolves({
      imageDetails: [{ imageDigest: DIGEST, imageTags: ["v1.0.0"] }],
    });
  });
  after(() => {
    sts.restore();
    ecr.restore();
  });

  describe("up checks that the images it would run exist", () => {
    it("refuses prod's up when an image is not in the registry, before opening the stack", async () => {
      ecr
        .on(DescribeImagesCommand)
        .rejects(Object.assign(new Error("not found"), { name: "ImageNotFoundException" }));
      const run = await runCli(["up", "--stack", "prod", "--yes"], { env: { ...ENV, CI: "true" } });
      assert.equal(run.code, 1);
      assert.equal(
        run.stderr,
        "error: Refusing to up stack prod: an image it runs does not exist, so its tasks could not " +
          "start and the up would wait until it times out. Nothing was changed.\n" +
          "missing  image vitcord/api:v1.0.0 (api): not in account 123456789012: " +
          "tasks could not pull it and the first up would wait until it times out\n" +
          "         fix: promote what dev runs: npm run infra -- promote api --from dev --to prod; " +
          "or push vitcord/api:v1.0.0 to account 123456789012\n" +
          "Or run `npm run infra -- bootstrap --stack prod` to check everything a first up needs.\n",
      );
      assert.deepEqual(run.opened, []);
      // The caller is identified once, for the credentials check and the registry account.
      assert.equal(sts.commandCalls(GetCallerIdentityCommand).length, 1);
      assert.deepEqual(ecr.commandCalls(DescribeImagesCommand)[0]?.args[0].input, {
        registryId: "123456789012",
        repositoryName: "vitcord/api",
        imageIds: [{ imageTag: "v1.0.0" }],
      });
    });
  });

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
    const PREVIEW =
      "Previewing up stack prod…\n" +
      "Preview of up stack prod: 1 created, 0 updated, 0 replaced, 0 deleted, 1 unchanged\n" +
      "  + create  aws:ecs/service:Service  api\n";

    it("refuses up on prod without --yes when nobody can confirm, after showing the preview", async () => {
      const run = await runCli(["up", "--stack", "prod"], { env: ENV });
      assert.equal(run.code, 1);
      assert.equal(
        run.stderr,
        PREVIEW +
          "error: Refusing to up stack prod: it is a protected prod stack. The preview above shows what " +
          "would change; pass --yes to confirm (CI does this behind its approval gate), or run it in a terminal.\n",
      );
      assert.deepEqual(
        run.stack.calls.map((c) => c.method),
        ["preview"],
      );
    });

    for (const [command, preview] of [
      ["destroy", "previewDestroy"],
      ["refresh", "previewRefresh"],
    ] as const) {
      it(`${command} on prod runs ${preview} first and refuses without --yes`, async () => {
        const run = await runCli([command, "--stack", "prod"], { env: ENV });
        assert.equal(run.code, 1);
        assert.match(run.stderr, new RegExp(`^Previewing ${command} stack prod…\n`));
        assert.match(run.stderr, new RegExp(`\nerror: Refusing to ${command} stack prod: `));
        assert.deepEqual(calls(run.stack), [[preview, { color: "never", onEvent: "function" }]]);
      });
    }

    it("with --yes shows the preview, then deploys without asking", async () => {
      const run = await runCli(["up", "--stack", "prod", "--yes"], { env: ENV });
      assert.equal(run.code, 0, run.stderr);
      assert.ok(run.stderr.startsWith(PREVIEW), run.stderr);
      assert.deepEqual(calls(run.stack), [
        ["preview", { color: "never", onEvent: "function" }],
        ["up", { color: "never", onEvent: "function" }],
      ]);
      assert.deepEqual(run.prompts, []);
      // One caller identity serves the credentials check and the image check.
      assert.equal(sts.commandCalls(GetCallerIdentityCommand).length, 1);
      assert.equal(ecr.commandCalls(DescribeImagesCommand).length, 1);
    });

    it("runs the policy packs in the preview too", async () => {
      const run = await runCli(["up", "--stack", "prod", "--yes", "--policy-pack", "policy"], {
        env: ENV,
      });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(calls(run.stack)[0], [
        "preview",
        { color: "never", onEvent: "function", policyPacks: ["policy"] },
      ]);
    });

    it("asks on a terminal after the preview and goes ahead when the stack name is typed", async () => {
      const run = await runCli(["destroy", "--stack", "prod"], {
        env: ENV,
        interactive: true,
        answer: "prod\n",
      });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(run.prompts, ["Stack prod is prod. Type the stack name to destroy it: "]);
      assert.deepEqual(
        run.stack.calls.map((c) => c.method),
        ["previewDestroy", "destroy"],
      );
    });

    it("stops when the answer is not the stack name", async () => {
      const run = await runCli(["up", "--stack", "prod"], {
        env: ENV,
        interactive: true,
        answer: "y",
      });
      assert.equal(run.code, 1);
      assert.equal(
        run.stderr,
        PREVIEW + 'error: Not confirmed (expected "prod"); nothing was changed.\n',
      );
      assert.deepEqual(
        run.stack.calls.map((c) => c.method),
        ["preview"],
      );
    });

    it("preview of prod needs no confirmation", async () => {
      const run = await runCli(["preview", "--stack", "prod"], { env: ENV });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(
        run.stack.calls.map((c) => c.method),
        ["preview"],
      );
    });

    it("up on prod from a laptop checks the working tree first; CI skips the check", async () => {
      const laptop = await runCli(["up", "--stack", "prod", "--yes"], { env: ENV });
      assert.deepEqual(laptop.gitCalls[0], ["rev-parse", "--is-inside-work-tree"]);
      assert.ok(laptop.gitCalls.some((args) => args[0] === "fetch"));
      const ci = await runCli(["up", "--stack", "prod", "--yes"], { env: { ...ENV, CI: "true" } });
      assert.equal(ci.code, 0, ci.stderr);
      assert.deepEqual(ci.gitCalls, []);
      const dev = await runCli(["up", "--stack", "dev"], { env: ENV });
      assert.deepEqual(dev.gitCalls, []);
    });

    it("refuses up on prod from a dirty working tree before opening the stack", async () => {
      const dirty: GitRunner = (args, cwd) =>
        args[0] === "status"
          ? Promise.resolve({ code: 0, stdout: " M Pulumi.prod.yaml\n?? notes.txt\n", stderr: "" })
          : CLEAN_GIT(args, cwd);
      const run = await runCli(["up", "--stack", "prod", "--yes"], { env: ENV, git: dirty });
      assert.equal(run.code, 1);
      assert.equal(
        run.stderr,
        "error: Refusing to up stack prod: the working tree has uncommitted changes (M Pulumi.prod.yaml, " +
          "?? notes.txt). Commit or stash them first: a deploy from a laptop uses the working tree, and " +
          "the next CI deploy would undo whatever is not committed.\n",
      );
      assert.deepEqual(run.opened, []);
    });
  });

  describe("scale", () => {
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
    const envVarsOf = (run: Awaited<ReturnType<typeof runCli>>) =>
      (run.opened[0]?.[1] as { envVars: unknown }).envVars;

    it("without PULUMI_BACKEND_URL or backend.url in Pulumi.yaml, refuses and suggests both", async () => {
      const projectDir = makeProject();
      const run = await runCli(["preview", "--stack", "dev"], {
        projectDir,
        env: { PULUMI_BACKEND_URL: "", PULUMI_CONFIG_PASSPHRASE: "" },
      });
      assert.equal(run.code, 1);
      assert.equal(
        run.stderr,
        "error: No Pulumi backend configured: set PULUMI_BACKEND_URL (e.g. s3://<state bucket>) or " +
          "backend.url in Pulumi.yaml. A personal stack may keep its state on this machine, if named " +
          `explicitly: PULUMI_BACKEND_URL=file://${path.join(projectDir, ".pulumi-state")}\n`,
      );
      assert.deepEqual(run.opened, []);
      assert.equal(fs.existsSync(path.join(projectDir, ".pulumi-state")), false);
    });

    it("takes backend.url from Pulumi.yaml; PULUMI_BACKEND_URL overrides it", async () => {
      const projectDir = makeProject({
        ...STACK_FILES,
        "Pulumi.yaml": `${STACK_FILES["Pulumi.yaml"]!}backend:\n  url: s3://from-project\n`,
      });
      const fromFile = await runCli(["preview", "--stack", "dev"], {
        projectDir,
        env: { PULUMI_CONFIG_PASSPHRASE: "" },
      });
      assert.equal(fromFile.code, 0, fromFile.stderr);
      assert.deepEqual(envVarsOf(fromFile), { PULUMI_BACKEND_URL: "s3://from-project" });
      const fromEnv = await runCli(["preview", "--stack", "dev"], { projectDir, env: ENV });
      assert.deepEqual(envVarsOf(fromEnv), { PULUMI_BACKEND_URL: "s3://vitcord-state" });
    });

    it("refuses a backend in Pulumi.yaml that is not a mapping with a url", async () => {
      const projectDir = makeProject({
        ...STACK_FILES,
        "Pulumi.yaml": `${STACK_FILES["Pulumi.yaml"]!}backend: s3://bucket\n`,
      });
      const run = await runCli(["preview", "--stack", "dev"], {
        projectDir,
        env: { PULUMI_CONFIG_PASSPHRASE: "" },
      });
      assert.equal(run.code, 1);
      assert.equal(
        run.stderr,
        'error: Pulumi.yaml: backend must be a mapping with a url, e.g. "backend: { url: s3://<state bucket> }", not "s3://bucket".\n',
      );
    });

    it("uses a local file backend for dev when named explicitly, creating its folder", async () => {
      const projectDir = makeProject();
      const url = `file://${path.join(projectDir, ".pulumi-state")}`;
      const run = await runCli(["preview", "--stack", "dev"], {
        projectDir,
        env: { PULUMI_BACKEND_URL: url, PULUMI_CONFIG_PASSPHRASE: "" },
      });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(envVarsOf(run), { PULUMI_BACKEND_URL: url });
      assert.ok(fs.statSync(path.join(projectDir, ".pulumi-state")).isDirectory());
    });

    it("never puts prod on a local file backend", async () => {
      const run = await runCli(["outputs", "--stack", "prod"], {
        env: { PULUMI_BACKEND_URL: "file:///tmp/state", PULUMI_CONFIG_PASSPHRASE: "" },
      });
      assert.equal(run.code, 1);
      assert.equal(
        run.stderr,
        "error: Refusing the local file backend file:///tmp/state (PULUMI_BACKEND_URL) for stack prod: " +
          "a protected prod stack keeps its state in the team's shared backend. Set PULUMI_BACKEND_URL " +
          "or backend.url in Pulumi.yaml to it, e.g. s3://<state bucket>.\n",
      );
      assert.deepEqual(run.opened, []);
    });

    it("refuses a local file backend in CI, where the runner's disk is thrown away", async () => {
      const run = await runCli(["up", "--stack", "dev"], {
        env: { CI: "true", PULUMI_BACKEND_URL: "file:///tmp/state", PULUMI_CONFIG_PASSPHRASE: "" },
      });
      assert.equal(run.code, 1);
      assert.equal(
        run.stderr,
        "error: Refusing the local file backend file:///tmp/state in CI: the runner's disk is thrown " +
          "away after the job. Set PULUMI_BACKEND_URL to a shared backend, e.g. s3://<state bucket>.\n",
      );
      assert.deepEqual(run.opened, []);
    });

    it("a stack missing from the backend is an error naming the backend and the init command", async () => {
      const run = await runCli(["preview", "--stack", "prod"], {
        env: ENV,
        existingStacks: ["dev"],
      });
      assert.equal(run.code, 1);
      assert.equal(
        run.stderr,
        "error: Stack prod does not exist in the backend s3://vitcord-state (PULUMI_BACKEND_URL). " +
          "Create it with `npm run infra -- init --stack prod`, or point PULUMI_BACKEND_URL at the " +
          "backend that holds it.\n",
      );
      assert.deepEqual(run.created, []);
      assert.deepEqual(run.stack.calls, []);
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

  describe("init", () => {
    it("creates the stack in the configured backend and names it", async () => {
      const run = await runCli(["init", "--stack", "prod"], {
        env: ENV,
        existingStacks: ["dev"],
      });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(
        run.stderr,
        "Creating stack prod in the backend s3://vitcord-state (PULUMI_BACKEND_URL).\n",
      );
      assert.equal(
        run.stdout,
        "Created stack prod in s3://vitcord-state (PULUMI_BACKEND_URL), secrets provider passphrase. " +
          "Next: npm run infra -- preview --stack prod\n",
      );
      assert.equal(run.created.length, 1);
      assert.deepEqual(run.opened, []);
    });

    it("leaves an existing stack alone and says so", async () => {
      const run = await runCli(["init", "--stack", "dev"], { env: ENV });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(
        run.stdout,
        "Stack dev already exists in s3://vitcord-state (PULUMI_BACKEND_URL); nothing changed.\n",
      );
    });

    it("refuses to create prod on a local file backend", async () => {
      const run = await runCli(["init", "--stack", "prod"], {
        env: { PULUMI_BACKEND_URL: "file:///tmp/state", PULUMI_CONFIG_PASSPHRASE: "" },
      });
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^error: Refusing the local file backend file:\/\/\/tmp\/state/);
      assert.deepEqual(run.created, []);
    });

    it("refuses a stack without a stack file", async () => {
      const run = await runCli(["init", "--stack", "staging"], { env: ENV });
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^error: Unknown stack "staging"/);
      assert.deepEqual(run.created, []);
    });
  });
});
