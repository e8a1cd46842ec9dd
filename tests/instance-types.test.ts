import * as assert from "node:assert/strict";
import {
  architectureOf,
  awsvpcTasksPerInstance,
  networkInterfaceInfo,
  ECS_RESERVED_MEMORY_MIB,
  ecsOptimizedAmiParameter,
  INSTANCE_TYPES,
  instanceTypeInfo,
  minimumSchedulableCapacity,
  schedulableCapacity,
} from "../components/config";

describe("instance types", () => {
  it("knows the sizes of every supported family", () => {
    assert.deepEqual(instanceTypeInfo("t4g.medium"), {
      architecture: "arm64",
      vcpu: 2,
      memoryMiB: 4096,
    });
    assert.deepEqual(instanceTypeInfo("m7i.2xlarge"), {
      architecture: "x86_64",
      vcpu: 8,
      memoryMiB: 32768,
    });
    assert.deepEqual(instanceTypeInfo("c7g.large"), {
      architecture: "arm64",
      vcpu: 2,
      memoryMiB: 4096,
    });
    assert.deepEqual(instanceTypeInfo("r6g.xlarge"), {
      architecture: "arm64",
      vcpu: 4,
      memoryMiB: 32768,
    });
    assert.deepEqual(instanceTypeInfo("t3a.small"), {
      architecture: "x86_64",
      vcpu: 2,
      memoryMiB: 2048,
    });
  });

  it("covers t3/t3a/t4g small..xlarge, m/c 6-7 large..2xlarge and r6g/r7g large..xlarge", () => {
    const expected = [
      ...["t3", "t3a", "t4g"].flatMap((f) =>
        ["small", "medium", "large", "xlarge"].map((s) => `${f}.${s}`),
      ),
      ...["m6i", "m6g", "m7g", "m7i", "c6i", "c6g", "c7g"].flatMap((f) =>
        ["large", "xlarge", "2xlarge"].map((s) => `${f}.${s}`),
      ),
      ...["r6g", "r7g"].flatMap((f) => ["large", "xlarge"].map((s) => `${f}.${s}`)),
    ];
    for (const type of expected) assert.ok(INSTANCE_TYPES[type], `${type} is missing`);
  });

  it("marks exactly the Graviton families as arm64", () => {
    for (const [type, info] of Object.entries(INSTANCE_TYPES)) {
      const graviton = /^[a-z]\dg\./.test(type);
      assert.equal(info.architecture, graviton ? "arm64" : "x86_64", type);
    }
  });

  it("returns undefined for unknown types, sizes and prototype keys", () => {
    for (const type of ["t2.micro", "m7g.metal", "t4g.nano", "toString", "", "M7G.LARGE"]) {
      assert.equal(instanceTypeInfo(type), undefined, type);
      assert.equal(schedulableCapacity(type), undefined, type);
    }
  });

  it("gives the architecture of a list only when all types share one", () => {
    assert.equal(architectureOf(["t4g.medium", "t4g.large", "m7g.large"]), "arm64");
    assert.equal(architectureOf(["t3.large", "m6i.large"]), "x86_64");
    assert.equal(architectureOf(["t4g.large", "t3.large"]), undefined);
    assert.equal(architectureOf(["t4g.large", "x9.large"]), undefined);
    assert.equal(architectureOf([]), undefined);
  });

  it("subtracts the kernel overhead and ECS_RESERVED_MEMORY from the memory tasks can use", () => {
    assert.equal(ECS_RESERVED_MEMORY_MIB, 256);
    // 4096 × 0.94 = 3850.24 → 3850, less 256.
    assert.deepEqual(schedulableCapacity("t4g.medium"), { cpu: 2048, memoryMiB: 3594 });
    // 8192 × 0.94 = 7700.48 → 7700, less 256.
    assert.deepEqual(schedulableCapacity("m7g.large"), { cpu: 2048, memoryMiB: 7444 });
    assert.deepEqual(schedulableCapacity("c6i.2xlarge"), { cpu: 8192, memoryMiB: 15144 });
  });

  it("never offers tasks a full instance's memory or more CPU than it has", () => {
    for (const [type, info] of Object.entries(INSTANCE_TYPES)) {
      const capacity = schedulableCapacity(type)!;
      assert.equal(capacity.cpu, info.vcpu * 1024, type);
      assert.ok(capacity.memoryMiB < info.memoryMiB - ECS_RESERVED_MEMORY_MIB, type);
      assert.ok(capacity.memoryMiB > info.memoryMiB * 0.8, type);
    }
  });

  it("sizes a task for the smallest of several types, CPU and memory each", () => {
    // c7g.xlarge has more CPU (4 vCPU, 8 GiB), r7g.large more memory (2 vCPU, 16 GiB).
    assert.deepEqual(minimumSchedulableCapacity(["c7g.xlarge", "r7g.large"]), {
      cpu: 2048,
      memoryMiB: schedulableCapacity("c7g.xlarge")!.memoryMiB,
    });
    assert.deepEqual(minimumSchedulableCapacity(["t4g.large"]), schedulableCapacity("t4g.large"));
    assert.equal(minimumSchedulableCapacity([]), undefined);
    assert.equal(minimumSchedulableCapacity(["t4g.large", "nope.large"]), undefined);
  });

  it("names the public SSM parameter of the ECS-optimized AL2023 AMI per architecture", () => {
    assert.equal(
      ecsOptimizedAmiParameter("x86_64"),
      "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id",
    );
    assert.equal(
      ecsOptimizedAmiParameter("arm64"),
      "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id",
    );
  });

  it("knows each type's ENIs and whether ECS ENI trunking raises its awsvpc task limit", () => {
    assert.deepEqual(networkInterfaceInfo("t4g.medium"), {
      maxEnis: 3,
      trunking: false,
      tasksWithoutTrunking: 2,
      tasksWithTrunking: 2,
    });
    assert.deepEqual(networkInterfaceInfo("m7g.large"), {
      maxEnis: 3,
      trunking: true,
      tasksWithoutTrunking: 2,
      tasksWithTrunking: 10,
    });
    assert.equal(awsvpcTasksPerInstance("t4g.xlarge", true), 3, "no trunking for t4g");
    assert.equal(awsvpcTasksPerInstance("m6g.xlarge", false), 3);
    assert.equal(awsvpcTasksPerInstance("m6g.xlarge", true), 20);
    assert.equal(awsvpcTasksPerInstance("c7g.2xlarge", true), 40);
    assert.equal(awsvpcTasksPerInstance("x9.large", true), undefined);
    for (const type of Object.keys(INSTANCE_TYPES)) {
      assert.ok(networkInterfaceInfo(type) !== undefined, `${type} has no ENI entry`);
    }
  });
});
