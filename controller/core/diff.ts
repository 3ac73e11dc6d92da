/** Field-level differences between desired and live values, worded for humans. Pure. */
import { canonicalJson } from "./hash.js";

export interface FieldDiff {
  /** Dotted path, e.g. `targetDedicatedNodes` or `metadata.team`. */
  readonly field: string;
  readonly desired: unknown;
  readonly live: unknown;
}

export function describeDiff(d: FieldDiff): string {
  return `${d.field}: desired ${show(d.desired)}, live ${show(d.live)}`;
}

function show(value: unknown): string {
  if (value === undefined) return "(unset)";
  const text = typeof value === "string" ? JSON.stringify(value) : canonicalJson(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/**
 * Differences of the fields `desired` sets, compared recursively. Fields only the live side has
 * are ignored: the service fills defaults (e.g. maxTaskRetryCount) we did not ask for.
 */
export function subsetDiff(prefix: string, desired: unknown, live: unknown): FieldDiff[] {
  if (isPlainObject(desired) && isPlainObject(live)) {
    return Object.entries(desired).flatMap(([k, v]) => (v === undefined ? [] : subsetDiff(prefix ? `${prefix}.${k}` : k, v, live[k])));
  }
  if (Array.isArray(desired) && Array.isArray(live) && desired.length === live.length) {
    return desired.flatMap((v, i) => subsetDiff(`${prefix}[${i}]`, v, live[i]));
  }
  return canonicalJson(desired) === canonicalJson(live) ? [] : [{ field: prefix, desired, live }];
}

/** Exact differences of two string maps (metadata), one entry per key. */
export function mapDiff(prefix: string, desired: Readonly<Record<string, string>>, live: Readonly<Record<string, string>>): FieldDiff[] {
  const keys = [...new Set([...Object.keys(desired), ...Object.keys(live)])].sort();
  return keys.filter((k) => desired[k] !== live[k]).map((k) => ({ field: `${prefix}.${k}`, desired: desired[k], live: live[k] }));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
