/**
 * Errors from the Kubernetes API, narrowed without trusting their text: client-node's
 * ApiException message embeds the whole response body, which may echo object content (and so,
 * for Secrets, secret data). We keep only the status code and the Status reason.
 */

/** HTTP status of a client-node ApiException or a watch error; undefined for anything else. */
export function kubeStatusCode(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null) {
    return undefined;
  }
  const record = err as { code?: unknown; statusCode?: unknown };
  if (typeof record.code === "number") {
    return record.code;
  }
  return typeof record.statusCode === "number" ? record.statusCode : undefined;
}

export function isNotFound(err: unknown): boolean {
  return kubeStatusCode(err) === 404;
}

export function isConflict(err: unknown): boolean {
  return kubeStatusCode(err) === 409;
}

export function isGone(err: unknown): boolean {
  return kubeStatusCode(err) === 410;
}

/** A Kubernetes API failure described by operation, status code and reason only. */
export class KubeApiError extends Error {
  override readonly name = "KubeApiError";
  constructor(
    readonly operation: string,
    readonly statusCode: number | undefined,
    readonly reason: string | undefined,
  ) {
    super(
      `kubernetes ${operation} failed: ${statusCode === undefined ? "no response" : `HTTP ${statusCode}`}${reason === undefined ? "" : ` (${reason})`}`,
    );
  }
}

/** Wraps any client-node failure into a KubeApiError whose message carries no response body. */
export function toKubeApiError(operation: string, err: unknown): KubeApiError {
  if (err instanceof KubeApiError) {
    return err;
  }
  return new KubeApiError(operation, kubeStatusCode(err), statusReason(err) ?? networkCode(err));
}

function statusReason(err: unknown): string | undefined {
  const body = (err as { body?: unknown } | null)?.body;
  const parsed = typeof body === "string" ? tryParse(body) : body;
  const reason = (parsed as { reason?: unknown } | null | undefined)?.reason;
  return typeof reason === "string" && /^[A-Za-z]+$/.test(reason) ? reason : undefined;
}

function networkCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[A-Z_]+$/.test(code) ? code : undefined;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
