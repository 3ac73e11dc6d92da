import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aPool } from "../helpers/resources.js";
import { startTestApiServer } from "./apiserver/index.js";
import type { KubeObject, TestApiServer } from "./apiserver/index.js";
import { expectStatus } from "./apiserver/testing.js";

const pools = { group: "azurebatch.gitops.dev", version: "v1alpha1", plural: "batchpools", namespace: "default" };
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

let server: TestApiServer;
let api: CustomObjectsApi;

beforeAll(async () => {
  server = await startTestApiServer();
  api = server.kubeConfig().makeApiClient(CustomObjectsApi);
});
afterAll(async () => server.close());

const createPool = async (name: string): Promise<KubeObject> =>
  (await api.createNamespacedCustomObject({ ...pools, body: aPool({ name }).build() })) as KubeObject;

describe("custom resources through CustomObjectsApi", () => {
  it("creates with server-set uid, creationTimestamp, generation 1 and a resourceVersion, and reads it back", async () => {
    const created = await createPool("crud-create");
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(created.metadata.generation).toBe(1);
    const read = (await api.getNamespacedCustomObject({ ...pools, name: "crud-create" })) as KubeObject;
    expect(read).toEqual(created);
  });

  it("answers AlreadyExists for a duplicate create and NotFound for a missing object", async () => {
    await createPool("crud-dup");
    const dup = await expectStatus(createPool("crud-dup"));
    expect(dup).toMatchObject({ kind: "Status", code: 409, reason: "AlreadyExists" });
    const missing = await expectStatus(api.getNamespacedCustomObject({ ...pools, name: "nope" }));
    expect(missing).toMatchObject({ code: 404, reason: "NotFound", message: 'batchpools.azurebatch.gitops.dev "nope" not found' });
  });

  it("bumps generation on a spec change only, and resourceVersion on every write", async () => {
    const created = await createPool("crud-gen");
    const labelled = (await api.patchNamespacedCustomObject(
      { ...pools, name: "crud-gen", body: { metadata: { labels: { team: "a" } } } },
      mergePatch,
    )) as KubeObject;
    expect(labelled.metadata.generation).toBe(1);
    expect(Number(labelled.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    const resized = (await api.patchNamespacedCustomObject(
      { ...pools, name: "crud-gen", body: { spec: { scale: { fixed: { targetDedicatedNodes: 5 } } } } },
      mergePatch,
    )) as KubeObject;
    expect(resized.metadata.generation).toBe(2);
    const withStatus = (await api.patchNamespacedCustomObjectStatus(
      { ...pools, name: "crud-gen", body: { status: { observedGeneration: 2 } } },
      mergePatch,
    )) as KubeObject;
    expect(withStatus.metadata.generation).toBe(2);
    expect(withStatus.status).toEqual({ observedGeneration: 2 });
  });

  it("writes status only through /status: the main endpoint ignores status, /status ignores spec", async () => {
    const created = await createPool("crud-status");
    const viaMain = (await api.replaceNamespacedCustomObject({
      ...pools,
      name: "crud-status",
      body: { ...created, status: { observedGeneration: 7 } },
    })) as KubeObject;
    expect(viaMain.status).toBeUndefined();
    const viaStatus = (await api.replaceNamespacedCustomObjectStatus({
      ...pools,
      name: "crud-status",
      body: { ...viaMain, spec: { ...(viaMain.spec as object), vmSize: "standard_d4s_v3" }, status: { observedGeneration: 1 } },
    })) as KubeObject;
    expect(viaStatus.status).toEqual({ observedGeneration: 1 });
    expect((viaStatus.spec as { vmSize: string }).vmSize).toBe("standard_d2s_v3");
    expect(viaStatus.metadata.generation).toBe(1);
  });

  it("rejects a replace with a stale resourceVersion with 409 Conflict, and one without resourceVersion with 422", async () => {
    const created = await createPool("crud-conflict");
    await api.patchNamespacedCustomObject({ ...pools, name: "crud-conflict", body: { metadata: { labels: { x: "1" } } } }, mergePatch);
    const stale = await expectStatus(api.replaceNamespacedCustomObject({ ...pools, name: "crud-conflict", body: created }));
    expect(stale).toMatchObject({ code: 409, reason: "Conflict" });
    expect(stale.message).toContain("the object has been modified");
    const { resourceVersion: _rv, ...metaWithoutRv } = created.metadata;
    const unconditional = await expectStatus(
      api.replaceNamespacedCustomObject({ ...pools, name: "crud-conflict", body: { ...created, metadata: metaWithoutRv } }),
    );
    expect(unconditional).toMatchObject({ code: 422, reason: "Invalid" });
    expect(unconditional.details?.causes?.[0]?.field).toBe("metadata.resourceVersion");
  });

  it("does not write when an update changes nothing: same resourceVersion, no watch event", async () => {
    const created = await createPool("crud-noop");
    const globalBefore = server.control.resourceVersion();
    const same = (await api.replaceNamespacedCustomObject({ ...pools, name: "crud-noop", body: created })) as KubeObject;
    expect(same.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    expect(server.control.resourceVersion()).toBe(globalBefore);
  });

  it("names an object from generateName, and validates a dryRun=All create without storing it", async () => {
    const pool = aPool().build();
    const { name: _name, ...meta } = pool.metadata;
    const generated = (await api.createNamespacedCustomObject({
      ...pools,
      body: { ...pool, metadata: { ...meta, generateName: "gen-" } },
    })) as KubeObject;
    expect(generated.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
    const before = server.control.resourceVersion();
    const dry = (await api.createNamespacedCustomObject({
      ...pools,
      body: aPool({ name: "crud-dry" }).build(),
      dryRun: "All",
    })) as KubeObject;
    expect(dry.metadata.name).toBe("crud-dry");
    expect(server.control.resourceVersion()).toBe(before);
    expect((await expectStatus(api.getNamespacedCustomObject({ ...pools, name: "crud-dry" }))).code).toBe(404);
  });

  it("deletes an object without finalizers at once and returns it", async () => {
    await createPool("crud-delete");
    const deleted = (await api.deleteNamespacedCustomObject({ ...pools, name: "crud-delete" })) as KubeObject;
    expect(deleted.metadata.name).toBe("crud-delete");
    expect((await expectStatus(api.getNamespacedCustomObject({ ...pools, name: "crud-delete" }))).code).toBe(404);
  });
});
