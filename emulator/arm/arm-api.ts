/**
 * Resource Manager's pool resource, `Microsoft.Batch/batchAccounts/pools`, over the same store as the
 * data plane: a pool PUT here is a pool on the data plane (with its identity), and a data-plane pool is
 * readable here. Only pools are served (docs/adr/0024-pools-through-resource-manager.md). Subscription
 * and resource group are taken as given; the account must be one the emulator serves. Authentication is
 * an Entra bearer token for the management audience (signature not verified, like the data plane's).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import { checkBearerToken, MANAGEMENT_AUDIENCES } from "../auth/bearer.js";
import { BatchError, isBatchError } from "../http/errors.js";
import { formatTime } from "../http/wire-format.js";
import { touch } from "../store/entity.js";
import { defineSlot, type AccountStore, type EmulatorState } from "../store/account-store.js";
import { poolStore, type NodeDeallocationOption, type PoolEntity, type PoolStore } from "../store/pool-store.js";
import { beginDelete, beginResize, stopResize } from "../lifecycle/pool-allocation.js";
import { startAutoScale, stopAutoScale } from "../lifecycle/autoscale.js";
import { addPoolToStore } from "../resources/pools.js";
import { checkFormulaSyntax } from "../resources/pool-validation.js";
import { armETag, armPatchToData, armPoolToData, poolToArm, type ArmAddress } from "./pool-shape.js";

/** The versions served: @azure/arm-batch 9.1.0 speaks 2023-11-01; Debian's azure-mgmt-batch 17.0.0 2022-10-01. */
export const ARM_API_VERSIONS: readonly string[] = ["2023-11-01", "2022-10-01"];
const maxBodyBytes = 1024 * 1024;
const pathPattern =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.batch\/batchaccounts\/([^/]+)\/pools(?:\/([^/]+)(?:\/(stopresize|operationresults|operationstatus)(?:\/([^/]+))?)?)?\/?$/i;

export function isArmPath(rawPath: string): boolean {
  return rawPath.toLowerCase().startsWith("/subscriptions/");
}

interface ArmRequest {
  readonly method: string;
  readonly address: ArmAddress;
  readonly store: AccountStore;
  readonly poolName: string | undefined;
  readonly action: string | undefined;
  readonly operationId: string | undefined;
  readonly headers: IncomingMessage["headers"];
  readonly body: Record<string, unknown>;
  /** https://host:port of this request, for Location headers. */
  readonly origin: string;
  readonly apiVersion: string;
}

interface ArmResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

/** An asynchronous delete, polled through Azure-AsyncOperation / Location until the pool is gone. */
interface DeleteOperation {
  readonly pool: PoolEntity;
  readonly startTime: number;
}
const operationsSlot = defineSlot("armOperations", () => new Map<string, DeleteOperation>());

/** Serves one ARM request (already through the Host/Origin guard). */
export async function serveArm(
  state: EmulatorState,
  req: IncomingMessage,
  res: ServerResponse,
  readBody: (limit: number) => Promise<Buffer | "tooLarge">,
): Promise<void> {
  const requestId = randomUUID();
  let response: ArmResponse;
  try {
    authenticateArm(req);
    const raw = await readBody(maxBodyBytes);
    if (raw === "tooLarge") throw new BatchError(413, "RequestEntityTooLarge", "The request content is too large.");
    response = dispatch(parseRequest(state, req, raw));
  } catch (err: unknown) {
    response = armError(err);
  }
  const text = response.body === undefined ? "" : JSON.stringify(response.body);
  const headers: Record<string, string> = { "x-ms-request-id": requestId, "x-ms-correlation-request-id": requestId, ...response.headers };
  if (text !== "") headers["content-type"] = "application/json; charset=utf-8";
  res.writeHead(response.status, { ...headers, "content-length": String(Buffer.byteLength(text)) }).end(text);
}

function authenticateArm(req: IncomingMessage): void {
  const authorization = req.headers.authorization ?? "";
  const [scheme = "", token = ""] = authorization.split(" ", 2);
  if (scheme.toLowerCase() !== "bearer" || token === "") {
    throw new BatchError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.");
  }
  const check = checkBearerToken(token.trim(), Date.now(), MANAGEMENT_AUDIENCES);
  if (!check.ok) throw new BatchError(401, "InvalidAuthenticationToken", check.detail);
}

function parseRequest(state: EmulatorState, req: IncomingMessage, raw: Buffer): ArmRequest {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const match = pathPattern.exec(url.pathname);
  if (match === null)
    throw new BatchError(404, "InvalidResourceType", "The emulator's Resource Manager serves only Microsoft.Batch/batchAccounts/pools.");
  const [subscription = "", resourceGroup = "", account = "", pool, action, operationId] = match.slice(1).map(decodeOptional);
  const apiVersion = checkApiVersion(url.searchParams.get("api-version") ?? "");
  const store = state.account(account);
  if (store === undefined) {
    throw new BatchError(
      404,
      "ResourceNotFound",
      `The Resource 'Microsoft.Batch/batchAccounts/${account}' under resource group '${resourceGroup}' was not found.`,
    );
  }
  return {
    method: req.method ?? "GET",
    address: { subscription, resourceGroup, account: store.accountName },
    store,
    poolName: pool,
    action: action?.toLowerCase(),
    operationId,
    headers: req.headers,
    body: parseBody(raw),
    origin: originOf(req),
    apiVersion,
  };
}

function originOf(req: IncomingMessage): string {
  const tls = (req.socket as { encrypted?: boolean }).encrypted === true;
  return `${tls ? "https" : "http"}://${req.headers.host ?? "127.0.0.1"}`;
}

function decodeOptional(part: string | undefined): string | undefined {
  return part === undefined ? undefined : decodeURIComponent(part);
}

function checkApiVersion(apiVersion: string): string {
  if (ARM_API_VERSIONS.includes(apiVersion)) return apiVersion;
  throw new BatchError(
    400,
    "InvalidApiVersionParameter",
    `The api-version '${apiVersion}' is invalid. The supported versions are '${ARM_API_VERSIONS.join(",")}'.`,
  );
}

function parseBody(raw: Buffer): Record<string, unknown> {
  if (raw.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString("utf8"));
  } catch {
    throw new BatchError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized.");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new BatchError(400, "InvalidRequestContent", "The request content must be a JSON object.");
  return parsed as Record<string, unknown>;
}

type ArmHandler = (request: ArmRequest, poolName: string) => ArmResponse;

/** Handlers by `<action or "">` then method; list pools is the one route without a pool name. */
const ROUTES: Record<string, Record<string, ArmHandler>> = {
  "": { GET: getPool, PUT: putPool, PATCH: patchPool, DELETE: deletePool },
  stopresize: { POST: stopResizePool },
  operationresults: { GET: (r, p) => operation(r, p, "operationresults") },
  operationstatus: { GET: (r, p) => operation(r, p, "operationstatus") },
};

function dispatch(request: ArmRequest): ArmResponse {
  const { method, poolName, action } = request;
  if (poolName === undefined && method === "GET") return listPools(request);
  const handler = poolName === undefined ? undefined : ROUTES[action ?? ""]?.[method];
  if (handler === undefined || poolName === undefined)
    throw new BatchError(405, "MethodNotAllowed", `${method} is not supported on this resource.`);
  return handler(request, poolName);
}

function pools(request: ArmRequest): PoolStore {
  return poolStore(request.store);
}

function ok(request: ArmRequest, pool: PoolEntity, status = 200): ArmResponse {
  return { status, headers: { etag: armETag(pool) }, body: poolToArm(request.address, pool) };
}

function notFound(poolName: string): BatchError {
  return new BatchError(404, "PoolNotFound", `The specified pool '${poolName}' does not exist.`);
}

function listPools(request: ArmRequest): ArmResponse {
  return { status: 200, body: { value: [...pools(request).pools.values()].map((p) => poolToArm(request.address, p)) } };
}

function getPool(request: ArmRequest, poolName: string): ArmResponse {
  const pool = pools(request).get(poolName);
  if (pool === undefined) throw notFound(poolName);
  return ok(request, pool);
}

/** If-Match / If-None-Match as ARM applies them: `*` or the pool's (weak) entity tag. */
function checkPreconditions(request: ArmRequest, pool: PoolEntity | undefined): void {
  const ifMatch = header(request, "if-match");
  const ifNoneMatch = header(request, "if-none-match");
  const matches = (given: string): boolean => (given === "*" ? pool !== undefined : pool !== undefined && bareTag(given) === pool.eTag);
  if (ifMatch !== undefined && !ifMatch.split(",").some((t) => matches(t.trim()))) {
    throw new BatchError(412, "PreconditionFailed", "The condition specified using HTTP conditional header(s) is not met (If-Match).");
  }
  if (ifNoneMatch !== undefined && ifNoneMatch.split(",").some((t) => matches(t.trim()))) {
    throw new BatchError(
      412,
      "PreconditionFailed",
      "The condition specified using HTTP conditional header(s) is not met (If-None-Match): the pool exists.",
    );
  }
}

function header(request: ArmRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

function bareTag(tag: string): string {
  return tag.replace(/^W\//, "").replace(/^"|"$/g, "");
}

/**
 * PUT creates the pool, or updates an existing one in place. What Batch cannot change after creation
 * (everything but scale, start task, metadata, packages, communication mode) must be sent unchanged.
 */
function putPool(request: ArmRequest, poolName: string): ArmResponse {
  const existing = pools(request).get(poolName);
  checkPreconditions(request, existing);
  const body = armPoolToData(poolName, request.body);
  const now = request.store.clock.now();
  if (existing === undefined) {
    return ok(request, addPoolToStore(pools(request), body, "bearer", now));
  }
  if (existing.state === "deleting")
    throw new BatchError(409, "PoolBeingDeleted", "The specified pool has been marked for deletion and is being reclaimed.");
  const immutable = [
    "vmSize",
    "virtualMachineConfiguration",
    "networkConfiguration",
    "userAccounts",
    "mountConfiguration",
    "identity",
    "taskSchedulingPolicy",
    "enableInterNodeCommunication",
  ];
  const changed = immutable.find((name) => JSON.stringify(existing.spec[name] ?? null) !== JSON.stringify(body[name] ?? null));
  if (changed !== undefined)
    throw new BatchError(409, "PropertyCannotBeUpdated", `The property '${changed}' cannot be updated on an existing pool.`);
  for (const name of ["startTask", "metadata", "applicationPackageReferences", "targetNodeCommunicationMode"]) {
    if (body[name] === undefined) delete existing.spec[name];
    else existing.spec[name] = body[name];
  }
  applyScale(pools(request), existing, request.body.properties as Record<string, unknown>);
  touch(existing, now);
  return ok(request, existing);
}

function patchPool(request: ArmRequest, poolName: string): ArmResponse {
  const pool = pools(request).get(poolName);
  checkPreconditions(request, pool);
  if (pool === undefined) throw notFound(poolName);
  if (pool.state === "deleting")
    throw new BatchError(409, "PoolBeingDeleted", "The specified pool has been marked for deletion and is being reclaimed.");
  const properties = (request.body.properties ?? {}) as Record<string, unknown>;
  if (request.body.identity !== undefined)
    throw new BatchError(409, "PropertyCannotBeUpdated", "The property 'identity' cannot be updated on an existing pool.");
  const updatable = new Set([
    "metadata",
    "startTask",
    "applicationPackages",
    "certificates",
    "targetNodeCommunicationMode",
    "scaleSettings",
  ]);
  const fixed = Object.keys(properties).find((name) => !updatable.has(name));
  if (fixed !== undefined)
    throw new BatchError(409, "PropertyCannotBeUpdated", `The property '${fixed}' cannot be updated on an existing pool.`);
  const { mutable, removeStartTask } = armPatchToData(properties);
  if (removeStartTask) delete pool.spec.startTask;
  Object.assign(pool.spec, mutable);
  applyScale(pools(request), pool, properties);
  touch(pool, request.store.clock.now());
  return ok(request, pool);
}

/** scaleSettings: a fixed scale resizes (and ends autoscale), an autoScale formula enables autoscale. */
function applyScale(store: PoolStore, pool: PoolEntity, properties: Record<string, unknown>): void {
  const scale = properties.scaleSettings as { fixedScale?: Record<string, unknown>; autoScale?: Record<string, unknown> } | undefined;
  if (scale?.autoScale !== undefined) enableAutoScale(store, pool, String(scale.autoScale.formula ?? ""));
  else if (scale?.fixedScale !== undefined) applyFixedScale(store, pool, scale.fixedScale);
}

function enableAutoScale(store: PoolStore, pool: PoolEntity, formula: string): void {
  checkFormulaSyntax(formula);
  pool.enableAutoScale = true;
  pool.autoScaleFormula = formula;
  pool.lastAutoScaleEnableTime = store.account.clock.now();
  startAutoScale(store, pool);
}

function applyFixedScale(store: PoolStore, pool: PoolEntity, fixed: Record<string, unknown>): void {
  if (pool.enableAutoScale) {
    stopAutoScale(store, pool);
    pool.enableAutoScale = false;
    delete pool.autoScaleFormula;
    delete pool.autoScaleRun;
  }
  const dedicated = Number(fixed.targetDedicatedNodes ?? pool.targetDedicatedNodes);
  const lowPriority = Number(fixed.targetLowPriorityNodes ?? pool.targetLowPriorityNodes);
  if (dedicated === pool.targetDedicatedNodes && lowPriority === pool.targetLowPriorityNodes) return;
  if (pool.allocationState !== "steady") throw new BatchError(409, "PoolBeingResized", "The specified pool is currently being resized.");
  pool.targetDedicatedNodes = dedicated;
  pool.targetLowPriorityNodes = lowPriority;
  beginResize(store, pool, String(fixed.nodeDeallocationOption ?? "Requeue").toLowerCase() as NodeDeallocationOption);
}

function stopResizePool(request: ArmRequest, poolName: string): ArmResponse {
  const pool = pools(request).get(poolName);
  if (pool === undefined) throw notFound(poolName);
  if (pool.allocationState === "resizing") stopResize(pools(request), pool);
  touch(pool, request.store.clock.now());
  return ok(request, pool);
}

/** DELETE answers 202 with Azure-AsyncOperation and Location; an absent pool answers 204. */
function deletePool(request: ArmRequest, poolName: string): ArmResponse {
  const store = pools(request);
  const pool = store.get(poolName);
  checkPreconditions(request, pool);
  if (pool === undefined) return { status: 204 };
  if (pool.state !== "deleting") beginDelete(store, pool, () => store.pools.delete(pool.id));
  const id = randomUUID();
  request.store.slot(operationsSlot).set(id, { pool, startTime: request.store.clock.now() });
  return { status: 202, headers: operationHeaders(request, poolName, id) };
}

function operationHeaders(request: ArmRequest, poolName: string, id: string): Record<string, string> {
  const a = request.address;
  const base = `${request.origin}/subscriptions/${a.subscription}/resourceGroups/${a.resourceGroup}/providers/Microsoft.Batch/batchAccounts/${a.account}/pools/${encodeURIComponent(poolName)}`;
  const query = `?api-version=${request.apiVersion}`;
  return {
    "azure-asyncoperation": `${base}/operationStatus/${id}${query}`,
    location: `${base}/operationResults/${id}${query}`,
    "retry-after": "1",
  };
}

function operation(request: ArmRequest, poolName: string, action: string): ArmResponse {
  const id = request.operationId ?? "";
  const op = request.store.slot(operationsSlot).get(id);
  if (op === undefined) throw new BatchError(404, "OperationNotFound", `The operation '${id}' was not found.`);
  const done = pools(request).pools.get(op.pool.id) !== op.pool;
  if (action === "operationresults") return done ? { status: 204 } : { status: 202, headers: operationHeaders(request, poolName, id) };
  const body = { id, name: id, status: done ? "Succeeded" : "InProgress", startTime: formatTime(op.startTime) };
  return { status: 200, headers: done ? {} : { "retry-after": "1" }, body };
}

/** ARM's error body: `{"error":{"code","message"}}`. */
function armError(err: unknown): ArmResponse {
  if (!isBatchError(err)) {
    console.error("emulator: internal error (ARM)", err);
    return { status: 500, body: { error: { code: "InternalServerError", message: "The server encountered an internal error." } } };
  }
  const details = err.values.map((v) => `${v.key}: ${v.value}`).join("; ");
  const message = details === "" ? err.message : `${err.message} (${details})`;
  return { status: err.status, headers: { ...err.headers }, body: { error: { code: err.code, message } } };
}
