// Two controller replicas against one cluster and one Batch account: exactly one acts; when the
// leader is cut off, the other takes over after the lease expires, without duplicate Batch writes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CustomResource } from "../../controller/kubernetes/resources.js";
import { API_GROUP_VERSION } from "../../controller/kubernetes/resources.js";
import { startClusterRig, TEST_LEADER_ELECTION, type ClusterRig, type Replica } from "./cluster-rig.js";
import { createResource, jobObject, mergePatchResource, poolObject, until } from "./cluster-harness.js";

/** Successful Batch writes by operation, from the emulator's own counters. */
function batchWrites(rig: ClusterRig): Record<string, number> {
  const writes: Record<string, number> = {};
  for (const [operation, byStatus] of Object.entries(rig.batchControl.counters.snapshot())) {
    if (/_(Add|AddCollection|Delete|Patch|Resize|UpdateProperties|Terminate|Disable|Enable|StopResize)$/.test(operation)) {
      writes[operation] = Object.entries(byStatus)
        .filter(([status]) => status.startsWith("2"))
        .reduce((sum, [, n]) => sum + n, 0);
    }
  }
  return writes;
}

describe("two replicas with leader election", () => {
  let rig: ClusterRig;
  let a: Replica;
  let b: Replica;

  beforeAll(async () => {
    rig = await startClusterRig();
  });

  afterAll(async () => {
    await rig.close();
  });

  const stored = (kind: "BatchPool" | "BatchJob", name: string): CustomResource | undefined =>
    rig.server.control.getObject({ apiVersion: API_GROUP_VERSION, kind, namespace: "team-a", name }) as CustomResource | undefined;
  const readyAt = (kind: "BatchPool" | "BatchJob", name: string, generation: number): boolean => {
    const object = stored(kind, name);
    const ready = (object?.status?.conditions as { type: string; status: string }[] | undefined)?.some(
      (c) => c.type === "Ready" && c.status === "True",
    );
    return ready === true && object?.status?.observedGeneration === generation;
  };
  const holder = async (): Promise<string | undefined> =>
    (await rig.api.coordination.readNamespacedLease({ name: "batch-gitops", namespace: "batch-system" })).spec?.holderIdentity;

  it("exactly one replica acts", async () => {
    a = await rig.startReplica({ name: "replica-a", leaderElection: TEST_LEADER_ELECTION });
    await until(async () => (await holder().catch(() => undefined))?.startsWith("replica-a_") === true, "replica-a to hold the lease");
    b = await rig.startReplica({ name: "replica-b", leaderElection: TEST_LEADER_ELECTION });
    await createResource(rig.api.custom, "BatchPool", poolObject("render", "team-a", { nodes: 1 }));
    await createResource(rig.api.custom, "BatchJob", jobObject("frames", "team-a", "render", 3));
    await until(() => readyAt("BatchPool", "render", 1) && readyAt("BatchJob", "frames", 1), "pool and job Ready");

    expect(a.batchCalls.size).toBeGreaterThan(0);
    expect(b.batchCalls.size).toBe(0);
    expect(b.ready).toBe(true);
    expect(batchWrites(rig)).toMatchObject({ Pool_Add: 1, Job_Add: 1 });
  });

  it("the leader cut off stops; the other takes over after the lease expires, with no duplicate writes", async () => {
    const before = batchWrites(rig);
    a.partition();
    expect(await a.exited).toBe(1);
    await until(async () => (await holder())?.startsWith("replica-b_") === true, "replica-b to take the lease");

    await mergePatchResource(rig.api.custom, "BatchPool", "team-a", "render", { spec: { scale: { fixed: { targetDedicatedNodes: 2 } } } });
    await until(() => readyAt("BatchPool", "render", 2), "replica-b to roll out generation 2");
    expect(b.batchCalls.size).toBeGreaterThan(0);

    const after = batchWrites(rig);
    // Nothing created twice, no task resubmitted, nothing deleted: the new leader only rolled out the resize.
    const creations = (w: Record<string, number>) => ({
      Pool_Add: w.Pool_Add,
      Job_Add: w.Job_Add,
      Task_AddCollection: w.Task_AddCollection,
    });
    expect(creations(after)).toEqual(creations(before));
    expect(after.Pool_Resize).toBe((before.Pool_Resize ?? 0) + 1);
    expect(after.Pool_Delete ?? 0).toBe(0);
    expect(after.Job_Delete ?? 0).toBe(0);
  });
});
