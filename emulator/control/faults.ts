import type { RequestContext } from "../http/context.js";
import { PreciseTimer } from "./preciseTimer.js";
import { BatchError } from "../http/errors.js";
import { dropConnection, errorResponse, type Middleware, type Outcome } from "../http/server.js";

/**
 * Fault injection per operation id. A rule matches an operation ("*" = all) and optionally an account;
 * it fires `count` times (default: until removed) and/or with a `probability` (seeded, so runs repeat).
 * Two kinds slow a request down, differently:
 * - `latency` waits `latencyMs`, then runs the operation: a request cut off while it waits has changed nothing.
 * - `responseTime` runs the operation at once and answers `latencyMs` after the request arrived (at once if
 *   the work took longer): a remote service whose response time includes its own work (ADR 0034). The
 *   answer is serialized before the wait and released by a sub-millisecond timer (ADR 0036).
 */
export type FaultKind = "throttle" | "busy" | "error" | "timeout" | "reset" | "latency" | "responseTime" | "responseLost";

export interface FaultRule {
  operationId: string;
  kind: FaultKind;
  account?: string;
  /** How many requests it affects before expiring; omitted = unlimited. */
  count?: number;
  /** Chance (0..1] that a matching request is affected; default 1. */
  probability?: number;
  /** Retry-After on throttle / busy (seconds, default 1). */
  retryAfterSeconds?: number;
  /** Added delay for `latency`, response time for `responseTime` (wall-clock ms; default 1000). */
  latencyMs?: number;
}

export interface ActiveFault extends FaultRule {
  readonly id: number;
  /** Requests this rule has affected so far. */
  fired: number;
  /**
   * `responseTime` only: when its answers were released, in ms after their requests arrived (count, sum,
   * max), so a benchmark can say how close to `latencyMs` the emulator kept.
   */
  released?: { count: number; sumMs: number; maxMs: number };
}

const kinds: readonly FaultKind[] = ["throttle", "busy", "error", "timeout", "reset", "latency", "responseTime", "responseLost"];

export function isFaultKind(value: unknown): value is FaultKind {
  return typeof value === "string" && (kinds as readonly string[]).includes(value);
}

export class FaultInjector {
  private rules: ActiveFault[] = [];
  private nextId = 1;
  private seed = 0x2545f491;

  private readonly timer = new PreciseTimer();

  add(rule: FaultRule): ActiveFault {
    const active: ActiveFault = { ...rule, id: this.nextId++, fired: 0 };
    if (rule.kind === "responseTime") {
      active.released = { count: 0, sumMs: 0, maxMs: 0 };
      this.timer.warm();
    }
    this.rules.push(active);
    return active;
  }

  list(): ActiveFault[] {
    return this.rules.map((r) => ({ ...r, ...(r.released === undefined ? {} : { released: { ...r.released } }) }));
  }

  /** Ends the response-time timer's thread (the emulator is closing). */
  close(): void {
    this.timer.close();
  }

  remove(id: number): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== before;
  }

  clear(): void {
    this.rules = [];
  }

  /** The rule that fires for this request, if any (counting it). */
  take(operationId: string, account: string): ActiveFault | undefined {
    for (const rule of this.rules) {
      if (rule.operationId !== "*" && rule.operationId.toLowerCase() !== operationId.toLowerCase()) continue;
      if (rule.account !== undefined && rule.account.toLowerCase() !== account.toLowerCase()) continue;
      if (rule.count !== undefined && rule.fired >= rule.count) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      rule.fired += 1;
      return rule;
    }
    return undefined;
  }

  middleware(): Middleware {
    return async (ctx, next) => {
      const rule = this.take(ctx.operationId, ctx.auth.accountName);
      return rule === undefined ? next() : apply(rule, ctx, next, this.timer);
    };
  }

  /** xorshift32: deterministic probabilities. */
  private random(): number {
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x >>> 0;
    return this.seed / 0x1_0000_0000;
  }
}

async function apply(rule: ActiveFault, ctx: RequestContext, next: () => Promise<Outcome>, timer: PreciseTimer): Promise<Outcome> {
  switch (rule.kind) {
    case "reset":
      return dropConnection;
    case "latency":
      await new Promise((resolve) => setTimeout(resolve, rule.latencyMs ?? 1000));
      return next();
    case "responseTime": {
      // Serialized now, while the answer waits, rather than on its way out.
      const outcome = asText(await next());
      await timer.wait(ctx.arrivedAt + (rule.latencyMs ?? 1000));
      noteReleased(rule, performance.now() - ctx.arrivedAt);
      return outcome;
    }
    case "responseLost":
      // The operation is applied; the client never hears back.
      await next();
      return dropConnection;
    default:
      return errorResponse(faultError(rule.kind, rule.retryAfterSeconds ?? 1), ctx.req, ctx.requestId);
  }
}

/** The error answer of a fault that fails the request without running it. */
function faultError(kind: "throttle" | "busy" | "error" | "timeout", retryAfterSeconds: number): BatchError {
  const retryAfter = { "retry-after": String(retryAfterSeconds) };
  switch (kind) {
    case "throttle":
      return new BatchError(429, "TooManyRequests").withHeaders(retryAfter);
    case "busy":
      return new BatchError(503, "ServerBusy").withHeaders(retryAfter);
    case "error":
      return new BatchError(500, "InternalError");
    case "timeout":
      return new BatchError(500, "OperationTimedOut");
  }
}

/** A JSON answer as its text (the server writes `json` as it is). */
function asText(outcome: Outcome): Outcome {
  if (outcome === dropConnection || outcome.json !== undefined || outcome.body === undefined) return outcome;
  return { ...outcome, json: JSON.stringify(outcome.body), body: undefined };
}

function noteReleased(rule: ActiveFault, afterMs: number): void {
  if (rule.released === undefined) return;
  rule.released.count += 1;
  rule.released.sumMs += afterMs;
  rule.released.maxMs = Math.max(rule.released.maxMs, afterMs);
}
