/**
 * The one status shape users see, in both modes: the engine's ResourceStatus mapped to the status
 * schema of the BatchPool/BatchJob CRDs (controller/model), including the fields the printer
 * columns show (`nodes`, `image`, `completions`). The cluster writes it to the status subresource,
 * directory mode to status.json and GET /status. Pure; the API server would prune or reject
 * anything else (test/unit/model/status-shape.test.ts checks it against the schema).
 */
import type { BatchJobStatus, BatchPoolStatus, Condition } from "../model/index.js";
import type {
  JobLiveStatus,
  PoolLiveStatus,
  Problem,
  ResourceKey,
  ResourceKind,
  ResourceStatus,
  SourceLocation,
  StatusMeta,
} from "./ports.js";

export type CrdStatus = Record<string, unknown>;
/** What status.json and the status subresource hold for one resource. */
export type PublicStatus = (BatchPoolStatus | BatchJobStatus) & { conditions: Condition[] };

/** One resource in the status document; `status` is the same object as the CRD status. */
export interface StatusEntry {
  key: ResourceKey;
  kind: StatusMeta["kind"];
  namespace: string;
  name: string;
  source?: SourceLocation;
  status: PublicStatus;
}

/** What the status file holds and what GET /status returns. */
export interface StatusDocument {
  version: 1;
  updatedAt: string;
  resources: StatusEntry[];
  /** Problems in the manifests (invalid or unreadable files), as the source last reported them. */
  problems?: Problem[];
  /**
   * `objects`: a controller in cluster mode, which writes status to the BatchPool and BatchJob objects
   * (`kubectl get azurebatch -A`); this document then lists none, and says so rather than "no resources".
   */
  statusOn?: "objects";
}

const POOL_ALLOCATION_STATES = new Set(["steady", "resizing", "stopping"]);
const JOB_STATES = new Set(["active", "disabling", "disabled", "enabling", "terminating", "completed", "deleting"]);
const NODE_STATES = [
  "creating",
  "starting",
  "waitingForStartTask",
  "startTaskFailed",
  "idle",
  "running",
  "rebooting",
  "reimaging",
  "leavingPool",
  "offline",
  "preempted",
  "unusable",
  "unknown",
  "total",
] as const;

/**
 * `sourceRevision`: the Git revision the applied manifest came from (directory mode; the cluster
 * has its own resourceVersion and generation).
 */
export function toCrdStatus(kind: ResourceKind, status: ResourceStatus, spec: unknown, sourceRevision?: string): CrdStatus {
  const common: CrdStatus = {
    observedGeneration: status.observedGeneration,
    conditions: status.conditions.map((c) => ({ ...c })),
    lastSyncTime: status.lastSyncTime,
    sourceRevision,
  };
  // A BatchAccount's status is its conditions; pools and jobs add their live figures and account.
  if (kind === "BatchAccount") return withoutUndefined(common);
  const specific = kind === "BatchPool" ? poolFields(status, spec) : jobFields(status);
  return withoutUndefined({ ...common, account: status.account, ...specific });
}

function poolFields(status: ResourceStatus, spec: unknown): CrdStatus {
  const [poolId, ...retiring] = status.batchIds ?? [];
  const live: PoolLiveStatus | undefined = status.pool;
  return {
    poolId,
    retiringPoolIds: retiring.length > 0 ? retiring : undefined,
    // What the Batch pool runs, not what the manifest asks for (they differ while a change waits or is refused).
    image: live?.image ?? shortImageName(spec),
    ...(live === undefined ? {} : poolLiveFields(live)),
  };
}

function poolLiveFields(live: PoolLiveStatus): CrdStatus {
  const current = live.currentDedicatedNodes + live.currentLowPriorityNodes;
  const target = live.targetDedicatedNodes + live.targetLowPriorityNodes;
  return {
    allocationState:
      live.allocationState !== undefined && POOL_ALLOCATION_STATES.has(live.allocationState) ? live.allocationState : undefined,
    currentDedicatedNodes: live.currentDedicatedNodes,
    currentLowPriorityNodes: live.currentLowPriorityNodes,
    targetDedicatedNodes: live.targetDedicatedNodes,
    targetLowPriorityNodes: live.targetLowPriorityNodes,
    nodes: `${current}/${target}`,
    nodeCounts: nodeCounts(live.nodeCountsByState),
    resizeErrors: live.resizeErrors?.map((e) => ({ code: e.code, message: e.message })),
  };
}

function nodeCounts(byState: Record<string, number> | undefined): CrdStatus | undefined {
  if (byState === undefined) {
    return undefined;
  }
  const counts: CrdStatus = {};
  for (const state of NODE_STATES) {
    const value = byState[state];
    if (typeof value === "number") {
      counts[state] = value;
    }
  }
  return counts;
}

function jobFields(status: ResourceStatus): CrdStatus {
  const [jobId] = status.batchIds ?? [];
  const live: JobLiveStatus | undefined = status.job;
  if (live === undefined) {
    return { jobId };
  }
  return {
    jobId,
    poolId: live.poolId,
    state: live.state !== undefined && JOB_STATES.has(live.state) ? live.state : undefined,
    taskCounts: { ...live.taskCounts },
    tasksTotal: live.totalTasks,
    tasksSubmitted: live.tasksSubmitted,
    completions: `${live.taskCounts.succeeded}/${live.totalTasks}`,
    failedTasks: live.failedTasks?.map((t) => withoutUndefined({ ...t })),
  };
}

/** `offer/sku` for marketplace images, the image name (and version) for gallery images. */
export function shortImageName(spec: unknown): string | undefined {
  const image = (spec as { image?: { marketplace?: Record<string, unknown>; virtualMachineImageId?: unknown } } | null)?.image;
  const marketplace = image?.marketplace;
  if (marketplace !== undefined) {
    return [marketplace.offer, marketplace.sku].filter((p) => typeof p === "string").join("/");
  }
  const id = image?.virtualMachineImageId;
  if (typeof id !== "string") {
    return undefined;
  }
  const match = /\/images\/([^/]+)(?:\/versions\/([^/]+))?$/.exec(id);
  return match === null ? undefined : [match[1], match[2]].filter((p) => p !== undefined).join(":");
}

/** The short name of a Batch pool's imageReference (marketplace or gallery), as shortImageName writes it. */
export function liveImageName(imageReference: unknown): string | undefined {
  const ref = (imageReference ?? {}) as { offer?: unknown; sku?: unknown; virtualMachineImageId?: unknown };
  if (typeof ref.virtualMachineImageId === "string") return shortImageName({ image: { virtualMachineImageId: ref.virtualMachineImageId } });
  return typeof ref.offer === "string" ? shortImageName({ image: { marketplace: { offer: ref.offer, sku: ref.sku } } }) : undefined;
}

/** The same mapping, typed as the model's status: what status.json holds. */
export function toPublicStatus(kind: ResourceKind, status: ResourceStatus, spec: unknown, sourceRevision?: string): PublicStatus {
  return toCrdStatus(kind, status, spec, sourceRevision) as PublicStatus;
}

function withoutUndefined(record: CrdStatus): CrdStatus {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}
