// ECS answers (DescribeServices, DescribeTasks) for the dev stack of tests/ops-fixtures.ts, for
// the tests of ps, status, restart and exec.
import type { Service, Task } from "@aws-sdk/client-ecs";
import { ACCOUNT, CLUSTER, REGION } from "./ops-fixtures";

export const NOW = Date.parse("2026-01-01T12:00:00Z");
export const minutesAgo = (minutes: number) => new Date(NOW - minutes * 60_000);

/** The manifest's ECS service name of a workload (workloadEntry). */
export const serviceNameOf = (name: string) => `${name}-service-5e6f7a8`;

/** `…:task-definition/dev-<name>:<revision>`. */
export const taskDefinition = (name: string, revision: number) =>
  `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/dev-${name}:${revision}`;

/** `…:task/<cluster>/<id>`. */
export const taskArn = (id: string) => `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${CLUSTER}/${id}`;

/** A 32-hex task id from a short seed: `id("a1")` → `a1a1a1…`. */
export const taskId = (seed: string) => seed.repeat(32).slice(0, 32);

export const digestOf = (c: string) => `sha256:${c.repeat(64)}`;

/** A steady service on revision 3 (the manifest's), one event. */
export function ecsService(name: string, extra: Partial<Service> = {}): Service {
  return {
    serviceName: serviceNameOf(name),
    status: "ACTIVE",
    desiredCount: 1,
    runningCount: 1,
    pendingCount: 0,
    deployments: [
      {
        id: `ecs-svc/${name}-3`,
        status: "PRIMARY",
        taskDefinition: taskDefinition(name, 3),
        rolloutState: "COMPLETED",
        failedTasks: 0,
      },
    ],
    events: [
      {
        createdAt: minutesAgo(5),
        message: `(service ${serviceNameOf(name)}) has reached a steady state.`,
      },
    ],
    ...extra,
  };
}

/** A running task of the workload's service, its container running image `tag`. */
export function ecsTask(name: string, id: string, extra: Partial<Task> = {}): Task {
  return {
    taskArn: taskArn(id),
    group: `service:${serviceNameOf(name)}`,
    taskDefinitionArn: taskDefinition(name, 3),
    lastStatus: "RUNNING",
    desiredStatus: "RUNNING",
    healthStatus: "HEALTHY",
    availabilityZone: "eu-west-1a",
    capacityProviderName: name === "jobs" ? "FARGATE_SPOT" : "dev-ec2",
    startedAt: minutesAgo(60),
    containers: [
      {
        name,
        image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/vitcord/api:v1.0.0`,
        imageDigest: digestOf("a"),
        runtimeId: `${id}-1234567890`,
        healthStatus: "HEALTHY",
        lastStatus: "RUNNING",
      },
    ],
    ...extra,
  };
}

/** A task of the service that crashed `minutes` ago (its essential container exited 1). */
export function crashedTask(name: string, id: string, minutes: number): Task {
  return ecsTask(name, id, {
    lastStatus: "STOPPED",
    desiredStatus: "STOPPED",
    stopCode: "EssentialContainerExited",
    stoppedReason: "Essential container in task exited",
    stoppedAt: minutesAgo(minutes),
    containers: [{ name, exitCode: 1, lastStatus: "STOPPED" }],
  });
}
