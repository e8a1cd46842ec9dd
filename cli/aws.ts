import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { ECSClient } from "@aws-sdk/client-ecs";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { AwsCredentialsError, isCredentialsError } from "./errors";

/** The AWS SDK v3 clients the CLI talks to directly (everything else goes through Pulumi). */
export interface AwsClients {
  readonly ecs: ECSClient;
  readonly logs: CloudWatchLogsClient;
  readonly sts: STSClient;
}

/** Makes the clients for a stack's region; tests use the real one under aws-sdk-client-mock. */
export type AwsClientFactory = (region: string) => AwsClients;

export const createAwsClients: AwsClientFactory = (region) => ({
  ecs: new ECSClient({ region }),
  logs: new CloudWatchLogsClient({ region }),
  sts: new STSClient({ region }),
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
