// The operations manifest of the test project's dev stack (tests/cli-context.ts STACK_FILES:
// services api and notifications, worker jobs, in eu-west-1), as `pulumi up` would publish it,
// for the runtime commands' tests (aws-sdk-client-mock on SSM).
import {
  GetParameterCommand,
  GetParametersCommand,
  ServiceInputTypes,
  ServiceOutputTypes,
  SSMClientResolvedConfig,
} from "@aws-sdk/client-ssm";
import type { AwsStub } from "aws-sdk-client-mock";
import {
  configVarsPath,
  OPS_MANIFEST_VERSION,
  opsManifestParameterName,
  OpsManifest,
  opsWorkloadParameterName,
  splitManifest,
  WorkloadManifest,
} from "../components/ops-manifest";

export const ACCOUNT = "123456789012";
export const REGION = "eu-west-1";
export const CLUSTER = "dev-cluster-1a2b3c4";
export const CLIENT_SG = "sg-0client";
export const SUBNETS = ["subnet-p1", "subnet-p2"];

const ecsArn = (kind: string, name: string) => `arn:aws:ecs:${REGION}:${ACCOUNT}:${kind}/${name}`;
const elbArn = (kind: string, name: string) =>
  `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:${kind}/${name}`;

/** One workload's entry: names as the program makes them (`dev-<name>` families, log groups). */
export function workloadEntry(
  name: string,
  kind: "service" | "worker",
  extra: Partial<WorkloadManifest> = {},
): WorkloadManifest {
  return {
    kind,
    serviceName: `${name}-service-5e6f7a8`,
    taskDefinitionFamily: `dev-${name}`,
    taskDefinitionArn: ecsArn("task-definition", `dev-${name}:3`),
    containerName: name,
    logGroupName: `/vitcord/dev/${name}`,
    logGroupArn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/vitcord/dev/${name}`,
    logStreamPrefix: name,
    securityGroupIds: [`sg-${name}`, CLIENT_SG],
    subnetIds: SUBNETS,
    capacityProviderStrategy:
      kind === "service"
        ? [{ capacityProvider: "dev-ec2", weight: 1 }]
        : [{ capacityProvider: "FARGATE_SPOT", weight: 1 }],
    execEnabled: kind === "service",
    configPath: configVarsPath("dev", name),
    reservedVariables: kind === "worker" ? ["QUEUE_URL"] : [],
    ...(kind === "service"
      ? {
          loadBalancer: {
            arn: elbArn("loadbalancer", `app/${name}-alb/50dc6c495c0c9188`),
            dnsName: `${name}-alb-123.${REGION}.elb.amazonaws.com`,
            url: `http://${name}-alb-123.${REGION}.elb.amazonaws.com`,
            listenerArns: [elbArn("listener", `app/${name}-alb/50dc6c495c0c9188/f2f7dc8efc522ab2`)],
            targetGroupArn: elbArn("targetgroup", `${name}-tg/73e2d6bc24d8a067`),
          },
        }
      : {}),
    ...extra,
  };
}

/** The dev stack's manifest; `workloads` replaces entries (undefined removes one). */
export function devManifest(
  workloads: Record<string, WorkloadManifest | undefined> = {},
): OpsManifest {
  const all: Record<string, WorkloadManifest | undefined> = {
    api: workloadEntry("api", "service", { repositoryName: "vitcord/api", registryId: ACCOUNT }),
    notifications: workloadEntry("notifications", "service"),
    jobs: workloadEntry("jobs", "worker", {
      queueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/dev-jobs`,
    }),
    ...workloads,
  };
  return {
    version: OPS_MANIFEST_VERSION,
    stack: "dev",
    environment: "dev",
    region: REGION,
    account: ACCOUNT,
    cluster: {
      name: CLUSTER,
      arn: ecsArn("cluster", CLUSTER),
      capacityProviderName: "dev-ec2",
      clientSecurityGroupId: CLIENT_SG,
    },
    privateSubnetIds: SUBNETS,
    workloads: Object.fromEntries(
      Object.entries(all).filter((e): e is [string, WorkloadManifest] => e[1] !== undefined),
    ),
  };
}

/** The SSM mock the runtime commands' tests share: `mockClient(SSMClient)`. */
export type SsmMock = AwsStub<ServiceInputTypes, ServiceOutputTypes, SSMClientResolvedConfig>;

/**
 * Makes the SSM mock answer as the program publishes the manifest: GetParameter for the stack's
 * parameter, GetParameters for its workloads' (names it does not hold come back invalid).
 */
export function publishManifest(ssm: SsmMock, manifest: OpsManifest = devManifest()): void {
  const { stack, workloads } = splitManifest(manifest);
  const values = new Map(
    Object.entries(workloads).map(([name, entry]) => [
      opsWorkloadParameterName(manifest.stack, name),
      JSON.stringify(entry),
    ]),
  );
  ssm
    .on(GetParameterCommand, { Name: opsManifestParameterName(manifest.stack) })
    .resolves({ Parameter: { Value: JSON.stringify(stack), Type: "String" } });
  ssm.on(GetParametersCommand).callsFake((input: { Names?: string[] }) => {
    const names = input.Names ?? [];
    return {
      Parameters: names
        .filter((n) => values.has(n))
        .map((n) => ({ Name: n, Value: values.get(n), Type: "String" })),
      InvalidParameters: names.filter((n) => !values.has(n)),
    };
  });
}
