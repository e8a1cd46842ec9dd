// The operations CLI's command line and the errors a user hits, each one line and a non-zero exit.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { findOnPath } from "../cli/context";
import { loadStack, parseCount, parseImageTag } from "../cli/workloads";
import { makeProject, runCli, STACK_FILES } from "./cli-context";

const COMMANDS = [
  "preview",
  "up",
  "refresh",
  "destroy",
  "outputs",
  "release",
  "promote",
  "releases",
  "rollback",
  "run",
  "logs",
  "status",
  "scale",
];

/** An error run: exit 1, one `error:` line on stderr, no stack trace, nothing opened. */
function assertOneLineError(run: Awaited<ReturnType<typeof runCli>>, message: string | RegExp) {
  assert.equal(run.code, 1, run.stderr);
  const lines = run.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `expected one line, got:\n${run.stderr}`);
  if (typeof message === "string") assert.equal(lines[0], `error: ${message}`);
  else assert.match(lines[0] ?? "", message);
  assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
  assert.deepEqual(run.opened, [], "no stack was opened");
}

describe("infra CLI: arguments", () => {
  const sts = mockClient(STSClient);
  beforeEach(() => {
    sts.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Arn: "arn:aws:iam::123456789012:user/ci" });
  });
  after(() => sts.restore());

  describe("help", () => {
    it("--help lists every command", async () => {
      const run = await runCli(["--help"]);
      assert.equal(run.code, 0);
      for (const command of COMMANDS) assert.match(run.stdout, new RegExp(`^  ${command}\\b`, "m"));
    });

    it("no arguments prints the help", async () => {
      const run = await runCli([]);
      assert.equal(run.code, 0);
      assert.match(run.stdout, /Usage: infra/);
    });

    const expected: Record<string, string[]> = {
      preview: ["--stack", "--json", "--policy-pack", "--secrets-provider"],
      up: ["--stack", "--json", "--yes", "--policy-pack"],
      refresh: ["--stack", "--json"],
      destroy: ["--stack", "--json", "--yes"],
      outputs: ["--stack", "--json"],
      release: ["<workload>", "<imageTag>", "--stack", "--commit", "--yes", "--json"],
      promote: ["<workload>", "--from", "--to", "--yes", "--json"],
      releases: ["<workload>", "--stack", "--limit", "--json"],
      rollback: ["<workload>", "[revision]", "--stack", "--yes", "--json"],
      run: ["<workload>", "<command...>", "--stack"],
      logs: ["<workload>", "--stack", "--since", "--follow"],
      status: ["--stack", "--json"],
      scale: ["<workload>", "<count>", "--stack", "--yes", "--min", "--max"],
    };
    for (const [command, options] of Object.entries(expected)) {
      it(`${command} --help shows its arguments and options`, async () => {
        const run = await runCli([command, "--help"]);
        assert.equal(run.code, 0);
        assert.match(run.stdout, new RegExp(`Usage: infra ${command} `));
        for (const option of options)
          assert.ok(run.stdout.includes(option), `${command}: ${option}`);
      });
    }
  });

  describe("commander's own errors", () => {
    it("rejects an unknown command", async () => {
      const run = await runCli(["deploy", "--stack", "dev"]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^error: unknown command 'deploy'/);
    });

    it("rejects an unknown option", async () => {
      const run = await runCli(["up", "--stack", "dev", "--force"]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^error: unknown option '--force'/);
      assert.deepEqual(run.opened, []);
    });

    it("requires --stack", async () => {
      const run = await runCli(["status"]);
      assertOneLineError(
        run,
        "required option '-s, --stack <name>' not specified (stacks: dev, prod), e.g. npm run infra status -- --stack dev",
      );
    });
  });

  describe("--stack given to npm (npm run infra <command> --stack=<name>)", () => {
    const ENV = { PULUMI_BACKEND_URL: "s3://vitcord-state", PULUMI_CONFIG_PASSPHRASE: "" };

    it("honours npm_config_stack when --stack is not given", async () => {
      const projectDir = makeProject();
      const run = await runCli(["outputs"], {
        projectDir,
        env: { ...ENV, npm_config_stack: "prod" },
      });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(run.opened[0]?.[0], { stackName: "prod", workDir: projectDir });
    });

    it("refuses --stack given both ways with different stacks", async () => {
      const run = await runCli(["status", "--stack", "dev"], {
        env: { ...ENV, npm_config_stack: "prod" },
      });
      assertOneLineError(
        run,
        "two different stacks: --stack=prod before -- (npm passes it on as npm_config_stack) and --stack dev after it. Give --stack once, e.g. npm run infra status -- --stack dev",
      );
    });

    it("refuses a --stack npm kept without its value (npm run infra status --stack prod)", async () => {
      const run = await runCli(["status", "prod"], { env: { ...ENV, npm_config_stack: "true" } });
      assertOneLineError(
        run,
        "npm kept --stack for itself and passed no stack name (it only passes --stack=<name> on): write npm run infra status --stack=<name>, or put the option after --: npm run infra status -- --stack <name>",
      );
    });

    it("says so in every command's --help", async () => {
      // promote names two stacks, with --from and --to, and takes no --stack.
      for (const command of COMMANDS.filter((c) => c !== "promote")) {
        const run = await runCli([command, "--help"]);
        assert.match(
          run.stdout.replace(/\s+/g, " "),
          /before --, npm passes --stack=<name> on as npm_config_stack, which is honoured; given both ways, the two must name the same stack/,
          command,
        );
      }
    });
  });

  describe("a broken stack file: one message naming the file, for every command", () => {
    const PROVIDERS = "(provider keys: aws:, awsx:, pulumi:)";
    const INVOCATIONS = [
      ["preview"],
      ["up"],
      ["refresh"],
      ["destroy"],
      ["outputs"],
      ["release", "api", "v2"],
      // promote names its stacks with --from and --to; the broken one is the source.
      ["promote", "api", "--from", "dev", "--to", "prod"],
      ["releases", "api"],
      ["rollback", "api"],
      ["run", "api", "--", "true"],
      ["logs", "api"],
      ["status"],
      ["scale", "api", "2"],
    ];
    assert.deepEqual(INVOCATIONS.map(([command]) => command).sort(), [...COMMANDS].sort());

    /** Every command on a project with this Pulumi.dev.yaml fails with `message` alone. */
    async function assertEveryCommandRefuses(devFile: string, message: string) {
      const projectDir = makeProject({ ...STACK_FILES, "Pulumi.dev.yaml": devFile });
      for (const argv of INVOCATIONS) {
        const [command = "", ...rest] = argv;
        const stack = command === "promote" ? [] : ["--stack", "dev"];
        const run = await runCli([command, ...stack, ...rest], {
          projectDir,
          interactive: true,
        });
        assert.equal(run.code, 1, `${argv.join(" ")}: ${run.stderr}`);
        assert.equal(run.stderr, `error: ${message}\n`, argv.join(" "));
        assert.equal(run.stdout, "", argv.join(" "));
        assert.deepEqual(run.opened, [], `${argv.join(" ")} opened no stack`);
        assert.deepEqual(run.prompts, [], `${argv.join(" ")} asked nothing`);
      }
    }

    it("a YAML syntax error", async () => {
      await assertEveryCommandRefuses(
        "config:\n  aws:region: eu-west-1\n  aws:region: us-east-1\n",
        "Pulumi.dev.yaml:3:3: Map keys must be unique\n" +
          "    aws:region: eu-west-1\n" +
          "    aws:region: us-east-1\n" +
          "    ^",
      );
    });

    it("a key in a misspelled namespace", async () => {
      await assertEveryCommandRefuses(
        STACK_FILES["Pulumi.dev.yaml"]!.replace("vitcord-infra:workers", "vitcrd-infra:workers"),
        'Pulumi.dev.yaml:10:3: config key "vitcrd-infra:workers" is in an unknown namespace "vitcrd-infra"; ' +
          `this project's keys start with "vitcord-infra:" ${PROVIDERS}`,
      );
    });

    it("a stack file that is not a mapping", async () => {
      await assertEveryCommandRefuses(
        "just text\n",
        'Pulumi.dev.yaml:1:1: the file must be a mapping ("config:" with the stack\'s keys under it), not the value "just text"',
      );
    });
  });

  describe("input validation", () => {
    it("accepts Docker tags and rejects anything else", () => {
      for (const tag of ["v1.4.2", "1f3a9c2", "_build", "a".repeat(128)]) {
        assert.equal(parseImageTag(tag), tag);
      }
      for (const tag of ["", ".v1", "-rc", "v1:2", "a/b", "a".repeat(129), "v 1"]) {
        assert.throws(() => parseImageTag(tag), /Invalid image tag/, tag);
      }
    });

    it("accepts whole counts from 0 and rejects the rest", () => {
      assert.equal(parseCount("0"), 0);
      assert.equal(parseCount("12"), 12);
      for (const text of ["-1", "1.5", "two", "", "1e3"]) {
        assert.throws(() => parseCount(text), /Invalid count/, text);
      }
    });

    it("release refuses an invalid image tag", async () => {
      const run = await runCli(["release", "api", "v1:latest", "--stack", "dev"]);
      assertOneLineError(
        run,
        'Invalid image tag "v1:latest": a tag is 1 to 128 characters of letters, digits, _ . and -, and must not start with . or -.',
      );
    });

    it("scale refuses a negative count", async () => {
      const run = await runCli(["scale", "api", "-1", "--stack", "dev"]);
      assertOneLineError(run, 'Invalid count "-1": must be a whole number of tasks, 0 or more.');
    });

    it("scale refuses a non-numeric count", async () => {
      const run = await runCli(["scale", "api", "lots", "--stack", "dev"]);
      assertOneLineError(run, 'Invalid count "lots": must be a whole number of tasks, 0 or more.');
    });

    it("logs refuses a bad --since", async () => {
      const run = await runCli(["logs", "api", "--stack", "dev", "--since", "yesterday"]);
      assertOneLineError(
        run,
        'Invalid --since "yesterday": a number and a unit, e.g. 30s, 15m, 1h, 2d.',
      );
    });

    it("run needs a command after --", async () => {
      const run = await runCli(["run", "api", "--stack", "dev"]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /missing required argument 'command'/);
    });
  });

  describe("stacks and workloads", () => {
    it("reads the workloads from the validated stack config", () => {
      const info = loadStack("dev", makeProject());
      assert.deepEqual(info.services, ["api", "notifications"]);
      assert.deepEqual(info.workers, ["jobs"]);
      assert.equal(info.environment, "dev");
      assert.equal(info.region, "eu-west-1");
    });

    it("treats a stack without services or workers as having none", async () => {
      const dir = makeProject({
        "Pulumi.yaml": STACK_FILES["Pulumi.yaml"]!,
        "Pulumi.dev.yaml": "config:\n  aws:region: us-east-1\n  vitcord-infra:environment: dev\n",
      });
      const run = await runCli(["scale", "api", "2", "--stack", "dev"], { projectDir: dir });
      assertOneLineError(run, 'Unknown service or worker "api" in stack dev. Configured: (none).');
    });

    it("an unknown stack lists the Pulumi.<name>.yaml stacks", async () => {
      const run = await runCli(["up", "--stack", "staging"]);
      assertOneLineError(
        run,
        'Unknown stack "staging": there is no Pulumi.staging.yaml. Stacks in this project: dev, prod.',
      );
    });

    it("an unknown workload lists the configured services and workers", async () => {
      const run = await runCli(["logs", "web", "--stack", "dev"]);
      assertOneLineError(
        run,
        'Unknown service or worker "web" in stack dev. Configured: api, notifications, jobs (worker).',
      );
    });

    it("release refuses an unknown workload, listing the services and workers", async () => {
      const run = await runCli(["release", "web", "v2", "--stack", "dev"]);
      assertOneLineError(
        run,
        'Unknown service or worker "web" in stack dev. Configured: api, notifications, jobs (worker).',
      );
    });

    it("an invalid stack config prints the ConfigError's lines and opens nothing", async () => {
      const dir = makeProject({
        ...STACK_FILES,
        "Pulumi.dev.yaml": "config:\n  aws:region: us-east-9\n  vitcord-infra:environment: dev\n",
      });
      const run = await runCli(["preview", "--stack", "dev"], { projectDir: dir });
      assert.equal(run.code, 1);
      assert.equal(
        run.stderr,
        "error: Invalid stack configuration (1 problem):\n" +
          '  - aws:region = "us-east-9": not an AWS region; did you mean us-east-1 or us-east-2? ' +
          "(the 34 regions this program can use are listed in components/config/regions.ts)\n",
      );
      assert.deepEqual(run.opened, []);
    });

    it("a scale the program would reject fails before the config is changed", async () => {
      // The dev fixture's worker jobs has no queue, so its autoscaling.min cannot be 0.
      const run = await runCli(["scale", "jobs", "0", "--stack", "dev"]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /vitcord-infra:workers\.jobs\.autoscaling\.min = 0/);
      assert.deepEqual(run.opened, []);
    });
  });

  describe("missing tools and credentials", () => {
    it("finds pulumi on a PATH that has it, and not on one that does not", () => {
      const withPulumi = fs.mkdtempSync(path.join(os.tmpdir(), "path-"));
      const without = fs.mkdtempSync(path.join(os.tmpdir(), "path-"));
      fs.writeFileSync(path.join(withPulumi, "pulumi"), "#!/bin/sh\n", { mode: 0o755 });
      fs.writeFileSync(path.join(without, "pulumi.txt"), "not it");
      const pathEnv = [without, withPulumi].join(path.delimiter);
      assert.equal(findOnPath("pulumi", pathEnv, "linux"), path.join(withPulumi, "pulumi"));
      assert.equal(findOnPath("pulumi", without, "linux"), undefined);
      assert.equal(findOnPath("pulumi", undefined, "linux"), undefined);
    });

    it("says how to install the Pulumi CLI when PATH has no pulumi", async () => {
      const emptyPath = fs.mkdtempSync(path.join(os.tmpdir(), "path-"));
      const run = await runCli(["preview", "--stack", "dev"], {
        findExecutable: (name) => findOnPath(name, emptyPath, "linux"),
      });
      assertOneLineError(
        run,
        "The Pulumi CLI is not installed (no `pulumi` on PATH). Install it from https://www.pulumi.com/docs/install/ (e.g. `curl -fsSL https://get.pulumi.com | sh`), then retry.",
      );
    });

    it("says how to configure AWS credentials when the SDK has none", async () => {
      const missing = Object.assign(new Error("Could not load credentials from any providers"), {
        name: "CredentialsProviderError",
      });
      sts.on(GetCallerIdentityCommand).rejects(missing);
      const run = await runCli(["status", "--stack", "dev"]);
      assertOneLineError(
        run,
        /^error: No usable AWS credentials \(Could not load credentials from any providers\)\. Configure them with `aws configure sso`/,
      );
    });

    it("treats expired credentials the same way", async () => {
      sts.on(GetCallerIdentityCommand).rejects(
        Object.assign(new Error("The security token included in the request is expired"), {
          name: "ExpiredToken",
        }),
      );
      const run = await runCli(["up", "--stack", "dev"]);
      assertOneLineError(run, /^error: No usable AWS credentials \(The security token/);
    });
  });
});
