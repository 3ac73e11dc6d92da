import { BatchError, errors } from "../http/errors.js";
import { parseDuration } from "../http/wire-format.js";

/** Small checks for request bodies, raising the service's errors with the property's path. */
const idPattern = /^[A-Za-z0-9_-]{1,64}$/;

export function requireId(body: Record<string, unknown>, name = "id"): string {
  const value = body[name];
  if (value === undefined || value === null || value === "") throw errors.missingProperty(name);
  if (typeof value !== "string" || !idPattern.test(value)) {
    throw errors.invalidProperty(name, value, "ids contain letters, digits, hyphens and underscores, at most 64 characters");
  }
  return value;
}

export function requireString(body: Record<string, unknown>, name: string, path = name): string {
  const value = body[name];
  if (value === undefined || value === null || value === "") throw errors.missingProperty(path);
  if (typeof value !== "string") throw errors.invalidProperty(path, value);
  return value;
}

export function optionalInt(body: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw errors.invalidProperty(name, value, `must be an integer between ${min} and ${max}`);
  }
  return value;
}

export function optionalBoolean(body: Record<string, unknown>, name: string): boolean | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw errors.invalidProperty(name, value);
  return value;
}

/** An ISO 8601 duration property, in ms, within [minMs, maxMs]. */
export function optionalDuration(body: Record<string, unknown>, name: string, minMs: number, maxMs: number): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === "string" ? parseDuration(value) : undefined;
  if (ms === undefined) throw errors.invalidProperty(name, value, "not a valid ISO 8601 duration");
  if (ms < minMs || ms > maxMs) throw errors.invalidProperty(name, value, "the duration is out of range");
  return ms;
}

export function optionalObject(body: Record<string, unknown>, name: string): Record<string, unknown> | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) throw errors.invalidProperty(name, value);
  return value as Record<string, unknown>;
}

export function optionalArray(body: Record<string, unknown>, name: string): unknown[] | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw errors.invalidProperty(name, value);
  return value;
}

/** metadata: a list of {name, value} strings. */
export function checkMetadata(value: unknown[] | undefined): void {
  for (const item of value ?? []) {
    const pair = item as { name?: unknown; value?: unknown } | null;
    if (typeof pair?.name !== "string" || pair.name === "") throw errors.missingProperty("metadata.name");
    if (typeof pair.value !== "string") throw errors.missingProperty("metadata.value");
  }
}

export function oneOf<T extends string>(body: Record<string, unknown>, name: string, allowed: readonly T[]): T | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  const match = allowed.find((a) => typeof value === "string" && a.toLowerCase() === value.toLowerCase());
  if (match === undefined) throw errors.invalidProperty(name, value);
  return match;
}

export const conflict = (code: string, message?: string): BatchError => new BatchError(409, code, message);
