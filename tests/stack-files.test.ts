// Reading Pulumi.yaml and Pulumi.<stack>.yaml: every broken file or mistyped key is one
// StackFileError naming the file, the line and what is allowed.
import * as assert from "node:assert/strict";
import {
  readProjectFile,
  readStackConfig,
  readStackFile,
  StackFileError,
} from "../components/config/stack-files";
import { checkNpmStack, resolveStack } from "../components/config/stack-option";
import { makeProject, STACK_FILES } from "./cli-context";

/** The message readStackConfig("dev") fails with in a project whose files are these. */
function failure(files: Record<string, string>): string {
  const dir = makeProject({ ...STACK_FILES, ...files });
  try {
    readStackConfig("dev", dir);
  } catch (error) {
    assert.ok(error instanceof StackFileError, `expected a StackFileError, got ${String(error)}`);
    return error.message;
  }
  return assert.fail("expected the stack files to be rejected");
}

const PROVIDERS = "(provider keys: aws:, awsx:, pulumi:)";

describe("stack files", () => {
  describe("YAML errors name the file, line and column, with yaml's snippet", () => {
    it("a mapping item out of column", () => {
      const text =
        "config:\n  aws:region: eu-west-1\n  vitcord-infra:environment: dev\n" +
        "  vitcord-infra:services:\n    api:\n      imageTag: v1.0.0\n    notifications:\n" +
        "   image: nginx\n";
      assert.equal(
        failure({ "Pulumi.dev.yaml": text }),
        "Pulumi.dev.yaml:7:19: All mapping items must start at the same column\n" +
          "      notifications:\n" +
          "                    ^",
      );
    });

    it("a key given twice", () => {
      assert.equal(
        failure({
          "Pulumi.dev.yaml": "config:\n  aws:region: eu-west-1\n  aws:region: us-east-1\n",
        }),
        "Pulumi.dev.yaml:3:3: Map keys must be unique\n" +
          "    aws:region: eu-west-1\n" +
          "    aws:region: us-east-1\n" +
          "    ^",
      );
    });

    it("an alias to no anchor", () => {
      assert.equal(
        failure({ "Pulumi.dev.yaml": "config:\n  aws:region: *region\n" }),
        "Pulumi.dev.yaml:2:15: Unresolved alias (the anchor must be set before the alias): region",
      );
    });

    it("a broken Pulumi.yaml", () => {
      assert.equal(
        failure({ "Pulumi.yaml": "name: vitcord-infra\nruntime: [nodejs\n" }),
        "Pulumi.yaml:3:1: Flow sequence in block collection must be sufficiently indented and end with a ]\n" +
          "  runtime: [nodejs\n" +
          "  ^",
      );
    });
  });

  describe("the shape: mappings where Pulumi expects them", () => {
    it("a stack file that is a list", () => {
      assert.equal(
        failure({ "Pulumi.dev.yaml": "- aws:region: eu-west-1\n" }),
        'Pulumi.dev.yaml:1:1: the file must be a mapping ("config:" with the stack\'s keys under it), not a list',
      );
    });

    it("a config: that is a plain value", () => {
      assert.equal(
        failure({ "Pulumi.dev.yaml": "config: eu-west-1\n" }),
        'Pulumi.dev.yaml:1:9: config must be a mapping of <namespace>:<key>: <value> lines, not the value "eu-west-1"',
      );
    });

    it("a config: that is a list", () => {
      assert.equal(
        failure({ "Pulumi.dev.yaml": "config:\n  - aws:region: eu-west-1\n" }),
        "Pulumi.dev.yaml:2:3: config must be a mapping of <namespace>:<key>: <value> lines, not a list",
      );
    });

    it("a Pulumi.yaml without a name", () => {
      assert.equal(
        failure({ "Pulumi.yaml": "runtime: nodejs\n" }),
        "Pulumi.yaml:1:1: the project needs a name (name: <project>)",
      );
    });

    it("an empty stack file is a stack without config", () => {
      const dir = makeProject({ ...STACK_FILES, "Pulumi.dev.yaml": "# nothing yet\n" });
      assert.deepEqual(readStackFile("dev", dir).config, {});
    });
  });

  describe("namespaces: this project's, or a provider's", () => {
    it("names a misspelled namespace and what is allowed", () => {
      const text = STACK_FILES["Pulumi.dev.yaml"]!.replace(
        "vitcord-infra:services",
        "vitcrd-infra:services",
      );
      assert.equal(
        failure({ "Pulumi.dev.yaml": text }),
        'Pulumi.dev.yaml:4:3: config key "vitcrd-infra:services" is in an unknown namespace "vitcrd-infra"; ' +
          `this project's keys start with "vitcord-infra:" ${PROVIDERS}`,
      );
    });

    it("reports every bad key of a file at once, a key without namespace included", () => {
      const text =
        "config:\n  awz:region: eu-west-1\n  environment: dev\n  vitcord-infra:a:b: 1\n" +
        "  vitcord-infra:environment: dev\n";
      assert.equal(
        failure({ "Pulumi.dev.yaml": text }),
        [
          `Pulumi.dev.yaml:2:3: config key "awz:region" is in an unknown namespace "awz"; this project's keys start with "vitcord-infra:" ${PROVIDERS}`,
          'Pulumi.dev.yaml:3:3: config key "environment" has no namespace; Pulumi needs <namespace>:<key> here, e.g. "vitcord-infra:environment"',
          `Pulumi.dev.yaml:4:3: config key "vitcord-infra:a:b" is not <namespace>:<key>; this project's keys start with "vitcord-infra:" ${PROVIDERS}`,
        ].join("\n"),
      );
    });

    it("checks Pulumi.yaml's keys against the name it declares", () => {
      const project =
        "name: vitcord-infra\nruntime: nodejs\nconfig:\n  awz:profile:\n    value: x\n";
      assert.equal(
        failure({ "Pulumi.yaml": project }),
        `Pulumi.yaml:4:3: config key "awz:profile" is in an unknown namespace "awz"; this project's keys start with "vitcord-infra:" ${PROVIDERS}`,
      );
    });

    it("takes the project's namespace from Pulumi.yaml, not from the code", () => {
      const dir = makeProject({
        "Pulumi.yaml": "name: other\nruntime: nodejs\n",
        "Pulumi.dev.yaml": "config:\n  other:environment: dev\n  vitcord-infra:environment: dev\n",
      });
      assert.throws(() => readStackConfig("dev", dir), {
        message: `Pulumi.dev.yaml:3:3: config key "vitcord-infra:environment" is in an unknown namespace "vitcord-infra"; this project's keys start with "other:" ${PROVIDERS}`,
      });
    });

    it("accepts provider keys, Pulumi's old <namespace>:config:<name> form, and leaves secure values out", () => {
      const dir = makeProject({
        ...STACK_FILES,
        "Pulumi.dev.yaml":
          "secretsprovider: awskms://alias/infra\nconfig:\n  aws:config:region: eu-west-1\n" +
          "  pulumi:tags: { team: platform }\n  vitcord-infra:environment: dev\n" +
          "  vitcord-infra:token:\n    secure: AAABAxyz\n",
      });
      const stack = readStackFile("dev", dir);
      assert.deepEqual(stack.config, {
        "aws:region": "eu-west-1",
        "pulumi:tags": '{"team":"platform"}',
        "vitcord-infra:environment": "dev",
      });
      assert.equal(stack.secretsProvider, "awskms://alias/infra");
    });

    it("applies Pulumi.yaml's defaults and values, its own keys written with or without namespace", () => {
      const dir = makeProject({
        ...STACK_FILES,
        "Pulumi.yaml":
          "name: vitcord-infra\nruntime: nodejs\nconfig:\n  logRetentionDays: 30\n" +
          "  vitcord-infra:environment:\n    type: string\n  aws:region: eu-west-1\n" +
          "  vitcord-infra:tags:\n    default: { team: platform }\n",
      });
      assert.deepEqual(readProjectFile(dir).config, {
        "vitcord-infra:logRetentionDays": "30",
        "aws:region": "eu-west-1",
        "vitcord-infra:tags": '{"team":"platform"}',
      });
    });
  });

  describe("--stack through npm (npm_config_stack)", () => {
    const usage = "npm run plan";
    it("honours npm's npm_config_stack when --stack is not given, and the same stack twice", () => {
      assert.equal(resolveStack(undefined, { npm_config_stack: "prod" }, usage), "prod");
      assert.equal(resolveStack("prod", { npm_config_stack: "prod" }, usage), "prod");
      assert.equal(resolveStack("dev", {}, usage), "dev");
      assert.equal(resolveStack(undefined, {}, usage), undefined);
    });

    it("refuses two different stacks", () => {
      assert.throws(() => resolveStack("dev", { npm_config_stack: "prod" }, usage), {
        name: "StackOptionError",
        message:
          "two different stacks: --stack=prod before -- (npm passes it on as npm_config_stack) and --stack dev after it. Give --stack once, e.g. npm run plan -- --stack dev",
      });
    });

    it("refuses a --stack npm kept without its value", () => {
      for (const npmStack of ["true", ""]) {
        assert.throws(() => checkNpmStack({ npm_config_stack: npmStack }, usage), {
          name: "StackOptionError",
          message:
            "npm kept --stack for itself and passed no stack name (it only passes --stack=<name> on): write npm run plan --stack=<name>, or put the option after --: npm run plan -- --stack <name>",
        });
      }
    });
  });
});
