import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../components/config/stack-files";
import { importCycles, importGraph } from "./import-graph";

/** The four parts of the project and who may import whom (README → Where things are). */
const PARTS = ["components", "plan", "rules", "cli", "policy", "scripts"] as const;
type Part = (typeof PARTS)[number] | "index.ts" | "tests";
const MAY_IMPORT: Record<Part, readonly Part[]> = {
  "index.ts": ["components"],
  components: ["components"],
  rules: ["rules"],
  plan: ["plan", "rules", "components", "index.ts"],
  cli: ["cli", "components"],
  policy: ["policy", "rules"],
  // Entry points that write generated files; nothing but tests imports them.
  scripts: ["scripts", "components", "rules", "plan"],
  tests: [...PARTS, "index.ts", "tests"],
};

function partOf(file: string): Part {
  const top = file.split("/")[0]!;
  if (top === "index.ts" || top === "tests" || (PARTS as readonly string[]).includes(top)) {
    return top as Part;
  }
  throw new Error(`${file} is outside the project's parts`);
}

describe("layout: the four parts at the top, no import circles", function () {
  let graph: Record<string, string[]>;
  let circles: string[][];

  before(() => {
    graph = importGraph(PROJECT_DIR, [...PARTS, "index.ts", "tests"]);
    circles = importCycles(graph);
  });

  it("has no import circle anywhere (type-only imports included)", () => {
    assert.deepEqual(circles, []);
    // The scanner sees type-only imports (cli/logs.ts imports only a type from cli/context.ts).
    assert.ok(graph["cli/logs.ts"]?.includes("cli/context.ts"));
  });

  it("finds a circle, and only where there is one", () => {
    const circular = { "a.ts": ["b.ts"], "b.ts": ["c.ts"], "c.ts": ["a.ts"], "d.ts": ["a.ts"] };
    assert.deepEqual(importCycles(circular), [["a.ts", "b.ts", "c.ts"]]);
    assert.deepEqual(importCycles({ "a.ts": ["a.ts"] }), [["a.ts"]]);
    assert.deepEqual(importCycles({ "a.ts": ["b.ts", "c.ts"], "b.ts": ["c.ts"], "c.ts": [] }), []);
  });

  it("sees the whole program (the graph is not empty)", () => {
    assert.ok(graph["index.ts"]?.includes("components/config/index.ts"), "index.ts → components");
    assert.ok(Object.keys(graph).length > 80);
  });

  it("keeps each part to the parts it may use", () => {
    const wrong: string[] = [];
    for (const [file, deps] of Object.entries(graph)) {
      if (file.endsWith(".json")) continue;
      const from = partOf(file);
      for (const dep of deps) {
        if (dep.endsWith(".json") && path.dirname(dep) === path.dirname(file)) continue;
        const to = partOf(dep);
        if (!MAY_IMPORT[from].includes(to)) wrong.push(`${file} → ${dep}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it("shows the parts at the top level and no scripts/lib", () => {
    const top = fs.readdirSync(PROJECT_DIR);
    for (const dir of [...PARTS, "tests", "docs"]) assert.ok(top.includes(dir), dir);
    assert.ok(!fs.existsSync(path.join(PROJECT_DIR, "scripts", "lib")));
  });
});
