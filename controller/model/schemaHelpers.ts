/**
 * Small TypeBox helpers that keep every schema *structural* in the Kubernetes sense:
 * no `anyOf`/`oneOf` with types, no `const`, no `patternProperties`. Enums are plain string enums.
 */
import {
  Type,
  type TUnsafe,
  type ObjectOptions,
  type TProperties,
  type TObject,
  type TInteger,
  type IntegerOptions,
} from "@sinclair/typebox";
import { INT32_MAX } from "./constants.js";

/** One `x-kubernetes-validations` entry: a CEL rule the API server (and our runtime validator) evaluates. */
export interface CelRule {
  /** Our stable id for the rule; the CRD generator strips it (the API server knows no such key). */
  readonly id: string;
  readonly rule: string;
  readonly message: string;
  /** Relative JSON path (`.scale`) the API server reports the failure at. */
  readonly fieldPath?: string;
}

/** A string enum expressed as `{type: string, enum: [...]}` with a literal-union static type. */
export function StringEnum<const T extends readonly string[]>(values: T, options: { description?: string } = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: "string", enum: [...values], ...options });
}

/** A map of string to string (labels-like) without `patternProperties`, which CRDs reject. */
export function StringMap(options: { description?: string } = {}): TUnsafe<Record<string, string>> {
  return Type.Unsafe<Record<string, string>>({ type: "object", additionalProperties: { type: "string" }, ...options });
}

/** An int32 (what Batch carries): bounded both ways unless the field says tighter. */
export function Int(options: IntegerOptions = {}): TInteger {
  return Type.Integer({ minimum: -INT32_MAX - 1, maximum: INT32_MAX, ...options });
}

/** A closed object (unknown fields rejected at runtime) with optional CEL rules attached. */
export function Strict<T extends TProperties>(properties: T, options: ObjectOptions & { rules?: readonly CelRule[] } = {}): TObject<T> {
  const { rules, ...rest } = options;
  const extra = rules === undefined || rules.length === 0 ? {} : { "x-kubernetes-validations": rules.map((r) => ({ ...r })) };
  return Type.Object(properties, { additionalProperties: false, ...rest, ...extra });
}
