/**
 * Text layout for the printed plan: every line fits a terminal of `PLAN_WIDTH` columns. Long
 * lists and sentences wrap onto indented continuation lines; long source notes become numbered
 * footnotes. The JSON plan keeps every detail; only the text is laid out here.
 */

/** The widest line the printed plan may have. */
export const PLAN_WIDTH = 100;

/** "$1,234.50" */
export function usd(value: number): string {
  return `$${value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** "2,190", "0.46" */
export function quantity(value: number): string {
  return value.toLocaleString("en-US", { maximumFractionDigits: 2 });
}

/**
 * Packs `items` joined by `separator` onto lines of at most `width` columns: the first line starts
 * with `first`, the others with `rest`. An item wider than a whole line is cut, never overflows.
 */
export function pack(
  items: readonly string[],
  separator: string,
  first: string,
  rest: string,
  width = PLAN_WIDTH,
): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  // Where the line breaks, the separator loses its trailing space.
  const glue = separator.trimEnd();
  for (const item of items) {
    const candidate = empty ? line + item : line + separator + item;
    if (candidate.length + glue.length <= width) {
      line = candidate;
      empty = false;
      continue;
    }
    if (!empty) {
      lines.push(line + glue);
      line = rest;
      empty = true;
    }
    let remaining = item;
    while (line.length + remaining.length > width) {
      const room = Math.max(1, width - line.length);
      lines.push(line + remaining.slice(0, room));
      remaining = remaining.slice(room);
      line = rest;
    }
    line += remaining;
    empty = false;
  }
  lines.push(line);
  return lines;
}

/** Word-wraps `text`: the first line starts with `first`, continuation lines with `rest`. */
export function wrap(text: string, first: string, rest: string, width = PLAN_WIDTH): string[] {
  return pack(text.split(" ").filter(Boolean), " ", first, rest, width);
}

/**
 * Wraps any line wider than `width` at its spaces, continuing two columns deeper than it starts:
 * the last guard that keeps every printed line within the terminal.
 */
export function fitLines(lines: readonly string[], width = PLAN_WIDTH): string[] {
  return lines.flatMap((line) => {
    if (line.length <= width) return [line];
    const indent = /^ */.exec(line)![0];
    return wrap(line.slice(indent.length), indent, `${indent}  `, width);
  });
}

/** Long source notes as numbered references: `[1]` on the line, the note once below. */
export class Footnotes {
  private readonly numbers = new Map<string, number>();

  /** The marker of `note`, numbered in the order notes are first cited. */
  ref(note: string): string {
    let number = this.numbers.get(note);
    if (number === undefined) {
      number = this.numbers.size + 1;
      this.numbers.set(note, number);
    }
    return `[${number}]`;
  }

  /** The widest marker so far, for column layout. */
  get markerWidth(): number {
    return `[${this.numbers.size}]`.length;
  }

  /** One line per note: `[1] infracost 2026-08-21`, wrapped under its text. */
  render(indent: string): string[] {
    return [...this.numbers].flatMap(([note, number]) => {
      const marker = `[${number}] `;
      return wrap(note, `${indent}${marker}`, indent + " ".repeat(marker.length));
    });
  }
}
