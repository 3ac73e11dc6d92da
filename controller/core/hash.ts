/** Stable hashing of JSON-like values: key order never changes a hash. Pure. */
import { hash } from "node:crypto";

/**
 * JSON with object keys sorted recursively; `undefined` members dropped like JSON.stringify does
 * (in arrays they become `null`, as there). Written straight to a string rather than through a
 * sorted copy: it runs once per task, 100,000 times for a large sweep.
 */
export function canonicalJson(value: unknown): string {
  return write(value) ?? "null";
}

/** undefined when the value has no JSON form (undefined, a function), as JSON.stringify omits it. */
function write(value: unknown): string | undefined {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + (write(value[i]) ?? "null");
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = "{";
  let first = true;
  for (const key of sortedKeys(record)) {
    const member = write(record[key]);
    if (member === undefined) continue;
    out += `${first ? "" : ","}${quotedKey(key)}:${member}`;
    first = false;
  }
  return `${out}}`;
}

/** Object keys repeat across the tasks of a sweep ("id", "commandLine", ...): quoted once each. */
const quotedKeys = new Map<string, string>();

function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (quotedKeys.size < 4096) quotedKeys.set(key, quoted);
  }
  return quoted;
}

/**
 * Keys in the order of the original definition, JSON.stringify of an Object.fromEntries copy made
 * from sorted entries: integer-like keys come first in numeric order (JavaScript objects order
 * them so, and Object.keys already lists them that way), then the others sorted.
 */
function sortedKeys(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record);
  let integers = 0;
  while (integers < keys.length && isArrayIndex(keys[integers] ?? "")) integers++;
  return integers === 0 ? keys.sort() : [...keys.slice(0, integers), ...keys.slice(integers).sort()];
}

function isArrayIndex(key: string): boolean {
  const first = key.charCodeAt(0);
  if (first < 48 || first > 57) return false; // not a digit: the common case, without the regular expression
  return /^(0|[1-9]\d*)$/.test(key) && Number(key) < 4294967295;
}

/** Hex SHA-256 of the canonical JSON of `value`. */
export function stableHash(value: unknown): string {
  return hash("sha256", canonicalJson(value), "hex");
}

/** The first `length` hex characters of stableHash (8 for Batch ids, 16 for task content). */
export function shortHash(value: unknown, length = 8): string {
  return shortHashOfCanonical(canonicalJson(value), length);
}

/** shortHash of a value whose canonical JSON is `canonical` (core/sweepText.ts writes it without the value). */
export function shortHashOfCanonical(canonical: string, length: number): string {
  return hash("sha256", canonical, "hex").slice(0, length);
}
