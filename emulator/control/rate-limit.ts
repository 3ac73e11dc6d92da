import type { EmulatorClock } from "../clock.js";
import { BatchError } from "../http/errors.js";
import { errorResponse, type Middleware } from "../http/server.js";

/**
 * A request-rate limit per account: a token bucket of `burst` tokens refilled at `requestsPerSecond`
 * on the emulator clock (so tests on the virtual clock are deterministic). Beyond it: 429 with
 * Retry-After (whole seconds until a token is back).
 */
export interface RateLimit {
  requestsPerSecond: number;
  burst: number;
}

interface Bucket {
  limit: RateLimit;
  tokens: number;
  updatedAt: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly clock: EmulatorClock) {}

  set(account: string, limit: RateLimit): void {
    this.buckets.set(account.toLowerCase(), { limit, tokens: limit.burst, updatedAt: this.clock.now() });
  }

  remove(account: string): void {
    this.buckets.delete(account.toLowerCase());
  }

  clear(): void {
    this.buckets.clear();
  }

  limits(): Record<string, RateLimit> {
    return Object.fromEntries([...this.buckets].map(([account, bucket]) => [account, bucket.limit]));
  }

  /** Takes a token; returns the seconds to wait when none is left. */
  take(account: string): number | undefined {
    const bucket = this.buckets.get(account.toLowerCase());
    if (bucket === undefined) return undefined;
    const now = this.clock.now();
    const rate = bucket.limit.requestsPerSecond;
    bucket.tokens = Math.min(bucket.limit.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * rate);
    bucket.updatedAt = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / rate));
  }

  middleware(): Middleware {
    return async (ctx, next) => {
      const wait = this.take(ctx.auth.accountName);
      if (wait === undefined) return next();
      const error = new BatchError(429, "TooManyRequests").withHeaders({ "retry-after": String(wait) });
      return errorResponse(error, ctx.req, ctx.requestId);
    };
  }
}
