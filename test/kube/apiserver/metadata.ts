/** ObjectMeta rules: names, labels, and which metadata fields only the server may set. */
import { randomUUID } from "node:crypto";
import type { FieldCause, KubeObject, ObjectMeta } from "./types.js";

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

export function validateName(name: string, asLabel: boolean): FieldCause[] {
  if (asLabel ? name.length <= 63 && DNS_LABEL.test(name) : name.length <= 253 && DNS_SUBDOMAIN.test(name)) return [];
  const what = asLabel ? "a lowercase RFC 1123 label" : "a lowercase RFC 1123 subdomain";
  return [
    {
      reason: "FieldValueInvalid",
      field: "metadata.name",
      message: `Invalid value: ${JSON.stringify(name)}: ${what} must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
    },
  ];
}

export function validateLabels(meta: ObjectMeta): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const [key, value] of Object.entries(meta.labels ?? {})) {
    const name = key.includes("/") ? key.slice(key.indexOf("/") + 1) : key;
    if (name.length > 63 || !LABEL_NAME.test(name)) {
      causes.push({
        reason: "FieldValueInvalid",
        field: "metadata.labels",
        message: `Invalid value: ${JSON.stringify(key)}: name part must consist of alphanumeric characters, '-', '_' or '.'`,
      });
    }
    if (typeof value !== "string" || value.length > 63 || !LABEL_VALUE.test(value)) {
      causes.push({
        reason: "FieldValueInvalid",
        field: "metadata.labels",
        message: `Invalid value: ${JSON.stringify(value)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.'`,
      });
    }
  }
  return causes;
}

const GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

export function generatedName(prefix: string): string {
  let suffix = "";
  for (let i = 0; i < 5; i += 1) suffix += GENERATE_ALPHABET[Math.floor(Math.random() * GENERATE_ALPHABET.length)] ?? "x";
  return `${prefix}${suffix}`;
}

/** Fields of metadata that the server owns; a client's values are ignored on create and update. */
const SYSTEM_FIELDS = [
  "uid",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "generation",
  "resourceVersion",
  "selfLink",
] as const;

export function stampCreate(meta: ObjectMeta, now: Date, tracksGeneration: boolean): void {
  for (const key of SYSTEM_FIELDS) delete meta[key];
  delete meta.managedFields;
  meta.uid = randomUUID();
  meta.creationTimestamp = rfc3339(now);
  if (tracksGeneration) meta.generation = 1;
}

/** Carries the server-owned metadata of `current` over to the updated object. */
export function keepSystemFields(meta: ObjectMeta, current: ObjectMeta): void {
  for (const key of SYSTEM_FIELDS) {
    const value: unknown = current[key];
    if (value === undefined) delete meta[key];
    else (meta as Record<string, unknown>)[key] = value;
  }
  delete meta.managedFields;
}

/** Kubernetes timestamps have second precision in metadata. */
export const rfc3339 = (date: Date): string => `${date.toISOString().slice(0, 19)}Z`;

/** Whether anything but metadata (and status, when it is a subresource) differs: that is what bumps generation. */
export function specChanged(before: KubeObject, after: KubeObject, ignoreStatus: boolean): boolean {
  const strip = (obj: KubeObject): string => {
    const { metadata: _metadata, status, ...rest } = obj;
    return canonicalJson(ignoreStatus ? rest : { ...rest, status });
  };
  return strip(before) !== strip(after);
}

/** JSON with sorted keys, so two objects compare equal regardless of key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
