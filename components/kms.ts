import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { statefulResourceOptions } from "./options";

export interface StackKeyArgs {
  /** The stack's name: the key's alias is `alias/vitcord-<stack>`. */
  readonly stack: string;
  /** The account the key lives in (the key policy's root principal and log-group ARNs). */
  readonly account: pulumi.Input<string>;
  /** The AWS region: CloudWatch Logs' service principal is regional (`logs.<region>.amazonaws.com`). */
  readonly region: string;
  /**
   * The partition (`aws`, `aws-cn`, `aws-us-gov`), for the ARNs in the key policy.
   * @default "aws"
   */
  readonly partition?: pulumi.Input<string>;
  /**
   * Days KMS waits before deleting the key once it is scheduled for deletion (7 to 30).
   * @default 30
   */
  readonly deletionWindowDays?: number;
  /**
   * Pulumi `protect` and `retainOnDelete` on the key (the stack's `deletionProtection`): logs
   * encrypted with a deleted key can never be read again.
   * @default false
   */
  readonly protect?: boolean;
}

/** `alias/vitcord-<stack>`: the key's name in the console and the CLI. */
export function stackKeyAlias(stack: string): string {
  return `alias/vitcord-${stack}`;
}

/** What the key policy is built from. */
export interface StackKeyPolicyInput {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

/** One key-policy statement (a key policy's `Resource: "*"` is the key itself). */
export interface KeyPolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow";
  readonly Principal: { readonly AWS: string } | { readonly Service: string };
  readonly Action: string | readonly string[];
  readonly Resource: "*";
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/**
 * The stack key's policy:
 * - the account's root: without it no IAM policy can grant use of the key, and the key could
 *   become unmanageable (KMS developer guide, "Default key policy": "Allows access to the AWS
 *   account and enables IAM policies");
 * - CloudWatch Logs of the stack's region, for the account's log groups only: the statement of
 *   "Encrypt log data in CloudWatch Logs using AWS KMS" (CloudWatch Logs user guide), whose
 *   condition binds every use to the encryption context `aws:logs:arn` that CloudWatch Logs
 *   sends (the log group's ARN);
 * - CloudWatch alarms publishing to the encrypted alert topic: CloudWatch itself calls KMS
 *   (kms:GenerateDataKey*, kms:Decrypt) when it publishes, and an account-root statement does
 *   not cover a service principal, so without this the alarms' notifications are dropped (SNS
 *   developer guide, "Key management": compatibility with AWS services; the AWS managed key
 *   alias/aws/sns cannot be granted this, which is why the topic uses this key).
 * SNS needs no statement of its own: it encrypts and decrypts messages with the publisher's
 * permission on the key (the same page), and the topic has only e-mail and HTTPS subscribers.
 */
export function stackKeyPolicy(input: StackKeyPolicyInput): {
  Version: "2012-10-17";
  Statement: KeyPolicyStatement[];
} {
  const { partition, region, account } = input;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AccountAdministersAndIamPoliciesApply",
        Effect: "Allow",
        Principal: { AWS: `arn:${partition}:iam::${account}:root` },
        Action: "kms:*",
        Resource: "*",
      },
      {
        Sid: "CloudWatchLogsEncryptsTheAccountsLogGroups",
        Effect: "Allow",
        Principal: { Service: `logs.${region}.amazonaws.com` },
        Action: [
          "kms:Encrypt*",
          "kms:Decrypt*",
          "kms:ReEncrypt*",
          "kms:GenerateDataKey*",
          "kms:Describe*",
        ],
        Resource: "*",
        Condition: {
          ArnLike: {
            "kms:EncryptionContext:aws:logs:arn": `arn:${partition}:logs:${region}:${account}:log-group:*`,
          },
        },
      },
      {
        Sid: "CloudWatchAlarmsPublishToTheEncryptedAlertTopic",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
      },
    ],
  };
}

/**
 * The stack's customer-managed KMS key (`alias/vitcord-<stack>`), rotated yearly, that encrypts
 * every log group of the stack and its alert topic. The policy is the key's own (not a separate
 * KeyPolicy resource), so it is in place before any log group names the key: CreateLogGroup with
 * a `kmsKeyId` fails when CloudWatch Logs cannot use the key.
 */
export class StackKey extends pulumi.ComponentResource {
  public readonly keyArn: pulumi.Output<string>;
  public readonly keyId: pulumi.Output<string>;
  public readonly aliasName: string;

  constructor(name: string, args: StackKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vitcord:kms:StackKey", name, args, opts);
    this.aliasName = stackKeyAlias(args.stack);
    const key = new aws.kms.Key(
      `${name}-key`,
      {
        description: `vitcord-infra ${args.stack}: the stack's log groups and alert topic`,
        // Symmetric (CloudWatch Logs and SNS accept no other), rotated every 365 days (KMS.4).
        keyUsage: "ENCRYPT_DECRYPT",
        customerMasterKeySpec: "SYMMETRIC_DEFAULT",
        enableKeyRotation: true,
        rotationPeriodInDays: 365,
        deletionWindowInDays: args.deletionWindowDays ?? 30,
        policy: pulumi
          .all([args.partition ?? "aws", args.account])
          .apply(([partition, account]) =>
            JSON.stringify(stackKeyPolicy({ partition, region: args.region, account })),
          ),
      },
      statefulResourceOptions(args.protect ?? false, { parent: this }),
    );
    new aws.kms.Alias(
      `${name}-alias`,
      { name: this.aliasName, targetKeyId: key.keyId },
      { parent: this },
    );
    this.keyArn = key.arn;
    this.keyId = key.keyId;
    this.registerOutputs({ keyArn: this.keyArn, keyId: this.keyId, aliasName: this.aliasName });
  }
}
