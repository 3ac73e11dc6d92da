/**
 * Errors that know how they are reported (flux internal/error): the engine never guesses from a
 * message. A step throws one of these (or returns a summary); the engine maps it to conditions,
 * queue behaviour, events and alerts in one place (runtime/controller.ts).
 *
 * - StallingError: a user must fix something; Stalled=True, no retry until a change or resync.
 * - WaitingError: something it depends on is not there yet; Reconciling=True, polled, not a failure.
 * - GenericError: retried with backoff; Reconciling=True.
 */
import type { Reason } from "./reasons.js";

export type FailureReport = "stalling" | "waiting" | "generic";

export class ReconcileError extends Error {
  override readonly name: string = "ReconcileError";
  constructor(
    readonly report: FailureReport,
    readonly reason: Reason,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export class StallingError extends ReconcileError {
  override readonly name: string = "StallingError";
  constructor(reason: Reason, message: string) {
    super("stalling", reason, message);
  }
}

export class WaitingError extends ReconcileError {
  override readonly name: string = "WaitingError";
  constructor(reason: Reason, message: string, retryAfterMs?: number) {
    super("waiting", reason, message, retryAfterMs);
  }
}

export class GenericError extends ReconcileError {
  override readonly name: string = "GenericError";
  constructor(reason: Reason, message: string) {
    super("generic", reason, message);
  }
}

export function isReconcileError(error: unknown): error is ReconcileError {
  return error instanceof ReconcileError;
}
