/**
 * Structural-schema behaviour of a CRD's openAPIV3Schema: pruning of unknown fields, defaulting, and
 * validation (ajv) with errors worded and located like the real API server's (`spec.replicas: Invalid value: …`).
 */
import { Ajv } from "ajv";
import type { ErrorObject, ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import type { FieldCause, JsonObject } from "./types.js";

export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: FieldCause["reason"];
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

export interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  required?: string[];
  default?: unknown;
  nullable?: boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-embedded-resource"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-validations"?: ValidationRule[];
  [keyword: string]: unknown;
}

export const isPlainObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);

/** Joins a field path the way apimachinery prints it: `spec.pools[0].name`. */
export const childPath = (path: string, key: string | number): string =>
  typeof key === "number" ? `${path}[${key}]` : path === "" ? key : `${path}.${key}`;

const ROOT_OBJECT_FIELDS = new Set(["apiVersion", "kind", "metadata"]);

/** Removes fields the schema does not declare (in place) and returns their paths, as the server prunes them. */
export function prune(value: unknown, schema: SchemaNode, path = "", isRoot = true): string[] {
  if (Array.isArray(value)) {
    return schema.items ? value.flatMap((item, i) => prune(item, schema.items as SchemaNode, childPath(path, i), false)) : [];
  }
  if (!isPlainObject(value)) return [];
  const pruned: string[] = [];
  const keepsEnvelope = isRoot || schema["x-kubernetes-embedded-resource"] === true;
  for (const key of Object.keys(value)) {
    if (keepsEnvelope && ROOT_OBJECT_FIELDS.has(key)) continue;
    const child = childSchema(schema, key);
    if (child) pruned.push(...prune(value[key], child, childPath(path, key), false));
    else if (schema["x-kubernetes-preserve-unknown-fields"] !== true) {
      delete value[key];
      pruned.push(childPath(path, key));
    }
  }
  return pruned;
}

function childSchema(schema: SchemaNode, key: string): SchemaNode | undefined {
  const declared = schema.properties?.[key];
  if (declared) return declared;
  return isPlainObject(schema.additionalProperties) ? (schema.additionalProperties as SchemaNode) : undefined;
}

/** Fills in `default` values for absent properties (in place), top-down like the server's defaulting. */
export function applyDefaults(value: unknown, schema: SchemaNode): void {
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) applyDefaults(item, schema.items);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [key, propSchema] of Object.entries(schema.properties ?? {})) {
    if (value[key] === undefined && propSchema.default !== undefined) value[key] = structuredClone(propSchema.default);
  }
  for (const key of Object.keys(value)) {
    const child = childSchema(schema, key);
    if (child) applyDefaults(value[key], child);
  }
}

/** A compiled validator for one version's schema. */
export type SchemaValidator = (obj: JsonObject) => FieldCause[];

export function compileSchema(schema: SchemaNode): SchemaValidator {
  const ajv = new Ajv({ allErrors: true, strict: false, verbose: true, logger: false });
  const addFormats = addFormatsModule as unknown as (a: Ajv) => Ajv;
  addFormats(ajv);
  // metadata is ObjectMeta, validated by the server itself rather than by the CRD schema.
  const rootSchema = { ...schema, properties: { ...(schema.properties ?? {}), metadata: { type: "object" } } };
  const validate: ValidateFunction = ajv.compile(stripExtensions(rootSchema) as object);
  return (obj) => {
    const causes: FieldCause[] = [];
    if (!validate(obj)) causes.push(...(validate.errors ?? []).map(toCause));
    causes.push(...listUniquenessCauses(obj, schema, ""));
    return dedupe(causes);
  };
}

/** Removes `x-kubernetes-*` keywords, which ajv does not know; int-or-string is expressed with anyOf. */
function stripExtensions(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripExtensions);
  if (!isPlainObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith("x-kubernetes-") || key === "default") continue;
    out[key] = key === "enum" || key === "example" ? value : stripExtensions(value);
  }
  if (node["x-kubernetes-int-or-string"] === true && out.type === undefined && out.anyOf === undefined) {
    out.anyOf = [{ type: "integer" }, { type: "string" }];
  }
  return out;
}

const fieldFromPointer = (pointer: string): string =>
  pointer
    .split("/")
    .slice(1)
    .map((seg) => seg.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce<string>((path, seg) => childPath(path, /^\d+$/.test(seg) ? Number(seg) : seg), "");

const jsonTypeOf = (value: unknown): string =>
  value === null
    ? "null"
    : Array.isArray(value)
      ? "array"
      : typeof value === "object"
        ? "object"
        : typeof value === "number"
          ? Number.isInteger(value)
            ? "integer"
            : "number"
          : typeof value;

const shown = (value: unknown): string => (isPlainObject(value) || Array.isArray(value) ? `"${jsonTypeOf(value)}"` : JSON.stringify(value));

function toCause(error: ErrorObject): FieldCause {
  const field = fieldFromPointer(error.instancePath);
  const params = error.params as Record<string, unknown>;
  const value = shown(error.data);
  switch (error.keyword) {
    case "required":
      return { reason: "FieldValueRequired", field: childPath(field, String(params.missingProperty)), message: "Required value" };
    case "enum": {
      const allowed = ((params.allowedValues as unknown[]) ?? []).map((v) => JSON.stringify(v)).join(", ");
      return { reason: "FieldValueNotSupported", field, message: `Unsupported value: ${value}: supported values: ${allowed}` };
    }
    case "type":
      return {
        reason: "FieldValueTypeInvalid",
        field,
        message: `Invalid value: "${jsonTypeOf(error.data)}": ${field} in body must be of type ${String(params.type)}: "${jsonTypeOf(error.data)}"`,
      };
    case "maxLength":
      return { reason: "FieldValueTooLong", field, message: `Too long: may not be more than ${String(params.limit)} bytes` };
    default:
      return { reason: "FieldValueInvalid", field, message: `Invalid value: ${value}: ${field} in body ${bodyPhrase(error)}` };
  }
}

/** The phrase the server uses after "in body" for each keyword. */
function bodyPhrase(error: ErrorObject): string {
  const limit = String((error.params as Record<string, unknown>).limit);
  const phrases: Record<string, string> = {
    minimum: `should be greater than or equal to ${limit}`,
    maximum: `should be less than or equal to ${limit}`,
    exclusiveMinimum: `should be greater than ${limit}`,
    exclusiveMaximum: `should be less than ${limit}`,
    minLength: `should be at least ${limit} chars long`,
    minItems: `should have at least ${limit} items`,
    maxItems: `should have at most ${limit} items`,
    minProperties: `should have at least ${limit} properties`,
    maxProperties: `should have at most ${limit} properties`,
    pattern: `should match '${String((error.params as Record<string, unknown>).pattern)}'`,
    format: `must be of type ${String((error.params as Record<string, unknown>).format)}`,
  };
  return phrases[error.keyword] ?? error.message ?? "is invalid";
}

/** `x-kubernetes-list-type: set | map` forbid duplicates (by value, or by the list-map keys). */
function listUniquenessCauses(value: unknown, schema: SchemaNode, path: string): FieldCause[] {
  if (Array.isArray(value)) {
    const causes = duplicateCauses(value, schema, path);
    if (schema.items)
      value.forEach((item, i) => causes.push(...listUniquenessCauses(item, schema.items as SchemaNode, childPath(path, i))));
    return causes;
  }
  if (!isPlainObject(value)) return [];
  return Object.keys(value).flatMap((key) => {
    const child = childSchema(schema, key);
    return child && !(path === "" && key === "metadata") ? listUniquenessCauses(value[key], child, childPath(path, key)) : [];
  });
}

function duplicateCauses(list: unknown[], schema: SchemaNode, path: string): FieldCause[] {
  const listType = schema["x-kubernetes-list-type"];
  if (listType !== "set" && listType !== "map") return [];
  const keys = schema["x-kubernetes-list-map-keys"] ?? [];
  const seen = new Set<string>();
  const causes: FieldCause[] = [];
  list.forEach((item, i) => {
    const identity = listType === "map" && isPlainObject(item) ? JSON.stringify(keys.map((k) => item[k])) : JSON.stringify(item);
    if (seen.has(identity))
      causes.push({ reason: "FieldValueDuplicate", field: childPath(path, i), message: `Duplicate value: ${identity}` });
    seen.add(identity);
  });
  return causes;
}

function dedupe(causes: FieldCause[]): FieldCause[] {
  const seen = new Set<string>();
  return causes.filter((c) => {
    const key = `${c.field}|${c.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
