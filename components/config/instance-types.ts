/**
 * The EC2 instance types the cluster may run, and what a task can get on each. Pure data and
 * functions: the cluster schema validates `cluster.instanceTypes` with them, the cluster picks its
 * AMI with them, and the web-service schema checks `services.<name>.cpu/memory` against them.
 */

export const ARCHITECTURES = ["arm64", "x86_64"] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

export interface InstanceTypeInfo {
  /** `arm64` for Graviton families (t4g, m6g, m7g, c6g, c7g, r6g, r7g), `x86_64` otherwise. */
  readonly architecture: Architecture;
  readonly vcpu: number;
  /** Installed memory, as EC2 advertises it. */
  readonly memoryMiB: number;
}

/** [vCPU, GiB] per size, for the families that share a shape. */
type Sizes = Readonly<Record<string, readonly [number, number]>>;

const BURSTABLE: Sizes = { small: [2, 2], medium: [2, 4], large: [2, 8], xlarge: [4, 16] };
const GENERAL: Sizes = { large: [2, 8], xlarge: [4, 16], "2xlarge": [8, 32] };
const COMPUTE: Sizes = { large: [2, 4], xlarge: [4, 8], "2xlarge": [8, 16] };
const MEMORY: Sizes = { large: [2, 16], xlarge: [4, 32], "2xlarge": [8, 64] };

/** Family → its architecture and sizes. Graviton families end in `g` (plus the size letter). */
const FAMILIES: Readonly<Record<string, { architecture: Architecture; sizes: Sizes }>> = {
  t3: { architecture: "x86_64", sizes: BURSTABLE },
  t3a: { architecture: "x86_64", sizes: BURSTABLE },
  t4g: { architecture: "arm64", sizes: BURSTABLE },
  m6i: { architecture: "x86_64", sizes: GENERAL },
  m7i: { architecture: "x86_64", sizes: GENERAL },
  m6g: { architecture: "arm64", sizes: GENERAL },
  m7g: { architecture: "arm64", sizes: GENERAL },
  c6i: { architecture: "x86_64", sizes: COMPUTE },
  c6g: { architecture: "arm64", sizes: COMPUTE },
  c7g: { architecture: "arm64", sizes: COMPUTE },
  r6g: { architecture: "arm64", sizes: MEMORY },
  r7g: { architecture: "arm64", sizes: MEMORY },
};

/** Every supported instance type (`t4g.medium`, `m7g.large`, …) and its shape. */
export const INSTANCE_TYPES: Readonly<Record<string, InstanceTypeInfo>> = Object.fromEntries(
  Object.entries(FAMILIES).flatMap(([family, { architecture, sizes }]) =>
    Object.entries(sizes).map(([size, [vcpu, gib]]) => [
      `${family}.${size}`,
      { architecture, vcpu, memoryMiB: gib * 1024 },
    ]),
  ),
);

/** The supported families (`t4g`, `m7g`, …), for error messages. */
export const INSTANCE_FAMILIES: readonly string[] = Object.keys(FAMILIES);

/** The shape of a supported instance type; undefined for any other. */
export function instanceTypeInfo(type: string): InstanceTypeInfo | undefined {
  return Object.prototype.hasOwnProperty.call(INSTANCE_TYPES, type)
    ? INSTANCE_TYPES[type]
    : undefined;
}

/**
 * The one architecture all these types share; undefined when the list is empty, holds an unknown
 * type, or mixes arm64 and x86_64 (one launch template has one AMI, so it cannot mix them).
 */
export function architectureOf(types: readonly string[]): Architecture | undefined {
  const found = new Set(types.map((t) => instanceTypeInfo(t)?.architecture));
  if (found.size !== 1) return undefined;
  return [...found][0];
}

/**
 * Memory the kernel and the platform keep before the ECS agent even counts it: the agent
 * registers what the OS reports, which is below the advertised size (an m4.large with 8192 MiB
 * registers about 7985 MiB, 2.5% less; smaller instances lose a larger share). 6% is a margin over
 * what is observed, so that a task sized to fit here fits on a real instance.
 */
export const KERNEL_MEMORY_OVERHEAD = 0.06;

/**
 * MiB the ECS agent withholds from tasks (`ECS_RESERVED_MEMORY` in the cluster's user data) for
 * the agent itself, containerd/Docker and the SSM agent, so that a full instance does not starve
 * them (AWS's memory-management guide uses 256 as its example).
 */
export const ECS_RESERVED_MEMORY_MIB = 256;

/** ECS counts 1024 CPU units per vCPU. */
export const CPU_UNITS_PER_VCPU = 1024;

export interface SchedulableCapacity {
  /** CPU units tasks can reserve: vCPU × 1024 (ECS reserves no CPU for the agent). */
  readonly cpu: number;
  /** MiB tasks can reserve after the kernel overhead and `ECS_RESERVED_MEMORY`. */
  readonly memoryMiB: number;
}

/**
 * What tasks can reserve on one instance of this type: all its CPU units, and its memory less
 * the kernel overhead ({@link KERNEL_MEMORY_OVERHEAD}) and the agent's reservation
 * ({@link ECS_RESERVED_MEMORY_MIB}). Undefined for an unsupported type. Burstable types (t3, t3a,
 * t4g) register all their vCPUs too, but sustain only their baseline share of them.
 */
export function schedulableCapacity(type: string): SchedulableCapacity | undefined {
  const info = instanceTypeInfo(type);
  if (info === undefined) return undefined;
  return {
    cpu: info.vcpu * CPU_UNITS_PER_VCPU,
    memoryMiB: Math.floor(info.memoryMiB * (1 - KERNEL_MEMORY_OVERHEAD)) - ECS_RESERVED_MEMORY_MIB,
  };
}

/**
 * The largest task that fits on every one of these types (the smallest CPU and the smallest
 * memory among them): with several types in the Auto Scaling group, a task must fit whichever
 * type the group launches. Undefined if the list is empty or holds an unsupported type.
 */
export function minimumSchedulableCapacity(
  types: readonly string[],
): SchedulableCapacity | undefined {
  const capacities = types.map(schedulableCapacity);
  if (capacities.length === 0) return undefined;
  let cpu = Infinity;
  let memoryMiB = Infinity;
  for (const capacity of capacities) {
    if (capacity === undefined) return undefined;
    cpu = Math.min(cpu, capacity.cpu);
    memoryMiB = Math.min(memoryMiB, capacity.memoryMiB);
  }
  return { cpu, memoryMiB };
}

/**
 * The public SSM parameter holding the recommended ECS-optimized Amazon Linux 2023 AMI for an
 * architecture (AWS publishes x86_64 at the root and arm64 under `arm64/`).
 */
export function ecsOptimizedAmiParameter(architecture: Architecture): string {
  const variant = architecture === "arm64" ? "arm64/" : "";
  return `/aws/service/ecs/optimized-ami/amazon-linux-2023/${variant}recommended/image_id`;
}

// ---- Network interfaces: how many `awsvpc` tasks an instance can hold.

/**
 * Network interfaces (ENIs) per supported instance type, the primary one included: EC2's
 * `DescribeInstanceTypes` `NetworkInfo.MaximumNetworkInterfaces`, as the AWS VPC resource
 * controller's generated table records it (github.com/aws/amazon-vpc-resource-controller-k8s,
 * pkg/aws/vpc/limits.go, generated 2026-03-20): every `large` and smaller size of these families
 * has 3, `xlarge` and `2xlarge` have 4.
 */
const ENIS_BY_SIZE: Readonly<Record<string, number>> = {
  small: 3,
  medium: 3,
  large: 3,
  xlarge: 4,
  "2xlarge": 4,
};

/**
 * Families that support ECS ENI trunking (`awsvpcTrunking`). The burstable t3, t3a and t4g do not
 * (the same table: `IsTrunkingCompatible: false` for every t size; ECS: "Supported instances for
 * increased ENIs", container-instance-eni.html); the Nitro m6i/m7i/c6i and the Graviton
 * m6g/m7g/c6g/c7g/r6g/r7g do.
 */
const TRUNKING_FAMILIES: ReadonlySet<string> = new Set([
  "m6i",
  "m7i",
  "c6i",
  "m6g",
  "m7g",
  "c6g",
  "c7g",
  "r6g",
  "r7g",
]);

/**
 * `awsvpc` tasks per instance with trunking on, by size: ECS's table of increased ENI limits
 * (10 tasks on a `large`, e.g. "a c5.large instance with awsvpcTrunking … launch ten tasks",
 * container-instance-eni.html; 20 on an `xlarge`, 40 on a `2xlarge`). The VPC resource controller
 * counts 9/18/38 branch interfaces for EKS pods on the same sizes: ECS's numbers are its own.
 */
const TRUNKED_TASKS_BY_SIZE: Readonly<Record<string, number>> = {
  large: 10,
  xlarge: 20,
  "2xlarge": 40,
};

export interface NetworkInterfaceInfo {
  /** ENIs the instance takes, the primary one included. */
  readonly maxEnis: number;
  /** Whether ECS ENI trunking is available for this type. */
  readonly trunking: boolean;
  /** `awsvpc` tasks one instance can hold: one ENI each, beside the primary one. */
  readonly tasksWithoutTrunking: number;
  /** With `awsvpcTrunking` on (trunking types only; otherwise the same as without). */
  readonly tasksWithTrunking: number;
}

/** The ENI facts of a supported instance type; undefined for any other. */
export function networkInterfaceInfo(type: string): NetworkInterfaceInfo | undefined {
  if (instanceTypeInfo(type) === undefined) return undefined;
  const [family = "", size = ""] = type.split(".");
  const maxEnis = ENIS_BY_SIZE[size];
  if (maxEnis === undefined) return undefined;
  const trunked = TRUNKING_FAMILIES.has(family) ? TRUNKED_TASKS_BY_SIZE[size] : undefined;
  return {
    maxEnis,
    trunking: trunked !== undefined,
    tasksWithoutTrunking: maxEnis - 1,
    tasksWithTrunking: trunked ?? maxEnis - 1,
  };
}

/**
 * How many `awsvpc` tasks one instance of this type holds: with trunking on, the trunked limit of
 * a type that supports it; else one per ENI beside the primary one. Undefined for an unsupported
 * type. (ECS also places by CPU and memory: the smaller of the two limits applies.)
 */
export function awsvpcTasksPerInstance(type: string, trunkingEnabled: boolean): number | undefined {
  const info = networkInterfaceInfo(type);
  if (info === undefined) return undefined;
  return trunkingEnabled ? info.tasksWithTrunking : info.tasksWithoutTrunking;
}
