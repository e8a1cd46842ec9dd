import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ContainerConfig, SSM_PARAMETER_ARN, scratchVolumeName } from "./config/task";
import { DataStoreGrant } from "./data-access";
import {
  configVarSecrets,
  configVarsResource,
  configVarStatements,
  reservedVariableSources,
} from "./config-vars";
import { configVarsPath } from "./ops-manifest";
import { ReleaseInfo, releaseTags } from "./release";
import { DENY_IAM_CHANGES, PolicyStatement, policyDocument, serviceTrustPolicy } from "./iam";
import type { WorkloadSource } from "./operations-manifest";
import {
  AFTER_VOLUME_INIT,
  needsVolumeInit,
  volumeInitContainer,
  VolumeInitContainerDefinition,
} from "./volume-permissions";

/**
 * The task pieces every workload shares, web service or Fargate worker: the typed container
 * definition, awslogs logging into a per-workload log group, secrets, the execution role (used by
 * the ECS agent) and the separate task role (used by the application, CKV_AWS_249).
 */

/** The name of the port mapping a web service exposes; Service Connect refers to it. */
export const HTTP_PORT_NAME = "http";

/** One container of a task definition, as the ECS API takes it (the subset we use). */
export interface ContainerDefinition {
  readonly name: string;
  readonly image: string;
  readonly essential: true;
  readonly portMappings: readonly {
    readonly name: string;
    readonly containerPort: number;
    readonly hostPort: number;
    readonly protocol: "tcp";
    readonly appProtocol: "http";
  }[];
  readonly environment: readonly { readonly name: string; readonly value: string }[];
  readonly secrets: readonly { readonly name: string; readonly valueFrom: string }[];
  readonly command?: readonly string[];
  readonly healthCheck?: {
    readonly command: readonly string[];
    readonly interval: number;
    readonly timeout: number;
    readonly retries: number;
    readonly startPeriod: number;
  };
  readonly readonlyRootFilesystem: boolean;
  readonly user?: string;
  readonly stopTimeout: number;
  readonly mountPoints: readonly {
    readonly sourceVolume: string;
    readonly containerPath: string;
    readonly readOnly: false;
  }[];
  /** On Fargate with scratch volumes: start after the volume-permissions container exited 0. */
  readonly dependsOn?: typeof AFTER_VOLUME_INIT;
  /** tini as PID 1: forwards SIGTERM to the app and reaps the processes ECS Exec starts. */
  readonly linuxParameters: { readonly initProcessEnabled: true };
  readonly logConfiguration: {
    readonly logDriver: "awslogs";
    readonly options: {
      readonly "awslogs-region": string;
      readonly "awslogs-group": string;
      readonly "awslogs-stream-prefix": string;
    };
  };
}

/** What `containerDefinition` needs: the workload's container config plus resolved values. */
export interface ContainerSpec extends Pick<
  ContainerConfig,
  | "environment"
  | "secrets"
  | "command"
  | "user"
  | "stopTimeoutSeconds"
  | "readonlyRootFilesystem"
  | "writablePaths"
  | "containerHealthCheck"
> {
  /** The container name: the workload's name, so one-off tasks can override its command. */
  readonly name: string;
  readonly image: string;
  /** The port the container listens on; workers have none. */
  readonly port?: number;
  readonly logRegion: string;
  readonly logGroupName: string;
}

export { scratchVolumeName };

/**
 * Task-scoped volumes for the writable paths: with no host path ECS gives each task its own empty
 * directory (on the instance for EC2, in the task's ephemeral storage on Fargate).
 */
export function scratchVolumes(paths: readonly string[]): { name: string }[] {
  return paths.map((path) => ({ name: scratchVolumeName(path) }));
}

/** The container definition for a workload, ready to be JSON.stringified into a task definition. */
export function containerDefinition(spec: ContainerSpec): ContainerDefinition {
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
  const health = spec.containerHealthCheck;
  return {
    name: spec.name,
    image: spec.image,
    essential: true,
    // awsvpc: the host port is the container port, on the task's own network interface.
    portMappings:
      spec.port === undefined
        ? []
        : [
            {
              name: HTTP_PORT_NAME,
              containerPort: spec.port,
              hostPort: spec.port,
              protocol: "tcp",
              appProtocol: "http",
            },
          ],
    environment: Object.entries(spec.environment)
      .map(([name, value]) => ({ name, value }))
      .sort(byName),
    // ECS.8: secret values are fetched by the agent at start and never stored in the definition.
    secrets: Object.entries(spec.secrets)
      .map(([name, valueFrom]) => ({ name, valueFrom }))
      .sort(byName),
    ...(spec.command === undefined ? {} : { command: spec.command }),
    ...(health === undefined
      ? {}
      : {
          healthCheck: {
            command: health.command,
            interval: health.intervalSeconds,
            timeout: health.timeoutSeconds,
            retries: health.retries,
            startPeriod: health.startPeriodSeconds,
          },
        }),
    // ECS.5 / CKV_AWS_336; `privileged` is never set (ECS.4, CKV_AWS_334).
    readonlyRootFilesystem: spec.readonlyRootFilesystem,
    ...(spec.user === undefined ? {} : { user: spec.user }),
    stopTimeout: spec.stopTimeoutSeconds,
    mountPoints: spec.writablePaths.map((containerPath) => ({
      sourceVolume: scratchVolumeName(containerPath),
      containerPath,
      readOnly: false,
    })),
    linuxParameters: { initProcessEnabled: true },
    // ECS.9: every container logs to its workload's group.
    logConfiguration: {
      logDriver: "awslogs",
      options: {
        "awslogs-region": spec.logRegion,
        "awslogs-group": spec.logGroupName,
        "awslogs-stream-prefix": spec.name,
      },
    },
  };
}

/**
 * A task's containers: the application's and, on Fargate, the container that makes its scratch
 * volumes writable for a non-root user first (components/volume-permissions.ts), which the
 * application waits for.
 */
export function taskContainers(
  compatibility: "EC2" | "FARGATE",
  app: ContainerDefinition,
): (ContainerDefinition | VolumeInitContainerDefinition)[] {
  const paths = app.mountPoints.map((m) => m.containerPath);
  if (!needsVolumeInit(compatibility, paths)) return [app];
  // The application stays first: the CLI and the plan find it by name, older readers by position.
  return [{ ...app, dependsOn: AFTER_VOLUME_INIT }, volumeInitContainer(app)];
}

/** The `-` and six characters Secrets Manager appends to every secret's name in its ARN. */
const SECRET_ARN_SUFFIX = /-[A-Za-z0-9]{6}$/;

/**
 * The IAM resource of a secret reference: SSM parameter ARNs as they are, Secrets Manager ARNs
 * without ECS's `:<json-key>:<stage>:<version>` selector. A secret's real ARN always ends in
 * `-<six characters>`, and IAM matches GetSecretValue against that full ARN, so a partial ARN
 * (the name only, which ECS resolves) gets the `-??????` wildcard AWS documents for it.
 */
export function secretResourceArn(valueFrom: string): string {
  if (SSM_PARAMETER_ARN.test(valueFrom)) return valueFrom;
  const arn = valueFrom.split(":").slice(0, 7).join(":");
  return SECRET_ARN_SUFFIX.test(arn) ? arn : `${arn}-??????`;
}

/**
 * The statements that let the ECS agent read exactly these secrets: ssm:GetParameters on the
 * parameters, secretsmanager:GetSecretValue on the secrets, kms:Decrypt on the given key only
 * (KMS.1/2). No statement when there are no secrets; never a `*` resource (IAM.21, CKV_AWS_355).
 */
export function secretReadStatements(
  secrets: Readonly<Record<string, string>>,
  kmsKeyArn?: string,
): PolicyStatement[] {
  const arns = [...new Set(Object.values(secrets).map(secretResourceArn))].sort();
  const parameters = arns.filter((arn) => SSM_PARAMETER_ARN.test(arn));
  const secretArns = arns.filter((arn) => !SSM_PARAMETER_ARN.test(arn));
  const statements: PolicyStatement[] = [];
  if (parameters.length > 0) {
    statements.push({
      Sid: "ReadSsmParameters",
      Effect: "Allow",
      Action: "ssm:GetParameters",
      Resource: parameters,
    });
  }
  if (secretArns.length > 0) {
    statements.push({
      Sid: "ReadSecrets",
      Effect: "Allow",
      Action: "secretsmanager:GetSecretValue",
      Resource: secretArns,
    });
  }
  if (kmsKeyArn !== undefined && arns.length > 0) {
    statements.push({
      Sid: "DecryptSecrets",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: kmsKeyArn,
    });
  }
  return statements;
}

/** The grants' environment or secrets as one record (config validation keeps names apart). */
export function mergedGrants(
  grants: readonly DataStoreGrant[],
  key: "environment" | "secrets",
): Record<string, pulumi.Input<string>> {
  return Object.assign({}, ...grants.map((grant) => grant[key] ?? {})) as Record<
    string,
    pulumi.Input<string>
  >;
}

/**
 * The execution role may read exactly the secrets the data stores hand the container (the RDS
 * managed secret's ARN, for instance); none when no store has one.
 */
export function grantSecretStatements(grants: readonly DataStoreGrant[]): PolicyStatement[] {
  const arns = grants.flatMap((grant) => grant.secretArns ?? []);
  return arns.length === 0
    ? []
    : [
        {
          Sid: "ReadDataStoreSecrets",
          Effect: "Allow",
          Action: "secretsmanager:GetSecretValue",
          Resource: arns,
        },
      ];
}

/**
 * The rules that let a workload reach the stores it uses: on each store's group, its port from
 * the workload's task group. One-off tasks (`run`) carry the same group, so they reach it too.
 */
export function grantIngressRules(
  parent: pulumi.Resource,
  workload: string,
  grants: readonly DataStoreGrant[],
  workloadSecurityGroupId: pulumi.Input<string>,
): aws.vpc.SecurityGroupIngressRule[] {
  return grants.flatMap((grant) =>
    grant.ingress === undefined
      ? []
      : [
          new aws.vpc.SecurityGroupIngressRule(
            `${workload}-to-${grant.store}`,
            {
              securityGroupId: grant.ingress.securityGroupId,
              description: grant.ingress.description,
              ipProtocol: "tcp",
              fromPort: grant.ingress.port,
              toPort: grant.ingress.port,
              referencedSecurityGroupId: workloadSecurityGroupId,
            },
            { parent },
          ),
        ],
  );
}

/** A private ECR image: `<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>:<tag>|@<digest>`. */
const PRIVATE_ECR_IMAGE =
  /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/([^:@]+)(?::[^@]+)?(?:@sha256:[a-f0-9]{64})?$/;

/**
 * The repository ARN of an image in a private ECR registry, or undefined for any other registry.
 * The ECS agent pulls with the execution role, so a private ECR image needs pull permission on
 * its repository even when it is not the workload's own.
 */
export function privateEcrRepositoryArn(image: string): string | undefined {
  const match = PRIVATE_ECR_IMAGE.exec(image);
  if (match === null) return undefined;
  const [, account, region, china, repository] = match;
  return `arn:${china === undefined ? "aws" : "aws-cn"}:ecr:${region}:${account}:repository/${repository}`;
}

/** Pulling from one private ECR repository. */
export function imagePullStatements(repositoryArn: pulumi.Input<string>): PolicyStatement[] {
  return [
    {
      Sid: "PullImages",
      Effect: "Allow",
      Action: [
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
      ],
      Resource: repositoryArn,
    },
    // The one allowed `*`: ecr:GetAuthorizationToken has no resource type, so IAM accepts no other
    // Resource. The token alone reads nothing; the statement above scopes the repository.
    { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
  ];
}

/**
 * What the application needs for ECS Exec (`aws ecs execute-command`). The ssmmessages actions
 * have no resource type, so `*` is the only Resource IAM accepts; granted only when exec is on.
 */
export const EXEC_STATEMENTS: readonly PolicyStatement[] = [
  {
    Sid: "EcsExec",
    Effect: "Allow",
    Action: [
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
    ],
    Resource: "*",
  },
];

/**
 * What the SSM agent in a task needs to log ECS Exec sessions to the cluster's group: it checks
 * the group exists with logs:DescribeLogGroups, a list call IAM authorizes against
 * `…:log-group::log-stream:` and never a single group's ARN (so the AWS docs grant it on `*`; here
 * on the account's groups in the region), then creates a stream and writes to it.
 */
export function execSessionLogStatements(logGroupArn: pulumi.Input<string>): PolicyStatement[] {
  return [
    {
      Sid: "WriteExecSessionLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
      Resource: pulumi.interpolate`${logGroupArn}:log-stream:*`,
    },
    {
      Sid: "FindExecLogGroup",
      Effect: "Allow",
      Action: "logs:DescribeLogGroups",
      Resource: pulumi
        .output(logGroupArn)
        .apply((arn) => arn.replace(/:log-group:.*$/, ":log-group:*")),
    },
  ];
}

/**
 * Where the ECS Exec agent writes inside the container. It crashes on a read-only root unless
 * these are writable (aws-containers/amazon-ecs-exec-checker#21), so with exec on they get
 * scratch volumes and the root stays read-only (ECS.5).
 */
export const EXEC_AGENT_PATHS = ["/var/lib/amazon/ssm", "/var/log/amazon/ssm"] as const;

/** The configured writable paths, plus the exec agent's when exec is on with a read-only root. */
export function writablePathsFor(
  container: Pick<ContainerConfig, "writablePaths" | "readonlyRootFilesystem">,
  execEnabled: boolean,
): string[] {
  const extra = execEnabled && container.readonlyRootFilesystem ? EXEC_AGENT_PATHS : [];
  return [...new Set([...container.writablePaths, ...extra])];
}

/** The family of a workload's task definition: `<stack>-<workload>`, e.g. `prod-api`. */
export function taskFamily(stack: string, workload: string): string {
  return `${stack}-${workload}`;
}

/** The log group of a workload: `/vitcord/<stack>/<workload>`. */
export function workloadLogGroupName(stack: string, workload: string): string {
  return `/vitcord/${stack}/${workload}`;
}

export interface WorkloadTaskArgs {
  /** The workload's container settings from its validated config. */
  readonly container: ContainerConfig;
  /** The full image reference, e.g. `<repositoryUrl>:<tag>` or `public.ecr.aws/nginx/nginx:1.27`. */
  readonly image: pulumi.Input<string>;
  /** The AWS region, for the awslogs driver. */
  readonly region: string;
  /** `EC2` for the web services, `FARGATE` for workers. */
  readonly compatibility: "EC2" | "FARGATE";
  /** Task CPU units (1024 = one vCPU). */
  readonly cpu: number;
  /** Task memory in MiB. */
  readonly memory: number;
  /**
   * The container port; workers have none.
   * @default undefined
   */
  readonly port?: number;
  /**
   * CPU architecture (Fargate needs it for ARM64 images).
   * @default undefined (the task runs on whatever the capacity provides; X86_64 on Fargate)
   */
  readonly cpuArchitecture?: "X86_64" | "ARM64";
  /**
   * Days to keep the workload's logs (CKV_AWS_66, CKV_AWS_338).
   * @default 14
   */
  readonly logRetentionDays?: number;
  /**
   * KMS key for the log group (CKV_AWS_158).
   * @default undefined (CloudWatch's own encryption)
   */
  readonly logKmsKeyArn?: pulumi.Input<string>;
  /**
   * The workload's private ECR repository; the execution role may pull from it and nothing else.
   * @default undefined (public images need no pull permission)
   */
  readonly repositoryArn?: pulumi.Input<string>;
  /**
   * Extra statements for the task role, e.g. a worker's queue (typed, Inputs allowed).
   * @default []
   */
  readonly taskPolicyStatements?: readonly PolicyStatement[];
  /**
   * Grants the task role the ssmmessages permissions ECS Exec needs.
   * @default false
   */
  readonly execEnabled?: boolean;
  /**
   * Environment variables whose values are known only at deploy time (a worker's queue URL),
   * added to `container.environment`; config validation keeps the names apart.
   * @default {}
   */
  readonly deployTimeEnvironment?: Readonly<Record<string, pulumi.Input<string>>>;
  /**
   * What the data stores in the workload's `uses` give it: their environment and secrets join the
   * container's (config validation keeps the names apart), the execution role may read exactly
   * their secret ARNs, and their statements join the task role's. Network access is the
   * workload's part (`grantIngressRules`), since it owns the security group.
   * @default []
   */
  readonly grants?: readonly DataStoreGrant[];
  /**
   * The release the image belongs to, as tags on the task definition (`releaseTags`).
   * @default {}
   */
  readonly release?: ReleaseInfo;
  /**
   * The workload's key in the stack file (`services.api`, `workers.jobs`), named in the message
   * when a config var clashes with one of its variables.
   * @default the workload's name
   */
  readonly stackFileKey?: string;
}

/**
 * A workload's task definition with its log group and its two roles. The execution role can pull
 * the image, write the log group and read exactly the configured secrets; the task role is the
 * application's and holds only what config grants it.
 */
export class WorkloadTask extends pulumi.ComponentResource {
  public readonly taskDefinition: aws.ecs.TaskDefinition;
  public readonly taskDefinitionArn: pulumi.Output<string>;
  public readonly family: pulumi.Output<string>;
  public readonly containerName: string;
  public readonly logGroupName: pulumi.Output<string>;
  public readonly logGroupArn: pulumi.Output<string>;
  public readonly executionRole: aws.iam.Role;
  public readonly taskRole: aws.iam.Role;
  /** The awslogs stream prefix: the container's name (streams are `<prefix>/<name>/<task id>`). */
  public readonly logStreamPrefix: string;
  /**
   * Every variable name the stack file, the program (deploy-time values) and the data stores set:
   * config vars may not reuse them (one source per variable).
   */
  public readonly reservedVariables: string[];
  /** The key config vars that are secrets are encrypted with (`secretsKmsKeyArn`), if any. */
  public readonly configKmsKeyArn?: string;

  /** The task's part of a workload's operations-manifest entry, the same for services and workers. */
  operationsFacts(): Pick<
    WorkloadSource,
    | "taskDefinitionFamily"
    | "taskDefinitionArn"
    | "containerName"
    | "logGroupName"
    | "logGroupArn"
    | "logStreamPrefix"
    | "configKmsKeyArn"
    | "reservedVariables"
  > {
    return {
      taskDefinitionFamily: this.family,
      taskDefinitionArn: this.taskDefinitionArn,
      containerName: this.containerName,
      logGroupName: this.logGroupName,
      logGroupArn: this.logGroupArn,
      logStreamPrefix: this.logStreamPrefix,
      configKmsKeyArn: this.configKmsKeyArn,
      reservedVariables: this.reservedVariables,
    };
  }

  constructor(name: string, args: WorkloadTaskArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vitcord:task:WorkloadTask", name, args, opts);
    const stack = pulumi.getStack();
    const writablePaths = writablePathsFor(args.container, args.execEnabled ?? false);
    const container = { ...args.container, writablePaths };
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const grants = args.grants ?? [];
    this.containerName = name;
    this.logStreamPrefix = name;
    this.configKmsKeyArn = container.secretsKmsKeyArn;
    const deployTimeEnvironment = args.deployTimeEnvironment ?? {};
    const reserved = reservedVariableSources({
      stack,
      stackFileKey: args.stackFileKey ?? name,
      environment: Object.keys(container.environment),
      secrets: Object.keys(container.secrets),
      deployTime: Object.keys(deployTimeEnvironment),
      grants: grants.map((grant) => ({
        store: grant.store,
        names: [...Object.keys(grant.environment ?? {}), ...Object.keys(grant.secrets ?? {})],
      })),
    });
    this.reservedVariables = [...reserved.keys()].sort();
    // Config vars (`config:set`) are read by name at deploy time, so a later `pulumi up` keeps
    // them. withDecryption false: only names and ARNs are used, and an invoke's result is not kept
    // in the state. A path with no parameter gives empty lists, not an error (GetParametersByPath
    // answers an empty page: aws/aws-sdk-js-v3#5928, hashicorp/terraform-provider-aws#21346).
    const configVars = aws.ssm.getParametersByPathOutput(
      { path: configVarsPath(stack, name), recursive: false, withDecryption: false },
      { parent: this },
    );
    const partition = aws.getPartitionOutput({}, { parent: this }).partition;

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      {
        name: workloadLogGroupName(stack, name),
        retentionInDays: args.logRetentionDays ?? 14,
        kmsKeyId: args.logKmsKeyArn,
      },
      { parent: this },
    );
    this.logGroupName = logGroup.name;
    this.logGroupArn = logGroup.arn;

    this.executionRole = new aws.iam.Role(
      `${name}-execution`,
      {
        description: `ECS agent for ${name}: pulls its image, writes its logs, reads its secrets.`,
        assumeRolePolicy: serviceTrustPolicy("ecs-tasks.amazonaws.com", account),
      },
      { parent: this },
    );
    const executionPolicy = new aws.iam.RolePolicy(
      `${name}-execution`,
      {
        role: this.executionRole.id,
        policy: policyDocument([
          {
            Sid: "WriteLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: pulumi.interpolate`${logGroup.arn}:log-stream:*`,
          },
          ...(args.repositoryArn === undefined ? [] : imagePullStatements(args.repositoryArn)),
          ...secretReadStatements(container.secrets, container.secretsKmsKeyArn),
          ...grantSecretStatements(grants),
          ...configVarStatements(
            pulumi
              .all([partition, account])
              .apply(([p, a]) => configVarsResource(p, args.region, a, stack, name)),
            container.secretsKmsKeyArn,
          ),
        ]),
      },
      { parent: this },
    );

    // A different role from the execution role (CKV_AWS_249): the application never gets the
    // agent's secret-reading or image-pulling permissions.
    this.taskRole = new aws.iam.Role(
      `${name}-task`,
      {
        description: `The ${name} application's own AWS permissions.`,
        assumeRolePolicy: serviceTrustPolicy("ecs-tasks.amazonaws.com", account),
      },
      { parent: this },
    );
    const taskPolicies: pulumi.CustomResource[] = container.taskPolicyArns.map(
      (policyArn, i) =>
        new aws.iam.RolePolicyAttachment(
          `${name}-task-${i}`,
          { role: this.taskRole.name, policyArn },
          { parent: this },
        ),
    );
    const taskStatements = [
      ...(args.taskPolicyStatements ?? []),
      ...grants.flatMap((grant) => grant.taskPolicyStatements ?? []),
      ...((args.execEnabled ?? false) ? EXEC_STATEMENTS : []),
      // Last, on every task role: whatever is attached, the application cannot change IAM.
      DENY_IAM_CHANGES,
    ];
    taskPolicies.push(
      new aws.iam.RolePolicy(
        `${name}-task`,
        { role: this.taskRole.id, policy: policyDocument(taskStatements) },
        { parent: this },
      ),
    );

    const containerDefinitions = pulumi
      .all([
        args.image,
        logGroup.name,
        pulumi.output(deployTimeEnvironment),
        pulumi.output(mergedGrants(grants, "environment")),
        pulumi.output(mergedGrants(grants, "secrets")),
        configVars,
      ])
      .apply(([image, logGroupName, deployTime, grantEnvironment, grantSecrets, found]) =>
        JSON.stringify(
          taskContainers(
            args.compatibility,
            containerDefinition({
              ...container,
              environment: { ...container.environment, ...deployTime, ...grantEnvironment },
              secrets: {
                ...container.secrets,
                ...grantSecrets,
                ...configVarSecrets(stack, name, found, reserved),
              },
              name,
              image,
              port: args.port,
              logRegion: args.region,
              logGroupName,
            }),
          ),
        ),
      );

    this.taskDefinition = new aws.ecs.TaskDefinition(
      `${name}-task`,
      {
        family: taskFamily(stack, name),
        requiresCompatibilities: [args.compatibility],
        // ECS.17: awsvpc gives every task its own interface and security group; pidMode and
        // ipcMode stay unset so nothing is shared with the host (ECS.3, CKV_AWS_335).
        networkMode: "awsvpc",
        cpu: String(args.cpu),
        memory: String(args.memory),
        executionRoleArn: this.executionRole.arn,
        taskRoleArn: this.taskRole.arn,
        containerDefinitions,
        volumes: scratchVolumes(writablePaths),
        // Each release registers a new revision (the container definitions change, so the
        // resource is replaced); skipDestroy keeps the old one ACTIVE instead of deregistering
        // it ("Whether to retain the old revision when the resource is destroyed or replacement
        // is necessary", aws.ecs.TaskDefinition skipDestroy / Terraform skip_destroy): the
        // release history `releases` lists and `rollback` returns to.
        skipDestroy: true,
        tags: releaseTags(args.release ?? {}),
        ...(args.cpuArchitecture === undefined
          ? {}
          : {
              runtimePlatform: {
                cpuArchitecture: args.cpuArchitecture,
                operatingSystemFamily: "LINUX",
              },
            }),
      },
      // The roles' ARNs order the task definition after the roles but not after their policies:
      // a service or run-task could start tasks whose agent cannot yet pull, log or read secrets
      // (ResourceInitializationError) and whose application lacks its permissions.
      { parent: this, dependsOn: [executionPolicy, ...taskPolicies] },
    );
    this.taskDefinitionArn = this.taskDefinition.arn;
    this.family = this.taskDefinition.family;

    this.registerOutputs({
      taskDefinitionArn: this.taskDefinitionArn,
      family: this.family,
      logGroupName: this.logGroupName,
      executionRoleArn: this.executionRole.arn,
      taskRoleArn: this.taskRole.arn,
    });
  }
}
