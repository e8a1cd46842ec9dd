/**
 * `npm run bench`: how long the offline plan takes for dev, prod and generated stacks of 10 and
 * 50 web services, and the wall time of `npm test`, as a Markdown table with the Node version.
 * A benchmark, not a test: nothing here asserts a time.
 */
import { spawnSync } from "node:child_process";
import * as os from "node:os";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { planStack } from "./";
import { PROJECT_DIR, readStackConfig } from "../components/config/stack-files";

const SERVICES_KEY = "vitcord-infra:services";

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

interface Row {
  readonly label: string;
  readonly resources: string;
  readonly median: string;
  readonly first: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function timePlan(
  label: string,
  stack: string,
  config: () => Record<string, string>,
  runs: number,
): Promise<Row> {
  const times: number[] = [];
  let resources = 0;
  try {
    const input = config();
    for (let i = 0; i < runs; i++) {
      const start = process.hrtime.bigint();
      const { plan } = await planStack(stack, { config: input });
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
      resources = plan.inventory.resourceCount; // as the inventory counts them: no components
    }
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).split("\n").join(" ");
    return { label, resources: "–", median: `failed: ${message.slice(0, 80)}`, first: "–" };
  }
  return {
    label,
    resources: String(resources),
    median: `${Math.round(median(times))} ms`,
    first: `${Math.round(times[0] ?? NaN)} ms`,
  };
}

function timeCommand(label: string, command: string, args: string[]): Row {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd: PROJECT_DIR, stdio: "ignore", shell: false });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const outcome = result.status === 0 ? "" : ` (exit ${result.status ?? result.signal ?? "?"})`;
  const time = ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
  return { label, resources: "–", median: `${time}${outcome}`, first: "(one run)" };
}

function table(rows: readonly Row[]): string {
  const header = ["What", "Resources", "Plan time (median)", "First run"];
  const cells = [header, ...rows.map((r) => [r.label, r.resources, r.median, r.first])];
  const widths = header.map((_h, i) => Math.max(...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(" | ")} |`;
  return [
    line(header),
    `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`,
    ...cells.slice(1).map(line),
  ].join("\n");
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 20)
    throw new InvalidArgumentError("must be a whole number from 1 to 20");
  return n;
}

export async function runBench(argv: readonly string[]): Promise<number> {
  const cli = new Command("bench")
    .description("Time the offline plan for dev, prod and generated stacks, and npm test.")
    .option("--runs <n>", "plans per stack (the median is shown)", positive, 3)
    .option("--no-test", "skip timing npm test")
    .allowExcessArguments(false)
    .exitOverride();
  try {
    cli.parse([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  const { runs, test } = cli.opts<{ runs: number; test: boolean }>();

  const rows: Row[] = [];
  // In process: the first plan also pays for compiling the program with ts-node.
  rows.push(await timePlan("plan dev", "dev", () => readStackConfig("dev"), runs));
  rows.push(await timePlan("plan prod", "prod", () => readStackConfig("prod"), runs));
  for (const count of [10, 50]) {
    rows.push(
      await timePlan(
        `plan prod with ${count} services`,
        "prod",
        () => withServices(readStackConfig("prod"), count),
        runs,
      ),
    );
  }
  const node = process.execPath;
  rows.push(
    timeCommand("npm run plan (new process, dev)", node, [
      "-r",
      "ts-node/register/transpile-only",
      "plan/main.ts",
    ]),
  );
  if (test) rows.push(timeCommand("npm test (typecheck + unit tests)", "npm", ["test"]));

  process.stdout.write(
    `Node ${process.version} on ${os.platform()}/${os.arch()}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"})\n\n${table(rows)}\n`,
  );
  return 0;
}

if (require.main === module) {
  void runBench(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
