// The Kubernetes DesiredSource without the engine: which keys it emits and when, scoping,
// Secret-driven requeues, and a pool deletion that waits for the jobs using it; and the Finalizers
// port the engine calls before its first Batch write and after a prune.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestApiServer, type TestApiServer } from "./apiserver/index.js";
import { KubernetesSource, type KubernetesSourceOptions } from "../../controller/kubernetes/kubernetesSource.js";
import { CustomResourceClient } from "../../controller/kubernetes/customObjects.js";
import { FinalizerManager, KubeFinalizers } from "../../controller/kubernetes/finalizers.js";
import { KubeSecretResolver } from "../../controller/kubernetes/secretResolver.js";
import { SecretValues } from "../../controller/kubernetes/redaction.js";
import { FINALIZER, REQUESTED_AT_ANNOTATION } from "../../controller/kubernetes/resources.js";
import type { ResourceKey } from "../../controller/runtime/ports.js";
import {
  accountObject,
  clients,
  createResource,
  deleteResource,
  jobObject,
  mergePatchResource,
  poolObject,
  until,
  type ClusterClients,
} from "./cluster-harness.js";
import { API_GROUP, API_VERSION } from "../../controller/kubernetes/resources.js";

describe("Kubernetes source", () => {
  let server: TestApiServer;
  let api: ClusterClients;
  let abort: AbortController;
  let emitted: ResourceKey[];
  let source: KubernetesSource;
  let finalizers: KubeFinalizers;
  let blocked: string[];

  beforeEach(async () => {
    server = await startTestApiServer({ namespaces: ["team-a", "team-b"] });
    api = clients(server.kubeConfig());
    abort = new AbortController();
    emitted = [];
    blocked = [];
  });

  afterEach(async () => {
    abort.abort();
    await server.close();
  });

  async function start(options: Partial<KubernetesSourceOptions> = {}): Promise<void> {
    const client = new CustomResourceClient(api.custom);
    source = new KubernetesSource({
      client,
      watch: api.watch,
      backoff: { baseMs: 10, maxMs: 100 },
      onDeletionBlocked: (key, jobs) => blocked.push(`${key} waits for ${jobs.join(",")}`),
      ...options,
    });
    finalizers = new KubeFinalizers(new FinalizerManager(client), (key) => source.object(key));
    await source.start((key) => emitted.push(key), abort.signal);
  }

  const stored = (kind: "BatchPool" | "BatchJob", name: string) =>
    server.control.getObject({ apiVersion: `${API_GROUP}/${API_VERSION}`, kind, namespace: "team-a", name });

  const emittedSince = (mark: number): ResourceKey[] => emitted.slice(mark);

  it("emits the key of a new object; the Finalizers port adds the finalizer once and releases it", async () => {
    await createResource(api.custom, "BatchPool", poolObject("render", "team-a"));
    await start();
    await until(() => emitted.includes("BatchPool/team-a/render"), "the key");
    expect(source.get("BatchPool/team-a/render")).toMatchObject({
      kind: "BatchPool",
      namespace: "team-a",
      name: "render",
      generation: 1,
      deletionRequested: false,
    });
    expect(source.keys()).toEqual(["BatchPool/team-a/render"]);

    expect(await finalizers.ensure("BatchPool/team-a/render")).toBe("added");
    expect(stored("BatchPool", "render")?.metadata.finalizers).toEqual([FINALIZER]);
    await until(() => source.object("BatchPool/team-a/render")?.metadata?.finalizers !== undefined, "the finalizer in the cache");
    const version = stored("BatchPool", "render")?.metadata.resourceVersion;
    expect(await finalizers.ensure("BatchPool/team-a/render")).toBe("present");
    expect(stored("BatchPool", "render")?.metadata.resourceVersion).toBe(version);

    await finalizers.release("BatchPool/team-a/render");
    expect(stored("BatchPool", "render")?.metadata.finalizers ?? []).toEqual([]);
    await until(() => emitted.filter((k) => k === "BatchPool/team-a/render").length === 2, "a pass for the stripped finalizer");
  });

  it("skips status-only updates; spec changes and requestedAt force a reconcile", async () => {
    await start();
    await createResource(api.custom, "BatchPool", poolObject("render", "team-a"));
    await until(() => emitted.length === 1, "the first key");
    await finalizers.ensure("BatchPool/team-a/render");
    await until(() => source.object("BatchPool/team-a/render")?.metadata?.finalizers !== undefined, "the finalizer in the cache");
    expect(emitted).toHaveLength(1);

    const status = {
      apiVersion: `${API_GROUP}/${API_VERSION}`,
      kind: "BatchPool",
      metadata: { name: "render", namespace: "team-a" },
      status: { observedGeneration: 1 },
    };
    const current = source.object("BatchPool/team-a/render");
    await api.custom.replaceNamespacedCustomObjectStatus({
      group: API_GROUP,
      version: API_VERSION,
      namespace: "team-a",
      plural: "batchpools",
      name: "render",
      body: { ...status, spec: current?.spec, metadata: { ...current?.metadata } },
    });
    await until(() => source.object("BatchPool/team-a/render")?.status !== undefined, "the status update in the cache");
    expect(emitted).toHaveLength(1);

    await mergePatchResource(api.custom, "BatchPool", "team-a", "render", {
      metadata: { annotations: { [REQUESTED_AT_ANNOTATION]: "2025-01-01T00:00:00Z" } },
    });
    await until(() => emitted.length === 2, "a requested reconcile");
    await mergePatchResource(api.custom, "BatchPool", "team-a", "render", { spec: { scale: { fixed: { targetDedicatedNodes: 4 } } } });
    await until(() => emitted.length === 3, "a spec change");
    expect(source.get("BatchPool/team-a/render")?.generation).toBe(2);
  });

  it("is scoped by namespace and label selector", async () => {
    const labelled = poolObject("sharded", "team-a");
    await createResource(api.custom, "BatchPool", { ...labelled, metadata: { ...labelled.metadata, labels: { shard: "one" } } });
    await createResource(api.custom, "BatchPool", poolObject("unlabelled", "team-a"));
    await createResource(api.custom, "BatchPool", {
      ...labelled,
      metadata: { ...labelled.metadata, namespace: "team-b", labels: { shard: "one" } },
    });
    await start({ namespace: "team-a", labelSelector: "shard=one" });
    await until(() => emitted.length >= 1, "the in-scope key");
    expect(source.keys()).toEqual(["BatchPool/team-a/sharded"]);
    expect(source.get("BatchPool/team-a/unlabelled")).toBeUndefined();
    expect(
      server.control.getObject({ apiVersion: `${API_GROUP}/${API_VERSION}`, kind: "BatchPool", namespace: "team-b", name: "sharded" })
        ?.metadata.finalizers,
    ).toBeUndefined();
  });

  it("re-queues exactly the resources that reference a changed Secret", async () => {
    const resolver = new KubeSecretResolver({ api: api.core, watch: api.watch, values: new SecretValues() });
    await api.core.createNamespacedSecret({ namespace: "team-a", body: { metadata: { name: "acr" }, stringData: { password: "first" } } });
    await createResource(api.custom, "BatchPool", poolObject("private", "team-a", { registrySecret: { name: "acr", key: "password" } }));
    await createResource(api.custom, "BatchPool", poolObject("public", "team-a"));
    await start({ secretChanges: resolver });
    await until(() => new Set(emitted).size === 2, "both pools");
    const mark = emitted.length;

    await api.core.replaceNamespacedSecret({
      namespace: "team-a",
      name: "acr",
      body: { metadata: { name: "acr" }, stringData: { password: "rotated" } },
    });
    await until(() => emittedSince(mark).length > 0, "a requeue");
    await api.core.createNamespacedSecret({ namespace: "team-a", body: { metadata: { name: "unrelated" }, stringData: { x: "y" } } });
    await until(async () => (await resolver.resolveSecret("team-a", { name: "acr", key: "password" })) === "rotated", "the rotated value");
    expect(new Set(emittedSince(mark))).toEqual(new Set(["BatchPool/team-a/private"]));
  });

  it("watches BatchAccounts: an account, or the Secret of its key, changing re-queues it and the pools naming it", async () => {
    const resolver = new KubeSecretResolver({ api: api.core, watch: api.watch, values: new SecretValues() });
    await api.core.createNamespacedSecret({ namespace: "team-a", body: { metadata: { name: "east-key" }, stringData: { key: "first" } } });
    const inEast = poolObject("render", "team-a");
    await createResource(api.custom, "BatchPool", { ...inEast, spec: { ...inEast.spec, accountRef: { name: "east" } } });
    await createResource(api.custom, "BatchPool", poolObject("shared", "team-a"));
    await start({ secretChanges: resolver });
    await until(() => new Set(emitted).size === 2, "both pools");
    expect(source.get("BatchAccount/team-a/east")).toBeUndefined();

    // The account the pool waited for (AccountNotFound) appears: both are reconciled.
    let mark = emitted.length;
    await createResource(
      api.custom,
      "BatchAccount",
      accountObject("east", "team-a", "https://teameast.eastus.batch.azure.com", "teameast", "east-key"),
    );
    await until(() => emittedSince(mark).length >= 2, "the account and its pool");
    expect(new Set(emittedSince(mark))).toEqual(new Set(["BatchAccount/team-a/east", "BatchPool/team-a/render"]));
    expect(source.get("BatchAccount/team-a/east")?.spec).toMatchObject({
      auth: { sharedKey: { secretRef: { name: "east-key", key: "key" } } },
    });
    expect(source.keys()).toContain("BatchAccount/team-a/east");

    // Its key rotated: the account and its pool again, not the pool of the default account.
    mark = emitted.length;
    await api.core.replaceNamespacedSecret({
      namespace: "team-a",
      name: "east-key",
      body: { metadata: { name: "east-key" }, stringData: { key: "rotated" } },
    });
    await until(() => emittedSince(mark).length >= 2, "a requeue of the account and its pool");
    expect(new Set(emittedSince(mark))).toEqual(new Set(["BatchAccount/team-a/east", "BatchPool/team-a/render"]));
  });

  it("a pool's deletion waits while a BatchJob references it, and proceeds once the job is gone", async () => {
    await createResource(api.custom, "BatchPool", poolObject("shared", "team-a"));
    await createResource(api.custom, "BatchJob", jobObject("render-frames", "team-a", "shared"));
    await start();
    await until(() => new Set(emitted).size === 2, "both keys");
    // As the engine does before its first Batch write for each.
    await finalizers.ensure("BatchPool/team-a/shared");
    await finalizers.ensure("BatchJob/team-a/render-frames");
    await until(() => source.object("BatchPool/team-a/shared")?.metadata?.finalizers !== undefined, "the pool's finalizer");

    await deleteResource(api.custom, "BatchPool", "team-a", "shared");
    await until(() => blocked.length === 1, "the blocked deletion");
    expect(blocked).toEqual(["BatchPool/team-a/shared waits for render-frames"]);
    expect(source.get("BatchPool/team-a/shared")?.deletionRequested).toBe(false);
    const status = source.adjustStatus("BatchPool/team-a/shared", { conditions: [] });
    expect(status.conditions.find((c) => c.type === "Ready")).toMatchObject({ status: "False", reason: "DeletionBlocked" });

    const mark = emitted.length;
    // The job's own cleanup finished: its finalizer goes and the object disappears.
    await mergePatchResource(api.custom, "BatchJob", "team-a", "render-frames", { metadata: { finalizers: null } });
    await deleteResource(api.custom, "BatchJob", "team-a", "render-frames");
    await until(
      () => emittedSince(mark).includes("BatchPool/team-a/shared") && source.get("BatchPool/team-a/shared")?.deletionRequested === true,
      "the pool's deletion to proceed",
    );
  });
});
