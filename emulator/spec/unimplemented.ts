/**
 * Tells an operation of the spec the emulator does not implement (job schedules, certificates, node
 * extensions...) from a URI that names nothing. Real Batch serves them, so answering 404 InvalidUri would
 * read as "not found" to an SDK's exists-check; the emulator says plainly that it does not emulate them.
 */
import { specOperations } from "./batch-api.generated.js";

let compiled: { method: string; pattern: RegExp; operationId: string }[] | undefined;

/** The spec's operation id for `method rawPath`, when the spec has one. */
export function specOperationOf(method: string, rawPath: string): string | undefined {
  compiled ??= specOperations.map(([m, path, operationId]) => ({ method: m, pattern: templatePattern(path), operationId }));
  return compiled.find((op) => op.method === method && op.pattern.test(rawPath))?.operationId;
}

/** `/pools/{poolId}/resize` as a case-insensitive pattern of one path. */
function templatePattern(path: string): RegExp {
  const source = path
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith("{") ? "[^/]+" : part.replace(/[.*+?^$()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}/?$`, "i");
}
