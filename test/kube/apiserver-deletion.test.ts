import { CustomObjectsApi, PatchStrategy, Watch, setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aPool } from "../helpers/resources.js";
import { startTestApiServer } from "./apiserver/index.js";
import type { KubeObject, TestApiServer } from "./apiserver/index.js";
import { expectStatus } from "./apiserver/testing.js";

const NS = "deletion";
const pools = { group: "azurebatch.gitops.dev", version: "v1alpha1", plural: "batchpools", namespace: NS };
const FINALIZER = "azurebatch.gitops.dev/finalizer";
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const FIXED_NOW = new Date("2024-06-01T12:00:00.000Z");

let server: TestApiServer;
let api: CustomObjectsApi;

beforeAll(async () => {
  server = await startTestApiServer({ namespaces: [NS], now: () => FIXED_NOW });
  api = server.kubeConfig().makeApiClient(CustomObjectsApi);
});
afterAll(async () => server.close());

const createPool = async (name: string, finalizers: string[]): Promise<KubeObject> => {
  const pool = aPool({ name, namespace: NS }).build();
  return (await api.createNamespacedCustomObject({
    ...pools,
    body: { ...pool, metadata: { ...pool.metadata, finalizers } },
  })) as KubeObject;
};

/** Event types seen for one object name on a watch from `resourceVersion`, until a DELETED arrives. */
function eventsUntilDeleted(name: string, resourceVersion: string): Promise<string[]> {
  const seen: string[] = [];
  return new Promise((resolve, reject) => {
    const watch = new Watch(server.kubeConfig()).watch(
      `/apis/azurebatch.gitops.dev/v1alpha1/namespaces/${NS}/batchpools`,
      { resourceVersion, fieldSelector: `metadata.name=${name}` },
      (type, obj: KubeObject) => {
        seen.push(`${type}${obj.metadata.deletionTimestamp ? " (deleting)" : ""}`);
        if (type === "DELETED") {
          resolve(seen);
          void watch.then((c) => c.abort());
        }
      },
      (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : undefined),
    );
  });
}

describe("finalizers and deletion", () => {
  it("marks an object with finalizers as deleting, and removes it when the last finalizer goes", async () => {
    const created = await createPool("finalized", [FINALIZER]);
    const events = eventsUntilDeleted("finalized", created.metadata.resourceVersion ?? "");

    const deleting = (await api.deleteNamespacedCustomObject({
      ...pools,
      name: "finalized",
      propagationPolicy: "Foreground",
    })) as KubeObject;
    expect(deleting.metadata.deletionTimestamp).toBe("2024-06-01T12:00:00Z");
    expect(deleting.metadata.generation).toBe(2);
    const again = (await api.deleteNamespacedCustomObject({ ...pools, name: "finalized" })) as KubeObject;
    expect(again.metadata.resourceVersion).toBe(deleting.metadata.resourceVersion);

    const refused = await expectStatus(
      api.patchNamespacedCustomObject(
        { ...pools, name: "finalized", body: { metadata: { finalizers: [FINALIZER, "other/finalizer"] } } },
        mergePatch,
      ),
    );
    expect(refused).toMatchObject({ code: 422, reason: "Invalid" });
    expect(refused.details?.causes?.[0]?.field).toBe("metadata.finalizers");

    await api.patchNamespacedCustomObject({ ...pools, name: "finalized", body: { metadata: { finalizers: null } } }, mergePatch);
    expect(await events).toEqual(["MODIFIED (deleting)", "MODIFIED (deleting)", "DELETED (deleting)"]);
    expect((await expectStatus(api.getNamespacedCustomObject({ ...pools, name: "finalized" }))).code).toBe(404);
  });

  it("keeps status writes working on a deleting object", async () => {
    await createPool("deleting-status", [FINALIZER]);
    await api.deleteNamespacedCustomObject({ ...pools, name: "deleting-status" });
    const updated = (await api.patchNamespacedCustomObjectStatus(
      { ...pools, name: "deleting-status", body: { status: { observedGeneration: 2 } } },
      mergePatch,
    )) as KubeObject;
    expect(updated.status).toEqual({ observedGeneration: 2 });
    expect(updated.metadata.deletionTimestamp).toBeDefined();
  });

  it("checks delete preconditions and the propagationPolicy value", async () => {
    await createPool("preconditioned", []);
    const wrongUid = await expectStatus(
      api.deleteNamespacedCustomObject({ ...pools, name: "preconditioned", body: { preconditions: { uid: "not-the-uid" } } }),
    );
    expect(wrongUid).toMatchObject({ code: 409, reason: "Conflict" });
    const badPolicy = await expectStatus(
      api.deleteNamespacedCustomObject({ ...pools, name: "preconditioned", propagationPolicy: "Sometimes" }),
    );
    expect(badPolicy.code).toBe(400);
    await api.deleteNamespacedCustomObject({ ...pools, name: "preconditioned", propagationPolicy: "Background" });
    expect(
      server.control.getObject({ apiVersion: "azurebatch.gitops.dev/v1alpha1", kind: "BatchPool", namespace: NS, name: "preconditioned" }),
    ).toBeUndefined();
  });
});
