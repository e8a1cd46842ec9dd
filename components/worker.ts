import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ENVIRONMENT_DEFAULTS } from "./config/environment";
import { QUEUE_URL_VARIABLE, WorkerConfig } from "./config/worker";
import { imageAt } from "./config/registry";
import { ecsServiceOptions } from "./options";
import { ClusterRef, NetworkRef, QueueRef } from "./refs";
import { ReleaseInfo } from "./release";
import { DataStoreGrant } from "./data-access";
import {
  execSessionLogStatements,
  grantIngressRules,
  privateEcrRepositoryArn,
  WorkloadTask,
} from "./task";
import { WorkloadSource } from "./operations-manifest";
import { backlogScaling, queueConsumerStatement, scaleInMetricQueries } from "./worker-queue";

const DEV = ENVIRONMENT_DEFAULTS.dev;

export interface FargateWorkerArgs {
  /** Where the tasks run: private subnets of this VPC. */
  readonly network: NetworkRef;
  /** The ECS cluster (it has the FARGATE and FARGATE_SPOT capacity providers). */
  readonly cluster: ClusterRef;
  /** The worker's validated config (`vitcord-infra:workers.<name>`). */
  readonly worker: WorkerConfig;
  /** The full image reference the container runs (resolved from `image` or `repository`). */
  readonly image: pulumi.Input<string>;
  /** The AWS region, for the awslogs driver. */
  readonly region: string;
  /**
   * The ECR repository the image comes from; the execution role may pull from it only.
   * @default undefined (a public image)
   */
  readonly repositoryArn?: pulumi.Input<string>;
  /**
   * The release the image belongs to, as tags on the task definition.
   * @default {}
   */
  readonly release?: ReleaseInfo;
  /**
   * The capacity provider strategy this worker had at the last update (`capacityStrategyKey`,
   * from the stack's previous outputs): a new deployment is forced only when it differs.
   * @default undefined (none known: nothing is forced)
   */
  readonly previousCapacityStrategy?: pulumi.Input<string | undefined>;
  /**
   * Days to keep the worker's logs.
   * @default 14
   */
  readonly logRetentionDays?: number;
  /**
   * The queue it consumes, required when `worker.queue` is set: `workerQueues()` declares it
   * before the web services, which may be its producers.
   * @default undefined (no queue)
   */
  readonly queue?: QueueRef;
  /**
   * Deployment floor, in percent of the desired count.
   * @default 50
   */
  readonly minHealthyPercent?: number;
  /**
   * Deployment ceiling, in percent of the desired count.
   * @default 200
   */
  readonly maxHealthyPercent?: number;
  /**
   * What the data stores in the worker's `uses` give it (`DataStore.grantTo`): network access
   * from its security group, connection settings, secrets and IAM.
   * @default []
   */
  readonly grants?: readonly DataStoreGrant[];
  /**
   * The cluster's ECS Exec log group; with `worker.execEnabled`, the task role may write the
   * session logs there (as a web service's does).
   * @default undefined
   */
  readonly execLogGroupArn?: pulumi.Input<string>;
  /**
   * The KMS key that encrypts the workload's log group (the stack's key, components/kms.ts).
   * @default undefined (CloudWatch Logs' own encryption)
   */
  readonly logKmsKeyArn?: pulumi.Input<string>;
}

/** The capacity provider strategy: `base` tasks on FARGATE, the rest on FARGATE_SPOT. */
export function fargateCapacityStrategy(spot: {
  readonly enabled: boolean;
  readonly base: number;
}): { capacityProvider: "FARGATE" | "FARGATE_SPOT"; base: number; weight: number }[] {
  if (!spot.enabled) return [{ capacityProvider: "FARGATE", base: 0, weight: 1 }];
  // Weight 0 on FARGATE: above the base every task goes to Spot (interruptions give 2 minutes'
  // notice; jobs are retried from the queue). Spot takes ARM64 on platform 1.4.0 (LATEST).
  const onSpot = { capacityProvider: "FARGATE_SPOT" as const, base: 0, weight: 1 };
  if (spot.base === 0) return [onSpot];
  return [{ capacityProvider: "FARGATE", base: spot.base, weight: 0 }, onSpot];
}

/** A strategy as one comparable string: `FARGATE:base=2:weight=0,FARGATE_SPOT:base=0:weight=1`. */
export function capacityStrategyKey(
  strategy: readonly { capacityProvider: string; base: number; weight: number }[],
): string {
  return strategy.map((s) => `${s.capacityProvider}:base=${s.base}:weight=${s.weight}`).join(",");
}

/**
 * Whether an update must force a new deployment: only when the strategy of the deployed service
 * changes (unknown before the first update: a new service needs none).
 */
export function strategyChanged(previous: string | undefined, current: string): boolean {
  return previous !== undefined && previous !== current;
}

/**
 * A background worker on Fargate: no load balancer, no inbound traffic, private subnets only.
 * Its container, log group and roles come from the shared `WorkloadTask` (as the web services'
 * do); it scales on CPU and, with a queue, on the queue's backlog.
 */
export class FargateWorker extends pulumi.ComponentResource {
  public readonly serviceName: pulumi.Output<string>;
  public readonly taskDefinitionFamily: pulumi.Output<string>;
  /** The task definition revision this update registered. */
  public readonly taskDefinitionArn: pulumi.Output<string>;
  /** The capacity provider strategy, as `capacityStrategyKey` writes it (a stack output). */
  public readonly capacityStrategy: string;
  public readonly containerName: string;
  public readonly logGroupName: pulumi.Output<string>;
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly subnetIds: pulumi.Output<string[]>;
  public readonly queueUrl?: pulumi.Output<string>;
  public readonly queueArn?: pulumi.Output<string>;
  /** What the operations manifest records of this worker (components/operations-manifest.ts). */
  public readonly operations: WorkloadSource;
  /** The Application Auto Scaling target of its task count (off hours act on it too). */
  public readonly scalableTarget: aws.appautoscaling.Target;
  /** Its task range while awake: autoscaling's min and max. */
  public readonly awakeTasks: { readonly min: number; readonly max: number };

  constructor(name: string, args: FargateWorkerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vitcord:service:FargateWorker", name, args, opts);
    const worker = args.worker;

    const queue = args.queue;
    if ((queue === undefined) !== (worker.queue === undefined)) {
      throw new Error(
        `FargateWorker ${name}: \`queue\` must be given exactly when \`worker.queue\` is set.`,
      );
    }
    this.queueUrl = queue === undefined ? undefined : pulumi.output(queue.url);
    this.queueArn = queue === undefined ? undefined : pulumi.output(queue.arn);

    const task = new WorkloadTask(
      name,
      {
        container: worker,
        image: args.image,
        region: args.region,
        compatibility: "FARGATE",
        cpu: worker.cpu,
        memory: worker.memory,
        cpuArchitecture: worker.architecture === "arm64" ? "ARM64" : "X86_64",
        logRetentionDays: args.logRetentionDays ?? DEV.logRetentionDays,
        logKmsKeyArn: args.logKmsKeyArn,
        repositoryArn: args.repositoryArn,
        // The task role may consume exactly this queue, nothing else.
        taskPolicyStatements: [
          ...(queue === undefined ? [] : [queueConsumerStatement(queue.arn)]),
          ...(worker.execEnabled && args.execLogGroupArn !== undefined
            ? execSessionLogStatements(args.execLogGroupArn)
            : []),
        ],
        deployTimeEnvironment: queue === undefined ? {} : { [QUEUE_URL_VARIABLE]: queue.url },
        release: args.release,
        grants: args.grants,
        execEnabled: worker.execEnabled,
        stackFileKey: `workers.${name}`,
      },
      { parent: this },
    );

    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.network.vpcId,
        description: `Worker ${name}: accepts no connection; connects out only.`,
        // No ingress rule at all: nothing can open a connection to a worker (EC2.18, CKV_AWS_23).
        ingress: [],
        egress: [
          {
            description: "HTTPS to AWS APIs and third-party services, through the NAT gateway",
            protocol: "tcp",
            fromPort: 443,
            toPort: 443,
            cidrBlocks: ["0.0.0.0/0"],
          },
          {
            description: "Databases, Redis and the web services (Service Connect) inside the VPC",
            protocol: "-1",
            fromPort: 0,
            toPort: 0,
            cidrBlocks: [args.network.cidrBlock],
          },
          // `workers.<name>.egress`, each described. Inline like the two above, not as
          // aws.vpc.SecurityGroupEgressRule resources: mixing both on one group "may cause rule
          // conflicts, perpetual differences, and result in rules being overwritten" (the
          // provider's SecurityGroupEgressRule docs). The web services' groups use rule resources.
          ...worker.egress.map((rule) => ({
            description: rule.description,
            protocol: rule.protocol,
            fromPort: rule.fromPort,
            toPort: rule.toPort,
            cidrBlocks: [rule.cidr],
          })),
        ],
      },
      { parent: this },
    );
    grantIngressRules(this, name, args.grants ?? [], securityGroup.id);

    // CreateService rejects a strategy naming a provider not yet attached to the cluster, and
    // FARGATE/FARGATE_SPOT are attached by the cluster's ClusterCapacityProviders: the cluster ARN
    // is taken through the attached provider's name so the service is created after it.
    const clusterArn = pulumi
      .all([args.cluster.clusterArn, args.cluster.capacityProviderName])
      .apply(([arn]) => arn);
    const strategy = fargateCapacityStrategy(worker.spot);
    this.capacityStrategy = capacityStrategyKey(strategy);
    const securityGroups = [securityGroup.id, args.cluster.serviceConnectClientSecurityGroupId];
    const service = new aws.ecs.Service(
      `${name}-service`,
      {
        cluster: clusterArn,
        taskDefinition: task.taskDefinitionArn,
        desiredCount: worker.desiredCount,
        capacityProviderStrategies: strategy,
        // The provider fails the preview of any change to the strategy (spot.enabled, spot.base)
        // of a deployed service unless forceNewDeployment is true ("force_new_deployment should be
        // true when capacity_provider_strategy is being updated", its
        // capacityProviderStrategyCustomizeDiff), as ECS's UpdateService requires. But it sends
        // the flag with every UpdateService, so a constant `true` restarted the tasks on any
        // update. So it is true only in the update that changes the strategy, known by comparing
        // with the strategy the last update exported. (`triggers` cannot replace it: the provider
        // drops a triggers change unless forceNewDeployment is true as well.)
        forceNewDeployment: pulumi
          .output(args.previousCapacityStrategy)
          .apply((previous) => strategyChanged(previous, this.capacityStrategy)),
        platformVersion: "LATEST", // ECS.10, CKV_AWS_332
        networkConfiguration: {
          subnets: args.network.privateSubnetIds,
          // The cluster's client group: the web services admit it, so the worker can call them.
          securityGroups,
          assignPublicIp: false, // ECS.2, CKV_AWS_333
        },
        deploymentCircuitBreaker: { enable: true, rollback: true },
        deploymentMinimumHealthyPercent: args.minHealthyPercent ?? DEV.worker.minHealthyPercent,
        deploymentMaximumPercent: args.maxHealthyPercent ?? DEV.worker.maxHealthyPercent,
        propagateTags: "SERVICE",
        enableEcsManagedTags: true,
        // Client only: the worker calls the web services by name and serves nothing.
        serviceConnectConfiguration: {
          enabled: true,
          namespace: args.cluster.serviceConnectNamespaceArn,
        },
        enableExecuteCommand: worker.execEnabled, // CKV_AWS_223/224: logged by the cluster
        waitForSteadyState: true,
      },
      // A worker always scales (CPU, and its queue's backlog): deploys leave the count alone.
      ecsServiceOptions(true, { parent: this }),
    );

    this.scalableTarget = this.scale(
      name,
      worker,
      args.cluster.clusterName,
      service.name,
      queue?.name,
    );
    this.awakeTasks = { min: worker.autoscaling.min, max: worker.autoscaling.max };

    this.serviceName = service.name;
    this.taskDefinitionFamily = task.family;
    this.taskDefinitionArn = task.taskDefinitionArn;
    this.containerName = task.containerName;
    this.logGroupName = task.logGroupName;
    this.securityGroupId = securityGroup.id;
    this.subnetIds = pulumi.output(args.network.privateSubnetIds);
    this.operations = {
      kind: "worker",
      serviceName: service.name,
      ...task.operationsFacts(),
      // Exactly what the ECS service's tasks carry, and how it places them.
      securityGroupIds: securityGroups,
      subnetIds: args.network.privateSubnetIds,
      capacityProviderStrategy: strategy,
      execEnabled: worker.execEnabled,
      queueUrl: this.queueUrl,
    };
    this.registerOutputs({
      serviceName: this.serviceName,
      taskDefinitionFamily: this.taskDefinitionFamily,
      taskDefinitionArn: this.taskDefinitionArn,
      logGroupName: this.logGroupName,
      securityGroupId: this.securityGroupId,
      subnetIds: this.subnetIds,
      queueUrl: this.queueUrl,
      queueArn: this.queueArn,
    });
  }

  /**
   * Target tracking on CPU; with a queue, step scaling on its backlog as well, and then only the
   * backlog policy scales in.
   */
  private scale(
    name: string,
    worker: WorkerConfig,
    clusterName: pulumi.Input<string>,
    serviceName: pulumi.Output<string>,
    queueName: pulumi.Input<string> | undefined,
  ): aws.appautoscaling.Target {
    const target = new aws.appautoscaling.Target(
      `${name}-scaling`,
      {
        serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount",
        resourceId: pulumi.interpolate`service/${clusterName}/${serviceName}`,
        minCapacity: worker.autoscaling.min,
        maxCapacity: worker.autoscaling.max,
      },
      { parent: this },
    );
    const onTarget = {
      serviceNamespace: target.serviceNamespace,
      scalableDimension: target.scalableDimension,
      resourceId: target.resourceId,
    };
    new aws.appautoscaling.Policy(
      `${name}-cpu`,
      {
        ...onTarget,
        policyType: "TargetTrackingScaling",
        targetTrackingScalingPolicyConfiguration: {
          predefinedMetricSpecification: {
            predefinedMetricType: "ECSServiceAverageCPUUtilization",
          },
          targetValue: worker.autoscaling.cpuTarget,
          scaleOutCooldown: 60,
          scaleInCooldown: 300,
          // With a queue, the backlog decides scale-in: I/O-bound jobs keep CPU low while the
          // backlog grows, and a CPU scale-in would remove the tasks the backlog policy just added
          // (Application Auto Scaling runs both; each alarm acts on its own). CPU only adds tasks.
          disableScaleIn: queueName !== undefined,
        },
      },
      { parent: this },
    );
    if (queueName === undefined || worker.queue === undefined) return target;

    const steps = backlogScaling(worker.queue.backlogPerTask);
    // Out on the waiting messages; in only when nothing waits and nothing is in flight.
    const watched = {
      out: {
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: queueName },
        statistic: "Maximum",
        period: 60,
      },
      in: { metricQueries: scaleInMetricQueries(queueName) },
    };
    for (const [direction, threshold, stepList, comparison, periods] of [
      ["out", steps.scaleOutThreshold, steps.scaleOutSteps, "GreaterThanOrEqualToThreshold", 1],
      ["in", steps.scaleInThreshold, steps.scaleInSteps, "LessThanOrEqualToThreshold", 5],
    ] as const) {
      const policy = new aws.appautoscaling.Policy(
        `${name}-backlog-${direction}`,
        {
          ...onTarget,
          policyType: "StepScaling",
          stepScalingPolicyConfiguration: {
            adjustmentType: "ChangeInCapacity",
            metricAggregationType: "Maximum",
            cooldown: direction === "out" ? 60 : 120,
            stepAdjustments: stepList.map((step) => ({
              metricIntervalLowerBound: step.lowerBound?.toString(),
              metricIntervalUpperBound: step.upperBound?.toString(),
              scalingAdjustment: step.change,
            })),
          },
        },
        { parent: this },
      );
      new aws.cloudwatch.MetricAlarm(
        `${name}-backlog-${direction}`,
        {
          ...watched[direction],
          alarmDescription:
            direction === "out"
              ? `Worker ${name}: ${threshold}+ messages waiting, add tasks.`
              : `Worker ${name}: no message waiting or in flight for ${periods} minutes, remove a task.`,
          comparisonOperator: comparison,
          threshold,
          evaluationPeriods: periods,
          // An idle queue publishes no datapoints on some minutes; that means no backlog.
          treatMissingData: direction === "out" ? "notBreaching" : "breaching",
          alarmActions: [policy.arn],
        },
        { parent: this },
      );
    }
    return target;
  }
}

/** What a worker needs from the web service whose repository it names. */
export interface ImageSource {
  /** The image the service runs (its release). */
  readonly image: pulumi.Input<string>;
  /** `<account>.dkr.ecr.<region>.amazonaws.com/vitcord/<service>`. */
  readonly repositoryUrl: pulumi.Input<string>;
  /** `vitcord/<service>` and the account of its registry. */
  readonly repositoryName: string;
  readonly registryId: pulumi.Input<string>;
  /** The service's release (tag, digest, who, commit). */
  readonly release: ReleaseInfo;
}

/** A worker's image, what its execution role may pull, and the release it belongs to. */
export interface WorkerImage {
  readonly image: pulumi.Input<string>;
  readonly repositoryArn?: pulumi.Input<string>;
  readonly release: ReleaseInfo;
  /** The repository it comes from, for the stack outputs; none for an image named in full. */
  readonly repository?: { readonly name: string; readonly registryId: pulumi.Input<string> };
}

/**
 * A worker's image and the repository its execution role may pull from: its own `image` (pull
 * permission when that image is in a private ECR registry); or, with `repository`, the service's
 * release, digest included (`imageTag`, and `imageDigest`, pin another image of that repository,
 * which is then the worker's own release).
 */
export function workerImage(
  worker: Pick<
    WorkerConfig,
    "image" | "repository" | "imageTag" | "imageDigest" | "releasedBy" | "releaseCommit"
  >,
  services: Readonly<Record<string, ImageSource>>,
): WorkerImage {
  if (worker.image !== undefined) {
    const repositoryArn = privateEcrRepositoryArn(worker.image);
    return repositoryArn === undefined
      ? { image: worker.image, release: {} }
      : { image: worker.image, repositoryArn, release: {} };
  }
  const service = services[worker.repository ?? ""];
  if (service === undefined) {
    // Config validation (checkWorkerRepositories) stops this first; a direct caller gets this.
    throw new Error(`\`repository\` ${JSON.stringify(worker.repository)} names no web service.`);
  }
  const tag = worker.imageTag;
  return {
    image:
      tag === undefined
        ? service.image
        : pulumi
            .output(service.repositoryUrl)
            .apply((url) => imageAt(url, { tag, digest: worker.imageDigest })),
    repositoryArn: pulumi.output(service.repositoryUrl).apply((url) => {
      const arn = privateEcrRepositoryArn(url);
      if (arn === undefined) throw new Error(`${url} is not an ECR repository URL.`);
      return arn;
    }),
    release:
      tag === undefined
        ? service.release
        : {
            imageTag: tag,
            imageDigest: worker.imageDigest,
            releasedBy: worker.releasedBy,
            releaseCommit: worker.releaseCommit,
          },
    repository: { name: service.repositoryName, registryId: service.registryId },
  };
}
