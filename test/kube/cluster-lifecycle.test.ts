// Cluster mode end to end: objects applied to the (test) API server are reconciled against the
// Batch emulator by the real engine; status, printer columns, rollouts and deletion as users see them.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { BatchServiceClient } from "@azure/batch";
import { sharedKeyCredentials } from "../../controller/batch/credentials.js";
import type { CustomResource } from "../../controller/kubernetes/resources.js";
import type { ResourceKind } from "../../controller/runtime/ports.js";
import { startClusterRig, type ClusterRig, type Replica } from "./cluster-rig.js";
import { createResource, evalPrinterPath, getResource, jobObject, mergePatchResource, poolObject, until } from "./cluster-harness.js";

interface PrinterColumn {
  name: string;
  jsonPath: string;
}

function printerColumns(kind: ResourceKind): PrinterColumn[] {
  const file = new URL(`../../crds/${kind === "BatchPool" ? "batchpools" : "batchjobs"}.azurebatch.gitops.dev.yaml`, import.meta.url);
  const crd = parseAllDocuments(readFileSync(file, "utf8"))[0]?.toJS() as {
    spec: { versions: { additionalPrinterColumns: PrinterColumn[] }[] };
  };
  return crd.spec.versions[0]?.additionalPrinterColumns ?? [];
}

const condition = (object: CustomResource | undefined, type: string): { status?: string; reason?: string } | undefined =>
  (object?.status?.conditions as { type: string; status: string; reason: string }[] | undefined)?.find((c) => c.type === type);

describe("cluster mode end to end", () => {
  let rig: ClusterRig;
  let batch: BatchServiceClient;
  let replica: Replica;

  beforeAll(async () => {
    rig = await startClusterRig();
    batch = new BatchServiceClient(sharedKeyCredentials(rig.emulator.account.name, rig.emulator.account.key), rig.emulator.url);
    replica = await rig.startReplica();
  });

  afterAll(async () => {
    await rig.close();
  });

  const read = (kind: ResourceKind, name: string): Promise<CustomResource> => getResource(rig.api.custom, kind, "team-a", name);
  const isReady = async (kind: ResourceKind, name: string, generation = 1): Promise<boolean> => {
    const object = await read(kind, name);
    return condition(object, "Ready")?.status === "True" && object.status?.observedGeneration === generation;
  };
  const eventsOf = async (name: string): Promise<(string | undefined)[]> =>
    (await rig.api.core.listNamespacedEvent({ namespace: "team-a" })).items
      .filter((e) => e.involvedObject.name === name)
      .map((e) => e.reason);
  const batchPoolIds = async (): Promise<string[]> => (await batch.pool.list()).map((p) => p.id ?? "");

  it("apply → Ready, with every printer column populated", async () => {
    await createResource(rig.api.custom, "BatchPool", poolObject("render", "team-a", { nodes: 1 }));
    await until(() => isReady("BatchPool", "render"), "the pool to be Ready");
    await createResource(rig.api.custom, "BatchJob", jobObject("frames", "team-a", "render", 3, { terminateJob: true }));
    await until(() => isReady("BatchJob", "frames"), "the job to be Ready").catch(async (e: unknown) => {
      throw new Error(`${String(e)} ${JSON.stringify((await read("BatchJob", "frames")).status)}`);
    });

    const pool = await read("BatchPool", "render");
    const columns = Object.fromEntries(printerColumns("BatchPool").map((c) => [c.name, evalPrinterPath(c.jsonPath, pool)[0]]));
    expect(columns).toMatchObject({ Ready: "True", Nodes: "1/1", Image: "ubuntu-hpc/2204" });
    for (const column of printerColumns("BatchPool")) {
      expect(evalPrinterPath(column.jsonPath, pool), column.name).toHaveLength(1);
    }
    expect(await batchPoolIds()).toEqual([pool.status?.poolId]);

    const job = await read("BatchJob", "frames");
    for (const column of printerColumns("BatchJob")) {
      expect(evalPrinterPath(column.jsonPath, job), column.name).toHaveLength(1);
    }
    await until(async () => (await read("BatchJob", "frames")).status?.state === "completed", "the job's tasks to complete").catch(
      async (e: unknown) => {
        throw new Error(`${String(e)} ${JSON.stringify((await read("BatchJob", "frames")).status)}`);
      },
    );
    await until(async () => (await eventsOf("frames")).includes("JobCompleted"), "the JobCompleted event");
    expect(pool.metadata?.finalizers).toEqual(["azurebatch.gitops.dev/finalizer"]);
  });

  it("a spec change → the new observedGeneration and the resize in Batch", async () => {
    await mergePatchResource(rig.api.custom, "BatchPool", "team-a", "render", { spec: { scale: { fixed: { targetDedicatedNodes: 2 } } } });
    await until(() => isReady("BatchPool", "render", 2), "generation 2 to be Ready");
    const pool = await read("BatchPool", "render");
    expect(pool.status).toMatchObject({ observedGeneration: 2, targetDedicatedNodes: 2, nodes: "2/2" });
    const live = await batch.pool.get(String(pool.status?.poolId));
    expect(live.targetDedicatedNodes).toBe(2);
    const reasons = await eventsOf("render");
    expect(reasons).toEqual(expect.arrayContaining(["PoolCreated", "PoolResized"]));
  });
  it("a forced reconcile that finds nothing to change writes no status and no event", async () => {
    const writes = (): number =>
      rig.server.control.requests({ subresource: "status", verb: "update" }).length +
      rig.server.control.requests({ resource: "events" }).length;
    const observed = (): number => replica.batchCalls.get("pool.list") ?? 0;
    // Let the replica's shared Batch listing (50 ms in the rig) age, so the forced pass must list again.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = { writes: writes(), observed: observed(), reconciles: replica.reconciles };
    await mergePatchResource(rig.api.custom, "BatchPool", "team-a", "render", {
      metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": "steady-check" } },
    });
    await until(() => observed() > before.observed, "the forced reconcile to observe Batch");
    // The pass has finished (its status write, had there been one, is done): nothing was written.
    await until(() => replica.reconciles > before.reconciles, "the forced reconcile to finish");
    expect(writes()).toBe(before.writes);
  });
});

describe("cluster mode: Batch-aware rules", () => {
  let rig: ClusterRig;

  beforeAll(async () => {
    rig = await startClusterRig();
    await rig.startReplica();
  });

  afterAll(async () => {
    await rig.close();
  });

  it("a pool the API server accepts but Batch would refuse is Stalled (InvalidSpec) and never sent to Batch", async () => {
    const gallery = poolObject("gallery", "team-a");
    const image = {
      virtualMachineImageId: "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/galleries/gal/images/render/versions/1.0.0",
    };
    await createResource(rig.api.custom, "BatchPool", { ...gallery, spec: { ...gallery.spec, image } });
    const stalled = async (): Promise<boolean> =>
      condition(await getResource(rig.api.custom, "BatchPool", "team-a", "gallery"), "Stalled")?.status === "True";
    await until(stalled, "the pool to be Stalled");
    const object = await getResource(rig.api.custom, "BatchPool", "team-a", "gallery");
    expect(condition(object, "Ready")).toMatchObject({ status: "False", reason: "InvalidSpec" });
    expect(rig.batchControl.counters.snapshot().Pool_Add).toBeUndefined();
  });
});
