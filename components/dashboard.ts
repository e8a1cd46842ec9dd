import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** A workload or store on the dashboard, with the dimension values its metrics need. */
export type DashboardItem =
  | {
      readonly kind: "service";
      readonly name: string;
      readonly serviceName: string;
      /** The ALB's and the target group's ARN suffixes (`app/…`, `targetgroup/…`). */
      readonly loadBalancer: string;
      readonly targetGroup: string;
    }
  | {
      readonly kind: "worker";
      readonly name: string;
      readonly serviceName: string;
      readonly queueName?: string;
      readonly deadLetterQueueName?: string;
    }
  | { readonly kind: "database"; readonly name: string; readonly identifier: string }
  | { readonly kind: "table"; readonly name: string; readonly tableName: string };

export interface DashboardInput {
  readonly region: string;
  readonly clusterName: string;
  readonly capacityProviderName: string;
  readonly items: readonly DashboardItem[];
}

type Metric = (string | Record<string, unknown>)[];

const WIDTH = 8;
const HEIGHT = 6;

/** `app/name/id` from a load balancer ARN, `targetgroup/name/id` from a target group ARN. */
export function arnSuffix(arn: string): string {
  const loadBalancer = arn.indexOf(":loadbalancer/");
  if (loadBalancer !== -1) return arn.slice(loadBalancer + ":loadbalancer/".length);
  return arn.slice(arn.lastIndexOf(":") + 1);
}

/**
 * The dashboard's body: one row per workload or store (a title, then up to three graphs of its
 * key metrics), the cluster first. Pure: the JSON CloudWatch's PutDashboard takes.
 */
export function dashboardBody(input: DashboardInput): { widgets: Record<string, unknown>[] } {
  const widgets: Record<string, unknown>[] = [];
  let y = 0;
  const row = (title: string, graphs: [string, Metric[]][]) => {
    widgets.push({
      type: "text",
      x: 0,
      y,
      width: 24,
      height: 1,
      properties: { markdown: `## ${title}` },
    });
    y += 1;
    graphs.forEach(([graphTitle, metrics], index) =>
      widgets.push({
        type: "metric",
        x: index * WIDTH,
        y,
        width: WIDTH,
        height: HEIGHT,
        properties: {
          title: graphTitle,
          region: input.region,
          view: "timeSeries",
          stat: "Sum",
          period: 60,
          metrics,
        },
      }),
    );
    y += HEIGHT;
  };
  const ecs = (serviceName: string): Metric[] => [
    [
      "ECS/ContainerInsights",
      "RunningTaskCount",
      "ClusterName",
      input.clusterName,
      "ServiceName",
      serviceName,
      { stat: "Average", label: "running" },
    ],
    [".", "DesiredTaskCount", ".", ".", ".", ".", { stat: "Average", label: "desired" }],
  ];
  row("cluster", [
    [
      "Capacity reservation (%)",
      [
        [
          "AWS/ECS/ManagedScaling",
          "CapacityProviderReservation",
          "ClusterName",
          input.clusterName,
          "CapacityProviderName",
          input.capacityProviderName,
          { stat: "Maximum" },
        ],
      ],
    ],
    [
      "CPU and memory reserved (%)",
      [
        ["AWS/ECS", "CPUReservation", "ClusterName", input.clusterName, { stat: "Average" }],
        [".", "MemoryReservation", ".", ".", { stat: "Average" }],
      ],
    ],
  ]);
  for (const item of input.items) {
    if (item.kind === "service") {
      const lb = ["LoadBalancer", item.loadBalancer];
      const tg = [...lb, "TargetGroup", item.targetGroup];
      row(`${item.name} (web service)`, [
        [
          "Requests and 5xx",
          [
            ["AWS/ApplicationELB", "RequestCount", ...lb, { label: "requests" }],
            [".", "HTTPCode_ELB_5XX_Count", ...lb, { label: "ALB 5xx" }],
            [".", "HTTPCode_Target_5XX_Count", ...tg, { label: "target 5xx" }],
          ],
        ],
        [
          "Response time p99 (s) and unhealthy targets",
          [
            ["AWS/ApplicationELB", "TargetResponseTime", ...tg, { stat: "p99" }],
            [".", "UnHealthyHostCount", ...tg, { stat: "Maximum", yAxis: "right" }],
          ],
        ],
        ["Tasks", ecs(item.serviceName)],
      ]);
    } else if (item.kind === "worker") {
      const queue: [string, Metric[]][] =
        item.queueName === undefined
          ? []
          : [
              [
                "Queue: waiting, in flight, oldest (s)",
                [
                  [
                    "AWS/SQS",
                    "ApproximateNumberOfMessagesVisible",
                    "QueueName",
                    item.queueName,
                    { stat: "Maximum" },
                  ],
                  [".", "ApproximateNumberOfMessagesNotVisible", ".", ".", { stat: "Maximum" }],
                  [".", "ApproximateAgeOfOldestMessage", ".", ".", { yAxis: "right" }],
                ],
              ],
              [
                "Dead-letter queue",
                [
                  [
                    "AWS/SQS",
                    "ApproximateNumberOfMessagesVisible",
                    "QueueName",
                    item.deadLetterQueueName ?? "",
                    { stat: "Maximum" },
                  ],
                ],
              ],
            ];
      row(`${item.name} (worker)`, [...queue, ["Tasks", ecs(item.serviceName)]]);
    } else if (item.kind === "database") {
      const db = ["DBInstanceIdentifier", item.identifier];
      row(`${item.name} (database)`, [
        ["CPU (%)", [["AWS/RDS", "CPUUtilization", ...db, { stat: "Average" }]]],
        ["Connections", [["AWS/RDS", "DatabaseConnections", ...db, { stat: "Maximum" }]]],
        ["Free storage (bytes)", [["AWS/RDS", "FreeStorageSpace", ...db, { stat: "Minimum" }]]],
      ]);
    } else {
      const table = ["TableName", item.tableName];
      row(`${item.name} (table)`, [
        [
          "Consumed capacity",
          [
            ["AWS/DynamoDB", "ConsumedReadCapacityUnits", ...table],
            [".", "ConsumedWriteCapacityUnits", ...table],
          ],
        ],
        [
          "Throttle events",
          [
            ["AWS/DynamoDB", "ReadThrottleEvents", ...table],
            [".", "WriteThrottleEvents", ...table],
          ],
        ],
      ]);
    }
  }
  return { widgets };
}

export interface StackDashboardArgs {
  /** The dashboard's name: the stack's. */
  readonly dashboardName: string;
  readonly region: string;
  readonly clusterName: pulumi.Input<string>;
  readonly capacityProviderName: pulumi.Input<string>;
  /** What the dashboard shows, one row each (names and ARN suffixes resolved). */
  readonly items: pulumi.Input<readonly pulumi.Input<DashboardItem>[]>;
}

/** The stack's CloudWatch dashboard, named after the stack, built by `dashboardBody`. */
export class StackDashboard extends pulumi.ComponentResource {
  public readonly dashboardName: string;

  constructor(name: string, args: StackDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vitcord:alerts:StackDashboard", name, args, opts);
    this.dashboardName = args.dashboardName;
    new aws.cloudwatch.Dashboard(
      name,
      {
        dashboardName: args.dashboardName,
        dashboardBody: pulumi
          .all([args.clusterName, args.capacityProviderName, pulumi.output(args.items)])
          .apply(([clusterName, capacityProviderName, items]) =>
            JSON.stringify(
              dashboardBody({
                region: args.region,
                clusterName,
                capacityProviderName,
                items,
              }),
            ),
          ),
      },
      { parent: this },
    );
    this.registerOutputs({ dashboardName: this.dashboardName });
  }
}
