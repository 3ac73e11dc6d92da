import type { Router } from "../http/router.js";
import type { RequestContext } from "../http/context.js";
import type { EmulatorResponse } from "../http/response.js";
import { errors } from "../http/errors.js";
import { poolStore, type PoolEntity } from "../store/pool-store.js";
import { nodeToWire } from "./pool-wire.js";
import { listFromTable, parseGetSelect, parseListQuery, project } from "./list-query.js";

const nodeFilterPaths = [
  "id",
  "state",
  "schedulingState",
  "stateTransitionTime",
  "lastBootTime",
  "allocationTime",
  "isDedicated",
  "startTaskInfo/state",
  "startTaskInfo/result",
  "startTaskInfo/exitCode",
];

export function registerRoutes(router: Router): void {
  router.addAll([
    { operationId: "ComputeNode_List", method: "GET", path: "/pools/{poolId}/nodes", handler: listNodes },
    { operationId: "ComputeNode_Get", method: "GET", path: "/pools/{poolId}/nodes/{nodeId}", handler: getNode },
  ]);
}

function findPool(ctx: RequestContext): PoolEntity {
  const pool = poolStore(ctx.store).get(ctx.params.poolId ?? "");
  if (pool === undefined) throw errors.notFound("PoolNotFound");
  return pool;
}

function listNodes(ctx: RequestContext): EmulatorResponse {
  const query = parseListQuery(ctx, { defaultMaxResults: 1000, maxMaxResults: 1000, filterPaths: nodeFilterPaths });
  const pool = findPool(ctx);
  return listFromTable(ctx, query, { fragment: "nodes", table: pool.nodes, toWire: (node) => nodeToWire(ctx, pool, node) });
}

function getNode(ctx: RequestContext): EmulatorResponse {
  const select = parseGetSelect(ctx);
  const pool = findPool(ctx);
  const node = pool.nodes.get(ctx.params.nodeId ?? "");
  if (node === undefined) throw errors.notFound("NodeNotFound");
  return ctx.entity("nodes/@Element", project(nodeToWire(ctx, pool, node), select));
}
