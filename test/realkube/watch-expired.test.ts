/**
 * A real 410 Gone: the controller is cut off from the API server, objects change meanwhile, etcd
 * compacts its history, and the controller's watch resumes from a resourceVersion that no longer
 * exists. It must re-list and reconcile every change it missed.
 *
 * This file runs its own etcd and kube-apiserver with `--watch-cache=false`: with the watch cache a
 * resourceVersion a few seconds old is still served from memory, and only a long outage (minutes of
 * history, beyond the cache) would give a 410. Without it, watches read etcd, as after such an outage.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CustomResource } from "../../controller/kubernetes/resources.js";
import { startEmulator, type RunningEmulator } from "../../emulator/index.js";
import { startLocalCluster, stopLocalCluster, type LocalClusterState } from "../../scripts/kube/localCluster.js";
import { createResource, getResource, mergePatchResource, poolObject, until } from "../kube/cluster-harness.js";
import { waitForCrdsEstablished } from "./crdsEstablished.js";
import { kubectl, realKube, type RealKubeContext } from "./context.js";
import { startReplica, type ControllerReplica } from "./controllerRig.js";
import { startPartitionProxy, type PartitionProxy } from "../helpers/partitionProxy.js";

const NS = "team-a";
const kube = realKube();

/** etcd's JSON gateway: the current revision, then a compaction of everything before it. */
async function compactEtcd(etcdUrl: string): Promise<number> {
  const post = async (path: string, body: object): Promise<Record<string, unknown>> => {
    const response = await fetch(`${etcdUrl}${path}`, { method: "POST", body: JSON.stringify(body) });
    expect(response.status, path).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  };
  const range = await post("/v3/kv/range", { key: Buffer.from("/").toString("base64"), limit: 1 });
  const revision = Number((range.header as { revision: string }).revision);
  await post("/v3/kv/compaction", { revision, physical: true });
  return revision;
}

describe.skipIf(kube === undefined)("watch expiry (410 Gone) after an etcd compaction", () => {
  let dir: string;
  let cluster: LocalClusterState;
  let custom: CustomObjectsApi;
  let proxy: PartitionProxy;
  let emulator: RunningEmulator;
  let replica: ControllerReplica;
  const logs: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "realkube-410-"));
    cluster = await startLocalCluster({ dir, apiServerArgs: ["--watch-cache=false"] });
    const context: RealKubeContext = {
      ...(kube as RealKubeContext),
      dir,
      kubeconfig: cluster.kubeconfig,
      serverUrl: cluster.serverUrl,
      etcdUrl: cluster.etcdUrl,
    };
    await kubectl(context, ["apply", "--server-side", "-k", "crds/"]);
    await waitForCrdsEstablished(cluster.kubeconfig, ["batchpools.azurebatch.gitops.dev", "batchjobs.azurebatch.gitops.dev"]);
    await kubectl(context, ["create", "namespace", NS]);
    const admin = new KubeConfig();
    admin.loadFromFile(cluster.kubeconfig);
    custom = admin.makeApiClient(CustomObjectsApi);

    // The controller reaches the server only through the proxy.
    proxy = await startPartitionProxy(cluster.serverUrl);
    const viaProxy = new KubeConfig();
    viaProxy.loadFromFile(cluster.kubeconfig);
    (viaProxy.getCurrentCluster() as { server: string }).server = proxy.url;
    const kubeconfig = join(dir, "via-proxy.kubeconfig");
    writeFileSync(kubeconfig, viaProxy.exportConfig());
    emulator = await startEmulator({ timingPreset: "fast" });
    replica = startReplica({ emulator, kubeconfig, logs, name: "watcher" });
  });

  afterAll(async () => {
    await replica?.stop();
    await proxy?.close();
    await emulator?.close();
    await stopLocalCluster(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  const read = (name: string): Promise<CustomResource> => getResource(custom, "BatchPool", NS, name);
  const readyAt = async (name: string, generation: number): Promise<boolean> => {
    const object = await read(name).catch(() => undefined);
    const ready = (object?.status?.conditions as { type: string; status: string }[] | undefined)?.find((c) => c.type === "Ready");
    return ready?.status === "True" && object?.status?.observedGeneration === generation;
  };

  it("re-lists after the 410 and reconciles what changed while it was cut off", async () => {
    await createResource(custom, "BatchPool", poolObject("before", NS, { nodes: 1 }));
    await until(() => readyAt("before", 1), "the first pool to be Ready", 90_000);

    proxy.cut();
    await createResource(custom, "BatchPool", poolObject("during", NS, { nodes: 1 }));
    await mergePatchResource(custom, "BatchPool", NS, "before", { spec: { scale: { fixed: { targetDedicatedNodes: 2 } } } });
    await compactEtcd(cluster.etcdUrl);
    proxy.heal();

    await until(() => logs.some((l) => l.includes("410 Gone")), "the controller to meet the 410", 90_000);
    await until(() => readyAt("during", 1), "the pool created during the cut to be Ready", 90_000);
    await until(() => readyAt("before", 2), "the change made during the cut to be reconciled", 90_000);
    expect((await read("before")).status).toMatchObject({ nodes: "2/2" });
  });
});
