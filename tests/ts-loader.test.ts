// scripts/register-ts.js compiles the project's TypeScript for node and mocha: its swc options must
// say what tsconfig.json says, or code would run differently from how it is type-checked.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { transformSync, type Options } from "@swc/core";
import * as ts from "typescript";
import { PROJECT_DIR } from "../components/config/stack-files";

/** The options the loader gives swc; the fields this test reads are always set. */
type SwcOptions = Options & {
  module: { type: string };
  jsc: {
    target: string;
    transform: { legacyDecorator: boolean; useDefineForClassFields: boolean };
  };
};

// eslint-disable-next-line @typescript-eslint/no-require-imports
const loader = require("../scripts/register-ts.js") as {
  swcOptions(filename: string, sourceMaps: boolean): SwcOptions;
};

function compilerOptions(): ts.CompilerOptions {
  const file = path.join(PROJECT_DIR, "tsconfig.json");
  const { config } = ts.readConfigFile(file, (f) => ts.sys.readFile(f)) as { config: unknown };
  return ts.parseJsonConfigFileContent(config, ts.sys, PROJECT_DIR).options;
}

describe("the TypeScript loader (scripts/register-ts.js)", () => {
  const options = loader.swcOptions("x.ts", false);
  const tsconfig = compilerOptions();

  it("compiles to the module system and target tsconfig.json names", () => {
    assert.equal(tsconfig.module, ts.ModuleKind.CommonJS);
    assert.equal(options.module.type, "commonjs");
    assert.equal(tsconfig.target, ts.ScriptTarget.ES2022);
    assert.equal(options.jsc.target, "es2022");
  });

  it("defines class fields as tsc does for this target, and keeps legacy decorators", () => {
    // tsc defines class fields when useDefineForClassFields is unset and the target is ES2022+.
    const useDefine =
      tsconfig.useDefineForClassFields ?? tsconfig.target! >= ts.ScriptTarget.ES2022;
    assert.equal(options.jsc.transform.useDefineForClassFields, useDefine);
    assert.equal(options.jsc.transform.legacyDecorator, tsconfig.experimentalDecorators === true);
  });

  it("produces CommonJS with defined fields and no types", () => {
    const source = "import * as fs from 'node:fs';\nexport class A { x: number; y = fs.sep; }\n";
    const { code } = transformSync(source, loader.swcOptions("a.ts", false));
    assert.match(code, /require\("node:fs"\)/);
    assert.match(code, /^\s+x;$/m); // a defined, uninitialised field, as tsc emits for ES2022
    assert.doesNotMatch(code, /: number/);
    assert.doesNotMatch(code, /sourceMappingURL/);
  });

  it("adds inline source maps only when Node applies them", () => {
    assert.equal(loader.swcOptions("a.ts", true).sourceMaps, "inline");
    const { code } = transformSync(
      "export const a: number = 1;\n",
      loader.swcOptions("a.ts", true),
    );
    assert.match(code, /sourceMappingURL=data:application\/json/);
  });
});
