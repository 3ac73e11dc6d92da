import { BatchError } from "./errors.js";
import type { IncomingHttpHeaders } from "node:http";

/** The parts of an entity conditional headers are checked against. */
export interface Versioned {
  eTag: string;
  lastModified: number;
}

export type ConditionOutcome = "proceed" | "notModified";

/**
 * Applies If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since the way the service does:
 * on reads an unmet If-None-Match / If-Modified-Since is a 304 ("notModified"), every other unmet
 * condition is 412 ConditionNotMet. If-None-Match beats If-Modified-Since and If-Match beats
 * If-Unmodified-Since; any other combination of two conditions is 400.
 * `entity` undefined means the resource does not exist (only If-Match can fail on that).
 */
export function checkConditions(headers: IncomingHttpHeaders, entity: Versioned | undefined, isRead: boolean): ConditionOutcome {
  const ifMatch = header(headers, "if-match");
  const ifNoneMatch = header(headers, "if-none-match");
  const ifModifiedSince = header(headers, "if-modified-since");
  const ifUnmodifiedSince = header(headers, "if-unmodified-since");
  rejectUnsupportedCombinations(ifMatch, ifNoneMatch, ifModifiedSince, ifUnmodifiedSince);
  checkPreconditions(entity, ifMatch, ifUnmodifiedSince);
  return checkNotModified(entity, { ifNoneMatch, ifModifiedSince }, isRead);
}

/** If-Match, else If-Unmodified-Since: unmet is 412 on reads and writes alike. */
function checkPreconditions(entity: Versioned | undefined, ifMatch: string | undefined, ifUnmodifiedSince: string | undefined): void {
  if (ifMatch !== undefined) {
    if (entity === undefined || !etagMatches(ifMatch, entity.eTag)) throw notMet();
  } else if (ifUnmodifiedSince !== undefined && entity !== undefined) {
    if (seconds(entity.lastModified) > parseDate(ifUnmodifiedSince, "If-Unmodified-Since")) throw notMet();
  }
}

/** If-None-Match, else If-Modified-Since: unmet is 304 on reads, 412 on writes. */
function checkNotModified(
  entity: Versioned | undefined,
  conditions: { ifNoneMatch: string | undefined; ifModifiedSince: string | undefined },
  isRead: boolean,
): ConditionOutcome {
  const { ifNoneMatch, ifModifiedSince } = conditions;
  if (entity === undefined) return "proceed";
  if (ifNoneMatch !== undefined) {
    if (etagMatches(ifNoneMatch, entity.eTag)) return unmet(isRead);
  } else if (ifModifiedSince !== undefined) {
    if (seconds(entity.lastModified) <= parseDate(ifModifiedSince, "If-Modified-Since")) return unmet(isRead);
  }
  return "proceed";
}

function unmet(isRead: boolean): ConditionOutcome {
  if (isRead) return "notModified";
  throw notMet();
}

function notMet(): BatchError {
  return new BatchError(412, "ConditionNotMet");
}

function rejectUnsupportedCombinations(...values: (string | undefined)[]): void {
  const [ifMatch, ifNoneMatch, ifModifiedSince, ifUnmodifiedSince] = values;
  const present = values.filter((v) => v !== undefined).length;
  if (present < 2) return;
  const allowedPair =
    present === 2 &&
    ((ifNoneMatch !== undefined && ifModifiedSince !== undefined) || (ifMatch !== undefined && ifUnmodifiedSince !== undefined));
  if (!allowedPair) throw new BatchError(400, "MultipleConditionHeadersNotSupported");
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/** Accepts quoted or unquoted tags, lists, and "*". */
function etagMatches(condition: string, eTag: string): boolean {
  return condition
    .split(",")
    .map((t) =>
      t
        .trim()
        .replace(/^W\//, "")
        .replace(/^"(.*)"$/, "$1"),
    )
    .some((t) => t === "*" || t === eTag);
}

/** Last-Modified is sent with second precision, so comparisons are in whole seconds. */
function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

function parseDate(value: string, name: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new BatchError(400, "InvalidHeaderValue", undefined, [
      { key: "HeaderName", value: name },
      { key: "HeaderValue", value },
    ]);
  }
  return seconds(ms);
}
