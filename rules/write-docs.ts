/**
 * `npm run docs:rules [-- --check]`: writes the security and reliability rules table into
 * README.md between its markers, from the rule module. With --check it only reports whether the
 * README is up to date (exit 1 if not).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { rulesTable, withRulesTable } from "./table";

const README = path.join(__dirname, "..", "README.md");

export async function main(argv: readonly string[]): Promise<number> {
  const check = argv.includes("--check");
  const unknown = argv.filter((a) => a !== "--check");
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown argument(s): ${unknown.join(" ")}; usage: docs:rules [-- --check]\n`,
    );
    return 2;
  }
  const readme = fs.readFileSync(README, "utf8");
  const updated = withRulesTable(readme, await rulesTable());
  if (updated === readme) {
    process.stdout.write("README.md rules table is up to date.\n");
    return 0;
  }
  if (check) {
    process.stderr.write("README.md rules table is stale: run npm run docs:rules\n");
    return 1;
  }
  fs.writeFileSync(README, updated);
  process.stdout.write("README.md rules table written.\n");
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
