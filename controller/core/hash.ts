/** Stable hashing of JSON-like values: key order never changes a hash. Pure. */
import { createHash } from "node:crypto";

/** JSON with object keys sorted recursively; `undefined` members dropped like JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}

/** Hex SHA-256 of the canonical JSON of `value`. */
export function stableHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}

/** The first `length` hex characters of stableHash (8 for Batch ids, 16 for task content). */
export function shortHash(value: unknown, length = 8): string {
  return stableHash(value).slice(0, length);
}
