import * as crypto from "node:crypto";

/**
 * Fixed, documented answers for the invokes the program makes and the outputs AWS would compute,
 * so that the program can be synthesized with no AWS account. Shared by the unit tests and
 * `npm run plan`. Every value is shaped like the real one; none is real.
 */

/** The account every stand-in ARN belongs to (AWS's documentation account number). */
export const STAND_IN_ACCOUNT_ID = "123456789012";

/** Seven hex characters derived from a string: Pulumi-style name suffixes that never change. */
export function shortHash(text: string, length = 7): string {
  return crypto.createHash("sha256").update(text).digest("hex").slice(0, length);
}

export interface InvokeContext {
  readonly region: string;
  /**
   * The SSM parameters the stand-in account holds (full names), for getParametersByPath: none
   * unless a test gives some (`SynthesizeOptions.ssmParameters`), as in a stack with no
   * `config:set` yet.
   */
  readonly ssmParameters?: readonly string[];
}

type InvokeAnswer = (
  inputs: Record<string, unknown>,
  context: InvokeContext,
) => Record<string, unknown>;

const INVOKES: Readonly<Record<string, InvokeAnswer>> = {
  "aws:index/getCallerIdentity:getCallerIdentity": () => ({
    accountId: STAND_IN_ACCOUNT_ID,
    arn: `arn:aws:iam::${STAND_IN_ACCOUNT_ID}:user/stand-in`,
    userId: "AIDASTANDIN",
    id: STAND_IN_ACCOUNT_ID,
  }),
  "aws:index/getRegion:getRegion": (_inputs, { region }) => ({
    name: region,
    region,
    id: region,
    endpoint: `ec2.${region}.amazonaws.com`,
    description: region,
  }),
  "aws:index/getPartition:getPartition": () => ({
    partition: "aws",
    dnsSuffix: "amazonaws.com",
    reverseDnsPrefix: "com.amazonaws",
    id: "aws",
  }),
  "aws:index/getAvailabilityZones:getAvailabilityZones": (_inputs, { region }) => {
    const letters = ["a", "b", "c", "d", "e", "f"];
    return {
      names: letters.map((l) => `${region}${l}`),
      zoneIds: letters.map((_l, i) => `use1-az${i + 1}`),
      groupNames: [region],
      id: region,
    };
  },
  // The ECS-optimized AMI is published as a public SSM parameter per architecture, and so is
  // Amazon Linux 2023 (the NAT instance's).
  "aws:ssm/getParameter:getParameter": (inputs) => {
    const name = String(inputs.name);
    const published = ["/aws/service/ecs/optimized-ami/", "/aws/service/ami-amazon-linux-latest/"];
    if (!published.some((prefix) => name.startsWith(prefix))) {
      throw new Error(`no stand-in for the SSM parameter ${name}`);
    }
    const value = `ami-0${shortHash(name, 16)}`;
    return { name, value, insecureValue: value, type: "String", version: 1, arn: name, id: name };
  },
  // A workload's config vars (`config:set`): the parameters directly under the path (not
  // recursive, as the program asks), names and ARNs only; none by default. Values are never asked
  // for, so none is given.
  "aws:ssm/getParametersByPath:getParametersByPath": (inputs, { region, ssmParameters }) => {
    const path = String(inputs.path).replace(/\/$/, "");
    const names = (ssmParameters ?? [])
      .filter((name) => name.startsWith(`${path}/`) && !name.slice(path.length + 1).includes("/"))
      .sort();
    return {
      id: path,
      path,
      recursive: inputs.recursive ?? false,
      withDecryption: inputs.withDecryption ?? true,
      region,
      names,
      arns: names.map((name) => `arn:aws:ssm:${region}:${STAND_IN_ACCOUNT_ID}:parameter${name}`),
      types: names.map(() => "SecureString"),
      values: names.map(() => ""),
    };
  },
  // A public hosted zone looked up by name (a web service's `hostedZoneName`).
  "aws:route53/getZone:getZone": (inputs) => {
    const name = String(inputs.name).replace(/\.$/, "");
    const zoneId = `Z${shortHash(name, 13).toUpperCase()}`;
    return {
      id: zoneId,
      zoneId,
      name,
      privateZone: false,
      arn: `arn:aws:route53:::hostedzone/${zoneId}`,
    };
  },
};

/** Answers one invoke, or throws for a token the program is not expected to call. */
export function answerInvoke(
  token: string,
  inputs: Record<string, unknown>,
  context: InvokeContext,
): Record<string, unknown> {
  const answer = INVOKES[token];
  if (answer === undefined) {
    throw new Error(`no stand-in for the invoke ${token}; add one to plan/engine/stand-ins.ts`);
  }
  return answer(inputs, context);
}

/** `aws:ecs/cluster:Cluster` → `ecs`, `cluster`. */
function typeParts(type: string): { pkg: string; module: string; kind: string } {
  const [pkg = "", middle = "", kind = ""] = type.split(":");
  return { pkg, module: middle.split("/")[0] ?? "", kind };
}

function subnetIds(prefix: string, count: number): string[] {
  return Array.from(
    { length: count },
    (_v, i) => `subnet-${prefix}${shortHash(`${prefix}${i}`, 8)}`,
  );
}

/**
 * The state AWS would return for a new resource: its inputs plus the computed outputs that the
 * program reads (ids, ARNs, names, DNS names). Physical names follow Pulumi's auto-naming: the
 * logical name plus a fixed seven-character suffix.
 */
export function resourceState(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  context: InvokeContext,
): { id: string; state: Record<string, unknown> } {
  const { pkg, module, kind } = typeParts(type);
  const physicalName = typeof inputs.name === "string" ? inputs.name : `${name}-${shortHash(name)}`;
  const id = `${name}-id`;
  const arn = `arn:aws:${module}:${context.region}:${STAND_IN_ACCOUNT_ID}:${kind.toLowerCase()}/${physicalName}`;
  const base = { ...inputs, name: physicalName, arn };

  if (type === "awsx:ec2:Vpc") {
    const zones = Number(inputs.numberOfAvailabilityZones ?? 3);
    return {
      id: "",
      state: {
        vpcId: `vpc-${shortHash(name, 17)}`,
        publicSubnetIds: subnetIds("pub", zones),
        privateSubnetIds: subnetIds("prv", zones),
        isolatedSubnetIds: [],
        // awsx gives each subnet a route table tagged with its type, zone by zone, the public
        // subnet first (awsx/ec2/vpc.ts).
        routeTables: Array.from({ length: zones * 2 }, (_v, i) => ({
          id: `rtb-${shortHash(`${name}${i}`, 8)}`,
          tags: { SubnetType: i % 2 === 0 ? "Public" : "Private" },
        })),
      },
    };
  }
  // The program reads its own last outputs (index.ts); a plan is always a first update.
  if (type === "pulumi:pulumi:StackReference") {
    return { id, state: { ...inputs, outputs: {}, secretOutputNames: [] } };
  }
  if (pkg !== "aws") return { id, state: inputs };

  switch (type) {
    case "aws:lb/loadBalancer:LoadBalancer":
      return {
        id: arn,
        state: {
          ...base,
          dnsName: `${physicalName}-${shortHash(physicalName, 9)}.${context.region}.elb.amazonaws.com`,
          zoneId: "Z35SXDOTRQ7X7K",
          arnSuffix: `app/${physicalName}/${shortHash(physicalName, 16)}`,
        },
      };
    case "aws:lb/targetGroup:TargetGroup":
      return {
        id: arn,
        state: { ...base, arnSuffix: `targetgroup/${physicalName}/${shortHash(physicalName, 16)}` },
      };
    case "aws:sqs/queue:Queue":
      return {
        id: `https://sqs.${context.region}.amazonaws.com/${STAND_IN_ACCOUNT_ID}/${physicalName}`,
        state: {
          ...base,
          arn: `arn:aws:sqs:${context.region}:${STAND_IN_ACCOUNT_ID}:${physicalName}`,
          url: `https://sqs.${context.region}.amazonaws.com/${STAND_IN_ACCOUNT_ID}/${physicalName}`,
        },
      };
    case "aws:ecs/taskDefinition:TaskDefinition":
      return {
        id: `${physicalName}:1`,
        state: { ...base, family: inputs.family ?? physicalName, revision: 1 },
      };
    case "aws:cloudwatch/logGroup:LogGroup":
      return {
        id: physicalName,
        state: {
          ...base,
          arn: `arn:aws:logs:${context.region}:${STAND_IN_ACCOUNT_ID}:log-group:${physicalName}`,
        },
      };
    case "aws:kms/key:Key": {
      // KMS names a key by a UUID: the ARN ends in it, and an alias targets it.
      const h = shortHash(name, 32);
      const keyId = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
      const keyArn = `arn:aws:kms:${context.region}:${STAND_IN_ACCOUNT_ID}:key/${keyId}`;
      return { id: keyId, state: { ...base, keyId, arn: keyArn } };
    }
    case "aws:iam/role:Role":
      return {
        id: physicalName,
        state: { ...base, arn: `arn:aws:iam::${STAND_IN_ACCOUNT_ID}:role/${physicalName}` },
      };
    case "aws:ec2/securityGroup:SecurityGroup": {
      // As in AWS, the ARN ends with the group id: the rules match groups to their users by it.
      const groupId = `sg-${shortHash(name, 17)}`;
      const groupArn = `arn:aws:ec2:${context.region}:${STAND_IN_ACCOUNT_ID}:security-group/${groupId}`;
      return { id: groupId, state: { ...base, arn: groupArn } };
    }
    // A database: its endpoint and the Secrets Manager secret RDS manages its password in.
    case "aws:rds/instance:Instance": {
      const identifier = typeof inputs.identifier === "string" ? inputs.identifier : physicalName;
      const address = `${identifier}.c${shortHash(identifier, 11)}.${context.region}.rds.amazonaws.com`;
      const secretArn = `arn:aws:secretsmanager:${context.region}:${STAND_IN_ACCOUNT_ID}:secret:rds!db-${shortHash(identifier, 8)}-${shortHash(`${identifier}s`, 6)}`;
      return {
        id: identifier,
        state: {
          ...base,
          identifier,
          arn: `arn:aws:rds:${context.region}:${STAND_IN_ACCOUNT_ID}:db:${identifier}`,
          address,
          endpoint: `${address}:5432`,
          port: 5432,
          masterUserSecrets: inputs.manageMasterUserPassword
            ? [{ secretArn, secretStatus: "active", kmsKeyId: "alias/aws/secretsmanager" }]
            : [],
        },
      };
    }
    // The NAT instance's fixed interface and Elastic IP (components/nat-instance.ts).
    case "aws:ec2/networkInterface:NetworkInterface":
      return { id: `eni-${shortHash(name, 17)}`, state: base };
    case "aws:ec2/eip:Eip": {
      const allocationId = `eipalloc-${shortHash(name, 17)}`;
      // 203.0.113.0/24 is TEST-NET-3 (RFC 5737): documentation addresses.
      const publicIp = `203.0.113.${parseInt(shortHash(name, 2), 16) % 250}`;
      return { id: allocationId, state: { ...base, allocationId, publicIp } };
    }
    case "aws:ec2/launchTemplate:LaunchTemplate":
      return { id: `lt-${shortHash(name, 17)}`, state: { ...base, latestVersion: 1 } };
    // Web services: image repository, access-log bucket, certificate and DNS records.
    case "aws:ecr/repository:Repository":
      return {
        id: physicalName,
        state: {
          ...base,
          arn: `arn:aws:ecr:${context.region}:${STAND_IN_ACCOUNT_ID}:repository/${physicalName}`,
          registryId: STAND_IN_ACCOUNT_ID,
          repositoryUrl: `${STAND_IN_ACCOUNT_ID}.dkr.ecr.${context.region}.amazonaws.com/${physicalName}`,
        },
      };
    case "aws:s3/bucket:Bucket": {
      const bucket = typeof inputs.bucket === "string" ? inputs.bucket : physicalName;
      return { id: bucket, state: { ...base, bucket, arn: `arn:aws:s3:::${bucket}` } };
    }
    case "aws:acm/certificate:Certificate": {
      const domain = String(inputs.domainName);
      const token = shortHash(domain, 32);
      return {
        id: arn,
        state: {
          ...base,
          arn: `arn:aws:acm:${context.region}:${STAND_IN_ACCOUNT_ID}:certificate/${shortHash(domain, 8)}-${token.slice(0, 4)}`,
          domainValidationOptions: [
            {
              domainName: domain,
              resourceRecordName: `_${token}.${domain}.`,
              resourceRecordType: "CNAME",
              resourceRecordValue: `_${shortHash(token, 32)}.acm-validations.aws.`,
            },
          ],
        },
      };
    }
    case "aws:route53/record:Record":
      return {
        id: `${String(inputs.zoneId)}_${String(inputs.name)}`,
        state: { ...base, name: inputs.name, fqdn: String(inputs.name).replace(/\.$/, "") },
      };
    default:
      return { id, state: base };
  }
}
