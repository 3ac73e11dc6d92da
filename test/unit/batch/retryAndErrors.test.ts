import { describe, expect, it } from "vitest";
import { durationSeconds } from "../../../controller/batch/batchAdapter.js";
import { classify, rawErrorInfo } from "../../../controller/batch/errors.js";
import { decideRetry } from "../../../controller/batch/retry.js";

const restError = (statusCode: number, code: string, retryAfter?: string) => ({
  name: "RestError",
  statusCode,
  code,
  message: { lang: "en-US", value: `${code} happened.\nRequestId:abc\nTime:now` },
  response: { headers: { get: (n: string) => (n === "retry-after" ? retryAfter : undefined) } },
});

describe("Batch error classification (status and code, never message text)", () => {
  it.each([
    [restError(429, "TooManyRequests", "3"), "throttled"],
    [restError(503, "ServerBusy"), "throttled"],
    [restError(500, "InternalError"), "transient"],
    [restError(500, "OperationTimedOut"), "transient"],
    [{ code: "ECONNRESET", message: "socket hang up" }, "transient"],
    [restError(404, "PoolNotFound"), "notFound"],
    [restError(409, "PoolBeingResized"), "conflict"],
    [restError(409, "PoolExists"), "conflict"],
    [restError(400, "InvalidPropertyValue"), "permanent"],
    [restError(403, "AuthenticationFailed"), "permanent"],
    [restError(409, "PoolQuotaReached"), "permanent"],
  ])("%o → %s", (error, expected) => {
    expect(classify(rawErrorInfo(error, 0))).toBe(expected);
  });

  it("keeps the first line of Batch's {lang, value} message and reads Retry-After in seconds or as a date", () => {
    expect(rawErrorInfo(restError(429, "TooManyRequests", "2"), 0)).toMatchObject({
      message: "TooManyRequests happened.",
      retryAfterMs: 2000,
    });
    const at = Date.parse("2026-01-01T00:00:10Z");
    expect(rawErrorInfo(restError(503, "ServerBusy", new Date(at).toUTCString()), at - 4000).retryAfterMs).toBe(4000);
  });
});

describe("retry decisions", () => {
  const half = () => 0.5;
  it("honours Retry-After on throttling, backs off exponentially with jitter on transient errors, up to a cap", () => {
    expect(decideRetry(1, { errorClass: "throttled", retryAfterMs: 1500 }, {}, half)).toEqual({ retry: true, delayMs: 1500 });
    expect(decideRetry(1, { errorClass: "transient", retryAfterMs: undefined }, { baseDelayMs: 100 }, half)).toEqual({
      retry: true,
      delayMs: 75,
    });
    expect(decideRetry(4, { errorClass: "transient", retryAfterMs: undefined }, { baseDelayMs: 100 }, half)).toEqual({
      retry: true,
      delayMs: 600,
    });
    expect(
      decideRetry(
        20,
        { errorClass: "transient", retryAfterMs: undefined },
        { baseDelayMs: 100, maxDelayMs: 1000, maxAttempts: 30 },
        () => 0.999,
      ),
    ).toEqual({
      retry: true,
      delayMs: 1000,
    });
  });
  it("never retries conflicts, not-found or permanent errors, and stops after maxAttempts or an over-long Retry-After", () => {
    for (const c of ["conflict", "notFound", "permanent"] as const)
      expect(decideRetry(1, { errorClass: c, retryAfterMs: undefined }, {}, half).retry).toBe(false);
    expect(decideRetry(8, { errorClass: "transient", retryAfterMs: undefined }, { maxAttempts: 8 }, half).retry).toBe(false);
    expect(decideRetry(1, { errorClass: "throttled", retryAfterMs: 120_000 }, { maxRetryAfterMs: 60_000 }, half).retry).toBe(false);
  });
});

describe("ISO-8601 durations from the service", () => {
  it.each([
    ["PT5M", 300],
    ["PT1H30M", 5400],
    ["PT300S", 300],
    ["P1DT1S", 86401],
    ["bogus", undefined],
  ])("%s → %s", (text, seconds) => {
    expect(durationSeconds(text)).toBe(seconds);
  });
});
