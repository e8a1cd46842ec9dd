import * as assert from "node:assert/strict";
import {
  describeMemoryOptions,
  FARGATE_CPUS,
  fargateMemoryOptions,
  fargateSizeProblem,
  isValidFargateSize,
} from "../components/config/worker";
import { backlogScaling, queueNameFromArn, queueUrlFromArn } from "../components/worker-queue";
import { fargateCapacityStrategy, workerImage } from "../components/worker";
import { promiseOf } from "./harness";

describe("Fargate task sizes (pure table)", () => {
  it("lists the CPU values AWS documents", () => {
    assert.deepEqual(FARGATE_CPUS, [256, 512, 1024, 2048, 4096, 8192, 16384]);
  });

  it("has each CPU's memory range, step and bounds as AWS documents them", () => {
    const expected: [number, number, number, number][] = [
      // cpu, first MiB, last MiB, step MiB
      [512, 1024, 4096, 1024],
      [1024, 2048, 8192, 1024],
      [2048, 4096, 16384, 1024],
      [4096, 8192, 30720, 1024],
      [8192, 16384, 61440, 4096],
      [16384, 32768, 122880, 8192],
    ];
    assert.deepEqual(fargateMemoryOptions(256), [512, 1024, 2048]);
    for (const [cpu, first, last, step] of expected) {
      const options = fargateMemoryOptions(cpu);
      assert.equal(options[0], first, `cpu ${cpu} first`);
      assert.equal(options[options.length - 1], last, `cpu ${cpu} last`);
      assert.equal(options.length, (last - first) / step + 1, `cpu ${cpu} count`);
      options.slice(1).forEach((m, i) => assert.equal(m - options[i]!, step));
    }
  });

  it("accepts the documented pairs", () => {
    for (const [cpu, memory] of [
      [256, 512],
      [256, 2048],
      [512, 3072],
      [1024, 8192],
      [2048, 9216],
      [4096, 30720],
      [8192, 20480],
      [16384, 122880],
    ] as const) {
      assert.ok(isValidFargateSize(cpu, memory), `${cpu}/${memory}`);
      assert.equal(fargateSizeProblem(cpu, memory), undefined);
    }
  });

  it("rejects every pair off the table", () => {
    const invalid: [number, number][] = [
      [256, 256],
      [256, 3072],
      [256, 4096],
      [512, 512],
      [512, 5120],
      [1024, 1024],
      [1024, 9216],
      [2048, 3072],
      [2048, 17408],
      [4096, 7168],
      [4096, 31744],
      [8192, 18432],
      [8192, 65536],
      [16384, 36864],
      [16384, 131072],
      [1000, 2048],
      [0, 0],
    ];
    for (const [cpu, memory] of invalid) {
      assert.equal(isValidFargateSize(cpu, memory), false, `${cpu}/${memory}`);
      assert.ok(fargateSizeProblem(cpu, memory), `${cpu}/${memory} has a message`);
    }
    // Every memory multiple of 512 up to 128 GiB that the table does not list, for every CPU.
    for (const cpu of FARGATE_CPUS) {
      for (let memory = 512; memory <= 131072; memory += 512) {
        const listed = fargateMemoryOptions(cpu).includes(memory);
        assert.equal(isValidFargateSize(cpu, memory), listed, `${cpu}/${memory}`);
      }
    }
  });

  it("lists the memory a CPU allows in its message", () => {
    assert.equal(describeMemoryOptions(256), "512, 1024, 2048");
    assert.equal(describeMemoryOptions(512), "1024, 2048, 3072, 4096");
    assert.equal(describeMemoryOptions(2048), "4096 to 16384 in steps of 1024");
    assert.equal(
      fargateSizeProblem(1024, 1024),
      "is not a Fargate size with cpu 1024: memory must be 2048 to 8192 in steps of 1024 MiB",
    );
  });
});

describe("worker helpers (pure)", () => {
  it("derives the backlog steps from the backlog one task handles", () => {
    assert.deepEqual(backlogScaling(100), {
      scaleOutThreshold: 100,
      scaleOutSteps: [
        { lowerBound: 0, upperBound: 100, change: 1 },
        { lowerBound: 100, upperBound: 400, change: 2 },
        { lowerBound: 400, upperBound: 900, change: 5 },
        { lowerBound: 900, change: 10 },
      ],
      scaleInThreshold: 0,
      scaleInSteps: [{ upperBound: 0, change: -1 }],
    });
    // Steps are contiguous from the threshold up, whatever the backlog.
    for (const backlog of [1, 7, 50, 1000]) {
      const steps = backlogScaling(backlog).scaleOutSteps;
      assert.equal(steps[0]!.lowerBound, 0);
      steps.slice(1).forEach((s, i) => assert.equal(s.lowerBound, steps[i]!.upperBound));
      assert.equal(steps[steps.length - 1]!.upperBound, undefined);
    }
  });

  it("turns an existing queue's ARN into its name and URL", () => {
    const arn = "arn:aws:sqs:eu-west-1:123456789012:mailers";
    assert.equal(queueNameFromArn(arn), "mailers");
    assert.equal(queueUrlFromArn(arn), "https://sqs.eu-west-1.amazonaws.com/123456789012/mailers");
  });

  it("lets a worker pull from the service repository it shares, or from its own private ECR image", async () => {
    const digest = `sha256:${"c".repeat(64)}`;
    const services = {
      api: {
        image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/vitcord/api@${digest}`,
        repositoryUrl: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/vitcord/api",
        repositoryName: "vitcord/api",
        registryId: "123456789012",
        release: { imageTag: "v6", imageDigest: digest, releasedBy: "alice" },
      },
    };
    const shared = workerImage({ repository: "api", imageTag: "v7" }, services);
    assert.equal(
      await promiseOf(shared.repositoryArn!),
      "arn:aws:ecr:eu-west-1:123456789012:repository/vitcord/api",
    );
    assert.equal(
      await promiseOf(shared.image),
      "123456789012.dkr.ecr.eu-west-1.amazonaws.com/vitcord/api:v7",
    );
    // Its own tag is its own release; by digest once one is recorded.
    assert.deepEqual(shared.release, {
      imageTag: "v7",
      imageDigest: undefined,
      releasedBy: undefined,
      releaseCommit: undefined,
    });
    const pinned = workerImage(
      { repository: "api", imageTag: "v7", imageDigest: `sha256:${"d".repeat(64)}` },
      services,
    );
    assert.equal(
      await promiseOf(pinned.image),
      `123456789012.dkr.ecr.eu-west-1.amazonaws.com/vitcord/api@sha256:${"d".repeat(64)}`,
    );
    // Without a tag of its own, the service's release: same image, same tags.
    const sameRelease = workerImage({ repository: "api" }, services);
    assert.equal(await promiseOf(sameRelease.image), services.api.image);
    assert.deepEqual(sameRelease.release, services.api.release);
    assert.equal(sameRelease.repository?.name, "vitcord/api");

    const ownEcr = workerImage(
      { image: "210987654321.dkr.ecr.us-east-1.amazonaws.com/tools/cron:3" },
      services,
    );
    assert.equal(ownEcr.repositoryArn, "arn:aws:ecr:us-east-1:210987654321:repository/tools/cron");

    const publicImage = workerImage({ image: "public.ecr.aws/docker/library/ruby:3.3" }, services);
    assert.equal(publicImage.repositoryArn, undefined);
  });

  it("puts the base on FARGATE and the rest on FARGATE_SPOT, or all on FARGATE", () => {
    assert.deepEqual(fargateCapacityStrategy({ enabled: true, base: 2 }), [
      { capacityProvider: "FARGATE", base: 2, weight: 0 },
      { capacityProvider: "FARGATE_SPOT", base: 0, weight: 1 },
    ]);
    assert.deepEqual(fargateCapacityStrategy({ enabled: true, base: 0 }), [
      { capacityProvider: "FARGATE_SPOT", base: 0, weight: 1 },
    ]);
    assert.deepEqual(fargateCapacityStrategy({ enabled: false, base: 3 }), [
      { capacityProvider: "FARGATE", base: 0, weight: 1 },
    ]);
  });
});
