// Stack selection, init, config writes and the preview gate through the real Automation API
// (LocalWorkspace) against tests/fake-pulumi/pulumi, first on PATH: what the CLI makes Pulumi do.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { EngineEvent, OpType } from "@pulumi/pulumi/automation";
import { mockClient } from "aws-sdk-client-mock";
import { plannedSteps } from "../cli/confirm";
import { findOnPath } from "../cli/context";
import { makeProject, runCli, STACK_FILES } from "./cli-context";
import { FakePulumi, FakeStep } from "./fake-pulumi";

const BACKEND = "s3://vitcord-state";
const ENV = { PULUMI_BACKEND_URL: BACKEND, PULUMI_CONFIG_PASSPHRASE: "" };
const SERVICE_UPDATE: FakeStep = {
  op: "update",
  type: "aws:ecs/service:Service",
  name: "notifications",
  diffs: ["desiredCount"],
};

/** The Pulumi commands that would create a stack or change the selected one. */
const STACK_CHANGING = /^stack (init|select)\b/;

describe("infra CLI through the Automation API (fake pulumi on PATH)", () => {
  const sts = mockClient(STSClient);
  let fake: FakePulumi;
  beforeEach(() => {
    sts.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Arn: "arn:aws:iam::123456789012:user/dev" });
    fake = FakePulumi.install();
  });
  afterEach(() => fake.restore());
  after(() => sts.restore());

  const cli = (argv: string[], projectDir = makeProject(), env: Record<string, string> = ENV) =>
    runCli(argv, { projectDir, env, realStacks: true });

  it("status needs no Pulumi CLI: without pulumi on PATH or AWS credentials it fails on the credentials", async () => {
    fake.addStack(BACKEND, "dev").select(BACKEND, "dev");
    const noCredentials = new Error("Could not load credentials from any providers");
    noCredentials.name = "CredentialsProviderError";
    sts.on(GetCallerIdentityCommand).rejects(noCredentials);
    const emptyPath = fs.mkdtempSync(path.join(os.tmpdir(), "path-"));
    const run = await runCli(["status", "--stack", "dev"], {
      env: { PATH: emptyPath },
      findExecutable: (name) => findOnPath(name, emptyPath, "linux"),
      realStacks: true,
    });
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      "error: No usable AWS credentials (Could not load credentials from any providers). Configure them with " +
        "`aws configure sso` and `export AWS_PROFILE=<profile>`, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; " +
        "CI assumes its role through OIDC.\n",
    );
    assert.equal(sts.commandCalls(GetCallerIdentityCommand).length, 1);
    assert.deepEqual(fake.commands(), [], "the Pulumi CLI was never run");
  });

  it("runs a command on the named stack without changing the user's selected stack", async () => {
    fake.addStack(BACKEND, "dev", { steps: [SERVICE_UPDATE] }).addStack(BACKEND, "prod");
    fake.select(BACKEND, "prod");
    const run = await cli(["preview", "--stack", "dev"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^preview dev would be: 0 created, 1 updated, 0 replaced/);
    const preview = fake.calls().find((call) => call.argv[0] === "preview");
    assert.ok(preview?.argv.join(" ").includes("--stack dev"), JSON.stringify(preview));
    assert.equal(preview?.env.PULUMI_BACKEND_URL, BACKEND);
    assert.deepEqual(
      fake.commands().filter((command) => STACK_CHANGING.test(command)),
      [],
    );
    assert.equal(fake.current(BACKEND), "prod");
  });

  it("init creates the stack in the backend from Pulumi.yaml, without selecting it", async () => {
    const url = "s3://from-project";
    fake.addStack(url, "dev").select(url, "dev");
    const projectDir = makeProject({
      ...STACK_FILES,
      "Pulumi.yaml": `${STACK_FILES["Pulumi.yaml"]!}backend:\n  url: ${url}\n`,
    });
    const env = { PULUMI_CONFIG_PASSPHRASE: "" };
    const run = await cli(["init", "--stack", "prod"], projectDir, env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stdout,
      `Created stack prod in ${url} (backend.url in Pulumi.yaml), secrets provider passphrase. ` +
        "Next: npm run infra -- preview --stack prod\n",
    );
    const init = fake.calls().find((call) => call.argv[1] === "init");
    assert.deepEqual(init?.argv, [
      "stack",
      "init",
      "prod",
      "--no-select",
      "--secrets-provider",
      "passphrase",
      "--non-interactive",
    ]);
    assert.equal(init?.env.PULUMI_BACKEND_URL, url);
    assert.deepEqual(fake.stacks(url), ["dev", "prod"]);
    assert.equal(fake.current(url), "dev");

    const again = await cli(["init", "--stack", "prod"], projectDir, env);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(
      again.stdout,
      `Stack prod already exists in ${url} (backend.url in Pulumi.yaml); nothing changed.\n`,
    );
  });

  it("scale writes the stack file through `pulumi config set --path`, then deploys", async () => {
    fake.addStack(BACKEND, "dev", { steps: [SERVICE_UPDATE] });
    const projectDir = makeProject();
    const run = await cli(["scale", "notifications", "3", "--stack", "dev"], projectDir);
    assert.equal(run.code, 0, run.stderr);
    const commands = fake.commands();
    assert.ok(
      commands.includes(
        "config set --path vitcord-infra:services.notifications.desiredCount --stack dev --plaintext --non-interactive -- 3",
      ),
      commands.join("\n"),
    );
    assert.ok(
      commands.some((c) =>
        c.startsWith("up --yes --skip-preview --message scale notifications 3 "),
      ),
    );
    const file = fs.readFileSync(path.join(projectDir, "Pulumi.dev.yaml"), "utf8");
    assert.match(
      file,
      /notifications:\n {6}image: public\.ecr\.aws\/nginx\/nginx:1\.27\n {6}desiredCount: 3\n/,
    );
    assert.match(run.stdout, /^up dev done: 0 created, 1 updated/);
  });

  it("a failed up gives the stack file its previous content back", async () => {
    fake
      .addStack(BACKEND, "dev")
      .failOn("up", "update failed: service notifications did not stabilize");
    const projectDir = makeProject();
    const before = fs.readFileSync(path.join(projectDir, "Pulumi.dev.yaml"), "utf8");
    const run = await cli(["scale", "notifications", "3", "--stack", "dev"], projectDir);
    assert.equal(run.code, 1);
    assert.ok(
      run.stderr.endsWith(
        "Pulumi.dev.yaml is back to its content before this command.\n" +
          "error: update failed: service notifications did not stabilize\n",
      ),
      run.stderr,
    );
    assert.ok(fake.commands().some((c) => c.startsWith("config set --path")));
    assert.equal(fs.readFileSync(path.join(projectDir, "Pulumi.dev.yaml"), "utf8"), before);
  });

  it("prod: the preview lists each changing resource before the up; a refusal changes nothing", async () => {
    const steps: FakeStep[] = [
      { op: "same", type: "aws:ec2/vpc:Vpc", name: "vpc" },
      { ...SERVICE_UPDATE, name: "api" },
      {
        op: "replace",
        type: "aws:ecs/taskDefinition:TaskDefinition",
        name: "api",
        diffs: ["containerDefinitions"],
      },
    ];
    fake.addStack(BACKEND, "prod", { steps });
    const projectDir = makeProject();
    const before = fs.readFileSync(path.join(projectDir, "Pulumi.prod.yaml"), "utf8");
    const preview =
      "Preview of scale api to 3 in stack prod: 0 created, 1 updated, 1 replaced, 0 deleted, 1 unchanged\n" +
      "  ~ update  aws:ecs/service:Service                api  [desiredCount]\n" +
      "  +-replace aws:ecs/taskDefinition:TaskDefinition  api  [containerDefinitions]\n";

    const refused = await cli(["scale", "api", "3", "--stack", "prod"], projectDir);
    assert.equal(refused.code, 1);
    assert.ok(refused.stderr.includes(preview), refused.stderr);
    assert.match(
      refused.stderr,
      /\nerror: Refusing to scale api to 3 in stack prod: it is a protected prod stack\./,
    );
    assert.equal(fs.readFileSync(path.join(projectDir, "Pulumi.prod.yaml"), "utf8"), before);
    assert.equal(fake.commands().filter((c) => c.startsWith("up ")).length, 0);

    const run = await cli(["scale", "api", "3", "--stack", "prod", "--yes"], projectDir);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stderr.includes(preview), run.stderr);
    const operations = fake
      .calls()
      .slice(-7)
      .map((call) => call.argv[0]);
    assert.deepEqual(
      operations.filter((op) => op === "preview" || op === "up"),
      ["preview", "up"],
    );
    assert.match(
      fs.readFileSync(path.join(projectDir, "Pulumi.prod.yaml"), "utf8"),
      /desiredCount: 3/,
    );
  });
});

describe("plannedSteps (pure)", () => {
  const urn = (type: string, name: string) => `urn:pulumi:prod::vitcord-infra::${type}::${name}`;
  const pre = (op: OpType, type: string, name: string, diffs?: string[]): EngineEvent => ({
    sequence: 0,
    timestamp: 0,
    resourcePreEvent: { metadata: { op, urn: urn(type, name), type, provider: "", diffs } },
  });

  it("shows a replacement's three steps as one replace, and leaves out unchanged resources and reads", () => {
    const td = "aws:ecs/taskDefinition:TaskDefinition";
    const steps = plannedSteps([
      pre("same", "aws:ec2/vpc:Vpc", "vpc"),
      pre("read", "aws:ec2/getAmi:getAmi", "ami"),
      pre("create-replacement", td, "api", ["containerDefinitions"]),
      pre("replace", td, "api"),
      pre("delete-replaced", td, "api"),
      pre("delete", "aws:sqs/queue:Queue", "old"),
    ]);
    assert.deepEqual(steps, [
      { op: "replace", urn: urn(td, "api"), type: td, diffs: ["containerDefinitions"] },
      {
        op: "delete",
        urn: urn("aws:sqs/queue:Queue", "old"),
        type: "aws:sqs/queue:Queue",
        diffs: [],
      },
    ]);
  });
});
