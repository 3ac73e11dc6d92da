// Deleting BatchPool/BatchJob objects in the cluster: the finalizer holds the object until Batch
// is cleaned up per deletionPolicy; a pool waits for the jobs using it; a cleanup that cannot
// finish shows in conditions and events; a pool that never existed in Batch is released at once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchServiceClient } from "@azure/batch";
import type { CoreV1Event } from "@kubernetes/client-node";
import { sharedKeyCredentials } from "../../controller/batch/credentials.js";
import type { CustomResource } from "../../controller/kubernetes/resources.js";
import type { ResourceKind } from "../../controller/runtime/ports.js";
import { startClusterRig, type ClusterRig } from "./cluster-rig.js";
import { createResource, deleteResource, jobObject, mergePatchResource, poolObject, until } from "./cluster-harness.js";
import { API_GROUP_VERSION } from "../../controller/kubernetes/resources.js";

describe("deletion through finalizers", () => {
  let rig: ClusterRig;
  let batch: BatchServiceClient;

  beforeAll(async () => {
    rig = await startClusterRig();
    batch = new BatchServiceClient(sharedKeyCredentials(rig.emulator.account.name, rig.emulator.account.key), rig.emulator.url);
    await rig.startReplica();
  });

  afterAll(async () => {
    await rig.close();
  });

  const stored = (kind: ResourceKind, name: string): CustomResource | undefined =>
    rig.server.control.getObject({ apiVersion: API_GROUP_VERSION, kind, namespace: "team-a", name }) as CustomResource | undefined;
  const ready = (kind: ResourceKind, name: string): boolean =>
    (stored(kind, name)?.status?.conditions as { type: string; status: string }[] | undefined)?.some(
      (c) => c.type === "Ready" && c.status === "True",
    ) ?? false;
  const readyCondition = (kind: ResourceKind, name: string): { status?: string; reason?: string; message?: string } | undefined =>
    (stored(kind, name)?.status?.conditions as { type: string; status?: string; reason?: string; message?: string }[] | undefined)?.find(
      (c) => c.type === "Ready",
    );
  const poolIds = async (): Promise<string[]> => (await batch.pool.list()).map((p) => p.id ?? "");
  const jobIds = async (): Promise<string[]> => (await batch.job.list()).map((j) => j.id ?? "");
  const events = async (reason: string): Promise<CoreV1Event[]> =>
    (await rig.api.core.listNamespacedEvent({ namespace: "team-a" })).items.filter((e) => e.reason === reason);

  it("Delete: a pool used by a job waits for the job; then both are deleted in Batch and the objects go", async () => {
    await createResource(rig.api.custom, "BatchPool", poolObject("shared", "team-a"));
    await createResource(rig.api.custom, "BatchJob", jobObject("frames", "team-a", "shared", 2));
    await until(() => ready("BatchPool", "shared") && ready("BatchJob", "frames"), "pool and job Ready");
    const poolId = String(stored("BatchPool", "shared")?.status?.poolId);
    const jobId = String(stored("BatchJob", "frames")?.status?.jobId);

    await deleteResource(rig.api.custom, "BatchPool", "team-a", "shared");
    await until(() => readyCondition("BatchPool", "shared")?.reason === "DeletionBlocked", "the blocked deletion in conditions");
    expect(readyCondition("BatchPool", "shared")).toMatchObject({ status: "False", message: expect.stringContaining("frames") });
    expect(await events("DeletionBlocked")).toHaveLength(1);
    expect(await poolIds()).toContain(poolId);

    await deleteResource(rig.api.custom, "BatchJob", "team-a", "frames");
    await until(() => stored("BatchJob", "frames") === undefined && stored("BatchPool", "shared") === undefined, "both objects to go");
    expect(await jobIds()).not.toContain(jobId);
    expect(await poolIds()).not.toContain(poolId);
  });

  it("Orphan: the object goes, the Batch pool stays", async () => {
    await createResource(rig.api.custom, "BatchPool", poolObject("keeper", "team-a", { deletionPolicy: "Orphan" }));
    await until(() => ready("BatchPool", "keeper"), "the pool Ready");
    const poolId = String(stored("BatchPool", "keeper")?.status?.poolId);
    await deleteResource(rig.api.custom, "BatchPool", "team-a", "keeper");
    await until(() => stored("BatchPool", "keeper") === undefined, "the object to go");
    expect(await poolIds()).toContain(poolId);
  });

  it("Orphan set while suspended (so never written to Batch), then deleted: the spec's policy decides, the Batch pool stays", async () => {
    await createResource(rig.api.custom, "BatchPool", poolObject("late-keeper", "team-a"));
    await until(() => ready("BatchPool", "late-keeper"), "the pool Ready");
    const poolId = String(stored("BatchPool", "late-keeper")?.status?.poolId);
    await mergePatchResource(rig.api.custom, "BatchPool", "team-a", "late-keeper", { spec: { suspend: true } });
    await until(() => readyCondition("BatchPool", "late-keeper")?.message?.includes("suspended") === true, "the suspension seen");
    await mergePatchResource(rig.api.custom, "BatchPool", "team-a", "late-keeper", { spec: { deletionPolicy: "Orphan" } });
    await until(
      () => stored("BatchPool", "late-keeper")?.status?.observedGeneration === stored("BatchPool", "late-keeper")?.metadata?.generation,
      "the Orphan edit observed",
    );
    await deleteResource(rig.api.custom, "BatchPool", "team-a", "late-keeper");
    await until(() => stored("BatchPool", "late-keeper") === undefined, "the object to go");
    expect(await poolIds()).toContain(poolId);
    // Recorded in Batch before the object went: a later sweep of pools whose owner is gone reads Orphan and keeps it.
    const recorded = (await batch.pool.get(poolId)).metadata?.find((m) => m.name === "batch-gitops/deletion-policy")?.value;
    expect(recorded).toBe("Orphan");
  });

  it("a pool that never existed in Batch (suspended from the start) is released at once", async () => {
    await createResource(rig.api.custom, "BatchPool", poolObject("never", "team-a", { suspend: true }));
    await until(
      () => stored("BatchPool", "never")?.metadata?.finalizers !== undefined && stored("BatchPool", "never")?.status !== undefined,
      "the first reconcile",
    );
    const before = await poolIds();
    await deleteResource(rig.api.custom, "BatchPool", "team-a", "never");
    await until(() => stored("BatchPool", "never") === undefined, "the object to go");
    expect(await poolIds()).toEqual(before);
  });

  it("a cleanup Batch refuses shows in conditions and as a Warning event, and finishes once Batch accepts", async () => {
    await createResource(rig.api.custom, "BatchPool", poolObject("stubborn", "team-a"));
    await until(() => ready("BatchPool", "stubborn"), "the pool Ready");
    const poolId = String(stored("BatchPool", "stubborn")?.status?.poolId);
    const fault = rig.batchControl.faults.add({ operationId: "Pool_Delete", kind: "error" });
    await deleteResource(rig.api.custom, "BatchPool", "team-a", "stubborn");
    await until(async () => (await events("DeletionFailed")).length > 0, "the DeletionFailed event");
    expect(readyCondition("BatchPool", "stubborn")).toMatchObject({ status: "False", reason: "BatchError" });
    expect(stored("BatchPool", "stubborn")?.metadata?.finalizers).toEqual(["azurebatch.gitops.dev/finalizer"]);
    expect(await poolIds()).toContain(poolId);

    rig.batchControl.faults.remove(fault.id);
    await until(() => stored("BatchPool", "stubborn") === undefined, "the deletion to finish");
    expect(await poolIds()).not.toContain(poolId);
  });
});
