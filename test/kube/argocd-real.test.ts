// The Argo CD health check (manifests/deploy/argocd/health, run in a Lua VM) against status written
// by real reconciles: Healthy, Progressing, Degraded and Suspended as Argo CD would show them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmulatorControlClient } from "../../emulator/control-client.js";
import type { CustomResource } from "../../controller/kubernetes/resources.js";
import { API_GROUP_VERSION, collectionPath } from "../../controller/kubernetes/resources.js";
import { startClusterRig, type ClusterRig } from "./cluster-rig.js";
import { createResource, jobObject, poolObject, until } from "./cluster-harness.js";
import { runArgoHealth, type ArgoHealthKind } from "./helpers/lua.js";

describe("Argo CD health on real status", () => {
  let rig: ClusterRig;
  const stop = new AbortController();
  /** Every version of every pool/job the API server sent on a watch, in order. */
  const versions: CustomResource[] = [];

  beforeAll(async () => {
    rig = await startClusterRig();
    for (const kind of ["BatchPool", "BatchJob"] as const) {
      const controller = await rig.api.watch.watch(
        collectionPath(kind, "team-a"),
        {},
        (_phase, object) => versions.push(object as CustomResource),
        () => undefined,
      );
      stop.signal.addEventListener("abort", () => controller.abort());
    }
    await rig.startReplica();
  });

  afterAll(async () => {
    stop.abort();
    await rig.close();
  });

  const stored = (kind: ArgoHealthKind, name: string): CustomResource | undefined =>
    rig.server.control.getObject({ apiVersion: API_GROUP_VERSION, kind, namespace: "team-a", name }) as CustomResource | undefined;
  const health = async (kind: ArgoHealthKind, name: string): Promise<string> => (await runArgoHealth(kind, stored(kind, name))).status;
  const historyOf = async (kind: ArgoHealthKind, name: string): Promise<string[]> => {
    const mine = versions.filter((v) => v.kind === kind && v.metadata?.name === name && v.status?.conditions !== undefined);
    const statuses = await Promise.all(mine.map(async (v) => (await runArgoHealth(kind, v)).status));
    return statuses.filter((s, i) => s !== statuses[i - 1]);
  };

  it("a pool and a job go Progressing → Healthy", async () => {
    await createResource(rig.api.custom, "BatchPool", poolObject("render", "team-a", { nodes: 2 }));
    await createResource(rig.api.custom, "BatchJob", jobObject("frames", "team-a", "render", 3));
    await until(
      async () => (await health("BatchPool", "render")) === "Healthy" && (await health("BatchJob", "frames")) === "Healthy",
      "both Healthy",
    );
    // The history comes from a watch, whose events may trail the stored object: wait for it to catch up.
    await until(
      async () =>
        (await historyOf("BatchPool", "render")).at(-1) === "Healthy" && (await historyOf("BatchJob", "frames")).at(-1) === "Healthy",
      "the watched history to reach Healthy",
    );
    expect(await historyOf("BatchPool", "render")).toEqual(["Progressing", "Healthy"]);
    expect((await historyOf("BatchJob", "frames")).at(-1)).toBe("Healthy");
  });

  it("a pool Batch refuses (pool quota of the account reached) is Degraded", async () => {
    const control = new EmulatorControlClient(rig.emulator.url);
    await control.setQuota({ pools: 1 });
    await createResource(rig.api.custom, "BatchPool", poolObject("greedy", "team-a", { nodes: 1 }));
    await until(async () => (await health("BatchPool", "greedy")) === "Degraded", "the pool to be Degraded").catch((err: unknown) => {
      throw new Error(`${String(err)}: ${JSON.stringify(stored("BatchPool", "greedy")?.status)}`);
    });
    const result = await runArgoHealth("BatchPool", stored("BatchPool", "greedy"));
    expect(result.message).toContain("PoolQuotaReached");
    await control.setQuota({ pools: 100 });
  });

  it("a suspended pool is Suspended", async () => {
    await createResource(rig.api.custom, "BatchPool", poolObject("paused", "team-a", { suspend: true }));
    await until(() => stored("BatchPool", "paused")?.status?.observedGeneration === 1, "the reconcile of the suspended pool");
    expect(await health("BatchPool", "paused")).toBe("Suspended");
  });
});
