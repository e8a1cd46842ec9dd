// `vitcord-infra:registry` and the release keys of services and workers: pure config checks.
import * as assert from "node:assert/strict";
import { ConfigError, parseStackConfig } from "../components/config";
import { imageAt, releaseTag, repositoryName, repositoryUrl } from "../components/config/registry";
import { releaseTags } from "../components/release";

const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;
/** How a problem line shows the digest: values over 60 characters are cut. */
const SHOWN = `"${DIGEST.slice(0, 56)}...`;
const CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/abc-123";

function raw(environment: string, values: Record<string, unknown>): Record<string, string> {
  const config: Record<string, string> = {
    "aws:region": "us-east-1",
    "vitcord-infra:environment": environment,
  };
  for (const [key, value] of Object.entries(values)) {
    config[`vitcord-infra:${key}`] = JSON.stringify(value);
  }
  return config;
}

function problems(environment: string, values: Record<string, unknown>): readonly string[] {
  try {
    parseStackConfig("test", raw(environment, values));
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail("expected the config to be rejected");
}

const api = (extra: Record<string, unknown>) => ({
  services: { api: { imageTag: "v1", certificateArn: CERTIFICATE, ...extra } },
});

describe("registry config", () => {
  it("names each service's repository the same in every stack", () => {
    assert.equal(repositoryName("api"), "vitcord/api");
    assert.equal(
      repositoryUrl("210987654321", "eu-west-1", "api"),
      "210987654321.dkr.ecr.eu-west-1.amazonaws.com/vitcord/api",
    );
  });

  it("runs an image by digest when a release recorded one, else by tag", () => {
    const url = "123456789012.dkr.ecr.us-east-1.amazonaws.com/vitcord/api";
    assert.equal(imageAt(url, { tag: "v1" }), `${url}:v1`);
    assert.equal(imageAt(url, { tag: "v1", digest: DIGEST }), `${url}@${DIGEST}`);
  });

  it("gives every released image a release- tag the lifecycle policy keeps", () => {
    assert.equal(releaseTag(DIGEST), "release-0123456789ab");
  });

  it("creates the repositories in dev and pulls in prod by default", () => {
    const dev = parseStackConfig("dev", raw("dev", {}));
    assert.deepEqual(dev.registry, { createRepositories: true, pullAccounts: [] });
    const prod = parseStackConfig("prod", raw("prod", {}));
    assert.deepEqual(prod.registry, { createRepositories: false, pullAccounts: [] });
    const crossAccount = parseStackConfig(
      "prod",
      raw("prod", { registry: { account: "210987654321" } }),
    );
    assert.equal(crossAccount.registry.account, "210987654321");
  });

  it("rejects bad registry keys, naming the key and what is allowed", () => {
    assert.deepEqual(problems("prod", { registry: { account: "12345" } }), [
      'vitcord-infra:registry.account = "12345": must be a 12-digit AWS account ID such as 123456789012',
    ]);
    assert.deepEqual(
      problems("dev", { registry: { createRepositories: true, account: "210987654321" } }),
      [
        'vitcord-infra:registry.account = "210987654321": applies only with createRepositories: false; a stack that creates the repositories creates them in its own account',
      ],
    );
    assert.deepEqual(problems("prod", { registry: { pullAccounts: ["210987654321"] } }), [
      'vitcord-infra:registry.pullAccounts = ["210987654321"]: applies only with createRepositories: true; set it in the stack that creates the repositories',
    ]);
    assert.deepEqual(problems("dev", { registry: { pullAccounts: ["1", "210987654321"] } }), [
      'vitcord-infra:registry.pullAccounts.0 = "1": must be a 12-digit AWS account ID such as 123456789012',
    ]);
    assert.deepEqual(
      problems("dev", { registry: { pullAccounts: ["210987654321", "210987654321"] } }),
      [
        'vitcord-infra:registry.pullAccounts = ["210987654321","210987654321"]: must name each account once',
      ],
    );
    assert.deepEqual(problems("dev", { registry: { createRepository: true } }), [
      "vitcord-infra:registry.createRepository: unknown key; allowed keys here: createRepositories, account, pullAccounts",
    ]);
  });
});

describe("release keys of services and workers", () => {
  it("accepts what the release tooling writes and tags the task definition with it", () => {
    const config = parseStackConfig(
      "prod",
      raw(
        "prod",
        api({
          imageDigest: DIGEST,
          releasedBy: "github-actions/vitcord/api",
          releaseCommit: "4f2a9c1",
        }),
      ),
    );
    assert.deepEqual(releaseTags(config.services.api!), {
      "vitcord:image-tag": "v1",
      "vitcord:image-digest": DIGEST,
      "vitcord:released-by": "github-actions/vitcord/api",
      "vitcord:release-commit": "4f2a9c1",
    });
    assert.deepEqual(releaseTags({ imageTag: "v1" }), { "vitcord:image-tag": "v1" });
  });

  it("rejects a malformed digest, releaser or commit with the exact message", () => {
    assert.deepEqual(problems("prod", api({ imageDigest: "sha256:abc" })), [
      'vitcord-infra:services.api.imageDigest = "sha256:abc": must be an image digest: sha256: followed by 64 lowercase hex digits',
    ]);
    assert.deepEqual(problems("prod", api({ releasedBy: "ci#42" })), [
      'vitcord-infra:services.api.releasedBy = "ci#42": must be 1 to 256 characters: letters, digits, spaces and + - = . _ : / @ (what an AWS tag value allows)',
    ]);
    assert.deepEqual(problems("prod", api({ releaseCommit: "main" })), [
      'vitcord-infra:services.api.releaseCommit = "main": must be a git commit hash: 7 to 64 lowercase hex digits',
    ]);
  });

  it("refuses a digest for a service that names its image in full", () => {
    assert.deepEqual(
      problems("dev", {
        services: { api: { image: "public.ecr.aws/nginx/nginx:1.27", imageDigest: DIGEST } },
      }),
      [
        `vitcord-infra:services.api.imageDigest = ${SHOWN}: applies only with imageTag: it pins the image of the service's ECR repository (a full \`image\` carries its own digest)`,
      ],
    );
  });

  it("takes a worker's own release only with its own imageTag", () => {
    const worker = (extra: Record<string, unknown>) => ({
      ...api({}),
      workers: { jobs: { repository: "api", command: ["bin/jobs"], ...extra } },
    });
    assert.deepEqual(problems("prod", worker({ imageDigest: DIGEST })), [
      `vitcord-infra:workers.jobs.imageDigest = ${SHOWN}: applies only with imageTag: without it the worker runs services.api's release, and that service records it`,
    ]);
    assert.deepEqual(
      problems("prod", {
        ...api({}),
        workers: { jobs: { image: "public.ecr.aws/x/y:1", command: ["x"], releasedBy: "alice" } },
      }),
      [
        'vitcord-infra:workers.jobs.releasedBy = "alice": applies only with repository and imageTag (a release from a web service\'s ECR repository)',
      ],
    );
    const pinned = parseStackConfig(
      "prod",
      raw("prod", worker({ imageTag: "v0", imageDigest: DIGEST, releaseCommit: "abcdef0" })),
    );
    assert.equal(pinned.workers.jobs!.imageDigest, DIGEST);
  });
});
