// The stack-output contract between index.ts and the operations CLI: the real program, run for
// dev and prod under mocks, exports everything `run`, `logs`, `status` and `releases` read.
import * as assert from "node:assert/strict";
import type { ContainerDefinition } from "@aws-sdk/client-ecs";
import type { OutputMap } from "@pulumi/pulumi/automation";
import { logStreamOf } from "../cli/logs-stream";
import { runTaskInput } from "../cli/run-task";
import { loadStack, readOutputs, workloadOutputs } from "../cli/workloads";
import { PROJECT_DIR } from "../components/config/stack-files";
import { ProgramRun, runProgram } from "./harness";

function outputMap(run: ProgramRun): OutputMap {
  return Object.fromEntries(
    Object.entries(run.outputs).map(([key, value]) => [key, { value, secret: false }]),
  );
}

for (const stack of ["dev", "prod"]) {
  describe(`infra CLI ↔ ${stack} stack outputs`, () => {
    let run: ProgramRun;
    before(async () => {
      run = await runProgram(stack);
    });

    it("has the api and notifications services and the jobs worker configured", () => {
      const info = loadStack(stack, PROJECT_DIR);
      assert.deepEqual(info.services, ["api", "notifications"]);
      assert.deepEqual(info.workers, ["jobs"]);
    });

    it("exports, for every workload, what a one-off task and its logs need", () => {
      const info = loadStack(stack, PROJECT_DIR);
      const outputs = readOutputs(outputMap(run));
      assert.ok(outputs.clusterName, "clusterName");
      const definitions = run.ofType("aws:ecs/taskDefinition:TaskDefinition");
      const workloads = [
        ...info.services.map((name) => ({ name, kind: "service" as const })),
        ...info.workers.map((name) => ({ name, kind: "worker" as const })),
      ];
      for (const workload of workloads) {
        const entry = workloadOutputs(outputs, workload, stack);
        const input = runTaskInput(workload, entry, outputs, stack, ["true"]);
        assert.equal(input.overrides?.containerOverrides?.[0]?.name, workload.name);
        assert.ok(entry.serviceName, `${workload.name}.serviceName`);
        assert.ok((entry.subnetIds ?? []).length >= 2, `${workload.name}.subnetIds`);

        // The family the CLI runs is a registered task definition whose container of the
        // workload's name logs (awslogs) to the log group the CLI reads.
        const definition = definitions.find((d) => d.inputs.family === entry.taskDefinitionFamily);
        assert.ok(definition, `a task definition with family ${entry.taskDefinitionFamily}`);
        const containers = JSON.parse(
          definition.inputs.containerDefinitions as string,
        ) as ContainerDefinition[];
        const container = containers.find((c) => c.name === workload.name);
        assert.equal(logStreamOf(container, "t1")?.logGroupName, entry.logGroupName);
      }
    });
  });
}
