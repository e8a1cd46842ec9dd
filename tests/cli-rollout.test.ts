// Rollout verification and release history as pure functions, and the check after a plain `up`.
import * as assert from "node:assert/strict";
import { DescribeServicesCommand, ECSClient, ListTasksCommand } from "@aws-sdk/client-ecs";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { DescribeImagesCommand, ECRClient } from "@aws-sdk/client-ecr";
import { mockClient } from "aws-sdk-client-mock";
import { CliError } from "../cli/errors";
import { imageParts, pickRollback, Release, releaseOf } from "../cli/history";
import { describeReleaser, parseCommit, planRelease } from "../cli/release";
import { describeStoppedTask, rolloutOf, rolloutTargets } from "../cli/rollout";
import { FakeStack, runCli } from "./cli-context";

const TD = "arn:aws:ecs:eu-west-1:123456789012:task-definition/vitcord-dev-api";
const ENV = { PULUMI_BACKEND_URL: "s3://vitcord-state", PULUMI_CONFIG_PASSPHRASE: "" };
const digest = (c: string) => `sha256:${c.repeat(64)}`;

describe("rollouts and release history", () => {
  describe("rolloutOf", () => {
    it("COMPLETED when the PRIMARY deployment runs the expected revision and completed", () => {
      const rollout = rolloutOf(
        {
          deployments: [
            { status: "PRIMARY", taskDefinition: `${TD}:8`, rolloutState: "COMPLETED" },
          ],
        },
        `${TD}:8`,
      );
      assert.deepEqual(rollout, { state: "COMPLETED", running: `${TD}:8` });
    });

    it("ROLLED_BACK when the circuit breaker put the old revision back as PRIMARY", () => {
      const rollout = rolloutOf(
        {
          deployments: [
            { status: "PRIMARY", taskDefinition: `${TD}:7`, rolloutState: "COMPLETED" },
            {
              status: "ACTIVE",
              taskDefinition: `${TD}:8`,
              rolloutState: "FAILED",
              rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.",
            },
          ],
        },
        `${TD}:8`,
      );
      assert.equal(rollout.state, "ROLLED_BACK");
      assert.equal(
        rollout.reason,
        "ECS runs vitcord-dev-api:7, not vitcord-dev-api:8: ECS deployment circuit breaker: tasks failed to start.",
      );
    });

    it("FAILED without rollback, IN_PROGRESS while it runs, UNKNOWN without a PRIMARY", () => {
      const primary = (rolloutState: "FAILED" | "IN_PROGRESS") => ({
        deployments: [{ status: "PRIMARY", taskDefinition: `${TD}:8`, rolloutState }],
      });
      assert.equal(rolloutOf(primary("FAILED"), `${TD}:8`).state, "FAILED");
      assert.equal(rolloutOf(primary("IN_PROGRESS"), `${TD}:8`).state, "IN_PROGRESS");
      assert.equal(rolloutOf(primary("IN_PROGRESS"), undefined).state, "IN_PROGRESS");
      assert.equal(rolloutOf({ deployments: [] }, `${TD}:8`).state, "UNKNOWN");
    });
  });

  describe("rolloutTargets", () => {
    const outputs = {
      clusterName: "vitcord-dev",
      services: {
        api: { serviceName: "vitcord-dev-api", taskDefinitionArn: `${TD}:8` },
        old: { serviceName: "vitcord-dev-old" },
      },
      workers: {},
    };
    it("every service with a registered revision, when the up changed anything", () => {
      assert.deepEqual(rolloutTargets(outputs, { update: 1, same: 40 }), [
        {
          name: "api",
          kind: "service",
          serviceName: "vitcord-dev-api",
          taskDefinitionArn: `${TD}:8`,
        },
      ]);
    });
    it("none when the up changed nothing", () => {
      assert.deepEqual(rolloutTargets(outputs, { same: 41 }), []);
      assert.deepEqual(rolloutTargets(outputs, undefined), []);
    });
  });

  it("describes a stopped task: its reason and each container's reason and exit code", () => {
    assert.equal(
      describeStoppedTask({
        taskArn: "arn:aws:ecs:eu-west-1:1:task/vitcord-dev/abc",
        taskDefinitionArn: `${TD}:8`,
        stoppedReason: "Essential container in task exited",
        containers: [{ name: "api", exitCode: 1 }, { name: "sidecar" }],
      }),
      "abc (vitcord-dev-api:8): Essential container in task exited; container api: exit code 1",
    );
  });

  describe("history", () => {
    it("reads tag and digest from the vitcord tags, else from the image reference", () => {
      assert.deepEqual(imageParts("localhost:5000/vitcord/api:v1.2"), {
        repository: "localhost:5000/vitcord/api",
        tag: "v1.2",
      });
      assert.deepEqual(imageParts(`r/api@${digest("a")}`), {
        repository: "r/api",
        digest: digest("a"),
      });
      const release = releaseOf(
        `${TD}:4`,
        { revision: 4, containerDefinitions: [{ name: "api", image: `r/api@${digest("a")}` }] },
        [{ key: "vitcord:image-tag", value: "v2" }],
        "api",
      );
      assert.deepEqual(release, {
        revision: 4,
        arn: `${TD}:4`,
        tag: "v2",
        digest: digest("a"),
        image: `r/api@${digest("a")}`,
      });
    });

    const release = (revision: number, tag: string, d: string): Release => ({
      revision,
      arn: `${TD}:${revision}`,
      tag,
      digest: digest(d),
    });
    // Revision 4 only changed settings (same image as 3): the default skips it.
    const releases = [
      release(5, "v3", "c"),
      release(4, "v2", "b"),
      release(3, "v2", "b"),
      release(2, "v1", "a"),
    ];
    it("by default picks the newest older release that ran another image", () => {
      assert.equal(pickRollback(releases, `${TD}:4`, undefined, "api").revision, 2);
      assert.equal(pickRollback(releases, `${TD}:5`, undefined, "api").revision, 4);
    });
    it("takes a revision number or a tag, and refuses unknown ones listing what exists", () => {
      assert.equal(pickRollback(releases, `${TD}:5`, "3", "api").revision, 3);
      assert.equal(pickRollback(releases, `${TD}:5`, "v1", "api").revision, 2);
      assert.throws(
        () => pickRollback(releases, `${TD}:5`, "v9", "api in stack dev"),
        new CliError(
          'Unknown revision or tag "v9" for api in stack dev. Releases: 5 (v3, running), 4 (v2), 3 (v2), 2 (v1).',
        ),
      );
      assert.throws(
        () => pickRollback(releases, `${TD}:2`, undefined, "api"),
        /^CliError: Nothing to roll back to for api: no release before the running one \(2 \(v1, running\)\)/,
      );
    });
  });

  describe("release planning", () => {
    const image = { tag: "v2", digest: digest("d"), releasedBy: "ci" };
    it("sets tag, digest and releaser; removes a public image and a stale commit", () => {
      assert.deepEqual(
        planRelease(
          { name: "web", kind: "service" },
          { image: "nginx:1", releaseCommit: "abc1234" },
          image,
        ),
        [
          { path: ["services", "web", "image"] },
          { path: ["services", "web", "imageTag"], value: "v2" },
          { path: ["services", "web", "imageDigest"], value: digest("d") },
          { path: ["services", "web", "releasedBy"], value: "ci" },
          { path: ["services", "web", "releaseCommit"] },
        ],
      );
      assert.deepEqual(
        planRelease({ name: "jobs", kind: "worker" }, {}, { ...image, commit: "abc1234" }).at(-1),
        { path: ["workers", "jobs", "releaseCommit"], value: "abc1234" },
      );
    });

    it("says who released: the GitHub actor and run in Actions, else email or user from host", () => {
      assert.equal(
        describeReleaser(
          { GITHUB_ACTIONS: "true", GITHUB_ACTOR: "octocat", GITHUB_RUN_ID: "7" },
          {},
        ),
        "octocat via GitHub Actions run 7",
      );
      assert.equal(
        describeReleaser({}, { gitEmail: "ada@vitcord.com", user: "ada", host: "mbp.local" }),
        "ada@vitcord.com from mbp.local",
      );
      // Only what an AWS tag value (and the releasedBy key) allows.
      assert.equal(
        describeReleaser({}, { user: "Zoë (admin)", host: "pc" }),
        "Zo- -admin- from pc",
      );
    });

    it("takes a commit hash only", () => {
      assert.equal(parseCommit("9f8e7d6"), "9f8e7d6");
      assert.throws(
        () => parseCommit("main"),
        new CliError('Invalid --commit "main": a git commit hash, 7 to 64 lowercase hex digits.'),
      );
      // Digits only: Pulumi's `config set --path` would store it as a number.
      assert.throws(
        () => parseCommit("0123456"),
        new CliError(
          'Invalid --commit "0123456": a hash of digits only would be stored as a number; ' +
            "pass the full 40-digit hash (e.g. $GITHUB_SHA).",
        ),
      );
      const full = "1234567890".repeat(4);
      assert.equal(parseCommit(full), full);
    });
  });

  describe("after a plain up", () => {
    const sts = mockClient(STSClient);
    const ecs = mockClient(ECSClient);
    const ecr = mockClient(ECRClient);
    beforeEach(() => {
      sts.reset();
      ecs.reset();
      ecr.reset();
      sts.on(GetCallerIdentityCommand).resolves({ Arn: "arn:aws:iam::123456789012:user/ci" });
      // The images the stack file names exist (up checks that before it starts).
      ecr.on(DescribeImagesCommand).resolves({
        imageDetails: [{ imageDigest: `sha256:${"cd".repeat(32)}`, imageTags: ["v1.0.0"] }],
      });
    });
    after(() => {
      sts.restore();
      ecs.restore();
      ecr.restore();
    });

    const stack = () => {
      const fake = new FakeStack("dev");
      fake.stackOutputs = {
        clusterName: { value: "vitcord-dev", secret: false },
        services: {
          value: { api: { serviceName: "vitcord-dev-api", taskDefinitionArn: `${TD}:8` } },
          secret: false,
        },
      };
      return fake;
    };

    it("up exits non-zero when a service's rollout FAILED", async () => {
      ecs.on(DescribeServicesCommand).resolves({
        services: [
          {
            serviceName: "vitcord-dev-api",
            deployments: [
              {
                status: "PRIMARY",
                taskDefinition: `${TD}:8`,
                rolloutState: "FAILED",
                rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.",
              },
            ],
          },
        ],
      });
      ecs.on(ListTasksCommand).resolves({ taskArns: [] });
      const run = await runCli(["up", "--stack", "dev"], { env: ENV, stack: stack() });
      assert.equal(run.code, 1);
      assert.match(
        run.stderr,
        /error: The rollout in stack dev did not complete:\nservice api \(ECS service vitcord-dev-api\): ECS deployment circuit breaker: tasks failed to start\.\n/,
      );
    });

    it("gives up on a rollout still IN_PROGRESS after the timeout (20 minutes of 15 s polls)", async () => {
      ecs.on(DescribeServicesCommand).resolves({
        services: [
          {
            serviceName: "vitcord-dev-api",
            deployments: [
              { status: "PRIMARY", taskDefinition: `${TD}:8`, rolloutState: "IN_PROGRESS" },
            ],
          },
        ],
      });
      ecs.on(ListTasksCommand).resolves({ taskArns: [] });
      const run = await runCli(["up", "--stack", "dev"], { env: ENV, stack: stack() });
      assert.equal(run.code, 1);
      assert.equal(run.sleeps.length, 80);
      assert.ok(run.sleeps.every((ms) => ms === 15_000));
      assert.match(run.stderr, /service api \(ECS service vitcord-dev-api\): IN_PROGRESS\n/);
    });
  });
});
