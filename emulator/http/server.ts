import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import { randomUUID } from "node:crypto";
import type { Router, RouteMatch } from "./router.js";
import { RequestContext } from "./context.js";
import { BatchError, isBatchError } from "./errors.js";
import type { EmulatorResponse } from "./response.js";
import { formatTime } from "./wire-format.js";
import { authenticate, type Account, type AuthResult } from "./authenticate.js";
import { checkControlWrite, checkRequestOrigin, type GuardOptions } from "./request-guard.js";
import type { EmulatorState } from "../store/account-store.js";
import { isODataQueryError } from "../odata/index.js";
import { specOperationOf } from "../spec/unimplemented.js";

export const apiVersion = "2022-10-01.16.0";

/** Largest request body read at all; operations enforce their own (smaller) limits. */
const maxBodyBytes = 8 * 1024 * 1024;

/** Sentinel a middleware returns to destroy the connection instead of answering. */
export const dropConnection = Symbol("dropConnection");
export type Outcome = EmulatorResponse | typeof dropConnection;

/**
 * Runs around every authenticated, routed Batch request, knowing its operation id and account. The
 * control API's faults and rate limits are middlewares. Call `next()` to run the operation.
 */
export type Middleware = (ctx: RequestContext, next: () => Promise<Outcome>) => Promise<Outcome>;

/** Sees the outcome of every Batch request, including auth failures and unknown routes (for counters). */
export type ResponseObserver = (event: { operationId: string; accountName: string; status: number | "dropped" }) => void;

/** Serves paths outside the Batch API (the control API); returns false to fall through. */
export type SideHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => boolean | Promise<boolean>;

export interface BatchServerOptions {
  router: Router;
  state: EmulatorState;
  accounts: readonly Account[];
  middlewares: Middleware[];
  observers: ResponseObserver[];
  sideHandler?: SideHandler;
  /** Host names accepted besides loopback ones (--allowed-hosts). */
  guard?: GuardOptions;
  /**
   * Resource Manager's paths (`/subscriptions/…`, emulator/arm/): their own bearer audience and error
   * shape, served after the Host/Origin guard and before Batch authentication.
   */
  arm?: {
    matches: (rawPath: string) => boolean;
    serve: (req: IncomingMessage, res: ServerResponse, readBody: (limit: number) => Promise<Buffer | "tooLarge">) => Promise<void>;
  };
  /** PEM certificate and key: serve HTTPS (Azure SDKs send bearer tokens only over TLS). */
  tls?: { cert: string; key: string };
  /** Checks an operation's request body against the spec before its handler runs (throws its BatchError). */
  checkBody?: (operationId: string, body: () => unknown) => void;
}

export function createBatchServer(options: BatchServerOptions): Server {
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(options, req, res).catch((err: unknown) => {
      // A client that went away mid-request is not the emulator's error.
      if (!req.complete && req.socket.destroyed) return void res.destroy();
      console.error("emulator: unhandled error", err);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  };
  const server =
    options.tls === undefined ? createServer(listener) : createTlsServer({ cert: options.tls.cert, key: options.tls.key }, listener);
  server.keepAliveTimeout = 30_000;
  return server;
}

async function handle(options: BatchServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const arrivedAt = performance.now();
  const requestId = randomUUID();
  const target = requestTarget(req);
  if (await answeredBeforeAuth(options, req, res, target)) return;
  const match = options.router.match(target.method, target.rawPath);
  const operationId = match?.route.operationId ?? "Unknown";
  const auth = authenticateHeaders(options, target, req);
  if (!("kind" in auth)) {
    for (const observer of options.observers)
      observer({ operationId, accountName: "", status: isBatchError(auth.error) ? auth.error.status : 500 });
    return refuseUnread(req, res, requestId, auth.error);
  }
  const body = await readBody(req, maxBodyBytes);
  // Filled in by serveBatch, so observers see the account of the request.
  const caller = { accountName: "" };
  const outcome = await serveBatch(options, { req, requestId, body, target, match, caller, auth, arrivedAt });
  const status = outcome === dropConnection ? "dropped" : outcome.status;
  for (const observer of options.observers) observer({ operationId, accountName: caller.accountName, status });
  if (outcome === dropConnection) {
    req.socket.destroy();
    return;
  }
  writeResponse(req, res, requestId, outcome);
}

/**
 * Refuses what a web page could send (Host, Origin), serves the control API (no credentials) and
 * Resource Manager's pools (their own bearer audience and error shape).
 */
async function answeredBeforeAuth(
  options: BatchServerOptions,
  req: IncomingMessage,
  res: ServerResponse,
  target: RequestTarget,
): Promise<boolean> {
  const guard = checkRequestOrigin(req, options.guard);
  if (!guard.ok) {
    refuseUnread(req, res, randomUUID(), new BatchError(guard.status, guard.code, guard.message));
    return true;
  }
  if (options.arm?.matches(target.rawPath) === true) {
    await options.arm.serve(req, res, (limit) => readBody(req, limit));
    return true;
  }
  if (options.sideHandler === undefined || !target.rawPath.startsWith(sidePrefix)) return false;
  return serveSide(options.sideHandler, req, res);
}

/**
 * Authenticates from the headers alone, before any body is read: an unauthenticated client gets
 * its answer without the server buffering a byte of what it sends.
 */
function authenticateHeaders(options: BatchServerOptions, target: RequestTarget, req: IncomingMessage): AuthResult | { error: unknown } {
  try {
    return authenticate(
      { method: target.method, rawPath: target.rawPath, query: target.queryPairs, headers: req.headers },
      options.accounts,
      Date.now(),
    );
  } catch (error: unknown) {
    return { error };
  }
}

interface RequestTarget {
  method: string;
  rawPath: string;
  queryPairs: [string, string][];
}

function requestTarget(req: IncomingMessage): RequestTarget {
  const rawUrl = req.url ?? "/";
  const queryStart = rawUrl.indexOf("?");
  return {
    method: req.method ?? "GET",
    rawPath: queryStart < 0 ? rawUrl : rawUrl.slice(0, queryStart),
    queryPairs: [...new URLSearchParams(queryStart < 0 ? "" : rawUrl.slice(queryStart + 1))],
  };
}

interface BatchRequest {
  req: IncomingMessage;
  requestId: string;
  body: Buffer | "tooLarge";
  target: RequestTarget;
  match: RouteMatch | undefined;
  caller: { accountName: string };
  auth: AuthResult;
  arrivedAt: number;
}

/** Authenticates, routes and runs the operation through the middlewares; every failure becomes its error response. */
async function serveBatch(options: BatchServerOptions, request: BatchRequest): Promise<Outcome> {
  const { req, requestId, body, target, match, auth, arrivedAt } = request;
  try {
    request.caller.accountName = auth.accountName;
    if (body === "tooLarge") throw tooLarge();
    if (match === undefined) throw unmatched(target);
    const store = options.state.account(auth.accountName);
    if (store === undefined) throw new BatchError(403, "AuthenticationFailed");
    const scheme = (req.socket as { encrypted?: boolean }).encrypted === true ? "https" : "http";
    const baseUrl = `${scheme}://${req.headers.host ?? "127.0.0.1"}`;
    const operationId = match.route.operationId;
    const ctx = new RequestContext(req, {
      requestId,
      operationId,
      params: match.params,
      queryPairs: target.queryPairs,
      auth,
      store,
      rawBody: body,
      baseUrl,
      arrivedAt,
    });
    const handler = match.route.handler;
    return await runChain(options.middlewares, ctx, async () => {
      checkApiVersion(ctx);
      checkTimeout(ctx);
      options.checkBody?.(operationId, () => ctx.body());
      return handler(ctx);
    });
  } catch (err: unknown) {
    return errorResponse(err, req, requestId);
  }
}

/** 501 for an operation of the spec the emulator does not implement; 404 InvalidUri for anything else. */
function unmatched(target: RequestTarget): BatchError {
  const operationId = specOperationOf(target.method, target.rawPath);
  if (operationId === undefined) return new BatchError(404, "InvalidUri");
  return new BatchError(
    501,
    "NotImplemented",
    `The Azure Batch emulator does not implement ${operationId} (emulator/README.md lists what is not emulated).`,
  );
}

async function runChain(middlewares: readonly Middleware[], ctx: RequestContext, last: () => Promise<Outcome>): Promise<Outcome> {
  const step = async (index: number): Promise<Outcome> => {
    const middleware = middlewares[index];
    if (middleware === undefined) {
      try {
        return await last();
      } catch (err: unknown) {
        return errorResponse(err, ctx.req, ctx.requestId);
      }
    }
    return middleware(ctx, () => step(index + 1));
  };
  return step(0);
}

function checkApiVersion(ctx: RequestContext): void {
  const version = ctx.query("api-version");
  if (version === undefined) {
    throw new BatchError(400, "MissingRequiredQueryParameter", undefined, [{ key: "QueryParameterName", value: "api-version" }]);
  }
  if (version !== apiVersion) {
    throw new BatchError(400, "UnsupportedRequestVersion", undefined, [
      { key: "QueryParameterName", value: "api-version" },
      { key: "QueryParameterValue", value: version },
    ]);
  }
}

/**
 * `timeout` (seconds the server may spend, default 30) is an int32 on every operation. The emulator answers
 * well within any timeout, so only its form is checked; larger values fall back to 30 s on the service.
 */
function checkTimeout(ctx: RequestContext): void {
  const timeout = ctx.query("timeout");
  if (timeout === undefined || /^\d{1,9}$/.test(timeout)) return;
  throw new BatchError(400, "InvalidQueryParameterValue", undefined, [
    { key: "QueryParameterName", value: "timeout" },
    { key: "QueryParameterValue", value: timeout },
  ]);
}

function tooLarge(): BatchError {
  return new BatchError(413, "RequestBodyTooLarge", undefined, [{ key: "MaxLimit", value: String(maxBodyBytes) }]);
}

/** The service's OData error body for `err` (non-Batch errors become 500 InternalError). */
export function errorResponse(err: unknown, req: IncomingMessage, requestId: string): EmulatorResponse {
  if (isODataQueryError(err)) {
    const values = [
      { key: "QueryParameterName", value: err.parameterName },
      { key: "QueryParameterValue", value: err.parameterValue },
      { key: "Reason", value: err.reason },
    ];
    return errorResponse(new BatchError(400, err.code, err.message, values), req, requestId);
  }
  if (!isBatchError(err)) {
    console.error("emulator: internal error", err);
    return errorResponse(new BatchError(500, "InternalError"), req, requestId);
  }
  const host = req.headers.host ?? "127.0.0.1";
  const body: Record<string, unknown> = {
    "odata.metadata": `http://${host}/$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element`,
    code: err.code,
    message: { lang: "en-US", value: `${err.message}\nRequestId:${requestId}\nTime:${formatTime(Date.now())}` },
  };
  if (err.values.length > 0) body.values = err.values;
  return { status: err.status, headers: { ...err.headers }, body, statusMessage: reasonPhrase(err.message) };
}

/** A message as a reason phrase: one line of printable ASCII, which is all HTTP/1.1 allows there. */
function reasonPhrase(message: string): string | undefined {
  const line = (message.split("\n")[0] ?? "").replace(/[^\x20-\x7e]/g, "?").trim();
  return line === "" ? undefined : line;
}

function writeResponse(req: IncomingMessage, res: ServerResponse, requestId: string, response: EmulatorResponse): void {
  const headers: Record<string, string> = { "request-id": requestId, dataserviceversion: "3.0", ...response.headers };
  const clientRequestId = req.headers["client-request-id"];
  if (typeof clientRequestId === "string" && String(req.headers["return-client-request-id"]).toLowerCase() === "true") {
    headers["client-request-id"] = clientRequestId;
  }
  if (response.raw !== undefined && req.method !== "HEAD") {
    res.writeHead(response.status, { ...headers, "content-length": String(response.raw.length) }).end(response.raw);
    return;
  }
  const hasBody = (response.body !== undefined || response.json !== undefined) && req.method !== "HEAD" && response.status !== 304;
  if (!hasBody) {
    // A HEAD of a file answers its length (file properties); everything else without a body says 0.
    res.writeHead(response.status, response.statusMessage, { "content-length": "0", ...headers }).end();
    return;
  }
  const text = response.json ?? JSON.stringify(response.body);
  headers["content-type"] = "application/json;odata=minimalmetadata";
  headers["content-length"] = String(Buffer.byteLength(text));
  res.writeHead(response.status, response.statusMessage, headers).end(text);
}

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | "tooLarge"> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      length += chunk.length;
      if (length > limit) over = true;
      if (!over) chunks.push(chunk);
    });
    req.on("end", () => resolve(over ? "tooLarge" : Buffer.concat(chunks, length)));
    req.on("error", reject);
    // A client gone mid-body: settle, so a bounded read slot is never held forever.
    req.on("close", () => {
      if (!req.complete) reject(new Error("request aborted"));
    });
  });
}

/** Paths outside the Batch API (the control API); served by the side handler without authentication. */
const sidePrefix = "/_emulator/";
/** Bodies of unauthenticated (control-API) requests: small, and only a few read at once. */
const maxSideBodyBytes = 64 * 1024;
const maxConcurrentSideReads = 8;
let sideReads = 0;

/** Reads a bounded body for the side handler; over the concurrency bound, answers 503 without reading. */
async function serveSide(handler: SideHandler, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const write = checkControlWrite(req);
  if (!write.ok) {
    refuseUnread(req, res, randomUUID(), new BatchError(write.status, write.code, write.message));
    return true;
  }
  if (sideReads >= maxConcurrentSideReads) {
    refuseUnread(
      req,
      res,
      randomUUID(),
      new BatchError(503, "ServerBusy", "Too many control requests at once; retry.").withHeaders({ "retry-after": "1" }),
    );
    return true;
  }
  sideReads++;
  let body: Buffer | "tooLarge";
  try {
    body = await readBody(req, maxSideBodyBytes);
  } finally {
    sideReads--;
  }
  if (body === "tooLarge") {
    writeResponse(
      req,
      res,
      randomUUID(),
      errorResponse(new BatchError(413, "RequestBodyTooLarge", undefined, [{ key: "MaxLimit", value: String(maxSideBodyBytes) }]), req, ""),
    );
    return true;
  }
  return handler(req, res, body);
}

/**
 * Answers without reading the request body and closes the connection after the answer, so a
 * client that keeps sending gets nowhere (Node discards, never buffers, what is still unread).
 */
function refuseUnread(req: IncomingMessage, res: ServerResponse, requestId: string, err: unknown): void {
  res.setHeader("connection", "close");
  writeResponse(req, res, requestId, errorResponse(err, req, requestId));
}
