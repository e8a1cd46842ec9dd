/**
 * Small readers shared by the rules: resource types, values that may be unknown at preview,
 * container definitions and policy documents (both JSON text), ports and CIDRs.
 */
import { RuleResource } from "./types";

/** The type tokens the rules look at. */
export const T = {
  awsxVpc: "awsx:ec2:Vpc",
  vpc: "aws:ec2/vpc:Vpc",
  subnet: "aws:ec2/subnet:Subnet",
  natGateway: "aws:ec2/natGateway:NatGateway",
  defaultSg: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
  flowLog: "aws:ec2/flowLog:FlowLog",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  sgRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  sgIngressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  networkAcl: "aws:ec2/networkAcl:NetworkAcl",
  networkAclRule: "aws:ec2/networkAclRule:NetworkAclRule",
  vpcEndpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
  launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
  asg: "aws:autoscaling/group:Group",
  capacityProvider: "aws:ecs/capacityProvider:CapacityProvider",
  cluster: "aws:ecs/cluster:Cluster",
  taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  service: "aws:ecs/service:Service",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  policy: "aws:iam/policy:Policy",
  rolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
  listener: "aws:lb/listener:Listener",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  webAclAssociation: "aws:wafv2/webAclAssociation:WebAclAssociation",
  bucket: "aws:s3/bucket:Bucket",
  bucketV2: "aws:s3/bucketV2:BucketV2",
  queue: "aws:sqs/queue:Queue",
  repository: "aws:ecr/repository:Repository",
  kmsKey: "aws:kms/key:Key",
  dbInstance: "aws:rds/instance:Instance",
  dbParameterGroup: "aws:rds/parameterGroup:ParameterGroup",
  dynamoTable: "aws:dynamodb/table:Table",
  replicationGroup: "aws:elasticache/replicationGroup:ReplicationGroup",
  serverlessCache: "aws:elasticache/serverlessCache:ServerlessCache",
} as const;

/**
 * Stands for a value Pulumi cannot know during a preview (an id or ARN of a resource not yet
 * created). The policy pack replaces the engine's unknowns with it; an unknown never proves a
 * violation, so stack rules compare only known values.
 */
export const UNKNOWN = "<unknown>";

export function isKnown(value: unknown): boolean {
  return value !== undefined && value !== UNKNOWN;
}

export function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? (value as unknown[]) : [value];
}

export function strings(value: unknown): string[] {
  return list(value).filter((v): v is string => typeof v === "string");
}

/** A value for a message: strings as they are, anything else as JSON, `fallback` if absent. */
export function text(value: unknown, fallback: string | number = "unset"): string {
  if (value === undefined || value === null) return String(fallback);
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** True for `true` and `"true"` (the launch template's EC2 fields are strings). */
export function isTrue(value: unknown): boolean {
  return value === true || value === "true";
}

/** Inputs first, then outputs: the value of a property wherever the caller has it. */
export function prop(resource: RuleResource, key: string): unknown {
  return resource.inputs[key] ?? resource.outputs?.[key];
}

/** The id an ARN ends with (`…:security-group/sg-123` → `sg-123`). */
export function idFromArn(arn: unknown): string | undefined {
  if (typeof arn !== "string" || !isKnown(arn)) return undefined;
  const slash = arn.lastIndexOf("/");
  return slash === -1 ? undefined : arn.slice(slash + 1);
}

/** A resource's own id if the caller recorded it, else the one its ARN ends with. */
export function resourceId(resource: RuleResource): string | undefined {
  const id = resource.outputs?.id;
  if (typeof id === "string" && isKnown(id) && id !== "") return id;
  return idFromArn(resource.outputs?.arn);
}

export function resourceArn(resource: RuleResource): string | undefined {
  const arn = resource.outputs?.arn;
  return typeof arn === "string" && isKnown(arn) ? arn : undefined;
}

export function ofType(resources: readonly RuleResource[], ...types: string[]): RuleResource[] {
  return resources.filter((r) => types.includes(r.type));
}

/** Every resource below a parent, at any depth. */
export function descendantsOf(resources: readonly RuleResource[], urn: string): RuleResource[] {
  const found: RuleResource[] = [];
  let parents = new Set([urn]);
  while (parents.size > 0) {
    const next = resources.filter((r) => r.parentUrn !== undefined && parents.has(r.parentUrn));
    found.push(...next);
    parents = new Set(next.map((r) => r.urn));
  }
  return found;
}

/** `name (type)` for messages. */
export function describe(resource: RuleResource): string {
  return `${resource.name} (${resource.type})`;
}

// --- JSON documents ------------------------------------------------------------------------------

/** Parses JSON text; objects pass through (the AWS SDK accepts both). Undefined if unreadable. */
export function parseJson(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

export interface ContainerDefinition {
  readonly name?: string;
  readonly privileged?: boolean;
  readonly readonlyRootFilesystem?: boolean;
  readonly user?: string;
  readonly environment?: readonly { name?: string; value?: string }[];
  readonly logConfiguration?: { logDriver?: string; options?: Record<string, string> };
}

/** A task definition's containers, or undefined when its `containerDefinitions` is unreadable. */
export function containerDefinitions(resource: RuleResource): ContainerDefinition[] | undefined {
  const parsed = parseJson(resource.inputs.containerDefinitions);
  return Array.isArray(parsed) ? (parsed as ContainerDefinition[]) : undefined;
}

export interface Statement {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
}

/** The statements of a policy document (JSON text or object). */
export function statements(document: unknown): Statement[] {
  const parsed = record(parseJson(document));
  return list(parsed.Statement).map((s) => record(s) as Statement);
}

/** Every policy document a resource carries: inline policies of roles, role and managed policies. */
export function policyDocuments(resource: RuleResource): unknown[] {
  switch (resource.type) {
    case T.role:
      return list(resource.inputs.inlinePolicies).map((p) => record(p).policy);
    case T.rolePolicy:
    case T.policy:
      return [resource.inputs.policy];
    default:
      return [];
  }
}

// --- Network ------------------------------------------------------------------------------------

export const INTERNET_CIDRS: readonly string[] = ["0.0.0.0/0", "::/0"];

/** One ingress permission in any of the three ways AWS lets a program declare it. */
export interface Ingress {
  readonly protocol: string;
  readonly fromPort: number;
  readonly toPort: number;
  readonly cidrs: readonly string[];
  readonly sourceSecurityGroups: readonly string[];
  readonly self: boolean;
  readonly description?: string;
  /** The security group the rule belongs to, for standalone rule resources. */
  readonly securityGroupId?: string;
}

function toNumber(value: unknown, fallback: number): number {
  return typeof value === "number" ? value : fallback;
}

/** The ingress rules a resource declares: inline on a security group, or a standalone rule. */
export function ingressRules(resource: RuleResource): Ingress[] {
  const inputs = resource.inputs;
  switch (resource.type) {
    case T.securityGroup:
      return list(inputs.ingress).map((raw) => {
        const rule = record(raw);
        return {
          protocol: text(rule.protocol, "-1"),
          fromPort: toNumber(rule.fromPort, 0),
          toPort: toNumber(rule.toPort, 65535),
          cidrs: [...strings(rule.cidrBlocks), ...strings(rule.ipv6CidrBlocks)],
          sourceSecurityGroups: strings(rule.securityGroups),
          self: rule.self === true,
          description: typeof rule.description === "string" ? rule.description : undefined,
        };
      });
    case T.sgRule:
      if (inputs.type !== "ingress") return [];
      return [
        {
          protocol: text(inputs.protocol, "-1"),
          fromPort: toNumber(inputs.fromPort, 0),
          toPort: toNumber(inputs.toPort, 65535),
          cidrs: [...strings(inputs.cidrBlocks), ...strings(inputs.ipv6CidrBlocks)],
          sourceSecurityGroups: strings(inputs.sourceSecurityGroupId),
          self: inputs.self === true,
          description: typeof inputs.description === "string" ? inputs.description : undefined,
          securityGroupId:
            typeof inputs.securityGroupId === "string" ? inputs.securityGroupId : undefined,
        },
      ];
    case T.sgIngressRule:
      return [
        {
          protocol: text(inputs.ipProtocol, "-1"),
          fromPort: toNumber(inputs.fromPort, 0),
          toPort: toNumber(inputs.toPort, 65535),
          cidrs: [...strings(inputs.cidrIpv4), ...strings(inputs.cidrIpv6)],
          sourceSecurityGroups: strings(inputs.referencedSecurityGroupId),
          self: false,
          description: typeof inputs.description === "string" ? inputs.description : undefined,
          securityGroupId:
            typeof inputs.securityGroupId === "string" ? inputs.securityGroupId : undefined,
        },
      ];
    default:
      return [];
  }
}

/** True if a rule covers every port (protocol -1/all) or the given port. */
export function coversPort(rule: Pick<Ingress, "protocol" | "fromPort" | "toPort">, port: number) {
  if (rule.protocol === "-1" || rule.protocol === "all") return true;
  return rule.fromPort <= port && port <= rule.toPort;
}

/** Internet ingress is acceptable only as one TCP port, 80 or 443 (a load balancer's listeners). */
export function isWebPortOnly(rule: Ingress): boolean {
  const tcp = rule.protocol === "tcp" || rule.protocol === "6";
  return tcp && rule.fromPort === rule.toPort && (rule.fromPort === 80 || rule.fromPort === 443);
}

export function portsText(rule: Pick<Ingress, "protocol" | "fromPort" | "toPort">): string {
  if (rule.protocol === "-1" || rule.protocol === "all") return "all ports";
  return rule.fromPort === rule.toPort
    ? `port ${rule.fromPort}`
    : `ports ${rule.fromPort}-${rule.toPort}`;
}

function parseIpv4Cidr(cidr: string): { address: number; prefix: number } | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!match) return undefined;
  const address = match.slice(1, 5).reduce((acc, octet) => acc * 256 + Number(octet), 0);
  return { address, prefix: Number(match[5]) };
}

/** True if the IPv4 block `inner` lies inside `outer` (IPv6 and malformed blocks never do). */
export function cidrWithin(inner: string, outer: string): boolean {
  const a = parseIpv4Cidr(inner);
  const b = parseIpv4Cidr(outer);
  if (a === undefined || b === undefined || a.prefix < b.prefix) return false;
  const size = 2 ** (32 - b.prefix);
  return Math.floor(a.address / size) === Math.floor(b.address / size);
}

/** Subnets awsx (and people) mark as public: a `SubnetType: Public` tag or "public" in the name. */
export function isPublicSubnet(resource: RuleResource): boolean {
  const tags = record(resource.inputs.tags);
  return tags.SubnetType === "Public" || /public/i.test(resource.name);
}

// --- Secrets ------------------------------------------------------------------------------------

/** Patterns of credentials that must never be in user data or a container's environment. */
export const SECRET_VALUE_PATTERNS: readonly { readonly what: string; readonly pattern: RegExp }[] =
  [
    { what: "an AWS access key id", pattern: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/ },
    { what: "a private key", pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
    { what: "a password in a URL", pattern: /[a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:[^@/\s]+@/i },
    { what: "an AWS secret access key", pattern: /aws_secret_access_key\s*[=:]/i },
    { what: "ECS registry credentials", pattern: /ECS_ENGINE_AUTH_DATA\s*=/ },
    {
      what: "a password or token assignment",
      // A key such as DB_PASSWORD= or "api_key": with a value; not ARNs (`arn:aws:secretsmanager:`).
      pattern:
        /(?<![\w:/.-])[A-Z0-9_]*(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY)[A-Z0-9_]*["']?\s*[=:]\s*["']?[^\s"'$]{6,}/i,
    },
  ];

/** What kind of secret a text contains, or undefined. */
export function secretIn(text: string): string | undefined {
  return SECRET_VALUE_PATTERNS.find(({ pattern }) => pattern.test(text))?.what;
}

/** Environment variable names ECS.8 forbids, and names that say they hold a secret. */
export const SECRET_ENV_NAMES: readonly string[] = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "ECS_ENGINE_AUTH_DATA",
];
const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;
/** Names that point at a secret rather than hold one. */
const REFERENCE_NAME = /_(ARN|NAME|ID|URL|PATH|FILE|REGION|TTL|TYPE)$/i;

export function isSecretName(name: string): boolean {
  return SECRET_ENV_NAMES.includes(name) || (SECRET_NAME.test(name) && !REFERENCE_NAME.test(name));
}

/** A value shaped like an AWS secret access key (40 base64 characters). */
export function isKeyLikeValue(value: string): boolean {
  // Only the unmistakable shapes: an environment value is not a script, so no assignments.
  const shapes = SECRET_VALUE_PATTERNS.slice(0, 3).map((p) => p.pattern);
  return /^[A-Za-z0-9/+]{40}$/.test(value) || shapes.some((p) => p.test(value));
}

/** Launch template user data is base64; decode it when it is, so the text can be scanned. */
export function decodeUserData(userData: string): string {
  const compact = userData.replace(/\s+/g, "");
  if (compact.length > 0 && compact.length % 4 === 0 && /^[A-Za-z0-9+/]+=*$/.test(compact)) {
    return Buffer.from(compact, "base64").toString("utf8");
  }
  return userData;
}
