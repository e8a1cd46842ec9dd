import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { ECRClient } from "@aws-sdk/client-ecr";
import { ECSClient } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { IAMClient } from "@aws-sdk/client-iam";
import { RDSClient } from "@aws-sdk/client-rds";
import { Route53Client } from "@aws-sdk/client-route-53";
import { SSMClient } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { AwsCredentialsError, isCredentialsError } from "./errors";

/** The AWS SDK v3 clients the CLI talks to directly (everything else goes through Pulumi). */
export interface AwsClients {
  readonly ecs: ECSClient;
  /** Images: a release resolves its tag to a digest here before any deploy. */
  readonly ecr: ECRClient;
  readonly logs: CloudWatchLogsClient;
  readonly sts: STSClient;
  /** Service-linked roles (bootstrap); IAM is global, the region only picks the endpoint. */
  readonly iam: IAMClient;
  /** Hosted zones (bootstrap); Route 53 is global too. */
  readonly route53: Route53Client;
  /** The operations manifest and the config vars (Parameter Store). */
  readonly ssm: SSMClient;
  /** The maintenance rules on the services' listeners, and target health (`ps`). */
  readonly elbv2: ElasticLoadBalancingV2Client;
  /** `wake`/`sleep`: the ECS services' scalable targets. */
  readonly applicationAutoScaling: ApplicationAutoScalingClient;
  /** `wake`/`sleep`: the cluster's Auto Scaling group. */
  readonly autoScaling: AutoScalingClient;
  /** `wake`/`sleep`: start and stop the databases. */
  readonly rds: RDSClient;
}

/** Makes the clients for a stack's region; tests use the real one under aws-sdk-client-mock. */
export type AwsClientFactory = (region: string) => AwsClients;

export const createAwsClients: AwsClientFactory = (region) => ({
  ecs: new ECSClient({ region }),
  ecr: new ECRClient({ region }),
  logs: new CloudWatchLogsClient({ region }),
  sts: new STSClient({ region }),
  iam: new IAMClient({ region }),
  route53: new Route53Client({ region }),
  ssm: new SSMClient({ region }),
  elbv2: new ElasticLoadBalancingV2Client({ region }),
  applicationAutoScaling: new ApplicationAutoScalingClient({ region }),
  autoScaling: new AutoScalingClient({ region }),
  rds: new RDSClient({ region }),
});

/**
 * Asks STS who we are, so that missing or expired credentials fail here with one clear line
 * instead of deep inside a deployment. Returns the caller's ARN.
 */
export async function checkCredentials(sts: STSClient): Promise<string> {
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    return identity.Arn ?? "unknown identity";
  } catch (error) {
    if (isCredentialsError(error)) throw new AwsCredentialsError((error as Error).message);
    throw error;
  }
}

/** The 12-digit account of an STS caller ARN (arn:aws:iam::123456789012:user/x). */
export function accountOfArn(arn: string): string | undefined {
  const account = arn.split(":")[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
}
