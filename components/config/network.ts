import { z } from "zod";
import { ENVIRONMENT_DEFAULTS, Environment, NAT_STRATEGIES } from "./environment";
import { intInRange, oneOf, strictObject } from "./schema-helpers";

/** VPC prefixes we accept: /16 (65,536 addresses) down to /22 (1,024), room for six AZs. */
export const VPC_PREFIX_MIN = 16;
export const VPC_PREFIX_MAX = 22;
export const AZ_COUNT_MIN = 2;
export const AZ_COUNT_MAX = 6;

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n` into its address (as a 32-bit number) and prefix; undefined if malformed. */
export function parseCidr(cidr: string): { address: number; prefix: number } | undefined {
  const match = IPV4_CIDR.exec(cidr);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  return { address, prefix };
}

const cidrMessage = `must be an IPv4 CIDR block with a prefix from /${VPC_PREFIX_MIN} to /${VPC_PREFIX_MAX} whose address is the network's first, e.g. 10.10.0.0/16`;

const vpcCidr = z
  .string({ error: cidrMessage })
  .refine(
    (cidr) => {
      const parsed = parseCidr(cidr);
      if (!parsed || parsed.prefix < VPC_PREFIX_MIN || parsed.prefix > VPC_PREFIX_MAX) return false;
      // Host bits must be zero: 10.10.1.0/16 is a typo for 10.10.0.0/16, not a network.
      return parsed.address % 2 ** (32 - parsed.prefix) === 0;
    },
    { error: cidrMessage },
  )
  .meta({
    // The JSON Schema's approximation: the prefix range, not the host bits (a refine only).
    pattern:
      "^((25[0-5]|2[0-4]\\d|[01]?\\d?\\d)\\.){3}(25[0-5]|2[0-4]\\d|[01]?\\d?\\d)/(1[6-9]|2[0-2])$",
    patternErrorMessage: cidrMessage,
  });

/** The NAT instance sizes: Graviton (the AMI is arm64), both with 2 network interfaces (fixed ENI). */
export const NAT_INSTANCE_TYPES = ["t4g.nano", "t4g.micro"] as const;
export type NatInstanceType = (typeof NAT_INSTANCE_TYPES)[number];
export const NAT_INSTANCE_TYPE_DEFAULT: NatInstanceType = "t4g.nano";

/** Why prod refuses `natGateways: instance` (config validation; rule VIT-NET-13 at plan and preview). */
export const NAT_INSTANCE_IN_PROD =
  "a NAT instance is for dev only: prod's private subnets need NAT gateways, which AWS runs and scales (allowed in prod: single, perAz)";

export function networkSchema(environment: Environment) {
  const defaults = ENVIRONMENT_DEFAULTS[environment].network;
  return strictObject({
    cidr: vpcCidr
      .default(defaults.cidr)
      .describe(
        "The VPC's IPv4 address range. Each availability zone gets an equal block of it, split into a public subnet (a quarter), a private subnet (half) and a quarter kept free.",
      ),
    availabilityZones: intInRange(AZ_COUNT_MIN, AZ_COUNT_MAX, "availability zones")
      .default(defaults.availabilityZones)
      .describe(
        "How many availability zones the VPC spans; each gets a public and a private subnet, and the load balancers, instances and tasks spread across them.",
      ),
    natGateways: oneOf(NAT_STRATEGIES)
      .default(defaults.natGateways)
      .describe(
        "Outbound internet access for the private subnets: `single` is one NAT gateway for the whole VPC (cheaper, one zone's outage cuts every zone's egress), `perAz` is one per availability zone, `instance` is one small Graviton NAT instance in an Auto Scaling group of one behind a fixed network interface and Elastic IP (dev only: about $7.40 a month instead of $36.50, no per-GB processing fee, but one instance's bandwidth and a minute or two without egress while it replaces itself).",
      ),
    // No default in the parsed config (the component applies it): the key stays out of stacks
    // that do not use a NAT instance.
    natInstanceType: oneOf(NAT_INSTANCE_TYPES)
      .optional()
      .describe(
        `The NAT instance's type (\`natGateways: instance\` only): a burstable Graviton size, since it runs Amazon Linux 2023 for arm64. Default: ${NAT_INSTANCE_TYPE_DEFAULT}.`,
      ),
  })
    .superRefine((network, ctx) => {
      if (environment === "prod" && network.natGateways === "instance") {
        ctx.addIssue({ code: "custom", path: ["natGateways"], message: NAT_INSTANCE_IN_PROD });
      }
    })
    .prefault({})
    .describe("The VPC: its address range, availability zones and NAT gateways (or NAT instance).");
}

export type NetworkConfig = z.output<ReturnType<typeof networkSchema>>;

/** The subnet sizes for a VPC: each AZ gets an equal block, private subnets half of it, public a quarter. */
export interface SubnetLayout {
  /** Prefix length of each availability zone's block. */
  readonly availabilityZoneCidrMask: number;
  readonly privateCidrMask: number;
  readonly publicCidrMask: number;
}

/**
 * Splits the VPC into one block per AZ (rounded up to a power of two) and sizes the subnets so
 * the private ones, where the tasks and instances live, get most of the addresses; a quarter of
 * each block stays free for later subnets (databases, endpoints). awsx's `Auto` strategy places
 * the specs in their order, each aligned to its size: the public subnet (listed first) takes the
 * first quarter and the private one the second half, so the free quarter is the SECOND one
 * (10.20.16.0/20 in prod's first AZ), not the last: a subnet added there must not assume otherwise.
 */
export function subnetLayout(vpcPrefix: number, availabilityZones: number): SubnetLayout {
  const availabilityZoneCidrMask = vpcPrefix + Math.ceil(Math.log2(availabilityZones));
  return {
    availabilityZoneCidrMask,
    privateCidrMask: availabilityZoneCidrMask + 1,
    publicCidrMask: availabilityZoneCidrMask + 2,
  };
}

/** Usable addresses in a subnet of this prefix: AWS reserves five in every subnet. */
export function usableAddresses(prefix: number): number {
  return 2 ** (32 - prefix) - 5;
}
