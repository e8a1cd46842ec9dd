// release, promote, rollback and releases against mocked ECR and ECS: the image is resolved to a
// digest before anything changes, the stack file gets tag, digest, releaser and commit, and the
// rollout is verified after the up (a rolled-back deployment exits non-zero with its events).
import * as assert from "node:assert/strict";
import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  ECRClient,
  PutImageCommand,
} from "@aws-sdk/client-ecr";
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
} from "@aws-sdk/client-ecs";
import { SSMClient } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { OutputMap } from "@pulumi/pulumi/automation";
import { mockClient } from "aws-sdk-client-mock";
import { FakeStack, makeProject, runCli, STACK_FILES } from "./cli-context";
import { devManifest, publishManifest, workloadEntry } from "./ops-fixtures";

const ACCOUNT = "123456789012";
const CI_ENV = {
  PULUMI_BACKEND_URL: "s3://vitcord-state",
  PULUMI_CONFIG_PASSPHRASE: "",
  GITHUB_ACTIONS: "true",
  GITHUB_ACTOR: "octocat",
  GITHUB_RUN_ID: "42",
};
const API_TD = `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/vitcord-dev-api`;
const JOBS_TD = `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/vitcord-dev-jobs`;
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const D8 = digest("8");
const MANIFEST = '{"schemaVersion":2}';
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

/** The outputs of an up that registered api:8 and jobs:3 (the stack-output contract). */
function outputs(stack = "dev"): OutputMap {
  const workload = (name: string, td: string) => ({
    serviceName: `vitcord-${stack}-${name}`,
    taskDefinitionFamily: `vitcord-${stack}-${name}`,
    containerName: name,
    taskDefinitionArn: td,
    repositoryName: "vitcord/api",
    registryId: ACCOUNT,
  });
  const values: Record<string, unknown> = {
    clusterName: `vitcord-${stack}`,
    services: { api: workload("api", `${API_TD}:8`) },
    workers: { jobs: workload("jobs", `${JOBS_TD}:3`) },
  };
  return Object.fromEntries(
    Object.entries(values).map(([k, value]) => [k, { value, secret: false }]),
  );
}

function deployedStack(name = "dev"): FakeStack {
  const stack = new FakeStack(name);
  stack.stackOutputs = outputs(name);
  return stack;
}

/** The Automation API calls as [method, key, value], an up as ["up", message]. */
function calls(stack: FakeStack): unknown[][] {
  return stack.calls.map((call) => {
    if (call.method === "setConfig") {
      return ["set", call.args[0], (call.args[1] as { value: string }).value];
    }
    if (call.method === "removeConfig") return ["remove", call.args[0]];
    return [call.method, (call.args[0] as { message?: string } | undefined)?.message];
  });
}

const set = (key: string, value: string) => ["set", `vitcord-infra:${key}`, value];
const healthy = (name: string, td: string) => ({
  serviceName: name,
  deployments: [{ status: "PRIMARY", taskDefinition: td, rolloutState: "COMPLETED" as const }],
});

describe("infra CLI: release, promote, rollback, releases", () => {
  const sts = mockClient(STSClient);
  const ecs = mockClient(ECSClient);
  const ecr = mockClient(ECRClient);
  beforeEach(() => {
    sts.reset();
    ecs.reset();
    ecr.reset();
    sts.on(GetCallerIdentityCommand).resolves({
      Account: ACCOUNT,
      Arn: `arn:aws:iam::${ACCOUNT}:user/ci`,
    });
    ecr
      .on(DescribeImagesCommand)
      .resolves({ imageDetails: [{ imageDigest: D8, imageTags: ["v1.4.2"] }] });
    ecr.on(BatchGetImageCommand).resolves({
      images: [{ imageManifest: MANIFEST, imageManifestMediaType: OCI_MANIFEST }],
    });
    ecr.on(PutImageCommand).resolves({});
  });
  after(() => {
    sts.restore();
    ecs.restore();
    ecr.restore();
  });

  describe("release", () => {
    it("resolves the tag in the shared repository, records the release, deploys and verifies", async () => {
      ecs.on(DescribeServicesCommand).resolves({
        services: [
          healthy("vitcord-dev-api", `${API_TD}:8`),
          healthy("vitcord-dev-jobs", `${JOBS_TD}:3`),
        ],
      });
      const run = await runCli(
        ["release", "api", "v1.4.2", "--commit", "9f8e7d6c5b4a", "--stack", "dev"],
        { env: CI_ENV, stack: deployedStack() },
      );
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(ecr.commandCalls(DescribeImagesCommand)[0]?.args[0].input, {
        registryId: ACCOUNT,
        repositoryName: "vitcord/api",
        imageIds: [{ imageTag: "v1.4.2" }],
      });
      // The release-<digest> tag that the lifecycle policy never expires.
      assert.deepEqual(ecr.commandCalls(PutImageCommand)[0]?.args[0].input, {
        registryId: ACCOUNT,
        repositoryName: "vitcord/api",
        imageManifest: MANIFEST,
        imageManifestMediaType: OCI_MANIFEST,
        imageDigest: D8,
        imageTag: "release-888888888888",
      });
      assert.deepEqual(calls(run.stack), [
        set("services.api.imageTag", "v1.4.2"),
        set("services.api.imageDigest", D8),
        set("services.api.releasedBy", "octocat via GitHub Actions run 42"),
        set("services.api.releaseCommit", "9f8e7d6c5b4a"),
        ["up", "release api v1.4.2"],
      ]);
      assert.deepEqual(ecs.commandCalls(DescribeServicesCommand)[0]?.args[0].input, {
        cluster: "vitcord-dev",
        services: ["vitcord-dev-api", "vitcord-dev-jobs"],
      });
      assert.ok(
        run.stderr.includes(
          "Verified: api runs vitcord-dev-api:8, jobs runs vitcord-dev-jobs:3.\n",
        ),
        run.stderr,
      );
      assert.equal(
        run.stdout.split("\n").at(-2),
        "Released api v1.4.2 (sha256:888888888888) to dev: the rollout completed.",
      );
    });

    it("exits non-zero with the events and stopped tasks when ECS rolled the deployment back", async () => {
      // The circuit breaker: api:8 FAILED, a new PRIMARY deployment on the last COMPLETED one.
      ecs.on(DescribeServicesCommand).resolves({
        services: [
          {
            serviceName: "vitcord-dev-api",
            deployments: [
              {
                status: "PRIMARY",
                taskDefinition: `${API_TD}:7`,
                rolloutState: "COMPLETED",
              },
              {
                status: "ACTIVE",
                taskDefinition: `${API_TD}:8`,
                rolloutState: "FAILED",
                rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.",
              },
            ],
            events: [
              {
                createdAt: new Date("2026-01-01T11:50:00Z"),
                message: "(service vitcord-dev-api) has started 1 tasks: (task 0a1b).",
              },
              {
                createdAt: new Date("2026-01-01T11:55:00Z"),
                message:
                  "(service vitcord-dev-api) (deployment ecs-svc/123) deployment failed: tasks failed to start.",
              },
            ],
          },
          healthy("vitcord-dev-jobs", `${JOBS_TD}:3`),
        ],
      });
      const taskArn = `arn:aws:ecs:eu-west-1:${ACCOUNT}:task/vitcord-dev/0a1b`;
      ecs.on(ListTasksCommand).resolves({ taskArns: [taskArn] });
      ecs.on(DescribeTasksCommand).resolves({
        tasks: [
          {
            taskArn,
            taskDefinitionArn: `${API_TD}:8`,
            stoppedReason:
              "CannotPullContainerError: pull image manifest has been retried 5 time(s): not found",
            containers: [{ name: "api", reason: "CannotPullContainerError: not found" }],
          },
        ],
      });
      const run = await runCli(["release", "api", "v1.4.2", "--stack", "dev"], {
        env: CI_ENV,
        stack: deployedStack(),
      });
      assert.equal(run.code, 1);
      assert.deepEqual(ecs.commandCalls(ListTasksCommand)[0]?.args[0].input, {
        cluster: "vitcord-dev",
        family: "vitcord-dev-api",
        desiredStatus: "STOPPED",
      });
      assert.deepEqual(ecs.commandCalls(DescribeTasksCommand)[0]?.args[0].input, {
        cluster: "vitcord-dev",
        tasks: [taskArn],
      });
      const error = run.stderr.slice(run.stderr.indexOf("error: "));
      assert.equal(
        error,
        [
          "error: The rollout in stack dev did not complete:",
          "service api (ECS service vitcord-dev-api): ECS runs vitcord-dev-api:7, not vitcord-dev-api:8: ECS deployment circuit breaker: tasks failed to start.",
          "  Last service events:",
          "    2026-01-01T11:55:00.000Z (service vitcord-dev-api) (deployment ecs-svc/123) deployment failed: tasks failed to start.",
          "    2026-01-01T11:50:00.000Z (service vitcord-dev-api) has started 1 tasks: (task 0a1b).",
          "  Stopped tasks:",
          "    0a1b (vitcord-dev-api:8): CannotPullContainerError: pull image manifest has been retried 5 time(s): not found; container api: CannotPullContainerError: not found",
          "The stack's state names revisions that are not running. Fix the cause above, then release again or roll back: npm run infra -- rollback <workload> --stack dev",
          "",
        ].join("\n"),
      );
      assert.ok(!run.stdout.includes("Released"), run.stdout);
    });

    it("waits while the rollout is IN_PROGRESS, then passes", async () => {
      const inProgress = {
        serviceName: "vitcord-dev-api",
        deployments: [
          {
            status: "PRIMARY",
            taskDefinition: `${API_TD}:8`,
            rolloutState: "IN_PROGRESS" as const,
          },
        ],
      };
      ecs
        .on(DescribeServicesCommand)
        .resolvesOnce({ services: [inProgress, healthy("vitcord-dev-jobs", `${JOBS_TD}:3`)] })
        .resolves({ services: [healthy("vitcord-dev-api", `${API_TD}:8`)] });
      const run = await runCli(["release", "api", "v1.4.2", "--stack", "dev"], {
        env: CI_ENV,
        stack: deployedStack(),
      });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(run.sleeps, [15_000]);
      assert.deepEqual(ecs.commandCalls(DescribeServicesCommand)[1]?.args[0].input.services, [
        "vitcord-dev-api",
      ]);
    });

    it("refuses a tag that is not in the registry before any up, with the push command", async () => {
      ecr.on(DescribeImagesCommand).rejects(
        Object.assign(new Error("The image with imageId {imageTag:'v9'} does not exist"), {
          name: "ImageNotFoundException",
        }),
      );
      const run = await runCli(["release", "api", "v9", "--stack", "dev"], {
        env: CI_ENV,
        stack: deployedStack(),
      });
      assert.equal(run.code, 1);
      assert.equal(
        run.stderr,
        `error: No image vitcord/api:v9 in ECR account ${ACCOUNT} (eu-west-1): push it first: ` +
          `aws ecr get-login-password --region eu-west-1 | docker login --username AWS --password-stdin ${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com && ` +
          `docker push ${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/vitcord/api:v9.\n`,
      );
      assert.deepEqual(run.stack.calls, [], "no setConfig, no up");
      assert.deepEqual(run.opened, [], "the stack was not even opened");
    });

    it("names repository, account and region when the repository does not exist", async () => {
      ecr
        .on(DescribeImagesCommand)
        .rejects(Object.assign(new Error("repo missing"), { name: "RepositoryNotFoundException" }));
      const run = await runCli(["release", "api", "v1.4.2", "--stack", "dev"], {
        env: CI_ENV,
        stack: deployedStack(),
      });
      assert.equal(run.code, 1);
      assert.match(
        run.stderr,
        /^error: ECR repository vitcord\/api does not exist in account 123456789012 \(eu-west-1\)\. /,
      );
      assert.deepEqual(run.stack.calls, []);
    });

    it("moves a service pinned to a public image onto its repository, by digest", async () => {
      ecs.on(DescribeServicesCommand).resolves({ services: [] });
      const stack = new FakeStack("dev");
      const run = await runCli(["release", "notifications", "v1.4.2", "--stack", "dev"], {
        env: CI_ENV,
        stack,
      });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(
        ecr.commandCalls(DescribeImagesCommand)[0]?.args[0].input.repositoryName,
        "vitcord/notifications",
      );
      assert.deepEqual(calls(stack).slice(0, 3), [
        ["remove", "vitcord-infra:services.notifications.image"],
        set("services.notifications.imageTag", "v1.4.2"),
        set("services.notifications.imageDigest", D8),
      ]);
    });

    it("refuses a bad --commit and a bad tag with one line each", async () => {
      const commit = await runCli(["release", "api", "v1", "--commit", "HEAD", "--stack", "dev"], {
        env: CI_ENV,
      });
      assert.equal(
        commit.stderr,
        'error: Invalid --commit "HEAD": a git commit hash, 7 to 64 lowercase hex digits.\n',
      );
      assert.equal(ecr.commandCalls(DescribeImagesCommand).length, 0);
    });
  });

  describe("promote", () => {
    const released = STACK_FILES["Pulumi.dev.yaml"]!.replace(
      "      imageTag: v1.0.0\n",
      `      imageTag: v1.4.2\n      imageDigest: "${D8}"\n      releaseCommit: 9f8e7d6c5b4a\n`,
    );

    it("releases the source stack's digest to the target after checking it is in its registry", async () => {
      ecs.on(DescribeServicesCommand).resolves({
        services: [
          healthy("vitcord-prod-api", `${API_TD}:8`),
          healthy("vitcord-prod-jobs", `${JOBS_TD}:3`),
        ],
      });
      // prod's deployer may only pull: tagging fails, the promote goes on with a warning.
      ecr
        .on(PutImageCommand)
        .rejects(Object.assign(new Error("not allowed"), { name: "AccessDeniedException" }));
      const stack = deployedStack("prod");
      const run = await runCli(["promote", "api", "--from", "dev", "--to", "prod", "--yes"], {
        env: CI_ENV,
        stack,
        projectDir: makeProject({ ...STACK_FILES, "Pulumi.dev.yaml": released }),
      });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(ecr.commandCalls(DescribeImagesCommand)[0]?.args[0].input, {
        registryId: ACCOUNT,
        repositoryName: "vitcord/api",
        imageIds: [{ imageDigest: D8 }],
      });
      assert.ok(
        run.stderr.includes(
          `warning: could not tag vitcord/api@${D8} as release-888888888888 (AccessDeniedException: not allowed); `,
        ),
        run.stderr,
      );
      assert.deepEqual(
        calls(stack).filter((c) => c[0] === "set" || c[0] === "up"),
        [
          set("services.api.imageTag", "v1.4.2"),
          set("services.api.imageDigest", D8),
          set("services.api.releasedBy", "octocat via GitHub Actions run 42"),
          set("services.api.releaseCommit", "9f8e7d6c5b4a"),
          ["up", "promote api v1.4.2 from dev"],
        ],
      );
    });

    it("refuses a source without a digest-pinned release", async () => {
      const run = await runCli(["promote", "api", "--from", "dev", "--to", "prod", "--yes"], {
        env: CI_ENV,
      });
      assert.equal(run.code, 1);
      assert.equal(
        run.stderr,
        "error: Stack dev has no digest-pinned release of api (no services.api.imageDigest in Pulumi.dev.yaml): " +
          "release it there first: npm run infra -- release api <tag> --stack dev\n",
      );
      assert.deepEqual(run.stack.calls, []);
    });

    it("refuses a digest the target's registry does not have", async () => {
      ecr
        .on(DescribeImagesCommand)
        .rejects(Object.assign(new Error("no"), { name: "ImageNotFoundException" }));
      const run = await runCli(["promote", "api", "--from", "dev", "--to", "prod", "--yes"], {
        env: CI_ENV,
        projectDir: makeProject({ ...STACK_FILES, "Pulumi.dev.yaml": released }),
      });
      assert.equal(run.code, 1);
      assert.equal(
        run.stderr,
        `error: No image vitcord/api@${D8} in ECR account ${ACCOUNT} (us-east-1): stack prod pulls ` +
          "from another registry than dev; copy the image there first (docs/deploy.md, separate accounts).\n",
      );
      assert.deepEqual(run.stack.calls, []);
    });
  });

  describe("releases and rollback", () => {
    const D = { 3: digest("3"), 2: digest("2"), 1: digest("1") };
    /** Revisions 3 (running), 2 and 1 of api, tagged by the program; a -admin family too. */
    function history(running = 3) {
      ecs
        .on(ListTaskDefinitionsCommand)
        .resolvesOnce({ taskDefinitionArns: [`${API_TD}-admin:9`], nextToken: "p2" })
        .resolves({ taskDefinitionArns: [3, 2, 1].map((r) => `${API_TD}:${r}`) });
      for (const [revision, tag] of [
        [3, "v1.5.0"],
        [2, "v1.4.2"],
        [1, "v1.4.1"],
      ] as const) {
        ecs
          .on(DescribeTaskDefinitionCommand, {
            taskDefinition: `${API_TD}:${revision}`,
            include: ["TAGS"],
          })
          .resolves({
            taskDefinition: {
              revision,
              registeredAt: new Date(Date.UTC(2026, 0, revision)),
              containerDefinitions: [
                {
                  name: "api",
                  image: `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/vitcord/api@${D[revision]}`,
                },
              ],
            },
            tags: [
              { key: "vitcord:image-tag", value: tag },
              { key: "vitcord:image-digest", value: D[revision] },
              { key: "vitcord:released-by", value: `dev${revision}@vitcord.com from laptop` },
              { key: "vitcord:release-commit", value: `c0ffee${revision}`.repeat(2) },
            ],
          });
      }
      ecs
        .on(DescribeServicesCommand)
        .resolvesOnce({
          services: [
            {
              serviceName: "vitcord-dev-api",
              deployments: [{ status: "PRIMARY", taskDefinition: `${API_TD}:${running}` }],
            },
          ],
        })
        .resolves({
          services: [
            healthy("vitcord-dev-api", `${API_TD}:8`),
            healthy("vitcord-dev-jobs", `${JOBS_TD}:3`),
          ],
        });
    }

    it("releases lists revisions newest first with time, tag, digest, releaser and which runs", async () => {
      history();
      // releases reads the family, container and service from the operations manifest (SSM).
      const ssm = mockClient(SSMClient);
      const names = { serviceName: "vitcord-dev-api", taskDefinitionFamily: "vitcord-dev-api" };
      publishManifest(ssm, devManifest({ api: workloadEntry("api", "service", names) }));
      const run = await runCli(["releases", "api", "--stack", "dev"], { env: CI_ENV });
      ssm.restore();
      assert.deepEqual(run.stack.calls, [], "no Pulumi");
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(ecs.commandCalls(DescribeServicesCommand)[0]?.args[0].input, {
        cluster: "dev-cluster-1a2b3c4",
        services: ["vitcord-dev-api"],
      });
      assert.deepEqual(
        ecs.commandCalls(ListTaskDefinitionsCommand).map((c) => c.args[0].input),
        [undefined, "p2"].map((nextToken) => ({
          familyPrefix: "vitcord-dev-api",
          status: "ACTIVE",
          sort: "DESC",
          maxResults: 100,
          nextToken,
        })),
      );
      assert.equal(
        run.stdout,
        [
          "REVISION  REGISTERED                TAG     DIGEST               RELEASED BY                   COMMIT",
          "3         2026-01-03T00:00:00.000Z  v1.5.0  sha256:333333333333  dev3@vitcord.com from laptop  c0ffee3c0ffe  ← running",
          "2         2026-01-02T00:00:00.000Z  v1.4.2  sha256:222222222222  dev2@vitcord.com from laptop  c0ffee2c0ffe",
          "1         2026-01-01T00:00:00.000Z  v1.4.1  sha256:111111111111  dev1@vitcord.com from laptop  c0ffee1c0ffe",
          "Roll back (default: the release before the running one): npm run infra -- rollback api [revision|tag] --stack dev",
          "",
        ].join("\n"),
      );
    });

    it("rollback without a revision releases the one before the running one, by digest", async () => {
      history();
      ecr.on(DescribeImagesCommand).resolves({
        imageDetails: [{ imageDigest: D[2], imageTags: ["v1.4.2", "release-222222222222"] }],
      });
      const stack = deployedStack();
      const run = await runCli(["rollback", "api", "--stack", "dev"], { env: CI_ENV, stack });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(ecr.commandCalls(PutImageCommand).length, 0, "tagged at its release already");
      assert.deepEqual(ecr.commandCalls(DescribeImagesCommand)[0]?.args[0].input, {
        registryId: ACCOUNT,
        repositoryName: "vitcord/api",
        imageIds: [{ imageDigest: D[2] }],
      });
      assert.deepEqual(calls(stack), [
        ["outputs", undefined],
        set("services.api.imageTag", "v1.4.2"),
        set("services.api.imageDigest", D[2]),
        set("services.api.releasedBy", "octocat via GitHub Actions run 42"),
        set("services.api.releaseCommit", "c0ffee2c0ffee2"),
        ["up", "rollback api to revision 2 (v1.4.2)"],
      ]);
    });

    it("rollback to an explicit revision or tag", async () => {
      for (const wanted of ["1", "v1.4.1"]) {
        ecs.reset();
        history();
        ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: D[1] }] });
        const stack = deployedStack();
        const run = await runCli(["rollback", "api", wanted, "--stack", "dev"], {
          env: CI_ENV,
          stack,
        });
        assert.equal(run.code, 0, run.stderr);
        assert.deepEqual(calls(stack).at(-1), ["up", "rollback api to revision 1 (v1.4.1)"]);
      }
    });

    it("rollback refuses an unknown revision, listing what exists, and changes nothing", async () => {
      history();
      const stack = deployedStack();
      const run = await runCli(["rollback", "api", "9", "--stack", "dev"], { env: CI_ENV, stack });
      assert.equal(run.code, 1);
      assert.equal(
        run.stderr,
        'error: Unknown revision or tag "9" for api in stack dev. Releases: 3 (v1.5.0, running), 2 (v1.4.2), 1 (v1.4.1).\n',
      );
      assert.deepEqual(calls(stack), [["outputs", undefined]]);
      assert.equal(ecr.commandCalls(DescribeImagesCommand).length, 0);
    });
  });
});
