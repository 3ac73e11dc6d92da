/**
 * PATCH bodies: JSON merge patch (RFC 7386), JSON patch (RFC 6902), and strategic merge patch for built-in
 * types (approximated as merge patch, except `metadata.finalizers`, which SMP merges as a set).
 */
import { ApiError, badRequest, unsupportedMediaType } from "./errors.js";
import { isPlainObject } from "./schema.js";
import type { JsonObject, KubeObject, ResourceType } from "./types.js";

export const MERGE_PATCH = "application/merge-patch+json";
export const JSON_PATCH = "application/json-patch+json";
export const STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";
const APPLY_PATCH = "application/apply-patch+yaml";

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const result: JsonObject = isPlainObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

interface JsonPatchOp {
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  path: string;
  value?: unknown;
  from?: string;
}

const unescapePointer = (segment: string): string => segment.replace(/~1/g, "/").replace(/~0/g, "~");

function splitPointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw badRequest(`json patch: invalid path "${pointer}"`);
  return pointer.slice(1).split("/").map(unescapePointer);
}

/** Walks to the parent container of the pointer's last segment. */
function locate(doc: unknown, pointer: string): { parent: unknown; key: string } {
  const segments = splitPointer(pointer);
  const key = segments.pop();
  if (key === undefined) throw badRequest(`json patch: cannot operate on the document root`);
  let parent: unknown = doc;
  for (const seg of segments) {
    parent = Array.isArray(parent) ? parent[Number(seg)] : isPlainObject(parent) ? parent[seg] : undefined;
    if (parent === undefined) throw patchFailed(`doc is missing path: "${pointer}"`);
  }
  return { parent, key };
}

const patchFailed = (message: string): ApiError => new ApiError(422, "Invalid", message);

function read(doc: unknown, pointer: string): unknown {
  const { parent, key } = locate(doc, pointer);
  const value = Array.isArray(parent) ? parent[Number(key)] : isPlainObject(parent) ? parent[key] : undefined;
  if (value === undefined) throw patchFailed(`doc is missing path: "${pointer}"`);
  return value;
}

function insert(doc: unknown, pointer: string, value: unknown, replace: boolean): void {
  const { parent, key } = locate(doc, pointer);
  if (Array.isArray(parent)) {
    const index = key === "-" ? parent.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > parent.length || (replace && index >= parent.length)) {
      throw patchFailed(`index out of range: "${pointer}"`);
    }
    parent.splice(index, replace ? 1 : 0, structuredClone(value));
  } else if (isPlainObject(parent)) {
    if (replace && parent[key] === undefined) throw patchFailed(`doc is missing key: "${pointer}"`);
    parent[key] = structuredClone(value);
  } else throw patchFailed(`doc is missing path: "${pointer}"`);
}

function remove(doc: unknown, pointer: string): void {
  read(doc, pointer);
  const { parent, key } = locate(doc, pointer);
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else if (isPlainObject(parent)) delete parent[key];
}

function applyOp(doc: unknown, op: JsonPatchOp): void {
  switch (op.op) {
    case "add":
      return insert(doc, op.path, op.value, false);
    case "replace":
      return insert(doc, op.path, op.value, true);
    case "remove":
      return remove(doc, op.path);
    case "copy":
      return insert(doc, op.path, read(doc, op.from ?? ""), false);
    case "move": {
      const value = read(doc, op.from ?? "");
      remove(doc, op.from ?? "");
      return insert(doc, op.path, value, false);
    }
    case "test":
      if (JSON.stringify(read(doc, op.path)) !== JSON.stringify(op.value)) {
        throw patchFailed(`the server rejected our request due to an error in our request: testing value ${op.path} failed`);
      }
      return;
    default:
      throw badRequest(`json patch: unknown operation ${JSON.stringify((op as { op?: unknown }).op)}`);
  }
}

export function jsonPatch(target: KubeObject, ops: unknown): KubeObject {
  if (!Array.isArray(ops)) throw badRequest("json patch: the body must be an array of operations");
  const doc = structuredClone(target);
  for (const op of ops as JsonPatchOp[]) applyOp(doc, op);
  return doc;
}

/** SMP merges `metadata.finalizers` as a set and honours `$deleteFromPrimitiveList/finalizers`. */
function strategicMergePatch(target: KubeObject, patch: unknown): KubeObject {
  if (!isPlainObject(patch)) throw badRequest("strategic merge patch: the body must be an object");
  const patchMeta = isPlainObject(patch.metadata) ? patch.metadata : {};
  const added = Array.isArray(patchMeta.finalizers) ? (patchMeta.finalizers as string[]) : undefined;
  const removed = patchMeta["$deleteFromPrimitiveList/finalizers"];
  const plain = structuredClone(patch);
  if (isPlainObject(plain.metadata)) {
    delete plain.metadata.finalizers;
    delete plain.metadata["$deleteFromPrimitiveList/finalizers"];
  }
  const merged = mergePatch(target, plain) as KubeObject;
  if (added || Array.isArray(removed)) {
    const set = new Set([...(target.metadata.finalizers ?? []), ...(added ?? [])]);
    for (const f of Array.isArray(removed) ? (removed as string[]) : []) set.delete(f);
    merged.metadata.finalizers = [...set];
  }
  return merged;
}

/** Applies a PATCH body of the given content type; custom resources refuse SMP with 415, as the real server. */
export function applyPatch(type: ResourceType, target: KubeObject, contentType: string, body: unknown): KubeObject {
  const supported = type.custom ? [JSON_PATCH, MERGE_PATCH, APPLY_PATCH] : [JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH];
  if (contentType === MERGE_PATCH) {
    const merged = mergePatch(target, body);
    if (!isPlainObject(merged)) throw badRequest("merge patch: the body must be an object");
    return merged as KubeObject;
  }
  if (contentType === JSON_PATCH) return jsonPatch(target, body);
  if (contentType === STRATEGIC_MERGE_PATCH && !type.custom) return strategicMergePatch(target, body);
  if (contentType === APPLY_PATCH)
    throw new ApiError(415, "UnsupportedMediaType", "server-side apply is not supported by the test API server");
  throw unsupportedMediaType(contentType, supported);
}
