import type { EmulatorClock } from "../clock.js";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { EmulatorState } from "../store/account-store.js";
import type { Router } from "../http/router.js";
import type { Middleware, ResponseObserver, SideHandler } from "../http/server.js";
import { BatchError, isBatchError } from "../http/errors.js";
import { FaultInjector, isFaultKind, type FaultRule } from "./faults.js";
import { RateLimiter } from "./rate-limit.js";
import { CallCounters } from "./counters.js";

export const controlPrefix = "/_emulator/";

/** What the control API needs of a running emulator (index.ts's RunningEmulator is one); kept here so control does not import the entry point. */
export interface ControlHost {
  readonly url: string;
  readonly clock: EmulatorClock;
  readonly control: ControlState;
  readonly state: EmulatorState;
  readonly router: Router;
  observe(observer: ResponseObserver): void;
  use(middleware: Middleware): void;
  addSideHandler(handler: SideHandler): void;
}

/** The state behind the control API of one emulator. */
export interface ControlState {
  faults: FaultInjector;
  rateLimiter: RateLimiter;
  counters: CallCounters;
}

type Reply = { status: number; body?: unknown };
type ControlHandler = (emulator: ControlHost, control: ControlState, match: string[], body: Record<string, unknown>) => Reply;

interface ControlRoute {
  method: string;
  pattern: RegExp;
  handler: ControlHandler;
}

export function createControlState(clock: EmulatorClock): ControlState {
  return { faults: new FaultInjector(), rateLimiter: new RateLimiter(clock), counters: new CallCounters() };
}

/**
 * Installs the control API: faults and the rate limit as middlewares, counters as an observer, and the
 * /_emulator/ routes (loopback clients only).
 */
export function installControlApi(emulator: ControlHost): void {
  const control = emulator.control;
  emulator.observe(control.counters.observer());
  emulator.use(control.rateLimiter.middleware());
  emulator.use(control.faults.middleware());
  emulator.addSideHandler((req, res, body) => serve(emulator, req, res, body));
}

function serve(emulator: ControlHost, req: IncomingMessage, res: ServerResponse, raw: Buffer): boolean {
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  if (!path.startsWith(controlPrefix)) return false;
  let reply: Reply;
  try {
    if (!isLoopback(req.socket.remoteAddress)) throw new BatchError(403, "Forbidden", "The control API answers loopback clients only.");
    const request = { method: req.method ?? "GET", path: path.slice(controlPrefix.length - 1), body: parseBody(raw) };
    reply = dispatch(emulator, request);
  } catch (err: unknown) {
    reply = isBatchError(err)
      ? { status: err.status, body: { code: err.code, message: err.message } }
      : { status: 500, body: { code: "InternalError", message: err instanceof Error ? err.message : String(err) } };
  }
  const text = reply.body === undefined ? "" : JSON.stringify(reply.body);
  res.writeHead(reply.status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)) }).end(text);
  return true;
}

function isLoopback(address: string | undefined): boolean {
  return address === "127.0.0.1" || address === "::1" || address === "::ffff:127.0.0.1";
}

function parseBody(raw: Buffer): Record<string, unknown> {
  if (raw.length === 0) return {};
  try {
    const value: unknown = JSON.parse(raw.toString("utf8"));
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new BatchError(400, "InvalidRequestBody", "The control API takes a JSON object.");
}

function dispatch(emulator: ControlHost, request: { method: string; path: string; body: Record<string, unknown> }): Reply {
  const { method, path, body } = request;
  for (const route of routes) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(path);
    if (match !== null) return route.handler(emulator, emulator.control, match.slice(1).map(decodeURIComponent), body);
  }
  throw new BatchError(404, "ResourceNotFound", `No control operation ${method} ${path}.`);
}

function accountStore(emulator: ControlHost, name: unknown): ReturnType<ControlHost["state"]["account"]> & object {
  const store = typeof name === "string" && name !== "" ? emulator.state.account(name) : emulator.state.defaultAccount;
  if (store === undefined) throw new BatchError(404, "AccountNotFound", `No account ${String(name)}.`);
  return store;
}

function faultRule(body: Record<string, unknown>): FaultRule {
  const { operationId, kind, account } = body;
  if (typeof operationId !== "string" || operationId === "")
    throw new BatchError(400, "MissingRequiredProperty", 'operationId is required (or "*").');
  if (!isFaultKind(kind))
    throw new BatchError(
      400,
      "InvalidPropertyValue",
      "kind must be throttle, busy, error, timeout, reset, latency, responseTime or responseLost.",
    );
  const rule: FaultRule = { operationId, kind };
  if (typeof account === "string") rule.account = account;
  const count = optionalNumber(body, "count", (n) => n >= 0);
  if (count !== undefined) rule.count = count;
  const probability = optionalNumber(body, "probability", (p) => p > 0 && p <= 1);
  if (probability !== undefined) rule.probability = probability;
  const retryAfterSeconds = optionalNumber(body, "retryAfterSeconds", (n) => n >= 0);
  if (retryAfterSeconds !== undefined) rule.retryAfterSeconds = retryAfterSeconds;
  const latencyMs = optionalNumber(body, "latencyMs", (n) => n >= 0);
  if (latencyMs !== undefined) rule.latencyMs = latencyMs;
  return rule;
}

/** A number field that passes `valid`; anything else (absent, wrong type, out of range) is left out. */
function optionalNumber(body: Record<string, unknown>, name: string, valid: (value: number) => boolean): number | undefined {
  const value = body[name];
  return typeof value === "number" && valid(value) ? value : undefined;
}

function numberField(body: Record<string, unknown>, name: string): number {
  const value = body[name];
  if (typeof value !== "number" || !(value >= 0))
    throw new BatchError(400, "InvalidPropertyValue", `${name} must be a non-negative number.`);
  return value;
}

function runAction(emulator: ControlHost, name: string, body: Record<string, unknown>): Reply {
  const action = emulator.router.controlAction(name);
  if (action === undefined)
    throw new BatchError(404, "ResourceNotFound", `No control action ${name}; known: ${emulator.router.controlActions().join(", ")}.`);
  const result = action(accountStore(emulator, body.account), body);
  return { status: 200, body: result ?? {} };
}

const routes: ControlRoute[] = [
  { method: "GET", pattern: /^\/health$/, handler: (e) => ({ status: 200, body: { ok: true, url: e.url, clock: e.clock.mode } }) },
  { method: "GET", pattern: /^\/faults$/, handler: (_e, c) => ({ status: 200, body: { faults: c.faults.list() } }) },
  { method: "POST", pattern: /^\/faults$/, handler: (_e, c, _m, b) => ({ status: 201, body: c.faults.add(faultRule(b)) }) },
  { method: "DELETE", pattern: /^\/faults$/, handler: (_e, c) => (c.faults.clear(), { status: 204 }) },
  { method: "DELETE", pattern: /^\/faults\/(\d+)$/, handler: (_e, c, m) => ({ status: c.faults.remove(Number(m[0])) ? 204 : 404 }) },
  {
    method: "PUT",
    pattern: /^\/rate-limit$/,
    handler: (e, c, _m, b) => {
      const account = accountStore(e, b.account).accountName;
      c.rateLimiter.set(account, { requestsPerSecond: numberField(b, "requestsPerSecond"), burst: Math.max(1, numberField(b, "burst")) });
      return { status: 200, body: { limits: c.rateLimiter.limits() } };
    },
  },
  { method: "DELETE", pattern: /^\/rate-limit$/, handler: (_e, c) => (c.rateLimiter.clear(), { status: 204 }) },
  { method: "GET", pattern: /^\/counters$/, handler: (_e, c) => ({ status: 200, body: { counters: c.counters.snapshot() } }) },
  { method: "DELETE", pattern: /^\/counters$/, handler: (_e, c) => (c.counters.clear(), { status: 204 }) },
  {
    method: "POST",
    pattern: /^\/reset$/,
    handler: (e, c) => {
      e.state.reset();
      c.faults.clear();
      c.rateLimiter.clear();
      c.counters.clear();
      return { status: 204 };
    },
  },
  {
    method: "GET",
    pattern: /^\/clock$/,
    handler: (e) => ({
      status: 200,
      body: { mode: e.clock.mode, now: new Date(e.clock.now()).toISOString(), pendingTimers: e.clock.pending() },
    }),
  },
  {
    method: "POST",
    pattern: /^\/clock\/advance$/,
    handler: (e, _c, _m, b) => {
      if (e.clock.mode !== "virtual")
        throw new BatchError(409, "OperationInvalidForCurrentState", "The clock is real; start the emulator with the virtual clock.");
      e.clock.advance(numberField(b, "ms"));
      return { status: 200, body: { now: new Date(e.clock.now()).toISOString() } };
    },
  },
  { method: "POST", pattern: /^\/actions\/([A-Za-z0-9_-]+)$/, handler: (e, _c, m, b) => runAction(e, m[0] ?? "", b) },
];
