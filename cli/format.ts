/** Left-aligned columns, two spaces apart, for terminal tables. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n") + "\n";
}

/** The tag of an image reference: `…/api:v1.2.3` → `v1.2.3`, `…@sha256:ab…` → `sha256:ab…`. */
export function imageTagOf(image: string | undefined): string {
  if (image === undefined) return "";
  const digest = image.indexOf("@");
  if (digest >= 0) return image.slice(digest + 1);
  const name = image.slice(image.lastIndexOf("/") + 1);
  const colon = name.indexOf(":");
  return colon >= 0 ? name.slice(colon + 1) : "latest";
}
