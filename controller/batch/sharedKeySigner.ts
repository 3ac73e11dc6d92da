/**
 * The Batch SharedKey signature, computed as @azure/batch's BatchSharedKeyCredentials computes it
 * (same string to sign, same header and query canonicalization), with node:crypto's HMAC instead of
 * the SDK's pure-JavaScript SHA-256: the signer runs once per addtaskcollection request.
 */
import { createHmac } from "node:crypto";

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
  const key = Buffer.from(accountKey, "base64");
  return {
    accountName,
    authorization(method, url, headers) {
      const text = stringToSign(accountName, method, url, headers);
      return `SharedKey ${accountName}:${createHmac("sha256", key).update(text, "utf8").digest("base64")}`;
    },
  };
}

export function stringToSign(accountName: string, method: string, url: URL, headers: Readonly<Record<string, string>>): string {
  let out = `${method}\n`;
  for (const name of STANDARD_HEADERS) out += `${standardValue(name, method, headers[name])}\n`;
  const ocp = Object.keys(headers)
    .filter((name) => name.startsWith("ocp-"))
    .sort();
  for (const name of ocp) {
    const value = headers[name];
    if (value !== undefined && value !== "") out += `${name}:${value}\n`;
  }
  out += `/${accountName}${url.pathname === "" ? "/" : url.pathname}`;
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
