// Restarts after a database password rotation (components/rotation-restart.ts): the event pattern,
// the state machine's calls and the roles' permissions in the committed dev and prod stacks (both
// have the database main, used by api and jobs), the rotation schedule, and its config key.
import * as assert from "node:assert/strict";
import { ConfigError, parseStackConfig } from "../components/config";
import { readStackConfig } from "../components/config/stack-files";
import {
  restartDefinition,
  rotationEventPattern,
  UPDATE_SERVICE_RESOURCE,
} from "../components/rotation-restart";
import { buildInventory } from "../plan/inventory";
import { RecordedResource, runProgram } from "./harness";

const MACHINE = "aws:sfn/stateMachine:StateMachine";

/** A stack file's config with `databases.main` changed. */
function withMain(stack: string, main: Record<string, unknown>): Record<string, string> {
  const config = readStackConfig(stack);
  const databases = JSON.parse(config["vitcord-infra:databases"]!) as Record<string, object>;
  config["vitcord-infra:databases"] = JSON.stringify({
    ...databases,
    main: { ...databases.main, ...main },
  });
  return config;
}

/** The problems a stack file with `databases.main` changed is rejected with. */
function problems(stack: string, main: Record<string, unknown>): readonly string[] {
  try {
    parseStackConfig(stack, withMain(stack, main));
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
  assert.fail("expected the config to be rejected");
}

/** Every Task state of a definition (Parallel branches included). */
function tasks(definition: unknown): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  const visit = (states: Record<string, Record<string, unknown>>) => {
    for (const state of Object.values(states)) {
      if (state.Type === "Task") found.push(state);
      for (const branch of (state.Branches ?? []) as { States: typeof states }[]) {
        visit(branch.States);
      }
    }
  };
  visit((definition as { States: Record<string, Record<string, unknown>> }).States);
  return found;
}

function policy(resource: RecordedResource, key = "policy"): { Statement: unknown[] } {
  return JSON.parse(resource.inputs[key] as string) as { Statement: unknown[] };
}

describe("restarts after a database password rotation", () => {
  describe("pure", () => {
    it("matches the native Secret Label Updated event of AWSCURRENT on exactly one secret", () => {
      assert.deepEqual(rotationEventPattern("arn:aws:secretsmanager:r:1:secret:rds!db-x"), {
        source: ["aws.secretsmanager"],
        "detail-type": ["Secret Label Updated"],
        resources: ["arn:aws:secretsmanager:r:1:secret:rds!db-x"],
        detail: { labelUpdated: ["AWSCURRENT"] },
      });
    });

    it("calls UpdateService once per service, forcing a new deployment, in parallel", () => {
      const definition = restartDefinition("c", [
        { name: "api", serviceName: "api-svc" },
        { name: "jobs", serviceName: "jobs-svc" },
      ]);
      const calls = tasks(definition);
      assert.deepEqual(
        calls.map((t) => [t.Resource, t.Parameters]),
        [
          [UPDATE_SERVICE_RESOURCE, { Cluster: "c", Service: "api-svc", ForceNewDeployment: true }],
          [
            UPDATE_SERVICE_RESOURCE,
            { Cluster: "c", Service: "jobs-svc", ForceNewDeployment: true },
          ],
        ],
      );
      const states = (definition.States as Record<string, { Type: string }>)["Restart services"];
      assert.equal(states?.Type, "Parallel");
    });
  });

  describe("config (databases.<name>.passwordRotationDays)", () => {
    for (const days of [0, 366, 2.5, "7"]) {
      it(`refuses ${JSON.stringify(days)}`, () => {
        assert.deepEqual(problems("dev", { passwordRotationDays: days }), [
          `vitcord-infra:databases.main.passwordRotationDays = ${JSON.stringify(days)}: must be a whole number from 1 to 365 days`,
        ]);
      });
    }

    it("defaults to 7 days in dev and prod and takes 1 to 365", () => {
      for (const stack of ["dev", "prod"]) {
        const config = parseStackConfig(stack, readStackConfig(stack));
        assert.equal(config.databases.main?.passwordRotationDays, 7);
        for (const days of [1, 365]) {
          const set = parseStackConfig(stack, withMain(stack, { passwordRotationDays: days }));
          assert.equal(set.databases.main?.passwordRotationDays, days);
        }
      }
    });
  });

  for (const stack of ["dev", "prod"] as const) {
    describe(`the committed ${stack} stack`, () => {
      it("sets the managed secret's rotation to 7 days, without rotating at deploy", async () => {
        const run = await runProgram(stack);
        const secretArn = (run.outputs.databases as Record<string, { secretArn: string }>).main!
          .secretArn;
        const rotation = run.one("aws:secretsmanager/secretRotation:SecretRotation");
        assert.deepEqual(rotation.inputs, {
          secretId: secretArn,
          rotateImmediately: false,
          rotationRules: { automaticallyAfterDays: 7 },
        });
        assert.equal(rotation.protect ?? false, stack === "prod");
      });

      it("a rule on exactly main's secret starts the state machine, which restarts api and jobs", async () => {
        const run = await runProgram(stack);
        const secretArn = (run.outputs.databases as Record<string, { secretArn: string }>).main!
          .secretArn;
        const rule = run.one("aws:cloudwatch/eventRule:EventRule");
        assert.deepEqual(
          JSON.parse(rule.inputs.eventPattern as string),
          rotationEventPattern(secretArn),
        );
        const machine = run.one(MACHINE);
        assert.equal(machine.inputs.type, "STANDARD");
        const target = run.one("aws:cloudwatch/eventTarget:EventTarget");
        assert.equal(target.inputs.rule, rule.state.name);
        assert.equal(target.inputs.arn, machine.state.arn);

        const cluster = run.one("aws:ecs/cluster:Cluster").state.name;
        const serviceName = (name: string) =>
          run.one("aws:ecs/service:Service", `${name}-service`).state.name;
        const calls = tasks(JSON.parse(machine.inputs.definition as string));
        assert.deepEqual(
          calls.map((t) => [t.Resource, t.Parameters]),
          ["api", "jobs"].map((name) => [
            UPDATE_SERVICE_RESOURCE,
            { Cluster: cluster, Service: serviceName(name), ForceNewDeployment: true },
          ]),
        );
        // notifications does not use main: never restarted.
        assert.ok(
          !(machine.inputs.definition as string).includes(String(serviceName("notifications"))),
        );
      });

      it("logs every execution to a log group with the stack's retention (and key)", async () => {
        const run = await runProgram(stack);
        const machine = run.one(MACHINE);
        const group = run.one("aws:cloudwatch/logGroup:LogGroup", "main-rotation-restart-logs");
        assert.deepEqual(machine.inputs.loggingConfiguration, {
          logDestination: `${String(group.state.arn)}:*`,
          level: "ALL",
          includeExecutionData: true,
        });
        const config = parseStackConfig(stack, readStackConfig(stack));
        assert.equal(group.inputs.retentionInDays, config.logRetentionDays);
        const key = run.ofType("aws:kms/key:Key")[0];
        assert.equal(group.inputs.kmsKeyId, key?.state.arn);
      });

      it("the state machine may update exactly api's and jobs' services; EventBridge may start exactly it", async () => {
        const run = await runProgram(stack);
        const machine = run.one(MACHINE);
        const arnOf = (name: string) =>
          String(run.one("aws:ecs/service:Service", `${name}-service`).state.name);
        const cluster = String(run.one("aws:ecs/cluster:Cluster").state.name);
        const [update, logs] = policy(
          run.one("aws:iam/rolePolicy:RolePolicy", "main-rotation-restart-update-services"),
        ).Statement as Record<string, unknown>[];
        assert.deepEqual(update, {
          Effect: "Allow",
          Action: "ecs:UpdateService",
          Resource: ["api", "jobs"].map(
            (name) => `arn:aws:ecs:us-east-1:123456789012:service/${cluster}/${arnOf(name)}`,
          ),
        });
        // Log delivery only: these actions have no resource-level permissions.
        assert.deepEqual(logs, {
          Effect: "Allow",
          Action: [
            "logs:CreateLogDelivery",
            "logs:GetLogDelivery",
            "logs:UpdateLogDelivery",
            "logs:DeleteLogDelivery",
            "logs:ListLogDeliveries",
            "logs:PutResourcePolicy",
            "logs:DescribeResourcePolicies",
            "logs:DescribeLogGroups",
          ],
          Resource: "*",
        });
        assert.deepEqual(
          policy(run.one("aws:iam/rolePolicy:RolePolicy", "main-rotation-restart-start-execution"))
            .Statement,
          [{ Effect: "Allow", Action: "states:StartExecution", Resource: machine.state.arn }],
        );
        const trust = (role: string) =>
          policy(run.one("aws:iam/role:Role", role), "assumeRolePolicy").Statement;
        for (const [role, service] of [
          ["main-rotation-restart-machine-role", "states.amazonaws.com"],
          ["main-rotation-restart-events-role", "events.amazonaws.com"],
        ] as const) {
          assert.deepEqual(trust(role), [
            {
              Effect: "Allow",
              Principal: { Service: service },
              Action: "sts:AssumeRole",
              Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
            },
          ]);
        }
      });

      it("the plan's inventory says what it restarts and how often", async () => {
        const run = await runProgram(stack);
        const component = buildInventory(run.resources).components.find(
          (c) => c.component === "main-rotation-restart",
        );
        assert.equal(
          component?.summary,
          `main: after each password rotation (every 7 days), a new deployment of api, jobs (EventBridge rule → Step Functions ${stack}-main-rotation-restart → ecs:UpdateService)`,
        );
      });
    });
  }
});
