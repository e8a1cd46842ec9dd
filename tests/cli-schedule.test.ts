// `wake` and `sleep` (issue 16): the off-hours override through the AWS SDK alone, against mocked
// Application Auto Scaling, EC2 Auto Scaling, RDS, SSM and STS clients: the exact inputs, the
// verification after, and the refusals.
import * as assert from "node:assert/strict";
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  UpdateAutoScalingGroupCommand,
} from "@aws-sdk/client-auto-scaling";
import {
  DescribeDBInstancesCommand,
  RDSClient,
  StartDBInstanceCommand,
  StopDBInstanceCommand,
} from "@aws-sdk/client-rds";
import { SSMClient } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import type { OpsManifest, ScheduleManifest } from "../components/ops-manifest";
import { runCli } from "./cli-context";
import { CLUSTER, devManifest, publishManifest } from "./ops-fixtures";

const GROUP = "cluster-instances-9ed6eec";
const SCHEDULE: ScheduleManifest = {
  timezone: "Europe/Madrid",
  wake: "Mon-Fri 08:00",
  sleep: "Mon-Fri 20:00",
  autoScalingGroupName: GROUP,
  clusterMinSize: 1,
  clusterMaxSize: 4,
  workloads: {
    api: { min: 1, max: 4 },
    jobs: { min: 1, max: 2 },
    notifications: { min: 1, max: 1 },
  },
  databaseIdentifiers: ["dev-main"],
};

function scheduledManifest(): OpsManifest {
  return { ...devManifest(), schedule: SCHEDULE };
}

/** The scalable target id of a workload, as ops-fixtures names its ECS service. */
function resourceId(manifest: OpsManifest, workload: string): string {
  return `service/${CLUSTER}/${manifest.workloads[workload]!.serviceName}`;
}

describe("infra CLI: wake and sleep", () => {
  const sts = mockClient(STSClient);
  const ssm = mockClient(SSMClient);
  const scaling = mockClient(ApplicationAutoScalingClient);
  const groups = mockClient(AutoScalingClient);
  const rds = mockClient(RDSClient);
  const mocks = [sts, ssm, scaling, groups, rds];
  const manifest = scheduledManifest();

  /** AWS answers describes as if every write took effect; `dbStatus` before and after. */
  function awsAgrees(dbBefore: string, dbAfter: string): void {
    const ranges = new Map<string, { min: number; max: number }>();
    scaling
      .on(RegisterScalableTargetCommand)
      .callsFake((input: { ResourceId: string; MinCapacity: number; MaxCapacity: number }) => {
        ranges.set(input.ResourceId, { min: input.MinCapacity, max: input.MaxCapacity });
        return {};
      });
    scaling.on(DescribeScalableTargetsCommand).callsFake(() => ({
      ScalableTargets: [...ranges].map(([id, range]) => ({
        ResourceId: id,
        MinCapacity: range.min,
        MaxCapacity: range.max,
      })),
    }));
    let group = { MinSize: 1, MaxSize: 4, DesiredCapacity: 1 };
    groups.on(UpdateAutoScalingGroupCommand).callsFake((input: Record<string, number>) => {
      group = {
        MinSize: input.MinSize!,
        MaxSize: input.MaxSize!,
        DesiredCapacity: input.DesiredCapacity ?? Math.max(group.DesiredCapacity, input.MinSize!),
      };
      return {};
    });
    groups.on(DescribeAutoScalingGroupsCommand).callsFake(() => ({
      AutoScalingGroups: [{ AutoScalingGroupName: GROUP, ...group }],
    }));
    let status = dbBefore;
    rds.on(DescribeDBInstancesCommand).callsFake(() => ({
      DBInstances: [{ DBInstanceIdentifier: "dev-main", DBInstanceStatus: status }],
    }));
    rds.on(StartDBInstanceCommand).callsFake(() => ((status = dbAfter), {}));
    rds.on(StopDBInstanceCommand).callsFake(() => ((status = dbAfter), {}));
  }

  beforeEach(() => {
    for (const mock of mocks) mock.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Arn: "arn:aws:iam::123456789012:user/dev" });
    publishManifest(ssm, manifest);
  });
  after(() => mocks.forEach((mock) => mock.restore()));

  it("wake: starts the database, gives the group its sizes and each service its range", async () => {
    awsAgrees("stopped", "starting");
    const run = await runCli(["wake", "--stack", "dev"]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(rds.commandCalls(StartDBInstanceCommand)[0]?.args[0].input, {
      DBInstanceIdentifier: "dev-main",
    });
    assert.equal(rds.commandCalls(StopDBInstanceCommand).length, 0);
    // MinSize alone raises the desired capacity; ECS managed scaling does the rest.
    assert.deepEqual(groups.commandCalls(UpdateAutoScalingGroupCommand)[0]?.args[0].input, {
      AutoScalingGroupName: GROUP,
      MinSize: 1,
      MaxSize: 4,
    });
    assert.deepEqual(
      scaling.commandCalls(RegisterScalableTargetCommand).map((c) => c.args[0].input),
      [
        ["api", 1, 4],
        ["jobs", 1, 2],
        ["notifications", 1, 1],
      ].map(([workload, min, max]) => ({
        ServiceNamespace: "ecs",
        ScalableDimension: "ecs:service:DesiredCount",
        ResourceId: resourceId(manifest, workload as string),
        MinCapacity: min,
        MaxCapacity: max,
      })),
    );
    assert.equal(
      run.stdout,
      `Woke stack dev: tasks api 1–4, jobs 1–2, notifications 1–1; Auto Scaling group ${GROUP} min 1, max 4; ` +
        "RDS dev-main starting. ECS starts the tasks as instances join (a few minutes); the schedule " +
        "puts it to sleep again at Mon-Fri 20:00 (Europe/Madrid).\n",
    );
  });

  it("sleep: every service to 0 tasks, the group to 0 instances, the database stopped", async () => {
    awsAgrees("available", "stopping");
    const run = await runCli(["sleep", "--stack", "dev"]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      scaling.commandCalls(RegisterScalableTargetCommand).map((c) => c.args[0].input),
      ["api", "jobs", "notifications"].map((workload) => ({
        ServiceNamespace: "ecs",
        ScalableDimension: "ecs:service:DesiredCount",
        ResourceId: resourceId(manifest, workload),
        MinCapacity: 0,
        MaxCapacity: 0,
      })),
    );
    assert.deepEqual(groups.commandCalls(UpdateAutoScalingGroupCommand)[0]?.args[0].input, {
      AutoScalingGroupName: GROUP,
      MinSize: 0,
      MaxSize: 0,
      DesiredCapacity: 0,
    });
    assert.deepEqual(rds.commandCalls(StopDBInstanceCommand)[0]?.args[0].input, {
      DBInstanceIdentifier: "dev-main",
    });
    assert.equal(rds.commandCalls(StartDBInstanceCommand).length, 0);
    assert.match(
      run.stdout,
      /^Put stack dev to sleep: tasks api 0–0, jobs 0–0, notifications 0–0;/,
    );
  });

  it("wake leaves an available database alone (no StartDBInstance, which RDS would refuse)", async () => {
    awsAgrees("available", "available");
    const run = await runCli(["wake", "--stack", "dev"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(rds.commandCalls(StartDBInstanceCommand).length, 0);
  });

  it("exits 1 naming what AWS did not do when the describe after disagrees", async () => {
    awsAgrees("available", "stopping");
    // The group stays as it was: UpdateAutoScalingGroup "succeeded" but nothing changed.
    groups.on(UpdateAutoScalingGroupCommand).resolves({});
    groups.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [
        { AutoScalingGroupName: GROUP, MinSize: 1, MaxSize: 4, DesiredCapacity: 1 },
      ],
    } as never);
    const run = await runCli(["sleep", "--stack", "dev"]);
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      "error: sleep of stack dev did not fully happen:\n" +
        `  - Auto Scaling group ${GROUP}: asked for min 0, max 0, AWS reports min 1, max 4, desired 1\n`,
    );
  });

  it("exits 1 when a database cannot be switched now, without calling RDS to", async () => {
    awsAgrees("backing-up", "backing-up");
    const run = await runCli(["sleep", "--stack", "dev"]);
    assert.equal(run.code, 1);
    assert.equal(rds.commandCalls(StopDBInstanceCommand).length, 0);
    assert.equal(
      run.stderr,
      "error: sleep of stack dev did not fully happen:\n" +
        "  - RDS dev-main is backing-up: it can be stopped only when available; run sleep again in a few minutes\n",
    );
  });

  it("refuses a stack whose manifest has no schedule, changing nothing", async () => {
    publishManifest(ssm, devManifest());
    const run = await runCli(["wake", "--stack", "dev"]);
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      "error: Stack dev has no off-hours schedule (vitcord-infra:schedule), so it never sleeps: there is nothing to wake.\n",
    );
    assert.equal(scaling.commandCalls(RegisterScalableTargetCommand).length, 0);
    assert.equal(groups.commandCalls(UpdateAutoScalingGroupCommand).length, 0);
    assert.equal(rds.calls().length, 0);
  });
});
