import * as assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import type {
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { unknownCheckingProxy } from "@pulumi/policy";
import * as analyzerRpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { parse as parseYaml } from "yaml";
import {
  environmentOf,
  plainProperties,
  POLICIES,
  resourcePolicy,
  stackPolicy,
} from "../policy/policies";
import { ResourceRule, ruleById, RULES, StackRule, UNKNOWN } from "../rules";
import { runProgram } from "./harness";

const SG = "aws:ec2/securityGroup:SecurityGroup";
const SSH_FROM_INTERNET = {
  description: "admin",
  ingress: [
    { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"], description: "ssh" },
  ],
};
/** How @pulumi/policy marks a string it cannot know during a preview. */
const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const urn = (stack: string, type: string, name: string) =>
  `urn:pulumi:${stack}::vitcord-infra::${type}::${name}`;

/** What the engine passes a resource policy, with a provider tagged with the environment. */
function resourceArgs(
  type: string,
  props: Record<string, unknown>,
  environment = "dev",
  protect = false,
): ResourceValidationArgs {
  return {
    type,
    props,
    urn: urn("some-stack", type, "r"),
    name: "r",
    opts: {
      protect,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
    },
    provider: {
      type: "pulumi:providers:aws",
      name: "aws",
      urn: "p",
      props: { defaultTags: { tags: { Environment: environment } } },
    },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => ({}) as T,
    notApplicable: () => {
      throw new Error("not applicable");
    },
  };
}

/** A reportViolation spy. */
function spy(): { report: ReportViolation; calls: { message: string; urn?: string }[] } {
  const calls: { message: string; urn?: string }[] = [];
  return { calls, report: (message, urn) => void calls.push({ message, urn }) };
}

async function validate(rule: ResourceRule, args: ResourceValidationArgs) {
  const { report, calls } = spy();
  const policy = resourcePolicy(rule);
  await (policy.validateResource as (a: ResourceValidationArgs, r: ReportViolation) => unknown)(
    args,
    report,
  );
  return calls;
}

describe("policy pack", () => {
  describe("the policies array", () => {
    it("registers one policy per rule, named by its id, with its enforcement level and severity", () => {
      assert.deepEqual(
        POLICIES.map((p) => p.name),
        RULES.map((r) => r.id),
      );
      for (const [index, rule] of RULES.entries()) {
        const policy = POLICIES[index]!;
        assert.equal(policy.enforcementLevel, rule.enforcement, rule.id);
        assert.equal(policy.severity, rule.severity, rule.id);
        assert.ok(policy.description.startsWith(rule.title), rule.id);
        assert.ok(policy.description.includes(rule.controls[0]!), rule.id);
        if (rule.scope === "resource")
          assert.equal(typeof (policy as ResourceValidationPolicy).validateResource, "function");
        else assert.equal(typeof (policy as StackValidationPolicy).validateStack, "function");
      }
    });
  });

  describe("resource policies", () => {
    const ingressRule = ruleById("VIT-NET-05") as ResourceRule;

    it("report the rule's message for a security group that opens port 22 to the internet", async () => {
      const calls = await validate(ingressRule, resourceArgs(SG, SSH_FROM_INTERNET));
      assert.deepEqual(
        calls.map((c) => c.message),
        ["ingress from 0.0.0.0/0 on port 22 (includes remote administration port 22)"],
      );
    });

    it("report nothing for a compliant resource or a resource of another type", async () => {
      const web = {
        description: "lb",
        ingress: [
          {
            protocol: "tcp",
            fromPort: 443,
            toPort: 443,
            cidrBlocks: ["0.0.0.0/0"],
            description: "https",
          },
        ],
      };
      assert.deepEqual(await validate(ingressRule, resourceArgs(SG, web)), []);
      assert.deepEqual(
        await validate(ingressRule, resourceArgs("aws:s3/bucketV2:BucketV2", SSH_FROM_INTERNET)),
        [],
      );
    });

    it("apply prod-only rules by the Environment tag of the resource's AWS provider", async () => {
      const rule = ruleById("VIT-ELB-04") as ResourceRule;
      const lb = { subnets: ["a", "b"], enableDeletionProtection: false };
      assert.deepEqual(
        await validate(rule, resourceArgs("aws:lb/loadBalancer:LoadBalancer", lb, "dev")),
        [],
      );
      assert.equal(
        (await validate(rule, resourceArgs("aws:lb/loadBalancer:LoadBalancer", lb, "prod"))).length,
        1,
      );
    });

    it("see the protect option, so VIT-OPS-01 runs for real at preview", async () => {
      const rule = ruleById("VIT-OPS-01") as ResourceRule;
      const type = "aws:sqs/queue:Queue";
      assert.deepEqual(await validate(rule, resourceArgs(type, {}, "prod", true)), []);
      assert.deepEqual(
        (await validate(rule, resourceArgs(type, {}, "prod", false))).map((c) => c.message),
        ["protect is not set; declare it with statefulResourceOptions(true)"],
      );
    });

    it("leave an unknown value to the engine (it reports that the policy cannot run during preview)", async () => {
      const props = unknownCheckingProxy({ trafficType: UNKNOWN_STRING }) as Record<
        string,
        unknown
      >;
      await assert.rejects(
        validate(
          ruleById("VIT-NET-02") as ResourceRule,
          resourceArgs("aws:ec2/flowLog:FlowLog", props),
        ),
        (error: Error) => error.constructor.name === "UnknownValueError",
      );
    });
  });

  describe("stack policies", () => {
    function stackArgs(
      resources: { type: string; name: string; props: Record<string, unknown> }[],
      stack = "prod",
    ): StackValidationArgs {
      return {
        resources: resources.map((r) => ({
          ...r,
          urn: urn(stack, r.type, r.name),
          opts: {
            protect: false,
            ignoreChanges: [],
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: [],
          },
          dependencies: [],
          propertyDependencies: {},
          isType: () => false,
          asType: () => undefined,
        })),
        stackTags: new Map(),
        getConfig: <T extends object>() => ({}) as T,
        notApplicable: () => {
          throw new Error("not applicable");
        },
      };
    }

    async function validateStack(rule: StackRule, args: StackValidationArgs) {
      const { report, calls } = spy();
      await stackPolicy(rule).validateStack(args, report);
      return calls;
    }

    const circuit = ruleById("VIT-NET-10") as StackRule;
    const vpc = (strategy: string) => ({
      type: "awsx:ec2:Vpc",
      name: "network-vpc",
      props: { natGateways: { strategy } },
    });

    it("report the rule's findings against the resource at fault", async () => {
      const calls = await validateStack(circuit, stackArgs([vpc("Single")]));
      assert.deepEqual(calls, [
        {
          message: "natGateways.strategy is Single; prod needs OnePerAz",
          urn: urn("prod", "awsx:ec2:Vpc", "network-vpc"),
        },
      ]);
      assert.deepEqual(await validateStack(circuit, stackArgs([vpc("OnePerAz")])), []);
    });

    it("take the environment from the AWS provider's default tags, else the stack name", async () => {
      const provider = {
        type: "pulumi:providers:aws",
        name: "aws",
        props: { defaultTags: { tags: { Environment: "dev" } } },
      };
      // A prod-only rule in a stack whose provider says dev: not applied.
      assert.deepEqual(
        await validateStack(circuit, stackArgs([provider, vpc("Single")], "prod")),
        [],
      );
      assert.equal(environmentOf(urn("dev", SG, "x")), "dev");
      // A provider's state holds nested settings as JSON text.
      const tags = JSON.stringify({ tags: { Environment: "dev" } });
      assert.equal(environmentOf(urn("prod", SG, "x"), { defaultTags: tags }), "dev");
      assert.equal(environmentOf(urn("prod", SG, "x")), "prod");
      assert.equal(
        environmentOf(urn("alice", SG, "x")),
        "prod",
        "unknown stacks get the strictest rules",
      );
    });

    it("treat unknown ids as unknown, not as a violation", async () => {
      assert.deepEqual(plainProperties({ arn: UNKNOWN_STRING, list: [UNKNOWN_STRING, "x"] }), {
        arn: UNKNOWN,
        list: [UNKNOWN, "x"],
      });
      const rule = ruleById("VIT-NET-06") as StackRule;
      // A new security group's id is unknown at preview: it cannot be matched to a load balancer yet.
      const group = {
        type: SG,
        name: "lb",
        props: {
          arn: UNKNOWN_STRING,
          ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }],
        },
      };
      assert.deepEqual(await validateStack(rule, stackArgs([group])), []);
    });

    it("pass a first preview of the whole program, where every id is unknown", async () => {
      // Every stack rule over the prod program's resources with each id and ARN made unknown,
      // as Pulumi previews a stack that does not exist yet.
      // The harness shares the prod synthesis with the other tests of this process.
      const { resources } = await runProgram("prod");
      const unknownIds = (value: unknown, key = ""): unknown => {
        if (
          typeof value === "string" &&
          (/(^|[^a-z])(arn|id|ids)$/i.test(key) || /^(arn:|sg-|subnet-)/.test(value))
        ) {
          return UNKNOWN_STRING;
        }
        if (Array.isArray(value)) return value.map((v) => unknownIds(v, key));
        if (value !== null && typeof value === "object") {
          return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unknownIds(v, k)]));
        }
        return value;
      };
      const previewed = stackArgs(
        resources.map((r) => ({
          type: r.type,
          name: r.name,
          props: unknownIds({ ...r.inputs, ...r.state }) as Record<string, unknown>,
        })),
      );
      // The known program passes every mandatory rule (rules-stack.test.ts): unknowns must not
      // make one fail.
      const mandatory = RULES.filter(
        (r): r is StackRule => r.scope === "stack" && r.enforcement === "mandatory",
      );
      for (const rule of mandatory) {
        const calls = await validateStack(rule, previewed);
        assert.deepEqual(calls, [], rule.id);
      }
    });
  });

  describe("the pack, served as the Pulumi CLI runs it", function () {
    // Type-checking the pack takes a while on a busy machine; no timing is asserted.
    this.timeout(180_000);
    let pack: ChildProcess;
    let client: analyzerRpc.AnalyzerClient;

    before(async () => {
      // What `pulumi preview --policy-pack policy` does: Pulumi's own runner for Node.js packs, in
      // the pack's folder (it type-checks the pack with ts-node), then the port it prints.
      const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack");
      pack = spawn(process.execPath, [runner, "127.0.0.1:0", "."], {
        cwd: path.join(__dirname, "..", "policy"),
        stdio: ["ignore", "pipe", "pipe"],
      });
      const port = await new Promise<string>((resolve, reject) => {
        let errors = "";
        pack.stderr!.on("data", (d: Buffer) => (errors += d.toString()));
        let output = "";
        pack.stdout!.on("data", (d: Buffer) => {
          output += d.toString();
          // The CLI reads the port from the pack's first line of output.
          const port = /^(\d+)$/m.exec(output)?.[1];
          if (port !== undefined) resolve(port);
        });
        pack.once("exit", (code) =>
          reject(new Error(`the pack exited with ${String(code)}: ${errors}`)),
        );
      });
      client = new analyzerRpc.AnalyzerClient(
        `127.0.0.1:${port}`,
        grpc.credentials.createInsecure(),
      );
    });

    after(() => {
      client?.close();
      pack?.kill();
    });

    it("registers every rule with its enforcement level", async () => {
      const info = await new Promise<analyzer.AnalyzerInfo>((resolve, reject) =>
        client.getAnalyzerInfo(new Empty(), (error, response) =>
          error ? reject(error) : resolve(response),
        ),
      );
      assert.equal(info.getName(), "vitcord-infra");
      const policies = info.getPoliciesList();
      // One policy per rule, then the advisory one that reports waived findings (policy/waivers.ts).
      assert.deepEqual(
        policies.map((p) => p.getName()),
        [...RULES.map((r) => r.id), "rule-waivers"],
      );
      assert.equal(policies.at(-1)!.getEnforcementlevel(), analyzer.EnforcementLevel.ADVISORY);
      for (const [index, rule] of RULES.entries()) {
        const level =
          rule.enforcement === "mandatory"
            ? analyzer.EnforcementLevel.MANDATORY
            : analyzer.EnforcementLevel.ADVISORY;
        assert.equal(policies[index]!.getEnforcementlevel(), level, rule.id);
        const type =
          rule.scope === "resource"
            ? analyzer.PolicyType.POLICY_TYPE_RESOURCE
            : analyzer.PolicyType.POLICY_TYPE_STACK;
        assert.equal(policies[index]!.getPolicyType(), type, rule.id);
      }
    });

    it("fails a security group that opens port 22 to the internet with VIT-NET-05, mandatory", async () => {
      const request = new analyzer.AnalyzeRequest()
        .setType(SG)
        .setName("admin")
        .setUrn(urn("dev", SG, "admin"))
        .setProperties(Struct.fromJavaScript(SSH_FROM_INTERNET))
        .setOptions(new analyzer.AnalyzerResourceOptions().setProtect(false));
      const response = await new Promise<analyzer.AnalyzeResponse>((resolve, reject) =>
        client.analyze(request, (error, result) => (error ? reject(error) : resolve(result))),
      );
      const diagnostics = response
        .getDiagnosticsList()
        // The engine prints the policy description, then the rule's message on the last line.
        .map((d) => [d.getPolicyname(), d.getEnforcementlevel(), d.getMessage().split("\n").pop()]);
      assert.deepEqual(diagnostics, [
        [
          "VIT-NET-05",
          analyzer.EnforcementLevel.MANDATORY,
          "ingress from 0.0.0.0/0 on port 22 (includes remote administration port 22)",
        ],
      ]);
    });
  });

  describe("the deploy workflow", () => {
    it("runs the pack on every preview and deploy", () => {
      const file = path.join(__dirname, "..", ".github", "workflows", "deploy.yml");
      const workflow = parseYaml(fs.readFileSync(file, "utf8")) as {
        env: Record<string, string>;
        jobs: Record<string, { steps: { run?: string }[] }>;
      };
      assert.equal(workflow.env.POLICY_PACK_ARGS, "--policy-pack policy");
      const runs = Object.values(workflow.jobs)
        .flatMap((job) => job.steps)
        .map((step) => step.run ?? "")
        .filter((run) => /infra -- (preview|up)\b/.test(run));
      assert.ok(runs.length >= 3, "previews, dev deploy, prod deploy");
      for (const run of runs) assert.match(run, /\$POLICY_PACK_ARGS\b/, run);
    });
  });
});
