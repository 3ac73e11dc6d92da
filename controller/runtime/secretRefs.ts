/** Each reference member and the Batch property its resolved value goes into. */
const SECRET_MEMBERS: Readonly<Record<string, string>> = {
  passwordSecretRef: "password",
  accountKeySecretRef: "accountKey",
  sasKeySecretRef: "sasKey",
};

/**
 * Replaces `passwordSecretRef` (registries, CIFS mounts), `accountKeySecretRef` and `sasKeySecretRef`
 * (storage mounts) members with `password`, `accountKey` and `sasKey` just before a Batch call. Only the request
 * body sent over HTTPS ever holds the value; plans, hashes, status and logs keep the reference.
 */
import type { JsonObject } from "../core/intent.js";
import type { SecretResolver } from "./ports.js";

export async function resolveSecretRefs(body: JsonObject, namespace: string, secrets: SecretResolver): Promise<JsonObject> {
  // Most bodies (100,000 factory tasks) hold no reference: return them as they are, allocating nothing.
  if (!hasSecretRef(body)) return body;
  return (await resolveNode(body, namespace, secrets)) as JsonObject;
}

/** Whether a body holds a reference to resolve (most do not). */
export function hasSecretRef(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(hasSecretRef);
  if (node === null || typeof node !== "object") return false;
  for (const key in node) {
    if (Object.hasOwn(SECRET_MEMBERS, key) || hasSecretRef((node as Record<string, unknown>)[key])) return true;
  }
  return false;
}

async function resolveNode(node: unknown, namespace: string, secrets: SecretResolver): Promise<unknown> {
  if (Array.isArray(node)) return Promise.all(node.map((n) => resolveNode(n, namespace, secrets)));
  if (node === null || typeof node !== "object") return node;
  const entries = await Promise.all(
    Object.entries(node as Record<string, unknown>).map(async ([key, value]): Promise<[string, unknown]> => {
      const target = Object.hasOwn(SECRET_MEMBERS, key) ? SECRET_MEMBERS[key] : undefined;
      if (target !== undefined && isRef(value)) return [target, await secrets.resolveSecret(namespace, value)];
      return [key, await resolveNode(value, namespace, secrets)];
    }),
  );
  return Object.fromEntries(entries);
}

function isRef(value: unknown): value is { name: string; key: string } {
  return (
    value !== null &&
    typeof value === "object" &&
    typeof (value as { name?: unknown }).name === "string" &&
    typeof (value as { key?: unknown }).key === "string"
  );
}
