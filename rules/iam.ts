/** Rules for IAM roles and policies. */
import { ResourceRule, StackFinding, StackRule } from "./types";
import { isKnown, list, ofType, policyDocuments, resourceArn, statements, T, text } from "./util";

const BOTH = ["dev", "prod"] as const;

/** AWS managed policies that grant administrative power. */
const ADMIN_POLICIES = /:policy\/(AdministratorAccess|PowerUserAccess|IAMFullAccess)$/;

/**
 * Reads of secrets, keys and parameters: always scoped to named resources (KMS.1/2, CKV_AWS_355).
 * Matched case-insensitively; a trailing `*` in the action (`ssm:GetParameter*`) counts too.
 */
const SECRET_READS = [
  "secretsmanager:GetSecretValue",
  "kms:Decrypt",
  "kms:GenerateDataKey",
  "ssm:GetParameter",
  "ssm:GetParameters",
  "ssm:GetParametersByPath",
];

function actionsOf(value: unknown): string[] {
  return list(value).filter((a): a is string => typeof a === "string");
}

function isSecretRead(action: string): boolean {
  const lower = action.toLowerCase();
  return SECRET_READS.some((read) => {
    const target = read.toLowerCase();
    if (lower === target) return true;
    // A wildcard action such as `ssm:GetParam*` or `kms:*` includes the read.
    return lower.endsWith("*") && target.startsWith(lower.slice(0, -1));
  });
}

export const noWildcardActions: ResourceRule = {
  scope: "resource",
  id: "VIT-IAM-01",
  title:
    'No IAM statement allows Action "*" or "service:*", and no administrator policy is attached',
  controls: ["IAM.1", "IAM.21", "CKV_AWS_62", "CKV_AWS_63", "CKV_AWS_274"],
  severity: "critical",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.role, T.rolePolicy, T.policy, T.rolePolicyAttachment],
  check(resource) {
    const problems: string[] = [];
    if (resource.type === T.rolePolicyAttachment) {
      const arn = resource.inputs.policyArn;
      if (typeof arn === "string" && ADMIN_POLICIES.test(arn)) problems.push(`attaches ${arn}`);
      return problems;
    }
    if (resource.type === T.role) {
      for (const arn of list(resource.inputs.managedPolicyArns)) {
        if (typeof arn === "string" && ADMIN_POLICIES.test(arn)) problems.push(`attaches ${arn}`);
      }
    }
    for (const document of policyDocuments(resource)) {
      for (const statement of statements(document)) {
        if (statement.Effect !== "Allow") continue;
        if (statement.NotAction !== undefined) problems.push("an Allow statement uses NotAction");
        for (const action of actionsOf(statement.Action)) {
          if (action === "*" || /^[a-z0-9-]+:\*$/i.test(action))
            problems.push(`allows Action ${JSON.stringify(action)}`);
        }
      }
    }
    return problems;
  },
};

/** The one documented exception: ECR's token call has no resource-level permissions. */
export const WILDCARD_RESOURCE_EXCEPTIONS: readonly string[] = ["ecr:GetAuthorizationToken"];

export const scopedSecretReads: ResourceRule = {
  scope: "resource",
  id: "VIT-IAM-02",
  title: 'Secret, KMS and SSM parameter reads are scoped to named resources, never Resource "*"',
  controls: ["KMS.1", "KMS.2", "CKV_AWS_355", "CKV_AWS_356"],
  severity: "high",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.role, T.rolePolicy, T.policy],
  check(resource) {
    const problems: string[] = [];
    for (const document of policyDocuments(resource)) {
      for (const statement of statements(document)) {
        if (statement.Effect !== "Allow" || !list(statement.Resource).includes("*")) continue;
        const reads = actionsOf(statement.Action).filter(
          (a) => isSecretRead(a) && !WILDCARD_RESOURCE_EXCEPTIONS.includes(a),
        );
        if (reads.length > 0) problems.push(`allows ${reads.join(", ")} on Resource "*"`);
      }
    }
    return problems;
  },
};

export const separateTaskRoles: StackRule = {
  scope: "stack",
  id: "VIT-IAM-03",
  title: "Task definitions use a task role different from their execution role",
  controls: ["CKV_AWS_249"],
  severity: "high",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.taskDefinition],
  check(resources) {
    const findings: StackFinding[] = [];
    const roles = ofType(resources, T.role);
    for (const task of ofType(resources, T.taskDefinition)) {
      const execution = task.inputs.executionRoleArn;
      const taskRole = task.inputs.taskRoleArn;
      if (!isKnown(execution) || !isKnown(taskRole)) continue;
      if (execution === taskRole) {
        const role = roles.find((r) => resourceArn(r) === execution);
        findings.push({
          resource: task,
          message: `the execution role and the task role are the same (${role?.name ?? text(execution)}); the app must not hold the agent's pull and secret-read rights`,
        });
      }
    }
    return findings;
  },
};

/** The services whose actions read or write a data store's contents. */
const DATA_STORE_SERVICES = ["dynamodb", "rds-db", "rds-data", "elasticache"];

function isDataStoreAction(action: string): boolean {
  const service = action.split(":")[0]?.toLowerCase() ?? "";
  // Action "*" is VIT-IAM-01's finding.
  return DATA_STORE_SERVICES.includes(service);
}

/** Resource "*", or a DynamoDB ARN for every table (`…:table/*`). */
function isEveryResource(resource: unknown): boolean {
  return resource === "*" || (typeof resource === "string" && /:table\/\*$/.test(resource));
}

export const scopedDataStoreAccess: ResourceRule = {
  scope: "resource",
  id: "VIT-IAM-04",
  title:
    'Data-store access (DynamoDB, RDS, ElastiCache) names its actions and its tables: no "dynamodb:*", no Resource "*"',
  controls: ["IAM.1", "CKV_AWS_355", "CKV_AWS_62"],
  severity: "high",
  enforcement: "mandatory",
  environments: BOTH,
  resourceTypes: [T.role, T.rolePolicy, T.policy],
  check(resource) {
    const problems: string[] = [];
    for (const document of policyDocuments(resource)) {
      for (const statement of statements(document)) {
        if (statement.Effect !== "Allow") continue;
        const actions = actionsOf(statement.Action).filter(isDataStoreAction);
        const wildcards = actions.filter((a) => a.endsWith(":*"));
        if (wildcards.length > 0) problems.push(`allows ${wildcards.join(", ")}`);
        const everywhere = list(statement.Resource).filter(isEveryResource);
        if (actions.length > 0 && everywhere.length > 0) {
          problems.push(
            `allows ${actions.join(", ")} on ${everywhere.map((r) => JSON.stringify(r)).join(", ")}`,
          );
        }
      }
    }
    return problems;
  },
};

export const IAM_RULES = [
  noWildcardActions,
  scopedSecretReads,
  separateTaskRoles,
  scopedDataStoreAccess,
] as const;
