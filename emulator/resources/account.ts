import type { Router } from "../http/router.js";
import type { RequestContext } from "../http/context.js";
import type { EmulatorResponse } from "../http/response.js";
import { errors } from "../http/errors.js";
import { compileFilter, encodeSkipToken, type CompiledFilter } from "../odata/index.js";
import { OrderedTable } from "../store/ordered-table.js";
import { poolStore, type NodeState, type PoolEntity } from "../store/pool-store.js";
import { listFromTable, parseListQuery } from "./list-query.js";
import { supportedImages, type SupportedImage } from "./supported-images.js";

export function registerRoutes(router: Router): void {
  router.addAll([
    { operationId: "Account_ListSupportedImages", method: "GET", path: "/supportedimages", handler: listSupportedImages },
    { operationId: "Account_ListPoolNodeCounts", method: "GET", path: "/nodecounts", handler: listPoolNodeCounts },
    { operationId: "Pool_ListUsageMetrics", method: "GET", path: "/poolusagemetrics", handler: listPoolUsageMetrics },
  ]);
}

/** Built once: the list is constant, so paging can use an OrderedTable keyed by a synthetic id. */
let imageTable: OrderedTable<SupportedImage & { id: string }> | undefined;

function images(): OrderedTable<SupportedImage & { id: string }> {
  if (imageTable === undefined) {
    imageTable = new OrderedTable();
    for (const entry of supportedImages) {
      const r = entry.imageReference;
      imageTable.insert({ ...entry, id: `${r.publisher}|${r.offer}|${r.sku}|${entry.nodeAgentSKUId}` });
    }
  }
  return imageTable;
}

function listSupportedImages(ctx: RequestContext): EmulatorResponse {
  const query = parseListQuery(ctx, {
    defaultMaxResults: 1000,
    maxMaxResults: 1000,
    filterPaths: ["osType", "verificationType", "nodeAgentSKUId", "imageReference/publisher", "imageReference/offer", "imageReference/sku"],
  });
  return listFromTable(ctx, query, { fragment: "supportedimages", table: images(), toWire: ({ id: _id, ...wire }) => wire });
}

/**
 * Usage metrics are aggregated by the service per hour and published about 30 minutes after; the emulator
 * aggregates none, so the answer is the one a new account gets (recorded: azure-cli test_batch_pools_and_nodes):
 * an empty list, after the query is checked.
 */
function listPoolUsageMetrics(ctx: RequestContext): EmulatorResponse {
  parseListQuery(ctx, { defaultMaxResults: 1000, maxMaxResults: 1000, filterPaths: ["poolId", "startTime", "endTime", "vmSize"] });
  for (const name of ["starttime", "endtime"]) {
    const value = ctx.query(name);
    if (value !== undefined && Number.isNaN(Date.parse(value))) throw errors.invalidQuery(name, value);
  }
  return ctx.list("poolusagemetrics", [], undefined);
}

/** NodeCounts names its fields in camelCase while node states are lowercase on the wire. */
const countField: Record<NodeState, string> = {
  creating: "creating",
  idle: "idle",
  offline: "offline",
  preempted: "preempted",
  rebooting: "rebooting",
  reimaging: "reimaging",
  running: "running",
  starting: "starting",
  starttaskfailed: "startTaskFailed",
  leavingpool: "leavingPool",
  unknown: "unknown",
  unusable: "unusable",
  waitingforstarttask: "waitingForStartTask",
};

function counts(pool: PoolEntity, dedicated: boolean): Record<string, number> {
  const out: Record<string, number> = {};
  for (const field of Object.values(countField)) out[field] = 0;
  let total = 0;
  for (const node of pool.nodes.values()) {
    if (node.isDedicated !== dedicated) continue;
    const field = countField[node.state];
    out[field] = (out[field] ?? 0) + 1;
    total += 1;
  }
  out.total = total;
  return out;
}

/** Node counts per pool; pages of at most 10, filterable by poolId. */
function listPoolNodeCounts(ctx: RequestContext): EmulatorResponse {
  const query = parseListQuery(ctx, { defaultMaxResults: 10, maxMaxResults: 10, filterPaths: ["poolId"] });
  const filter: CompiledFilter | undefined = query.filter === undefined ? undefined : compileFilter(query.filter.text);
  const page = poolStore(ctx.store).pools.page({
    ...(query.afterSeq === undefined ? {} : { afterSeq: query.afterSeq }),
    limit: query.maxResults,
    ...(filter === undefined ? {} : { predicate: (pool: PoolEntity) => filter.matches({ poolId: pool.id }) }),
  });
  const items = page.items.map((pool) => ({ poolId: pool.id, dedicated: counts(pool, true), lowPriority: counts(pool, false) }));
  return ctx.list("poolnodecounts", items, page.nextSeq === undefined ? undefined : encodeSkipToken(page.nextSeq));
}
