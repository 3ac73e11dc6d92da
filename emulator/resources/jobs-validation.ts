import { errors } from "../http/errors.js";
import { normaliseDuration, parseDuration } from "../http/wire-format.js";

import type { Body } from "../store/entity.js";

/**
 * Request-body checks shared by jobs and tasks, answering with the service's codes:
 * MissingRequiredProperty for an absent required property, InvalidPropertyValue for a wrong type or range.
 */
export type { Body };

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Ids are letters, digits, hyphens and underscores, at most 64 characters. */
export function requireId(body: Body, name = "id"): string {
  const value = body[name];
  if (value === undefined || value === null || value === "") throw errors.missingProperty(name);
  if (typeof value !== "string" || !ID_PATTERN.test(value)) throw errors.invalidProperty(name, value);
  return value;
}

export function requireString(body: Body, name: string): string {
  const value = body[name];
  if (value === undefined || value === null || value === "") throw errors.missingProperty(name);
  if (typeof value !== "string") throw errors.invalidProperty(name, value);
  return value;
}

export function optionalString(body: Body, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw errors.invalidProperty(name, value);
  return value;
}

export function optionalInt(body: Body, name: string, range: { min: number; max: number }): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < range.min || value > range.max) {
    throw errors.invalidProperty(name, value, `must be an integer from ${range.min} to ${range.max}`);
  }
  return value;
}

export function optionalBoolean(body: Body, name: string): boolean | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw errors.invalidProperty(name, value);
  return value;
}

/** Enum values are matched case-insensitively (as the service does) and stored in the spec's lowercase form. */
export function optionalEnum<T extends string>(body: Body, name: string, allowed: readonly T[]): T | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  const found = typeof value === "string" ? allowed.find((item) => item.toLowerCase() === value.toLowerCase()) : undefined;
  if (found === undefined) throw errors.invalidProperty(name, value);
  return found;
}

export function optionalObject(body: Body, name: string): Body | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) throw errors.invalidProperty(name, value);
  return value as Body;
}

export function optionalArray(body: Body, name: string): unknown[] | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw errors.invalidProperty(name, value);
  return value;
}

/** ISO-8601 durations such as PT1H; returns milliseconds. */
export function optionalDuration(body: Body, name: string): number | undefined {
  const value = optionalString(body, name);
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined) throw errors.invalidProperty(name, value);
  return ms;
}

/** How the service shows "no limit" for a duration (TimeSpan.MaxValue); kept verbatim (floating point would round it). */
export const INFINITE_DURATION = "P10675199DT2H48M5.4775807S";

/** A duration property in the form the service answers with (years, months, weeks folded into days). */
export function optionalDurationText(body: Body, name: string): string | undefined {
  const value = optionalString(body, name);
  if (value === undefined || value === INFINITE_DURATION) return value;
  const text = normaliseDuration(value);
  if (text === undefined) throw errors.invalidProperty(name, value);
  return text;
}

/** metadata: [{name, value}] with both strings. */
export function optionalMetadata(body: Body): Array<{ name: string; value: string }> | undefined {
  const items = optionalArray(body, "metadata");
  if (items === undefined) return undefined;
  return items.map((item) => {
    const entry = item !== null && typeof item === "object" ? (item as Body) : {};
    return { name: requireString(entry, "name"), value: requireString(entry, "value") };
  });
}
