/**
 * Replaces `passwordSecretRef` members with `password` just before a Batch call. Only the request
 * body sent over HTTPS ever holds the value; plans, hashes, status and logs keep the reference.
 */
import type { JsonObject } from "../core/intent.js";
import type { SecretResolver } from "./ports.js";

export async function resolveSecretRefs(body: JsonObject, namespace: string, secrets: SecretResolver): Promise<JsonObject> {
  // Most bodies (100,000 factory tasks) hold no reference: return them as they are, allocating nothing.
  if (!hasSecretRef(body)) return body;
  return (await resolveNode(body, namespace, secrets)) as JsonObject;
}

function hasSecretRef(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(hasSecretRef);
  if (node === null || typeof node !== "object") return false;
  for (const key in node) {
    if (key === "passwordSecretRef" || hasSecretRef((node as Record<string, unknown>)[key])) return true;
  }
  return false;
}

async function resolveNode(node: unknown, namespace: string, secrets: SecretResolver): Promise<unknown> {
  if (Array.isArray(node)) return Promise.all(node.map((n) => resolveNode(n, namespace, secrets)));
  if (node === null || typeof node !== "object") return node;
  const entries = await Promise.all(
    Object.entries(node as Record<string, unknown>).map(async ([key, value]): Promise<[string, unknown]> => {
      if (key === "passwordSecretRef" && isRef(value)) return ["password", await secrets.resolveSecret(namespace, value)];
      return [key, await resolveNode(value, namespace, secrets)];
    }),
  );
  return Object.fromEntries(entries);
}

function isRef(value: unknown): value is { name: string; key: string } {
  return value !== null && typeof value === "object" && typeof (value as { name?: unknown }).name === "string" && typeof (value as { key?: unknown }).key === "string";
}
