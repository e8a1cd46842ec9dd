// The stack-output contract between index.ts and the operations CLI: the real program, run for
// dev and prod under mocks, exports everything `run`, `logs`, `status` and `releases` read.
import * as assert from "node:assert/strict";
import type { ContainerDefinition } from "@aws-sdk/client-ecs";
import type { OutputMap } from "@pulumi/pulumi/automation";
import { logStreamOf } from "../cli/logs-stream";
import { loadStack, readOutputs, workloadOutputs } from "../cli/workloads";
import { repositoryName } from "../components/config/registry";
import { publishedManifest } from "./ops-program";
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

    it("exports, for every workload, the revision this update registered and its release", () => {
      const info = loadStack(stack, PROJECT_DIR);
      const definitions = run.ofType("aws:ecs/taskDefinition:TaskDefinition");
      const exported = (key: "services" | "workers", name: string) =>
        (run.outputs[key] as Record<string, Record<string, unknown>>)[name]!;
      for (const [key, names] of [
        ["services", info.services],
        ["workers", info.workers],
      ] as const) {
        for (const name of names) {
          const entry = exported(key, name);
          const definition = definitions.find((d) => d.state.arn === entry.taskDefinitionArn);
          assert.ok(definition, `${name}.taskDefinitionArn is a registered task definition`);
          assert.equal(definition.inputs.skipDestroy, true, `${name}: revisions are kept`);
          assert.equal(definition.inputs.family, entry.taskDefinitionFamily);
          const tags = definition.inputs.tags as Record<string, string>;
          assert.equal(tags["vitcord:image-tag"], entry.imageTag, `${name}: tag and output agree`);
        }
      }
      for (const name of info.services) {
        // The repository `release` resolves tags in, the same name in every stack.
        assert.equal(exported("services", name).repositoryName, repositoryName(name));
        assert.match(String(exported("services", name).registryId), /^\d{12}$/);
      }
      // Prod runs released images from the repositories (and jobs runs the api's release).
      if (stack === "prod") {
        assert.equal(exported("services", "api").imageTag, "1.0.0");
        assert.equal(exported("workers", "jobs").repositoryName, "vitcord/api");
        assert.equal(exported("workers", "jobs").imageTag, "1.0.0");
      } else {
        assert.equal(exported("services", "api").imageTag, undefined, "dev runs a public image");
      }
    });

    it("publishes the same workloads in the operations manifest as in the stack outputs", () => {
      // The runtime commands read the manifest, the deploy commands the outputs: they agree.
      const manifest = publishedManifest(run, stack);
      assert.equal(manifest.cluster.name, run.outputs.clusterName);
      assert.equal(manifest.cluster.arn, run.outputs.clusterArn);
      assert.equal(manifest.cluster.capacityProviderName, run.outputs.capacityProviderName);
      for (const key of ["services", "workers"] as const) {
        const exported = run.outputs[key] as Record<string, Record<string, unknown>>;
        for (const [name, output] of Object.entries(exported)) {
          const entry = manifest.workloads[name]!;
          assert.equal(entry.kind, key === "services" ? "service" : "worker");
          for (const field of [
            "serviceName",
            "taskDefinitionArn",
            "taskDefinitionFamily",
            "logGroupName",
            "containerName",
            "repositoryName",
            "registryId",
            "queueUrl",
          ] as const) {
            assert.equal(entry[field], output[field], `${name}.${field}`);
          }
          assert.equal(entry.securityGroupIds[0], output.securityGroupId, `${name}: its own group`);
          assert.deepEqual(entry.subnetIds, output.subnetIds, `${name}.subnetIds`);
          if (key === "services") assert.equal(entry.loadBalancer?.url, output.url, name);
        }
      }
    });
  });
}
