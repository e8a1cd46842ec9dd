import { z } from "zod";
import { Environment } from "./environment";
import { booleanFlag, intInRange, strictObject } from "./schema-helpers";

/**
 * `vitcord-infra:kms`: the stack's customer-managed KMS key (components/kms.ts), which encrypts
 * every log group of the stack and the alert topic.
 */

/** Per environment: prod encrypts with a key of its own (rule VIT-LOG-02), dev saves the $1. */
export const KMS_DEFAULTS: Readonly<
  Record<Environment, { readonly enabled: boolean; readonly deletionWindowDays: number }>
> = {
  dev: { enabled: false, deletionWindowDays: 30 },
  prod: { enabled: true, deletionWindowDays: 30 },
};

/** KMS waits 7 to 30 days before it deletes a key scheduled for deletion (ScheduleKeyDeletion). */
export const KMS_DELETION_WINDOW_MIN_DAYS = 7;
export const KMS_DELETION_WINDOW_MAX_DAYS = 30;

export function kmsSchema(environment: Environment) {
  const defaults = KMS_DEFAULTS[environment];
  return strictObject({
    enabled: booleanFlag
      .default(defaults.enabled)
      .describe(
        "Create the stack's customer-managed KMS key (`alias/vitcord-<stack>`, yearly rotation) and encrypt every log group of the stack and the alert topic with it (rule VIT-LOG-02). $1 a month plus requests.",
      ),
    deletionWindowDays: intInRange(
      KMS_DELETION_WINDOW_MIN_DAYS,
      KMS_DELETION_WINDOW_MAX_DAYS,
      "days",
    )
      .default(defaults.deletionWindowDays)
      .describe(
        "Days KMS waits before it deletes the key once the stack no longer declares it (the key is pending deletion meanwhile and can be restored; logs encrypted with it become unreadable once it is gone).",
      ),
  })
    .prefault({})
    .describe(
      "The stack's customer-managed KMS key: whether the stack has one, and its deletion window.",
    );
}

export type KmsConfig = z.output<ReturnType<typeof kmsSchema>>;
