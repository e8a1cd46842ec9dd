// One synthesis shared by tests/ops-manifest.test.ts and tests/worker.test.ts (the harness
// memoizes it): the dev stack with config vars in SSM and ECS Exec on for the jobs worker. And the
// manifest a synthesized program publishes, joined as the CLI joins it.
import { readStackConfig } from "../components/config/stack-files";
import {
  OpsManifest,
  opsManifestSchema,
  opsManifestParameterName,
  opsStackPartSchema,
  opsWorkloadParameterName,
} from "../components/ops-manifest";
import { ProgramRun, runProgram } from "./harness";

/** The manifest a run published (the stack's parameter and its workloads'), parsed and joined. */
export function publishedManifest(run: ProgramRun, stack: string): OpsManifest {
  const value = (name: string) => {
    const parameter = run.ofType("aws:ssm/parameter:Parameter").find((p) => p.inputs.name === name);
    if (parameter === undefined) throw new Error(`no SSM parameter ${name}`);
    return JSON.parse(parameter.inputs.insecureValue as string) as Record<string, unknown>;
  };
  const stackPart = opsStackPartSchema.parse(value(opsManifestParameterName(stack)));
  return opsManifestSchema.parse({
    ...stackPart,
    workloads: Object.fromEntries(
      stackPart.workloads.map((w) => [w, value(opsWorkloadParameterName(stack, w))]),
    ),
  });
}

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
