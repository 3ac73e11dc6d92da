/** Derived identity of a pool intent: Batch id, spec hash and applied hash. Pure. */
import { shortHash, stableHash } from "./hash.js";
import type { PoolIntent } from "./intent.js";

/** Hash of the immutable part; the Batch id carries its first 8 characters, like a ReplicaSet name. */
export function poolSpecHash(intent: PoolIntent): string {
  return stableHash({ namespace: intent.namespace, name: intent.name, immutable: intent.immutable });
}

/**
 * `<name>-<hash8>`, so a replacement never collides with the pool it replaces. Batch ids allow 64
 * characters, so long names are cut to leave room for the suffix.
 */
export function desiredPoolId(intent: PoolIntent): string {
  if (intent.adoptPoolId !== undefined) return intent.adoptPoolId;
  return `${intent.name.slice(0, 55)}-${poolSpecHash(intent).slice(0, 8)}`;
}

/** Hash of what the controller changes in place; written in metadata when applied. */
export function poolAppliedHash(intent: PoolIntent): string {
  return shortHash({ scale: intent.scale, startTask: intent.startTask ?? null, metadata: intent.metadata }, 16);
}
