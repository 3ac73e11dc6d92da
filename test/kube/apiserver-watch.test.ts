import { CustomObjectsApi, PatchStrategy, Watch, makeInformer, setHeaderOptions } from "@kubernetes/client-node";
import type { KubernetesObject } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aPool } from "../helpers/resources.js";
import { startTestApiServer } from "./apiserver/index.js";
import type { KubeObject, TestApiServer } from "./apiserver/index.js";

const pools = { group: "azurebatch.gitops.dev", version: "v1alpha1", plural: "batchpools" };
const POOLS_PATH = "/apis/azurebatch.gitops.dev/v1alpha1/namespaces/watch-ns/batchpools";
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

let server: TestApiServer;
let api: CustomObjectsApi;

beforeAll(async () => {
  server = await startTestApiServer({ namespaces: ["watch-ns", "other-ns"] });
  api = server.kubeConfig().makeApiClient(CustomObjectsApi);
});
afterAll(async () => server.close());

const createPool = async (name: string, namespace = "watch-ns", labels: Record<string, string> = {}): Promise<KubeObject> => {
  const body = aPool({ name, namespace }).build();
  return (await api.createNamespacedCustomObject({ ...pools, namespace, body: { ...body, metadata: { ...body.metadata, labels } } })) as KubeObject;
};

interface Seen {
  type: string;
  name: string | undefined;
  resourceVersion: string | undefined;
}

/** Opens a raw watch and collects events until `until` says stop; resolves with them and the done error. */
async function collect(path: string, query: Record<string, string>, until: (seen: Seen[]) => boolean): Promise<{ seen: Seen[]; err: unknown }> {
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
          seen.push({ type, name: obj.metadata?.name, resourceVersion: obj.metadata?.resourceVersion });
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
    const list = (await api.listNamespacedCustomObject({ ...pools, namespace: "other-ns" })) as { metadata: { resourceVersion: string }; items: KubeObject[] };
    expect(list.items.map((i) => i.metadata.name)).toEqual(["list-a", "list-b", "list-c"]);
    expect(Number(list.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(list.items[2]?.metadata.resourceVersion));
    const gpu = (await api.listNamespacedCustomObject({ ...pools, namespace: "other-ns", labelSelector: "tier in (gpu),tier!=cpu" })) as { items: KubeObject[] };
    expect(gpu.items.map((i) => i.metadata.name)).toEqual(["list-a", "list-c"]);
    const byName = (await api.listClusterCustomObject({ ...pools, fieldSelector: "metadata.name=list-b" })) as { items: KubeObject[] };
    expect(byName.items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`)).toEqual(["other-ns/list-b"]);
    const page1 = (await api.listNamespacedCustomObject({ ...pools, namespace: "other-ns", limit: 2 })) as { metadata: { continue?: string; remainingItemCount?: number }; items: KubeObject[] };
    expect(page1.items).toHaveLength(2);
    expect(page1.metadata.remainingItemCount).toBe(1);
    await createPool("list-d", "other-ns");
    const page2 = (await api.listNamespacedCustomObject({ ...pools, namespace: "other-ns", limit: 2, _continue: page1.metadata.continue })) as { metadata: { continue?: string }; items: KubeObject[] };
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
    await api.patchNamespacedCustomObject({ ...pools, namespace: "watch-ns", name: "watch-a", body: { metadata: { labels: { a: "b" } } } }, mergePatch);
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
    const raw: unknown[] = [];
    const { seen } = await collect(POOLS_PATH, { resourceVersion: old }, (s) => s.length > 0);
    raw.push(...seen);
    expect(seen[0]?.type).toBe("ERROR");
  });

  it("recovers an informer after a 410: it re-lists and sees changes made while it was away", async () => {
    await createPool("inf-a");
    const path = POOLS_PATH;
    const informer = makeInformer<KubernetesObject>(server.kubeConfig(), path, () => api.listNamespacedCustomObject({ ...pools, namespace: "watch-ns" }) as never);
    const names = (): string[] => informer.list("watch-ns").map((o) => o.metadata?.name ?? "").sort();
    await informer.start();
    await server.control.waitForWatches(1);
    expect(names()).toContain("inf-a");
    // Drop the watch and compact history while a change happens, so the resume gets 410 and must re-list.
    server.control.injectError({ verb: "watch", resource: "batchpools", code: 410, reason: "Expired", message: "too old resource version" });
    server.control.dropWatches();
    await createPool("inf-b");
    await server.control.waitForWatches(1);
    await expect.poll(names).toContain("inf-b");
    await informer.stop();
    const lists = server.control.requests({ verb: "list", resource: "batchpools", namespace: "watch-ns" });
    expect(lists.length).toBeGreaterThanOrEqual(2);
  });
});
