// config, config:set and config:unset against mocked SDK v3 clients (SSM, ECS), and the pure
// rules behind them (cli/config-vars.ts, cli/task-revision.ts).
import * as assert from "node:assert/strict";
import { partitionOf } from "../components/config/regions";
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  TaskDefinition,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import {
  DeleteParametersCommand,
  GetParametersByPathCommand,
  Parameter,
  PutParameterCommand,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { configLines, parameterArn, parseAssignments, redact } from "../cli/config-vars";
import { registerInputOf, withConfigSecrets } from "../cli/task-revision";
import { runCli } from "./cli-context";
import { ACCOUNT, CLUSTER, devManifest, publishManifest, workloadEntry } from "./ops-fixtures";

const PATH = "/vitcord/dev/config/api";
const SERVICE = "api-service-5e6f7a8";
const TD = (revision: number) =>
  `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/dev-api:${revision}`;
const ARN = (name: string) => `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter${PATH}/${name}`;
const KMS = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const SECRET_VALUE = "sk_live_do_not_print_me";

const param = (name: string, value: string, type: "String" | "SecureString" = "String") =>
  ({ Name: `${PATH}/${name}`, Value: value, Type: type }) satisfies Parameter;

/** The running revision as DescribeTaskDefinition returns it, read-only fields included. */
function describedRevision(secrets: { name: string; valueFrom: string }[]): TaskDefinition {
  return {
    taskDefinitionArn: TD(3),
    family: "dev-api",
    revision: 3,
    status: "ACTIVE",
    taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/dev-api-task`,
    executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/dev-api-execution`,
    networkMode: "awsvpc",
    containerDefinitions: [
      {
        name: "api",
        image: `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/vitcord/api@sha256:abc`,
        essential: true,
        environment: [{ name: "RAILS_ENV", value: "production" }],
        secrets,
      },
    ],
    requiresAttributes: [{ name: "com.amazonaws.ecs.capability.task-iam-role" }],
    compatibilities: ["EC2"],
    requiresCompatibilities: ["EC2"],
    cpu: "256",
    memory: "512",
    registeredAt: new Date("2026-01-01T10:00:00Z"),
    registeredBy: `arn:aws:iam::${ACCOUNT}:role/deployer`,
  };
}

/** What RegisterTaskDefinition must get: the described revision without its read-only fields. */
function registered(secrets: { name: string; valueFrom: string }[]) {
  return {
    family: "dev-api",
    taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/dev-api-task`,
    executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/dev-api-execution`,
    networkMode: "awsvpc",
    containerDefinitions: [
      {
        name: "api",
        image: `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/vitcord/api@sha256:abc`,
        essential: true,
        environment: [{ name: "RAILS_ENV", value: "production" }],
        secrets,
      },
    ],
    requiresCompatibilities: ["EC2"],
    cpu: "256",
    memory: "512",
    tags: [{ key: "vitcord:stack", value: "dev" }],
  };
}

describe("infra CLI: config vars", () => {
  const sts = mockClient(STSClient);
  const ssm = mockClient(SSMClient);
  const ecs = mockClient(ECSClient);

  /** The service runs revision 3 (with `secrets`); a new deployment of `next` completes. */
  function service(
    secrets: { name: string; valueFrom: string }[],
    next = 3,
    rollout: "COMPLETED" | "FAILED" = "COMPLETED",
  ) {
    ecs
      .on(DescribeServicesCommand)
      .resolvesOnce({ services: [{ deployments: [{ status: "PRIMARY", taskDefinition: TD(3) }] }] })
      .resolves({
        services: [
          {
            deployments: [
              {
                id: "ecs-svc/2",
                status: "PRIMARY",
                taskDefinition: TD(next),
                rolloutState: rollout,
                ...(rollout === "FAILED"
                  ? { rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start." }
                  : {}),
              },
            ],
          },
        ],
      });
    ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: describedRevision(secrets),
      tags: [{ key: "vitcord:stack", value: "dev" }],
    });
    ecs
      .on(RegisterTaskDefinitionCommand)
      .resolves({ taskDefinition: { taskDefinitionArn: TD(4) } });
    ecs.on(UpdateServiceCommand).resolves({
      service: { deployments: [{ id: "ecs-svc/2", status: "PRIMARY", taskDefinition: TD(next) }] },
    });
    ecs.on(ListTasksCommand).resolves({ taskArns: [] });
  }

  beforeEach(() => {
    sts.reset();
    ssm.reset();
    ecs.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Arn: `arn:aws:iam::${ACCOUNT}:user/dev` });
    publishManifest(ssm);
  });
  after(() => {
    sts.restore();
    ssm.restore();
    ecs.restore();
  });

  const listed = (params: Parameter[]) =>
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: params });
  const noChange = () => {
    assert.equal(ssm.commandCalls(PutParameterCommand).length, 0);
    assert.equal(ssm.commandCalls(DeleteParametersCommand).length, 0);
    assert.equal(ecs.commandCalls(RegisterTaskDefinitionCommand).length, 0);
    assert.equal(ecs.commandCalls(UpdateServiceCommand).length, 0);
  };

  describe("config", () => {
    it("prints NAME=value sorted from every page, secrets masked, and the stack file's names", async () => {
      publishManifest(
        ssm,
        devManifest({
          api: workloadEntry("api", "service", { reservedVariables: ["DATABASE_URL", "APP_HOST"] }),
        }),
      );
      ssm
        .on(GetParametersByPathCommand)
        .resolvesOnce({
          Parameters: [
            param("ZEBRA", "1"),
            param("STRIPE_KEY", "AQICAHh-ciphertext", "SecureString"),
          ],
          NextToken: "page-2",
        })
        .resolves({ Parameters: [param("DATABASE_POOL", "10")] });
      const run = await runCli(["config", "api", "--stack", "dev"]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, "DATABASE_POOL=10\nSTRIPE_KEY=********\nZEBRA=1\n");
      assert.equal(
        run.stderr,
        "Secret values are shown as ********: add --reveal to show them.\n" +
          "Also set by Pulumi.dev.yaml (not config vars; names only): APP_HOST, DATABASE_URL.\n",
      );
      assert.deepEqual(
        ssm.commandCalls(GetParametersByPathCommand).map((c) => c.args[0].input),
        [
          { Path: PATH, Recursive: false, WithDecryption: false },
          { Path: PATH, Recursive: false, WithDecryption: false, NextToken: "page-2" },
        ],
      );
      assert.ok(!run.stdout.includes("ciphertext"));
    });

    it("--reveal decrypts and shows secret values", async () => {
      listed([param("STRIPE_KEY", SECRET_VALUE, "SecureString")]);
      const run = await runCli(["config", "api", "--reveal", "--stack", "dev"]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, `STRIPE_KEY=${SECRET_VALUE}\n`);
      assert.deepEqual(ssm.commandCalls(GetParametersByPathCommand)[0]?.args[0].input, {
        Path: PATH,
        Recursive: false,
        WithDecryption: true,
      });
    });

    it("--json lists each var with its kind, masked", async () => {
      listed([param("STRIPE_KEY", "cipher", "SecureString"), param("A", "1")]);
      const run = await runCli(["config", "jobs", "--json", "--stack", "dev"]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout), {
        stack: "dev",
        workload: "jobs",
        path: "/vitcord/dev/config/jobs",
        vars: [
          { name: "A", secret: false, value: "1" },
          { name: "STRIPE_KEY", secret: true, value: "********" },
        ],
        stackFileVariables: ["QUEUE_URL"],
      });
    });

    it("no parameters: says so and how to set one", async () => {
      listed([]);
      const run = await runCli(["config", "api", "--stack", "dev"]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(
        run.stdout,
        "api has no config vars in stack dev (no parameters under /vitcord/dev/config/api). " +
          "Set one with: npm run infra -- config:set api NAME=value --stack dev\n",
      );
    });

    it("an unknown workload lists the configured ones before any AWS call", async () => {
      const run = await runCli(["config", "web", "--stack", "dev"]);
      assert.equal(run.code, 1);
      assert.equal(
        run.stderr,
        'error: Unknown service or worker "web" in stack dev. Configured: api, notifications, jobs (worker).\n',
      );
      assert.equal(sts.commandCalls(GetCallerIdentityCommand).length, 0);
    });

    it("a refused read names the action and the path", async () => {
      const denied = Object.assign(
        new Error("User is not authorized to perform ssm:GetParametersByPath"),
        {
          name: "AccessDeniedException",
        },
      );
      ssm.on(GetParametersByPathCommand).rejects(denied);
      const run = await runCli(["config", "api", "--stack", "dev"]);
      assert.equal(run.code, 1);
      assert.equal(
        run.stderr,
        "error: Not allowed to ssm:GetParametersByPath on /vitcord/dev/config/api: use a role with the " +
          "deployer's or operator's policy in docs/iam/. AWS said: User is not authorized to perform ssm:GetParametersByPath\n",
      );
    });
  });

  describe("config:set", () => {
    it("a new name: PutParameter, a revision with its secret (sorted), deployed and verified", async () => {
      listed([param("A_EXISTING", "x")]);
      service(
        [
          { name: "A_EXISTING", valueFrom: ARN("A_EXISTING") },
          { name: "ZED", valueFrom: ARN("ZED") },
        ],
        4,
      );
      const run = await runCli([
        "config:set",
        "api",
        `STRIPE_KEY=${SECRET_VALUE}`,
        "--stack",
        "dev",
      ]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(ssm.commandCalls(PutParameterCommand)[0]?.args[0].input, {
        Name: `${PATH}/STRIPE_KEY`,
        Value: SECRET_VALUE,
        Type: "String",
        KeyId: undefined,
        Overwrite: true,
        Tier: "Standard",
      });
      assert.deepEqual(ecs.commandCalls(DescribeServicesCommand)[0]?.args[0].input, {
        cluster: CLUSTER,
        services: [SERVICE],
      });
      assert.deepEqual(ecs.commandCalls(DescribeTaskDefinitionCommand)[0]?.args[0].input, {
        taskDefinition: TD(3),
        include: ["TAGS"],
      });
      assert.deepEqual(
        ecs.commandCalls(RegisterTaskDefinitionCommand)[0]?.args[0].input,
        registered([
          { name: "A_EXISTING", valueFrom: ARN("A_EXISTING") },
          { name: "STRIPE_KEY", valueFrom: ARN("STRIPE_KEY") },
          { name: "ZED", valueFrom: ARN("ZED") },
        ]),
      );
      assert.deepEqual(ecs.commandCalls(UpdateServiceCommand)[0]?.args[0].input, {
        cluster: CLUSTER,
        service: SERVICE,
        forceNewDeployment: true,
        taskDefinition: TD(4),
      });
      assert.equal(
        run.stdout,
        "Set STRIPE_KEY on api in stack dev: it runs dev-api:4 with them (deployment ecs-svc/2, verified).\n",
      );
      assert.ok(!`${run.stdout}${run.stderr}`.includes(SECRET_VALUE));
    });

    it("names the running revision references: --secret with the workload's KMS key, a plain new deployment", async () => {
      publishManifest(
        ssm,
        devManifest({ api: workloadEntry("api", "service", { configKmsKeyArn: KMS }) }),
      );
      listed([
        param("STRIPE_KEY", "cipher", "SecureString"),
        param("PUSHER_SECRET", "c", "SecureString"),
      ]);
      service([
        { name: "PUSHER_SECRET", valueFrom: ARN("PUSHER_SECRET") },
        { name: "STRIPE_KEY", valueFrom: ARN("STRIPE_KEY") },
      ]);
      const run = await runCli([
        "config:set",
        "api",
        `STRIPE_KEY=${SECRET_VALUE}`,
        "PUSHER_SECRET=a=b=c",
        "--secret",
        "--stack",
        "dev",
      ]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(
        ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input),
        [
          {
            Name: `${PATH}/STRIPE_KEY`,
            Value: SECRET_VALUE,
            Type: "SecureString",
            KeyId: KMS,
            Overwrite: true,
            Tier: "Standard",
          },
          {
            Name: `${PATH}/PUSHER_SECRET`,
            Value: "a=b=c",
            Type: "SecureString",
            KeyId: KMS,
            Overwrite: true,
            Tier: "Standard",
          },
        ],
      );
      assert.equal(ecs.commandCalls(RegisterTaskDefinitionCommand).length, 0);
      assert.deepEqual(ecs.commandCalls(UpdateServiceCommand)[0]?.args[0].input, {
        cluster: CLUSTER,
        service: SERVICE,
        forceNewDeployment: true,
      });
      assert.equal(
        run.stdout,
        "Set STRIPE_KEY, PUSHER_SECRET (secret) on api in stack dev: it runs dev-api:3 with them (deployment ecs-svc/2, verified).\n",
      );
      assert.ok(!`${run.stdout}${run.stderr}`.includes(SECRET_VALUE));
    });

    it("--secret without a configured key leaves KeyId out (the AWS managed key)", async () => {
      listed([]);
      service([], 4);
      const run = await runCli(["config:set", "api", "TOKEN=t0k", "--secret", "--stack", "dev"]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(ssm.commandCalls(PutParameterCommand)[0]?.args[0].input.KeyId, undefined);
      assert.equal(ssm.commandCalls(PutParameterCommand)[0]?.args[0].input.Type, "SecureString");
    });

    it("a failed rollout exits non-zero with the report, the values kept and never printed", async () => {
      listed([]);
      service([], 4, "FAILED");
      const run = await runCli([
        "config:set",
        "api",
        `STRIPE_KEY=${SECRET_VALUE}`,
        "--stack",
        "dev",
      ]);
      assert.equal(run.code, 1);
      assert.match(
        run.stderr,
        /did not complete:\nservice api \(ECS service api-service-5e6f7a8\): ECS deployment circuit breaker/,
      );
      assert.match(
        run.stderr,
        /The new values of STRIPE_KEY stay in SSM, and tasks started from now on read them: set the previous values again or config:unset STRIPE_KEY\.\n$/,
      );
      assert.equal(run.stdout, "");
      assert.ok(!run.stderr.includes(SECRET_VALUE));
    });

    it("an SSM failure that echoes the value is redacted, and nothing is deployed", async () => {
      listed([]);
      service([], 4);
      ssm.on(PutParameterCommand).rejects(
        Object.assign(new Error(`Value ${SECRET_VALUE} failed to satisfy constraint`), {
          name: "ValidationException",
        }),
      );
      const run = await runCli([
        "config:set",
        "api",
        `STRIPE_KEY=${SECRET_VALUE}`,
        "--stack",
        "dev",
      ]);
      assert.equal(run.code, 1);
      assert.equal(
        run.stderr,
        `error: ssm:PutParameter on ${PATH}/STRIPE_KEY failed: ValidationException: Value ******** failed to satisfy constraint\nnothing was deployed.\n`,
      );
      assert.equal(ecs.commandCalls(UpdateServiceCommand).length, 0);
    });

    const refused: [string, string[], string][] = [
      [
        "an argument without =",
        ["config:set", "api", "A=1", SECRET_VALUE],
        'config:set takes KEY=VALUE pairs, and argument 2 has no "=" (e.g. DATABASE_POOL=10).',
      ],
      [
        "a bad name",
        ["config:set", "api", "1A=x"],
        '"1A" is not a valid config var name: letters, digits and underscores, not starting with a digit (e.g. DATABASE_POOL=10).',
      ],
      [
        "a name with a dash",
        ["config:set", "api", "MY-VAR=x"],
        '"MY-VAR" is not a valid config var name: letters, digits and underscores, not starting with a digit (e.g. DATABASE_POOL=10).',
      ],
      [
        "AWS credentials",
        ["config:set", "api", "aws_access_key_id=AKIA"],
        "aws_access_key_id: AWS credentials must not be config vars (ECS.8); the task role provides AWS access.",
      ],
      [
        "a duplicate",
        ["config:set", "api", "A=1", "A=2"],
        "A is given twice: give each name once.",
      ],
      [
        "an empty value",
        ["config:set", "api", "A="],
        "A has an empty value: Parameter Store cannot store one; remove the var with config:unset A.",
      ],
      [
        "a value over 4 KB",
        ["config:set", "api", `A=${"é".repeat(2049)}`],
        "A's value is 4098 bytes: a Standard-tier SSM parameter holds at most 4096 bytes (4 KB).",
      ],
    ];
    for (const [what, argv, message] of refused) {
      it(`refuses ${what} before any AWS call`, async () => {
        const run = await runCli([...argv, "--stack", "dev"]);
        assert.equal(run.code, 1);
        assert.equal(run.stderr, `error: ${message}\n`);
        assert.equal(sts.commandCalls(GetCallerIdentityCommand).length, 0);
        assert.ok(!run.stderr.includes(SECRET_VALUE));
        noChange();
      });
    }

    it("accepts a value of exactly 4096 bytes", () => {
      assert.deepEqual(parseAssignments([`A=${"x".repeat(4096)}`])[0]?.value.length, 4096);
    });

    const refusedLater: [string, () => void, string[], string][] = [
      [
        "a name the stack file sets",
        () => listed([]),
        ["config:set", "jobs", "QUEUE_URL=x"],
        "QUEUE_URL is already set for jobs by Pulumi.dev.yaml or the program (its environment, secrets, uses or queue URL): change it there, or pick another name.",
      ],
      [
        "a plain value for a secret var",
        () => listed([param("STRIPE_KEY", "c", "SecureString")]),
        ["config:set", "api", "STRIPE_KEY=x"],
        "STRIPE_KEY is a secret config var of api: set it again with --secret (Parameter Store cannot turn a SecureString into a String; config:unset STRIPE_KEY first to store it in clear).",
      ],
      [
        "--secret for a plain var",
        () => listed([param("POOL", "5")]),
        ["config:set", "api", "POOL=x", "--secret"],
        "POOL is a plain config var of api: Parameter Store cannot turn a String into a SecureString; config:unset POOL first, then config:set --secret it.",
      ],
      [
        "a name the container sets in its environment",
        () => {
          listed([]);
          service([]);
        },
        ["config:set", "api", "RAILS_ENV=x"],
        "Container api already sets RAILS_ENV in its environment: the stack file owns that name; change it there or pick another name.",
      ],
    ];
    for (const [what, setUp, argv, message] of refusedLater) {
      it(`refuses ${what}, changing nothing`, async () => {
        setUp();
        const run = await runCli([...argv, "--stack", "dev"]);
        assert.equal(run.code, 1);
        assert.equal(run.stderr, `error: ${message}\n`);
        noChange();
      });
    }
  });

  describe("config:unset", () => {
    it("deploys a revision without them, then deletes them once the rollout completed", async () => {
      listed([param("A", "1"), param("B", "2"), param("C", "3")]);
      service(
        [
          { name: "A", valueFrom: ARN("A") },
          { name: "B", valueFrom: ARN("B") },
          { name: "C", valueFrom: ARN("C") },
        ],
        4,
      );
      ssm.on(DeleteParametersCommand).callsFake(() => {
        // The rollout is verified first: the DescribeServices after UpdateService came before.
        assert.equal(ecs.commandCalls(DescribeServicesCommand).length, 2);
        return { DeletedParameters: [`${PATH}/C`, `${PATH}/A`], InvalidParameters: [] };
      });
      const run = await runCli(["config:unset", "api", "C", "A", "--stack", "dev"]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(
        ecs.commandCalls(RegisterTaskDefinitionCommand)[0]?.args[0].input,
        registered([{ name: "B", valueFrom: ARN("B") }]),
      );
      assert.deepEqual(ecs.commandCalls(UpdateServiceCommand)[0]?.args[0].input, {
        cluster: CLUSTER,
        service: SERVICE,
        forceNewDeployment: true,
        taskDefinition: TD(4),
      });
      assert.deepEqual(ssm.commandCalls(DeleteParametersCommand)[0]?.args[0].input, {
        Names: [`${PATH}/C`, `${PATH}/A`],
      });
      assert.equal(
        run.stdout,
        "Removed C, A from api in stack dev: it runs dev-api:4 without them (deployment ecs-svc/2, verified).\n",
      );
    });

    it("a failed rollout deletes nothing and exits non-zero", async () => {
      listed([param("A", "1")]);
      service([{ name: "A", valueFrom: ARN("A") }], 4, "FAILED");
      const run = await runCli(["config:unset", "api", "A", "--stack", "dev"]);
      assert.equal(run.code, 1);
      assert.match(
        run.stderr,
        /\nNothing was deleted: A stay in SSM for the tasks that still reference them\.\n$/,
      );
      assert.equal(ssm.commandCalls(DeleteParametersCommand).length, 0);
    });

    it("vars the running revision does not reference are deleted without a deploy", async () => {
      listed([param("A", "1")]);
      service([]);
      ssm.on(DeleteParametersCommand).resolves({ DeletedParameters: [`${PATH}/A`] });
      const run = await runCli(["config:unset", "api", "A", "--stack", "dev"]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(ecs.commandCalls(RegisterTaskDefinitionCommand).length, 0);
      assert.equal(ecs.commandCalls(UpdateServiceCommand).length, 0);
      assert.equal(
        run.stdout,
        "Removed A from api in stack dev: the running revision dev-api:3 did not reference them, so nothing was deployed.\n",
      );
    });

    it("a name that is not a config var lists the existing ones, changing nothing", async () => {
      listed([param("B", "2"), param("A", "1")]);
      const run = await runCli(["config:unset", "api", "A", "NOPE", "--stack", "dev"]);
      assert.equal(run.code, 1);
      assert.equal(
        run.stderr,
        "error: api has no config var NOPE in stack dev; its config vars: A, B.\n",
      );
      noChange();
    });

    it("with no config vars at all, says (none)", async () => {
      listed([]);
      const run = await runCli(["config:unset", "api", "A", "--stack", "dev"]);
      assert.equal(
        run.stderr,
        "error: api has no config var A in stack dev; its config vars: (none).\n",
      );
    });

    it("a parameter SSM did not delete is an error", async () => {
      listed([param("A", "1")]);
      service([]);
      ssm.on(DeleteParametersCommand).resolves({ InvalidParameters: [`${PATH}/A`] });
      const run = await runCli(["config:unset", "api", "A", "--stack", "dev"]);
      assert.equal(run.code, 1);
      assert.equal(
        run.stderr,
        `error: SSM did not delete ${PATH}/A (the running revision dev-api:3 did not reference them, so nothing was deployed); run config:unset again.\n`,
      );
    });

    it("refuses a bad or repeated name before any AWS call", async () => {
      let run = await runCli(["config:unset", "api", "A", "A", "--stack", "dev"]);
      assert.equal(run.stderr, "error: A is given twice: give each name once.\n");
      run = await runCli(["config:unset", "api", "a.b", "--stack", "dev"]);
      assert.equal(
        run.stderr,
        'error: "a.b" is not a valid config var name: letters, digits and underscores, not starting with a digit.\n',
      );
      assert.equal(sts.commandCalls(GetCallerIdentityCommand).length, 0);
    });
  });
});

describe("config vars: pure rules", () => {
  it("parses KEY=VALUE at the first =", () => {
    assert.deepEqual(parseAssignments(["URL=postgres://u:p@h/db?a=b"]), [
      { name: "URL", value: "postgres://u:p@h/db?a=b" },
    ]);
  });

  it("ARNs in the region's partition", () => {
    assert.equal(partitionOf("eu-west-1"), "aws");
    assert.equal(partitionOf("cn-north-1"), "aws-cn");
    assert.equal(partitionOf("us-gov-west-1"), "aws-us-gov");
    assert.equal(
      parameterArn("cn-north-1", ACCOUNT, "/vitcord/dev/config/api/A"),
      `arn:aws-cn:ssm:cn-north-1:${ACCOUNT}:parameter/vitcord/dev/config/api/A`,
    );
  });

  it("masks only SecureString values unless revealed", () => {
    const vars = [
      { name: "B", type: "SecureString" as const, value: "s" },
      { name: "A", type: "String" as const, value: "p" },
    ];
    assert.deepEqual(configLines(vars, false), ["A=p", "B=********"]);
    assert.deepEqual(configLines(vars, true), ["A=p", "B=s"]);
  });

  it("redacts every occurrence of every value", () => {
    assert.equal(redact("x sec y sec z", ["sec", ""]), "x ******** y ******** z");
  });

  it("registerInputOf keeps the registrable fields and the tags, not the read-only ones", () => {
    const input = registerInputOf(describedRevision([]), [{ key: "k", value: "v" }]);
    for (const field of [
      "taskDefinitionArn",
      "revision",
      "status",
      "requiresAttributes",
      "compatibilities",
      "registeredAt",
      "registeredBy",
    ]) {
      assert.ok(!(field in input), field);
    }
    assert.deepEqual(input.tags, [{ key: "k", value: "v" }]);
    assert.ok(!("tags" in registerInputOf(describedRevision([]), [])));
  });

  it("withConfigSecrets adds, replaces and removes by name, sorted", () => {
    const container = {
      name: "api",
      secrets: [
        { name: "Z", valueFrom: ARN("Z") },
        { name: "B", valueFrom: ARN("B") },
      ],
    };
    assert.deepEqual(
      withConfigSecrets(container, [{ name: "A", valueFrom: ARN("A") }], ["Z"]).secrets,
      [
        { name: "A", valueFrom: ARN("A") },
        { name: "B", valueFrom: ARN("B") },
      ],
    );
    assert.throws(
      () =>
        withConfigSecrets(container, [
          { name: "B", valueFrom: "arn:aws:secretsmanager:eu-west-1:1:secret:x" },
        ]),
      {
        message: `Container api already sets B in its secrets (from ${ARN("B")}): the stack file owns that name; change it there or pick another name.`,
      },
    );
  });
});
