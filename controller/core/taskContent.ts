/**
 * Task content identity. Batch tasks have no metadata, so the hash of a task's content travels as
 * an environment variable; listing tasks with `$select=id,state,environmentSettings` tells whether
 * an existing task is the one the manifest declares (see docs/adr/0003).
 */
import { shortHash } from "./hash.js";
import type { JsonObject, TaskIntent } from "./intent.js";

export const TASK_HASH_ENV = "BATCH_GITOPS_TASK_HASH";

/** Length of the content hash, in hex digits. */
export const CONTENT_HASH_LENGTH = 16;

/** Builds the task intent from a Batch-shaped task body (without the marker). */
export function taskIntent(body: JsonObject & { id: string }): TaskIntent {
  const contentHash = shortHash(body, CONTENT_HASH_LENGTH);
  return { id: body.id, contentHash, body: withContentHash(body, contentHash) };
}

/** The body with its content marker: `contentHash` appended to its environment settings. */
export function withContentHash(body: JsonObject, contentHash: string): JsonObject {
  const env = Array.isArray(body.environmentSettings) ? (body.environmentSettings as JsonObject[]) : [];
  return withEnvironment(body, [...env, { name: TASK_HASH_ENV, value: contentHash }]);
}

/** Task members the Batch wire format puts after environmentSettings (the SDK's mapper order). */
const AFTER_ENVIRONMENT = new Set([
  "affinityInfo",
  "constraints",
  "requiredSlots",
  "userIdentity",
  "multiInstanceSettings",
  "dependsOn",
  "applicationPackageReferences",
  "authenticationTokenSettings",
]);

/**
 * The body with its environment settings replaced, kept where the wire format has them, so a body built
 * in wire order stays in it and is sent without being reordered (docs/adr/0026).
 */
function withEnvironment(body: JsonObject, environmentSettings: JsonObject[]): JsonObject {
  const out: JsonObject = {};
  let placed = false;
  for (const key of Object.keys(body)) {
    if (!placed && (key === "environmentSettings" || AFTER_ENVIRONMENT.has(key))) {
      out.environmentSettings = environmentSettings;
      placed = true;
    }
    if (key !== "environmentSettings") out[key] = body[key];
  }
  if (!placed) out.environmentSettings = environmentSettings;
  return out;
}

/** Reads the marker back from a listed task's environment settings. */
export function contentHashOf(environmentSettings: readonly { name?: string; value?: string }[] | undefined): string | undefined {
  return environmentSettings?.find((e) => e.name === TASK_HASH_ENV)?.value;
}
