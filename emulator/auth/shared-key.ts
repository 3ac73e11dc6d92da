import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/**
 * SharedKey signatures, computed as the service does:
 *   VERB \n Content-Encoding \n Content-Language \n Content-Length \n Content-MD5 \n Content-Type \n Date \n
 *   If-Modified-Since \n If-Match \n If-None-Match \n If-Unmodified-Since \n Range \n
 *   + every ocp-* header, lowercased and sorted, as `name:value\n`
 *   + `/{account}{path}` + `\n{name}:{decoded value}` per query parameter, sorted by name.
 * The service canonicalizes query names in lowercase; @azure/batch 10.2.0 keeps their case, so for a
 * query with upper-case names that variant is also accepted. Clients differ on a zero Content-Length
 * (the JS SDK signs "0" for a body-less POST, others sign an empty slot), so both are accepted. Either
 * way the signature must be made with the account key.
 */
export interface SignedRequest {
  method: string;
  /** Path as sent (still percent-encoded), without the query. */
  rawPath: string;
  /** Query pairs, decoded, in the order sent. */
  query: readonly (readonly [string, string])[];
  headers: IncomingHttpHeaders;
}

const standardHeaders = [
  "content-encoding",
  "content-language",
  "content-length",
  "content-md5",
  "content-type",
  "date",
  "if-modified-since",
  "if-match",
  "if-none-match",
  "if-unmodified-since",
  "range",
] as const;

export function stringToSign(
  request: SignedRequest,
  accountName: string,
  variant: { lowercaseQueryNames: boolean; contentLength: string },
): string {
  let out = `${request.method}\n`;
  for (const name of standardHeaders) {
    const value = name === "content-length" ? variant.contentLength : headerValue(request.headers, name);
    out += `${value}\n`;
  }
  out += canonicalizedHeaders(request.headers);
  out += canonicalizedResource(request, accountName, variant.lowercaseQueryNames);
  return out;
}

export function sign(key: string, text: string): string {
  return createHmac("sha256", secretKey(key)).update(text, "utf8").digest("base64");
}

/** Account keys, decoded once: every request is verified with one, often twice (the client variants). */
const secretKeys = new Map<string, KeyObject>();

function secretKey(key: string): KeyObject {
  let secret = secretKeys.get(key);
  if (secret === undefined) {
    // Bounded in practice by the configured accounts; a caller signing with many keys only grows a small cache.
    if (secretKeys.size >= 64) secretKeys.clear();
    secret = createSecretKey(Buffer.from(key, "base64"));
    secretKeys.set(key, secret);
  }
  return secret;
}

/** True when `signature` was made with `key` over this request, in any of the accepted client variants. */
export function verifySharedKey(request: SignedRequest, accountName: string, key: string, signature: string): boolean {
  const given = Buffer.from(signature, "base64");
  const contentLength = headerValue(request.headers, "content-length");
  const lengths = contentLength === "0" ? ["0", ""] : [contentLength];
  const hasUpperCaseName = request.query.some(([name]) => name !== name.toLowerCase());
  const caseVariants = hasUpperCaseName ? [true, false] : [true];
  for (const lowercaseQueryNames of caseVariants) {
    for (const length of lengths) {
      const expected = Buffer.from(sign(key, stringToSign(request, accountName, { lowercaseQueryNames, contentLength: length })), "base64");
      if (expected.length === given.length && timingSafeEqual(expected, given)) return true;
    }
  }
  return false;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  if (value === undefined) return "";
  return Array.isArray(value) ? value.join(",") : value;
}

function canonicalizedHeaders(headers: IncomingHttpHeaders): string {
  const names = Object.keys(headers)
    .filter((n) => n.startsWith("ocp-"))
    .sort();
  let out = "";
  for (const name of names) {
    const value = headerValue(headers, name);
    if (value !== "") out += `${name}:${value}\n`;
  }
  return out;
}

function canonicalizedResource(request: SignedRequest, accountName: string, lowercase: boolean): string {
  let out = `/${accountName}${request.rawPath === "" ? "/" : request.rawPath}`;
  // One value per name: a repeated parameter is signed with its first value (Python) / last (JS url-parse
  // keeps the first too).
  const seen = new Map<string, string>();
  for (const [name, value] of request.query) {
    const key = lowercase ? name.toLowerCase() : name;
    if (!seen.has(key)) seen.set(key, value);
  }
  for (const name of [...seen.keys()].sort()) out += `\n${name}:${seen.get(name) ?? ""}`;
  return out;
}
