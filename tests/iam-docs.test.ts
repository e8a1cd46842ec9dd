// The IAM policies docs/deploy.md tells people to create (docs/iam/*.json): valid policy
// documents, every statement complete, nothing unscoped where it matters: no `*:*`, no whole
// service, iam:PassRole only for the project's roles and to the services that run them, IAM
// writes only on project-tagged roles, the preview role unable to deploy, the push role unable to
// delete.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as applicationAutoscaling from "@aws-sdk/client-application-auto-scaling";
import * as autoscaling from "@aws-sdk/client-auto-scaling";
import * as logs from "@aws-sdk/client-cloudwatch-logs";
import * as ecr from "@aws-sdk/client-ecr";
import * as ecs from "@aws-sdk/client-ecs";
import * as elasticloadbalancing from "@aws-sdk/client-elastic-load-balancing-v2";
import * as iam from "@aws-sdk/client-iam";
import * as rds from "@aws-sdk/client-rds";
import * as route53 from "@aws-sdk/client-route-53";
import * as ssm from "@aws-sdk/client-ssm";
import * as sts from "@aws-sdk/client-sts";

const IAM_DIR = path.join(__dirname, "..", "docs", "iam");
const DEPLOY_DOC = path.join(__dirname, "..", "docs", "deploy.md");
const OPERATIONS_DOC = path.join(__dirname, "..", "docs", "operations.md");

interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

interface PolicyDocument {
  readonly Version: string;
  readonly Statement: Statement[];
}

const list = (value: string | string[]) => (Array.isArray(value) ? value : [value]);

function load(name: string): PolicyDocument {
  return JSON.parse(fs.readFileSync(path.join(IAM_DIR, name), "utf8")) as PolicyDocument;
}

const FILES = ["app-push.json", "deployer.json", "operator-readonly.json", "preview.json"];
/** Actions that change something: what a read-only role must not have. */
const WRITE =
  /^[a-z0-9-]+:(Create|Delete|Put|Update|Attach|Detach|Modify|Run|Stop|Terminate|Tag|Untag|Register|Deregister|Set|Add|Remove|Pass|Request|Allocate|Release|Associate|Disassociate|Authorize|Revoke|Replace|Change|Upload|Initiate|Complete|Batch(Delete))/;

describe("docs/iam: the deploying identities' policies", () => {
  it("holds exactly the four documented policies", () => {
    assert.deepEqual(
      fs
        .readdirSync(IAM_DIR)
        .filter((f) => f.endsWith(".json"))
        .sort(),
      FILES,
    );
    const doc = fs.readFileSync(DEPLOY_DOC, "utf8") + fs.readFileSync(OPERATIONS_DOC, "utf8");
    for (const file of FILES)
      assert.match(
        doc,
        new RegExp(`docs/iam/${file.replace(".", "\\.")}|iam/${file.replace(".", "\\.")}`),
        file,
      );
  });

  for (const file of FILES) {
    it(`${file}: a policy document whose every statement has Sid, Effect, Action and Resource`, () => {
      const policy = load(file);
      assert.equal(policy.Version, "2012-10-17");
      assert.ok(policy.Statement.length > 0);
      const sids = policy.Statement.map((s) => s.Sid);
      assert.equal(new Set(sids).size, sids.length, "Sids are unique");
      for (const statement of policy.Statement) {
        const name = statement.Sid ?? JSON.stringify(statement);
        assert.match(statement.Sid ?? "", /^[A-Za-z0-9]+$/, `${name}: Sid`);
        assert.ok(["Allow", "Deny"].includes(statement.Effect), `${name}: Effect`);
        assert.ok(list(statement.Action).length > 0, `${name}: Action`);
        assert.ok(list(statement.Resource).length > 0, `${name}: Resource`);
        for (const action of list(statement.Action)) {
          assert.match(action, /^[a-z0-9-]+:[A-Za-z0-9*]+$/, `${name}: ${action}`);
          // Neither everything nor a whole service: `*`, `*:*`, `iam:*`.
          assert.doesNotMatch(action, /^\*|:\*$/, `${name}: ${action} is unscoped`);
        }
      }
    });
  }

  it("deployer: iam:PassRole only on project-tagged roles, only to the services that run them", () => {
    const passes = load("deployer.json").Statement.filter((s) =>
      list(s.Action).includes("iam:PassRole"),
    );
    assert.equal(passes.length, 1);
    const pass = passes[0]!;
    assert.deepEqual(list(pass.Action), ["iam:PassRole"], "PassRole stands alone");
    for (const resource of list(pass.Resource)) {
      assert.match(resource, /^arn:aws:iam::\d{12}:role\//, resource);
    }
    assert.equal(pass.Condition?.StringEquals?.["iam:ResourceTag/Project"], "vitcord-infra");
    assert.deepEqual(list(pass.Condition?.StringEquals?.["iam:PassedToService"] ?? []).sort(), [
      "ec2.amazonaws.com",
      "ecs-tasks.amazonaws.com",
      "scheduler.amazonaws.com",
      "vpc-flow-logs.amazonaws.com",
    ]);
  });

  it("deployer: every IAM write is conditioned on the project's tag or the service it is for", () => {
    for (const statement of load("deployer.json").Statement) {
      const writes = list(statement.Action).filter((a) => a.startsWith("iam:") && WRITE.test(a));
      if (writes.length === 0) continue;
      const conditions = JSON.stringify(statement.Condition ?? {});
      assert.match(
        conditions,
        /aws:RequestTag\/Project|iam:ResourceTag\/Project|iam:AWSServiceName/,
        `${statement.Sid}: ${writes.join(", ")}`,
      );
      for (const resource of list(statement.Resource)) {
        assert.notEqual(resource, "*", `${statement.Sid}: IAM writes on every resource`);
      }
    }
    const attach = load("deployer.json").Statement.find((s) =>
      list(s.Action).includes("iam:AttachRolePolicy"),
    );
    assert.ok(
      attach?.Condition?.ArnEquals?.["iam:PolicyARN"],
      "attaches only named managed policies",
    );
  });

  it("deployer: resources outside IAM are limited to the stacks' region", () => {
    const broad = load("deployer.json").Statement.find(
      (s) => s.Sid === "ManageTheStackResourcesInItsRegion",
    );
    assert.equal(broad?.Condition?.StringEquals?.["aws:RequestedRegion"], "us-east-1");
  });

  it("preview: reads only (and the state lock a preview takes)", () => {
    const writes = load("preview.json").Statement.flatMap((s) =>
      list(s.Action)
        .filter((a) => WRITE.test(a))
        .map((a) => `${a} on ${list(s.Resource).join(", ")}`),
    );
    assert.deepEqual(writes, [
      "s3:PutObject on arn:aws:s3:::vitcord-pulumi-state/.pulumi/locks/*",
      "s3:DeleteObject on arn:aws:s3:::vitcord-pulumi-state/.pulumi/locks/*",
    ]);
  });

  it("app push: pushes to its own repository only, deletes nothing", () => {
    const policy = load("app-push.json");
    const actions = policy.Statement.flatMap((s) => list(s.Action));
    assert.ok(actions.includes("ecr:PutImage"));
    assert.ok(
      !actions.some((a) => /Delete|SetRepositoryPolicy|PutLifecyclePolicy/.test(a)),
      actions.join(),
    );
    for (const statement of policy.Statement) {
      const resources = list(statement.Resource);
      if (list(statement.Action).join() === "ecr:GetAuthorizationToken") {
        assert.deepEqual(resources, ["*"], "GetAuthorizationToken has no resource");
      } else {
        assert.deepEqual(resources, ["arn:aws:ecr:us-east-1:123456789012:repository/vitcord/api"]);
      }
    }
  });

  describe("the runtime commands' SDK calls (cli/), action by action", () => {
    /** `new XCommand(` in a CLI file → the IAM action `<service>:X`, by the client that exports it. */
    const clients: Record<string, object> = {
      ecs,
      logs,
      ssm,
      elasticloadbalancing,
      sts,
      iam,
      route53,
      ecr,
      "application-autoscaling": applicationAutoscaling,
      autoscaling,
      rds,
    };
    function actionsOf(files: readonly string[]): string[] {
      const actions = new Set<string>();
      for (const file of files) {
        const text = fs.readFileSync(path.join(__dirname, "..", "cli", file), "utf8");
        for (const [, command] of text.matchAll(/new (\w+)Command\(/g)) {
          const service = Object.keys(clients).find(
            (name) => `${command}Command` in clients[name]!,
          );
          assert.ok(service !== undefined, `${file}: ${command}`);
          actions.add(`${service}:${command}`);
        }
      }
      return [...actions].sort();
    }
    function allowed(policy: PolicyDocument): Set<string> {
      return new Set(
        policy.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => list(s.Action)),
      );
    }
    // What ps, status, releases, logs and config (without --reveal) call, and maintenance's state.
    const READ_ONLY_FILES = [
      "ops.ts",
      "observe.ts",
      "history.ts",
      "logs-stream.ts",
      "live-tail.ts",
      "config-vars.ts",
    ];

    it("operator-readonly allows every call of the read-only commands, and no write", () => {
      const policy = load("operator-readonly.json");
      const missing = [
        ...actionsOf(READ_ONLY_FILES),
        "elasticloadbalancing:DescribeRules",
        "elasticloadbalancing:DescribeTags",
      ].filter((a) => !allowed(policy).has(a));
      assert.deepEqual(missing, []);
      const writes = [...allowed(policy)].filter((a) => WRITE.test(a));
      assert.deepEqual(writes, []);
    });

    it("operator-readonly and preview list config vars but cannot decrypt them through SSM", () => {
      for (const file of ["operator-readonly.json", "preview.json"]) {
        const deny = load(file).Statement.find((s) => s.Effect === "Deny");
        assert.deepEqual(list(deny!.Action), ["kms:Decrypt"], file);
        assert.deepEqual(deny!.Condition, {
          StringLike: { "kms:ViaService": "ssm.*.amazonaws.com" },
        });
      }
    });

    it("deployer allows every call of every CLI command that talks to AWS directly", () => {
      const files = fs
        .readdirSync(path.join(__dirname, "..", "cli"))
        .filter((f) => f.endsWith(".ts"));
      const policy = load("deployer.json");
      const granted = allowed(policy);
      const covered = (action: string) =>
        granted.has(action) ||
        [...granted].some((a) => a.endsWith("*") && action.startsWith(a.slice(0, -1)));
      const missing = actionsOf(files).filter(
        // STS GetCallerIdentity needs no permission; IAM/Route 53/ECR are bootstrap's and release's.
        (a) => !covered(a) && !/^(sts|iam|route53|ecr):/.test(a),
      );
      assert.deepEqual(missing, []);
    });
  });
});
