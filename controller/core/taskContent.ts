/**
 * Task content identity. Batch tasks have no metadata, so the hash of a task's content travels as
 * an environment variable; listing tasks with `$select=id,state,environmentSettings` tells whether
 * an existing task is the one the manifest declares (see docs/adr/0003).
 */
import { shortHash } from "./hash.js";
import type { JsonObject, TaskIntent } from "./intent.js";

export const TASK_HASH_ENV = "BATCH_GITOPS_TASK_HASH";

/** Builds the task intent from a Batch-shaped task body (without the marker). */
export function taskIntent(body: JsonObject & { id: string }): TaskIntent {
  const contentHash = shortHash(body, 16);
  const env = Array.isArray(body.environmentSettings) ? (body.environmentSettings as JsonObject[]) : [];
  return { id: body.id, contentHash, body: { ...body, environmentSettings: [...env, { name: TASK_HASH_ENV, value: contentHash }] } };
}

/** Reads the marker back from a listed task's environment settings. */
export function contentHashOf(environmentSettings: readonly { name?: string; value?: string }[] | undefined): string | undefined {
  return environmentSettings?.find((e) => e.name === TASK_HASH_ENV)?.value;
}
