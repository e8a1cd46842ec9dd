import * as pulumi from "@pulumi/pulumi";

/**
 * What a service or worker needs to know about the network it runs in. `PrivateNetwork` provides
 * it; tests and other programs can pass their own.
 */
export interface NetworkRef {
  readonly vpcId: pulumi.Input<string>;
  readonly cidrBlock: pulumi.Input<string>;
  /** Load balancers only. */
  readonly publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Instances and tasks. */
  readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
}

/** What a service or worker needs to know about the ECS cluster it runs on. `Ec2Cluster` provides it. */
export interface ClusterRef {
  readonly clusterArn: pulumi.Input<string>;
  readonly clusterName: pulumi.Input<string>;
  /** The EC2 capacity provider the web services run on. */
  readonly capacityProviderName: pulumi.Input<string>;
  /** The Cloud Map namespace used by ECS Service Connect. */
  readonly serviceConnectNamespaceArn: pulumi.Input<string>;
  /**
   * The shared group every web-service and worker task carries; a web service admits its port
   * from it (and from its load balancer), so Service Connect peers are named by group, not CIDR.
   */
  readonly serviceConnectClientSecurityGroupId: pulumi.Input<string>;
}

/** An SQS queue a worker consumes and producers send to. `WorkerQueue` provides it. */
export interface QueueRef {
  readonly url: pulumi.Input<string>;
  readonly arn: pulumi.Input<string>;
  readonly name: pulumi.Input<string>;
}
