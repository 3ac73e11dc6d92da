import type { NodeDeallocationOption, NodeEntity, PoolEntity, PoolStore, ResizeError } from "../store/pool-store.js";
import { join } from "node:path";
import { touch } from "../store/entity.js";
import { batchEnvironment, type LocalExecutor, type ProcessOutcome } from "../execution/local-executor.js";
import { runAsFor } from "../execution/run-as.js";

/**
 * Pool allocation on the emulator clock:
 *   resize → allocationState resizing; new nodes creating → starting → (waitingForStartTask →) idle
 *   (or startTaskFailed); surplus nodes leavingPool → gone; steady once allocation is done.
 * When the account's node quota leaves the target short, the resize keeps trying until resizeTimeout,
 * then goes steady with a resize error. stopResize → stopping → steady with a ResizeStopped error.
 */
export function beginResize(store: PoolStore, pool: PoolEntity, option: NodeDeallocationOption = "requeue"): void {
  const clock = store.account.clock;
  if (pool.resizeTimer !== undefined) clock.cancel(pool.resizeTimer);
  pool.resizeErrors = [];
  const dedicated = adjust(store, pool, true, option);
  const lowPriority = adjust(store, pool, false, option);
  if (!dedicated.changed && !lowPriority.changed) {
    setAllocationState(store, pool, "steady");
    return;
  }
  setAllocationState(store, pool, "resizing");
  const timing = store.account.timing;
  const shortfall = dedicated.shortfall > 0 || lowPriority.shortfall > 0;
  const doneAfter = shortfall
    ? pool.resizeTimeoutMs
    : Math.max(dedicated.added > 0 || lowPriority.added > 0 ? timing.nodeCreatingMs : 0, timing.nodeLeavingMs);
  pool.resizeTimer = clock.schedule(doneAfter, () => {
    pool.resizeTimer = undefined;
    if (shortfall) pool.resizeErrors = [quotaError(dedicated.shortfall)];
    setAllocationState(store, pool, "steady");
  });
}

/** Stops an ongoing resize: nodes still being created are dropped, targets stay as they were. */
export function stopResize(store: PoolStore, pool: PoolEntity): void {
  const clock = store.account.clock;
  if (pool.resizeTimer !== undefined) clock.cancel(pool.resizeTimer);
  let dropped = false;
  for (const node of [...pool.nodes.values()]) {
    if (node.state !== "creating") continue;
    store.removeNode(pool, node);
    dropped = true;
  }
  setAllocationState(store, pool, "stopping");
  pool.resizeTimer = clock.schedule(store.account.timing.resizeStoppingMs, () => {
    pool.resizeTimer = undefined;
    pool.resizeErrors =
      dropped || liveCount(pool, true) < pool.targetDedicatedNodes || liveCount(pool, false) < pool.targetLowPriorityNodes
        ? [{ code: "ResizeStopped", message: "Desired number of dedicated nodes could not be allocated due to a stop resize operation" }]
        : [];
    setAllocationState(store, pool, "steady");
  });
}

/** Marks the pool deleting, releases its nodes, and removes it after `poolDeletingMs`. */
export function beginDelete(store: PoolStore, pool: PoolEntity, onGone: () => void): void {
  const clock = store.account.clock;
  const now = clock.now();
  for (const handle of [pool.resizeTimer, pool.autoScaleTimer]) if (handle !== undefined) clock.cancel(handle);
  pool.resizeTimer = undefined;
  pool.autoScaleTimer = undefined;
  pool.previousState = pool.state;
  pool.state = "deleting";
  pool.stateTransitionTime = now;
  if (pool.nodes.size > 0) setAllocationState(store, pool, "resizing");
  for (const node of [...pool.nodes.values()]) {
    if (node.state !== "leavingpool") store.startLeaving(pool, node, "requeue", store.account.timing.nodeLeavingMs);
  }
  touch(pool, now);
  pool.deleteTimer = clock.schedule(store.account.timing.poolDeletingMs, () => {
    store.cancelTimers(pool);
    onGone();
  });
}

export function setAllocationState(store: PoolStore, pool: PoolEntity, state: PoolEntity["allocationState"]): void {
  if (pool.allocationState === state) return;
  const now = store.account.clock.now();
  // What the service does by itself keeps the etag and lastModified: recorded, a pool created at 15:55:35 went
  // steady at 15:55:37 and still listed its creation etag (azure-cli test_batch_pools_and_nodes).
  pool.allocationState = state;
  pool.allocationStateTransitionTime = now;
}

/** Nodes of a kind that stay in the pool (not leaving). */
export function liveNodes(pool: PoolEntity, dedicated: boolean): NodeEntity[] {
  const out: NodeEntity[] = [];
  for (const node of pool.nodes.values()) {
    if (node.isDedicated === dedicated && node.state !== "leavingpool" && !node.leaveWhenIdle) out.push(node);
  }
  return out;
}

function liveCount(pool: PoolEntity, dedicated: boolean): number {
  return liveNodes(pool, dedicated).length;
}

interface Adjustment {
  changed: boolean;
  added: number;
  shortfall: number;
}

/** Boots or removes dedicated (or low-priority) nodes towards the pool's target for that kind. */
function adjust(store: PoolStore, pool: PoolEntity, dedicated: boolean, option: NodeDeallocationOption): Adjustment {
  const target = dedicated ? pool.targetDedicatedNodes : pool.targetLowPriorityNodes;
  const live = liveNodes(pool, dedicated);
  const diff = target - live.length;
  if (diff === 0) return { changed: false, added: 0, shortfall: 0 };
  if (diff < 0) {
    for (const node of removalOrder(live).slice(0, -diff)) store.startLeaving(pool, node, option, store.account.timing.nodeLeavingMs);
    return { changed: true, added: 0, shortfall: 0 };
  }
  const quota = dedicated ? store.limits.dedicatedNodeQuota : store.limits.lowPriorityNodeQuota;
  const room = Math.max(0, quota - accountNodeCount(store, dedicated));
  const added = Math.min(diff, room);
  for (let i = 0; i < added; i++) bootNode(store, pool, dedicated);
  return { changed: true, added, shortfall: diff - added };
}

/** Idle nodes leave first, then nodes still booting, then busy ones. */
function removalOrder(nodes: NodeEntity[]): NodeEntity[] {
  const rank = (node: NodeEntity): number => (node.state === "idle" ? 0 : node.state === "running" ? 2 : 1);
  return [...nodes].sort((a, b) => rank(a) - rank(b));
}

function accountNodeCount(store: PoolStore, dedicated: boolean): number {
  let count = 0;
  for (const pool of store.pools.values()) count += liveCount(pool, dedicated);
  return count;
}

function bootNode(store: PoolStore, pool: PoolEntity, dedicated: boolean): void {
  const clock = store.account.clock;
  const timing = store.account.timing;
  const node = store.newNode(dedicated);
  pool.nodes.insert(node);
  if (store.account.executor !== undefined) node.rootDir = store.account.executor.prepareNode(pool.id, node.id);
  node.timer = clock.schedule(timing.nodeCreatingMs, () => {
    store.setNodeState(node, "starting");
    node.timer = clock.schedule(timing.nodeStartingMs, () => {
      node.lastBootTime = clock.now();
      node.timer = undefined;
      runStartTask(store, pool, node);
    });
  });
}

/** After a restart (`--location`): a node that was still booting starts again, and its start task runs again. */
export function rebootNode(store: PoolStore, pool: PoolEntity, node: NodeEntity): void {
  const clock = store.account.clock;
  store.setNodeState(node, "starting");
  node.timer = clock.schedule(store.account.timing.nodeStartingMs, () => {
    node.lastBootTime = clock.now();
    node.timer = undefined;
    runStartTask(store, pool, node);
  });
}

interface StartTaskSpec {
  commandLine?: unknown;
  waitForSuccess?: unknown;
  environmentSettings?: unknown;
  resourceFiles?: unknown;
  userIdentity?: unknown;
}

/**
 * The start task is simulated: it succeeds unless its command line ends with `exit N` (N ≠ 0), which
 * lets a scenario produce startTaskFailed nodes. With waitForSuccess (default true) the node waits.
 */
function runStartTask(store: PoolStore, pool: PoolEntity, node: NodeEntity): void {
  const clock = store.account.clock;
  const startTask = pool.spec.startTask as StartTaskSpec | undefined;
  if (startTask === undefined) {
    store.nodeReady(pool, node);
    return;
  }
  node.startTaskInfo = { state: "running", startTime: clock.now(), retryCount: 0 };
  const waits = startTask.waitForSuccess !== false;
  if (waits) store.setNodeState(node, "waitingforstarttask");
  else store.nodeReady(pool, node);
  const completed = (outcome: ProcessOutcome): void => {
    node.timer = undefined;
    const success = outcome.exitCode === 0 && outcome.failure === undefined;
    node.startTaskInfo = completedStartTask(outcome, node.startTaskInfo?.startTime ?? clock.now(), clock.now());
    if (!waits || !pool.nodes.has(node.id)) return;
    if (success) store.nodeReady(pool, node);
    else store.setNodeState(node, "starttaskfailed");
  };
  const executor = store.account.executor;
  if (executor !== undefined && node.rootDir !== undefined) {
    runLocalStartTask(executor, { pool, node, startTask }, completed);
    return;
  }
  node.timer = clock.schedule(store.account.timing.startTaskMs, () => completed({ exitCode: simulatedExitCode(startTask.commandLine) }));
}

/** The start task as a process in startup/ (its wd/ is the working directory), with the node's Batch environment. */
function runLocalStartTask(
  executor: LocalExecutor,
  at: { pool: PoolEntity; node: NodeEntity; startTask: StartTaskSpec },
  done: (outcome: ProcessOutcome) => void,
): void {
  const root = at.node.rootDir ?? "";
  const startup = join(root, "startup");
  const environment = batchEnvironment(
    {
      AZ_BATCH_NODE_ROOT_DIR: root,
      AZ_BATCH_NODE_SHARED_DIR: join(root, "shared"),
      AZ_BATCH_NODE_STARTUP_DIR: startup,
      AZ_BATCH_TASK_DIR: startup,
      AZ_BATCH_TASK_WORKING_DIR: join(startup, "wd"),
      AZ_BATCH_POOL_ID: at.pool.id,
      AZ_BATCH_NODE_ID: at.node.id,
      AZ_BATCH_NODE_IS_DEDICATED: String(at.node.isDedicated),
    },
    Array.isArray(at.startTask.environmentSettings) ? at.startTask.environmentSettings : [],
  );
  const resourceFiles = Array.isArray(at.startTask.resourceFiles) ? at.startTask.resourceFiles : [];
  const runAs = runAsFor(at.startTask.userIdentity, at.pool.spec.userAccounts);
  executor.run(
    {
      commandLine: String(at.startTask.commandLine ?? ""),
      taskDir: startup,
      environment,
      resourceFiles,
      ...(runAs === undefined ? {} : { runAs }),
    },
    done,
  );
}

function simulatedExitCode(commandLine: unknown): number {
  if (typeof commandLine !== "string") return 0;
  const match = /\bexit\s+(\d+)\s*['"]?\s*$/.exec(commandLine);
  return match === null ? 0 : Number(match[1]);
}

function quotaError(dedicatedShort: number): ResizeError {
  const kind = dedicatedShort > 0 ? "dedicated" : "low priority";
  return {
    code: "AllocationTimedOut",
    message: `Desired number of ${kind} nodes could not be allocated as the resize timeout was reached`,
    values: [{ name: "Reason", value: dedicatedShort > 0 ? "AccountCoreQuotaReached" : "AccountLowPriorityCoreQuotaReached" }],
  };
}

/** A node's startTaskInfo once its start task ended: success needs exit code 0 and no failure. */
function completedStartTask(outcome: ProcessOutcome, startTime: number, endTime: number): NonNullable<NodeEntity["startTaskInfo"]> {
  const exitCode = outcome.exitCode;
  const success = exitCode === 0 && outcome.failure === undefined;
  const failureInfo = outcome.failure ?? {
    category: "usererror",
    code: "FailureExitCode",
    message: "The task exited with an exit code representing a failure",
  };
  return {
    state: "completed",
    startTime,
    endTime,
    ...(exitCode === undefined ? {} : { exitCode }),
    ...(success ? {} : { failureInfo }),
    result: success ? "success" : "failure",
    retryCount: 0,
  };
}
