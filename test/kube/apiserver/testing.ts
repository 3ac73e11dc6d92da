/** Small helpers for tests that drive the test API server through client-node. */
import { ApiException } from "@kubernetes/client-node";
import type { StatusBody } from "./errors.js";

/**
 * The Kubernetes Status carried by a client-node ApiException (its body arrives as JSON text or parsed;
 * for some codes, such as 401, client-node drops the body and only the code is known).
 */
export function statusOf(err: unknown): StatusBody {
  if (!(err instanceof ApiException)) throw err;
  if (err.body === undefined || err.body === null || err.body === "") {
    return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "", code: err.code };
  }
  const body: unknown = typeof err.body === "string" ? JSON.parse(err.body) : err.body;
  return body as StatusBody;
}

/** Awaits a call that must fail and returns the Status it failed with. */
export async function expectStatus(call: Promise<unknown>): Promise<StatusBody> {
  try {
    await call;
  } catch (err: unknown) {
    return statusOf(err);
  }
  throw new Error("expected the call to fail with a Kubernetes Status, but it succeeded");
}
