// One synthesis shared by tests/ops-manifest.test.ts and tests/worker.test.ts (the harness
// memoizes it): the dev stack with config vars in SSM and ECS Exec on for the jobs worker.
import { readStackConfig } from "../components/config/stack-files";
import { ProgramRun, runProgram } from "./harness";

/** Config vars in the stand-in account: two for dev's workloads, and two the program must skip. */
export const CONFIG_VAR_PARAMETERS = [
  "/vitcord/dev/config/api/FEATURE_FLAG",
  // Deeper than the workload's path: not a var of api (the program reads non-recursively).
  "/vitcord/dev/config/api/nested/DEEP",
  "/vitcord/dev/config/jobs/WORKER_MODE",
  // Another stack's.
  "/vitcord/prod/config/api/OTHER_STACK",
];

/** The dev stack as committed, with `workers.jobs.execEnabled: true` and the config vars above. */
export function devWithConfigVarsAndWorkerExec(): Promise<ProgramRun> {
  const workers = JSON.parse(readStackConfig("dev")["vitcord-infra:workers"]!) as Record<
    string,
    Record<string, unknown>
  >;
  return runProgram(
    "dev",
    { workers: { ...workers, jobs: { ...workers.jobs, execEnabled: true } } },
    { ssmParameters: CONFIG_VAR_PARAMETERS },
  );
}
