import * as assert from "node:assert/strict";
import { ConfigError, parseStackConfig } from "../components/config";
import { EXTRA_TAGS_MAX } from "../components/config/schema-helpers";
import { ProgramRun, runProgram } from "./harness";

/** The problems a dev config with these tags is rejected with. */
function tagProblems(tags: unknown): readonly string[] {
  try {
    parseStackConfig("test", {
      "aws:region": "us-east-1",
      "vitcord-infra:environment": "dev",
      "vitcord-infra:tags": JSON.stringify(tags),
    });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail("expected the tags to be rejected");
}

const STACK_TAGS = {
  Project: "vitcord-infra",
  Environment: "dev",
  Stack: "dev",
  ManagedBy: "pulumi",
};

describe("tags (issue 15)", () => {
  describe("vitcord-infra:tags refuses what an AWS tagging API of the stack would", () => {
    it("accepts letters of any script, digits, spaces and _ . : / = + - @", () => {
      const config = parseStackConfig("test", {
        "aws:region": "us-east-1",
        "vitcord-infra:environment": "dev",
        "vitcord-infra:tags": JSON.stringify({
          "cost-center": "Équipe Données 42",
          "team/owner": "alice@example.com",
          Empty: "",
        }),
      });
      assert.equal(config.tags["cost-center"], "Équipe Données 42");
    });

    it("names the key whose value ECS and ELB reject", () => {
      assert.deepEqual(tagProblems({ owner: "alice, bob", ticket: "#42" }), [
        'vitcord-infra:tags.owner = "alice, bob": tag values may hold only letters, digits, spaces and _ . : / = + - @ (the ECS and ELB tag pattern)',
        'vitcord-infra:tags.ticket = "#42": tag values may hold only letters, digits, spaces and _ . : / = + - @ (the ECS and ELB tag pattern)',
      ]);
    });

    it("refuses keys with other characters, the aws: prefix in keys and values, and lengths", () => {
      assert.deepEqual(
        tagProblems({
          "cost*center": "a",
          "AWS:owner": "a",
          source: "aws:cloudformation",
          ["k".repeat(129)]: "a",
          long: "v".repeat(257),
        }),
        [
          'vitcord-infra:tags.cost*center = "a": tag keys may hold only letters, digits, spaces and _ . : / = + - @ (the ECS and ELB tag pattern)',
          'vitcord-infra:tags.AWS:owner = "a": tag keys cannot start with aws: (in any case): AWS reserves that prefix',
          'vitcord-infra:tags.source = "aws:cloudformation": tag values cannot start with aws: (in any case): ECS rejects it as AWS\'s reserved prefix',
          `vitcord-infra:tags.${"k".repeat(129)} = "a": tag keys are at most 128 characters (this one has 129)`,
          `vitcord-infra:tags.long = "${"v".repeat(56)}...: tag values are at most 256 characters (this one has 257)`,
        ],
      );
    });

    it("refuses more tags than a task definition has room for (50 per resource)", () => {
      assert.equal(EXTRA_TAGS_MAX, 42);
      const tags = Object.fromEntries(
        Array.from({ length: EXTRA_TAGS_MAX + 1 }, (_, i) => [`t${i}`, "x"]),
      );
      const shown = JSON.stringify(tags).slice(0, 57);
      assert.deepEqual(tagProblems(tags), [
        `vitcord-infra:tags = ${shown}...: adds 43 tags; at most 42 besides Project, Environment, Stack, ManagedBy: AWS allows 50 tags per resource, the program sets those 4 everywhere and a task definition carries 4 release tags of its own`,
      ]);
      // Keys the program sets anyway replace its values: they do not count.
      const withProgramKeys = {
        ...Object.fromEntries(Object.entries(tags).slice(1)),
        Project: "p",
      };
      parseStackConfig("test", {
        "aws:region": "us-east-1",
        "vitcord-infra:environment": "dev",
        "vitcord-infra:tags": JSON.stringify(withProgramKeys),
      });
    });
  });

  describe("what the Auto Scaling group launches carries the stack's tags", () => {
    let dev: ProgramRun;
    before(async () => {
      dev = await runProgram("dev");
    });

    it("propagates them from the group to its instances", () => {
      const group = dev.one("aws:autoscaling/group:Group", "cluster-instances");
      const tags = group.inputs.tags as {
        key: string;
        value: string;
        propagateAtLaunch: boolean;
      }[];
      for (const [key, value] of Object.entries(STACK_TAGS)) {
        assert.deepEqual(
          tags.find((t) => t.key === key),
          { key, value, propagateAtLaunch: true },
          `${key} is not propagated at launch`,
        );
      }
      assert.deepEqual(
        tags.map((t) => t.key),
        ["AmazonECSManaged", ...Object.keys(STACK_TAGS), "Name"],
      );
    });

    it("tags instances, volumes and network interfaces through the launch template", () => {
      const template = dev.one("aws:ec2/launchTemplate:LaunchTemplate", "cluster-instances");
      assert.deepEqual(template.inputs.tagSpecifications, [
        { resourceType: "instance", tags: { ...STACK_TAGS, Name: "cluster-instance" } },
        { resourceType: "volume", tags: { ...STACK_TAGS, Name: "cluster-instance" } },
        { resourceType: "network-interface", tags: { ...STACK_TAGS, Name: "cluster-instance" } },
      ]);
    });
  });
});
