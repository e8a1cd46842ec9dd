import { Command, CommanderError } from "commander";
import { AmiOptions, amiCommand } from "./ami";
import { BootstrapOptions, bootstrapCommand } from "./bootstrap";
import type { CliContext } from "./context";
import {
  outputsCommand,
  ScaleOptions,
  scaleCommand,
  StackCommand,
  stackCommand,
  StackOptions,
} from "./deploy";
import { listStacks } from "../components/config/stack-files";
import { checkNpmStack, resolveStack } from "../components/config/stack-option";
import { CliError, describeError } from "./errors";
import { collect, Runner, stackOption, stackOptions } from "./command-helpers";
import { registerConfigCommands } from "./config-commands";
import type { HistoryOptions } from "./history";
import { registerObserveCommands } from "./observe-commands";
import {
  PromoteOptions,
  promoteCommand,
  ReleaseOptions,
  releaseCommand,
  rollbackCommand,
} from "./release";
import { registerRuntimeCommands } from "./runtime-commands";
import { registerScheduleCommands } from "./schedule";
import { initCommand } from "./workspace";

const DESCRIPTIONS: Record<StackCommand, string> = {
  preview: "show what a deploy would change",
  up: "deploy the stack (prod: a preview first, then --yes or a confirmation)",
  refresh:
    "update the state from what exists in AWS (prod: a preview first, then --yes or a confirmation)",
  destroy:
    "delete every resource of the stack (prod: a preview first, then --yes or a confirmation)",
};

/**
 * The `infra` command line. `run(action)` runs a command's handler and keeps its exit code;
 * commander itself reports unknown commands and options.
 */
export function buildProgram(ctx: CliContext, setExitCode: (code: number) => void): Command {
  const run: Runner =
    (action) =>
    async (...args) => {
      setExitCode(await action(...args));
    };
  const program = new Command("infra")
    .description(
      "Operate vitcord-infra stacks: deploy, release, run one-off tasks, read logs, scale.\n" +
        "Run as: npm run infra -- <command> [options]",
    )
    .exitOverride()
    .showHelpAfterError("(add --help for usage)")
    .configureOutput({
      writeOut: (text) => ctx.stdout.write(text),
      writeErr: (text) => ctx.stderr.write(text),
    })
    // --stack after `--`, or before it as npm's npm_config_stack (see stack-option.ts).
    .hook("preAction", (_program, command) => {
      if (!command.options.some((option) => option.long === "--stack")) return;
      const usage = `npm run infra ${command.name()}`;
      const stack = resolveStack(command.opts<{ stack?: string }>().stack, ctx.env, usage);
      if (stack === undefined) {
        throw new CliError(
          `required option '-s, --stack <name>' not specified (stacks: ${listStacks(ctx.projectDir).join(", ")}), ` +
            `e.g. ${usage} -- --stack dev`,
        );
      }
      command.setOptionValue("stack", stack);
    });

  for (const name of ["preview", "up", "refresh", "destroy"] as const) {
    const command = stackOptions(program.command(name).description(DESCRIPTIONS[name]))
      .option("--json", "print the summary as JSON")
      .option("-y, --yes", "confirm a change to a protected (prod) stack without asking");
    if (name === "preview" || name === "up") {
      command.option(
        "--policy-pack <dir>",
        "run a policy pack (repeatable), e.g. policy",
        collect,
        [],
      );
    }
    command.action(run((opts: StackOptions) => stackCommand(ctx, name, opts)));
  }

  stackOptions(
    program
      .command("init")
      .description(
        "create the stack in the configured backend (PULUMI_BACKEND_URL or backend.url in Pulumi.yaml); no other command creates one",
      ),
  ).action(run((opts: StackOptions) => initCommand(ctx, opts)));

  stackOptions(program.command("outputs").description("print the stack outputs (secrets masked)"))
    .option("--json", "print them as JSON")
    .action(run((opts: StackOptions) => outputsCommand(ctx, opts)));

  stackOptions(
    program
      .command("bootstrap")
      .description(
        "prepare what a first up cannot (idempotent): service-linked roles, hosted zones and " +
          "their delegation, the shared ECR repositories, the configured images; prints the next step",
      ),
  )
    .option("-y, --yes", "confirm creating the repositories in a protected (prod) stack")
    .action(run((opts: BootstrapOptions) => bootstrapCommand(ctx, opts)));

  stackOptions(
    program
      .command("release")
      .description(
        "deploy an image of a service or worker by digest: the tag must exist in the stack's ECR " +
          "registry; the rollout is verified (a rolled-back deployment exits non-zero)",
      )
      .argument("<workload>", "a configured service (or a worker with a repository), e.g. api")
      .argument("<imageTag>", "the image tag to run, e.g. v1.4.2 or a git sha"),
  )
    .option("--commit <sha>", "the app repository's commit the image was built from (recorded)")
    .option("--json", "print the summary as JSON")
    .option("-y, --yes", "confirm a release to a protected (prod) stack without asking")
    .option("--policy-pack <dir>", "run a policy pack (repeatable)", collect, [])
    .action(
      run((service: string, tag: string, opts: ReleaseOptions) =>
        releaseCommand(ctx, service, tag, opts),
      ),
    );

  program
    .command("promote")
    .description(
      "release what runs in one stack to another, by digest, unchanged (e.g. --from dev --to prod)",
    )
    .argument("<workload>", "a configured service or worker")
    .requiredOption("--from <stack>", "the stack whose released image to take, e.g. dev")
    .requiredOption("--to <stack>", "the stack to release it to, e.g. prod")
    .option("--secrets-provider <url>", "secrets provider, default $PULUMI_SECRETS_PROVIDER")
    .option("--json", "print the summary as JSON")
    .option("-y, --yes", "confirm a release to a protected (prod) stack without asking")
    .option("--policy-pack <dir>", "run a policy pack (repeatable)", collect, [])
    .action(run((name: string, opts: PromoteOptions) => promoteCommand(ctx, name, opts)));

  stackOptions(
    program
      .command("rollback")
      .description(
        "release an earlier revision's image again (default: the release before the running one), verified",
      )
      .argument("<workload>", "a configured service or worker")
      .argument("[revision]", "a revision number or image tag from `releases`"),
  )
    .option("--json", "print the summary as JSON")
    .option("-y, --yes", "confirm a rollback of a protected (prod) stack without asking")
    .option("--policy-pack <dir>", "run a policy pack (repeatable)", collect, [])
    .action(
      run((workload: string, revision: string | undefined, opts: StackOptions & HistoryOptions) =>
        rollbackCommand(ctx, workload, revision, opts),
      ),
    );

  stackOptions(
    program
      .command("scale")
      .description(
        "run this many tasks of a service or worker and deploy it: its desired count, or with " +
          "autoscaling its minimum (autoscaling owns the running count)",
      )
      .argument("<workload>", "a configured service or worker")
      .argument("<count>", "tasks to run, 0 or more"),
  )
    .option("--max <n>", "with autoscaling: also set autoscaling.max (needed for a count above it)")
    .option("--min <n>", "with autoscaling: set autoscaling.min to n (at most count), not to count")
    .option("--json", "print the summary as JSON")
    .option("-y, --yes", "confirm scaling a protected (prod) stack without asking")
    .option("--policy-pack <dir>", "run a policy pack (repeatable)", collect, [])
    .action(
      run((workload: string, count: string, opts: ScaleOptions) =>
        scaleCommand(ctx, workload, count, opts),
      ),
    );

  stackOption(
    program
      .command("ami")
      .description(
        "the cluster's pinned AMI (cluster.amiId) against the ECS-optimized AMI AWS recommends now, and the line to change",
      ),
  )
    .option("--json", "print it as JSON")
    .action(run((opts: AmiOptions) => amiCommand(ctx, opts)));

  registerObserveCommands(program, ctx, run);
  registerRuntimeCommands(program, ctx, run);
  registerConfigCommands(program, ctx, run);
  registerScheduleCommands(program, ctx, run);
  return program;
}

/**
 * Runs the CLI on `argv` (the arguments after the script name) and returns the exit code. Every
 * failure is one `error:` line on stderr; none escapes as a stack trace.
 */
export async function main(argv: readonly string[], ctx: CliContext): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(ctx, (code) => {
    exitCode = code;
  });
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 0;
    }
    // Before parsing: a stack name npm stranded as an argument would read as "too many arguments".
    const name = argv[0]?.startsWith("-") === false ? argv[0] : "<command>";
    checkNpmStack(ctx.env, `npm run infra ${name}`);
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has printed its own message (or the help) already.
      return error.exitCode;
    }
    ctx.stderr.write(`error: ${describeError(error)}\n`);
    if (ctx.env.INFRA_DEBUG !== undefined && error instanceof Error) {
      ctx.stderr.write(`${error.stack ?? ""}\n`);
    }
    return error instanceof Error && "exitCode" in error && typeof error.exitCode === "number"
      ? error.exitCode
      : 1;
  }
}
