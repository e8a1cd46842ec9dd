import * as assert from "node:assert/strict";
import { databaseIdentifier, rdsLogGroupName } from "../components/database";
import { shortHash } from "../plan/engine/stand-ins";
import { ProgramRun, runProgram } from "./harness";

const INSTANCE = "aws:rds/instance:Instance";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const TASK_DEF = "aws:ecs/taskDefinition:TaskDefinition";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";

interface Statement {
  Sid?: string;
  Action: string | string[];
  Resource: string | string[];
}

function container(run: ProgramRun, workload: string) {
  const definition = run.one(TASK_DEF, `${workload}-task`);
  const [first] = JSON.parse(definition.inputs.containerDefinitions as string) as {
    environment: { name: string; value: string }[];
    secrets: { name: string; valueFrom: string }[];
  }[];
  return {
    environment: Object.fromEntries(first!.environment.map((e) => [e.name, e.value])),
    secrets: Object.fromEntries(first!.secrets.map((s) => [s.name, s.valueFrom])),
  };
}

function statements(run: ProgramRun, policyName: string): Statement[] {
  const policy = run.ofType(ROLE_POLICY).find((p) => p.name === policyName);
  if (policy === undefined) return [];
  return (JSON.parse(policy.inputs.policy as string) as { Statement: Statement[] }).Statement;
}

/** The stand-in id of a security group (as the engine answers: `sg-` and a hash of its name). */
function groupId(name: string): string {
  return `sg-${shortHash(name, 17)}`;
}

/** A workload's own security group: a web service's task group, a worker's group. */
const WORKLOAD_GROUPS: Record<string, string> = { api: "api-task-sg", jobs: "jobs-sg" };

describe("PostgreSQL databases (vitcord-infra:databases)", () => {
  let dev: ProgramRun;
  let prod: ProgramRun;
  before(async () => {
    dev = await runProgram("dev");
    prod = await runProgram("prod");
  });

  it("prod: encrypted, private, Multi-AZ, deletion-protected with a final snapshot, protect, managed password, 14 days of backups", () => {
    const db = prod.one(INSTANCE);
    assert.equal(db.inputs.identifier, "prod-main");
    assert.equal(db.inputs.engine, "postgres");
    assert.equal(db.inputs.engineVersion, "17");
    assert.equal(db.inputs.autoMinorVersionUpgrade, true);
    assert.equal(db.inputs.storageEncrypted, true);
    assert.equal(db.inputs.publiclyAccessible, false);
    assert.equal(db.inputs.multiAz, true);
    assert.ok((db.inputs.backupRetentionPeriod as number) >= 14);
    assert.equal(db.inputs.deletionProtection, true);
    assert.equal(db.inputs.skipFinalSnapshot, false);
    assert.equal(db.inputs.finalSnapshotIdentifier, "prod-main-final");
    assert.equal(db.protect, true);
    assert.equal(db.retainOnDelete, true);
    assert.equal(db.inputs.manageMasterUserPassword, true);
    assert.equal(db.inputs.password, undefined, "no password in config or state");
    assert.ok((db.inputs.maxAllocatedStorage as number) > (db.inputs.allocatedStorage as number));
    assert.equal(db.inputs.storageType, "gp3");
    assert.equal(db.inputs.performanceInsightsEnabled, true);
    assert.deepEqual(db.inputs.enabledCloudwatchLogsExports, ["postgresql", "upgrade"]);
    assert.match(String(db.inputs.backupWindow), /^\d\d:\d\d-\d\d:\d\d$/);
    assert.match(String(db.inputs.maintenanceWindow), /^[a-z]{3}:\d\d:\d\d-[a-z]{3}:\d\d:\d\d$/);
  });

  it("dev: the cheapest instance, Single-AZ, 20 GiB, 1 day of backups, no final snapshot, no protect", () => {
    const db = dev.one(INSTANCE);
    assert.equal(db.inputs.instanceClass, "db.t4g.micro");
    assert.equal(db.inputs.multiAz, false);
    assert.equal(db.inputs.allocatedStorage, 20);
    assert.equal(db.inputs.backupRetentionPeriod, 1);
    assert.equal(db.inputs.deletionProtection, false);
    assert.equal(db.inputs.skipFinalSnapshot, true);
    assert.notEqual(db.protect, true);
    assert.equal(db.inputs.storageEncrypted, true);
    assert.equal(db.inputs.publiclyAccessible, false);
  });

  it("forces TLS with a parameter group of the pinned major version's family", () => {
    for (const run of [dev, prod]) {
      const group = run.one("aws:rds/parameterGroup:ParameterGroup");
      assert.equal(group.inputs.family, "postgres17");
      assert.deepEqual(
        (group.inputs.parameters as { name: string; value: string }[]).map((p) => [
          p.name,
          p.value,
        ]),
        [["rds.force_ssl", "1"]],
      );
      assert.equal(run.one(INSTANCE).inputs.parameterGroupName, group.state.name);
    }
  });

  it("lives in the private subnets, behind its own group", () => {
    const subnets = prod.one("aws:rds/subnetGroup:SubnetGroup");
    assert.deepEqual(subnets.inputs.subnetIds, prod.outputs.privateSubnetIds);
    const db = prod.one(INSTANCE);
    const group = prod.one(SG, "main-db-sg");
    assert.deepEqual(db.inputs.vpcSecurityGroupIds, [groupId(group.name)]);
    assert.equal(db.inputs.dbSubnetGroupName, subnets.state.name);
  });

  it("exports its logs to groups it creates first, with the stack's retention", () => {
    const db = prod.one(INSTANCE);
    for (const log of ["postgresql", "upgrade"]) {
      const group = prod.one("aws:cloudwatch/logGroup:LogGroup", `main-db-${log}-logs`);
      assert.equal(group.inputs.name, `/aws/rds/instance/prod-main/${log}`);
      assert.equal(group.inputs.retentionInDays, 365);
      assert.ok(db.dependencies?.includes(group.urn), `the instance waits for ${group.name}`);
    }
  });

  it("admits port 5432 from exactly the api's and the jobs worker's groups, and has no other rule", () => {
    for (const run of [dev, prod]) {
      const group = run.one(SG, "main-db-sg");
      assert.equal(group.inputs.ingress, undefined);
      assert.equal(
        group.inputs.egress,
        undefined,
        "no egress rule: the provider drops AWS's default",
      );
      const rules = run
        .ofType(INGRESS)
        .filter((r) => r.inputs.securityGroupId === groupId(group.name));
      assert.deepEqual(
        rules.map((r) => [r.inputs.referencedSecurityGroupId, r.inputs.fromPort, r.inputs.toPort]),
        ["api", "jobs"].map((w) => [groupId(WORKLOAD_GROUPS[w]!), 5432, 5432]),
      );
      // One-off tasks (`run`) start with the group the stack exports for their workload.
      const outputs = run.outputs as Record<string, Record<string, { securityGroupId: string }>>;
      assert.equal(outputs.services!.api!.securityGroupId, groupId("api-task-sg"));
      assert.equal(outputs.workers!.jobs!.securityGroupId, groupId("jobs-sg"));
      assert.ok(
        rules.every((r) => r.inputs.cidrIpv4 === undefined && r.inputs.ipProtocol === "tcp"),
      );
    }
  });

  it("gives api and jobs the connection settings, the password only through secrets", () => {
    const db = prod.one(INSTANCE);
    const secretArn = (db.state.masterUserSecrets as { secretArn: string }[])[0]!.secretArn;
    for (const workload of ["api", "jobs"]) {
      const { environment, secrets } = container(prod, workload);
      assert.equal(environment.DATABASE_HOST, db.state.address);
      assert.equal(environment.DATABASE_PORT, "5432");
      assert.equal(environment.DATABASE_NAME, "main");
      assert.equal(environment.DATABASE_USER, "app");
      assert.equal(environment.DATABASE_PASSWORD, undefined);
      assert.equal(secrets.DATABASE_PASSWORD, `${secretArn}:password::`);
    }
    assert.equal(container(prod, "notifications").environment.DATABASE_HOST, undefined);
  });

  it("lets the execution roles of its users read exactly its managed secret, and no one else's", () => {
    const secretArn = (prod.one(INSTANCE).state.masterUserSecrets as { secretArn: string }[])[0]!
      .secretArn;
    for (const workload of ["api", "jobs"]) {
      const read = statements(prod, `${workload}-execution`).filter(
        (s) => s.Sid === "ReadDataStoreSecrets",
      );
      assert.deepEqual(read, [
        {
          Sid: "ReadDataStoreSecrets",
          Effect: "Allow",
          Action: "secretsmanager:GetSecretValue",
          Resource: [secretArn],
        },
      ]);
    }
    const notifications = statements(prod, "notifications-execution");
    assert.ok(!JSON.stringify(notifications).includes(secretArn));
  });

  it("names its instance and log groups from the stack and the database", () => {
    assert.equal(databaseIdentifier("prod", "main"), "prod-main");
    assert.equal(databaseIdentifier("Alice_Dev", "main"), "alice-dev-main");
    assert.equal(databaseIdentifier("1st", "main"), "db-1st-main");
    assert.equal(
      rdsLogGroupName("prod-main", "postgresql"),
      "/aws/rds/instance/prod-main/postgresql",
    );
  });
});
