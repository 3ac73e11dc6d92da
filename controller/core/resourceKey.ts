/**
 * Resource keys: the core's name for one BatchPool, BatchJob or BatchAccount, and the only thing sources emit
 * and the work queue holds. Owned by the core (it plans by key); the engine's ports re-export it.
 */
/** The resource kinds the controller reconciles (a BatchAccount's reconcile checks that the account answers). */
export type ResourceKind = "BatchPool" | "BatchJob" | "BatchAccount";

const KINDS: readonly string[] = ["BatchPool", "BatchJob", "BatchAccount"];

/** `"<Kind>/<namespace>/<name>"`: the only thing sources emit and the queue holds. */
export type ResourceKey = `${ResourceKind}/${string}/${string}`;

export function resourceKey(kind: ResourceKind, namespace: string, name: string): ResourceKey {
  return `${kind}/${namespace}/${name}`;
}

export interface ParsedResourceKey {
  readonly kind: ResourceKind;
  readonly namespace: string;
  readonly name: string;
}

/** Parses a key; throws on anything that is not `BatchPool|BatchJob/<ns>/<name>`. */
export function parseResourceKey(key: string): ParsedResourceKey {
  const parts = key.split("/");
  const [kind, namespace, name] = parts;
  if (parts.length !== 3 || kind === undefined || !KINDS.includes(kind) || !namespace || !name) {
    throw new Error(`invalid resource key "${key}": expected BatchPool|BatchJob|BatchAccount/<namespace>/<name>`);
  }
  return { kind: kind as ResourceKind, namespace, name };
}

export function isResourceKey(key: string): key is ResourceKey {
  try {
    parseResourceKey(key);
    return true;
  } catch {
    return false;
  }
}
