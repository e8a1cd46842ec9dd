// A new revision of the task definition a service runs, with its essential container's `secrets`
// changed (config:set of a new name, config:unset). The program does the same at deploy time: it
// reads every parameter under the workload's config path and adds one `secrets` entry
// `{ name: <NAME>, valueFrom: <parameter ARN> }` per parameter, sorted by name like
// components/task.ts; so the revision the CLI registers has the shape the next `pulumi up`
// registers, and that up keeps the vars (it reads their names, not the CLI's revision).
import {
  ContainerDefinition,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RegisterTaskDefinitionCommandInput,
  Tag,
  TaskDefinition,
} from "@aws-sdk/client-ecs";
import { CliError } from "./errors";
import { revisionName } from "./rollout";

/** A `secrets` entry of a container definition. */
export interface SecretRef {
  readonly name: string;
  readonly valueFrom: string;
}

/**
 * What RegisterTaskDefinition takes of a described definition. A list of what to keep rather
 * than of what to drop: DescribeTaskDefinition also returns read-only fields (taskDefinitionArn,
 * revision, status, requiresAttributes, compatibilities, registeredAt, registeredBy,
 * deregisteredAt, deleteRequestedAt) that RegisterTaskDefinition refuses, and may return new ones.
 */
const REGISTER_FIELDS = [
  "family",
  "taskRoleArn",
  "executionRoleArn",
  "networkMode",
  "containerDefinitions",
  "volumes",
  "placementConstraints",
  "requiresCompatibilities",
  "cpu",
  "memory",
  "pidMode",
  "ipcMode",
  "proxyConfiguration",
  "inferenceAccelerators",
  "ephemeralStorage",
  "runtimePlatform",
  "enableFaultInjection",
] as const satisfies readonly (keyof TaskDefinition & keyof RegisterTaskDefinitionCommandInput)[];

/**
 * The RegisterTaskDefinition input that registers `described` again, unchanged: its registrable
 * fields and its tags (DescribeTaskDefinition returns them beside the definition with
 * `include: ["TAGS"]`; an empty list is left out).
 */
export function registerInputOf(
  described: TaskDefinition,
  tags: readonly Tag[] | undefined,
): RegisterTaskDefinitionCommandInput {
  const input: Record<string, unknown> = {};
  for (const field of REGISTER_FIELDS) {
    if (described[field] !== undefined) input[field] = described[field];
  }
  if (tags !== undefined && tags.length > 0) input.tags = [...tags];
  return input as unknown as RegisterTaskDefinitionCommandInput;
}

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);

/**
 * `container` with `add` in its secrets (replacing an entry of the same name and parameter) and
 * the names in `remove` gone, sorted by name. A name the container already sets otherwise (in
 * `environment`, or in `secrets` from another source) is refused: ECS would reject the
 * definition, and the stack file owns that name.
 */
export function withConfigSecrets(
  container: ContainerDefinition,
  add: readonly SecretRef[],
  remove: readonly string[] = [],
): ContainerDefinition {
  const name = container.name ?? "(unnamed)";
  const current = (container.secrets ?? []).map((s) => ({
    name: s.name ?? "",
    valueFrom: s.valueFrom ?? "",
  }));
  for (const ref of add) {
    const inEnvironment = (container.environment ?? []).some((e) => e.name === ref.name);
    const other = current.find((s) => s.name === ref.name && s.valueFrom !== ref.valueFrom);
    if (inEnvironment || other !== undefined) {
      throw new CliError(
        `Container ${name} already sets ${ref.name} in its ${inEnvironment ? "environment" : `secrets (from ${other!.valueFrom})`}: ` +
          `the stack file owns that name; change it there or pick another name.`,
      );
    }
  }
  const replaced = new Set([...add.map((s) => s.name), ...remove]);
  const secrets = [...current.filter((s) => !replaced.has(s.name)), ...add].sort(byName);
  return { ...container, secrets };
}

/** The service's running revision: its PRIMARY deployment's task definition, described. */
export interface RunningRevision {
  readonly taskDefinitionArn: string;
  readonly taskDefinition: TaskDefinition;
  readonly tags: readonly Tag[] | undefined;
}

/** Reads the task definition the service's PRIMARY deployment runs, with its tags. */
export async function describeRunningRevision(
  ecs: ECSClient,
  cluster: string,
  serviceName: string,
): Promise<RunningRevision> {
  const described = await ecs.send(
    new DescribeServicesCommand({ cluster, services: [serviceName] }),
  );
  const primary = described.services?.[0]?.deployments?.find((d) => d.status === "PRIMARY");
  if (primary?.taskDefinition === undefined) {
    throw new CliError(
      `ECS service ${serviceName} (cluster ${cluster}) has no PRIMARY deployment: deploy the stack first.`,
    );
  }
  const taskDefinitionArn = primary.taskDefinition;
  const result = await ecs.send(
    new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn, include: ["TAGS"] }),
  );
  if (result.taskDefinition === undefined) {
    throw new CliError(`ECS did not describe ${revisionName(taskDefinitionArn)}.`);
  }
  return { taskDefinitionArn, taskDefinition: result.taskDefinition, tags: result.tags };
}

/** The essential container's secrets in a revision (empty when it has none). */
export function containerSecrets(revision: RunningRevision, containerName: string): SecretRef[] {
  return (containerOf(revision, containerName).secrets ?? []).map((s) => ({
    name: s.name ?? "",
    valueFrom: s.valueFrom ?? "",
  }));
}

function containerOf(revision: RunningRevision, containerName: string): ContainerDefinition {
  const container = revision.taskDefinition.containerDefinitions?.find(
    (c) => c.name === containerName,
  );
  if (container === undefined) {
    throw new CliError(
      `${revisionName(revision.taskDefinitionArn)} has no container ${containerName}: redeploy the stack (npm run infra -- up).`,
    );
  }
  return container;
}

/**
 * The RegisterTaskDefinition input of `revision` with the container's secrets changed (pure:
 * the caller registers it), so that tests can check the whole definition.
 */
export function revisionWithSecrets(
  revision: RunningRevision,
  containerName: string,
  add: readonly SecretRef[],
  remove: readonly string[] = [],
): RegisterTaskDefinitionCommandInput {
  containerOf(revision, containerName);
  const input = registerInputOf(revision.taskDefinition, revision.tags);
  return {
    ...input,
    containerDefinitions: (input.containerDefinitions ?? []).map((c) =>
      c.name === containerName ? withConfigSecrets(c, add, remove) : c,
    ),
  };
}

/** Registers the input and returns the new revision's ARN. */
export async function registerRevision(
  ecs: ECSClient,
  input: RegisterTaskDefinitionCommandInput,
): Promise<string> {
  const registered = await ecs.send(new RegisterTaskDefinitionCommand(input));
  const arn = registered.taskDefinition?.taskDefinitionArn;
  if (arn === undefined) throw new CliError(`ECS registered no revision of ${input.family}.`);
  return arn;
}
