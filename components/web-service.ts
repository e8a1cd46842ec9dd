import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { imageAt } from "./config/registry";
import { ServiceConfig } from "./config/service";
import { producerQueueVariable } from "./config/worker";
import { PolicyStatement } from "./iam";
import {
  createAccessLogBucket,
  createDomainCertificate,
  createListeners,
  createServiceSecurityGroups,
} from "./load-balancer";
import { ecsServiceOptions, statefulResourceOptions } from "./options";
import { ClusterRef, NetworkRef, QueueRef } from "./refs";
import { ServiceRepository } from "./registry";
import { ReleaseInfo } from "./release";
import { DataStoreGrant } from "./data-access";
import { AlarmTarget, declareServiceAlarms } from "./alarms";
import {
  execSessionLogStatements,
  grantIngressRules,
  HTTP_PORT_NAME,
  privateEcrRepositoryArn,
  WorkloadTask,
} from "./task";
import { WorkloadSource } from "./operations-manifest";

// Where it was declared first; workers log exec sessions the same way (components/task.ts).
export { execSessionLogStatements };
import { queueProducerStatement } from "./worker-queue";

export interface LoadBalancedServiceArgs {
  /** The VPC: the load balancer goes in its public subnets, the tasks in its private ones. */
  readonly network: NetworkRef;
  /** The ECS cluster, its EC2 capacity provider and its Service Connect namespace. */
  readonly cluster: ClusterRef;
  /** The service's validated config (`vitcord-infra:services.<name>`). */
  readonly service: ServiceConfig;
  /** The AWS region, for the awslogs driver. */
  readonly region: string;
  /**
   * The service's shared ECR repository (`vitcord/<name>`, created by the registry stack): the
   * image `imageTag`/`imageDigest` name comes from it, and the execution role may pull from it.
   */
  readonly repository: ServiceRepository;
  /**
   * Days to keep the service's logs (and its load balancer's access logs).
   * @default 14
   */
  readonly logRetentionDays?: number;
  /**
   * Load-balancer deletion protection (ELB.6) plus `protect`/`retainOnDelete` on the load
   * balancer and the access-log bucket.
   * @default false
   */
  readonly deletionProtection?: boolean;
  /**
   * Load-balancer access logs to an S3 bucket of the service's own (ELB.5, CKV_AWS_91).
   * @default false
   */
  readonly accessLogs?: boolean;
  /**
   * The cluster's ECS Exec log group; with exec on, the task role may write the session logs.
   * @default undefined
   */
  readonly execLogGroupArn?: pulumi.Input<string>;
  /**
   * The KMS key that encrypts the workload's log group (the stack's key, components/kms.ts).
   * @default undefined (CloudWatch Logs' own encryption)
   */
  readonly logKmsKeyArn?: pulumi.Input<string>;
  /**
   * Worker queues this service sends jobs to, by worker name (it is in their `queue.producers`):
   * the task role may send to exactly these, and the container gets each URL as
   * `<WORKER>_QUEUE_URL` (`producerQueueVariable`).
   * @default {}
   */
  readonly producesTo?: Readonly<Record<string, QueueRef>>;
  /**
   * What the data stores in the service's `uses` give it (`DataStore.grantTo`): network access
   * from its task group, connection settings, secrets and IAM.
   * @default []
   */
  readonly grants?: readonly DataStoreGrant[];
  /**
   * The stack's alert topic and thresholds: the service's load-balancer alarms (components/alarms.ts),
   * and its deployments roll back when its 5xx-rate or unhealthy-target alarm fires.
   * @default undefined (no alarms)
   */
  readonly alarms?: AlarmTarget;
  /**
   * The stack has an off-hours schedule (components/schedule.ts): a service without autoscaling
   * gets a scalable target too (min = max = desiredCount) for the schedule's actions to act on.
   * @default false
   */
  readonly offHours?: boolean;
}

/**
 * An HTTP service on the EC2 cluster behind its own internet-facing Application Load Balancer:
 * tasks in private subnets that only the load balancer (and Service Connect peers) can reach,
 * rolling deploys that roll back on failure, and autoscaling on CPU and requests.
 */
export class LoadBalancedService extends pulumi.ComponentResource {
  public readonly url: pulumi.Output<string>;
  public readonly loadBalancerDnsName: pulumi.Output<string>;
  public readonly serviceName: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;
  public readonly taskDefinitionFamily: pulumi.Output<string>;
  public readonly containerName: string;
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly subnetIds: pulumi.Output<string[]>;
  public readonly repositoryUrl: pulumi.Output<string>;
  /** `vitcord/<name>`, and the account of its registry. */
  public readonly repositoryName: string;
  public readonly registryId: pulumi.Output<string>;
  /** The image the service runs; a worker sharing this service's release uses it too. */
  public readonly image: pulumi.Output<string>;
  /** The release the image belongs to (tag, digest, who, commit), as the config records it. */
  public readonly release: ReleaseInfo;
  /** The task definition revision this update registered. */
  public readonly taskDefinitionArn: pulumi.Output<string>;
  /** What the operations manifest records of this service (components/operations-manifest.ts). */
  public readonly operations: WorkloadSource;
  /** The Application Auto Scaling target of its task count, when it autoscales or has off hours. */
  public readonly scalableTarget?: aws.appautoscaling.Target;
  /** Its task range while awake: autoscaling's min and max, or desiredCount for both. */
  public readonly awakeTasks: { readonly min: number; readonly max: number };

  constructor(name: string, args: LoadBalancedServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vitcord:service:LoadBalancedService", name, args, opts);
    const svc = args.service;
    const protect = args.deletionProtection ?? false;
    const retentionDays = args.logRetentionDays ?? 14;
    const stateful = (o: pulumi.CustomResourceOptions = {}) =>
      statefulResourceOptions(protect, { parent: this, ...o });
    if (svc.certificateArn !== undefined && svc.domain !== undefined) {
      throw new Error("Only one of `certificateArn` or `domain` can be provided.");
    }
    if ((svc.image === undefined) === (svc.imageTag === undefined)) {
      throw new Error("Exactly one of `image` or `imageTag` must be provided.");
    }

    // Issue 12: the image comes from the service's shared repository (the same in every stack
    // of the account), by digest once a release recorded one: dev's image runs in prod unchanged.
    const repository = args.repository;
    this.repositoryUrl = repository.repositoryUrl;
    this.repositoryName = repository.repositoryName;
    this.registryId = repository.registryId;
    const fromRepository = svc.image === undefined;
    this.release = fromRepository
      ? {
          imageTag: svc.imageTag,
          imageDigest: svc.imageDigest,
          releasedBy: svc.releasedBy,
          releaseCommit: svc.releaseCommit,
        }
      : { releasedBy: svc.releasedBy, releaseCommit: svc.releaseCommit };
    const image = (this.image = fromRepository
      ? repository.repositoryUrl.apply((url) =>
          imageAt(url, { tag: svc.imageTag!, digest: svc.imageDigest }),
        )
      : pulumi.output(svc.image!));

    const execStatements: PolicyStatement[] =
      svc.execEnabled && args.execLogGroupArn !== undefined
        ? execSessionLogStatements(args.execLogGroupArn)
        : [];
    const produces = Object.entries(args.producesTo ?? {});
    const task = new WorkloadTask(
      name,
      {
        container: svc,
        image,
        region: args.region,
        compatibility: "EC2",
        cpu: svc.cpu,
        memory: svc.memory,
        port: svc.port,
        logRetentionDays: retentionDays,
        logKmsKeyArn: args.logKmsKeyArn,
        // A configured `image` in a private ECR registry is pulled with the execution role too.
        repositoryArn: fromRepository
          ? repository.repositoryArn
          : privateEcrRepositoryArn(svc.image!),
        release: this.release,
        execEnabled: svc.execEnabled,
        taskPolicyStatements: [
          ...execStatements,
          ...(produces.length === 0
            ? []
            : [queueProducerStatement(produces.map(([, queue]) => queue.arn))]),
        ],
        deployTimeEnvironment: Object.fromEntries(
          produces.map(([worker, queue]) => [producerQueueVariable(worker), queue.url]),
        ),
        grants: args.grants,
        stackFileKey: `services.${name}`,
      },
      { parent: this },
    );
    this.containerName = task.containerName;
    this.logGroupName = task.logGroupName;
    this.taskDefinitionFamily = task.family;
    this.taskDefinitionArn = task.taskDefinitionArn;

    const { albSg, taskSg } = createServiceSecurityGroups(
      this,
      name,
      args,
      svc.port,
      svc.certificateArn !== undefined || svc.domain !== undefined,
      svc.egress,
    );
    this.securityGroupId = taskSg.id;
    grantIngressRules(this, name, args.grants ?? [], taskSg.id);
    this.subnetIds = pulumi.output(args.network.privateSubnetIds);

    const accessLogs =
      (args.accessLogs ?? false)
        ? createAccessLogBucket(this, name, args.region, retentionDays, stateful)
        : undefined;
    const alb = new aws.lb.LoadBalancer(
      `${name}-alb`,
      {
        loadBalancerType: "application",
        internal: false,
        // ELB.13: the public subnets of every AZ the VPC spans.
        subnets: args.network.publicSubnetIds,
        securityGroups: [albSg.id],
        dropInvalidHeaderFields: true, // ELB.4, CKV_AWS_131
        desyncMitigationMode: "defensive", // ELB.12, CKV_AWS_328
        enableDeletionProtection: protect, // ELB.6, CKV_AWS_150
        // Below the application's keep-alive timeout, so that the load balancer, not the app,
        // closes idle connections: "configure the idle timeout of your application to be larger
        // than the idle timeout configured for the load balancer", or a request sent on a
        // connection the app is closing gets a 502 (ALB user guide, connection idle timeout).
        idleTimeout: svc.idleTimeoutSeconds,
        ...(accessLogs === undefined
          ? {}
          : { accessLogs: { bucket: accessLogs.bucket.bucket, prefix: name, enabled: true } }),
      },
      stateful(accessLogs === undefined ? {} : { dependsOn: [accessLogs.policy] }),
    );
    this.loadBalancerDnsName = alb.dnsName;

    const targetGroup = new aws.lb.TargetGroup(
      `${name}-tg`,
      {
        // awsvpc tasks register by IP address.
        targetType: "ip",
        port: svc.port,
        // CKV_AWS_378: TLS ends at the load balancer; the hop to the task stays inside the VPC.
        protocol: "HTTP",
        vpcId: args.network.vpcId,
        // Checklist #20: well under the 300 s default so deploys do not wait on idle connections.
        deregistrationDelay: svc.deregistrationDelaySeconds,
        healthCheck: {
          enabled: true, // CKV_AWS_261
          path: svc.healthCheckPath,
          port: "traffic-port",
          protocol: "HTTP",
          matcher: svc.healthCheck.matcher,
          interval: svc.healthCheck.intervalSeconds,
          timeout: svc.healthCheck.timeoutSeconds,
          healthyThreshold: svc.healthCheck.healthyThreshold,
          unhealthyThreshold: svc.healthCheck.unhealthyThreshold,
        },
      },
      { parent: this },
    );

    const certificateArn =
      svc.domain !== undefined ? createDomainCertificate(this, name, svc, alb) : svc.certificateArn;
    const listeners = createListeners(this, name, alb, targetGroup, certificateArn);
    const host = svc.domain !== undefined ? pulumi.output(svc.domain) : alb.dnsName;
    this.url =
      certificateArn === undefined
        ? pulumi.interpolate`http://${host}`
        : pulumi.interpolate`https://${host}`;

    const autoscaling = svc.autoscaling;
    // With off hours a fixed-size service is scaled too: its own target, min = max = its count.
    const scaling =
      autoscaling ??
      (args.offHours === true ? { min: svc.desiredCount, max: svc.desiredCount } : undefined);
    this.awakeTasks = scaling ?? { min: svc.desiredCount, max: svc.desiredCount };
    // The cluster's EC2 capacity provider, never launchType: managed scaling adds instances.
    const capacityProviderStrategy = pulumi
      .output(args.cluster.capacityProviderName)
      .apply((capacityProvider) => [{ capacityProvider, weight: 1 }]);
    const securityGroups = [taskSg.id, args.cluster.serviceConnectClientSecurityGroupId];
    const serviceAlarms = declareServiceAlarms(
      this,
      name,
      { loadBalancer: alb.arnSuffix, targetGroup: targetGroup.arnSuffix },
      args.alarms,
    );
    const service = new aws.ecs.Service(
      `${name}-service`,
      {
        cluster: args.cluster.clusterArn,
        taskDefinition: task.taskDefinitionArn,
        desiredCount: svc.desiredCount,
        capacityProviderStrategies: capacityProviderStrategy,
        // No forceNewDeployment: the provider sends its value with every UpdateService, so `true`
        // restarted every task on any change (a scaled desired count, a grace period). It is
        // needed only when the strategy of a deployed service changes (the provider's
        // capacityProviderStrategyCustomizeDiff fails the preview otherwise, terraform-provider-aws
        // #43533), and this strategy does not change: it names the cluster's one capacity
        // provider, whose Pulumi auto-name is kept in state and changes only if the provider is
        // replaced, which only a replaced Auto Scaling group causes (its ARN is the provider's one
        // replace-on-change input; the group's are its name only, also an auto-name in state).
        networkConfiguration: {
          subnets: args.network.privateSubnetIds,
          // Its own group, and the cluster's client group that lets it call its peers.
          securityGroups,
          assignPublicIp: false, // ECS.2, CKV_AWS_333
        },
        loadBalancers: [
          {
            targetGroupArn: targetGroup.arn,
            containerName: task.containerName,
            containerPort: svc.port,
          },
        ],
        // Checklist #17: a deploy whose tasks fail health checks rolls back by itself.
        deploymentCircuitBreaker: { enable: true, rollback: true },
        // Issue 15: a release that passes health checks but serves errors rolls back too.
        ...(serviceAlarms.deployment === undefined ? {} : { alarms: serviceAlarms.deployment }),
        deploymentMinimumHealthyPercent: svc.minHealthyPercent,
        deploymentMaximumPercent: svc.maxHealthyPercent,
        healthCheckGracePeriodSeconds: svc.healthCheckGracePeriodSeconds,
        // Checklist #18: one task per AZ first, then fill instances by memory (fewer instances).
        orderedPlacementStrategies: [
          { type: "spread", field: "attribute:ecs.availability-zone" },
          { type: "binpack", field: "memory" },
        ],
        serviceConnectConfiguration: {
          enabled: true,
          namespace: args.cluster.serviceConnectNamespaceArn,
          services: [
            {
              portName: HTTP_PORT_NAME,
              discoveryName: name,
              // Other workloads call http://<name>:<port>.
              clientAlias: [{ dnsName: name, port: svc.port }],
            },
          ],
          logConfiguration: {
            logDriver: "awslogs",
            options: {
              "awslogs-region": args.region,
              "awslogs-group": task.logGroupName,
              "awslogs-stream-prefix": "service-connect",
            },
          },
        },
        enableExecuteCommand: svc.execEnabled, // CKV_AWS_223/224: logged by the cluster
        propagateTags: "SERVICE",
        enableEcsManagedTags: true,
        waitForSteadyState: true,
      },
      // Under a scalable target ECS's desiredCount is the target's: deploys leave it alone.
      ecsServiceOptions(scaling !== undefined, {
        parent: this,
        dependsOn: [...listeners, ...serviceAlarms.alarms],
        // Its Service Connect discovery name is fixed: a replacement created beside the old
        // service fails ("SC service is already used by" the namespace), so the old goes first.
        deleteBeforeReplace: true,
      }),
    );
    this.serviceName = service.name;
    this.operations = {
      kind: "service",
      serviceName: service.name,
      ...task.operationsFacts(),
      // Exactly what the ECS service's tasks carry: a one-off task (`run`) reaches what they do.
      securityGroupIds: securityGroups,
      subnetIds: args.network.privateSubnetIds,
      capacityProviderStrategy,
      execEnabled: svc.execEnabled,
      repositoryName: this.repositoryName,
      registryId: this.registryId,
      loadBalancer: {
        arn: alb.arn,
        dnsName: alb.dnsName,
        url: this.url,
        listenerArns: listeners.map((listener) => listener.arn),
        targetGroupArn: targetGroup.arn,
      },
    };

    if (scaling !== undefined) {
      this.scalableTarget = this.autoscaling(
        name,
        args.cluster,
        service,
        scaling,
        alb,
        targetGroup,
      );
    }

    this.registerOutputs({
      url: this.url,
      loadBalancerDnsName: this.loadBalancerDnsName,
      serviceName: this.serviceName,
      logGroupName: this.logGroupName,
      taskDefinitionFamily: this.taskDefinitionFamily,
      securityGroupId: this.securityGroupId,
      repositoryUrl: this.repositoryUrl,
      taskDefinitionArn: this.taskDefinitionArn,
    });
  }

  /** Target tracking on average CPU and on ALB requests per task, each when configured. */
  private autoscaling(
    name: string,
    cluster: ClusterRef,
    service: aws.ecs.Service,
    scaling: Pick<NonNullable<ServiceConfig["autoscaling"]>, "min" | "max"> &
      Partial<Pick<NonNullable<ServiceConfig["autoscaling"]>, "cpuTarget" | "requestsPerTarget">>,
    alb: aws.lb.LoadBalancer,
    targetGroup: aws.lb.TargetGroup,
  ): aws.appautoscaling.Target {
    const target = new aws.appautoscaling.Target(
      `${name}-scaling`,
      {
        serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount",
        resourceId: pulumi.interpolate`service/${cluster.clusterName}/${service.name}`,
        minCapacity: scaling.min,
        maxCapacity: scaling.max,
      },
      { parent: this },
    );
    const policies: [string, string, number | undefined, pulumi.Input<string> | undefined][] = [
      ["cpu", "ECSServiceAverageCPUUtilization", scaling.cpuTarget, undefined],
      [
        "requests",
        "ALBRequestCountPerTarget",
        scaling.requestsPerTarget,
        pulumi.interpolate`${alb.arnSuffix}/${targetGroup.arnSuffix}`,
      ],
    ];
    for (const [key, metric, targetValue, resourceLabel] of policies) {
      if (targetValue === undefined) continue;
      new aws.appautoscaling.Policy(
        `${name}-scale-${key}`,
        {
          policyType: "TargetTrackingScaling",
          serviceNamespace: target.serviceNamespace,
          scalableDimension: target.scalableDimension,
          resourceId: target.resourceId,
          targetTrackingScalingPolicyConfiguration: {
            targetValue,
            predefinedMetricSpecification: { predefinedMetricType: metric, resourceLabel },
            // Out fast, in slowly: a spike gets capacity in a minute, a lull waits 5 minutes.
            scaleOutCooldown: 60,
            scaleInCooldown: 300,
          },
        },
        { parent: this },
      );
    }
    return target;
  }
}
