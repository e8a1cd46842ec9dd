/**
 * What a data store (database, table, cache) gives a workload that `uses` it: network access,
 * IAM, and its connection settings. Every store component returns these from `grantTo`, and
 * the web services and workers apply them the same way (one mechanism for the three kinds).
 */
import * as pulumi from "@pulumi/pulumi";
import type { PolicyStatement } from "./iam";

/** How much of a store a workload may do; databases and caches only know `readWrite`. */
export type DataAccess = "read" | "readWrite";

/** The store's security group admits the workload's group on this port. */
export interface DataStoreIngress {
  /** The store's security group. */
  readonly securityGroupId: pulumi.Input<string>;
  /** TCP port the store listens on (5432 for PostgreSQL, 6379 for Redis/Valkey). */
  readonly port: number;
  /** Says which workload and store, for the rule's description. */
  readonly description: string;
}

export interface DataStoreGrant {
  /** The store's name in config (`databases.<name>`, `tables.<name>`, `caches.<name>`). */
  readonly store: string;
  /** @default undefined (a DynamoDB table is reached over HTTPS through its gateway endpoint) */
  readonly ingress?: DataStoreIngress;
  /**
   * Plain connection settings for the container, e.g. `DATABASE_HOST`, `NOTIFICATIONS_TABLE`.
   * Never a password.
   * @default {}
   */
  readonly environment?: Readonly<Record<string, pulumi.Input<string>>>;
  /**
   * Secret settings for the container's `secrets`: name → `valueFrom` (a Secrets Manager secret
   * ARN, optionally with `:<json key>::`), e.g. `DATABASE_PASSWORD`.
   * @default {}
   */
  readonly secrets?: Readonly<Record<string, pulumi.Input<string>>>;
  /**
   * The secret ARNs (without a JSON key suffix) the execution role must read for `secrets`.
   * @default []
   */
  readonly secretArns?: readonly pulumi.Input<string>[];
  /**
   * Statements for the task role, on exactly the store's ARNs (no `*` resource, no `service:*`).
   * @default []
   */
  readonly taskPolicyStatements?: readonly PolicyStatement[];
}

/** A data store component: what it gives one workload with this access. */
export interface DataStore {
  grantTo(workload: string, access: DataAccess): DataStoreGrant;
}
