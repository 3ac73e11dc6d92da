/** A stable, content-derived generation for resources read from files (no API server counts them). */
import { createHash } from "node:crypto";

/** JSON with object keys sorted, so equal specs serialize equally whatever the YAML key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * A positive integer that changes when the spec changes (48 bits of its SHA-256). It is not
 * monotonic like an API server's generation; consumers compare it for equality only.
 */
export function generationOf(spec: unknown): number {
  const hex = createHash("sha256").update(canonicalJson(spec)).digest("hex").slice(0, 12);
  return parseInt(hex, 16) + 1;
}
