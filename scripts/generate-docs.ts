/**
 * `npm run docs [-- --check]`: writes the generated reference files (docs/configuration.md,
 * docs/rules.md, schema/stack-config.schema.json) from the zod schemas and the rule module. With
 * --check it only reports which are stale (exit 1 if any).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as prettier from "prettier";
import { stackFileJsonSchema } from "../components/config/json-schema";
import {
  CONFIGURATION_PAGE,
  renderConfigurationReference,
  STACK_SCHEMA_FILE,
} from "../components/config/reference-page";
import { PROJECT_DIR } from "../components/config/stack-files";
import { RULES_PAGE, rulesDocument } from "../rules/table";

/** The JSON Schema as Prettier formats it, so that `prettier --check` and the generator agree. */
async function stackSchemaText(): Promise<string> {
  const options = (await prettier.resolveConfig(path.join(PROJECT_DIR, STACK_SCHEMA_FILE))) ?? {};
  return prettier.format(JSON.stringify(stackFileJsonSchema()), { ...options, parser: "json" });
}

/** Each generated file (path from the project root) → its content. */
export async function generatedFiles(): Promise<Record<string, string>> {
  return {
    [CONFIGURATION_PAGE]: renderConfigurationReference(),
    [RULES_PAGE]: await rulesDocument(),
    [STACK_SCHEMA_FILE]: await stackSchemaText(),
  };
}

export async function main(argv: readonly string[], projectDir = PROJECT_DIR): Promise<number> {
  const unknown = argv.filter((a) => a !== "--check");
  if (unknown.length > 0) {
    process.stderr.write(`unknown argument(s): ${unknown.join(" ")}; usage: docs [-- --check]\n`);
    return 2;
  }
  const check = argv.includes("--check");
  let stale = 0;
  for (const [file, content] of Object.entries(await generatedFiles())) {
    const target = path.join(projectDir, file);
    const current = fs.existsSync(target) ? fs.readFileSync(target, "utf8") : undefined;
    if (current === content) {
      process.stdout.write(`${file} is up to date.\n`);
    } else if (check) {
      process.stderr.write(`${file} is stale: run npm run docs\n`);
      stale += 1;
    } else {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content);
      process.stdout.write(`${file} written.\n`);
    }
  }
  return stale > 0 ? 1 : 0;
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
