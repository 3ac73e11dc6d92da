import { CustomObjectsApi, PatchStrategy, Watch, makeInformer, setHeaderOptions } from "@kubernetes/client-node";
import type { KubernetesObject } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aPool } from "../helpers/resources.js";
import { startTestApiServer } from "./apiserver/index.js";
import type { KubeObject, TestApiServer } from "./apiserver/index.js";
import { expectStatus } from "./apiserver/testing.js";

const pools = { group: "azurebatch.gitops.dev", version: "v1alpha1", plural: "batchpools" };
const POOLS_PATH = "/apis/azurebatch.gitops.dev/v1alpha1/namespaces/watch-ns/batchpools";
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

let server: TestApiServer;
let api: CustomObjectsApi;

beforeAll(async () => {
  server = await startTestApiServer({ namespaces: ["watch-ns", "other-ns", "initial-ns"] });
  api = server.kubeConfig().makeApiClient(CustomObjectsApi);
});
afterAll(async () => server.close());

const createPool = async (name: string, namespace = "watch-ns", labels: Record<string, string> = {}): Promise<KubeObject> => {
  const body = aPool({ name, namespace }).build();
  return (await api.createNamespacedCustomObject({
    ...pools,
    namespace,
    body: { ...body, metadata: { ...body.metadata, labels } },
  })) as KubeObject;
};

interface Seen {
  type: string;
  name: string | undefined;
  resourceVersion: string | undefined;
  object: KubeObject & { code?: number; reason?: string; kind?: string };
}

/** Opens a raw watch and collects events until `until` says stop; resolves with them and the done error. */
async function collect(
  path: string,
  query: Record<string, string>,
  until: (seen: Seen[]) => boolean,
): Promise<{ seen: Seen[]; err: unknown }> {
  const seen: Seen[] = [];
  return new Promise((resolve) => {
    let controller: AbortController | undefined;
    const finish = (err: unknown): void => {
      controller?.abort();
      resolve({ seen, err });
    };
    new Watch(server.kubeConfig())
      .watch(
        path,
        query,
        (type, obj: KubeObject) => {
          seen.push({ type, name: obj.metadata?.name, resourceVersion: obj.metadata?.resourceVersion, object: obj });
          if (until(seen)) finish(null);
        },
        (err: unknown) => finish(err),
      )
      .then((c) => {
        controller = c;
      }, finish);
  });
}

describe("list", () => {
  it("lists with resourceVersion, labelSelector, fieldSelector and limit/continue pages", async () => {
    await createPool("list-a", "other-ns", { tier: "gpu" });
    await createPool("list-b", "other-ns", { tier: "cpu" });
    await createPool("list-c", "other-ns", { tier: "gpu" });
    const list = (await api.listNamespacedCustomObject({ ...pools, namespace: "other-ns" })) as {
      metadata: { resourceVersion: string };
      items: KubeObject[];
    };
    expect(list.items.map((i) => i.metadata.name)).toEqual(["list-a", "list-b", "list-c"]);
    expect(Number(list.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(list.items[2]?.metadata.resourceVersion));
    const gpu = (await api.listNamespacedCustomObject({ ...pools, namespace: "other-ns", labelSelector: "tier in (gpu),tier!=cpu" })) as {
      items: KubeObject[];
    };
    expect(gpu.items.map((i) => i.metadata.name)).toEqual(["list-a", "list-c"]);
    const byName = (await api.listClusterCustomObject({ ...pools, fieldSelector: "metadata.name=list-b" })) as { items: KubeObject[] };
    expect(byName.items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`)).toEqual(["other-ns/list-b"]);
    const page1 = (await api.listNamespacedCustomObject({ ...pools, namespace: "other-ns", limit: 2 })) as {
      metadata: { continue?: string; remainingItemCount?: number };
      items: KubeObject[];
    };
    expect(page1.items).toHaveLength(2);
    expect(page1.metadata.remainingItemCount).toBe(1);
    await createPool("list-d", "other-ns");
    const page2 = (await api.listNamespacedCustomObject({
      ...pools,
      namespace: "other-ns",
      limit: 2,
      _continue: page1.metadata.continue,
    })) as { metadata: { continue?: string }; items: KubeObject[] };
    // Pages come from one snapshot: the object created in between is not in this list.
    expect(page2.items.map((i) => i.metadata.name)).toEqual(["list-c"]);
    expect(page2.metadata.continue).toBeUndefined();
  });
});

describe("watch", () => {
  it("streams ADDED, MODIFIED and DELETED from a resourceVersion, in order", async () => {
    const start = server.control.resourceVersion();
    const events = collect(POOLS_PATH, { resourceVersion: start }, (seen) => seen.some((s) => s.type === "DELETED"));
    await createPool("watch-a");
    await api.patchNamespacedCustomObject(
      { ...pools, namespace: "watch-ns", name: "watch-a", body: { metadata: { labels: { a: "b" } } } },
      mergePatch,
    );
    await api.deleteNamespacedCustomObject({ ...pools, namespace: "watch-ns", name: "watch-a" });
    const { seen } = await events;
    expect(seen.map((s) => `${s.type} ${s.name}`)).toEqual(["ADDED watch-a", "MODIFIED watch-a", "DELETED watch-a"]);
    const versions = seen.map((s) => Number(s.resourceVersion));
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
  });

  it("answers an expired resourceVersion with an ERROR event carrying a 410 Status", async () => {
    await createPool("watch-old");
    const old = String(Number(server.control.resourceVersion()) - 1);
    server.control.compactHistory();
    const { seen } = await collect(POOLS_PATH, { resourceVersion: old }, (s) => s.length > 0);
    expect(seen[0]?.type).toBe("ERROR");
    expect(seen[0]?.object).toMatchObject({ kind: "Status", code: 410, reason: "Expired" });
  });

  it("starts a watch without resourceVersion with the current objects as ADDED", async () => {
    await createPool("initial-a", "initial-ns");
    await createPool("initial-b", "initial-ns");
    const path = "/apis/azurebatch.gitops.dev/v1alpha1/namespaces/initial-ns/batchpools";
    const { seen } = await collect(path, {}, (s) => s.length === 2);
    expect(seen.map((s) => `${s.type} ${s.name}`)).toEqual(["ADDED initial-a", "ADDED initial-b"]);
  });

  it("turns selector transitions into ADDED and DELETED events", async () => {
    await createPool("selected", "watch-ns", { tier: "cpu" });
    const start = server.control.resourceVersion();
    const events = collect(POOLS_PATH, { resourceVersion: start, labelSelector: "tier=gpu" }, (seen) => seen.length === 2);
    await api.patchNamespacedCustomObject(
      { ...pools, namespace: "watch-ns", name: "selected", body: { metadata: { labels: { tier: "gpu" } } } },
      mergePatch,
    );
    await api.patchNamespacedCustomObject(
      { ...pools, namespace: "watch-ns", name: "selected", body: { metadata: { labels: { tier: "cpu" } } } },
      mergePatch,
    );
    const { seen } = await events;
    expect(seen.map((s) => `${s.type} ${s.name}`)).toEqual(["ADDED selected", "DELETED selected"]);
  });

  it("watches cluster-wide, also through the legacy /watch/ path prefix", async () => {
    const start = server.control.resourceVersion();
    const legacyPath = "/apis/azurebatch.gitops.dev/v1alpha1/watch/batchpools";
    const events = collect(legacyPath, { resourceVersion: start }, (seen) => seen.length === 2);
    await createPool("everywhere-1", "other-ns");
    await createPool("everywhere-2", "watch-ns");
    const { seen } = await events;
    expect(seen.map((s) => `${s.type} ${s.object.metadata.namespace}/${s.name}`)).toEqual([
      "ADDED other-ns/everywhere-1",
      "ADDED watch-ns/everywhere-2",
    ]);
  });

  it("sends BOOKMARK events with the current resourceVersion to watches that allow them", async () => {
    await createPool("bookmarked");
    const events = collect(
      POOLS_PATH,
      { resourceVersion: server.control.resourceVersion(), allowWatchBookmarks: "true" },
      (seen) => seen.length === 1,
    );
    await server.control.waitForWatches(1);
    server.control.sendBookmarks();
    const { seen } = await events;
    expect(seen[0]).toMatchObject({ type: "BOOKMARK", resourceVersion: server.control.resourceVersion() });
    expect(seen[0]?.object.kind).toBe("BatchPool");
  });

  it("ends a watch at timeoutSeconds with a final bookmark, so the client resumes where it was", async () => {
    const { seen, err } = await collect(
      POOLS_PATH,
      { resourceVersion: server.control.resourceVersion(), allowWatchBookmarks: "true", timeoutSeconds: "1" },
      () => false,
    );
    expect(err).toBeNull();
    expect(seen.map((s) => s.type)).toEqual(["BOOKMARK"]);
  });

  it("drops watches cleanly or by resetting the connection", async () => {
    const clean = collect(POOLS_PATH, { resourceVersion: server.control.resourceVersion() }, () => false);
    await server.control.waitForWatches(1);
    expect(server.control.dropWatches("close")).toBe(1);
    expect((await clean).err).toBeNull();
    const reset = collect(POOLS_PATH, { resourceVersion: server.control.resourceVersion() }, () => false);
    await server.control.waitForWatches(1);
    server.control.dropWatches("reset");
    expect((await reset).err).toBeInstanceOf(Error);
  });
});

describe("test controls", () => {
  it("injects a one-shot error for a verb and resource, and logs every request", async () => {
    await createPool("injected");
    server.control.clearRequests();
    server.control.injectError({ verb: "get", resource: "batchpools", name: "injected", code: 503 });
    const first = await expectStatus(api.getNamespacedCustomObject({ ...pools, namespace: "watch-ns", name: "injected" }));
    expect(first).toMatchObject({ code: 503, reason: "ServiceUnavailable" });
    const second = (await api.getNamespacedCustomObject({ ...pools, namespace: "watch-ns", name: "injected" })) as KubeObject;
    expect(second.metadata.name).toBe("injected");
    expect(server.control.requests({ resource: "batchpools" }).map((r) => `${r.verb} ${r.status}`)).toEqual(["get 503", "get 200"]);
  });

  it("reads and writes objects directly, and watchers see the direct writes", async () => {
    const created = await createPool("direct");
    const events = collect(POOLS_PATH, { resourceVersion: created.metadata.resourceVersion ?? "" }, (seen) => seen.length === 2);
    const stored = server.control.getObject({
      apiVersion: "azurebatch.gitops.dev/v1alpha1",
      kind: "BatchPool",
      namespace: "watch-ns",
      name: "direct",
    });
    expect(stored?.metadata.uid).toBe(created.metadata.uid);
    server.control.putObject({ ...created, status: { observedGeneration: 1 } });
    server.control.removeObject({ apiVersion: "azurebatch.gitops.dev/v1alpha1", kind: "BatchPool", namespace: "watch-ns", name: "direct" });
    const { seen } = await events;
    expect(seen.map((s) => s.type)).toEqual(["MODIFIED", "DELETED"]);
  });

  it("recovers an informer after a 410: it re-lists and sees changes made while it was away", async () => {
    await createPool("inf-a");
    const path = POOLS_PATH;
    const informer = makeInformer<KubernetesObject>(
      server.kubeConfig(),
      path,
      () => api.listNamespacedCustomObject({ ...pools, namespace: "watch-ns" }) as never,
    );
    const names = (): string[] =>
      informer
        .list("watch-ns")
        .map((o) => o.metadata?.name ?? "")
        .sort();
    await informer.start();
    await server.control.waitForWatches(1);
    expect(names()).toContain("inf-a");
    // Drop the watch and compact history while a change happens, so the resume gets 410 and must re-list.
    server.control.injectError({
      verb: "watch",
      resource: "batchpools",
      code: 410,
      reason: "Expired",
      message: "too old resource version",
    });
    server.control.dropWatches();
    await createPool("inf-b");
    await server.control.waitForWatches(1);
    await expect.poll(names).toContain("inf-b");
    await informer.stop();
    const lists = server.control.requests({ verb: "list", resource: "batchpools", namespace: "watch-ns" });
    expect(lists.length).toBeGreaterThanOrEqual(2);
  });
});
