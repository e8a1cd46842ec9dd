/**
 * `npm run bench`: whole-process wall times, as a Markdown table with the Node version and load:
 * `npm run plan` for dev and prod, the prod plan with 50 web services, `npm test`, and beside
 * them the same platform synthesized by AWS CDK (the peer in ../shared/reference/cdk-peer, set up
 * on first use with npm; skipped, saying why, where it cannot be). A benchmark, not a test:
 * nothing here asserts a time.
 */
import "./engine/fast-start"; // first, as in plan/main.ts: the child plan starts like the real one
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { planStack } from "./";
import { runPlan } from "./main";
import { PROJECT_DIR, readStackConfig } from "../components/config/stack-files";

const SERVICES_KEY = "vitcord-infra:services";
const MANY_SERVICES = 50;

/**
 * A stack's config with `count` web services: the stack's own services, then copies of its
 * first one (`gen-01`, `gen-02`, …; a `domain` becomes `<name>.<the same zone>`).
 */
export function withServices(
  config: Record<string, string>,
  count: number,
): Record<string, string> {
  const services = JSON.parse(config[SERVICES_KEY] ?? "{}") as Record<
    string,
    Record<string, unknown>
  >;
  const [template] = Object.values(services);
  if (template === undefined) throw new Error("the stack defines no service to copy");
  for (let i = 1; Object.keys(services).length < count; i++) {
    const name = `gen-${String(i).padStart(2, "0")}`;
    const copy: Record<string, unknown> = { ...template };
    if (typeof copy.domain === "string") {
      copy.domain = `${name}.${copy.domain.split(".").slice(1).join(".")}`;
    }
    services[name] = copy;
  }
  return { ...config, [SERVICES_KEY]: JSON.stringify(services) };
}

/** A command to time as a whole process. */
interface Timed {
  readonly label: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: Record<string, string>;
}

interface Row {
  readonly label: string;
  readonly resources: string;
  readonly median: string;
  readonly fastest: string;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Runs a command once; its wall time in ms, or why it failed. */
function timeOnce(timed: Timed): number | string {
  const start = process.hrtime.bigint();
  const result = spawnSync(timed.command, [...timed.args], {
    cwd: timed.cwd ?? PROJECT_DIR,
    env: { ...process.env, ...timed.env },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status === 0) return ms;
  const last = (result.stderr || result.stdout || "").trim().split("\n").pop() ?? "";
  return `exit ${result.status ?? result.signal ?? "?"}: ${last.slice(0, 80)}`;
}

/**
 * Times each command `runs` times, taking turns (a, b, a, b, …) so that a change in the machine's
 * load during the bench falls on all of them alike; after one untimed warm-up run of each (disk
 * cache, compile caches), unless `warmUp` is false.
 */
function timeInTurns(
  commands: readonly Timed[],
  runs: number,
  warmUp = true,
): (number[] | string)[] {
  const times: (number[] | string)[] = commands.map(() => []);
  for (let run = warmUp ? -1 : 0; run < runs; run++) {
    commands.forEach((timed, i) => {
      const sofar = times[i]!;
      if (typeof sofar === "string") return;
      const result = timeOnce(timed);
      if (typeof result === "string") times[i] = result;
      else if (run >= 0) sofar.push(result);
    });
  }
  return times;
}

function row(label: string, resources: string, times: number[] | string): Row {
  if (typeof times === "string") return { label, resources, median: times, fastest: "–" };
  return {
    label,
    resources,
    median: seconds(median(times)),
    fastest: seconds(Math.min(...times)),
  };
}

function table(rows: readonly Row[]): string {
  const header = ["What (whole process)", "Resources", "Wall time (median)", "Fastest"];
  const cells = [header, ...rows.map((r) => [r.label, r.resources, r.median, r.fastest])];
  const widths = header.map((_h, i) => Math.max(...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(" | ")} |`;
  return [
    line(header),
    `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`,
    ...cells.slice(1).map(line),
  ].join("\n");
}

/**
 * The CDK peer, installed on first use in node_modules/.cache (ignored by git): its app.ts and
 * tsconfig.json copied from `source`, then the packages its README names. Returns the folder, or
 * why the peer cannot be timed.
 */
export function prepareCdkPeer(source: string, folder: string): { folder: string } | string {
  const app = path.join(source, "app.ts");
  if (!fs.existsSync(app)) return `no CDK peer at ${source}`;
  if (fs.existsSync(path.join(folder, "node_modules", "aws-cdk-lib", "package.json"))) {
    return { folder };
  }
  fs.mkdirSync(folder, { recursive: true });
  for (const file of ["app.ts", "tsconfig.json"]) {
    fs.copyFileSync(path.join(source, file), path.join(folder, file));
  }
  fs.writeFileSync(path.join(folder, "package.json"), '{ "name": "cdk-peer", "private": true }\n');
  process.stderr.write(`Setting up the CDK peer in ${folder} (npm install, once)…\n`);
  const install = spawnSync(
    "npm",
    [
      "install",
      "--no-audit",
      "--no-fund",
      "aws-cdk-lib@2",
      "constructs@10",
      "ts-node@10",
      "typescript@5",
      "@types/node@20",
    ],
    { cwd: folder, encoding: "utf8", timeout: 10 * 60_000 },
  );
  if (install.status === 0) return { folder };
  const reason = (install.stderr || install.error?.message || "").trim().split("\n").pop();
  return `npm install of aws-cdk-lib failed (offline?): ${reason ?? "no output"}`;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 20)
    throw new InvalidArgumentError("must be a whole number from 1 to 20");
  return n;
}

interface Options {
  readonly runs: number;
  readonly test: boolean;
  readonly cdk: boolean;
  readonly cdkPeer: string;
  readonly planWithServices?: number;
}

export async function runBench(argv: readonly string[]): Promise<number> {
  const cli = new Command("bench")
    .description("Whole-process times of the offline plan, npm test and the CDK peer's synth.")
    .option("--runs <n>", "runs of each plan and CDK synth (the median is shown)", positive, 3)
    .option("--no-test", "skip timing npm test")
    .option("--no-cdk", "skip the CDK peer")
    .option(
      "--cdk-peer <folder>",
      "the CDK peer's sources",
      path.join(PROJECT_DIR, "..", "shared", "reference", "cdk-peer"),
    )
    // The child process the bench times for the many-services plan.
    .option(
      "--plan-with-services <n>",
      "(internal) print the prod plan with n web services",
      Number,
    )
    .allowExcessArguments(false)
    .exitOverride();
  try {
    cli.parse([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  const options = cli.opts<Options>();
  if (options.planWithServices !== undefined) {
    const count = options.planWithServices;
    return runPlan(["--stack", "prod"], {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
      readConfig: (stack) => withServices(readStackConfig(stack), count),
    });
  }

  const node = process.execPath;
  const npmPlan = (stack: string): Timed => ({
    label: `npm run plan -- --stack ${stack}`,
    command: "npm",
    args: ["run", "-s", "plan", "--", "--stack", stack],
  });
  const manyServices: Timed = {
    label: `plan prod with ${MANY_SERVICES} services`,
    command: node,
    args: [
      "-r",
      "./scripts/register-ts.js",
      "plan/bench.ts",
      "--plan-with-services",
      `${MANY_SERVICES}`,
    ],
  };
  const count = async (config: Record<string, string>, stack = "prod") =>
    String((await planStack(stack, { config })).plan.inventory.resourceCount);

  const rows: Row[] = [];
  const notes: string[] = [];
  const [dev, prod, many] = timeInTurns(
    [npmPlan("dev"), npmPlan("prod"), manyServices],
    options.runs,
  );
  rows.push(row(npmPlan("dev").label, await count(readStackConfig("dev"), "dev"), dev!));
  rows.push(row(npmPlan("prod").label, await count(readStackConfig("prod")), prod!));
  const manyConfig = withServices(readStackConfig("prod"), MANY_SERVICES);
  rows.push(row(manyServices.label, await count(manyConfig), many!));

  if (options.cdk) {
    const peer = prepareCdkPeer(
      options.cdkPeer,
      path.join(PROJECT_DIR, "node_modules", ".cache", "vitcord-bench", "cdk-peer"),
    );
    if (typeof peer === "string") {
      notes.push(`CDK peer skipped: ${peer}`);
    } else {
      const synth = (stage: string): Timed => ({
        label: `CDK peer: synth ${stage} (ecs-patterns)`,
        command: node,
        args: ["-r", "ts-node/register/transpile-only", "app.ts"],
        cwd: peer.folder,
        env: { CDK_CONTEXT_JSON: JSON.stringify({ stage, services: 0 }) },
      });
      // Side by side: the CDK synth takes turns with our prod plan.
      const [ours, cdkDev, cdkProd] = timeInTurns(
        [npmPlan("prod"), synth("dev"), synth("prod")],
        options.runs,
      );
      rows.push(row(`${npmPlan("prod").label} (again, in turns with CDK)`, "–", ours!));
      rows.push(row(synth("dev").label, "–", cdkDev!));
      rows.push(row(synth("prod").label, "–", cdkProd!));
      notes.push(
        `CDK peer: no ${MANY_SERVICES}-service row, CloudFormation allows 500 resources per stack.`,
      );
    }
  }
  if (options.test) {
    const [test] = timeInTurns([{ label: "npm test", command: "npm", args: ["test"] }], 1, false);
    rows.push(row("npm test (unit tests, one run)", "–", test!));
  }

  const cpu = os.cpus();
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(", ");
  process.stdout.write(
    `Node ${process.version} on ${os.platform()}/${os.arch()}, ${cpu.length} CPUs (${cpu[0]?.model ?? "?"}), load average ${load}\n\n` +
      `${table(rows)}\n${notes.map((n) => `\n${n}`).join("")}\n`,
  );
  return 0;
}

if (require.main === module) {
  void runBench(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
