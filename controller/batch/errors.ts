/**
 * Batch error classification by status code and Batch error code, never by message text
 * (Azure core's isRestError / retry strategy classifiers).
 */

export type ErrorClass = "throttled" | "transient" | "conflict" | "notFound" | "permanent";

/** Conflicts that mean "the object is busy", worth waiting for rather than reporting. */
const BUSY_CODES = new Set([
  "PoolBeingResized",
  "PoolBeingCreated",
  "PoolBeingDeleted",
  "JobBeingDeleted",
  "JobBeingTerminated",
  "OperationInvalidForCurrentState",
  "TooManyEnableAutoScaleRequests",
  "AutoScaleTooManyRequestsToEnable",
]);
/** Quotas are a user's (or support ticket's) business: retrying cannot fix them. */
const QUOTA_CODES = new Set(["PoolQuotaReached", "ActiveJobAndScheduleQuotaReached", "AccountCoreQuotaReached"]);

/** An error from one Batch operation after the adapter gave up (or on a non-retryable answer). */
export class BatchCallError extends Error {
  override readonly name = "BatchCallError";
  readonly statusCode: number;
  readonly code: string;
  readonly retryAfterMs?: number;
  constructor(
    readonly operation: string,
    info: RawErrorInfo,
    readonly errorClass: ErrorClass,
  ) {
    super(info.message);
    this.statusCode = info.statusCode;
    this.code = info.code;
    this.retryAfterMs = info.retryAfterMs;
  }
}

export function isBatchCallError(error: unknown): error is BatchCallError {
  return error instanceof BatchCallError || (isObject(error) && error.name === "BatchCallError");
}

export const isThrottled = (e: unknown): boolean => isBatchCallError(e) && e.errorClass === "throttled";
export const isTransient = (e: unknown): boolean => isBatchCallError(e) && (e.errorClass === "transient" || e.errorClass === "throttled");
export const isConflict = (e: unknown): boolean => isBatchCallError(e) && e.errorClass === "conflict";
export const isNotFound = (e: unknown): boolean => isBatchCallError(e) && e.errorClass === "notFound";
export const isPermanent = (e: unknown): boolean => isBatchCallError(e) && e.errorClass === "permanent";

/** The parts of an ms-rest-js RestError (or a Node system error) the adapter reads. */
export interface RawErrorInfo {
  readonly statusCode: number;
  readonly code: string;
  readonly message: string;
  readonly retryAfterMs?: number;
}

export function rawErrorInfo(error: unknown, nowMs: number): RawErrorInfo {
  if (!isObject(error)) return { statusCode: 0, code: "Unknown", message: String(error) };
  const statusCode = typeof error.statusCode === "number" ? error.statusCode : 0;
  const code = typeof error.code === "string" ? error.code : statusCode === 0 ? "NetworkError" : `Http${statusCode}`;
  return { statusCode, code, message: batchMessage(error), retryAfterMs: retryAfterMs(error, nowMs) };
}

export function classify(info: RawErrorInfo): ErrorClass {
  const { statusCode, code } = info;
  // No credential, or one refused by the identity service: retrying the call cannot help.
  if (code === "CredentialMissing" || code === "CredentialRefused") return "permanent";
  if (isThrottledAnswer(info)) return "throttled";
  if (isTransientStatus(statusCode)) return "transient";
  if (statusCode === 404) return "notFound";
  if (QUOTA_CODES.has(code)) return "permanent";
  if (isConflictAnswer(statusCode, code)) return "conflict";
  return "permanent";
}

function isConflictAnswer(statusCode: number, code: string): boolean {
  if (statusCode === 409 && BUSY_CODES.has(code)) return true;
  return statusCode === 409 || statusCode === 412;
}

function isThrottledAnswer({ statusCode, code, retryAfterMs }: RawErrorInfo): boolean {
  return statusCode === 429 || (statusCode === 503 && retryAfterMs !== undefined) || code === "ServerBusy";
}

/** No HTTP answer at all (status 0: reset, refused, timed out, lost response) is always worth retrying. */
function isTransientStatus(statusCode: number): boolean {
  if (statusCode === 0 || statusCode === 408 || statusCode === 503) return true;
  return statusCode >= 500 && statusCode !== 501 && statusCode !== 505;
}

/** Batch errors carry `message: {lang, value}`; ms-rest-js may copy that object into `message`. */
function batchMessage(error: Record<string, unknown>): string {
  const body = isObject(error.body) ? error.body : undefined;
  const candidates = [body?.message, error.message];
  for (const candidate of candidates) {
    if (typeof candidate === "string" && candidate.length > 0) return firstLine(candidate);
    if (isObject(candidate) && typeof candidate.value === "string") return firstLine(candidate.value);
  }
  return "no message";
}

/** Batch appends RequestId/Time lines; the first line is the user-facing message. */
function firstLine(text: string): string {
  return text.split("\n")[0] ?? text;
}

function retryAfterMs(error: Record<string, unknown>, nowMs: number): number | undefined {
  const raw = retryAfterHeader(error);
  if (typeof raw !== "string" || raw.length === 0) return undefined;
  const secondsValue = Number(raw);
  if (Number.isFinite(secondsValue)) return Math.max(0, secondsValue * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

function retryAfterHeader(error: Record<string, unknown>): unknown {
  const response = isObject(error.response) ? error.response : undefined;
  const headers = response !== undefined && isObject(response.headers) ? response.headers : undefined;
  if (headers === undefined || typeof headers.get !== "function") return undefined;
  return (headers.get as (n: string) => unknown).call(headers, "retry-after");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object";
}
