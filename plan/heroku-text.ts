/**
 * The Heroku comparison as text: both figures as one table (workload | dynos | monthly | source
 * footnote), the notes, the sources spelled out, and the AWS estimate beside the Private Space.
 */
import { CostEstimate } from "./cost";
import { dynoMemory, HerokuEstimate, HerokuFigure } from "./heroku";
import { Footnotes, usd, wrap } from "./text";

interface Layout {
  readonly workload: number;
  readonly what: number;
  readonly monthly: number;
}

function describeLine(l: HerokuFigure["lines"][number]): string {
  return `${l.tasks} × ${l.dyno} (${dynoMemory(l.dynoMemoryMiB)}) for ${l.memoryMiB} MiB tasks`;
}

function describeAddon(a: HerokuFigure["addons"][number]): string {
  return `${a.plan}${a.confirmed ? "" : " (unconfirmed)"}`;
}

function renderFigure(
  figure: HerokuFigure,
  about: string,
  layout: Layout,
  notes: Footnotes,
): string[] {
  const label = layout.workload + layout.what;
  const total = usd(figure.total).padStart(layout.monthly);
  const lines = [`  ${`${figure.name} (${about})`.padEnd(label + 2)}${total}`];
  if (figure.space) {
    const fee = usd(figure.space.monthly).padStart(layout.monthly);
    const note = notes.ref(figure.space.source);
    lines.push(`    ${`${figure.space.name} fee`.padEnd(label)}${fee}  ${note}`);
  }
  for (const l of figure.lines) {
    const what = describeLine(l).padEnd(layout.what);
    const monthly = usd(l.monthly).padStart(layout.monthly);
    lines.push(
      `    ${l.workload.padEnd(layout.workload)}${what}${monthly}  ${notes.ref(l.source)}`,
    );
  }
  for (const a of figure.addons) {
    const what = describeAddon(a).padEnd(layout.what);
    const monthly = usd(a.monthly).padStart(layout.monthly);
    lines.push(`    ${a.store.padEnd(layout.workload)}${what}${monthly}  ${notes.ref(a.source)}`);
    lines.push(...wrap(a.match, `    ${" ".repeat(layout.workload)}  `, `      `));
  }
  for (const u of figure.unpriced) lines.push(...wrap(`not in the total: ${u}`, "    ", "      "));
  return lines;
}

export function renderHeroku(heroku: HerokuEstimate, cost: CostEstimate): string[] {
  const { privateSpace, commonRuntime } = heroku;
  const figures = [privateSpace, commonRuntime];
  const all = figures.flatMap((f) => f.lines);
  const addons = figures.flatMap((f) => f.addons);
  const layout: Layout = {
    workload:
      Math.max(8, ...all.map((l) => l.workload.length), ...addons.map((a) => a.store.length)) + 2,
    what: Math.max(40, ...all.map((l) => describeLine(l).length)) + 2,
    monthly: Math.max(10, ...figures.map((f) => usd(f.total).length + 1)),
  };
  const notes = new Footnotes();
  const lines = [
    ...wrap(
      `The same workloads on Heroku (list prices): ${usd(privateSpace.total)} per month in a Private Space, ${usd(commonRuntime.total)} on the Common Runtime`,
      "",
      "  ",
    ),
    ...renderFigure(privateSpace, "a private network, like the VPC", layout, notes),
    ...renderFigure(commonRuntime, "no private network; for reference", layout, notes),
  ];
  for (const note of heroku.notes) lines.push(...wrap(note, "  Note: ", "    "));
  lines.push("  Sources:", ...notes.render("    "));
  for (const [key, text] of Object.entries(heroku.sources)) {
    lines.push(...wrap(`${key}: ${text}`, "    ", "      "));
  }
  const left = privateSpace.unpriced.length;
  const more = left > 0 ? ` + ${left} item${left === 1 ? "" : "s"} not in it` : "";
  const incomplete = cost.complete ? "" : " (INCOMPLETE, see above)";
  lines.push(
    ...wrap(
      `AWS estimate ${usd(cost.total)}${incomplete} vs Heroku Private Space ${usd(privateSpace.total)}${more} (Common Runtime, without a private network: ${usd(commonRuntime.total)})`,
      "  ",
      "    ",
    ),
  );
  return lines;
}
