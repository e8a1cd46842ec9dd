// `bootstrap`: the pure plan and report (no mocks), then each check against aws-sdk-client-mock
// (IAM, Route 53, ECR, STS) with the exact requests asserted, an injected DNS resolver (no
// network), and a recording Automation API stack for the targeted `up` of the repositories.
import * as assert from "node:assert/strict";
import {
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  ImageNotFoundException,
  RepositoryNotFoundException,
} from "@aws-sdk/client-ecr";
import {
  CreateServiceLinkedRoleCommand,
  GetRoleCommand,
  IAMClient,
  NoSuchEntityException,
} from "@aws-sdk/client-iam";
import {
  GetHostedZoneCommand,
  ListHostedZonesByNameCommand,
  Route53Client,
} from "@aws-sdk/client-route-53";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { mockClient } from "aws-sdk-client-mock";
import { runProgram } from "./harness";
import { createAwsClients } from "../cli/aws";
import { BootstrapDeps, bootstrapCommand } from "../cli/bootstrap";
import {
  formatChecks,
  nameServersMatch,
  planBootstrap,
  registryTargets,
  SERVICE_LINKED_ROLES,
} from "../cli/bootstrap-plan";
import type { CliContext } from "../cli/context";
import { MissingStackError, StackFactory } from "../cli/stacks";
import { Capture, CLEAN_GIT, FakeStack, makeProject, runCli, STACK_FILES } from "./cli-context";

const ACCOUNT = "123456789012";
const REGISTRY_ACCOUNT = "210987654321";
const CALLER = `arn:aws:sts::${ACCOUNT}:assumed-role/vitcord-deployer/ci`;
const DIGEST = `sha256:${"ab".repeat(32)}`;
const ZONE_ID = "/hostedzone/Z0123456789ABCDEFGHIJ";
const ZONE_NS = [
  "ns-1.awsdns-01.org",
  "ns-2.awsdns-02.co.uk",
  "ns-3.awsdns-03.com",
  "ns-4.awsdns-04.net",
];

const DEV = `config:
  aws:region: eu-west-1
  vitcord-infra:environment: dev
  vitcord-infra:services:
    api:
      imageTag: v1.0.0
    notifications:
      image: public.ecr.aws/nginx/nginx:1.27
  vitcord-infra:workers:
    jobs:
      repository: api
      command: [bundle, exec, sidekiq]
`;

const PROD = `config:
  aws:region: us-east-1
  vitcord-infra:environment: prod
  vitcord-infra:registry:
    createRepositories: false
    account: "${REGISTRY_ACCOUNT}"
  vitcord-infra:services:
    api:
      imageTag: "1.0.0"
      imageDigest: ${DIGEST}
      domain: api.vitcord.com
      hostedZoneName: vitcord.com
    notifications:
      imageTag: "1.0.0"
      domain: notifications.vitcord.com
      hostedZoneName: vitcord.com
`;

const project = () =>
  makeProject({
    "Pulumi.yaml": STACK_FILES["Pulumi.yaml"]!,
    "Pulumi.dev.yaml": DEV,
    "Pulumi.prod.yaml": PROD,
  });

/** Preview events: the repositories component and its children, and one unrelated resource. */
function urn(stack: string, typeChain: string, name: string) {
  return `urn:pulumi:${stack}::vitcord-infra::${typeChain}::${name}`;
}
const COMPONENT = "vitcord:registry:SharedRepositories";
const REGISTRY_URNS = [
  urn("dev", COMPONENT, "repositories"),
  urn("dev", `${COMPONENT}$aws:ecr/repository:Repository`, "api-repo"),
  urn("dev", `${COMPONENT}$aws:ecr/lifecyclePolicy:LifecyclePolicy`, "api-repo-lifecycle"),
];
const SERVICE_REPO = urn(
  "dev",
  "vitcord:service:LoadBalancedService$aws:ecs/service:Service",
  "api-service",
);
function previewEvents(op: "create" | "same"): EngineEvent[] {
  return [...REGISTRY_URNS, SERVICE_REPO].map((u, i) => ({
    sequence: i,
    timestamp: i,
    resourcePreEvent: {
      metadata: { op, urn: u, type: u.split("::")[2]!.split("$").pop()!, provider: "" },
    },
  }));
}

function named<T extends Error>(error: T): T {
  return error;
}

const iam = mockClient(IAMClient);
const route53 = mockClient(Route53Client);
const ecr = mockClient(ECRClient);
const sts = mockClient(STSClient);

interface Bootstrapped {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly stack: FakeStack;
  readonly lookups: string[];
}

/** Runs bootstrap with a recording stack and a DNS that answers `ns` (or fails with `dnsError`). */
async function bootstrap(
  stackName: string,
  options: {
    ns?: string[];
    dnsError?: string;
    stack?: FakeStack;
    yes?: boolean;
    existing?: boolean;
    projectDir?: string;
  } = {},
): Promise<Bootstrapped> {
  const stdout = new Capture();
  const stderr = new Capture();
  const stack = options.stack ?? new FakeStack(stackName);
  const lookups: string[] = [];
  const deps: BootstrapDeps = {
    resolveNs: (name) => {
      lookups.push(name);
      if (options.dnsError !== undefined) {
        return Promise.reject(Object.assign(new Error("dns"), { code: options.dnsError }));
      }
      return Promise.resolve(options.ns ?? ZONE_NS);
    },
  };
  const stacks: StackFactory = {
    select: (args) =>
      options.existing === false
        ? Promise.reject(new MissingStackError(args.stackName))
        : Promise.resolve(stack),
    create: () => Promise.reject(new Error("bootstrap must never create a stack")),
  };
  const ctx: CliContext = {
    projectDir: options.projectDir ?? project(),
    env: { PULUMI_BACKEND_URL: "s3://vitcord-state", PULUMI_CONFIG_PASSPHRASE: "" },
    stdout,
    stderr,
    interactive: false,
    prompt: () => Promise.resolve(""),
    sleep: () => Promise.resolve(),
    now: () => 0,
    findExecutable: (name) => `/usr/local/bin/${name}`,
    spawnInteractive: () => Promise.reject(new Error("bootstrap runs no program on the terminal")),
    stacks,
    git: CLEAN_GIT,
    aws: createAwsClients,
  };
  let code: number;
  try {
    code = await bootstrapCommand(ctx, { stack: stackName, yes: options.yes }, deps);
  } catch (error) {
    stderr.write(`error: ${(error as Error).message}\n`);
    code = 1;
  }
  return { code, stdout: stdout.text, stderr: stderr.text, stack, lookups };
}

describe("cli bootstrap: the plan and the report (pure)", () => {
  it("plans prod: one zone for both domains, pulled repositories, the configured images", () => {
    const plan = planBootstrap(project(), "prod", ACCOUNT);
    assert.equal(plan.createRepositories, false);
    assert.equal(plan.account, REGISTRY_ACCOUNT);
    assert.deepEqual(plan.repositories, ["vitcord/api", "vitcord/notifications"]);
    assert.deepEqual(plan.zones, [
      { name: "vitcord.com", domains: ["api.vitcord.com", "notifications.vitcord.com"] },
    ]);
    assert.deepEqual(plan.images, [
      { repositoryName: "vitcord/api", tag: "1.0.0", digest: DIGEST, workloads: ["api"] },
      { repositoryName: "vitcord/notifications", tag: "1.0.0", workloads: ["notifications"] },
    ]);
  });

  it("plans dev: creates the repositories in the caller's account; a public image is not checked", () => {
    const plan = planBootstrap(project(), "dev", ACCOUNT);
    assert.equal(plan.createRepositories, true);
    assert.equal(plan.account, ACCOUNT);
    assert.deepEqual(plan.zones, []);
    // jobs runs api's image (no imageTag of its own): checked once, with api.
    assert.deepEqual(plan.images, [
      { repositoryName: "vitcord/api", tag: "v1.0.0", workloads: ["api"] },
    ]);
  });

  it("treats the zone as delegated when DNS answers only its own name servers", () => {
    assert.ok(nameServersMatch(ZONE_NS, ["NS-1.awsdns-01.org.", "ns-3.awsdns-03.com"]));
    assert.ok(!nameServersMatch(ZONE_NS, []));
    assert.ok(!nameServersMatch(ZONE_NS, ["ns-1.awsdns-01.org", "ns1.registrar-parking.example"]));
  });

  it("targets the repositories component and its children only", () => {
    const steps = previewEvents("create").map((e) => ({
      op: "create" as const,
      urn: e.resourcePreEvent!.metadata.urn,
      type: e.resourcePreEvent!.metadata.type,
      diffs: [],
    }));
    assert.deepEqual(registryTargets(steps), REGISTRY_URNS);
  });

  it("prints one line per check and the fix under a missing one", () => {
    assert.equal(
      formatChecks([
        { status: "ok", subject: "service-linked role AWSServiceRoleForECS" },
        { status: "missing", subject: "image vitcord/api:1", detail: "not there", fix: "push it" },
      ]),
      "ok       service-linked role AWSServiceRoleForECS\n" +
        "missing  image vitcord/api:1: not there\n" +
        "         fix: push it\n",
    );
  });
});

describe("cli bootstrap: checks against AWS (aws-sdk-client-mock)", () => {
  beforeEach(() => {
    for (const mock of [iam, route53, ecr, sts]) mock.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Arn: CALLER, Account: ACCOUNT });
    iam.on(GetRoleCommand).resolves({});
    route53.on(ListHostedZonesByNameCommand).resolves({
      HostedZones: [
        { Id: ZONE_ID, Name: "vitcord.com.", CallerReference: "x", Config: {} },
        {
          Id: "/hostedzone/ZPRIVATE",
          Name: "vitcord.com.",
          CallerReference: "y",
          Config: { PrivateZone: true },
        },
      ],
    });
    route53.on(GetHostedZoneCommand).resolves({
      HostedZone: { Id: ZONE_ID, Name: "vitcord.com.", CallerReference: "x" },
      DelegationSet: { NameServers: ZONE_NS },
    });
    ecr.on(DescribeRepositoriesCommand).resolves({ repositories: [{}] });
    ecr
      .on(DescribeImagesCommand)
      .resolves({ imageDetails: [{ imageDigest: DIGEST, imageTags: ["1.0.0"] }] });
  });

  it("prod, everything in place: all ok, exit 0, the next step is up", async () => {
    const run = await bootstrap("prod");
    assert.equal(run.code, 0, run.stdout + run.stderr);
    for (const role of SERVICE_LINKED_ROLES) {
      assert.match(run.stdout, new RegExp(`^ok +service-linked role ${role.roleName}$`, "m"));
    }
    assert.match(
      run.stdout,
      /^ok +hosted zone vitcord\.com \(Z0123456789ABCDEFGHIJ\): delegated to ns-1\.awsdns-01\.org/m,
    );
    assert.match(run.stdout, /^ok +repository vitcord\/api in account 210987654321$/m);
    assert.match(run.stdout, /^ok +image vitcord\/api@sha256:abab.* \(api\): sha256:abab/m);
    assert.match(run.stdout, /Next: npm run infra -- up --stack prod\n$/);
    assert.deepEqual(run.lookups, ["vitcord.com"], "one lookup for the zone of both domains");
    assert.deepEqual(
      route53.commandCalls(ListHostedZonesByNameCommand).map((c) => c.args[0].input),
      [{ DNSName: "vitcord.com", MaxItems: 10 }],
    );
    assert.deepEqual(
      route53.commandCalls(GetHostedZoneCommand).map((c) => c.args[0].input),
      [{ Id: ZONE_ID }],
    );
    assert.deepEqual(
      ecr.commandCalls(DescribeRepositoriesCommand).map((c) => c.args[0].input),
      [
        { registryId: REGISTRY_ACCOUNT, repositoryNames: ["vitcord/api"] },
        { registryId: REGISTRY_ACCOUNT, repositoryNames: ["vitcord/notifications"] },
      ],
    );
    assert.deepEqual(
      ecr.commandCalls(DescribeImagesCommand).map((c) => c.args[0].input),
      [
        {
          registryId: REGISTRY_ACCOUNT,
          repositoryName: "vitcord/api",
          imageIds: [{ imageDigest: DIGEST }],
        },
        {
          registryId: REGISTRY_ACCOUNT,
          repositoryName: "vitcord/notifications",
          imageIds: [{ imageTag: "1.0.0" }],
        },
      ],
    );
    assert.equal(run.stack.calls.length, 0, "a stack that pulls needs no Pulumi operation");
    assert.equal(iam.commandCalls(CreateServiceLinkedRoleCommand).length, 0);
  });

  it("creates a missing service-linked role, and says the fix when it may not", async () => {
    const missing = () => named(new NoSuchEntityException({ message: "no role", $metadata: {} }));
    iam.on(GetRoleCommand, { RoleName: "AWSServiceRoleForECS" }).rejects(missing());
    iam
      .on(GetRoleCommand, { RoleName: "AWSServiceRoleForApplicationAutoScaling_ECSService" })
      .rejects(missing());
    iam.on(CreateServiceLinkedRoleCommand, { AWSServiceName: "ecs.amazonaws.com" }).resolves({});
    iam
      .on(CreateServiceLinkedRoleCommand, {
        AWSServiceName: "ecs.application-autoscaling.amazonaws.com",
      })
      .rejects(
        Object.assign(new Error("not authorized to perform iam:CreateServiceLinkedRole"), {
          name: "AccessDenied",
        }),
      );
    const run = await bootstrap("prod");
    assert.equal(run.code, 1);
    assert.match(
      run.stdout,
      /^created +service-linked role AWSServiceRoleForECS: for ecs\.amazonaws\.com/m,
    );
    assert.match(
      run.stdout,
      /^missing +service-linked role AWSServiceRoleForApplicationAutoScaling_ECSService: could not create it: not authorized.*\n +fix: aws iam create-service-linked-role --aws-service-name ecs\.application-autoscaling\.amazonaws\.com$/m,
    );
    assert.deepEqual(
      iam.commandCalls(CreateServiceLinkedRoleCommand).map((c) => c.args[0].input),
      [
        { AWSServiceName: "ecs.amazonaws.com" },
        { AWSServiceName: "ecs.application-autoscaling.amazonaws.com" },
      ],
    );
    assert.match(
      run.stdout,
      /1 missing: fix it as shown, then run `npm run infra -- bootstrap --stack prod` again\.\n$/,
    );
  });

  it("a zone that is not delegated: missing, with the name servers to set", async () => {
    const run = await bootstrap("prod", { dnsError: "ENOTFOUND" });
    assert.equal(run.code, 1);
    assert.match(
      run.stdout,
      new RegExp(
        "^missing +hosted zone vitcord\\.com \\(Z0123456789ABCDEFGHIJ\\): not delegated: the NS lookup of vitcord\\.com fails \\(ENOTFOUND\\)\\n" +
          ` +fix: at the registrar of vitcord\\.com \\(or in its parent zone\\), set its name servers to ${ZONE_NS.join(", ").replace(/\./g, "\\.")}$`,
        "m",
      ),
    );
  });

  it("a zone delegated elsewhere: missing, naming what DNS answers", async () => {
    const run = await bootstrap("prod", { ns: ["ns1.old-dns.example", "ns2.old-dns.example"] });
    assert.equal(run.code, 1);
    assert.match(
      run.stdout,
      /not delegated: vitcord\.com resolves to ns1\.old-dns\.example, ns2\.old-dns\.example, not this zone's name servers/,
    );
  });

  it("a zone that does not exist: missing, with the command that creates it", async () => {
    route53.on(ListHostedZonesByNameCommand).resolves({
      HostedZones: [{ Id: "/hostedzone/ZX", Name: "vitcord.net.", CallerReference: "z" }],
    });
    const run = await bootstrap("prod");
    assert.equal(run.code, 1);
    assert.match(
      run.stdout,
      /^missing +hosted zone vitcord\.com: no public Route 53 zone named vitcord\.com \(needed by api\.vitcord\.com, notifications\.vitcord\.com\)\n +fix: aws route53 create-hosted-zone --name vitcord\.com --caller-reference vitcord-vitcord\.com, then delegate/m,
    );
    assert.equal(route53.commandCalls(GetHostedZoneCommand).length, 0);
    assert.deepEqual(run.lookups, []);
  });

  it("prod without its repositories or image: missing, pointing at dev's bootstrap and promote", async () => {
    ecr
      .on(DescribeRepositoriesCommand, { repositoryNames: ["vitcord/notifications"] })
      .rejects(new RepositoryNotFoundException({ message: "no repo", $metadata: {} }));
    ecr
      .on(DescribeImagesCommand, { repositoryName: "vitcord/api" })
      .rejects(new ImageNotFoundException({ message: "no image", $metadata: {} }));
    ecr
      .on(DescribeImagesCommand, { repositoryName: "vitcord/notifications" })
      .rejects(new RepositoryNotFoundException({ message: "no repo", $metadata: {} }));
    const run = await bootstrap("prod");
    assert.equal(run.code, 1);
    assert.match(
      run.stdout,
      /^missing +repository vitcord\/notifications in account 210987654321: .*\n +fix: npm run infra -- bootstrap --stack dev \(with credentials for account 210987654321\)$/m,
    );
    assert.match(
      run.stdout,
      /^missing +image vitcord\/api@sha256:abab.* \(api\): not in account 210987654321: .*\n +fix: promote what dev runs: npm run infra -- promote api --from dev --to prod; /m,
    );
    assert.match(
      run.stdout,
      /^missing +image vitcord\/notifications:1\.0\.0 \(notifications\): its repository does not exist \(see above\)$/m,
    );
    assert.match(run.stdout, /3 missing: fix them as shown/);
  });

  it("dev: creates the repositories with a targeted up of the registry resources only", async () => {
    const stack = new FakeStack("dev");
    stack.events = previewEvents("create");
    ecr
      .on(DescribeImagesCommand)
      .rejects(new ImageNotFoundException({ message: "no", $metadata: {} }));
    const run = await bootstrap("dev", { stack });
    assert.deepEqual(
      stack.calls.map((c) => c.method),
      ["preview", "up"],
    );
    const up = stack.calls[1]!.args[0] as { target: string[]; targetDependents: boolean };
    assert.deepEqual(up.target, REGISTRY_URNS);
    assert.equal(up.targetDependents, false);
    assert.match(
      run.stdout,
      /^created +repositories vitcord\/api, vitcord\/notifications: targeted up of 3 resources$/m,
    );
    // The repository is new and empty: the image is missing, with the push command and release.
    assert.match(
      run.stdout,
      /fix: build and push it: aws ecr get-login-password --region eu-west-1 .*docker push 123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/vitcord\/api:v1\.0\.0; or release a tag that exists: npm run infra -- release api <tag> --stack dev$/m,
    );
    assert.equal(run.code, 1);
  });

  it("dev again: the repositories exist, nothing is deployed (idempotent)", async () => {
    const stack = new FakeStack("dev");
    stack.events = previewEvents("same");
    const run = await bootstrap("dev", { stack });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(
      stack.calls.map((c) => c.method),
      ["preview"],
    );
    assert.match(
      run.stdout,
      /^ok +repositories vitcord\/api, vitcord\/notifications: in stack dev, nothing to create$/m,
    );
    assert.match(run.stdout, /Next: npm run infra -- up --stack dev\n$/);
  });

  it("refuses to create repositories in a protected stack without --yes, and changes nothing", async () => {
    const dir = makeProject({
      "Pulumi.yaml": STACK_FILES["Pulumi.yaml"]!,
      "Pulumi.prod.yaml": PROD.replace(
        / {4}createRepositories: false\n {4}account: "\d+"\n/,
        "    createRepositories: true\n",
      ),
    });
    const stack = new FakeStack("prod");
    stack.events = previewEvents("create").map((e) => e);
    const run = await bootstrap("prod", { stack, projectDir: dir });
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /error: Refusing to create the repositories of the protected stack prod without --yes; nothing was changed\.\n/,
    );
    assert.deepEqual(
      stack.calls.map((c) => c.method),
      ["preview"],
    );
  });

  it("a stack that does not exist yet: one line naming the backend and init", async () => {
    const run = await bootstrap("dev", { existing: false });
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /error: Stack dev does not exist in the backend s3:\/\/vitcord-state .*npm run infra -- init --stack dev/,
    );
  });

  it("is a command of the CLI: `npm run infra -- bootstrap --stack dev`", async () => {
    const stack = new FakeStack("dev");
    stack.events = previewEvents("same");
    const run = await runCli(["bootstrap", "--stack", "dev"], { projectDir: project(), stack });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^ok +service-linked role AWSServiceRoleForECS$/m);
    const help = await runCli(["--help"]);
    assert.match(help.stdout, /^ {2}bootstrap \[options\] +prepare what a first up cannot/m);
  });
});

describe("cli bootstrap: the targets against the real program (mock engine)", function () {
  this.timeout(120_000);

  it("targets every registry resource of dev's program, and nothing they need but the provider", async () => {
    const run = await runProgram("dev");
    const steps = run.resources.map((r) => ({
      op: "create" as const,
      urn: r.urn,
      type: r.type,
      diffs: [],
    }));
    const targets = registryTargets(steps);
    const ecrUrns = run.resources.filter((r) => r.type.startsWith("aws:ecr/")).map((r) => r.urn);
    assert.ok(ecrUrns.length >= 2, "dev creates the shared repositories");
    for (const ecrUrn of ecrUrns) assert.ok(targets.includes(ecrUrn), ecrUrn);
    const targeted = run.resources.filter((r) => targets.includes(r.urn));
    assert.deepEqual([...new Set(targeted.map((r) => r.type))].sort(), [
      "aws:ecr/lifecyclePolicy:LifecyclePolicy",
      "aws:ecr/repository:Repository",
      "vitcord:registry:SharedRepositories",
    ]);
    // A targeted up creates only its targets (and providers): nothing else may be needed.
    for (const resource of targeted) {
      for (const dependency of resource.dependencies ?? []) {
        assert.ok(
          targets.includes(dependency) || dependency.includes("::pulumi:providers:"),
          `${resource.urn} depends on untargeted ${dependency}`,
        );
      }
      if (resource.parentUrn !== undefined && !resource.parentUrn.includes("pulumi:pulumi:Stack")) {
        assert.ok(targets.includes(resource.parentUrn), `${resource.urn}'s parent is targeted`);
      }
    }
  });
});
