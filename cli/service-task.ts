// One task of a workload's ECS service, as `restart --task` and `exec` pick it: by the id `ps`
// prints (or any longer prefix, or the task's ARN), or the newest running one.
import { DescribeTasksCommand, ECSClient, Task } from "@aws-sdk/client-ecs";
import { CliError } from "./errors";
import { describeTasks, listServiceTasks } from "./observe";
import type { OpsWorkload } from "./ops";
import { SHORT_ID_LENGTH, taskIdOf } from "./ps-view";

/** What `--task` names: a whole task (id or ARN) or the prefix of an id. */
export type TaskRef = { readonly task: string } | { readonly prefix: string };

/** An ECS task id is 32 hex characters; a task ARN is `arn:<partition>:ecs:…:task/…`. */
const TASK_ID = new RegExp(`^[0-9a-f]{${SHORT_ID_LENGTH},32}$`);
const TASK_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task\/\S+$/;

/** Parses `--task`; anything else is one line saying what it takes. */
export function parseTaskRef(text: string): TaskRef {
  if (TASK_ARN.test(text)) return { task: text };
  if (TASK_ID.test(text)) return text.length === 32 ? { task: text } : { prefix: text };
  throw new CliError(
    `Invalid --task ${JSON.stringify(text)}: a task id as \`ps\` shows it (${SHORT_ID_LENGTH} to 32 ` +
      "lowercase hex characters) or a task ARN.",
  );
}

/** The group ECS gives the tasks of the workload's service. */
const groupOf = (workload: OpsWorkload) => `service:${workload.entry.serviceName}`;

/**
 * The task `--task` names, checked to be a running task of the workload's service: DescribeTasks
 * gives its `group`, `service:<service name>` for the tasks a service starts (ECS API reference,
 * Task.group). A prefix is first matched against the service's running tasks (ListTasks).
 */
export async function findServiceTask(
  ecs: ECSClient,
  cluster: string,
  workload: OpsWorkload,
  ref: TaskRef,
): Promise<Task> {
  let task: string;
  if ("prefix" in ref) {
    const arns = await listServiceTasks(ecs, cluster, workload.entry.serviceName);
    const ids = arns.map(taskIdOf);
    const matches = ids.filter((id) => id.startsWith(ref.prefix));
    const running = ids.map((id) => id.slice(0, SHORT_ID_LENGTH)).join(", ") || "(none)";
    if (matches.length !== 1) {
      throw new CliError(
        matches.length === 0
          ? `No running task of ${workload.name} starts with ${ref.prefix}; its tasks: ${running}.`
          : `${ref.prefix} names ${matches.length} tasks of ${workload.name} (${matches.join(", ")}): give more of the id.`,
      );
    }
    task = arns[ids.indexOf(matches[0]!)]!;
  } else {
    task = ref.task;
  }
  const answer = await ecs.send(new DescribeTasksCommand({ cluster, tasks: [task] }));
  const found = answer.tasks?.[0];
  if (found === undefined) {
    const reason = answer.failures?.[0]?.reason;
    throw new CliError(
      `No task ${taskIdOf(task)} in cluster ${cluster}${reason !== undefined ? ` (ECS: ${reason})` : ""}: ` +
        `see \`npm run infra -- ps ${workload.name}\` for its tasks.`,
    );
  }
  const id = taskIdOf(found.taskArn);
  if (found.group !== groupOf(workload)) {
    throw new CliError(
      `Task ${id} is not a task of the ${workload.kind} ${workload.name}: its group is ` +
        `${found.group ?? "(none)"}, not ${groupOf(workload)}.`,
    );
  }
  if (found.desiredStatus !== "RUNNING") {
    throw new CliError(
      `Task ${id} of ${workload.name} is already stopped or stopping (last status ${found.lastStatus ?? "?"}).`,
    );
  }
  return found;
}

/** The service's newest task whose last status is RUNNING (by startedAt). */
export async function newestRunningTask(
  ecs: ECSClient,
  cluster: string,
  workload: OpsWorkload,
  stack: string,
): Promise<Task> {
  const arns = await listServiceTasks(ecs, cluster, workload.entry.serviceName);
  const tasks = [...(await describeTasks(ecs, cluster, arns)).values()]
    .filter((t) => t.lastStatus === "RUNNING")
    .sort((a, b) => (b.startedAt?.getTime() ?? 0) - (a.startedAt?.getTime() ?? 0));
  if (tasks[0] === undefined) {
    throw new CliError(
      `The ${workload.kind} ${workload.name} has no running task in stack ${stack}: ` +
        `see \`npm run infra -- ps ${workload.name} --stack ${stack}\`.`,
    );
  }
  return tasks[0];
}
