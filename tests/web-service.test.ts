import * as assert from "node:assert/strict";
import { parseStackConfig } from "../components/config";
import { readStackConfig } from "../components/config/stack-files";
import { shortHash } from "../plan/engine/stand-ins";
import { elbLogDeliveryPrincipal, listenerPorts, TLS_POLICY } from "../components/load-balancer";
import { ecrLifecyclePolicy, repositoryPullPolicy } from "../components/registry";
import { ProgramRun, RecordedResource, runInvalid, runProgram } from "./harness";
import { IDLE_TIMEOUT_DEFAULT_SECONDS } from "../components/config/service";
import { DENY_IAM_CHANGES } from "../components/iam";
import { ecsServiceOptions } from "../components/options";

const SERVICE = "vitcord:service:LoadBalancedService";
const ALB = "aws:lb/loadBalancer:LoadBalancer";
const LISTENER = "aws:lb/listener:Listener";
const TARGET_GROUP = "aws:lb/targetGroup:TargetGroup";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const TASK_DEF = "aws:ecs/taskDefinition:TaskDefinition";
const ECS_SERVICE = "aws:ecs/service:Service";
const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const SCALING_TARGET = "aws:appautoscaling/target:Target";
const SCALING_POLICY = "aws:appautoscaling/policy:Policy";
const REPOSITORY = "aws:ecr/repository:Repository";
const SSM = "arn:aws:ssm:us-east-1:123456789012:parameter/dev/api/database-url";
const SM = "arn:aws:secretsmanager:us-east-1:123456789012:secret:dev/api/stripe-AbCdEf";
/** The cluster's shared Service Connect client group, as the stand-in engine names its id. */
const CLIENT_SG = `sg-${shortHash("cluster-workloads", 17)}`;

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Principal?: Record<string, string>;
  Condition?: unknown;
}

function statements(json: unknown): Statement[] {
  return (JSON.parse(json as string) as { Statement: Statement[] }).Statement;
}

/** The committed stack's services, for tests that change one and keep the rest. */
function stackServices(stack: string): Record<string, Record<string, unknown>> {
  return JSON.parse(readStackConfig(stack)["vitcord-infra:services"]!) as Record<
    string,
    Record<string, unknown>
  >;
}

const PRIVATE_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shared/nginx:1.27";

/**
 * dev with one change per service, each the subject of its own test, in one synthesis (the
 * harness memoizes it): the api gets a variable, secrets, a private ECR image and a managed task
 * policy; notifications an idle timeout and extra egress; and a new service, web, is added.
 */
function tunedDev(): Promise<ProgramRun> {
  const services = stackServices("dev");
  return runProgram("dev", {
    services: {
      ...services,
      api: {
        ...services.api,
        environment: { LOG_LEVEL: "debug" },
        secrets: { DATABASE_URL: SSM, STRIPE_KEY: `${SM}:key::` },
        image: PRIVATE_IMAGE,
        taskPolicyArns: ["arn:aws:iam::123456789012:policy/api-uploads"],
      },
      notifications: {
        ...services.notifications,
        idleTimeoutSeconds: 50,
        egress: [
          { description: "SMTP to the mail provider", port: 587, cidr: "0.0.0.0/0" },
          {
            description: "APNs push gateway",
            fromPort: 2195,
            toPort: 2197,
            cidr: "17.0.0.0/8",
          },
        ],
      },
      web: { image: "public.ecr.aws/nginx/nginx:1.27", port: 80, healthCheckPath: "/health" },
    },
  });
}

/** Everything one service declared, found through the component tree. */
class ServiceView {
  constructor(
    readonly run: ProgramRun,
    readonly name: string,
  ) {}
  get component(): RecordedResource {
    return this.run.one(SERVICE, this.name);
  }
  /** The resources declared by the service or its task component, of one type. */
  all(type: string): RecordedResource[] {
    const task = this.run.one("vitcord:task:WorkloadTask", this.name);
    return [...this.run.childrenOf(this.component), ...this.run.childrenOf(task)].filter(
      (r) => r.type === type,
    );
  }
  one(type: string, name?: string): RecordedResource {
    const found = this.all(type).filter((r) => name === undefined || r.name === name);
    assert.equal(found.length, 1, `expected one ${type} ${name ?? ""} in ${this.name}`);
    return found[0]!;
  }
  sg(kind: "alb" | "task"): RecordedResource {
    return this.one(SG, `${this.name}-${kind}-sg`);
  }
  /** A security group's id, as the stand-in engine gives it (derived from the logical name). */
  sgId(kind: "alb" | "task"): string {
    return `sg-${shortHash(this.sg(kind).name, 17)}`;
  }
  /** The separate ingress or egress rules of one of the service's security groups. */
  rules(type: typeof INGRESS | typeof EGRESS, kind: "alb" | "task"): RecordedResource[] {
    return this.all(type).filter((r) => r.inputs.securityGroupId === this.sgId(kind));
  }
  get container(): Record<string, any> {
    const defs = JSON.parse(this.one(TASK_DEF).inputs.containerDefinitions as string) as unknown[];
    assert.equal(defs.length, 1);
    return defs[0] as Record<string, any>;
  }
}

describe("LoadBalancedService", () => {
  let dev: ProgramRun;
  let prod: ProgramRun;
  before(async () => {
    dev = await runProgram("dev");
    prod = await runProgram("prod");
  });
  const each = (fn: (view: ServiceView, stack: "dev" | "prod") => void) => {
    for (const [run, stack] of [
      [dev, "dev"],
      [prod, "prod"],
    ] as const) {
      for (const name of ["api", "notifications"]) fn(new ServiceView(run, name), stack);
    }
  };

  it("declares no listener rule: priority 1 on every listener is the CLI's maintenance rule", () => {
    for (const run of [dev, prod]) {
      assert.ok(run.ofType("aws:lb/listener:Listener").length > 0);
      assert.deepEqual(run.ofType("aws:lb/listenerRule:ListenerRule"), []);
    }
  });

  describe("entry point", () => {
    it("gives every configured service its own internet-facing ALB in the public subnets", () => {
      for (const run of [dev, prod]) {
        assert.deepEqual(
          run
            .ofType(SERVICE)
            .map((s) => s.name)
            .sort(),
          ["api", "notifications"],
        );
        assert.equal(run.ofType(ALB).length, 2);
      }
      each((view) => {
        const alb = view.one(ALB);
        assert.equal(alb.inputs.loadBalancerType, "application");
        assert.equal(alb.inputs.internal, false);
        assert.deepEqual(alb.inputs.subnets, view.run.outputs.publicSubnetIds);
        assert.deepEqual(alb.inputs.securityGroups, [view.sgId("alb")]);
      });
    });

    it("drops invalid headers and mitigates desync defensively (ELB.4, ELB.12)", () => {
      each((view) => {
        assert.equal(view.one(ALB).inputs.dropInvalidHeaderFields, true);
        assert.equal(view.one(ALB).inputs.desyncMitigationMode, "defensive");
      });
    });

    it("protects the ALB and keeps access logs in prod only (ELB.5, ELB.6)", () => {
      each((view, stack) => {
        const alb = view.one(ALB);
        assert.equal(alb.inputs.enableDeletionProtection, stack === "prod");
        if (stack === "dev") {
          assert.equal(alb.inputs.accessLogs, undefined);
          assert.equal(view.all("aws:s3/bucket:Bucket").length, 0);
        } else {
          const bucket = view.one("aws:s3/bucket:Bucket");
          assert.deepEqual(alb.inputs.accessLogs, {
            bucket: bucket.state.bucket,
            prefix: view.name,
            enabled: true,
          });
        }
      });
    });

    it("writes prod access logs to a private, encrypted, expiring bucket only ELB may write", () => {
      const view = new ServiceView(prod, "api");
      const bucket = view.one("aws:s3/bucket:Bucket");
      assert.equal(bucket.inputs.forceDestroy, false);
      assert.deepEqual(view.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs, {
        bucket: bucket.state.bucket,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      assert.deepEqual(
        view.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs.rule,
        { objectOwnership: "BucketOwnerEnforced" },
      );
      assert.deepEqual(
        view.one(
          "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        ).inputs.rules,
        [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
      );
      const [rule] = view.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
        .inputs.rules as { status: string; expiration: { days: number } }[];
      assert.equal(rule!.status, "Enabled");
      assert.equal(rule!.expiration.days, 365);

      const [delivery, tls] = statements(
        view.one("aws:s3/bucketPolicy:BucketPolicy").inputs.policy,
      );
      // us-east-1 (opened before August 2022) delivers from its ELB account.
      assert.deepEqual(delivery!.Principal, { AWS: "arn:aws:iam::127311923021:root" });
      assert.equal(delivery!.Action, "s3:PutObject");
      assert.equal(delivery!.Resource, `${String(bucket.state.arn)}/api/AWSLogs/123456789012/*`);
      assert.equal(tls!.Effect, "Deny");
      assert.deepEqual(tls!.Condition, { Bool: { "aws:SecureTransport": "false" } });
      // ELB writes a test object when logging is enabled and fails the call without the policy.
      assert.ok(
        view.one(ALB).dependencies?.includes(view.one("aws:s3/bucketPolicy:BucketPolicy").urn),
        "the ALB is created after the bucket policy that lets ELB write",
      );
    });
  });

  describe("listeners", () => {
    it("dev (no certificate): HTTP 80 forwards to the target group, nothing else", () => {
      for (const name of ["api", "notifications"]) {
        const view = new ServiceView(dev, name);
        const [http, ...others] = view.all(LISTENER);
        assert.equal(others.length, 0);
        assert.equal(http!.inputs.port, 80);
        assert.equal(http!.inputs.protocol, "HTTP");
        assert.deepEqual(http!.inputs.defaultActions, [
          { type: "forward", targetGroupArn: view.one(TARGET_GROUP).state.arn },
        ]);
        assert.equal(http!.inputs.loadBalancerArn, view.one(ALB).state.arn);
      }
      assert.equal(listenerPorts(false).join(), "80");
    });

    it("prod: HTTPS 443 with the TLS 1.3 policy and the validated certificate (ELB.17/18)", () => {
      for (const name of ["api", "notifications"]) {
        const view = new ServiceView(prod, name);
        const https = view.one(LISTENER, `${name}-https`);
        assert.equal(https.inputs.port, 443);
        assert.equal(https.inputs.protocol, "HTTPS");
        assert.equal(https.inputs.sslPolicy, TLS_POLICY);
        assert.equal(TLS_POLICY, "ELBSecurityPolicy-TLS13-1-2-2021-06");
        const certificate = view.one("aws:acm/certificate:Certificate");
        assert.equal(https.inputs.certificateArn, certificate.state.arn);
        assert.deepEqual(https.inputs.defaultActions, [
          { type: "forward", targetGroupArn: view.one(TARGET_GROUP).state.arn },
        ]);
      }
    });

    it("prod: HTTP 80 answers only a permanent redirect to HTTPS (ELB.1, CKV2_AWS_20)", () => {
      for (const name of ["api", "notifications"]) {
        const http = new ServiceView(prod, name).one(LISTENER, `${name}-http`);
        assert.equal(http.inputs.port, 80);
        assert.deepEqual(http.inputs.defaultActions, [
          {
            type: "redirect",
            redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" },
          },
        ]);
      }
    });

    it("prod: issues the certificate by DNS validation and aliases the domain to the ALB", () => {
      const view = new ServiceView(prod, "api");
      const certificate = view.one("aws:acm/certificate:Certificate");
      assert.equal(certificate.inputs.domainName, "api.vitcord.com");
      assert.equal(certificate.inputs.validationMethod, "DNS");
      const records = view.all("aws:route53/record:Record");
      const validation = records.find((r) => r.name === "api-cert-validation")!;
      const [option] = certificate.state.domainValidationOptions as Record<string, string>[];
      assert.equal(validation.inputs.name, option!.resourceRecordName);
      assert.deepEqual(validation.inputs.records, [option!.resourceRecordValue]);
      const alias = records.find((r) => r.name === "api-alias")!;
      assert.equal(alias.inputs.type, "A");
      assert.equal(alias.inputs.name, "api.vitcord.com");
      assert.equal(alias.inputs.zoneId, validation.inputs.zoneId);
      assert.match(String(alias.inputs.zoneId), /^Z[0-9A-F]+$/);
      const alb = view.one(ALB);
      assert.deepEqual(alias.inputs.aliases, [
        { name: alb.state.dnsName, zoneId: alb.state.zoneId, evaluateTargetHealth: true },
      ]);
      assert.equal(
        view.one("aws:acm/certificateValidation:CertificateValidation").inputs.certificateArn,
        certificate.state.arn,
      );
    });
  });

  describe("target group", () => {
    it("targets task IPs on the container port with the configured health check", () => {
      const api = new ServiceView(prod, "api").one(TARGET_GROUP).inputs;
      assert.equal(api.targetType, "ip");
      assert.equal(api.port, 3000);
      assert.equal(api.protocol, "HTTP");
      assert.equal(api.vpcId, prod.outputs.vpcId);
      assert.deepEqual(api.healthCheck, {
        enabled: true,
        path: "/up",
        port: "traffic-port",
        protocol: "HTTP",
        matcher: "200-399",
        interval: 15,
        timeout: 5,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
      });
      const notifications = new ServiceView(prod, "notifications").one(TARGET_GROUP).inputs;
      assert.equal(notifications.port, 8080);
      assert.equal((notifications.healthCheck as { path: string }).path, "/actuator/health");
    });

    it("drains in well under 300 s: 5 s in dev, 30 s in prod (checklist #20)", () => {
      each((view, stack) => {
        assert.equal(view.one(TARGET_GROUP).inputs.deregistrationDelay, stack === "dev" ? 5 : 30);
      });
    });
  });

  describe("security groups (checklist #4/#5)", () => {
    it("admits only TCP 80 (and 443 with a certificate) from the internet to the ALB", () => {
      each((view, stack) => {
        const ingress = view.rules(INGRESS, "alb").map((r) => r.inputs);
        const ports = stack === "prod" ? [80, 443] : [80];
        assert.deepEqual(
          ingress.map((r) => [r.ipProtocol, r.fromPort, r.toPort, r.cidrIpv4]),
          ports.map((p) => ["tcp", p, p, "0.0.0.0/0"]),
        );
      });
    });

    it("lets the ALB talk only to its tasks, on the container port", () => {
      each((view) => {
        const port = view.one(TARGET_GROUP).inputs.port;
        const egress = view.rules(EGRESS, "alb").map((r) => r.inputs);
        assert.equal(egress.length, 1);
        assert.equal(egress[0]!.referencedSecurityGroupId, view.sgId("task"));
        assert.deepEqual(
          [egress[0]!.ipProtocol, egress[0]!.fromPort, egress[0]!.toPort],
          ["tcp", port, port],
        );
      });
    });

    it("admits to the tasks only the ALB's group and the cluster's client group, on the container port, never a CIDR (EC2.18)", () => {
      each((view) => {
        const port = view.one(TARGET_GROUP).inputs.port;
        const ingress = view.rules(INGRESS, "task").map((r) => r.inputs);
        const sources = (rules: unknown[][]) => rules.map((r) => JSON.stringify(r)).sort();
        assert.deepEqual(
          sources(
            ingress.map((r) => [
              r.ipProtocol,
              r.fromPort,
              r.toPort,
              r.referencedSecurityGroupId ?? r.cidrIpv4,
            ]),
          ),
          sources([
            ["tcp", port, port, view.sgId("alb")],
            ["tcp", port, port, CLIENT_SG],
          ]),
        );
        assert.ok(ingress.every((r) => r.cidrIpv4 === undefined && r.cidrIpv6 === undefined));
      });
    });

    it("never opens all protocols outbound, and describes every group and rule (CKV_AWS_23, CKV_AWS_382)", () => {
      each((view) => {
        for (const rule of [...view.all(INGRESS), ...view.all(EGRESS)]) {
          assert.ok(String(rule.inputs.description).length > 10, rule.name);
          assert.notEqual(rule.inputs.ipProtocol, "-1", rule.name);
        }
        for (const sg of view.all(SG)) assert.ok(String(sg.inputs.description).length > 10);
      });
    });
  });

  describe("task definition", () => {
    it("is an EC2 task in awsvpc mode with the configured size (ECS.17)", () => {
      each((view, stack) => {
        const def = view.one(TASK_DEF).inputs;
        assert.equal(def.networkMode, "awsvpc");
        assert.deepEqual(def.requiresCompatibilities, ["EC2"]);
        assert.equal(def.pidMode, undefined);
        assert.equal(def.family, `${stack}-${view.name}`);
      });
      assert.equal(new ServiceView(dev, "api").one(TASK_DEF).inputs.cpu, "256");
      assert.equal(new ServiceView(dev, "api").one(TASK_DEF).inputs.memory, "512");
      assert.equal(new ServiceView(prod, "notifications").one(TASK_DEF).inputs.memory, "1536");
    });

    it("runs one container named after the service, logging to its own group (ECS.9)", () => {
      each((view, stack) => {
        const container = view.container;
        const group = view.one(LOG_GROUP);
        assert.equal(container.name, view.name);
        assert.equal(group.inputs.name, `/vitcord/${stack}/${view.name}`);
        assert.equal(group.inputs.retentionInDays, stack === "dev" ? 14 : 365);
        assert.deepEqual(container.logConfiguration, {
          logDriver: "awslogs",
          options: {
            "awslogs-region": "us-east-1",
            "awslogs-group": group.inputs.name,
            "awslogs-stream-prefix": view.name,
          },
        });
      });
    });

    it("is read-only at the root with scratch volumes, and never privileged (ECS.4/5)", () => {
      each((view) => {
        const container = view.container;
        assert.equal(container.readonlyRootFilesystem, true);
        assert.ok(!("privileged" in container));
        const volumes = (view.one(TASK_DEF).inputs.volumes as { name: string }[]).map(
          (v) => v.name,
        );
        assert.deepEqual(
          container.mountPoints.map((m: { sourceVolume: string }) => m.sourceVolume),
          volumes,
        );
        assert.ok(
          container.mountPoints.some((m: { containerPath: string }) => m.containerPath === "/tmp"),
        );
      });
    });

    it("keeps the root read-only with ECS Exec on, giving the exec agent scratch paths", () => {
      const api = new ServiceView(dev, "api");
      assert.equal(api.container.readonlyRootFilesystem, true);
      const paths = api.container.mountPoints.map(
        (m: { containerPath: string }) => m.containerPath,
      );
      assert.deepEqual(paths, [
        "/tmp",
        "/var/cache/nginx",
        "/run",
        "/var/lib/amazon/ssm",
        "/var/log/amazon/ssm",
      ]);
      const notifications = new ServiceView(dev, "notifications").container;
      assert.ok(!JSON.stringify(notifications.mountPoints).includes("amazon/ssm"));
    });

    it("runs the public image in dev and the shared vitcord/<service>:<imageTag> in prod", () => {
      assert.equal(new ServiceView(dev, "api").container.image, "public.ecr.aws/nginx/nginx:1.27");
      const prodApi = new ServiceView(prod, "api");
      // The repository dev created, in the stack's own account (the stand-in engine's).
      assert.equal(
        prodApi.container.image,
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/vitcord/api:1.0.0",
      );
      assert.equal(
        prodApi.container.image,
        `${String(dev.one(REPOSITORY, "api-repo").state.repositoryUrl)}:1.0.0`,
      );
      assert.equal(prodApi.container.user, "1000:1000");
      assert.equal(prodApi.container.stopTimeout, 60);
      assert.deepEqual(prodApi.container.portMappings, [
        { name: "http", containerPort: 3000, hostPort: 3000, protocol: "tcp", appProtocol: "http" },
      ]);
    });

    it("passes secrets as valueFrom references, never in the environment (ECS.8)", async () => {
      const view = new ServiceView(await tunedDev(), "api");
      // Beside the configured secrets, only the password of the database it uses (`uses: [main]`).
      const secrets = view.container.secrets as { name: string; valueFrom: string }[];
      assert.deepEqual(
        secrets.map((s) => s.name),
        ["DATABASE_PASSWORD", "DATABASE_URL", "STRIPE_KEY"],
      );
      assert.deepEqual(secrets.slice(1), [
        { name: "DATABASE_URL", valueFrom: SSM },
        { name: "STRIPE_KEY", valueFrom: `${SM}:key::` },
      ]);
      // Beside the configured variable, only the jobs queue's URL (the api is its producer) and
      // the database's connection settings.
      assert.deepEqual(
        (view.container.environment as { name: string }[]).map((e) => e.name),
        [
          "DATABASE_HOST",
          "DATABASE_NAME",
          "DATABASE_PORT",
          "DATABASE_USER",
          "JOBS_QUEUE_URL",
          "LOG_LEVEL",
        ],
      );
      assert.ok(!JSON.stringify(view.container.environment).includes("arn:"));
      // The execution role reads exactly these, not `*`.
      const policy = statements(view.one(ROLE_POLICY, "api-execution").inputs.policy);
      assert.deepEqual(policy.find((s) => s.Sid === "ReadSsmParameters")!.Resource, [SSM]);
      assert.deepEqual(policy.find((s) => s.Sid === "ReadSecrets")!.Resource, [SM]);
    });
  });

  describe("roles (CKV_AWS_249, IAM.21)", () => {
    it("gives the task an execution role and a different task role, both for ECS tasks only", () => {
      each((view) => {
        const def = view.one(TASK_DEF).inputs;
        const execution = view.one(ROLE, `${view.name}-execution`);
        const task = view.one(ROLE, `${view.name}-task`);
        assert.equal(def.executionRoleArn, execution.state.arn);
        assert.equal(def.taskRoleArn, task.state.arn);
        assert.notEqual(def.executionRoleArn, def.taskRoleArn);
        for (const role of [execution, task]) {
          const [trust] = statements(role.inputs.assumeRolePolicy);
          assert.deepEqual(trust!.Principal, { Service: "ecs-tasks.amazonaws.com" });
          assert.deepEqual(trust!.Condition, {
            StringEquals: { "aws:SourceAccount": "123456789012" },
          });
        }
      });
    });

    it("lets the execution role write only its log group and pull only its repository", () => {
      each((view, stack) => {
        const policy = statements(view.one(ROLE_POLICY, `${view.name}-execution`).inputs.policy);
        const logs = policy.find((s) => s.Sid === "WriteLogs")!;
        assert.equal(logs.Resource, `${String(view.one(LOG_GROUP).state.arn)}:log-stream:*`);
        const pull = policy.find((s) => s.Sid === "PullImages");
        if (stack === "dev") {
          // Public images: no ECR permission at all (the rest is the secrets of its `uses`, and
          // its config vars' path: tests/ops-manifest.test.ts).
          assert.equal(pull, undefined);
          assert.deepEqual(
            policy
              .filter((s) => s.Sid !== "ReadDataStoreSecrets" && s.Sid !== "ReadConfigVars")
              .map((s) => s.Sid),
            ["WriteLogs"],
          );
        } else {
          // The service's shared repository, in the account's registry (created by dev).
          assert.equal(
            pull!.Resource,
            `arn:aws:ecr:us-east-1:123456789012:repository/vitcord/${view.name}`,
          );
        }
        // The only `*` is the ECR login, whose action has no resource type.
        for (const s of policy.filter((s) => s.Resource === "*")) {
          assert.equal(s.Action, "ecr:GetAuthorizationToken");
        }
      });
    });

    it("lets the execution role pull a configured image from a private ECR registry (the agent pulls with it)", async () => {
      const image = PRIVATE_IMAGE;
      const view = new ServiceView(await tunedDev(), "api");
      const policy = statements(view.one(ROLE_POLICY, "api-execution").inputs.policy);
      assert.equal(
        policy.find((s) => s.Sid === "PullImages")?.Resource,
        "arn:aws:ecr:us-east-1:123456789012:repository/shared/nginx",
      );
      assert.ok(policy.some((s) => s.Action === "ecr:GetAuthorizationToken"));
      assert.equal(view.container.image, image);
    });

    it("leaves the task role empty unless config grants something (ECS Exec and the jobs queue in dev's api, its table in notifications')", () => {
      const notifications = new ServiceView(dev, "notifications");
      // Only the statements of the table it uses, on that table's ARNs (tests/table.test.ts).
      // Beside the Deny of IAM changes every task role carries (issue 15).
      const own = statements(
        notifications.one(ROLE_POLICY, "notifications-task").inputs.policy,
      ).filter((s) => s.Sid !== "DenyIamChanges");
      assert.ok(own.length > 0);
      for (const s of own) assert.match(JSON.stringify(s.Action), /dynamodb:/);
      assert.equal(
        notifications.all("aws:iam/rolePolicyAttachment:RolePolicyAttachment").length,
        0,
      );
      const api = statements(
        new ServiceView(dev, "api").one(ROLE_POLICY, "api-task").inputs.policy,
      );
      assert.deepEqual(api.map((s) => s.Sid).sort(), [
        "DenyIamChanges",
        "EcsExec",
        "FindExecLogGroup",
        "SendToQueues",
        "WriteExecSessionLogs",
      ]);
    });

    it("registers the task definition only after both roles' policies exist (no task starts without its permissions)", async () => {
      const withAttachment = new ServiceView(await tunedDev(), "api");
      for (const view of [withAttachment, new ServiceView(prod, "notifications")]) {
        const policies = [...view.all(ROLE_POLICY), ...view.all(ATTACHMENT)];
        assert.ok(policies.some((p) => p.name === `${view.name}-execution`));
        const dependencies = view.one(TASK_DEF).dependencies ?? [];
        for (const policy of policies) {
          assert.ok(
            dependencies.includes(policy.urn),
            `${view.name}'s task definition depends on ${policy.name}`,
          );
        }
      }
      assert.deepEqual(
        withAttachment.all(ATTACHMENT).map((a) => a.name),
        ["api-task-0"],
      );
      assert.ok(withAttachment.all(ROLE_POLICY).some((p) => p.name === "api-task"));
    });

    it("lets ECS Exec find the cluster's session log group (a list call, never one group's ARN) and write to it", () => {
      const api = statements(
        new ServiceView(dev, "api").one(ROLE_POLICY, "api-task").inputs.policy,
      );
      const execLogs = dev.one(LOG_GROUP, "cluster-exec-logs").state.arn as string;
      // IAM authorizes logs:DescribeLogGroups against `…:log-group::log-stream:`, so a Resource of
      // the exec group's own ARN would deny the SSM agent's check and the session would not log.
      assert.equal(
        api.find((s) => s.Sid === "FindExecLogGroup")?.Resource,
        "arn:aws:logs:us-east-1:123456789012:log-group:*",
      );
      const write = api.find((s) => s.Sid === "WriteExecSessionLogs")!;
      assert.deepEqual(write.Action, [
        "logs:CreateLogStream",
        "logs:DescribeLogStreams",
        "logs:PutLogEvents",
      ]);
      assert.equal(write.Resource, `${execLogs}:log-stream:*`);
    });
  });

  describe("ECS service", () => {
    it("runs on the cluster's EC2 capacity provider, never a launch type", () => {
      each((view) => {
        const svc = view.one(ECS_SERVICE).inputs;
        assert.equal(svc.cluster, view.run.outputs.clusterArn);
        assert.deepEqual(svc.capacityProviderStrategies, [
          { capacityProvider: view.run.outputs.capacityProviderName, weight: 1 },
        ]);
        assert.equal(svc.launchType, undefined);
        // The strategy never changes, so no update needs a forced deployment (which would
        // restart every task on any change, e.g. a scaled desired count).
        assert.equal(svc.forceNewDeployment, undefined);
        assert.equal(svc.taskDefinition, view.one(TASK_DEF).state.arn);
      });
    });

    it("places tasks in private subnets with no public IP, in the task group and the client group (ECS.2)", () => {
      each((view) => {
        assert.deepEqual(view.one(ECS_SERVICE).inputs.networkConfiguration, {
          subnets: view.run.outputs.privateSubnetIds,
          securityGroups: [view.sgId("task"), CLIENT_SG],
          assignPublicIp: false,
        });
      });
    });

    it("registers the named container and port with the target group", () => {
      each((view) => {
        assert.deepEqual(view.one(ECS_SERVICE).inputs.loadBalancers, [
          {
            targetGroupArn: view.one(TARGET_GROUP).state.arn,
            containerName: view.name,
            containerPort: view.one(TARGET_GROUP).inputs.port,
          },
        ]);
        // CreateService refuses a target group no listener attaches to a load balancer yet.
        const dependencies = view.one(ECS_SERVICE).dependencies ?? [];
        for (const listener of view.all(LISTENER)) {
          assert.ok(dependencies.includes(listener.urn), `${view.name} waits for ${listener.name}`);
        }
      });
    });

    it("deploys with the circuit breaker and rollback, 50/200 in dev and 100/200 in prod (#17)", () => {
      each((view, stack) => {
        const svc = view.one(ECS_SERVICE).inputs;
        assert.deepEqual(svc.deploymentCircuitBreaker, { enable: true, rollback: true });
        assert.equal(svc.deploymentMinimumHealthyPercent, stack === "dev" ? 50 : 100);
        assert.equal(svc.deploymentMaximumPercent, 200);
        assert.equal(svc.waitForSteadyState, true);
        assert.ok((svc.healthCheckGracePeriodSeconds as number) >= 30);
      });
      assert.equal(
        new ServiceView(prod, "notifications").one(ECS_SERVICE).inputs
          .healthCheckGracePeriodSeconds,
        120,
      );
    });

    it("spreads tasks across AZs, then binpacks by memory (#18)", () => {
      each((view) => {
        assert.deepEqual(view.one(ECS_SERVICE).inputs.orderedPlacementStrategies, [
          { type: "spread", field: "attribute:ecs.availability-zone" },
          { type: "binpack", field: "memory" },
        ]);
      });
    });

    it("serves its port in the cluster's Service Connect namespace under its own name", () => {
      each((view) => {
        const connect = view.one(ECS_SERVICE).inputs.serviceConnectConfiguration as Record<
          string,
          any
        >;
        assert.equal(connect.enabled, true);
        assert.ok(String(connect.namespace).startsWith("arn:aws:servicediscovery:"));
        const port = view.one(TARGET_GROUP).inputs.port;
        assert.deepEqual(connect.services, [
          {
            portName: "http",
            discoveryName: view.name,
            clientAlias: [{ dnsName: view.name, port }],
          },
        ]);
        assert.equal(view.container.portMappings[0].name, "http");
      });
    });

    it("switches ECS Exec by config, propagates tags and adds ECS managed tags", () => {
      assert.equal(new ServiceView(dev, "api").one(ECS_SERVICE).inputs.enableExecuteCommand, true);
      assert.equal(
        new ServiceView(prod, "api").one(ECS_SERVICE).inputs.enableExecuteCommand,
        false,
      );
      each((view) => {
        assert.equal(view.one(ECS_SERVICE).inputs.propagateTags, "SERVICE");
        assert.equal(view.one(ECS_SERVICE).inputs.enableEcsManagedTags, true);
      });
    });
  });

  describe("autoscaling", () => {
    it("has no scaling policy in dev, where the stack sets none; off hours get a fixed target", () => {
      for (const name of ["api", "notifications"]) {
        const view = new ServiceView(dev, name);
        assert.equal(view.all(SCALING_POLICY).length, 0);
        // Issue 16: dev's schedule scales each service to 0 and back through this target.
        const target = view.one(SCALING_TARGET);
        assert.deepEqual([target.inputs.minCapacity, target.inputs.maxCapacity], [1, 1]);
      }
    });

    it("scales prod services between min and max on the service's desired count", () => {
      for (const [name, min, max] of [
        ["api", 2, 10],
        ["notifications", 2, 6],
      ] as const) {
        const view = new ServiceView(prod, name);
        const target = view.one(SCALING_TARGET).inputs;
        assert.equal(target.serviceNamespace, "ecs");
        assert.equal(target.scalableDimension, "ecs:service:DesiredCount");
        assert.equal(
          target.resourceId,
          `service/${String(prod.outputs.clusterName)}/${String(view.one(ECS_SERVICE).state.name)}`,
        );
        assert.deepEqual([target.minCapacity, target.maxCapacity], [min, max]);
        assert.equal(view.one(ECS_SERVICE).inputs.desiredCount, 2);
      }
    });

    it("tracks CPU, and ALB requests per target where configured", () => {
      const api = new ServiceView(prod, "api");
      const byMetric = Object.fromEntries(
        api.all(SCALING_POLICY).map((p) => {
          const config = p.inputs.targetTrackingScalingPolicyConfiguration as Record<string, any>;
          return [config.predefinedMetricSpecification.predefinedMetricType, config];
        }),
      );
      assert.deepEqual(Object.keys(byMetric).sort(), [
        "ALBRequestCountPerTarget",
        "ECSServiceAverageCPUUtilization",
      ]);
      assert.equal(byMetric.ECSServiceAverageCPUUtilization.targetValue, 60);
      assert.equal(byMetric.ALBRequestCountPerTarget.targetValue, 1000);
      assert.equal(
        byMetric.ALBRequestCountPerTarget.predefinedMetricSpecification.resourceLabel,
        `${String(api.one(ALB).state.arnSuffix)}/${String(api.one(TARGET_GROUP).state.arnSuffix)}`,
      );
      for (const policy of api.all(SCALING_POLICY)) {
        assert.equal(policy.inputs.policyType, "TargetTrackingScaling");
        assert.equal(policy.inputs.resourceId, api.one(SCALING_TARGET).inputs.resourceId);
      }
      const notifications = new ServiceView(prod, "notifications").all(SCALING_POLICY);
      assert.equal(notifications.length, 1, "notifications tracks CPU only");
    });
  });

  describe("shared image repositories (issue 12)", () => {
    it("are created by dev only, vitcord/<service>, kept on delete, scanned, immutable, encrypted", () => {
      const repos = dev.ofType(REPOSITORY);
      assert.deepEqual(repos.map((r) => r.inputs.name).sort(), [
        "vitcord/api",
        "vitcord/notifications",
      ]);
      for (const repo of repos) {
        assert.equal(repo.parent?.type, "vitcord:registry:SharedRepositories");
        assert.equal(repo.retainOnDelete, true, "other stacks pull from it");
        assert.equal(repo.protect, false, "dev has no deletion protection");
        assert.deepEqual(repo.inputs.imageScanningConfiguration, { scanOnPush: true });
        assert.equal(repo.inputs.imageTagMutability, "IMMUTABLE");
        assert.deepEqual(repo.inputs.encryptionConfigurations, [{ encryptionType: "KMS" }]);
        assert.equal(repo.inputs.forceDelete, false);
      }
      const lifecycles = dev.ofType("aws:ecr/lifecyclePolicy:LifecyclePolicy");
      assert.deepEqual(
        lifecycles.map((l) => l.inputs.policy),
        [ecrLifecyclePolicy(), ecrLifecyclePolicy()],
      );
      assert.equal(dev.ofType("aws:ecr/repositoryPolicy:RepositoryPolicy").length, 0);
      assert.equal(prod.ofType(REPOSITORY).length, 0, "prod pulls from dev's repositories");
    });

    it("lets no rule below the release rule expire a released image", () => {
      type Rule = {
        rulePriority: number;
        selection: { tagStatus: string; tagPatternList?: string[]; countNumber: number };
      };
      const rules = (JSON.parse(ecrLifecyclePolicy(30, 7)) as { rules: Rule[] }).rules;
      assert.deepEqual(
        rules.map((r) => [r.rulePriority, r.selection.tagStatus, r.selection.tagPatternList]),
        [
          [1, "tagged", ["release-*"]],
          [2, "untagged", undefined],
          [3, "tagged", ["build-*"]],
        ],
      );
      assert.ok(rules[0]!.selection.countNumber >= 9999, "no repository holds that many releases");
      assert.deepEqual(
        rules.map((r) => r.selection.countNumber),
        [9999, 7, 30],
      );
    });

    it("lets the pull accounts pull and look up images, and nothing else", () => {
      const policy = JSON.parse(repositoryPullPolicy(["210987654321"])) as {
        Statement: Statement[];
      };
      assert.deepEqual(
        policy.Statement.map((s) => [s.Sid, s.Principal, s.Action]),
        [
          [
            "PullImages",
            { AWS: ["arn:aws:iam::210987654321:root"] },
            ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
          ],
          [
            "FindReleasedImages",
            { AWS: ["arn:aws:iam::210987654321:root"] },
            ["ecr:DescribeImages"],
          ],
        ],
      );
    });

    it("gives each repository that policy when dev lists pull accounts", async () => {
      // createRepositories is dev's default; set, this is docs/deploy.md's example, built once.
      const run = await runProgram("dev", {
        registry: { createRepositories: true, pullAccounts: ["210987654321"] },
      });
      const policies = run.ofType("aws:ecr/repositoryPolicy:RepositoryPolicy");
      assert.deepEqual(
        policies.map((p) => [p.inputs.repository, p.inputs.policy]),
        ["vitcord/api", "vitcord/notifications"].map((name) => [
          name,
          repositoryPullPolicy(["210987654321"]),
        ]),
      );
    });
  });

  describe("a release by digest, from another account's registry", () => {
    const digest = `sha256:${"ab12".repeat(16)}`;
    let released: ProgramRun;
    before(async () => {
      const services = stackServices("prod");
      services.api = {
        ...services.api,
        imageTag: "v1.4.2",
        imageDigest: digest,
        releasedBy: "github-actions/vitcord/api",
        releaseCommit: "4f2a9c1",
      };
      released = await runProgram("prod", {
        services,
        registry: { createRepositories: false, account: "210987654321" },
      });
    });

    it("runs the image by digest from vitcord/api in that account and pulls only from there", () => {
      const api = new ServiceView(released, "api");
      const url = "210987654321.dkr.ecr.us-east-1.amazonaws.com/vitcord/api";
      assert.equal(api.container.image, `${url}@${digest}`);
      const pull = statements(api.one(ROLE_POLICY, "api-execution").inputs.policy).find(
        (s) => s.Sid === "PullImages",
      );
      assert.equal(pull?.Resource, "arn:aws:ecr:us-east-1:210987654321:repository/vitcord/api");
    });

    it("keeps every revision (skipDestroy) and tags it with the release", () => {
      const definition = new ServiceView(released, "api").one(TASK_DEF).inputs;
      assert.equal(definition.skipDestroy, true);
      assert.deepEqual(definition.tags, {
        "vitcord:image-tag": "v1.4.2",
        "vitcord:image-digest": digest,
        "vitcord:released-by": "github-actions/vitcord/api",
        "vitcord:release-commit": "4f2a9c1",
      });
    });

    it("exports the revision, repository, registry, tag and digest for the CLI", () => {
      const api = (released.outputs.services as Record<string, Record<string, unknown>>).api!;
      assert.equal(api.taskDefinitionArn, new ServiceView(released, "api").one(TASK_DEF).state.arn);
      assert.equal(api.repositoryName, "vitcord/api");
      assert.equal(api.registryId, "210987654321");
      assert.equal(api.imageTag, "v1.4.2");
      assert.equal(api.imageDigest, digest);
    });

    it("runs the jobs worker (repository: api) on the same image and release", () => {
      const jobs = released.one(TASK_DEF, "jobs-task");
      const container = (
        JSON.parse(jobs.inputs.containerDefinitions as string) as { image: string }[]
      )[0]!;
      assert.equal(container.image, new ServiceView(released, "api").container.image);
      assert.equal((jobs.inputs.tags as Record<string, string>)["vitcord:image-digest"], digest);
      const worker = (released.outputs.workers as Record<string, Record<string, unknown>>).jobs!;
      assert.equal(worker.imageDigest, digest);
      assert.equal(worker.registryId, "210987654321");
    });
  });

  describe("outputs", () => {
    it("exports each service's URL and what the operations CLI needs", () => {
      const services = prod.outputs.services as Record<string, Record<string, unknown>>;
      assert.deepEqual(Object.keys(services).sort(), ["api", "notifications"]);
      const api = new ServiceView(prod, "api");
      assert.deepEqual(services.api, {
        url: "https://api.vitcord.com",
        loadBalancerDnsName: api.one(ALB).state.dnsName,
        serviceName: api.one(ECS_SERVICE).state.name,
        logGroupName: "/vitcord/prod/api",
        taskDefinitionFamily: "prod-api",
        containerName: "api",
        securityGroupId: api.sgId("task"),
        subnetIds: prod.outputs.privateSubnetIds,
        repositoryUrl: "123456789012.dkr.ecr.us-east-1.amazonaws.com/vitcord/api",
        taskDefinitionArn: api.one(TASK_DEF).state.arn,
        repositoryName: "vitcord/api",
        registryId: "123456789012",
        imageTag: "1.0.0",
      });
      const devApi = (dev.outputs.services as Record<string, Record<string, unknown>>).api!;
      assert.equal(
        devApi.url,
        `http://${String(new ServiceView(dev, "api").one(ALB).state.dnsName)}`,
      );
    });
  });

  it("adds a load-balanced service for a new stack-config entry, with no code change", async () => {
    const run = await tunedDev();
    assert.equal(run.ofType(ALB).length, 3);
    const web = new ServiceView(run, "web");
    assert.equal(web.one(ALB).name, "web-alb");
    assert.equal((web.one(TARGET_GROUP).inputs.healthCheck as { path: string }).path, "/health");
    assert.ok("web" in (run.outputs.services as object));
  });
});

describe("LoadBalancedService resource options", () => {
  const stateful = [ALB, "aws:s3/bucket:Bucket"];

  it("protects and retains the ALB and log bucket in prod only (checklist #24)", async () => {
    for (const stack of ["dev", "prod"] as const) {
      const view = new ServiceView(await runProgram(stack), "api");
      const found = stateful.flatMap((type) => view.all(type));
      assert.equal(found.length, stack === "prod" ? 2 : 1);
      for (const resource of found) {
        assert.equal(resource.protect, stack === "prod", `${stack} ${resource.name}`);
        assert.equal(resource.retainOnDelete, stack === "prod", `${stack} ${resource.name}`);
      }
      // Everything else stays replaceable, e.g. the target group.
      assert.equal(view.one(TARGET_GROUP).protect, false);
    }
  });

  it("leaves the desired count to the scalable target: autoscaling's, or off hours' (dev)", async () => {
    const service = (run: ProgramRun) => new ServiceView(run, "api").one(ECS_SERVICE);
    assert.deepEqual(service(await runProgram("prod")).ignoreChanges, ["desiredCount"]);
    assert.deepEqual(service(await runProgram("dev")).ignoreChanges, ["desiredCount"]);
    // Without a target ECS's desiredCount is the config's: deploys set it.
    assert.deepEqual(ecsServiceOptions(false).ignoreChanges, []);
  });

  it("replaces an ECS service by deleting the old one first (its Service Connect name is fixed)", async () => {
    for (const run of [await runProgram("dev"), await runProgram("prod")]) {
      for (const name of ["api", "notifications"]) {
        const view = new ServiceView(run, name);
        const discovery = (
          view.one(ECS_SERVICE).inputs.serviceConnectConfiguration as {
            services: { discoveryName: string }[];
          }
        ).services.map((s) => s.discoveryName);
        assert.deepEqual(discovery, [name]);
        // A new service beside the old one would fail: "SC service is already used by" the namespace.
        assert.equal(view.one(ECS_SERVICE).deleteBeforeReplace, true);
      }
    }
  });
});

describe("ALB access-log delivery by region", () => {
  it("trusts the region's ELB account where AWS lists one, in the region's partition", () => {
    assert.deepEqual(elbLogDeliveryPrincipal("eu-west-1"), {
      AWS: "arn:aws:iam::156460612806:root",
    });
    assert.deepEqual(elbLogDeliveryPrincipal("cn-north-1"), {
      AWS: "arn:aws-cn:iam::638102146993:root",
    });
    assert.deepEqual(elbLogDeliveryPrincipal("us-gov-west-1"), {
      AWS: "arn:aws-us-gov:iam::048591011584:root",
    });
  });

  it("trusts the log-delivery service principal in regions opened since August 2022", async () => {
    assert.deepEqual(elbLogDeliveryPrincipal("eu-south-2"), {
      Service: "logdelivery.elasticloadbalancing.amazonaws.com",
    });
    // The tag changes nothing here; it makes this tests/network.test.ts's config, synthesized once.
    const run = await runProgram("prod", {
      "aws:region": "eu-central-2",
      tags: { Team: "platform" },
    });
    const policies = run.ofType("aws:s3/bucketPolicy:BucketPolicy");
    assert.equal(policies.length, 2);
    for (const policy of policies) {
      const [delivery] = statements(policy.inputs.policy);
      assert.deepEqual(delivery!.Principal, {
        Service: "logdelivery.elasticloadbalancing.amazonaws.com",
      });
    }
  });
});

describe("the program with a bad service config", () => {
  const nginx = "public.ecr.aws/nginx/nginx:1.27";
  const certificateArn = "arn:aws:acm:us-east-1:123456789012:certificate/abcd-1234";
  /** `services` with the api entry replaced; one small instance type so the limits are known. */
  const withApi = (stack: "dev" | "prod", api: Record<string, unknown>) => ({
    services: { ...stackServices(stack), api },
    // t4g.medium: 2048 CPU units and 3594 MiB a task can reserve (instance-types.ts).
    cluster: { instanceTypes: ["t4g.medium"] },
  });
  const cases: [string, "dev" | "prod", Record<string, unknown>, string][] = [
    [
      "a port out of range",
      "dev",
      { image: nginx, port: 70000 },
      "vitcord-infra:services.api.port = 70000: must be a whole number from 1 to 65535 (a TCP port)",
    ],
    [
      "more CPU than the instances have",
      "dev",
      { image: nginx, cpu: 4096 },
      "vitcord-infra:services.api.cpu = 4096: must be at most 2048 CPU units, what a task can reserve on each of cluster.instanceTypes (t4g.medium)",
    ],
    [
      "more memory than the instances can give a task",
      "dev",
      { image: nginx, memory: 4096 },
      "vitcord-infra:services.api.memory = 4096: must be at most 3594 MiB, what a task can reserve on each of cluster.instanceTypes (t4g.medium) after the OS and ECS agent reservations",
    ],
    [
      "a health-check path without a leading /",
      "dev",
      { image: nginx, healthCheckPath: "health" },
      'vitcord-infra:services.api.healthCheckPath = "health": must be a URL path starting with /, e.g. /up',
    ],
    [
      "a desired count below autoscaling.min",
      "dev",
      { image: nginx, desiredCount: 1, autoscaling: { min: 3, max: 5, cpuTarget: 60 } },
      "vitcord-infra:services.api.desiredCount = 1: must be within autoscaling.min and autoscaling.max (3 to 5)",
    ],
    [
      "autoscaling.min above autoscaling.max",
      "dev",
      { image: nginx, autoscaling: { min: 5, max: 2, cpuTarget: 60 } },
      "vitcord-infra:services.api.autoscaling.min = 5: must be at most autoscaling.max (2)",
    ],
    [
      "both image and imageTag",
      "dev",
      { image: nginx, imageTag: "1.0.0" },
      `vitcord-infra:services.api.image = "${nginx}": Only one of \`image\` or \`imageTag\` can be provided.`,
    ],
    [
      "neither image nor imageTag",
      "dev",
      { port: 80 },
      "vitcord-infra:services.api.imageTag is missing: set imageTag (a tag in the service's ECR repository) or image (a full image reference)",
    ],
    [
      "a prod service without a certificate or domain",
      "prod",
      { imageTag: "1.0.0", port: 3000 },
      "vitcord-infra:services.api.certificateArn is missing: prod services serve HTTPS: set certificateArn, or domain with hostedZoneId or hostedZoneName (HTTP-only is allowed in dev only)",
    ],
    [
      "both a certificate and a domain",
      "prod",
      {
        imageTag: "1.0.0",
        certificateArn,
        domain: "api.vitcord.com",
        hostedZoneId: "Z0123456789ABC",
      },
      'vitcord-infra:services.api.domain = "api.vitcord.com": Only one of `certificateArn` or `domain` can be provided.',
    ],
    [
      "a certificate from another region than the stack's",
      "prod",
      { imageTag: "1.0.0", certificateArn: certificateArn.replace("us-east-1", "eu-west-1") },
      `vitcord-infra:services.api.certificateArn = "arn:aws:acm:eu-west-1:123456789012:certificate/abcd-1234": must be a certificate in the stack's region (aws:region = us-east-1): a load balancer uses ACM certificates from its own region only`,
    ],
    [
      "a malformed secret ARN",
      "dev",
      { image: nginx, secrets: { DATABASE_URL: "arn:aws:ssm:us-east-1:123:parameter/db" } },
      'vitcord-infra:services.api.secrets.DATABASE_URL = "arn:aws:ssm:us-east-1:123:parameter/db": must be an SSM parameter ARN (arn:aws:ssm:<region>:<account>:parameter/<name>) or a Secrets Manager ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)',
    ],
    [
      "AWS credentials in the environment (ECS.8)",
      "dev",
      { image: nginx, environment: { AWS_ACCESS_KEY_ID: "AKIA0000" } },
      'vitcord-infra:services.api.environment.AWS_ACCESS_KEY_ID = "AKIA0000": AWS credentials must not be set in the environment (ECS.8); the task role provides AWS access, and other credentials go in secrets',
    ],
    [
      "a health-check matcher outside the codes an ALB accepts (200-499)",
      "dev",
      { image: nginx, healthCheck: { matcher: "200-599" } },
      'vitcord-infra:services.api.healthCheck.matcher = "200-599": must be HTTP codes from 200 to 499, ranges low-high: an Application Load Balancer accepts no others',
    ],
    [
      "a health-check matcher range written high-low",
      "dev",
      { image: nginx, healthCheck: { matcher: "200,399-300" } },
      'vitcord-infra:services.api.healthCheck.matcher = "200,399-300": must be HTTP codes from 200 to 499, ranges low-high: an Application Load Balancer accepts no others',
    ],
    [
      "a deregistration delay near AWS's 300 s default",
      "dev",
      { image: nginx, deregistrationDelaySeconds: 300 },
      "vitcord-infra:services.api.deregistrationDelaySeconds = 300: must be a whole number from 0 to 120 seconds",
    ],
  ];
  for (const [what, stack, api, message] of cases) {
    it(`stops on ${what}, naming the key, and declares nothing`, async () => {
      const { error, declared } = await runInvalid(stack, withApi(stack, api));
      assert.equal(error.name, "ConfigError");
      assert.equal(error.message, `Invalid stack configuration (1 problem):\n  - ${message}`);
      assert.equal(declared, 0);
    });
  }

  it("stops on a service name AWS cannot use in resource names", async () => {
    const { error, declared } = await runInvalid("dev", {
      services: { ...stackServices("dev"), Api_V2: { image: nginx } },
    });
    assert.equal(
      error.message,
      'Invalid stack configuration (1 problem):\n  - vitcord-infra:services.Api_V2 = {"image":"public.ecr.aws/nginx/nginx:1.27"}: is not a valid service name: lowercase letters, digits and single hyphens, starting with a letter, at most 20 characters',
    );
    assert.equal(declared, 0);
  });

  it('stops on a service name that would begin its load balancer\'s name with "internal-"', async () => {
    const { error, declared } = await runInvalid("dev", {
      services: { ...stackServices("dev"), "internal-api": { image: nginx } },
    });
    assert.equal(
      error.message,
      'Invalid stack configuration (1 problem):\n  - vitcord-infra:services.internal-api = {"image":"public.ecr.aws/nginx/nginx:1.27"}: is not a valid service name: it names the service\'s load balancer, and AWS refuses load balancer names that begin with "internal-"',
    );
    assert.equal(declared, 0);
  });

  it("stops on a worker named like a service (they share log group and family names)", async () => {
    const { error, declared } = await runInvalid("dev", {
      workers: { api: { image: nginx, command: ["true"] } },
    });
    assert.match(
      error.message,
      /vitcord-infra:workers\.api = .*: has the name of a service \(services\.api\); a workload name names its log group, task family and container, so it must be unique/,
    );
    assert.equal(declared, 0);
  });
});

describe("services config", () => {
  const raw = (environment: string, services: unknown): Record<string, string> => ({
    "aws:region": "us-east-1",
    "vitcord-infra:environment": environment,
    "vitcord-infra:services": JSON.stringify(services),
  });
  const certificateArn = "arn:aws:acm:us-east-1:123456789012:certificate/abcd-1234";

  it("fills the environment's defaults: fast drains and 50/200 in dev, 100/200 in prod", () => {
    const dev = parseStackConfig("dev", raw("dev", { api: { image: "nginx:1.27" } })).services.api!;
    assert.deepEqual(
      [dev.cpu, dev.memory, dev.desiredCount, dev.deregistrationDelaySeconds],
      [256, 512, 1, 5],
    );
    assert.deepEqual([dev.minHealthyPercent, dev.maxHealthyPercent], [50, 200]);
    assert.deepEqual([dev.port, dev.healthCheckPath, dev.execEnabled], [80, "/", false]);
    const prod = parseStackConfig("prod", raw("prod", { api: { imageTag: "1", certificateArn } }))
      .services.api!;
    assert.deepEqual(
      [prod.cpu, prod.memory, prod.desiredCount, prod.deregistrationDelaySeconds],
      [512, 1024, 2, 30],
    );
    assert.deepEqual([prod.minHealthyPercent, prod.maxHealthyPercent], [100, 200]);
  });

  it("reads the values the CLI writes as text (`--path` config): counts and numeric tags", () => {
    const api = parseStackConfig(
      "dev",
      raw("dev", { api: { imageTag: 20261126, desiredCount: "3" } }),
    ).services.api!;
    assert.equal(api.imageTag, "20261126");
    assert.equal(api.desiredCount, 3);
  });

  it("keeps an unset desired count inside the autoscaling range", () => {
    const api = parseStackConfig(
      "dev",
      raw("dev", { api: { image: "nginx:1.27", autoscaling: { min: 3, max: 6, cpuTarget: 50 } } }),
    ).services.api!;
    assert.equal(api.desiredCount, 3);
  });

  it("rejects autoscaling with no target, and a domain without its zone", () => {
    assert.throws(
      () =>
        parseStackConfig(
          "dev",
          raw("dev", {
            api: { image: "nginx:1.27", autoscaling: { min: 1, max: 2 }, domain: "a.example.com" },
          }),
        ),
      (error: Error) => {
        assert.equal(
          error.message,
          "Invalid stack configuration (2 problems):\n" +
            '  - vitcord-infra:services.api.autoscaling = {"min":1,"max":2}: set cpuTarget, requestsPerTarget or both\n' +
            "  - vitcord-infra:services.api.hostedZoneId is missing: with domain, set exactly one of hostedZoneId or hostedZoneName (the Route 53 zone that holds it)",
        );
        return true;
      },
    );
  });
});

describe("LoadBalancedService run-time defects (issue 15)", () => {
  let dev: ProgramRun;
  let prod: ProgramRun;
  before(async () => {
    dev = await runProgram("dev");
    prod = await runProgram("prod");
  });

  it("closes idle connections at the ALB before Puma (20 s) or Tomcat (60 s embedded) does", () => {
    assert.ok(IDLE_TIMEOUT_DEFAULT_SECONDS < 20);
    for (const run of [dev, prod]) {
      for (const name of ["api", "notifications"]) {
        const alb = new ServiceView(run, name).one(ALB);
        // Unset, an ALB keeps idle connections 60 s, longer than Puma's persistent_timeout: 502s.
        assert.equal(alb.inputs.idleTimeout, IDLE_TIMEOUT_DEFAULT_SECONDS, `${name}`);
      }
    }
  });

  it("gives prod's Rails API its tmp/ and log/ on scratch volumes, with no init container on EC2", () => {
    const api = new ServiceView(prod, "api");
    const container = api.container;
    assert.equal(container.readonlyRootFilesystem, true);
    assert.deepEqual(
      (container.mountPoints as { containerPath: string }[]).map((m) => m.containerPath),
      ["/tmp", "/rails/tmp", "/rails/log"],
    );
    // ServiceView.container asserts a single container: EC2 volumes keep the image's ownership.
    assert.equal(container.dependsOn, undefined);
  });

  it("denies IAM changes on every task role, after its own statements", () => {
    for (const run of [dev, prod]) {
      for (const name of ["api", "notifications"]) {
        const policy = statements(
          new ServiceView(run, name).one(ROLE_POLICY, `${name}-task`).inputs.policy,
        );
        assert.deepEqual(policy.at(-1), JSON.parse(JSON.stringify(DENY_IAM_CHANGES)));
        assert.equal(policy.filter((s) => s.Effect === "Deny").length, 1);
      }
    }
  });

  it("takes a configured idle timeout and adds each egress rule as a described rule on the task group", async () => {
    const run = await tunedDev();
    const view = new ServiceView(run, "notifications");
    assert.equal(view.one(ALB).inputs.idleTimeout, 50);
    const extra = view
      .rules(EGRESS, "task")
      .filter((r) => !["https", "vpc-tcp", "vpc-dns"].some((k) => r.name.endsWith(`-out-${k}`)));
    assert.deepEqual(
      extra.map((r) => [
        r.name,
        r.inputs.description,
        r.inputs.ipProtocol,
        r.inputs.fromPort,
        r.inputs.toPort,
        r.inputs.cidrIpv4,
      ]),
      [
        [
          "notifications-task-out-tcp-587-0-0-0-0-0",
          "SMTP to the mail provider",
          "tcp",
          587,
          587,
          "0.0.0.0/0",
        ],
        [
          "notifications-task-out-tcp-2195-2197-17-0-0-0-8",
          "APNs push gateway",
          "tcp",
          2195,
          2197,
          "17.0.0.0/8",
        ],
      ],
    );
    // The api, with no egress configured, has only the three built-in rules.
    assert.equal(new ServiceView(run, "api").rules(EGRESS, "task").length, 3);
  });

  it("rejects an idle timeout ALB does not accept", () => {
    assert.throws(
      () =>
        parseStackConfig("dev", {
          "aws:region": "us-east-1",
          "vitcord-infra:environment": "dev",
          "vitcord-infra:services": JSON.stringify({
            api: { image: "nginx:1.27", idleTimeoutSeconds: 0 },
          }),
        }),
      (error: Error) => {
        assert.equal(
          error.message,
          "Invalid stack configuration (1 problem):\n" +
            "  - vitcord-infra:services.api.idleTimeoutSeconds = 0: must be a whole number from 1 to 4000 seconds",
        );
        return true;
      },
    );
  });
});
