/**
 * `npm run plan -- [--stack dev|prod] [--json] [--diagram <file>]`: what a stack would create and
 * what it would cost per month, with no AWS account and no Pulumi CLI. The program runs under the
 * same mock engine as the unit tests (plan/engine/synth.ts).
 */
import "./engine/fast-start"; // first: keeps Pulumi's unused closure serializer from loading
import * as fs from "node:fs";
import * as path from "node:path";
import { Command, CommanderError } from "commander";
import { diagramMarkdown } from "./diagram";
import { planJson, planStack, renderPlan } from "./";
import { rulesExitCode } from "../rules";
import { listStacks, readStackConfig } from "../components/config/stack-files";
import { checkNpmStack, NPM_STACK_HELP, resolveStack } from "../components/config/stack-option";

export interface PlanIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Writes the diagram file. @default fs.writeFileSync, creating the folder */
  readonly writeFile?: (file: string, text: string) => void;
  /** Reads a stack's raw config. @default its Pulumi.<stack>.yaml (components/config/stack-files.ts) */
  readonly readConfig?: (stack: string) => Record<string, string>;
  /** Where npm's npm_config_stack comes from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const processIo: PlanIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

function writeFile(file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, text);
}

interface Options {
  readonly stack?: string;
  readonly json?: boolean;
  readonly diagram?: string;
}

function command(io: PlanIo): Command {
  return new Command("plan")
    .description(
      "Show what a stack would create and what it would cost per month, offline: " +
        "the program runs under Pulumi's mock engine with fixed stand-ins for AWS look-ups.",
    )
    .option(
      "--stack <name>",
      `the stack (${listStacks().join(", ")}); default dev. ${NPM_STACK_HELP}`,
    )
    .option("--json", "print the whole plan as one JSON document")
    .option("--diagram <file>", "write a Mermaid diagram of the stack to this Markdown file")
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      // Commander's message already names the problem; point at --help once, on its own line.
      outputError: (message, write) => write(`${message.trim()} (see npm run plan -- --help)\n`),
    });
}

/** The errors a user causes: print their message alone (no stack trace, no "plan failed:"). */
const USER_ERRORS = new Set(["ConfigError", "UnknownStackError", "StackFileError"]);

function isUserError(error: unknown): error is Error {
  return error instanceof Error && USER_ERRORS.has(error.name);
}

const USAGE = "npm run plan";

/** Runs the plan CLI with these arguments; returns the exit code. */
export async function runPlan(argv: readonly string[], io: PlanIo = processIo): Promise<number> {
  const env = io.env ?? process.env;
  const cli = command(io);
  let stack: string;
  try {
    // Before parsing: a stack name npm stranded as an argument would read as "too many arguments".
    checkNpmStack(env, USAGE);
    cli.parse([...argv], { from: "user" });
    stack = resolveStack(cli.opts<Options>().stack, env, USAGE) ?? "dev";
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof Error && error.name === "StackOptionError") {
      io.stderr(`error: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const options = { ...cli.opts<Options>(), stack };
  if (options.diagram !== undefined && options.diagram.trim() === "") {
    io.stderr("error: --diagram needs a file name, e.g. docs/prod-diagram.md\n");
    return 1;
  }

  try {
    const config = (io.readConfig ?? readStackConfig)(options.stack);
    const { plan, resources } = await planStack(options.stack, { config });
    io.stdout(options.json ? planJson(plan) : renderPlan(plan));
    if (options.diagram !== undefined) {
      (io.writeFile ?? writeFile)(options.diagram, diagramMarkdown(options.stack, resources));
      // Keep stdout pure JSON when --json is given.
      (options.json ? io.stderr : io.stdout)(`Diagram written to ${options.diagram}\n`);
    }
    // A mandatory security or reliability rule violated: the plan fails (rules/).
    if (plan.rules.mandatoryViolations > 0) {
      const ids = [
        ...new Set(
          plan.rules.violations.filter((v) => v.enforcement === "mandatory").map((v) => v.ruleId),
        ),
      ];
      io.stderr(
        `${plan.rules.mandatoryViolations} mandatory rule violation(s): ${ids.join(", ")}\n`,
      );
    }
    return rulesExitCode(plan.rules);
  } catch (error) {
    if (isUserError(error)) {
      io.stderr(`${error.message}\n`);
      return 1;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`plan failed: ${message}\n`);
    if (process.env.PLAN_DEBUG && error instanceof Error) io.stderr(`${error.stack ?? ""}\n`);
    return 1;
  }
}

if (require.main === module) {
  void runPlan(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
