// The project's import graph for tests/layout.test.ts: every import, export-from, require() and
// import() of each TypeScript file, found by TypeScript's own import scanner (ts.preProcessFile,
// which reads the imports without parsing or type-checking the file: a tenth of the time madge's
// full parse took, which counted against `npm test`'s 20 s). Type-only imports count too.
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

/** Every `.ts` file (not `.d.ts`) under `dir`, outside node_modules and dot-folders. */
function typeScriptFiles(dir: string): string[] {
  if (!fs.statSync(dir).isDirectory()) return dir.endsWith(".ts") ? [dir] : [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      return entry.name === "node_modules" || entry.name.startsWith(".")
        ? []
        : typeScriptFiles(full);
    }
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [full] : [];
  });
}

/** A relative specifier as Node and TypeScript resolve it here: the file, `.ts`, or `/index.ts`. */
function resolveRelative(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  return [base, `${base}.ts`, path.join(base, "index.ts")].find(
    (candidate) => fs.existsSync(candidate) && fs.statSync(candidate).isFile(),
  );
}

/**
 * `file → the project files it imports`, paths relative to `root` with `/`, for the files under
 * `entries` (folders or files). Package imports are left out; a relative import that resolves to
 * nothing throws, naming it.
 */
export function importGraph(root: string, entries: readonly string[]): Record<string, string[]> {
  const relative = (file: string) => path.relative(root, file).split(path.sep).join("/");
  const graph: Record<string, string[]> = {};
  for (const file of entries.flatMap((entry) => typeScriptFiles(path.join(root, entry)))) {
    const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true);
    const deps = importedFiles
      .map((imported) => imported.fileName)
      .filter((specifier) => specifier.startsWith("."))
      .map((specifier) => {
        const target = resolveRelative(file, specifier);
        if (target === undefined) {
          throw new Error(`${relative(file)} imports ${specifier}, which resolves to no file`);
        }
        return relative(target);
      });
    graph[relative(file)] = [...new Set(deps)].sort();
  }
  return graph;
}

/** One cycle per strongly connected component of more than one file (or a file importing itself). */
export function importCycles(graph: Readonly<Record<string, readonly string[]>>): string[][] {
  // Tarjan's algorithm: each component is found once, in one pass.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph[node] ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph[node] ?? []).includes(node)) cycles.push(component.sort());
  };
  for (const node of Object.keys(graph).sort()) if (!index.has(node)) visit(node);
  return cycles;
}
