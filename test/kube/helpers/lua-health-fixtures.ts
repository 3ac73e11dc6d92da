/**
 * BatchPool/BatchJob objects with the status the controller writes, and the health each GitOps
 * tool should derive from them: Argo CD (the Lua health check) and Flux (healthCheckExprs).
 * One table, so the two integrations are held to the same rules.
 */
import type { ArgoHealthKind, ArgoHealthStatus } from "./lua.js";

export interface ConditionFixture {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message?: string;
}

export interface ResourceFixture {
  spec?: Record<string, unknown>;
  generation?: number;
  /** Defaults to `generation` (an up-to-date status). */
  observedGeneration?: number;
  conditions?: ConditionFixture[];
  /** No `status` at all: the controller has not seen the object yet. */
  noStatus?: boolean;
  deleting?: boolean;
}

/** Flux kstatus results, plus Error: an expression that fails to evaluate, which Flux retries until its timeout. */
export type FluxHealthStatus = "Current" | "InProgress" | "Failed" | "Error";

export interface HealthCase {
  name: string;
  fixture: ResourceFixture;
  argo: ArgoHealthStatus;
  /** Exact string or pattern the Argo CD message must match; unchecked when absent. */
  argoMessage?: string | RegExp;
  /** Unchecked when absent (Flux decides that case before the expressions run). */
  flux?: FluxHealthStatus;
}

/** The object as the API server returns it. */
export function healthResource(kind: ArgoHealthKind, f: ResourceFixture): Record<string, unknown> {
  const generation = f.generation ?? 2;
  const observedGeneration = f.observedGeneration ?? generation;
  const deletion =
    f.deleting === true ? { deletionTimestamp: "2025-01-01T00:00:00Z", finalizers: ["azurebatch.gitops.dev/finalizer"] } : {};
  const status = {
    observedGeneration,
    conditions: (f.conditions ?? []).map((c) => ({ lastTransitionTime: "2025-01-01T00:00:00Z", observedGeneration, message: "", ...c })),
  };
  return {
    apiVersion: "azurebatch.gitops.dev/v1alpha1",
    kind,
    metadata: { name: "render", namespace: "batch", generation, ...deletion },
    spec: { driftPolicy: "Correct", ...f.spec },
    ...(f.noStatus === true ? {} : { status }),
  };
}

export const READY: ConditionFixture = {
  type: "Ready",
  status: "True",
  reason: "Succeeded",
  message: "Pool render-1a2b3c4d is steady with 2/2 nodes",
};
export const NOT_READY_WAITING: ConditionFixture = { type: "Ready", status: "False", reason: "Resizing", message: "Resizing to 10 nodes" };
export const RECONCILING: ConditionFixture = {
  type: "Reconciling",
  status: "True",
  reason: "Resizing",
  message: "Resizing from 2 to 10 dedicated nodes",
};
export const STALLED: ConditionFixture = {
  type: "Stalled",
  status: "True",
  reason: "InvalidSpec",
  message: "vmSize standard_x1 is not offered",
};

export const HEALTH_CASES: readonly HealthCase[] = [
  { name: "no status yet", fixture: { noStatus: true }, argo: "Progressing", argoMessage: /Waiting for the controller/, flux: "Error" },
  { name: "status with no conditions", fixture: { conditions: [] }, argo: "Progressing", flux: "InProgress" },
  { name: "Ready=True", fixture: { conditions: [READY] }, argo: "Healthy", argoMessage: READY.message, flux: "Current" },
  {
    name: "Ready=True but observedGeneration behind generation",
    fixture: { generation: 3, observedGeneration: 2, conditions: [READY] },
    argo: "Progressing",
    argoMessage: /observe generation 3/,
    flux: "InProgress",
  },
  {
    name: "Reconciling=True",
    fixture: { conditions: [RECONCILING, NOT_READY_WAITING] },
    argo: "Progressing",
    argoMessage: RECONCILING.message,
    flux: "InProgress",
  },
  {
    name: "Ready=False with a transient reason",
    fixture: { conditions: [NOT_READY_WAITING] },
    argo: "Progressing",
    argoMessage: NOT_READY_WAITING.message,
    flux: "InProgress",
  },
  {
    name: "Ready=Unknown",
    fixture: { conditions: [{ type: "Ready", status: "Unknown", reason: "Reconciling" }] },
    argo: "Progressing",
    flux: "InProgress",
  },
  {
    name: "Stalled=True",
    fixture: { conditions: [STALLED, { type: "Ready", status: "False", reason: "InvalidSpec", message: STALLED.message ?? "" }] },
    argo: "Degraded",
    argoMessage: STALLED.message,
    flux: "Failed",
  },
  {
    name: "Ready=False with a terminal reason and no Stalled condition",
    fixture: {
      conditions: [{ type: "Ready", status: "False", reason: "QuotaExceeded", message: "AccountCoreQuotaReached: core quota 20 reached" }],
    },
    argo: "Degraded",
    argoMessage: "AccountCoreQuotaReached: core quota 20 reached",
    flux: "Failed",
  },
  {
    name: "failed tasks with nothing left to run (Stalled, TasksFailed)",
    fixture: {
      conditions: [
        { type: "Ready", status: "False", reason: "TasksFailed", message: "3/100 task(s) of job j failed: t7 (exit 3, usererror)" },
        { type: "Stalled", status: "True", reason: "TasksFailed", message: "3/100 task(s) of job j failed: t7 (exit 3, usererror)" },
      ],
    },
    argo: "Degraded",
    argoMessage: /t7 \(exit 3, usererror\)/,
    flux: "Failed",
  },
  {
    name: "failed tasks while others still run (Reconciling, TasksFailed)",
    fixture: {
      conditions: [
        { type: "Ready", status: "False", reason: "TasksFailed", message: "1/100 task(s) failed; 40 still active or running" },
        { type: "Reconciling", status: "True", reason: "TasksFailed", message: "1/100 task(s) failed; 40 still active or running" },
      ],
    },
    argo: "Progressing",
    flux: "InProgress",
  },
  {
    name: "a resize error while the controller retries",
    fixture: {
      conditions: [
        { type: "Ready", status: "False", reason: "ResizeError", message: "AccountCoreQuotaReached: core quota 20 reached" },
        { type: "Reconciling", status: "True", reason: "ResizeError", message: "AccountCoreQuotaReached: core quota 20 reached" },
      ],
    },
    argo: "Degraded",
    argoMessage: /AccountCoreQuotaReached/,
    flux: "Failed",
  },
  {
    name: "Stalled from an older generation is not trusted",
    fixture: { generation: 4, observedGeneration: 3, conditions: [STALLED] },
    argo: "Progressing",
    flux: "InProgress",
  },
  {
    name: "suspended, even while stalled",
    fixture: { spec: { suspend: true }, conditions: [STALLED] },
    argo: "Suspended",
    argoMessage: /spec.suspend/,
    flux: "Current",
  },
  { name: "suspended before any status", fixture: { spec: { suspend: true }, noStatus: true }, argo: "Suspended", flux: "Current" },
  { name: "suspend: false is not suspended", fixture: { spec: { suspend: false }, conditions: [READY] }, argo: "Healthy", flux: "Current" },
  {
    name: "suspend must be the boolean true",
    fixture: { spec: { suspend: "yes" }, conditions: [READY] },
    argo: "Healthy",
    flux: "Current",
  },
  {
    name: "Ready=True while being deleted",
    fixture: { deleting: true, conditions: [READY] },
    argo: "Progressing",
    argoMessage: "Deleting",
  },
  {
    name: "a deletion that cannot finish (Stalled) is Degraded, not just Deleting",
    fixture: {
      deleting: true,
      conditions: [{ type: "Stalled", status: "True", reason: "BatchError", message: "pool delete refused: 403 Forbidden" }],
    },
    argo: "Degraded",
    argoMessage: /pool delete refused/,
  },
  {
    name: "Drifted alongside Ready=True stays healthy (the controller corrects drift)",
    fixture: {
      conditions: [READY, { type: "Drifted", status: "True", reason: "DriftDetected", message: "targetDedicatedNodes: desired 2, live 5" }],
    },
    argo: "Healthy",
    flux: "Current",
  },
  {
    name: "Ready without a message falls back to its reason",
    fixture: { conditions: [{ type: "Ready", status: "True", reason: "Succeeded" }] },
    argo: "Healthy",
    argoMessage: "Succeeded",
    flux: "Current",
  },
];
