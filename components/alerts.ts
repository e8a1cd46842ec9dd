import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface AlertTopicArgs {
  /** The stack's name: the topic is `<stack>-alerts`. */
  readonly stack: string;
  /** The account the stack's alarms live in (the topic policy's `aws:SourceAccount`). */
  readonly account: pulumi.Input<string>;
  /**
   * E-mail addresses to subscribe (each confirms from the e-mail SNS sends).
   * @default []
   */
  readonly emails?: readonly string[];
  /**
   * HTTPS URLs to subscribe, e.g. a chat webhook (each confirms the SubscriptionConfirmation).
   * @default []
   */
  readonly httpsEndpoints?: readonly string[];
  /**
   * A customer-managed KMS key to encrypt the topic with. CloudWatch can publish to an encrypted
   * topic only when the key's policy lets cloudwatch.amazonaws.com use it (kms:Decrypt,
   * kms:GenerateDataKey*); the AWS managed key `alias/aws/sns` cannot be granted that, so alarms
   * to a topic encrypted with it are never delivered
   * (docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
   * Issue 16 adds the stack's KMS key and passes it here, with that grant in the key's policy.
   * @default undefined (SNS's default: not encrypted with a key of the stack's)
   */
  readonly kmsKeyArn?: pulumi.Input<string>;
}

/** The topic name of a stack's alerts. */
export function alertTopicName(stack: string): string {
  return `${stack}-alerts`;
}

/** `oncall-vitcord-com` for `oncall@vitcord.com`: a resource-name-safe form of an endpoint. */
export function endpointSlug(endpoint: string): string {
  return endpoint
    .replace(/^https:\/\//, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 60);
}

/** The topic policy: the account administers it; CloudWatch alarms of this account publish. */
export function alertTopicPolicy(topicArn: string, account: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "CloudWatchAlarmsPublish",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: "sns:Publish",
        Resource: topicArn,
        // Only on behalf of this account's alarms (the confused-deputy guard).
        Condition: { StringEquals: { "aws:SourceAccount": account } },
      },
      {
        Sid: "AccountAdministers",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: [
          "sns:GetTopicAttributes",
          "sns:SetTopicAttributes",
          "sns:Subscribe",
          "sns:ListSubscriptionsByTopic",
          "sns:Publish",
        ],
        Resource: topicArn,
      },
    ],
  });
}

/**
 * The stack's alert topic `<stack>-alerts`: every CloudWatch alarm of the stack sends its ALARM and
 * OK notifications here, and SNS forwards them to the configured e-mail addresses and HTTPS
 * endpoints (`vitcord-infra:alerts`).
 */
export class AlertTopic extends pulumi.ComponentResource {
  public readonly topicArn: pulumi.Output<string>;
  public readonly topicName: string;

  constructor(name: string, args: AlertTopicArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vitcord:alerts:AlertTopic", name, args, opts);
    this.topicName = alertTopicName(args.stack);
    const topic = new aws.sns.Topic(
      `${name}-topic`,
      {
        name: this.topicName,
        ...(args.kmsKeyArn === undefined ? {} : { kmsMasterKeyId: args.kmsKeyArn }),
      },
      { parent: this },
    );
    new aws.sns.TopicPolicy(
      `${name}-topic-policy`,
      {
        arn: topic.arn,
        policy: pulumi
          .all([topic.arn, args.account])
          .apply(([arn, account]) => alertTopicPolicy(arn, account)),
      },
      { parent: this },
    );
    const subscriptions: [string, string][] = [
      ...(args.emails ?? []).map((address): [string, string] => ["email", address]),
      ...(args.httpsEndpoints ?? []).map((url): [string, string] => ["https", url]),
    ];
    // Named after the endpoint, so that removing one address leaves the others' subscriptions.
    subscriptions.forEach(
      ([protocol, endpoint]) =>
        new aws.sns.TopicSubscription(
          `${name}-${protocol}-${endpointSlug(endpoint)}`,
          {
            topic: topic.arn,
            protocol,
            endpoint,
            // HTTPS: SNS retries its delivery policy; the endpoint confirms once (SubscribeURL).
            ...(protocol === "https" ? { endpointAutoConfirms: false } : {}),
          },
          { parent: this },
        ),
    );
    this.topicArn = topic.arn;
    this.registerOutputs({ topicArn: this.topicArn, topicName: this.topicName });
  }
}
