/**
 * The Batch SharedKey signature, computed as @azure/batch's BatchSharedKeyCredentials computes it
 * (same string to sign, same header and query canonicalization), with node:crypto's HMAC instead of
 * the SDK's pure-JavaScript SHA-256: the signer runs once per addtaskcollection request.
 */
import { createHmac, createSecretKey } from "node:crypto";

/** The standard headers signed in this order (an absent one signs as an empty line). */
const STANDARD_HEADERS = [
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

export interface SharedKeySigner {
  readonly accountName: string;
  /** The Authorization header value for this request; `headers` are lowercase names. */
  authorization(method: string, url: URL, headers: Readonly<Record<string, string>>): string;
}

export function sharedKeySigner(accountName: string, accountKey: string): SharedKeySigner {
  const key = createSecretKey(Buffer.from(accountKey, "base64"));
  // A sweep posts to one URL per job 1,000 times: its canonicalized resource is built once.
  const resources = new WeakMap<URL, string>();
  return {
    accountName,
    authorization(method, url, headers) {
      let resource = resources.get(url);
      if (resource === undefined) {
        resource = canonicalizedResource(accountName, url);
        resources.set(url, resource);
      }
      const text = signedHeaders(method, headers) + resource;
      return `SharedKey ${accountName}:${createHmac("sha256", key).update(text, "utf8").digest("base64")}`;
    },
  };
}

export function stringToSign(accountName: string, method: string, url: URL, headers: Readonly<Record<string, string>>): string {
  return signedHeaders(method, headers) + canonicalizedResource(accountName, url);
}

/** The verb, the standard headers and the ocp- headers, each line ended. */
function signedHeaders(method: string, headers: Readonly<Record<string, string>>): string {
  let out = `${method}\n`;
  for (const name of STANDARD_HEADERS) out += `${standardValue(name, method, headers[name])}\n`;
  const ocp = Object.keys(headers)
    .filter((name) => name.startsWith("ocp-"))
    .sort();
  for (const name of ocp) {
    const value = headers[name];
    if (value !== undefined && value !== "") out += `${name}:${value}\n`;
  }
  return out;
}

/** `/account/path` and the query parameters; the URL objects the lean path passes are never changed. */
function canonicalizedResource(accountName: string, url: URL): string {
  let out = `/${accountName}${url.pathname === "" ? "/" : url.pathname}`;
  // Sorted by name; a repeated name signs its first value, as the SDK's query parser keeps it.
  const names = [...new Set(url.searchParams.keys())].sort();
  for (const name of names) out += `\n${name}:${url.searchParams.get(name) ?? ""}`;
  return out;
}

function standardValue(name: string, method: string, value: string | undefined): string {
  if (value !== undefined && value !== "") return value;
  // The SDK signs "0" for a body-less POST without a Content-Length.
  return name === "content-length" && method === "POST" ? "0" : "";
}
