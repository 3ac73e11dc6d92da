// The running controller under watch trouble, and Flux's "reconcile now": changes made while its
// watch was dropped, or while its resourceVersion expired (410), are still reconciled; a new
// reconcile.fluxcd.io/requestedAt value repairs drift at once instead of at the next resync.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchServiceClient } from "@azure/batch";
import { sharedKeyCredentials } from "../../controller/batch/credentials.js";
import { EmulatorControlClient } from "../../emulator/control-client.js";
import type { CustomResource } from "../../controller/kubernetes/resources.js";
import { API_GROUP_VERSION, REQUESTED_AT_ANNOTATION } from "../../controller/kubernetes/resources.js";
import { startClusterRig, type ClusterRig } from "./cluster-rig.js";
import { createResource, mergePatchResource, poolObject, until } from "./cluster-harness.js";

describe("controller watches", () => {
  let rig: ClusterRig;
  let batch: BatchServiceClient;

  beforeAll(async () => {
    rig = await startClusterRig();
    batch = new BatchServiceClient(sharedKeyCredentials(rig.emulator.account.name, rig.emulator.account.key), rig.emulator.url);
    // Listings reused for 10 minutes, so "reconcile now" is seen to read Batch afresh rather than from a
    // listing taken moments before the out-of-band change (the controller's default reuse is 60 s).
    await rig.startReplica({ observationMaxAgeMs: 600_000 });
    await createResource(rig.api.custom, "BatchPool", poolObject("render", "team-a", { nodes: 1 }));
    await until(() => readyAt(1), "the pool Ready");
  });

  afterAll(async () => {
    await rig.close();
  });

  const stored = (): CustomResource | undefined =>
    rig.server.control.getObject({ apiVersion: API_GROUP_VERSION, kind: "BatchPool", namespace: "team-a", name: "render" }) as
      CustomResource | undefined;
  function readyAt(generation: number): boolean {
    const object = stored();
    const ready = (object?.status?.conditions as { type: string; status: string }[] | undefined)?.some(
      (c) => c.type === "Ready" && c.status === "True",
    );
    return ready === true && object?.status?.observedGeneration === generation;
  }
  const liveTarget = async (): Promise<number | undefined> => (await batch.pool.get(String(stored()?.status?.poolId))).targetDedicatedNodes;
  const resize = (nodes: number): Promise<CustomResource> =>
    mergePatchResource(rig.api.custom, "BatchPool", "team-a", "render", { spec: { scale: { fixed: { targetDedicatedNodes: nodes } } } });

  it("a change made while the watch was dropped is reconciled", async () => {
    await rig.server.control.waitForWatches(3);
    rig.server.control.dropWatches("reset");
    await resize(2);
    await until(() => readyAt(2), "generation 2 Ready");
    expect(await liveTarget()).toBe(2);
  });

  it("a change made while the resourceVersion expired (410) is reconciled after the re-list", async () => {
    await rig.server.control.waitForWatches(3);
    // Keep the informers away long enough for the change to be compacted out of the history.
    rig.server.control.injectError({ verb: "watch", resource: "batchpools", code: 503, times: 2 });
    rig.server.control.dropWatches("reset");
    await resize(3);
    rig.server.control.compactHistory();
    await until(() => readyAt(3), "generation 3 Ready");
    expect(await liveTarget()).toBe(3);
    const relisted = rig.server.control.requests({ verb: "list", resource: "batchpools" });
    expect(relisted.length).toBeGreaterThanOrEqual(2);
  });

  it("reconcile.fluxcd.io/requestedAt repairs out-of-band drift now, not at the next resync", async () => {
    const poolId = String(stored()?.status?.poolId);
    // The controller has just listed the pools (it confirmed generation 3 Ready): that listing shows no drift.
    await until(() => readyAt(3), "generation 3 Ready");
    await new EmulatorControlClient(rig.emulator.url).resizePool(poolId, { targetDedicatedNodes: 5 });
    expect(await liveTarget()).toBe(5);
    await mergePatchResource(rig.api.custom, "BatchPool", "team-a", "render", {
      metadata: { annotations: { [REQUESTED_AT_ANNOTATION]: new Date().toISOString() } },
    });
    await until(async () => (await liveTarget()) === 3, "the drift to be corrected");
    await until(
      async () => (await rig.api.core.listNamespacedEvent({ namespace: "team-a" })).items.some((e) => e.reason === "DriftCorrected"),
      "the DriftCorrected event",
    );
  });
});
