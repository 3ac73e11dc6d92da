import { ODataQueryError } from "./errors.js";

/**
 * Keyset paging: a page token names the last key returned, not an offset, so the next page is found by an index
 * seek (O(log n) or O(1)) and stays correct when entities are added or removed between pages.
 */
export type PageKey = string | number;

export interface Page<T> {
  items: T[];
  /** Present when more entities may follow; pass to buildNextLink. */
  nextToken?: string;
}

export function encodeSkipToken(lastKey: PageKey): string {
  return Buffer.from(JSON.stringify({ k: lastKey }), "utf8").toString("base64url");
}

/** Decodes a token made by encodeSkipToken; anything else is a 400 InvalidQueryParameterValue. */
export function decodeSkipToken(token: string): PageKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  const key = parsed !== null && typeof parsed === "object" ? (parsed as { k?: unknown }).k : undefined;
  if (typeof key !== "string" && typeof key !== "number") {
    throw new ODataQueryError({ parameterName: "$skiptoken", parameterValue: token, reason: "the continuation token is not valid" });
  }
  return key;
}

/** Reads `$skiptoken` (any casing, as clients differ: the spec example writes `$skipToken`). */
export function readSkipToken(query: URLSearchParams): PageKey | undefined {
  for (const [name, value] of query) {
    if (name.toLowerCase() === "$skiptoken") return decodeSkipToken(value);
  }
  return undefined;
}

/**
 * Parses `maxresults`: default and maximum differ per operation (1000 for most lists, 10 for nodecounts).
 * Non-integers are InvalidQueryParameterValue; values outside 1..max are OutOfRangeQueryParameterValue.
 */
export function parseMaxResults(raw: string | null, limits: { defaultValue: number; max: number }): number {
  if (raw === null) return limits.defaultValue;
  if (!/^\d+$/.test(raw.trim())) {
    throw new ODataQueryError({ parameterName: "maxresults", parameterValue: raw, reason: "must be an integer" });
  }
  const value = Number(raw.trim());
  if (value < 1 || value > limits.max) {
    throw new ODataQueryError({
      parameterName: "maxresults",
      parameterValue: raw,
      reason: `must be between 1 and ${limits.max}`,
      code: "OutOfRangeQueryParameterValue",
    });
  }
  return value;
}

/**
 * Takes up to `maxResults` matching entries from `ordered` (already positioned after the previous page's key).
 * A next token is issued when the page is full and at least one more entry (matching or not) remains, so the
 * cost of a page is bounded by the entries it walks, never by the collection size.
 */
export function takePage<T>(
  ordered: Iterable<readonly [PageKey, T]>,
  maxResults: number,
  matches: (item: T) => boolean = () => true,
): Page<T> {
  const items: T[] = [];
  let lastKey: PageKey | undefined;
  for (const [key, item] of ordered) {
    if (items.length === maxResults) return { items, nextToken: encodeSkipToken(lastKey ?? key) };
    lastKey = key;
    if (matches(item)) items.push(item);
  }
  return { items };
}

/** The absolute `odata.nextLink`: the request's own URL with `$skiptoken` replaced. */
export function buildNextLink(requestUrl: URL, nextToken: string): string {
  const next = new URL(requestUrl.toString());
  for (const name of [...next.searchParams.keys()]) {
    if (name.toLowerCase() === "$skiptoken") next.searchParams.delete(name);
  }
  next.searchParams.set("$skiptoken", nextToken);
  return next.toString();
}
