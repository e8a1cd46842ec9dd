// Issue 15: a deployment ECS rolls back because a deployment alarm fired (the service's 5xx-rate
// or unhealthy-target alarm, deploymentConfiguration.alarms with rollback) fails the verified
// release, like a circuit-breaker rollback does.
import * as assert from "node:assert/strict";
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  Service,
} from "@aws-sdk/client-ecs";
import { mockClient } from "aws-sdk-client-mock";
import type { CliContext } from "../cli/context";
import { CliError } from "../cli/errors";
import { rolloutOf, verifyRollouts } from "../cli/rollout";
import { Capture } from "./cli-context";

const TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/vitcord-prod-api";
// What ECS reports on the deployment its alarms failed (rolloutState FAILED, then a new PRIMARY
// deployment on the last completed revision).
const ALARM_REASON =
  "ECS deployment detected triggered alarm(s): prod-api-target-5xx-rate. Rolling back to the last completed deployment.";

/** The service after the alarm rollback: revision 7 back as PRIMARY, 8 FAILED. */
const rolledBack: Service = {
  serviceName: "api-service-1a2b3c4",
  deployments: [
    { status: "PRIMARY", taskDefinition: `${TD}:7`, rolloutState: "IN_PROGRESS" },
    {
      status: "ACTIVE",
      taskDefinition: `${TD}:8`,
      rolloutState: "FAILED",
      rolloutStateReason: ALARM_REASON,
    },
  ],
  events: [
    {
      createdAt: new Date("2026-01-01T12:05:00Z"),
      message:
        "(service api-service-1a2b3c4) (deployment ecs-svc/9) deployment failed: alarm detected.",
    },
  ],
};

describe("a release rolled back by a deployment alarm", () => {
  it("is ROLLED_BACK, with the alarm named in the reason", () => {
    const rollout = rolloutOf(rolledBack, `${TD}:8`);
    assert.equal(rollout.state, "ROLLED_BACK");
    assert.equal(
      rollout.reason,
      `ECS runs vitcord-prod-api:7, not vitcord-prod-api:8: ${ALARM_REASON}`,
    );
  });

  it("fails the verified release with the alarm and the service's events", async () => {
    const ecs = mockClient(ECSClient);
    ecs.on(DescribeServicesCommand).resolves({ services: [rolledBack] });
    ecs.on(ListTasksCommand).resolves({ taskArns: [] });
    ecs.on(DescribeTasksCommand).resolves({ tasks: [] });
    const stderr = new Capture();
    const ctx = {
      stderr,
      aws: () => ({ ecs: new ECSClient({ region: "us-east-1" }) }),
      sleep: () => Promise.resolve(),
    } as unknown as CliContext;
    try {
      await assert.rejects(
        verifyRollouts(
          ctx,
          { stack: "prod", region: "us-east-1" },
          { clusterName: "vitcord-prod", services: {}, workers: {} },
          [
            {
              name: "api",
              kind: "service",
              serviceName: "api-service-1a2b3c4",
              taskDefinitionArn: `${TD}:8`,
            },
          ],
        ),
        (error: unknown) => {
          assert.ok(error instanceof CliError);
          assert.equal(
            error.message.split("\n").slice(0, 4).join("\n"),
            [
              "The rollout in stack prod did not complete:",
              `service api (ECS service api-service-1a2b3c4): ECS runs vitcord-prod-api:7, not vitcord-prod-api:8: ${ALARM_REASON}`,
              "  Last service events:",
              "    2026-01-01T12:05:00.000Z (service api-service-1a2b3c4) (deployment ecs-svc/9) deployment failed: alarm detected.",
            ].join("\n"),
          );
          return true;
        },
      );
      assert.ok(!stderr.text.includes("Verified"), stderr.text);
    } finally {
      ecs.restore();
    }
  });
});
