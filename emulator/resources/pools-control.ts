import type { Router } from "../http/router.js";
import { BatchError, errors } from "../http/errors.js";
import { touch } from "../store/entity.js";
import { poolStore, type PoolEntity, type PoolStore } from "../store/pool-store.js";
import type { AccountStore } from "../store/account-store.js";
import { beginDelete, beginResize } from "../lifecycle/pool-allocation.js";
import { stopAutoScale } from "../lifecycle/autoscale.js";

/**
 * Out-of-band pool changes for the control API, as if someone used the portal: they bypass
 * conditional headers and API rules (a portal resize stops autoscale), but follow the same lifecycles.
 */
export function registerPoolControlActions(router: Router): void {
  router.addControlAction("resizePool", resizePool);
  router.addControlAction("setPoolMetadata", setPoolMetadata);
  router.addControlAction("deletePool", deletePool);
  router.addControlAction("setQuota", setQuota);
}

function pool(account: AccountStore, body: Record<string, unknown>): { store: PoolStore; pool: PoolEntity } {
  const store = poolStore(account);
  const found = typeof body.poolId === "string" ? store.get(body.poolId) : undefined;
  if (found === undefined) throw errors.notFound("PoolNotFound");
  return { store, pool: found };
}

function count(body: Record<string, unknown>, name: string): number | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) throw errors.invalidProperty(name, value);
  return value;
}

function resizePool(account: AccountStore, body: Record<string, unknown>): unknown {
  const { store, pool: target } = pool(account, body);
  if (target.state === "deleting") throw new BatchError(409, "PoolBeingDeleted");
  stopAutoScale(store, target);
  target.enableAutoScale = false;
  target.targetDedicatedNodes = count(body, "targetDedicatedNodes") ?? target.targetDedicatedNodes;
  target.targetLowPriorityNodes = count(body, "targetLowPriorityNodes") ?? target.targetLowPriorityNodes;
  touch(target, account.clock.now());
  beginResize(store, target);
  return { poolId: target.id, targetDedicatedNodes: target.targetDedicatedNodes, targetLowPriorityNodes: target.targetLowPriorityNodes };
}

function setPoolMetadata(account: AccountStore, body: Record<string, unknown>): unknown {
  const { pool: target } = pool(account, body);
  const metadata = body.metadata;
  const valid =
    Array.isArray(metadata) &&
    metadata.every((m: { name?: unknown; value?: unknown } | null) => typeof m?.name === "string" && typeof m.value === "string");
  if (!valid) throw errors.invalidProperty("metadata", metadata, "a list of {name, value} strings");
  target.spec.metadata = metadata;
  touch(target, account.clock.now());
  return { poolId: target.id, eTag: target.eTag };
}

function deletePool(account: AccountStore, body: Record<string, unknown>): unknown {
  const { store, pool: target } = pool(account, body);
  if (target.state !== "deleting") beginDelete(store, target, () => store.pools.delete(target.id));
  return { poolId: target.id, state: target.state };
}

/** Node and pool quotas of the account (shortfalls surface as resize errors / PoolQuotaReached). */
function setQuota(account: AccountStore, body: Record<string, unknown>): unknown {
  const limits = poolStore(account).limits;
  limits.dedicatedNodeQuota = count(body, "dedicatedNodes") ?? limits.dedicatedNodeQuota;
  limits.lowPriorityNodeQuota = count(body, "lowPriorityNodes") ?? limits.lowPriorityNodeQuota;
  limits.maxPools = count(body, "pools") ?? limits.maxPools;
  return { ...limits };
}
