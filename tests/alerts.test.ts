import * as assert from "node:assert/strict";
import { alertTopicName, alertTopicPolicy, endpointSlug } from "../components/alerts";
import { ConfigError, parseStackConfig } from "../components/config";
import { runInvalid } from "./harness";

/** The problems an alerts config is rejected with (fails the test if it is accepted). */
function problems(alerts: unknown): readonly string[] {
  try {
    parseStackConfig("test", {
      "aws:region": "us-east-1",
      "vitcord-infra:environment": "prod",
      "vitcord-infra:alerts": JSON.stringify(alerts),
    });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail("expected the config to be rejected");
}

describe("alerts", () => {
  describe("config", () => {
    it("defaults to no subscribers and the environment's thresholds", () => {
      const dev = parseStackConfig("dev", {
        "aws:region": "us-east-1",
        "vitcord-infra:environment": "dev",
      });
      assert.deepEqual(dev.alerts.emails, []);
      assert.deepEqual(dev.alerts.httpsEndpoints, []);
      assert.equal(dev.alerts.thresholds.http5xxRatePercent, 10);
      const prod = parseStackConfig("prod", {
        "aws:region": "us-east-1",
        "vitcord-infra:environment": "prod",
        "vitcord-infra:alerts": JSON.stringify({ thresholds: { p99ResponseTimeSeconds: 1.5 } }),
      });
      assert.equal(prod.alerts.thresholds.p99ResponseTimeSeconds, 1.5);
      assert.equal(prod.alerts.thresholds.http5xxRatePercent, 5);
    });

    it("refuses a non-e-mail, a plain http:// endpoint and a negative threshold, naming each key", () => {
      assert.deepEqual(
        problems({
          emails: ["oncall"],
          httpsEndpoints: ["http://chat.example.com/hook"],
          thresholds: { databaseCpuPercent: -5 },
        }),
        [
          'vitcord-infra:alerts.emails.0 = "oncall": must be an e-mail address such as oncall@vitcord.com',
          'vitcord-infra:alerts.httpsEndpoints.0 = "http://chat.example.com/hook": must be an https:// URL such as https://chat.example.com/hooks/alerts (SNS\'s https protocol; plain http:// is refused so alerts travel encrypted)',
          "vitcord-infra:alerts.thresholds.databaseCpuPercent = -5: must be a number from 1 to 100 percent",
        ],
      );
    });

    it("refuses a repeated address, a fractional minute count and an unknown threshold", () => {
      assert.deepEqual(
        problems({
          emails: ["a@vitcord.com", "a@vitcord.com"],
          thresholds: { unhealthyTargetMinutes: 2.5, cpu: 3 },
        }),
        [
          'vitcord-infra:alerts.emails = ["a@vitcord.com","a@vitcord.com"]: must name each e-mail address once',
          "vitcord-infra:alerts.thresholds.unhealthyTargetMinutes = 2.5: must be a whole number from 1 to 60 minutes",
          "vitcord-infra:alerts.thresholds.cpu: unknown key; allowed keys here: http5xxRatePercent, unhealthyTargetMinutes, p99ResponseTimeSeconds, oldestMessageAgeSeconds, capacityPinnedMinutes, databaseCpuPercent, databaseFreeStorageGb, databaseConnections, tableThrottledRequests, cacheMemoryPercent, cacheEvictions",
        ],
      );
    });

    it("declares nothing when the alerts config is bad", async () => {
      const { error, declared } = await runInvalid("dev", { alerts: { emails: ["x"] } });
      assert.match(
        error.message,
        /vitcord-infra:alerts\.emails\.0 = "x": must be an e-mail address/,
      );
      assert.equal(declared, 0);
    });
  });

  describe("topic", () => {
    it("names the topic after the stack and lets only this account's CloudWatch alarms publish", () => {
      assert.equal(alertTopicName("prod"), "prod-alerts");
      const policy = JSON.parse(
        alertTopicPolicy("arn:aws:sns:us-east-1:123456789012:prod-alerts", "123456789012"),
      );
      assert.deepEqual(policy.Statement[0], {
        Sid: "CloudWatchAlarmsPublish",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: "sns:Publish",
        Resource: "arn:aws:sns:us-east-1:123456789012:prod-alerts",
        Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
      });
    });

    it("names subscriptions after their endpoint, so removing one keeps the others", () => {
      assert.equal(endpointSlug("oncall@vitcord.com"), "oncall-vitcord-com");
      assert.equal(endpointSlug("https://chat.example.com/hooks/A1"), "chat-example-com-hooks-a1");
    });
  });
});
