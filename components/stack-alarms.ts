import * as pulumi from "@pulumi/pulumi";
import {
  AlarmSpec,
  AlarmTarget,
  declareAlarms,
  tasksBelowDesired,
  workerQueueAlarmSpecs,
} from "./alarms";
import {
  ClusterAlarmSource,
  clusterAlarmSpecs,
  DataStoreAlarmSource,
  dataStoreAlarmSpecs,
} from "./alarm-tables";

type In = pulumi.Input<string>;

/** An ECS service (web service or worker) as its alarms and dashboard see it. */
export interface WatchedWorkload {
  readonly name: string;
  readonly kind: "web service" | "worker";
  /** The ECS service's name (Container Insights' ServiceName). */
  readonly serviceName: In;
  /** A worker's queue and dead-letter queue names, when it has a queue. */
  readonly queue?: { readonly queueName: In; readonly deadLetterQueueName?: In };
}

export interface StackAlarmsArgs {
  /** The topic, stack and thresholds every alarm uses. */
  readonly target: AlarmTarget;
  readonly cluster: ClusterAlarmSource<In>;
  /**
   * The web services and workers: running tasks below desired, and a worker's queue alarms. (A web
   * service's load-balancer alarms are declared by the service, which deploys on them.)
   * @default []
   */
  readonly workloads?: readonly WatchedWorkload[];
  /** @default [] */
  readonly dataStores?: readonly DataStoreAlarmSource<In>[];
}

/** Every alarm of a stack's workloads, cluster and data stores as specs, in declaration order. */
export function stackAlarmSpecs(args: StackAlarmsArgs): AlarmSpec<In>[] {
  const thresholds = args.target.thresholds;
  return [
    ...clusterAlarmSpecs(args.cluster, thresholds),
    ...(args.workloads ?? []).flatMap((w) => [
      ...(w.queue === undefined ? [] : workerQueueAlarmSpecs(w.name, w.queue, thresholds)),
      tasksBelowDesired<In>(w.name, args.cluster.clusterName, w.serviceName, w.kind),
    ]),
    ...(args.dataStores ?? []).flatMap((store) => dataStoreAlarmSpecs(store, thresholds)),
  ];
}

/**
 * The stack's alarms outside the web services (components/alarms.ts has the tables): the cluster,
 * each workload's running tasks, each worker's queue, each data store. All notify the alert topic
 * on ALARM and OK.
 */
export class StackAlarms extends pulumi.ComponentResource {
  public readonly alarmNames: pulumi.Output<string>[];

  constructor(name: string, args: StackAlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vitcord:alerts:StackAlarms", name, args, opts);
    const alarms = declareAlarms(this, stackAlarmSpecs(args), args.target);
    this.alarmNames = alarms.map((alarm) => alarm.name);
    this.registerOutputs({ alarmNames: this.alarmNames });
  }
}
