// The operations manifest (components/operations-manifest.ts) and config vars
// (components/config-vars.ts): the pure pieces without mocks, then the manifest each stack
// publishes checked against the synthesized program.
import * as assert from "node:assert/strict";
import type { ContainerDefinition } from "@aws-sdk/client-ecs";
import {
  configVarSecrets,
  configVarsResource,
  configVarStatements,
  reservedVariableSources,
} from "../components/config-vars";
import { readStackConfig } from "../components/config/stack-files";
import {
  logGroupArnWithoutSuffix,
  parameterTier,
  validManifest,
  WorkloadFacts,
  workloadManifest,
} from "../components/operations-manifest";
import type { OpsManifest } from "../components/ops-manifest";
import { STAND_IN_ACCOUNT_ID } from "../plan/engine/stand-ins";
import { ProgramRun, RecordedResource, runProgram } from "./harness";
import { devManifest } from "./ops-fixtures";
import { devWithConfigVarsAndWorkerExec, publishedManifest } from "./ops-program";

const PARAMETER = "aws:ssm/parameter:Parameter";
const ECS_SERVICE = "aws:ecs/service:Service";
const TASK_DEF = "aws:ecs/taskDefinition:TaskDefinition";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";

/** The RunError a function throws, by message. */
function thrown(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected an error");
}

describe("operations manifest: pure parts", () => {
  it("picks the free Standard tier up to 4096 bytes, Advanced up to 8192, counting bytes", () => {
    const name = "/vitcord/dev/ops/workloads/api";
    assert.equal(parameterTier(name, "x".repeat(4096)), "Standard");
    assert.equal(parameterTier(name, "x".repeat(4097)), "Advanced");
    // 2 bytes each in UTF-8: 4098 bytes in 2049 characters.
    assert.equal(parameterTier(name, "é".repeat(2049)), "Advanced");
    assert.equal(parameterTier(name, "x".repeat(8192)), "Advanced");
    assert.equal(
      thrown(() => parameterTier(name, "x".repeat(8193))),
      "The operations manifest parameter /vitcord/dev/ops/workloads/api is 8193 bytes; an SSM " +
        "parameter holds at most 8192 (Advanced tier).",
    );
  });

  it("drops the `:*` of a log group ARN and leaves a bare one alone", () => {
    const arn = "arn:aws:logs:us-east-1:123456789012:log-group:/vitcord/dev/api";
    assert.equal(logGroupArnWithoutSuffix(`${arn}:*`), arn);
    assert.equal(logGroupArnWithoutSuffix(arn), arn);
  });

  it("builds a workload entry: config path, reserved names sorted once, absent fields left out", () => {
    const facts: WorkloadFacts = {
      kind: "worker",
      serviceName: "jobs-service-1",
      taskDefinitionFamily: "dev-jobs",
      taskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/dev-jobs:4",
      containerName: "jobs",
      logGroupName: "/vitcord/dev/jobs",
      logGroupArn: "arn:aws:logs:us-east-1:123456789012:log-group:/vitcord/dev/jobs:*",
      logStreamPrefix: "jobs",
      securityGroupIds: ["sg-jobs", "sg-client"],
      subnetIds: ["subnet-a"],
      capacityProviderStrategy: [{ capacityProvider: "FARGATE_SPOT", base: 0, weight: 1 }],
      execEnabled: false,
      reservedVariables: ["SQS_QUEUE_URL", "DATABASE_URL", "SQS_QUEUE_URL"],
      queueUrl: undefined,
    };
    assert.deepEqual(workloadManifest("dev", "jobs", facts), {
      kind: "worker",
      serviceName: "jobs-service-1",
      taskDefinitionFamily: "dev-jobs",
      taskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/dev-jobs:4",
      containerName: "jobs",
      logGroupName: "/vitcord/dev/jobs",
      logGroupArn: "arn:aws:logs:us-east-1:123456789012:log-group:/vitcord/dev/jobs",
      logStreamPrefix: "jobs",
      securityGroupIds: ["sg-jobs", "sg-client"],
      subnetIds: ["subnet-a"],
      capacityProviderStrategy: [{ capacityProvider: "FARGATE_SPOT", base: 0, weight: 1 }],
      execEnabled: false,
      configPath: "/vitcord/dev/config/jobs",
      reservedVariables: ["DATABASE_URL", "SQS_QUEUE_URL"],
    });
  });

  it("validates the manifest it publishes and names each wrong field", () => {
    const good = devManifest();
    assert.deepEqual(validManifest(good), good);
    assert.equal(
      thrown(() => validManifest({ ...good, account: "12345", privateSubnetIds: [] })),
      "The operations manifest the program built is invalid (a bug in the program, not in the " +
        "stack file): account: Invalid string: must match pattern /^\\d{12}$/; " +
        "privateSubnetIds: Too small: expected array to have >=1 items",
    );
  });
});

describe("config vars: pure parts", () => {
  const reserved = reservedVariableSources({
    stack: "dev",
    stackFileKey: "workers.jobs",
    environment: ["RAILS_ENV"],
    secrets: ["STRIPE_KEY"],
    deployTime: ["SQS_QUEUE_URL"],
    grants: [{ store: "main", names: ["DATABASE_HOST", "DATABASE_PASSWORD"] }],
  });
  const path = "/vitcord/dev/config/jobs";
  const arn = (name: string) => `arn:aws:ssm:us-east-1:123456789012:parameter${path}/${name}`;

  it("knows where each variable the task already gets is set", () => {
    assert.deepEqual(Object.fromEntries(reserved), {
      RAILS_ENV: "workers.jobs.environment.RAILS_ENV in Pulumi.dev.yaml",
      STRIPE_KEY: "workers.jobs.secrets.STRIPE_KEY in Pulumi.dev.yaml",
      SQS_QUEUE_URL: "the program (a queue URL, from the queue settings in Pulumi.dev.yaml)",
      DATABASE_HOST: "the main store in workers.jobs.uses (Pulumi.dev.yaml)",
      DATABASE_PASSWORD: "the main store in workers.jobs.uses (Pulumi.dev.yaml)",
    });
  });

  it("references each parameter by ARN under its last path segment", () => {
    const names = [`${path}/WORKER_MODE`, `${path}/_PRIVATE`];
    assert.deepEqual(
      configVarSecrets(
        "dev",
        "jobs",
        { names, arns: names.map((n) => arn(n.split("/").pop()!)) },
        reserved,
      ),
      { WORKER_MODE: arn("WORKER_MODE"), _PRIVATE: arn("_PRIVATE") },
    );
    assert.deepEqual(configVarSecrets("dev", "jobs", { names: [], arns: [] }, reserved), {});
  });

  it("fails on a name the stack file, the program or a data store already sets", () => {
    assert.equal(
      thrown(() =>
        configVarSecrets(
          "dev",
          "jobs",
          { names: [`${path}/RAILS_ENV`], arns: [arn("RAILS_ENV")] },
          reserved,
        ),
      ),
      "Config vars of jobs: SSM parameter /vitcord/dev/config/jobs/RAILS_ENV sets RAILS_ENV, " +
        "which workers.jobs.environment.RAILS_ENV in Pulumi.dev.yaml already sets: a variable " +
        "has one source. Remove the config var with " +
        "`npm run infra -- config:unset jobs RAILS_ENV --stack dev`, or the stack file's key.",
    );
    assert.equal(
      thrown(() =>
        configVarSecrets(
          "dev",
          "jobs",
          { names: [`${path}/SQS_QUEUE_URL`], arns: [arn("SQS_QUEUE_URL")] },
          reserved,
        ),
      ),
      "Config vars of jobs: SSM parameter /vitcord/dev/config/jobs/SQS_QUEUE_URL sets " +
        "SQS_QUEUE_URL, which the program (a queue URL, from the queue settings in " +
        "Pulumi.dev.yaml) already sets: a variable has one source. Remove the config var with " +
        "`npm run infra -- config:unset jobs SQS_QUEUE_URL --stack dev`, or the stack file's key.",
    );
  });

  it("fails on a parameter that is not a variable name, listing every problem at once", () => {
    const names = [`${path}/feature-flag`, `${path}/DATABASE_HOST`, `${path}/OK`];
    assert.equal(
      thrown(() =>
        configVarSecrets("dev", "jobs", { names, arns: names.map((n) => `arn:${n}`) }, reserved),
      ),
      "Config vars of jobs: SSM parameter /vitcord/dev/config/jobs/feature-flag: " +
        '"feature-flag" is not a variable name (letters, digits and _, not starting with a ' +
        "digit); delete it with `aws ssm delete-parameter --name " +
        "/vitcord/dev/config/jobs/feature-flag`.\n" +
        "SSM parameter /vitcord/dev/config/jobs/DATABASE_HOST sets DATABASE_HOST, which the " +
        "main store in workers.jobs.uses (Pulumi.dev.yaml) already sets: a variable has one " +
        "source. Remove the config var with " +
        "`npm run infra -- config:unset jobs DATABASE_HOST --stack dev`, or the stack file's key.",
    );
  });

  it("lets the execution role read exactly the workload's path, and decrypt with its own key", () => {
    const resource = configVarsResource("aws-cn", "cn-north-1", "123456789012", "prod", "api");
    assert.equal(
      resource,
      "arn:aws-cn:ssm:cn-north-1:123456789012:parameter/vitcord/prod/config/api/*",
    );
    assert.deepEqual(configVarStatements(resource), [
      { Sid: "ReadConfigVars", Effect: "Allow", Action: "ssm:GetParameters", Resource: resource },
    ]);
    const key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    assert.deepEqual(configVarStatements(resource, key)[1], {
      Sid: "DecryptConfigVars",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: key,
    });
  });
});

/** The workloads a stack file configures, by name and kind. */
function configuredWorkloads(stack: string): Record<string, "service" | "worker"> {
  const config = readStackConfig(stack);
  const names = (key: string) =>
    Object.keys(JSON.parse(config[`vitcord-infra:${key}`] ?? "{}") as object);
  return Object.fromEntries<"service" | "worker">([
    ...names("services").map((name) => [name, "service"] as const),
    ...names("workers").map((name) => [name, "worker"] as const),
  ]);
}

function statements(
  policy: RecordedResource,
): { Sid?: string; Action: unknown; Resource: unknown }[] {
  return (JSON.parse(policy.inputs.policy as string) as { Statement: [] }).Statement;
}

function containerOf(definition: RecordedResource): ContainerDefinition {
  return (
    JSON.parse(definition.inputs.containerDefinitions as string) as ContainerDefinition[]
  )[0]!;
}

for (const stack of ["dev", "prod"]) {
  describe(`operations manifest of the ${stack} stack (under mocks)`, () => {
    let run: ProgramRun;
    let manifest: OpsManifest;
    before(async () => {
      run = await runProgram(stack);
      manifest = publishedManifest(run, stack);
    });

    it("declares /vitcord/<stack>/ops and one parameter per workload, String, free tier", () => {
      const parameters = run.ofType(PARAMETER).filter((p) => p.parent?.name === "ops");
      assert.deepEqual(
        parameters.map((p) => p.inputs.name),
        [
          `/vitcord/${stack}/ops`,
          ...Object.keys(configuredWorkloads(stack))
            .sort()
            .map((w) => `/vitcord/${stack}/ops/workloads/${w}`),
        ],
      );
      for (const parameter of parameters) {
        assert.equal(parameter.inputs.type, "String");
        assert.equal(parameter.inputs.tier, "Standard");
        assert.deepEqual(parameter.parent, { type: "vitcord:ops:OperationsManifest", name: "ops" });
        assert.equal(parameter.deleteBeforeReplace, true);
        assert.equal(parameter.inputs.value, undefined, "the manifest holds no secret");
      }
    });

    it("names the stack, its region, account and cluster as the program declared them", () => {
      const config = readStackConfig(stack);
      assert.equal(manifest.stack, stack);
      assert.equal(manifest.environment, config["vitcord-infra:environment"]);
      assert.equal(manifest.region, config["aws:region"]);
      assert.equal(manifest.account, STAND_IN_ACCOUNT_ID);
      const cluster = run.one("aws:ecs/cluster:Cluster");
      assert.equal(manifest.cluster.name, cluster.state.name);
      assert.equal(manifest.cluster.arn, cluster.state.arn);
      assert.equal(
        manifest.cluster.capacityProviderName,
        run.one("aws:ecs/capacityProvider:CapacityProvider").state.name,
      );
      assert.deepEqual(manifest.privateSubnetIds, run.outputs.privateSubnetIds);
    });

    it("lists exactly the services and workers of the stack file", () => {
      assert.deepEqual(
        Object.fromEntries(Object.entries(manifest.workloads).map(([n, w]) => [n, w.kind])),
        configuredWorkloads(stack),
      );
    });

    it("gives each workload what its ECS service and task definition use", () => {
      for (const [name, entry] of Object.entries(manifest.workloads)) {
        const service = run.one(ECS_SERVICE, `${name}-service`);
        const network = service.inputs.networkConfiguration as {
          subnets: string[];
          securityGroups: string[];
        };
        assert.equal(entry.serviceName, service.state.name, name);
        assert.equal(entry.taskDefinitionArn, service.inputs.taskDefinition, name);
        assert.deepEqual(entry.securityGroupIds, network.securityGroups, name);
        assert.equal(entry.securityGroupIds[1], manifest.cluster.clientSecurityGroupId, name);
        assert.deepEqual(entry.subnetIds, network.subnets, name);
        assert.deepEqual(
          entry.capacityProviderStrategy,
          service.inputs.capacityProviderStrategies,
          name,
        );
        assert.equal(entry.execEnabled, service.inputs.enableExecuteCommand ?? false, name);

        const definition = run
          .ofType(TASK_DEF)
          .find((d) => d.state.arn === entry.taskDefinitionArn)!;
        assert.equal(entry.taskDefinitionFamily, definition.inputs.family, name);
        const container = containerOf(definition);
        assert.equal(entry.containerName, container.name, name);
        const options = container.logConfiguration!.options!;
        assert.equal(entry.logGroupName, options["awslogs-group"], name);
        assert.equal(entry.logStreamPrefix, options["awslogs-stream-prefix"], name);
        const logGroup = run.one("aws:cloudwatch/logGroup:LogGroup", `${name}-logs`);
        assert.equal(entry.logGroupArn, logGroupArnWithoutSuffix(logGroup.state.arn as string));
        // No config var in the stand-in account: every variable comes from the stack file.
        assert.deepEqual(
          entry.reservedVariables,
          [...container.environment!, ...container.secrets!].map((v) => v.name!).sort(),
          name,
        );
        assert.equal(entry.configPath, `/vitcord/${stack}/config/${name}`);
      }
    });

    it("gives each service its load balancer with every listener, each worker its queue", () => {
      for (const [name, entry] of Object.entries(manifest.workloads)) {
        if (entry.kind === "worker") {
          const outputs = (run.outputs.workers as Record<string, { queueUrl?: string }>)[name]!;
          assert.equal(entry.queueUrl, outputs.queueUrl);
          assert.equal(entry.loadBalancer, undefined);
          continue;
        }
        const alb = run.one("aws:lb/loadBalancer:LoadBalancer", `${name}-alb`);
        const listeners = run
          .ofType("aws:lb/listener:Listener")
          .filter((l) => l.parent?.name === name);
        const service = run.one(ECS_SERVICE, `${name}-service`);
        const outputs = (run.outputs.services as Record<string, { url: string }>)[name]!;
        // Every listener (in any order): the maintenance rule goes on each.
        const manifested = {
          ...entry.loadBalancer!,
          listenerArns: [...entry.loadBalancer!.listenerArns].sort(),
        };
        assert.deepEqual(manifested, {
          arn: alb.state.arn,
          dnsName: alb.state.dnsName,
          url: outputs.url,
          listenerArns: listeners.map((l) => l.state.arn as string).sort(),
          targetGroupArn: (service.inputs.loadBalancers as { targetGroupArn: string }[])[0]!
            .targetGroupArn,
        });
        assert.equal(listeners.length, stack === "prod" ? 2 : 1, `${name}: HTTPS+HTTP or HTTP`);
      }
    });

    it("lets each execution role read exactly its own workload's config path", () => {
      const path = (name: string) =>
        `arn:aws:ssm:${manifest.region}:${STAND_IN_ACCOUNT_ID}:parameter/vitcord/${stack}/config/${name}/*`;
      for (const name of Object.keys(manifest.workloads)) {
        const policy = run.one(ROLE_POLICY, `${name}-execution`);
        const configReads = statements(policy).filter((s) =>
          JSON.stringify(s.Resource).includes(`/config/`),
        );
        assert.deepEqual(configReads, [
          {
            Sid: "ReadConfigVars",
            Effect: "Allow",
            Action: "ssm:GetParameters",
            Resource: path(name),
          },
        ]);
      }
    });
  });
}

describe("config vars under mocks (dev, with parameters in SSM)", () => {
  let run: ProgramRun;
  before(async () => {
    run = await devWithConfigVarsAndWorkerExec();
  });

  const secretsOf = (name: string) =>
    containerOf(run.one(TASK_DEF, `${name}-task`)).secrets!.filter((s) =>
      s.valueFrom!.includes(":parameter/vitcord/"),
    );

  it("references each var directly under the workload's path from its task definition", () => {
    const arn = (path: string) => `arn:aws:ssm:us-east-1:${STAND_IN_ACCOUNT_ID}:parameter${path}`;
    assert.deepEqual(secretsOf("api"), [
      { name: "FEATURE_FLAG", valueFrom: arn("/vitcord/dev/config/api/FEATURE_FLAG") },
    ]);
    assert.deepEqual(secretsOf("jobs"), [
      { name: "WORKER_MODE", valueFrom: arn("/vitcord/dev/config/jobs/WORKER_MODE") },
    ]);
    assert.deepEqual(secretsOf("notifications"), []);
  });

  it("keeps the config vars out of the manifest's reserved names (config:set owns them)", () => {
    const manifest = publishedManifest(run, "dev");
    assert.ok(!manifest.workloads.api!.reservedVariables.includes("FEATURE_FLAG"));
    assert.ok(!manifest.workloads.jobs!.reservedVariables.includes("WORKER_MODE"));
  });
});
