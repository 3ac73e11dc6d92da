/**
 * The contracts between the reconciler engine and what surrounds it: sources of desired state
 * (directory, cluster), status writers, events, metrics, alerts and secrets. The engine depends
 * only on these interfaces; reconciler-edges and the cluster mode implement them.
 *
 * Stability rule: add optional members rather than change existing ones.
 */
import type { Logger } from "pino";
import type { BatchAdapter } from "../batch/adapter.js";
import type { RemoteBatchConfig } from "../config/runConfig.js";
import type { Clock } from "../time/clock.js";
import type { ConditionRecord } from "../core/conditionRecord.js";
import type { ResourceKey, ResourceKind } from "../core/resourceKey.js";

// The resource vocabulary belongs to the core; re-exported here so ports stay one import for adapters.
export {
  isResourceKey,
  parseResourceKey,
  resourceKey,
  type ParsedResourceKey,
  type ResourceKey,
  type ResourceKind,
} from "../core/resourceKey.js";
export type { ConditionRecord } from "../core/conditionRecord.js";

/** Where a desired resource came from; recorded in status so users can trace what was applied. */
export interface SourceLocation {
  /** File path (directory mode) or `cluster` (cluster mode). */
  readonly location?: string;
  /** Git commit or resourceVersion the resource was read at. */
  readonly revision?: string;
}

/**
 * One desired resource as the engine sees it. `spec` is the model's spec type
 * (`BatchPoolSpec` / `BatchJobSpec` from controller/model); kept generic here so the port does not
 * change when the model grows.
 */
export interface DesiredResource<TSpec = unknown> {
  readonly kind: ResourceKind;
  readonly namespace: string;
  readonly name: string;
  /** metadata.generation (cluster) or a content-derived counter (directory); stamped as observedGeneration. */
  readonly generation: number;
  readonly spec: TSpec;
  readonly source: SourceLocation;
  /** Cluster mode: deletionTimestamp is set and our finalizer is present; the engine prunes, then releases the finalizer. */
  readonly deletionRequested?: boolean;
}

/** A problem found while reading desired state (invalid manifest, duplicate name...). */
export interface Problem {
  readonly severity: "error" | "warning";
  readonly message: string;
  /** The resource the problem belongs to, when known; the engine reports it as Stalled and makes no Batch write for it. */
  readonly key?: ResourceKey;
  readonly file?: string;
  readonly line?: number;
  /** Field path inside the resource, e.g. `spec.scale.targetDedicatedNodes`. */
  readonly path?: string;
  /** Rule or reason name, PascalCase. */
  readonly rule?: string;
}

/** What a source says about a change besides its key. */
export interface SourceChange {
  /**
   * A user asked for this reconcile (`reconcile.fluxcd.io/requestedAt`, as `flux reconcile` sets it): it
   * looks at Batch afresh instead of reusing a listing taken before the request, which could hide the very
   * change the user wants corrected.
   */
  readonly requested?: boolean;
}

/**
 * Desired state. Sources only emit keys (level-based): the engine re-reads `get(key)` on every
 * reconcile, and a key whose `get` returns undefined means "resource gone" (prune if owned).
 */
export interface DesiredSource {
  /** Starts watching; calls onChange for each changed key. Resolves once the initial state is loaded. */
  start(onChange: (key: ResourceKey, change?: SourceChange) => void, signal: AbortSignal): Promise<void>;
  get(key: ResourceKey): DesiredResource | undefined;
  keys(): ResourceKey[];
  /** Current problems; entries with a `key` make that resource invalid for this pass. */
  problems(): Problem[];
  /** The problems of one resource; sources that index them answer without scanning every problem. */
  problemsFor?(key: ResourceKey): readonly Problem[];
  /**
   * Several accounts: the key is another account's (another engine reconciles it). The engine
   * skips it and does not treat Batch objects it owns here as orphans.
   */
  elsewhere?(key: ResourceKey): boolean;
  /**
   * Why the source cannot tell right now which resources were removed (a manifest file or directory
   * it cannot read: what it declares is unknown), or undefined. While set, the engine prunes nothing.
   */
  pruneHold?(): string | undefined;
}

/** One BatchAccount's adapter from its connection config; `account` is its `namespace/name`. */
export type AccountConnector = (config: RemoteBatchConfig, account: string) => BatchAdapter;

export interface SecretRef {
  readonly name: string;
  readonly key: string;
}

/** Resolves secret references (registry passwords...). Values never go to logs, status or errors. */
export interface SecretResolver {
  resolveSecret(namespace: string, ref: SecretRef): Promise<string>;
}

/**
 * The status of one resource as the engine summarizes it. Pools and jobs add their live figures
 * (`pool`, `job`); the shape matches the model's status types.
 */
export interface ResourceStatus {
  observedGeneration?: number;
  conditions: ConditionRecord[];
  lastSyncTime?: string;
  /** Batch ids this resource manages (pool ids, job id). */
  batchIds?: string[];
  pool?: PoolLiveStatus;
  job?: JobLiveStatus;
  /** The revision of the source the last successful apply used. */
  appliedRevision?: string;
  /** The Batch account this resource lives in: `default` or the BatchAccount's `namespace/name`. */
  account?: string;
}

export interface PoolLiveStatus {
  allocationState?: string;
  currentDedicatedNodes: number;
  currentLowPriorityNodes: number;
  targetDedicatedNodes: number;
  targetLowPriorityNodes: number;
  /** The image the Batch pool runs (`offer/sku`, or the gallery image name), as status.image shows it. */
  image?: string;
  nodeCountsByState?: Record<string, number>;
  resizeErrors?: { code: string; message: string }[];
}

export interface JobLiveStatus {
  state?: string;
  poolId?: string;
  taskCounts: { active: number; running: number; completed: number; succeeded: number; failed: number };
  /** Tasks declared in the spec (explicit list or factory size). */
  totalTasks: number;
  /** Tasks that changed in the manifest after they started; never resubmitted silently. */
  tasksNotResubmitted?: number;
  /** During a submission: declared tasks found or added in Batch so far. */
  tasksSubmitted?: number;
  /** The first few failed tasks (id, exit code, failure category), when any failed. */
  failedTasks?: { taskId: string; exitCode?: number; category?: string; code?: string }[];
}

export interface StatusMeta {
  readonly kind: ResourceKind;
  readonly namespace: string;
  readonly name: string;
  readonly source?: SourceLocation;
  /** The desired spec, for status fields derived from it (the short image name). */
  readonly spec?: unknown;
}

/** What ensure found or did: already held, added now, or not addable (the object is being deleted, or gone). */
export type FinalizerState = "present" | "added" | "deleting" | "gone";

/**
 * Holds a resource's deletion until the engine has cleaned up what it owns in Batch (a Kubernetes
 * finalizer; kube-rs `finalizer()`). The engine calls ensure before any Batch write for a resource
 * and release once a prune left nothing behind. Directory mode has nothing to hold: a removed file
 * is already gone, so its implementation does nothing (noFinalizers).
 */
export interface Finalizers {
  ensure(key: ResourceKey): Promise<FinalizerState>;
  release(key: ResourceKey): Promise<void>;
}

/** Directory mode's Finalizers: nothing to hold, nothing to release. */
export const noFinalizers: Finalizers = {
  ensure: () => Promise.resolve("present"),
  release: () => Promise.resolve(),
};

/** Directory-mode status store or the cluster status subresource. Called once per reconcile (one exit). */
export interface StatusWriter {
  write(key: ResourceKey, status: ResourceStatus, meta: StatusMeta): Promise<void>;
  /** The resource is gone and cleaned up: forget its status. Optional. */
  remove?(key: ResourceKey): Promise<void>;
}

export interface EventRecorder {
  record(key: ResourceKey, type: "Normal" | "Warning", reason: string, message: string): void;
}

export type ReconcileResultLabel = "success" | "requeue" | "error" | "stalled";

/** Metrics the engine reports; the Prometheus implementation lives in controller/observability. */
export interface ControllerMetrics {
  reconcileDone(kind: ResourceKind, result: ReconcileResultLabel, durationSeconds: number): void;
  /** One drifted field found by a pass; `corrected` when the pass wrote the correction (driftPolicy Correct). Default false. */
  driftDetected(kind: ResourceKind, field: string, corrected?: boolean): void;
  /**
   * One Batch REST call: operation e.g. `pool.list`, statusCode 0 for network errors, account
   * `default` (the flags' account) or a BatchAccount's `namespace/name` (bounded: one per BatchAccount).
   */
  batchCall(operation: string, statusCode: number, durationSeconds: number, account?: string): void;
  poolNodes(key: ResourceKey, state: "current" | "target", priority: "dedicated" | "lowPriority", count: number): void;
  jobTasks(key: ResourceKey, state: "active" | "running" | "succeeded" | "failed", count: number): void;
  /** The resource is gone: drop its per-resource series. */
  forget?(key: ResourceKey): void;
  /** The conditions just written for a resource (batch_gitops_resource_condition). */
  resourceConditions?(key: ResourceKey, conditions: readonly ConditionRecord[]): void;
  /** This replica started or stopped reconciling as the leader (always true without election). */
  leader?(isLeader: boolean): void;
  /** The work queue's hooks (workqueue_* metrics, named as controller-runtime's). */
  readonly workQueue?: WorkQueueMetrics;
}

/** What the work queue reports; seconds are measured by the queue's own clock. */
export interface WorkQueueMetrics {
  /** A key entered the queue (not a duplicate merged into a queued key); depth is the new length. */
  added(depth: number): void;
  /** A worker took a key after it waited queuedSeconds; depth is the new length. */
  started(queuedSeconds: number, depth: number): void;
  /** A worker finished a key after workSeconds. */
  finished(workSeconds: number): void;
  /** A key was re-added after an error (addRateLimited). */
  retried(): void;
}

/** Posted for every drift found, whatever the policy (Ignore aside), saying whether it was corrected. */
export interface DriftAlert {
  readonly key: ResourceKey;
  readonly policy: "Correct" | "Alert";
  /** The pass wrote the correction to Batch (policy Correct); false under Alert, or when it could not (yet). */
  readonly corrected: boolean;
  /** Field-level differences, e.g. `targetDedicatedNodes: desired 2, live 5`. */
  readonly differences: string[];
}

export interface StallAlert {
  readonly key: ResourceKey;
  readonly reason: string;
  readonly message: string;
}

/** Webhook alerts (Alertmanager JSON). Implementations dedupe; `resolved` closes an open alert. */
export interface Alerts {
  drift(alert: DriftAlert): void;
  stalled(alert: StallAlert): void;
  resolved?(key: ResourceKey, alertName: "Drift" | "Stalled"): void;
}

/** Why a reconcile ran or what to do next. */
export type ReconcileOutcome =
  | { readonly kind: "done"; readonly status: ResourceStatus | undefined }
  | { readonly kind: "requeueAfter"; readonly ms: number; readonly status: ResourceStatus | undefined }
  /** `recheckAfterMs`: not a retry, a look at what Batch is about to do itself (a job it ends). */
  | { readonly kind: "stalled"; readonly status: ResourceStatus | undefined; readonly recheckAfterMs?: number }
  | { readonly kind: "error"; readonly error: unknown; readonly status: ResourceStatus | undefined };

export interface ControllerOptions {
  readonly source: DesiredSource;
  readonly batch: BatchAdapter;
  readonly status: StatusWriter;
  readonly events: EventRecorder;
  readonly metrics: ControllerMetrics;
  readonly alerts: Alerts;
  readonly secrets: SecretResolver;
  /** Cluster mode's finalizer; default noFinalizers (directory mode). */
  readonly finalizers?: Finalizers;
  readonly logger: Logger;
  /** Periodic resync of every key (drift detection). Default 300_000. */
  readonly resyncIntervalMs?: number;
  /** How often Batch progress (resizes, deletions, rollouts, running tasks) is polled. Default 5 s. */
  readonly pollIntervalMs?: number;
  /** Keys reconciled in parallel. Default 4. */
  readonly concurrency?: number;
  /** Written into `batch-gitops/manager` metadata. */
  readonly managerId: string;
  readonly signal: AbortSignal;
  /** Time for the queue, resync, polls, caches and throttles. Default the system clock; tests pass a ManualClock. */
  readonly clock?: Clock;
  /**
   * Builds the data-plane adapter of a BatchAccount from its connection config (the shape the flags
   * give the default account); `account` (`namespace/name`) labels its metrics. Without it, only
   * the default account is served (runtime/accounts.ts).
   */
  readonly connectAccount?: AccountConnector;
  /** @deprecated Use `clock`; when given alone it overrides only the clock's `now`. */
  readonly now?: () => number;
}

/** `Controller.runOnce` (run --once). */
export interface OnceOptions {
  /** Give up reconciling unsettled keys after this long. Default 10 minutes. */
  readonly timeoutMs?: number;
}

export interface OnceResource {
  readonly key: ResourceKey;
  /** Ready=True, or removed (a pruned resource has nothing left to be ready). */
  readonly ready: boolean;
  readonly reason?: string;
  readonly message?: string;
}

export interface OnceReport {
  /** Every resource Ready and no manifest problem: the exit code is 0. */
  readonly converged: boolean;
  /** The deadline passed with keys still reconciling. */
  readonly timedOut: boolean;
  readonly resources: readonly OnceResource[];
  /** Manifest problems (errors) at the end, with or without a resource. */
  readonly problems: readonly Problem[];
}

export interface Controller {
  /** Starts the source and the workers; resolves when `signal` aborts and workers have stopped. */
  run(): Promise<void>;
  /** Reconciles one key immediately (serialized with the queue's worker for that key). */
  reconcileNow(key: ResourceKey): Promise<ReconcileOutcome>;
  /** As reconcileNow, for a user's request (`batch-gitops reconcile`): Batch is read afresh (SourceChange.requested). */
  reconcileRequested(key: ResourceKey): Promise<ReconcileOutcome>;
  /** Latest status per key, as last written. */
  snapshot(): ReadonlyMap<ResourceKey, ResourceStatus>;
  /** Resolves when the queue is empty and nothing is in flight (tests, `plan`-like one-shot runs). */
  idle(): Promise<void>;
  /**
   * `run --once`: starts the source, reconciles every key and again those not yet settled (a job
   * on a pool created in the same run) until all are Ready, Stalled or removed, or the timeout.
   * Use instead of run(), not with it.
   */
  runOnce(options?: OnceOptions): Promise<OnceReport>;
}

/** Builds the engine on a mode's ports (createController in controller/runtime/controller.ts; tests wrap it). */
export type ControllerFactory = (options: ControllerOptions) => Controller;
