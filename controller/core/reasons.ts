/**
 * Every condition and event reason the controller reports, in one registry (flux apis/meta
 * reasons). Each entry says how a condition with that reason is reported (`report`), so status,
 * the queue, `run --once`, the docs (docs/status.md) and the Argo CD / Flux health rules agree:
 *
 * - `ready`: Ready=True.
 * - `progressing`: Ready=False, Reconciling=True; the controller is making progress or polling.
 * - `waiting`: Ready=False, Reconciling=True; something it depends on is not there yet (flux Waiting).
 * - `stalling`: Ready=False, Stalled=True; a user must fix something, retrying will not help (flux Stalling).
 * - `generic`: Ready=False, Reconciling=True; a failure retried with backoff (flux Generic).
 * - `drift`: the Drifted condition only.
 * - `event`: Kubernetes events and logs only, never a condition.
 *
 * Other engineers add reasons here; keep entries one line of description each.
 */

export type ReasonReport = "ready" | "progressing" | "waiting" | "stalling" | "generic" | "drift" | "event";

export interface ReasonInfo {
  readonly report: ReasonReport;
  readonly description: string;
  /**
   * A stalling reason that is also used with Reconciling=True in some situations (failed tasks
   * while others still run; a Secret the cluster may still create): GitOps health rules must not
   * read it as terminal on its own.
   */
  readonly alsoReconciling?: true;
}

export const REASON_REGISTRY = {
  // Ready=True
  Succeeded: { report: "ready", description: "Batch matches the manifest (pool in sync; job's tasks submitted, running or succeeded)" },
  // Reconciling: progress
  Progressing: {
    report: "progressing",
    description: "writes in flight or Batch still applying them (tasks being submitted, job settings patched)",
  },
  Creating: { report: "progressing", description: "the Batch pool is being created" },
  Resizing: { report: "progressing", description: "the Batch pool is resizing towards its target node counts" },
  Replacing: { report: "progressing", description: "an immutable field changed: a new pool replaces the old one (Recreate or BlueGreen)" },
  Deleting: { report: "progressing", description: "the manifest is gone: Batch objects it owned are being deleted" },
  // Reconciling: waiting on something else
  DependencyNotReady: { report: "waiting", description: "the job's pool is not created or not steady yet" },
  PoolDeleting: { report: "waiting", description: "the job's Batch pool is being deleted; no task can run until it is back" },
  DeletionBlocked: {
    report: "waiting",
    description: "a BatchPool is removed while BatchJobs still use it; it is kept until they are removed",
  },
  // Stalled: a user must act
  InvalidSpec: {
    report: "stalling",
    description: "the manifest is invalid (file, line, field in the message); nothing is written to Batch",
  },
  PoolNotFound: {
    report: "stalling",
    alsoReconciling: true,
    description: "the job's Batch pool is gone and nothing manages it (Stalled), or its poolRef names no BatchPool yet (Reconciling)",
  },
  PoolInvalid: {
    report: "stalling",
    description: "the job's BatchPool manifest is invalid: the job is not created until the pool is fixed",
  },
  PoolIdTaken: { report: "stalling", description: "a Batch pool with this id exists and is not owned by this resource" },
  JobIdTaken: { report: "stalling", description: "a Batch job with this id exists and is not owned by this resource" },
  AdoptedPoolImmutable: {
    report: "stalling",
    description:
      "the pool was adopted by id (spec.adopt.poolId) and its VM size, image or task slots changed, which Batch cannot change in place: remove spec.adopt.poolId to replace it with a new pool (updateStrategy), or revert the change",
  },
  JobFinished: {
    report: "stalling",
    description:
      "the manifest changed (tasks, priority) after the Batch job completed, and a completed job cannot change: rename the BatchJob to run the new spec as a new job, or revert the change",
  },
  OwnedByAnotherManager: {
    report: "stalling",
    description:
      "the Batch object carries another controller's batch-gitops/manager; left alone until handed over (spec.adopt.fromManager)",
  },
  TasksFailed: {
    report: "stalling",
    alsoReconciling: true,
    description: "tasks failed: Stalled when nothing can still succeed, Reconciling while other tasks run (onTaskFailure noaction)",
  },
  TasksRejected: { report: "stalling", description: "Batch refused some tasks when they were added (invalid task, request too large)" },
  ResizeError: { report: "stalling", description: "the pool stays below its target after a resize error (allocation failure)" },
  QuotaExceeded: { report: "stalling", description: "the Batch account's core or pool quota is reached" },
  SecretNotFound: {
    report: "stalling",
    alsoReconciling: true,
    description: "a referenced secret (or its key) does not exist or cannot be read (cluster mode waits for the Secret: Reconciling)",
  },
  CredentialMissing: {
    report: "stalling",
    description: "no credential to call Batch (set a key, or Microsoft Entra ID environment variables)",
  },
  CredentialRefused: {
    report: "stalling",
    description: "Batch refused the credential (wrong key, expired token, missing role, gallery image with a shared key)",
  },
  ArmResourceIdMissing: {
    report: "stalling",
    description:
      "the pool has spec.identity, which only Azure Resource Manager can assign: give the account's ARM resource id (--arm-resource-id)",
  },
  AccountNotFound: {
    report: "stalling",
    alsoReconciling: true,
    description: "spec.accountRef names no BatchAccount in the namespace (cluster mode waits for it: Reconciling); nothing is written",
  },
  BatchRejected: {
    report: "stalling",
    description: "Batch refused a request that retrying cannot fix (its code and message are in the condition)",
  },
  // Retried with backoff
  BatchError: { report: "generic", description: "a Batch call failed (network, 5xx after retries); retried with backoff" },
  AccountUnreachable: {
    report: "generic",
    description: "the resource's Batch account does not answer (network, DNS, closed port); retried with backoff, other accounts go on",
  },
  ReconcileError: { report: "generic", description: "an unexpected error in the controller; retried with backoff" },
  // Drifted condition
  DriftDetected: {
    report: "drift",
    description: "Batch differs from the manifest and is not corrected (driftPolicy Alert, or the correction is not written yet)",
  },
  DriftCorrected: { report: "drift", description: "Batch differed from the manifest and was corrected (driftPolicy Correct)" },
  NoDrift: { report: "drift", description: "Batch matches the manifest" },
  // Events only
  JobCompleted: { report: "event", description: "the Batch job completed (event with succeeded and failed counts)" },
  TasksSubmitted: { report: "event", description: "every declared task is in Batch" },
  TasksNotResubmitted: { report: "event", description: "tasks changed in the manifest after they started; they are not resubmitted" },
  Pruned: { report: "event", description: "a Batch object owned by a removed manifest was deleted" },
  Adopted: {
    report: "event",
    description: "a Batch pool or job created outside batch-gitops was taken over (spec.adopt): ownership stamped, existing tasks kept",
  },
} as const satisfies Record<string, ReasonInfo>;

export type Reason = keyof typeof REASON_REGISTRY;

/** `Reasons.TasksFailed === "TasksFailed"`: use these, never string literals. */
export const Reasons = Object.fromEntries(Object.keys(REASON_REGISTRY).map((r) => [r, r])) as { readonly [R in Reason]: R };

/**
 * Reasons that mean Degraded (Argo CD) / Failed (Flux) even on a Ready condition without Stalled:
 * the lists in manifests/deploy/argocd/health/health.lua and flux/kustomizations.yaml (tested).
 */
export const TERMINAL_REASONS: readonly Reason[] = (Object.keys(REASON_REGISTRY) as Reason[]).filter((r) => {
  const info: ReasonInfo = REASON_REGISTRY[r];
  return info.report === "stalling" && info.alsoReconciling !== true;
});

export function isReason(value: string): value is Reason {
  return Object.hasOwn(REASON_REGISTRY, value);
}

/** How a condition with this reason is reported; unknown reasons count as generic failures. */
export function reportOf(reason: string): ReasonReport {
  return isReason(reason) ? REASON_REGISTRY[reason].report : "generic";
}
