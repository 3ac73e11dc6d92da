import { checkTaskLike } from "./prose-rules.js";
import type { Router } from "../http/router.js";
import type { RequestContext } from "../http/context.js";
import type { EmulatorResponse } from "../http/response.js";
import { BatchError, errors } from "../http/errors.js";
import { newMeta, touch } from "../store/entity.js";
import { OrderedTable } from "../store/ordered-table.js";
import { poolStore, type PoolEntity, type PoolStore, type NodeDeallocationOption } from "../store/pool-store.js";
import { beginDelete, beginResize, stopResize } from "../lifecycle/pool-allocation.js";
import { evaluateFor, startAutoScale, stopAutoScale } from "../lifecycle/autoscale.js";
import { poolToWire, autoScaleRunToWire } from "./pool-wire.js";
import { checkApplicationPackageReferences } from "./application-packages.js";
import { registerPoolControlActions } from "./pools-control.js";
import { checkExpand, listFromTable, parseGetSelect, parseListQuery, project } from "./list-query.js";
import { checkFormulaSyntax, checkImage, checkPoolAdd, type PoolAddInput } from "./pool-validation.js";
import type { AuthKind } from "../http/authenticate.js";
import { checkMetadata, conflict, oneOf, optionalArray, optionalDuration, optionalInt, optionalObject, requireString } from "./validate.js";

const minute = 60_000;
const defaultResizeTimeoutMs = 15 * minute;
const defaultEvaluationIntervalMs = 15 * minute;
const minEvaluationIntervalMs = 5 * minute;
const maxEvaluationIntervalMs = 168 * 60 * minute;
const enableAutoScaleCooldownMs = 30_000;

/** Properties Pool_Patch and updateproperties may change; everything else on a pool is fixed after creation. */
const mutableProperties = ["startTask", "certificateReferences", "applicationPackageReferences", "metadata", "targetNodeCommunicationMode"];

const poolFilterPaths = [
  "id",
  "state",
  "allocationState",
  "enableAutoScale",
  "vmSize",
  "enableInterNodeCommunication",
  "creationTime",
  "lastModified",
  "stateTransitionTime",
  "allocationStateTransitionTime",
  "displayName",
  "taskSlotsPerNode",
];

export function registerRoutes(router: Router): void {
  router.addAll([
    { operationId: "Pool_Add", method: "POST", path: "/pools", handler: addPool },
    { operationId: "Pool_List", method: "GET", path: "/pools", handler: listPools },
    { operationId: "Pool_Get", method: "GET", path: "/pools/{poolId}", handler: getPool },
    { operationId: "Pool_Exists", method: "HEAD", path: "/pools/{poolId}", handler: poolExists },
    { operationId: "Pool_Delete", method: "DELETE", path: "/pools/{poolId}", handler: deletePool },
    { operationId: "Pool_Patch", method: "PATCH", path: "/pools/{poolId}", handler: patchPool },
    { operationId: "Pool_UpdateProperties", method: "POST", path: "/pools/{poolId}/updateproperties", handler: updateProperties },
    { operationId: "Pool_Resize", method: "POST", path: "/pools/{poolId}/resize", handler: resizePool },
    { operationId: "Pool_StopResize", method: "POST", path: "/pools/{poolId}/stopresize", handler: stopResizePool },
    { operationId: "Pool_EnableAutoScale", method: "POST", path: "/pools/{poolId}/enableautoscale", handler: enableAutoScale },
    { operationId: "Pool_DisableAutoScale", method: "POST", path: "/pools/{poolId}/disableautoscale", handler: disableAutoScale },
    { operationId: "Pool_EvaluateAutoScale", method: "POST", path: "/pools/{poolId}/evaluateautoscale", handler: evaluateAutoScale },
  ]);
  registerPoolControlActions(router);
}

function pools(ctx: RequestContext): PoolStore {
  return poolStore(ctx.store);
}

function poolLocation(ctx: RequestContext, pool: PoolEntity): string {
  return ctx.url(`/pools/${encodeURIComponent(pool.id)}`);
}

/** For mutations: the pool must exist and not be deleting, and the If-* conditions must hold. */
function poolForUpdate(ctx: RequestContext, checkConditions = true): PoolEntity {
  const pool = pools(ctx).get(ctx.params.poolId ?? "");
  if (checkConditions) ctx.conditions(pool);
  if (pool === undefined) throw errors.notFound("PoolNotFound");
  if (pool.state === "deleting") throw conflict("PoolBeingDeleted");
  return pool;
}

function addPool(ctx: RequestContext): EmulatorResponse {
  // Pool_Add (2022-10-01) has no identity: only Resource Manager assigns one (emulator/arm/).
  const { identity: _identity, ...body } = ctx.bodyObject();
  const pool = addPoolToStore(pools(ctx), body, ctx.auth.kind, ctx.clock.now());
  return ctx.empty(201, pool, poolLocation(ctx, pool));
}

/**
 * Checks a Pool_Add-shaped body and inserts the pool, as the service does for both of its front doors
 * (Pool_Add on the data plane, and a pool PUT through Resource Manager, converted to this shape).
 */
export function addPoolToStore(store: PoolStore, body: Record<string, unknown>, auth: AuthKind, now: number): PoolEntity {
  const input = checkPoolAdd(body);
  checkImage(body, auth);
  checkApplicationPackageReferences(body.applicationPackageReferences);
  if (store.pools.has(input.id)) throw errors.exists("PoolExists");
  if (store.pools.size >= store.limits.maxPools) throw conflict("PoolQuotaReached", "The pool quota of the account has been reached.");
  const pool = createPool(now, body, input);
  store.pools.insert(pool);
  if (pool.enableAutoScale) startAutoScale(store, pool);
  else beginResize(store, pool);
  return pool;
}

function createPool(now: number, body: Record<string, unknown>, input: PoolAddInput): PoolEntity {
  const spec: Record<string, unknown> = { ...body };
  for (const computed of [
    "id",
    "targetDedicatedNodes",
    "targetLowPriorityNodes",
    "enableAutoScale",
    "autoScaleFormula",
    "autoScaleEvaluationInterval",
    "resizeTimeout",
    "taskSlotsPerNode",
  ]) {
    delete spec[computed];
  }
  return {
    ...newMeta(input.id, now),
    spec,
    state: "active",
    stateTransitionTime: now,
    allocationState: "steady",
    allocationStateTransitionTime: now,
    targetDedicatedNodes: input.enableAutoScale ? 0 : input.targetDedicatedNodes,
    targetLowPriorityNodes: input.enableAutoScale ? 0 : input.targetLowPriorityNodes,
    resizeTimeoutMs: input.resizeTimeoutMs ?? defaultResizeTimeoutMs,
    resizeErrors: [],
    enableAutoScale: input.enableAutoScale,
    ...(input.autoScaleFormula === undefined ? {} : { autoScaleFormula: input.autoScaleFormula }),
    ...(input.enableAutoScale
      ? { autoScaleEvaluationIntervalMs: input.autoScaleEvaluationIntervalMs ?? defaultEvaluationIntervalMs, lastAutoScaleEnableTime: now }
      : {}),
    taskSlotsPerNode: input.taskSlotsPerNode,
    nodes: new OrderedTable(),
    available: new Set(),
  };
}

function listPools(ctx: RequestContext): EmulatorResponse {
  const query = parseListQuery(ctx, { defaultMaxResults: 1000, maxMaxResults: 1000, filterPaths: poolFilterPaths });
  checkExpand(ctx);
  return listFromTable(ctx, query, { fragment: "pools", table: pools(ctx).pools, toWire: (pool) => poolToWire(ctx, pool), order: "id" });
}

function getPool(ctx: RequestContext): EmulatorResponse {
  const select = parseGetSelect(ctx);
  checkExpand(ctx);
  const pool = pools(ctx).get(ctx.params.poolId ?? "");
  const outcome = ctx.conditions(pool);
  if (pool === undefined) throw errors.notFound("PoolNotFound");
  if (outcome === "notModified") return ctx.empty(304, pool);
  return ctx.entity("pools/@Element", project(poolToWire(ctx, pool), select), pool);
}

function poolExists(ctx: RequestContext): EmulatorResponse {
  const pool = pools(ctx).get(ctx.params.poolId ?? "");
  const outcome = ctx.conditions(pool);
  if (pool === undefined) return { status: 404, headers: {} };
  return ctx.empty(outcome === "notModified" ? 304 : 200, pool);
}

function deletePool(ctx: RequestContext): EmulatorResponse {
  const pool = poolForUpdate(ctx);
  const store = pools(ctx);
  beginDelete(store, pool, () => store.pools.delete(pool.id));
  return ctx.empty(202);
}

function rejectImmutable(body: Record<string, unknown>): void {
  for (const name of Object.keys(body)) {
    if (!mutableProperties.includes(name)) {
      throw errors.invalidProperty(name, body[name], "This property cannot be changed after the pool is created");
    }
  }
}

function patchPool(ctx: RequestContext): EmulatorResponse {
  const body = ctx.bodyObject();
  const pool = poolForUpdate(ctx);
  rejectImmutable(body);
  checkMutable(body);
  // PATCH replaces only what is present; an empty array clears a list.
  for (const name of mutableProperties) {
    if (body[name] !== undefined) pool.spec[name] = body[name];
  }
  touch(pool, ctx.clock.now());
  return ctx.empty(200, pool, poolLocation(ctx, pool));
}

function updateProperties(ctx: RequestContext): EmulatorResponse {
  const body = ctx.bodyObject();
  const pool = poolForUpdate(ctx, false);
  rejectImmutable(body);
  for (const required of ["certificateReferences", "applicationPackageReferences", "metadata"]) {
    if (!Array.isArray(body[required])) throw errors.missingProperty(required);
  }
  checkMutable(body);
  // updateproperties replaces all of them: an omitted startTask is removed, an omitted mode is default.
  for (const name of mutableProperties) delete pool.spec[name];
  for (const name of mutableProperties) if (body[name] !== undefined) pool.spec[name] = body[name];
  touch(pool, ctx.clock.now());
  return ctx.empty(204, pool, poolLocation(ctx, pool));
}

function checkMutable(body: Record<string, unknown>): void {
  checkMetadata(optionalArray(body, "metadata"));
  optionalArray(body, "certificateReferences");
  checkApplicationPackageReferences(optionalArray(body, "applicationPackageReferences"));
  const startTask = optionalObject(body, "startTask");
  if (startTask !== undefined) requireString(startTask, "commandLine", "startTask.commandLine");
  checkTaskLike(startTask, "startTask");
  oneOf(body, "targetNodeCommunicationMode", ["default", "classic", "simplified"]);
}

function resizePool(ctx: RequestContext): EmulatorResponse {
  const body = ctx.bodyObject();
  const pool = poolForUpdate(ctx);
  if (pool.enableAutoScale) {
    throw conflict(
      "OperationInvalidForCurrentState",
      "The pool has autoscale enabled; resize it by changing the formula or disabling autoscale.",
    );
  }
  if (pool.allocationState !== "steady") throw conflict("PoolBeingResized");
  const dedicated = optionalInt(body, "targetDedicatedNodes", 0, 100_000);
  const lowPriority = optionalInt(body, "targetLowPriorityNodes", 0, 100_000);
  const timeout = optionalDuration(body, "resizeTimeout", 5 * minute, 7 * 24 * 60 * minute);
  const option = oneOf<NodeDeallocationOption>(body, "nodeDeallocationOption", ["requeue", "terminate", "taskcompletion", "retaineddata"]);
  if (dedicated !== undefined) pool.targetDedicatedNodes = dedicated;
  if (lowPriority !== undefined) pool.targetLowPriorityNodes = lowPriority;
  pool.resizeTimeoutMs = timeout ?? defaultResizeTimeoutMs;
  touch(pool, ctx.clock.now());
  beginResize(pools(ctx), pool, option ?? "requeue");
  return ctx.empty(202, pool, poolLocation(ctx, pool));
}

function stopResizePool(ctx: RequestContext): EmulatorResponse {
  const pool = poolForUpdate(ctx);
  if (pool.allocationState !== "resizing") {
    throw conflict("OperationInvalidForCurrentState", "The pool is not resizing.");
  }
  // The service keeps the pool's etag here, and on disableautoscale (recorded: azure-cli test_batch_pools_and_nodes).
  stopResize(pools(ctx), pool);
  return ctx.empty(202, pool, poolLocation(ctx, pool));
}

function enableAutoScale(ctx: RequestContext): EmulatorResponse {
  const body = ctx.bodyObject();
  const pool = poolForUpdate(ctx);
  const now = ctx.clock.now();
  if (pool.allocationState !== "steady") throw conflict("PoolBeingResized");
  if (
    pool.enableAutoScale &&
    pool.lastAutoScaleEnableTime !== undefined &&
    now - pool.lastAutoScaleEnableTime < enableAutoScaleCooldownMs
  ) {
    throw new BatchError(503, "TooManyEnableAutoScaleRequests");
  }
  const formula = body.autoScaleFormula === undefined ? pool.autoScaleFormula : requireString(body, "autoScaleFormula");
  if (formula === undefined) throw errors.missingProperty("autoScaleFormula");
  checkFormulaSyntax(formula);
  const interval = optionalDuration(body, "autoScaleEvaluationInterval", minEvaluationIntervalMs, maxEvaluationIntervalMs);
  pool.enableAutoScale = true;
  pool.autoScaleFormula = formula;
  pool.autoScaleEvaluationIntervalMs = interval ?? pool.autoScaleEvaluationIntervalMs ?? defaultEvaluationIntervalMs;
  pool.lastAutoScaleEnableTime = now;
  startAutoScale(pools(ctx), pool);
  touch(pool, now);
  return ctx.empty(200, pool, poolLocation(ctx, pool));
}

function disableAutoScale(ctx: RequestContext): EmulatorResponse {
  const pool = poolForUpdate(ctx, false);
  stopAutoScale(pools(ctx), pool);
  pool.enableAutoScale = false;
  delete pool.autoScaleFormula;
  delete pool.autoScaleRun;
  return ctx.empty(200, pool, poolLocation(ctx, pool));
}

function evaluateAutoScale(ctx: RequestContext): EmulatorResponse {
  const body = ctx.bodyObject();
  const pool = poolForUpdate(ctx, false);
  const formula = requireString(body, "autoScaleFormula");
  if (!pool.enableAutoScale) {
    throw new BatchError(409, "AutoScalingNotEnabled", "Autoscale must be enabled on the pool to evaluate a formula.");
  }
  const { run } = evaluateFor(pools(ctx), pool, formula);
  const response = ctx.entity("Microsoft.Azure.Batch.Protocol.Entities.AutoScaleRun", autoScaleRunToWire(run));
  response.headers.dataserviceid = ctx.requestUrl();
  return response;
}
