// The operations manifest as the runtime commands read it (cli/ops.ts): the stack's parameter,
// then its workloads' ten at a time, joined and validated; against a mocked SSM client.
import * as assert from "node:assert/strict";
import { GetParameterCommand, GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { createAwsClients } from "../cli/aws";
import { readManifest } from "../cli/ops";
import type { StackInfo } from "../cli/workloads";
import { splitManifest } from "../components/ops-manifest";
import { devManifest, publishManifest, REGION, workloadEntry } from "./ops-fixtures";

const INFO: StackInfo = {
  stack: "dev",
  environment: "dev",
  region: REGION,
  services: [],
  workers: [],
};

/** The message of what a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected a rejection");
}

describe("cli/ops: reading the operations manifest", () => {
  const ssm = mockClient(SSMClient);
  const aws = createAwsClients(REGION);
  beforeEach(() => ssm.reset());
  after(() => ssm.restore());

  it("reads the stack's parameter, then its workloads' ten names per GetParameters call", async () => {
    const many = Object.fromEntries(
      Array.from({ length: 12 }, (_v, i) => [`w${String(i).padStart(2, "0")}`, undefined]),
    );
    const workloads = Object.fromEntries(
      Object.keys(many).map((name) => [name, workloadEntry(name, "worker")]),
    );
    const manifest = devManifest(workloads);
    publishManifest(ssm, manifest);
    assert.deepEqual(await readManifest(aws, INFO), manifest);
    assert.deepEqual(ssm.commandCalls(GetParameterCommand)[0]?.args[0].input, {
      Name: "/vitcord/dev/ops",
    });
    const names = ssm.commandCalls(GetParametersCommand).map((c) => c.args[0].input.Names);
    assert.deepEqual(
      names.map((n) => n?.length),
      [10, 5],
    );
    assert.equal(names[0]![0], "/vitcord/dev/ops/workloads/api");
  });

  it("says to redeploy when a listed workload's parameter is missing", async () => {
    const manifest = devManifest();
    const { stack } = splitManifest(manifest);
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify(stack) } });
    ssm.on(GetParametersCommand).resolves({
      Parameters: [
        { Name: "/vitcord/dev/ops/workloads/api", Value: JSON.stringify(manifest.workloads.api) },
      ],
      InvalidParameters: ["/vitcord/dev/ops/workloads/jobs"],
    });
    assert.equal(
      await rejection(readManifest(aws, INFO)),
      "The operations manifest of stack dev is incomplete (missing /vitcord/dev/ops/workloads/jobs): " +
        "redeploy the stack (npm run infra -- up --stack dev).",
    );
  });

  it("refuses a manifest of another version, and a workload entry that does not parse", async () => {
    const { stack } = splitManifest(devManifest());
    ssm.on(GetParameterCommand).resolves({
      Parameter: { Value: JSON.stringify({ ...stack, version: 2 }) },
    });
    assert.equal(
      await rejection(readManifest(aws, INFO)),
      "The operations manifest /vitcord/dev/ops has version 2, and this CLI reads version 1: " +
        "update the CLI (git pull) or redeploy the stack with this one.",
    );
    ssm.reset();
    publishManifest(
      ssm,
      devManifest({ jobs: { ...workloadEntry("jobs", "worker"), subnetIds: [] } }),
    );
    assert.equal(
      await rejection(readManifest(aws, INFO)),
      "The operations manifest under /vitcord/dev/ops is not valid at workloads.jobs.subnetIds: " +
        "Too small: expected array to have >=1 items. Redeploy the stack (npm run infra -- up).",
    );
  });

  it("names the missing permission when SSM denies the read", async () => {
    const denied = Object.assign(new Error("User is not authorized to perform ssm:GetParameter"), {
      name: "AccessDeniedException",
    });
    ssm.on(GetParameterCommand).rejects(denied);
    assert.equal(
      await rejection(readManifest(aws, INFO)),
      "Not allowed to read the operations manifest /vitcord/dev/ops (ssm:GetParameter, " +
        "ssm:GetParameters): use a role with docs/iam/operator-readonly.json. AWS said: " +
        "User is not authorized to perform ssm:GetParameter",
    );
  });
});
