// Pure pieces of cluster mode: which watch events reconcile, where Secrets are referenced,
// how engine status maps to the CRD status, and when a status write may be throttled.
import { describe, expect, it } from "vitest";
import { enqueueReason } from "../../controller/kubernetes/predicates.js";
import { findSecretRefs } from "../../controller/kubernetes/secretRefs.js";
import { shortImageName, toCrdStatus } from "../../controller/kubernetes/crdStatus.js";
import { isProgressOnly, sameStatus } from "../../controller/kubernetes/statusWriter.js";
import { clusterEventReason } from "../../controller/kubernetes/eventReasons.js";
import { factsOfCrdStatus, transitionEvents } from "../../controller/kubernetes/transitionEvents.js";
import { FINALIZER, REQUESTED_AT_ANNOTATION, type CustomResource } from "../../controller/kubernetes/resources.js";
import type { ResourceStatus } from "../../controller/runtime/ports.js";

const base: CustomResource = {
  metadata: { name: "p", namespace: "ns", generation: 1, resourceVersion: "1", finalizers: [FINALIZER] },
  spec: { vmSize: "standard_d2s_v3" },
};
const changed = (patch: Partial<NonNullable<CustomResource["metadata"]>>, rest: Partial<CustomResource> = {}): CustomResource => ({
  ...base,
  ...rest,
  metadata: { ...base.metadata, resourceVersion: "2", ...patch },
});

describe("enqueue predicates", () => {
  it.each([
    ["status-only update (generation unchanged)", changed({}, { status: { observedGeneration: 1 } }), undefined],
    ["spec change (generation bumped)", changed({ generation: 2 }), "SpecChanged"],
    ["requestedAt annotation set", changed({ annotations: { [REQUESTED_AT_ANNOTATION]: "2024-01-01T00:00:00Z" } }), "ReconcileRequested"],
    ["deletion requested", changed({ deletionTimestamp: "2024-01-01T00:00:00Z" }), "DeletionRequested"],
    ["our finalizer removed by hand", changed({ finalizers: [] }), "FinalizerChanged"],
    ["an unrelated annotation", changed({ annotations: { note: "x" } }), undefined],
  ])("%s", (_name, object, expected) => {
    expect(enqueueReason({ type: "updated", old: base, object })).toBe(expected);
  });

  it("always reconciles additions and deletions", () => {
    expect(enqueueReason({ type: "added", object: base })).toBe("Added");
    expect(enqueueReason({ type: "deleted", object: base })).toBe("Deleted");
  });

  it("a new requestedAt value reconciles again, the same value does not", () => {
    const first = changed({ annotations: { [REQUESTED_AT_ANNOTATION]: "a" } });
    const again = { ...first, metadata: { ...first.metadata, resourceVersion: "3" } };
    const second = { ...first, metadata: { ...first.metadata, resourceVersion: "4", annotations: { [REQUESTED_AT_ANNOTATION]: "b" } } };
    expect(enqueueReason({ type: "updated", old: first, object: again })).toBeUndefined();
    expect(enqueueReason({ type: "updated", old: again, object: second })).toBe("ReconcileRequested");
  });
});

describe("findSecretRefs", () => {
  it("finds every *SecretRef with its field path", () => {
    const spec = {
      containerConfiguration: {
        containerRegistries: [
          { registryServer: "a.azurecr.io", username: "u", passwordSecretRef: { name: "acr", key: "password" } },
          { registryServer: "b.azurecr.io", identityResourceId: "/id" },
        ],
      },
      tasks: [{ containerSettings: { registry: { registryServer: "c", passwordSecretRef: { name: "other", key: "pw" } } } }],
    };
    expect(findSecretRefs(spec)).toEqual([
      { name: "acr", key: "password", path: "spec.containerConfiguration.containerRegistries[0].passwordSecretRef" },
      { name: "other", key: "pw", path: "spec.tasks[0].containerSettings.registry.passwordSecretRef" },
    ]);
  });

  it("ignores fields that only look like references", () => {
    expect(findSecretRefs({ passwordSecretRef: "plain", secretRefs: [{ name: 1, key: "k" }] })).toEqual([]);
  });
});

const conditions = [
  {
    type: "Ready",
    status: "True" as const,
    reason: "Succeeded",
    message: "ok",
    lastTransitionTime: "2024-01-01T00:00:00Z",
    observedGeneration: 3,
  },
];

describe("toCrdStatus", () => {
  it("fills the pool printer-column fields (nodes current/target, image) and drops unknown states", () => {
    const status: ResourceStatus = {
      observedGeneration: 3,
      conditions,
      batchIds: ["p-1a2b3c4d", "p-old"],
      pool: {
        allocationState: "resizing",
        currentDedicatedNodes: 1,
        currentLowPriorityNodes: 1,
        targetDedicatedNodes: 2,
        targetLowPriorityNodes: 2,
        nodeCountsByState: { idle: 2, bogus: 7 },
      },
    };
    const spec = { image: { marketplace: { publisher: "microsoft-dsvm", offer: "ubuntu-hpc", sku: "2204", version: "latest" } } };
    expect(toCrdStatus("BatchPool", status, spec)).toEqual({
      observedGeneration: 3,
      conditions,
      poolId: "p-1a2b3c4d",
      retiringPoolIds: ["p-old"],
      image: "ubuntu-hpc/2204",
      allocationState: "resizing",
      currentDedicatedNodes: 1,
      currentLowPriorityNodes: 1,
      targetDedicatedNodes: 2,
      targetLowPriorityNodes: 2,
      nodes: "2/4",
      nodeCounts: { idle: 2 },
    });
  });

  it("fills the job fields (completions succeeded/total)", () => {
    const status: ResourceStatus = {
      conditions,
      batchIds: ["j"],
      job: { state: "active", poolId: "p-1", totalTasks: 10, taskCounts: { active: 1, running: 2, completed: 7, succeeded: 6, failed: 1 } },
    };
    expect(toCrdStatus("BatchJob", status, {})).toMatchObject({
      jobId: "j",
      poolId: "p-1",
      state: "active",
      tasksTotal: 10,
      completions: "6/10",
    });
    expect(toCrdStatus("BatchJob", status, {})).not.toHaveProperty("tasksSubmitted");
    // During a submission the figure of tasks in Batch so far is shown too.
    const submitting = { ...status, job: { ...status.job, tasksSubmitted: 4 } } as typeof status;
    expect(toCrdStatus("BatchJob", submitting, {})).toMatchObject({ tasksSubmitted: 4, tasksTotal: 10 });
  });

  it("names gallery images by definition and version", () => {
    const id = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/galleries/gal/images/render/versions/1.2.0";
    expect(shortImageName({ image: { virtualMachineImageId: id } })).toBe("render:1.2.0");
  });
});

describe("status write decisions", () => {
  const status = { observedGeneration: 1, conditions, nodes: "1/2", lastSyncTime: "2024-01-01T00:00:00Z" };

  it("a different lastSyncTime alone is no change", () => {
    expect(sameStatus({ ...status, lastSyncTime: "2025-01-01T00:00:00Z" }, status)).toBe(true);
    expect(sameStatus({ ...status, nodes: "2/2" }, status)).toBe(false);
  });

  it("moving figures and messages are progress; a condition or generation change is not", () => {
    expect(isProgressOnly(status, { ...status, nodes: "2/2", conditions: [{ ...conditions[0], message: "2 of 4" }] })).toBe(true);
    expect(isProgressOnly(status, { ...status, conditions: [{ ...conditions[0], status: "False", reason: "Resizing" }] })).toBe(false);
    expect(isProgressOnly(status, { ...status, observedGeneration: 2 })).toBe(false);
  });
});

describe("cluster event reasons", () => {
  it.each([
    ["CreatePool", "create pool render-1a2b3c4d: not found in Batch", "PoolCreated"],
    ["CreatePool", "create pool render-5e6f7a8b: BlueGreen: image changed", "PoolReplaced"],
    ["ResizePool", "resize pool render-1a2b3c4d to 2 dedicated", "PoolResized"],
    ["SubmitTasks", "3 task(s) declared; 3 added", "TasksSubmitted"],
    ["DriftDetected", "targetDedicatedNodes: desired 1, live 5", "DriftDetected"],
  ])("%s (%s) → %s", (reason, message, expected) => {
    expect(clusterEventReason(reason, message)).toBe(expected);
  });
});

describe("transition events", () => {
  const job = (state: string, failed = 0): ResourceStatus => ({
    conditions: [],
    job: { state, totalTasks: 3, taskCounts: { active: 0, running: 0, completed: 3, succeeded: 3 - failed, failed } },
  });

  it("tells a job's completion once, as a warning when tasks failed", () => {
    expect(transitionEvents({ jobState: "active" }, job("completed"))).toEqual([
      { type: "Normal", reason: "JobCompleted", message: "job completed: 3/3 task(s) succeeded, 0 failed" },
    ]);
    expect(transitionEvents({ jobState: "completed" }, job("completed"))).toEqual([]);
    expect(transitionEvents(factsOfCrdStatus({ state: "active" }), job("completed", 1))[0]).toMatchObject({ type: "Warning" });
  });

  it("tells corrected drift when the Drifted reason becomes DriftCorrected", () => {
    const corrected: ResourceStatus = {
      conditions: [
        {
          type: "Drifted",
          status: "True",
          reason: "DriftCorrected",
          message: "corrected: nodes 5 → 1",
          lastTransitionTime: "2025-01-01T00:00:00Z",
        },
      ],
    };
    expect(transitionEvents(factsOfCrdStatus({ conditions: [{ type: "Drifted", reason: "NoDrift" }] }), corrected)).toEqual([
      { type: "Normal", reason: "DriftCorrected", message: "corrected: nodes 5 → 1" },
    ]);
    expect(transitionEvents({ driftedReason: "DriftCorrected" }, corrected)).toEqual([]);
  });
});
