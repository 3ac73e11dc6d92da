/**
 * The three outcomes of a failed step (flux internal/error): Stalled needs a user, Waiting comes
 * back later without counting as a failure, anything else is retried with backoff.
 */
import { isBatchCallError } from "../batch/errors.js";

/** A user must fix something (invalid spec, id taken, quota, auth): no retry until the next change or resync. */
export class StalledError extends Error {
  override readonly name = "StalledError";
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** Not a failure: something we depend on is not there yet. */
export class WaitingError extends Error {
  override readonly name = "WaitingError";
  constructor(
    readonly reason: string,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Batch answers that retrying cannot fix become Stalled with the service's message. */
export function asStalled(error: unknown): StalledError | undefined {
  if (error instanceof StalledError) return error;
  if (isBatchCallError(error) && error.errorClass === "permanent") {
    return new StalledError("BatchError", `${error.operation}: ${error.code}: ${error.message}`);
  }
  return undefined;
}

/** Batch "busy" conflicts (being resized, being deleted...) mean wait, not fail. */
export function asWaiting(error: unknown): WaitingError | undefined {
  if (error instanceof WaitingError) return error;
  if (isBatchCallError(error) && error.errorClass === "conflict") return new WaitingError("Progressing", `${error.operation}: ${error.code}`);
  return undefined;
}

/** A short, secret-free description of any error for status and logs. */
export function describeError(error: unknown): string {
  if (isBatchCallError(error)) return `${error.operation}: ${error.code} (HTTP ${error.statusCode || "network"}): ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
