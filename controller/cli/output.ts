/**
 * The one `--output` flag of every command that prints resources or plans: `table` (for people,
 * the default), `json` and `yaml` (for tools), and `markdown` where a command offers it (plan, for
 * pull-request comments). Structured output goes to stdout alone, so it can be piped.
 */
import { stringify } from "yaml";
import { UsageError } from "./usage.js";

export const OUTPUT_FORMATS = ["table", "json", "yaml"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number] | "markdown";

/** The parseArgs definition of `--output`/`-o`, the same in every command. */
export const OUTPUT_OPTION = { output: { type: "string", short: "o" } } as const;

/** The format asked for, or a UsageError naming the accepted ones. */
export function parseOutput<T extends OutputFormat>(value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw new UsageError(`--output must be one of ${allowed.join(", ")}; got "${value}"`);
  return found;
}

/** JSON (2-space, trailing newline dropped for console.log) or YAML of a plain value. */
export function renderStructured(value: unknown, format: "json" | "yaml"): string {
  return format === "json" ? JSON.stringify(value, null, 2) : stringify(value, { lineWidth: 0 }).trimEnd();
}

/** Left-aligned columns with a header row, as kubectl prints them. */
export function renderColumns(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("   ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
