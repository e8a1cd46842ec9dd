// Heroku's config vars and maintenance mode: config, config:set, config:unset, maintenance. All
// through the operations manifest and the AWS SDK (openOps): no Pulumi CLI, state or passphrase.
//
// How config vars and the stack file combine: a workload's vars are the SSM parameters under
// configVarsPath(stack, workload). The program reads their names at deploy time and references
// each in the task definition's `secrets` (`{ name: NAME, valueFrom: <parameter ARN> }`), beside
// the stack file's `environment`, `secrets` and the data stores' `uses`; a name those set is
// refused here (reservedVariables), so each variable has one source. config:set of a new name
// registers a revision of the running task definition with the extra secret and deploys it;
// config:unset registers one without it. A later `pulumi up` does not undo either, because the
// program reads the names at deploy time; between a config:set of a new name and the next up,
// the service runs a CLI-registered revision newer than the one in the manifest.
import type { Command } from "commander";
import { DeleteParametersCommand, PutParameterCommand } from "@aws-sdk/client-ssm";
import { configVarParameterName } from "../components/ops-manifest";
import { stackOption, type Runner } from "./command-helpers";
import {
  checkReserved,
  checkTypes,
  configJson,
  configLines,
  listConfigVars,
  MASK,
  parameterArn,
  parseAssignments,
  parseNames,
  ssmFailure,
} from "./config-vars";
import type { CliContext } from "./context";
import { CliError } from "./errors";
import { maintenanceCommand, MaintenanceOptions } from "./maintenance-command";
import { openOps, OpsStack, OpsWorkload, opsWorkload } from "./ops";
import { redeploy } from "./redeploy";
import { revisionName } from "./rollout";
import {
  containerSecrets,
  registerRevision,
  revisionWithSecrets,
  describeRunningRevision,
  SecretRef,
} from "./task-revision";
import { resolveWorkload } from "./workloads";

export interface ConfigOptions {
  readonly stack: string;
  readonly json?: boolean;
  readonly reveal?: boolean;
  readonly secret?: boolean;
}

/** The stack and one of its services or workers, as the manifest describes them. */
async function openWorkload(
  ctx: CliContext,
  stack: string,
  name: string,
): Promise<{ ops: OpsStack; workload: OpsWorkload }> {
  const ops = await openOps(ctx, stack, (info) => resolveWorkload(info, name));
  return { ops, workload: opsWorkload(ops, name) };
}

/** `config <workload>`: NAME=value sorted, secrets masked unless --reveal. */
export async function configCommand(
  ctx: CliContext,
  name: string,
  opts: ConfigOptions,
): Promise<number> {
  const { ops, workload } = await openWorkload(ctx, opts.stack, name);
  const { entry } = workload;
  const reveal = opts.reveal === true;
  const vars = await listConfigVars(ops.aws.ssm, entry.configPath, reveal);
  const fromStackFile = [...entry.reservedVariables].sort();
  if (opts.json === true) {
    const json = {
      stack: ops.info.stack,
      workload: name,
      path: entry.configPath,
      vars: configJson(vars, reveal),
      stackFileVariables: fromStackFile,
    };
    ctx.stdout.write(JSON.stringify(json, null, 2) + "\n");
    return 0;
  }
  if (vars.length === 0) {
    ctx.stdout.write(
      `${name} has no config vars in stack ${ops.info.stack} (no parameters under ${entry.configPath}). ` +
        `Set one with: npm run infra -- config:set ${name} NAME=value --stack ${ops.info.stack}\n`,
    );
  } else {
    ctx.stdout.write(configLines(vars, reveal).join("\n") + "\n");
    if (!reveal && vars.some((v) => v.type === "SecureString")) {
      ctx.stderr.write(`Secret values are shown as ${MASK}: add --reveal to show them.\n`);
    }
  }
  if (fromStackFile.length > 0) {
    ctx.stderr.write(
      `Also set by Pulumi.${ops.info.stack}.yaml (not config vars; names only): ${fromStackFile.join(", ")}.\n`,
    );
  }
  return 0;
}

/** `config:set <workload> KEY=VALUE…`: stores each in SSM, then deploys and verifies. */
export async function configSetCommand(
  ctx: CliContext,
  name: string,
  pairs: readonly string[],
  opts: ConfigOptions,
): Promise<number> {
  const assignments = parseAssignments(pairs);
  const secret = opts.secret === true;
  const { ops, workload } = await openWorkload(ctx, opts.stack, name);
  const { entry } = workload;
  const { stack } = ops.info;
  const names = assignments.map((a) => a.name);
  const values = assignments.map((a) => a.value);
  checkReserved(names, name, stack, entry);
  const existing = await listConfigVars(ops.aws.ssm, entry.configPath, false);
  checkTypes(assignments, new Map(existing.map((v) => [v.name, v])), secret, name);

  // The running revision references a var by its parameter ARN; one it does not reference (a new
  // name) needs a new revision. Built before anything changes, so a conflict changes nothing.
  const { ecs } = ops.aws;
  const revision = await describeRunningRevision(ecs, ops.manifest.cluster.name, entry.serviceName);
  const referenced = containerSecrets(revision, entry.containerName);
  const refs: SecretRef[] = names.map((n) => ({
    name: n,
    valueFrom: parameterArn(ops.manifest.region, ops.manifest.account, parameterName(ops, name, n)),
  }));
  const added = refs.filter(
    (r) => !referenced.some((s) => s.name === r.name && s.valueFrom === r.valueFrom),
  );
  const input =
    added.length > 0 ? revisionWithSecrets(revision, entry.containerName, added) : undefined;

  const stored: string[] = [];
  for (const { name: key, value } of assignments) {
    const parameter = parameterName(ops, name, key);
    try {
      // Overwrite: true updates an existing var; no Tags (AWS refuses Tags with Overwrite).
      await ops.aws.ssm.send(
        new PutParameterCommand({
          Name: parameter,
          Value: value,
          Type: secret ? "SecureString" : "String",
          KeyId: secret && entry.configKmsKeyArn !== undefined ? entry.configKmsKeyArn : undefined,
          Overwrite: true,
          Tier: "Standard",
        }),
      );
    } catch (error) {
      const failure = ssmFailure(error, "ssm:PutParameter", parameter, values);
      const done = stored.length > 0 ? `${stored.join(", ")} stored; ` : "";
      throw new CliError(`${failure.message}\n${done}nothing was deployed.`);
    }
    stored.push(key);
  }

  // ECS reads a secret's value when a task starts (ECS developer guide, "Pass Systems Manager
  // parameters through Amazon ECS environment variables"): a new deployment picks the values up.
  const newArn = input === undefined ? undefined : await registerRevision(ecs, input);
  const kind = secret ? " (secret)" : "";
  try {
    const result = await redeploy(ctx, ops, workload, newArn);
    ctx.stdout.write(
      `Set ${names.join(", ")}${kind} on ${name} in stack ${stack}: it runs ` +
        `${revisionName(result.taskDefinitionArn)} with them (deployment ${result.deploymentId}, verified).\n`,
    );
    return 0;
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    throw new CliError(
      `${error.message}\nThe new values of ${names.join(", ")} stay in SSM, and tasks started from now on read them: ` +
        `set the previous values again or config:unset ${names.join(" ")}.`,
      error.exitCode,
    );
  }
}

/** `config:unset <workload> KEY…`: deploys a revision without them, then deletes them. */
export async function configUnsetCommand(
  ctx: CliContext,
  name: string,
  keys: readonly string[],
  opts: ConfigOptions,
): Promise<number> {
  const names = parseNames(keys);
  const { ops, workload } = await openWorkload(ctx, opts.stack, name);
  const { entry } = workload;
  const { stack } = ops.info;
  const existing = (await listConfigVars(ops.aws.ssm, entry.configPath, false))
    .map((v) => v.name)
    .sort();
  const unknown = names.filter((n) => !existing.includes(n));
  if (unknown.length > 0) {
    throw new CliError(
      `${name} has no config var ${unknown.join(", ")} in stack ${stack}; its config vars: ` +
        `${existing.length > 0 ? existing.join(", ") : "(none)"}.`,
    );
  }
  const { ecs } = ops.aws;
  const revision = await describeRunningRevision(ecs, ops.manifest.cluster.name, entry.serviceName);
  const arnOf = (n: string) =>
    parameterArn(ops.manifest.region, ops.manifest.account, parameterName(ops, name, n));
  const referenced = containerSecrets(revision, entry.containerName)
    .filter((s) => names.includes(s.name) && s.valueFrom === arnOf(s.name))
    .map((s) => s.name);

  let running = `the running revision ${revisionName(revision.taskDefinitionArn)} did not reference them, so nothing was deployed`;
  if (referenced.length > 0) {
    const input = revisionWithSecrets(revision, entry.containerName, [], referenced);
    const newArn = await registerRevision(ecs, input);
    try {
      const result = await redeploy(ctx, ops, workload, newArn);
      running = `it runs ${revisionName(result.taskDefinitionArn)} without them (deployment ${result.deploymentId}, verified)`;
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      // Deleted only after the rollout completed: the tasks ECS rolled back to still read them.
      throw new CliError(
        `${error.message}\nNothing was deleted: ${names.join(", ")} stay in SSM for the tasks that still reference them.`,
        error.exitCode,
      );
    }
  }
  const parameters = names.map((n) => parameterName(ops, name, n));
  const notDeleted: string[] = [];
  for (let i = 0; i < parameters.length; i += 10) {
    // DeleteParameters takes at most 10 names per call.
    const batch = parameters.slice(i, i + 10);
    try {
      const result = await ops.aws.ssm.send(new DeleteParametersCommand({ Names: batch }));
      notDeleted.push(...(result.InvalidParameters ?? []));
    } catch (error) {
      throw ssmFailure(error, "ssm:DeleteParameters", entry.configPath);
    }
  }
  if (notDeleted.length > 0) {
    throw new CliError(
      `SSM did not delete ${notDeleted.join(", ")} (${running}); run config:unset again.`,
    );
  }
  ctx.stdout.write(`Removed ${names.join(", ")} from ${name} in stack ${stack}: ${running}.\n`);
  return 0;
}

function parameterName(ops: OpsStack, workload: string, key: string): string {
  return configVarParameterName(ops.info.stack, workload, key);
}

export function registerConfigCommands(program: Command, ctx: CliContext, run: Runner): void {
  stackOption(
    program
      .command("config")
      .description(
        "list a service's or worker's config vars (SSM Parameter Store), NAME=value sorted; secrets masked",
      )
      .argument("<workload>", "a configured service or worker"),
  )
    .option("--reveal", "show secret values (needs kms:Decrypt on their key)")
    .option("--json", "print them as JSON")
    .action(run((workload: string, opts: ConfigOptions) => configCommand(ctx, workload, opts)));

  stackOption(
    program
      .command("config:set")
      .description(
        "set config vars, then deploy the workload so its tasks read them (verified like a release)",
      )
      .argument("<workload>", "a configured service or worker")
      .argument("<pairs...>", "KEY=VALUE pairs, e.g. DATABASE_POOL=10"),
  )
    .option("--secret", "store them as SecureString (encrypted; `config` masks them)")
    .action(
      run((workload: string, pairs: string[], opts: ConfigOptions) =>
        configSetCommand(ctx, workload, pairs, opts),
      ),
    );

  stackOption(
    program
      .command("config:unset")
      .description(
        "remove config vars: deploy the workload without them (verified), then delete them",
      )
      .argument("<workload>", "a configured service or worker")
      .argument("<keys...>", "the names to remove"),
  ).action(
    run((workload: string, keys: string[], opts: ConfigOptions) =>
      configUnsetCommand(ctx, workload, keys, opts),
    ),
  );

  stackOption(
    program
      .command("maintenance")
      .description(
        "a service's maintenance mode: on (the load balancer answers 503 with a page, at once, no deploy), off, or its state",
      )
      .argument("[action]", "on, off or status (default: status of every service)")
      .argument("[service]", "a configured service"),
  )
    .option("--message <text>", "with on: the page's text")
    .action(
      run((action: string | undefined, service: string | undefined, opts: MaintenanceOptions) =>
        maintenanceCommand(ctx, action, service, opts),
      ),
    );
}
