import * as assert from "node:assert/strict";
import { describeIssues } from "../components/config";
import { checkContainerConfig, containerConfigShape } from "../components/config/task";
import { strictObject } from "../components/config/schema-helpers";
import { DENY_IAM_CHANGES } from "../components/iam";
import {
  VOLUME_INIT_CONTAINER,
  VOLUME_INIT_IMAGE,
  volumeInitCommand,
} from "../components/volume-permissions";
import {
  containerDefinition,
  ContainerSpec,
  EXEC_STATEMENTS,
  imagePullStatements,
  privateEcrRepositoryArn,
  scratchVolumeName,
  scratchVolumes,
  secretReadStatements,
  secretResourceArn,
  taskContainers,
  taskFamily,
  workloadLogGroupName,
  writablePathsFor,
} from "../components/task";

const SSM = "arn:aws:ssm:us-east-1:123456789012:parameter/prod/api/database-url";
const SM = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/api/stripe-AbCdEf";
const SHORT_SSM = "arn:aws:ssm:us-east-1:123456789012:parameter/db";
const SM_KEY = `${SM}:apiKey::`;

/** The shared container keys as a workload schema uses them, under `services.api`. */
const schema = strictObject(containerConfigShape).superRefine(checkContainerConfig);

function parse(input: Record<string, unknown>) {
  return schema.parse(input);
}

function problems(input: Record<string, unknown>): string[] {
  const result = schema.safeParse(input);
  assert.ok(!result.success, "expected the container config to be rejected");
  return describeIssues(
    result.error.issues.map((i) => ({ ...i, path: ["services", "api", ...i.path] })),
    { services: { api: input } },
  );
}

function spec(overrides: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    ...parse({}),
    name: "api",
    image: "public.ecr.aws/nginx/nginx:1.27",
    port: 80,
    logRegion: "us-east-1",
    logGroupName: "/vitcord/dev/api",
    ...overrides,
  };
}

describe("shared task module", () => {
  describe("containerDefinition", () => {
    it("names the container after the workload and maps its port for awsvpc", () => {
      const def = containerDefinition(spec());
      assert.equal(def.name, "api");
      assert.equal(def.image, "public.ecr.aws/nginx/nginx:1.27");
      assert.equal(def.essential, true);
      assert.deepEqual(def.portMappings, [
        { name: "http", containerPort: 80, hostPort: 80, protocol: "tcp", appProtocol: "http" },
      ]);
    });

    it("has no port mapping for a worker", () => {
      assert.deepEqual(containerDefinition(spec({ port: undefined })).portMappings, []);
    });

    it("lists environment and secrets sorted, secrets only as valueFrom (ECS.8)", () => {
      const def = containerDefinition(
        spec({
          environment: { RAILS_ENV: "production", LOG_LEVEL: "info" },
          secrets: { STRIPE_KEY: SM_KEY, DATABASE_URL: SSM },
        }),
      );
      assert.deepEqual(def.environment, [
        { name: "LOG_LEVEL", value: "info" },
        { name: "RAILS_ENV", value: "production" },
      ]);
      assert.deepEqual(def.secrets, [
        { name: "DATABASE_URL", valueFrom: SSM },
        { name: "STRIPE_KEY", valueFrom: SM_KEY },
      ]);
      assert.ok(!JSON.stringify(def.environment).includes("arn:aws"));
    });

    it("is read-only at the root with a writable /tmp scratch volume (ECS.5, CKV_AWS_336)", () => {
      const def = containerDefinition(spec());
      assert.equal(def.readonlyRootFilesystem, true);
      assert.deepEqual(def.mountPoints, [
        { sourceVolume: "scratch-tmp", containerPath: "/tmp", readOnly: false },
      ]);
      assert.deepEqual(scratchVolumes(["/tmp"]), [{ name: "scratch-tmp" }]);
    });

    it("never sets privileged and sets no user unless configured (ECS.4, ECS.20)", () => {
      const def = containerDefinition(spec()) as unknown as Record<string, unknown>;
      assert.ok(!("privileged" in def));
      assert.ok(!("user" in def));
      assert.equal(containerDefinition(spec({ user: "1000:1000" })).user, "1000:1000");
    });

    it("logs to the workload's group through awslogs (ECS.9)", () => {
      assert.deepEqual(containerDefinition(spec()).logConfiguration, {
        logDriver: "awslogs",
        options: {
          "awslogs-region": "us-east-1",
          "awslogs-group": "/vitcord/dev/api",
          "awslogs-stream-prefix": "api",
        },
      });
    });

    it("carries the command, stop timeout, health check and init process", () => {
      const def = containerDefinition(
        spec({
          ...parse({
            command: ["bundle", "exec", "puma"],
            stopTimeoutSeconds: 60,
            containerHealthCheck: { command: "curl -f http://localhost/up || exit 1" },
          }),
        }),
      );
      assert.deepEqual(def.command, ["bundle", "exec", "puma"]);
      assert.equal(def.stopTimeout, 60);
      assert.deepEqual(def.healthCheck, {
        command: ["CMD-SHELL", "curl -f http://localhost/up || exit 1"],
        interval: 30,
        timeout: 5,
        retries: 3,
        startPeriod: 0,
      });
      assert.deepEqual(def.linuxParameters, { initProcessEnabled: true });
      assert.ok(!("command" in containerDefinition(spec())));
      assert.ok(!("healthCheck" in containerDefinition(spec())));
    });

    it("gives every writable path its own volume name", () => {
      assert.equal(scratchVolumeName("/var/cache/nginx"), "scratch-var-cache-nginx");
      assert.deepEqual(
        containerDefinition(spec({ writablePaths: ["/tmp", "/run"] })).mountPoints.map(
          (m) => m.sourceVolume,
        ),
        ["scratch-tmp", "scratch-run"],
      );
    });
  });

  describe("IAM statements", () => {
    it("scopes a Secrets Manager reference to the secret, without the JSON-key selector", () => {
      assert.equal(secretResourceArn(SM_KEY), SM);
      assert.equal(secretResourceArn(SM), SM);
      assert.equal(secretResourceArn(SSM), SSM);
    });

    it("matches a partial Secrets Manager ARN (no random suffix) to the secret's full ARN", () => {
      // IAM checks GetSecretValue against `…:secret:<name>-<6 chars>`; the bare name never matches.
      const partial = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/api/stripe";
      assert.equal(secretResourceArn(partial), `${partial}-??????`);
      assert.equal(secretResourceArn(`${partial}:apiKey::`), `${partial}-??????`);
      assert.deepEqual(
        secretReadStatements({ A: partial }).map((s) => s.Resource),
        [[`${partial}-??????`]],
      );
    });

    it("reads exactly the configured secrets, never `*` (IAM.21, CKV_AWS_355)", () => {
      const statements = secretReadStatements({ A: SSM, B: SM_KEY, C: SM });
      assert.deepEqual(statements, [
        { Sid: "ReadSsmParameters", Effect: "Allow", Action: "ssm:GetParameters", Resource: [SSM] },
        {
          Sid: "ReadSecrets",
          Effect: "Allow",
          Action: "secretsmanager:GetSecretValue",
          Resource: [SM],
        },
      ]);
    });

    it("adds kms:Decrypt on the given key only, and nothing without secrets (KMS.1/2)", () => {
      const key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
      assert.deepEqual(secretReadStatements({ A: SSM }, key).at(-1), {
        Sid: "DecryptSecrets",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: key,
      });
      assert.deepEqual(secretReadStatements({}, key), []);
    });

    it("pulls only from the workload's repository; only the ECR login uses `*`", () => {
      const repo = "arn:aws:ecr:us-east-1:123456789012:repository/dev/api";
      const [pull, login] = imagePullStatements(repo);
      assert.equal(pull!.Resource, repo);
      assert.deepEqual(login, {
        Sid: "EcrLogin",
        Effect: "Allow",
        Action: "ecr:GetAuthorizationToken",
        Resource: "*",
      });
    });

    it("finds the repository of a private ECR image, which the execution role must be allowed to pull", () => {
      const registry = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
      const repo = "arn:aws:ecr:us-east-1:123456789012:repository/prod/api";
      assert.equal(privateEcrRepositoryArn(`${registry}/prod/api:1.0.0`), repo);
      assert.equal(privateEcrRepositoryArn(`${registry}/prod/api@sha256:${"a".repeat(64)}`), repo);
      assert.equal(
        privateEcrRepositoryArn("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/api:1"),
        "arn:aws-cn:ecr:cn-north-1:123456789012:repository/api",
      );
      assert.equal(privateEcrRepositoryArn("public.ecr.aws/nginx/nginx:1.27"), undefined);
      assert.equal(privateEcrRepositoryArn("docker.io/library/ruby:3.3-slim"), undefined);
    });

    it("grants ECS Exec only the ssmmessages channel actions", () => {
      assert.equal(EXEC_STATEMENTS.length, 1);
      for (const action of EXEC_STATEMENTS[0]!.Action) assert.match(action, /^ssmmessages:/);
    });
  });

  it("gives the ECS Exec agent writable paths only when exec is on with a read-only root", () => {
    const readOnly = parse({ writablePaths: ["/tmp", "/var/lib/amazon/ssm"] });
    assert.deepEqual(writablePathsFor(readOnly, false), ["/tmp", "/var/lib/amazon/ssm"]);
    assert.deepEqual(writablePathsFor(readOnly, true), [
      "/tmp",
      "/var/lib/amazon/ssm",
      "/var/log/amazon/ssm",
    ]);
    assert.deepEqual(writablePathsFor(parse({ readonlyRootFilesystem: false }), true), ["/tmp"]);
  });

  it("names the family and log group after the stack and workload", () => {
    assert.equal(taskFamily("prod", "api"), "prod-api");
    assert.equal(workloadLogGroupName("prod", "api"), "/vitcord/prod/api");
  });

  describe("container config", () => {
    it("defaults to a read-only root, /tmp writable, 30 s stop timeout, no task policies", () => {
      assert.deepEqual(parse({}), {
        environment: {},
        secrets: {},
        stopTimeoutSeconds: 30,
        readonlyRootFilesystem: true,
        writablePaths: ["/tmp"],
        taskPolicyArns: [],
        egress: [],
      });
    });

    it("takes YAML numbers and booleans in the environment as text", () => {
      assert.deepEqual(parse({ environment: { WEB_CONCURRENCY: 2, DEBUG: false } }).environment, {
        WEB_CONCURRENCY: "2",
        DEBUG: "false",
      });
    });

    it("rejects AWS credentials in the environment (ECS.8)", () => {
      assert.deepEqual(problems({ environment: { AWS_SECRET_ACCESS_KEY: "abc" } }), [
        'vitcord-infra:services.api.environment.AWS_SECRET_ACCESS_KEY = "abc": AWS credentials must not be set in the environment (ECS.8); the task role provides AWS access, and other credentials go in secrets',
      ]);
    });

    it("rejects a name that is both an environment variable and a secret", () => {
      assert.deepEqual(
        problems({ environment: { DATABASE_URL: "x" }, secrets: { DATABASE_URL: SHORT_SSM } }),
        [
          `vitcord-infra:services.api.secrets.DATABASE_URL = "${SHORT_SSM}": is also set in environment; a name can be in environment or in secrets, not both`,
        ],
      );
    });

    it("rejects a secret that is not an SSM parameter or Secrets Manager ARN", () => {
      for (const bad of [
        "my-secret",
        "arn:aws:s3:::bucket/key",
        "arn:aws:ssm:us-east-1:1234:parameter/x",
      ]) {
        assert.deepEqual(problems({ secrets: { DB: bad } }), [
          `vitcord-infra:services.api.secrets.DB = ${JSON.stringify(bad)}: must be an SSM parameter ARN (arn:aws:ssm:<region>:<account>:parameter/<name>) or a Secrets Manager ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)`,
        ]);
      }
    });

    it("rejects root as the container user (ECS.20)", () => {
      for (const user of ["root", "0", "0:0", "root:app"]) {
        assert.deepEqual(problems({ user }), [
          `vitcord-infra:services.api.user = ${JSON.stringify(user)}: must not be root or uid 0 (ECS.20: containers run as a non-root user)`,
        ]);
      }
    });

    it("rejects writable paths that would share a scratch volume or mount over the root", () => {
      assert.deepEqual(
        problems({ writablePaths: ["/tmp", "/var/cache", "/tmp/", "/var_cache", "/"] }),
        [
          'vitcord-infra:services.api.writablePaths.2 = "/tmp/": is the same scratch volume (scratch-tmp) as /tmp; list each directory once',
          'vitcord-infra:services.api.writablePaths.3 = "/var_cache": is the same scratch volume (scratch-var-cache) as /var/cache; list each directory once',
          'vitcord-infra:services.api.writablePaths.4 = "/": must be a directory below /, not the root itself',
        ],
      );
    });

    it("rejects a stop timeout above ECS's 120 s and relative writable paths", () => {
      assert.deepEqual(problems({ stopTimeoutSeconds: 300, writablePaths: ["tmp"] }), [
        "vitcord-infra:services.api.stopTimeoutSeconds = 300: must be a whole number from 2 to 120 seconds",
        'vitcord-infra:services.api.writablePaths.0 = "tmp": must be an absolute path such as /tmp',
      ]);
    });

    it("rejects a health check command that is neither a string nor CMD/CMD-SHELL", () => {
      assert.deepEqual(problems({ containerHealthCheck: { command: ["curl", "-f"] } }), [
        'vitcord-infra:services.api.containerHealthCheck.command = ["curl","-f"]: must be a shell command string, or a list starting with "CMD" or "CMD-SHELL"',
      ]);
    });
  });

  describe("scratch volumes on Fargate (issue 15: non-root containers, writable paths)", () => {
    const app = containerDefinition(
      spec({ user: "1000:1000", writablePaths: ["/tmp", "/rails/tmp"], port: undefined }),
    );

    it("adds a root init container on Fargate that hands the volumes to the user, and the app waits for it", () => {
      const [first, init, ...rest] = taskContainers("FARGATE", app);
      assert.equal(rest.length, 0);
      // The application stays first and starts after the init container exited 0.
      assert.equal(first!.name, "api");
      assert.deepEqual(first!.dependsOn, [
        { containerName: VOLUME_INIT_CONTAINER, condition: "SUCCESS" },
      ]);
      assert.deepEqual(init, {
        name: VOLUME_INIT_CONTAINER,
        image: VOLUME_INIT_IMAGE,
        // ECS refuses SUCCESS on an essential container; it exits, the task goes on.
        essential: false,
        command: ["sh", "-c", "chown 1000:1000 /tmp /rails/tmp && chmod 1777 /tmp /rails/tmp"],
        user: "0",
        readonlyRootFilesystem: true,
        mountPoints: app.mountPoints,
        logConfiguration: app.logConfiguration,
      });
    });

    it("leaves EC2 tasks (Docker copies the image's ownership) and tasks without volumes alone", () => {
      assert.deepEqual(taskContainers("EC2", app), [app]);
      const none = containerDefinition(spec({ writablePaths: [], port: undefined }));
      assert.deepEqual(taskContainers("FARGATE", none), [none]);
    });

    it("chowns only to a numeric user (BusyBox has no passwd entry for a name), and always opens the volumes as /tmp is", () => {
      assert.deepEqual(volumeInitCommand(["/tmp"], "65534"), [
        "sh",
        "-c",
        "chown 65534 /tmp && chmod 1777 /tmp",
      ]);
      assert.deepEqual(volumeInitCommand(["/tmp", "/var/lib/amazon/ssm"], "app"), [
        "sh",
        "-c",
        "chmod 1777 /tmp /var/lib/amazon/ssm",
      ]);
      assert.deepEqual(volumeInitCommand(["/tmp"], undefined), ["sh", "-c", "chmod 1777 /tmp"]);
    });
  });

  describe("task roles (issue 15: no administrator policies, no IAM changes)", () => {
    it("refuses administrator-like AWS managed policies, naming the policy and why", () => {
      assert.deepEqual(
        problems({
          taskPolicyArns: [
            "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
            "arn:aws:iam::aws:policy/AdministratorAccess",
            "arn:aws:iam::aws:policy/PowerUserAccess",
            "arn:aws:iam::aws:policy/IAMFullAccess",
          ],
        }),
        [
          'vitcord-infra:services.api.taskPolicyArns.1 = "arn:aws:iam::aws:policy/AdministratorAccess": is AdministratorAccess, an administrator-like policy (every action on every resource); task roles get only what the application calls: attach a policy of your own that names its actions and resources',
          'vitcord-infra:services.api.taskPolicyArns.2 = "arn:aws:iam::aws:policy/PowerUserAccess": is PowerUserAccess, an administrator-like policy (every action outside IAM and Organizations, on every resource); task roles get only what the application calls: attach a policy of your own that names its actions and resources',
          'vitcord-infra:services.api.taskPolicyArns.3 = "arn:aws:iam::aws:policy/IAMFullAccess": is IAMFullAccess, an administrator-like policy (iam:*: the role could attach AdministratorAccess to itself); task roles get only what the application calls: attach a policy of your own that names its actions and resources',
        ],
      );
      // A customer policy that happens to share the name is the account's own: allowed.
      assert.deepEqual(
        parse({ taskPolicyArns: ["arn:aws:iam::123456789012:policy/AdministratorAccess"] })
          .taskPolicyArns,
        ["arn:aws:iam::123456789012:policy/AdministratorAccess"],
      );
    });

    it("denies every IAM write verb and iam:PassRole, and allows nothing", () => {
      assert.equal(DENY_IAM_CHANGES.Effect, "Deny");
      assert.equal(DENY_IAM_CHANGES.Resource, "*");
      const actions = DENY_IAM_CHANGES.Action as readonly string[];
      for (const action of [
        "iam:CreateRole",
        "iam:AttachRolePolicy",
        "iam:PutRolePolicy",
        "iam:CreateAccessKey",
        "iam:UpdateAssumeRolePolicy",
        "iam:PassRole",
        "iam:DeleteRolePermissionsBoundary",
        "iam:SetDefaultPolicyVersion",
        "iam:AddUserToGroup",
      ]) {
        const covered = actions.some((pattern) =>
          pattern.endsWith("*") ? action.startsWith(pattern.slice(0, -1)) : action === pattern,
        );
        assert.ok(covered, `${action} is denied`);
      }
      // Reads stay as the role's own policies allow them.
      for (const read of ["iam:GetRole", "iam:ListRoles", "iam:SimulatePrincipalPolicy"]) {
        assert.ok(!actions.some((pattern) => read.startsWith(pattern.replace(/\*$/, ""))), read);
      }
    });
  });

  describe("egress (issue 15: extra outbound rules per workload)", () => {
    it("takes a port or a range, tcp by default, each rule with its description", () => {
      assert.deepEqual(
        parse({
          egress: [
            { description: "SMTP to the mail provider", port: 587, cidr: "0.0.0.0/0" },
            {
              description: "Push gateway",
              fromPort: 5223,
              toPort: 5228,
              protocol: "udp",
              cidr: "17.0.0.0/8",
            },
          ],
        }).egress,
        [
          {
            description: "SMTP to the mail provider",
            protocol: "tcp",
            fromPort: 587,
            toPort: 587,
            cidr: "0.0.0.0/0",
          },
          {
            description: "Push gateway",
            protocol: "udp",
            fromPort: 5223,
            toPort: 5228,
            cidr: "17.0.0.0/8",
          },
        ],
      );
    });

    it("rejects a missing description, bad ports and bad CIDRs, one message each", () => {
      const cases: [Record<string, unknown>, string][] = [
        [
          { port: 587, cidr: "0.0.0.0/0" },
          'vitcord-infra:services.api.egress.0.description is missing: must say what the rule reaches and why, e.g. "SMTP to the mail provider": up to 255 letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*',
        ],
        [
          { description: "SMTP", port: 70000, cidr: "0.0.0.0/0" },
          "vitcord-infra:services.api.egress.0.port = 70000: must be a whole number from 1 to 65535 (a TCP or UDP port)",
        ],
        [
          { description: "SMTP", cidr: "0.0.0.0/0" },
          "vitcord-infra:services.api.egress.0.port is missing: set port (one port) or fromPort and toPort (a range)",
        ],
        [
          { description: "SMTP", port: 587, fromPort: 1, toPort: 2, cidr: "0.0.0.0/0" },
          "vitcord-infra:services.api.egress.0.port = 587: set port or fromPort and toPort, not both",
        ],
        [
          { description: "SMTP", fromPort: 587, cidr: "0.0.0.0/0" },
          "vitcord-infra:services.api.egress.0.toPort is missing: a port range needs both fromPort and toPort",
        ],
        [
          { description: "SMTP", fromPort: 600, toPort: 587, cidr: "0.0.0.0/0" },
          "vitcord-infra:services.api.egress.0.fromPort = 600: must be at most toPort (587)",
        ],
        [
          { description: "SMTP", port: 587, protocol: "icmp", cidr: "0.0.0.0/0" },
          'vitcord-infra:services.api.egress.0.protocol = "icmp": must be one of: tcp, udp',
        ],
        [
          { description: "SMTP", port: 587, cidr: "10.0.0.1/16" },
          `vitcord-infra:services.api.egress.0.cidr = "10.0.0.1/16": must be an IPv4 CIDR block whose address is the network's first, e.g. 203.0.113.0/24, or 0.0.0.0/0 for anywhere`,
        ],
        [
          { description: "SMTP", port: 587, cidr: "::/0" },
          `vitcord-infra:services.api.egress.0.cidr = "::/0": must be an IPv4 CIDR block whose address is the network's first, e.g. 203.0.113.0/24, or 0.0.0.0/0 for anywhere`,
        ],
        [
          { description: "SMTP ✉", port: 587, cidr: "0.0.0.0/0" },
          'vitcord-infra:services.api.egress.0.description = "SMTP ✉": must say what the rule reaches and why, e.g. "SMTP to the mail provider": up to 255 letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*',
        ],
      ];
      for (const [rule, message] of cases) {
        assert.deepEqual(problems({ egress: [rule] }), [message], JSON.stringify(rule));
      }
      const smtp = { description: "SMTP", port: 587, cidr: "0.0.0.0/0" };
      assert.deepEqual(problems({ egress: [smtp, { ...smtp, description: "again" }] }), [
        'vitcord-infra:services.api.egress.1 = {"description":"again","port":587,"cidr":"0.0.0.0/0"}: is the same protocol, ports and cidr as egress[0]; EC2 refuses a duplicate rule',
      ]);
    });
  });
});
