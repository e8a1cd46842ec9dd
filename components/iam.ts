import * as pulumi from "@pulumi/pulumi";

/** One IAM policy statement, typed so that policies are built from objects, never JSON text. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action: string | readonly string[];
  readonly Resource?: pulumi.Input<string> | readonly pulumi.Input<string>[];
  readonly Principal?: {
    readonly Service?: string | readonly string[];
    readonly AWS?: pulumi.Input<string>;
  };
  readonly Condition?: Record<
    string,
    Record<string, pulumi.Input<string> | pulumi.Input<string>[]>
  >;
}

/** The JSON text of a policy document, resolved from its statements once every input is known. */
export function policyDocument(statements: readonly PolicyStatement[]): pulumi.Output<string> {
  return pulumi
    .output({ Version: "2012-10-17", Statement: statements })
    .apply((document) => JSON.stringify(document));
}

/**
 * A trust policy letting one AWS service assume a role, limited to requests made on behalf of
 * this account (the confused-deputy guard AWS recommends) when `sourceAccount` is given.
 */
export function serviceTrustPolicy(
  service: string,
  sourceAccount?: pulumi.Input<string>,
): pulumi.Output<string> {
  return policyDocument([
    {
      Effect: "Allow",
      Principal: { Service: service },
      Action: "sts:AssumeRole",
      ...(sourceAccount === undefined
        ? {}
        : { Condition: { StringEquals: { "aws:SourceAccount": sourceAccount } } }),
    },
  ]);
}

/**
 * The IAM actions that change identities or permissions, or hand a role to a service: every IAM
 * action whose name starts with one of these verbs (IAM's reads are Get*, List*, Generate* and
 * Simulate*, which stay allowed where a policy grants them). iam:PassRole is denied too: passing a
 * stronger role to a service the application controls is the usual way round a missing permission.
 */
export const IAM_CHANGE_ACTIONS = [
  "iam:Add*",
  "iam:Attach*",
  "iam:Change*",
  "iam:Create*",
  "iam:Deactivate*",
  "iam:Delete*",
  "iam:Detach*",
  "iam:Disable*",
  "iam:Enable*",
  "iam:PassRole",
  "iam:Put*",
  "iam:Remove*",
  "iam:Reset*",
  "iam:Resync*",
  "iam:Set*",
  "iam:Tag*",
  "iam:Untag*",
  "iam:Update*",
  "iam:Upload*",
] as const;

/**
 * On every task role: an explicit Deny wins over any Allow (IAM policy evaluation logic), so no
 * attached policy (`taskPolicyArns`) can let an application change IAM or escalate through it.
 */
export const DENY_IAM_CHANGES: PolicyStatement = {
  Sid: "DenyIamChanges",
  Effect: "Deny",
  Action: [...IAM_CHANGE_ACTIONS],
  Resource: "*",
};
