import { randomBytes } from "node:crypto";
import type { TimerHandle } from "../clock.js";
import { defineSlot, type AccountStore } from "./account-store.js";
import { OrderedTable } from "./ordered-table.js";
import type { EntityMeta } from "./entity.js";

export type PoolState = "active" | "deleting";
export type AllocationState = "steady" | "resizing" | "stopping";
export type NodeState =
  | "creating"
  | "starting"
  | "waitingforstarttask"
  | "starttaskfailed"
  | "idle"
  | "running"
  | "leavingpool"
  | "unusable"
  | "preempted"
  | "offline"
  | "rebooting"
  | "reimaging"
  | "unknown";
export type NodeDeallocationOption = "requeue" | "terminate" | "taskcompletion" | "retaineddata";

export interface NameValue {
  name: string;
  value: string;
}

export interface ResizeError {
  code: string;
  message: string;
  values?: NameValue[];
}

export interface AutoScaleRun {
  timestamp: number;
  results?: string;
  error?: { code: string; message: string; values?: NameValue[] };
}

export interface NodeEntity {
  readonly id: string;
  readonly isDedicated: boolean;
  state: NodeState;
  stateTransitionTime: number;
  schedulingState: "enabled" | "disabled";
  readonly allocationTime: number;
  lastBootTime?: number;
  readonly ipAddress: string;
  readonly affinityId: string;
  runningTasksCount: number;
  runningTaskSlotsCount: number;
  totalTasksRun: number;
  totalTasksSucceeded: number;
  startTaskInfo?: {
    state: "running" | "completed";
    startTime: number;
    endTime?: number;
    exitCode?: number;
    result?: "success" | "failure";
    failureInfo?: { category: "usererror" | "servererror"; code: string; message: string };
    retryCount: number;
  };
  /** Tasks that ran here lately, newest last (the service lists them as recentTasks). */
  recentTasks: RecentTask[];
  /** `--execute local`: the node's directory tree (AZ_BATCH_NODE_ROOT_DIR) on this machine. */
  rootDir?: string;
  /** Simulated nodes: file paths (lowercased) deleted through the file API. */
  deletedFiles?: Set<string>;
  /** Leave the pool once its running tasks finish (taskcompletion / retaineddata deallocation). */
  leaveWhenIdle: boolean;
  timer?: TimerHandle;
}

export interface PoolEntity extends EntityMeta {
  /** The properties given at creation (and later patched), kept in wire form: vmSize, metadata, startTask, … */
  spec: Record<string, unknown>;
  state: PoolState;
  stateTransitionTime: number;
  previousState?: PoolState;
  allocationState: AllocationState;
  allocationStateTransitionTime: number;
  targetDedicatedNodes: number;
  targetLowPriorityNodes: number;
  resizeTimeoutMs: number;
  resizeErrors: ResizeError[];
  enableAutoScale: boolean;
  autoScaleFormula?: string;
  autoScaleEvaluationIntervalMs?: number;
  autoScaleRun?: AutoScaleRun;
  lastAutoScaleEnableTime?: number;
  taskSlotsPerNode: number;
  nodes: OrderedTable<NodeEntity>;
  /** Nodes that can take another task now (idle or running with free slots, scheduling enabled). */
  available: Set<NodeEntity>;
  resizeTimer?: TimerHandle;
  autoScaleTimer?: TimerHandle;
  deleteTimer?: TimerHandle;
}

/** A task that ran on a node; `describe` gives its TaskInformation now (state and executionInfo change). */
export interface RecentTask {
  readonly jobId: string;
  readonly taskId: string;
  /** `url` makes an absolute URL of a resource path (the request's host). */
  describe(url: (path: string) => string): Record<string, unknown>;
}

/** How many finished and running tasks a node remembers. */
export const RECENT_TASKS_KEPT = 10;

/** Told when a node holding tasks leaves (resize down, pool delete), so those tasks can be requeued or ended. */
export type NodeLostListener = (pool: PoolEntity, node: NodeEntity, option: NodeDeallocationOption) => void;
/** Told when a pool may have capacity for more tasks (a node became idle, a slot was freed). */
export type CapacityListener = (pool: PoolEntity) => void;
/** Supplies $ActiveTasks / $RunningTasks / $PendingTasks samples to autoscale formulas. */
export type TaskMetricsProvider = (poolId: string) => { activeTasks: number; runningTasks: number };

export interface AccountLimits {
  maxPools: number;
  /** Node quotas (the service counts cores; the emulator counts nodes). */
  dedicatedNodeQuota: number;
  lowPriorityNodeQuota: number;
}

/**
 * The pools and nodes of one account, and the scheduling API tasks use:
 * - `acquireSlots(poolId, slots)` picks an available node and marks it running;
 * - `releaseSlots(poolId, nodeId, slots, succeeded)` frees them (the node goes idle when empty);
 * - `onCapacity` / `onNodeLost` listeners.
 */
export class PoolStore {
  readonly pools = new OrderedTable<PoolEntity>();
  readonly limits: AccountLimits = { maxPools: 1000, dedicatedNodeQuota: 10_000, lowPriorityNodeQuota: 10_000 };
  private readonly capacityListeners: CapacityListener[] = [];
  private readonly nodeLostListeners: NodeLostListener[] = [];
  taskMetrics: TaskMetricsProvider = () => ({ activeTasks: 0, runningTasks: 0 });

  constructor(readonly account: AccountStore) {}

  get(poolId: string): PoolEntity | undefined {
    return this.pools.get(poolId);
  }

  onCapacity(listener: CapacityListener): void {
    this.capacityListeners.push(listener);
  }

  onNodeLost(listener: NodeLostListener): void {
    this.nodeLostListeners.push(listener);
  }

  /** Reserves `slots` task slots on one available node of an active pool; undefined when none has room. */
  acquireSlots(poolId: string, slots = 1): NodeEntity | undefined {
    const pool = this.pools.get(poolId);
    if (pool === undefined || pool.state !== "active") return undefined;
    for (const node of pool.available) {
      if (pool.taskSlotsPerNode - node.runningTaskSlotsCount < slots) continue;
      node.runningTasksCount += 1;
      node.runningTaskSlotsCount += slots;
      this.setNodeState(node, "running");
      if (node.runningTaskSlotsCount >= pool.taskSlotsPerNode) pool.available.delete(node);
      return node;
    }
    return undefined;
  }

  /** Frees slots taken by a task that ended on `nodeId`; counts the task as run (and succeeded). */
  releaseSlots(poolId: string, nodeId: string, slots = 1, succeeded = true): void {
    const pool = this.pools.get(poolId);
    const node = pool?.nodes.get(nodeId);
    if (pool === undefined || node === undefined) return;
    node.runningTasksCount = Math.max(0, node.runningTasksCount - 1);
    node.runningTaskSlotsCount = Math.max(0, node.runningTaskSlotsCount - slots);
    node.totalTasksRun += 1;
    if (succeeded) node.totalTasksSucceeded += 1;
    if (node.state === "running") this.afterRelease(pool, node);
  }

  /** A running node gave slots back: it goes idle (or leaves, if it was waiting to) and takes tasks again. */
  private afterRelease(pool: PoolEntity, node: NodeEntity): void {
    if (node.runningTasksCount === 0) {
      if (node.leaveWhenIdle) {
        this.removeNode(pool, node);
        return;
      }
      this.setNodeState(node, "idle");
    }
    if (node.schedulingState === "enabled" && pool.state === "active") pool.available.add(node);
    this.notifyCapacity(pool);
  }

  /** Free task slots across the pool's usable nodes. */
  freeSlots(poolId: string): number {
    const pool = this.pools.get(poolId);
    if (pool === undefined) return 0;
    let free = 0;
    for (const node of pool.available) free += pool.taskSlotsPerNode - node.runningTaskSlotsCount;
    return free;
  }

  /** Makes a node usable for tasks (it finished booting / its start task). */
  nodeReady(pool: PoolEntity, node: NodeEntity): void {
    this.setNodeState(node, node.runningTasksCount > 0 ? "running" : "idle");
    if (node.schedulingState === "enabled" && pool.state === "active") pool.available.add(node);
    this.notifyCapacity(pool);
  }

  /** Takes a node out of scheduling and starts it leaving; tells listeners about tasks it held. */
  startLeaving(pool: PoolEntity, node: NodeEntity, option: NodeDeallocationOption, leavingMs: number): void {
    pool.available.delete(node);
    if (node.timer !== undefined) this.account.clock.cancel(node.timer);
    const busy = node.runningTasksCount > 0;
    if (busy && (option === "taskcompletion" || option === "retaineddata")) {
      node.leaveWhenIdle = true;
      return;
    }
    if (busy) for (const listener of this.nodeLostListeners) listener(pool, node, option);
    node.runningTasksCount = 0;
    node.runningTaskSlotsCount = 0;
    this.setNodeState(node, "leavingpool");
    node.timer = this.account.clock.schedule(leavingMs, () => this.removeNode(pool, node));
  }

  removeNode(pool: PoolEntity, node: NodeEntity): void {
    if (node.timer !== undefined) this.account.clock.cancel(node.timer);
    pool.available.delete(node);
    pool.nodes.delete(node.id);
  }

  /** Remembers that `task` ran on `node` (the oldest falls off beyond RECENT_TASKS_KEPT). */
  noteRecentTask(node: NodeEntity, task: RecentTask): void {
    const list = node.recentTasks.filter((recent) => recent.jobId !== task.jobId || recent.taskId !== task.taskId);
    list.push(task);
    node.recentTasks = list.slice(-RECENT_TASKS_KEPT);
  }

  setNodeState(node: NodeEntity, state: NodeState): void {
    if (node.state === state) return;
    node.state = state;
    node.stateTransitionTime = this.account.clock.now();
  }

  newNode(isDedicated: boolean): NodeEntity {
    const now = this.account.clock.now();
    const octets = randomBytes(2);
    return {
      id: `tvmps_${randomBytes(32).toString("hex")}_${isDedicated ? "d" : "p"}`,
      isDedicated,
      state: "creating",
      stateTransitionTime: now,
      schedulingState: "enabled",
      allocationTime: now,
      ipAddress: `10.0.${octets[0] ?? 0}.${octets[1] ?? 4}`,
      affinityId: `TVM:tvmps_${randomBytes(16).toString("hex")}`,
      runningTasksCount: 0,
      runningTaskSlotsCount: 0,
      totalTasksRun: 0,
      totalTasksSucceeded: 0,
      recentTasks: [],
      leaveWhenIdle: false,
    };
  }

  /** Cancels every timer of a pool (before it vanishes, or on reset). */
  cancelTimers(pool: PoolEntity): void {
    const clock = this.account.clock;
    for (const handle of [pool.resizeTimer, pool.autoScaleTimer, pool.deleteTimer]) if (handle !== undefined) clock.cancel(handle);
    for (const node of pool.nodes.values()) if (node.timer !== undefined) clock.cancel(node.timer);
  }

  private notifyCapacity(pool: PoolEntity): void {
    for (const listener of this.capacityListeners) listener(pool);
  }
}

export const poolsSlot = defineSlot("pools", (account) => new PoolStore(account));

/** The account's pools and nodes (emulator-jobs: use this to schedule tasks on nodes). */
export function poolStore(account: AccountStore): PoolStore {
  return account.slot(poolsSlot);
}
