/**
 * Maps any error a step throws to one of the three ways a failure is reported (core/errors.ts):
 * typed errors say so themselves; Batch errors are classified by status code and Batch code.
 */
import { isBatchCallError, type BatchCallError } from "../batch/errors.js";
import { GenericError, ReconcileError, StallingError, WaitingError } from "../core/errors.js";
import { Reasons, type Reason } from "../core/reasons.js";

export { GenericError, ReconcileError, StallingError, WaitingError };
/** The name the engine used before the registry; same class. */
export const StalledError = StallingError;

const QUOTA_CODES = new Set([
  "PoolQuotaReached",
  "ActiveJobAndScheduleQuotaReached",
  "AccountCoreQuotaReached",
  "AccountLowPriorityCoreQuotaReached",
]);

/** Any error as a typed one: how it is reported and under which reason. */
export function classifyFailure(error: unknown): ReconcileError {
  if (error instanceof ReconcileError) return error;
  if (isBatchCallError(error)) return fromBatch(error);
  return new GenericError(Reasons.ReconcileError, describeError(error));
}

function fromBatch(error: BatchCallError): ReconcileError {
  const text = `${error.operation}: ${error.code}: ${error.message}`;
  if (error.errorClass === "conflict") return new WaitingError(Reasons.Progressing, `${error.operation}: ${error.code}`);
  if (error.code === Reasons.CredentialMissing || error.code === Reasons.CredentialRefused || error.code === Reasons.ArmResourceIdMissing) {
    return new StallingError(error.code, `${error.operation}: ${error.message}`);
  }
  if (error.statusCode === 401 || error.statusCode === 403) return new StallingError(Reasons.CredentialRefused, text);
  if (error.errorClass === "permanent") return new StallingError(batchStallReason(error), text);
  return new GenericError(Reasons.BatchError, describeError(error));
}

function batchStallReason(error: BatchCallError): Reason {
  return QUOTA_CODES.has(error.code) ? Reasons.QuotaExceeded : Reasons.BatchRejected;
}

/** Stalling failures (a user must act), typed or classified. */
export function asStalled(error: unknown): ReconcileError | undefined {
  const failure = classifyFailure(error);
  return failure.report === "stalling" ? failure : undefined;
}

/** Waiting failures (Batch busy, a dependency not there yet). */
export function asWaiting(error: unknown): ReconcileError | undefined {
  const failure = classifyFailure(error);
  return failure.report === "waiting" ? failure : undefined;
}

/** A short, secret-free description of any error for status and logs. */
export function describeError(error: unknown): string {
  if (isBatchCallError(error)) return `${error.operation}: ${error.code} (HTTP ${error.statusCode || "network"}): ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
