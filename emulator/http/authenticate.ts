import { BatchError, errors } from "./errors.js";
import { checkBearerToken } from "../auth/bearer.js";
import { verifySharedKey, type SignedRequest } from "../auth/shared-key.js";

export interface Account {
  readonly name: string;
  readonly key: string;
}

/** Which credential a request used; some rules depend on it (gallery images need Entra ID). */
export type AuthKind = "sharedKey" | "bearer";

export interface AuthResult {
  readonly kind: AuthKind;
  /** The account the request addresses. Bearer requests address the emulator's first account. */
  readonly accountName: string;
}

/** Requests must be dated within 15 minutes of the service's time. */
const maxClockSkewMs = 15 * 60_000;

/**
 * Authenticates one request against the configured accounts, or throws AuthenticationFailed.
 * Request dates and token expiry are checked against wall-clock time, not the emulator clock: the
 * client's clock is real even when tests drive a virtual one.
 */
export function authenticate(request: SignedRequest, accounts: readonly Account[], wallNowMs: number): AuthResult {
  const authorization = request.headers.authorization;
  if (typeof authorization !== "string" || authorization.length === 0) {
    throw errors.authenticationFailed("The Authorization header is missing.", 401);
  }
  const space = authorization.indexOf(" ");
  const scheme = authorization.slice(0, space).toLowerCase();
  const credential = authorization.slice(space + 1).trim();
  if (scheme === "sharedkey") return sharedKey(request, accounts, credential, wallNowMs);
  if (scheme === "bearer") return bearer(credential, accounts, wallNowMs);
  throw new BatchError(400, "InvalidAuthenticationInfo", "Authentication information is not given in the correct format.");
}

function sharedKey(request: SignedRequest, accounts: readonly Account[], credential: string, wallNowMs: number): AuthResult {
  const colon = credential.lastIndexOf(":");
  const accountName = credential.slice(0, colon);
  const signature = credential.slice(colon + 1);
  if (colon <= 0 || signature.length === 0) {
    throw new BatchError(400, "InvalidAuthenticationInfo", "Authentication information is not given in the correct format.");
  }
  const account = accounts.find((a) => a.name.toLowerCase() === accountName.toLowerCase());
  if (account === undefined) throw errors.authenticationFailed(`The account '${accountName}' does not exist.`);
  checkRequestDate(request, wallNowMs);
  if (!verifySharedKey(request, accountName, account.key, signature)) {
    // Never echo the computed signature or the key: only say that they differ.
    throw errors.authenticationFailed("The MAC signature found in the HTTP request is not the same as any computed signature.");
  }
  return { kind: "sharedKey", accountName: account.name };
}

function checkRequestDate(request: SignedRequest, wallNowMs: number): void {
  const raw = request.headers["ocp-date"] ?? request.headers.date;
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) throw errors.authenticationFailed("The request has neither an ocp-date nor a Date header.");
  const dated = Date.parse(value);
  if (Number.isNaN(dated)) throw new BatchError(400, "InvalidHeaderValue", undefined, [{ key: "HeaderName", value: "ocp-date" }]);
  if (Math.abs(wallNowMs - dated) > maxClockSkewMs) {
    throw errors.authenticationFailed("The request date is more than 15 minutes away from the server's time.");
  }
}

function bearer(token: string, accounts: readonly Account[], wallNowMs: number): AuthResult {
  const check = checkBearerToken(token, wallNowMs);
  if (!check.ok) throw errors.authenticationFailed(check.detail);
  const first = accounts[0];
  if (first === undefined) throw errors.authenticationFailed("No account is configured.");
  return { kind: "bearer", accountName: first.name };
}
