/**
 * Leader election on a real API server, with real processes: three `batch-gitops run --source
 * kubernetes --leader-elect` replicas authenticated as the controller's ServiceAccount share one
 * Lease; the leader is killed with SIGKILL (no Lease release), another takes over once the Lease
 * expires, reconciles the change made meanwhile, and Batch sees no duplicate write.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoordinationV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CustomResource } from "../../controller/kubernetes/resources.js";
import { startEmulator, type RunningEmulator } from "../../emulator/index.js";
import { createResource, getResource, mergePatchResource, poolObject, until } from "../kube/cluster-harness.js";
import { kubectl, realKube, type RealKubeContext } from "./context.js";
import { CONTROLLER_NAMESPACE, installController, serviceAccountKubeconfig } from "./controllerRig.js";

const NS = "team-ha";
const LEASE = "batch-gitops-ha";
const kube = realKube();

describe.skipIf(kube === undefined)("leader election: three replica processes, SIGKILL of the leader", () => {
  const k = kube as RealKubeContext;
  let emulator: RunningEmulator;
  let custom: CustomObjectsApi;
  let coordination: CoordinationV1Api;
  let stateDir: string;
  const replicas = new Map<string, ChildProcess>();
  const writes = new Map<string, number>();

  beforeAll(async () => {
    await installController(k);
    await kubectl(k, ["create", "namespace", NS]);
    const kubeconfig = await serviceAccountKubeconfig(k, join(k.dir, "failover.kubeconfig"));
    emulator = await startEmulator({ timingPreset: "fast" });
    emulator.observe(({ operationId, status }) => {
      if (status !== "dropped" && status < 300 && /_(Add|Resize|Patch|Delete|UpdateProperties)/.test(operationId)) {
        writes.set(operationId, (writes.get(operationId) ?? 0) + 1);
      }
    });
    const admin = new KubeConfig();
    admin.loadFromFile(k.kubeconfig);
    custom = admin.makeApiClient(CustomObjectsApi);
    coordination = admin.makeApiClient(CoordinationV1Api);
    stateDir = mkdtempSync(join(tmpdir(), "realkube-ha-"));
    for (const name of ["ha-0", "ha-1", "ha-2"]) {
      const args = [
        "bin/batch-gitops.js",
        "run",
        "--source",
        "kubernetes",
        "--kubeconfig",
        kubeconfig,
        "--namespace",
        NS,
        "--leader-elect",
        "--lease-name",
        LEASE,
        "--lease-namespace",
        CONTROLLER_NAMESPACE,
        "--lease-duration",
        "3s",
        "--renew-deadline",
        "2s",
        "--retry-period",
        "500ms",
        "--batch-url",
        emulator.url,
        "--auth",
        "shared-key",
        "--http-addr",
        "off",
        "--view",
        "off",
        "--log-format",
        "json",
        "--log-level",
        "warn",
        "--state-dir",
        join(stateDir, name),
      ];
      const env = { ...process.env, POD_NAME: name, BATCH_ACCOUNT_NAME: emulator.account.name, BATCH_ACCOUNT_KEY: emulator.account.key };
      replicas.set(name, spawn(process.execPath, args, { env, stdio: ["ignore", "ignore", "inherit"] }));
    }
  });

  afterAll(async () => {
    for (const child of replicas.values()) child.kill("SIGKILL");
    await emulator?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const holder = async (): Promise<string | undefined> =>
    (
      await coordination.readNamespacedLease({ name: LEASE, namespace: CONTROLLER_NAMESPACE }).catch(() => undefined)
    )?.spec?.holderIdentity?.split("_")[0];
  const read = (name: string): Promise<CustomResource> => getResource(custom, "BatchPool", NS, name);
  const readyAt = async (name: string, generation: number): Promise<boolean> => {
    const object = await read(name);
    const ready = (object.status?.conditions as { type: string; status: string }[] | undefined)?.find((c) => c.type === "Ready");
    return ready?.status === "True" && object.status?.observedGeneration === generation;
  };

  it("one leader reconciles; after kill -9 another takes over the Lease and the pending change, with no duplicate Batch write", async () => {
    await createResource(custom, "BatchPool", poolObject("ha", NS, { nodes: 1 }));
    await until(() => readyAt("ha", 1), "the pool to be Ready under the first leader", 120_000);
    const first = await holder();
    expect(first).toMatch(/^ha-[012]$/);
    expect(writes.get("Pool_Add")).toBe(1);

    replicas.get(String(first))?.kill("SIGKILL");
    await mergePatchResource(custom, "BatchPool", NS, "ha", { spec: { scale: { fixed: { targetDedicatedNodes: 2 } } } });
    await until(
      async () => {
        const now = await holder();
        return now !== undefined && now !== first;
      },
      "another replica to take the Lease",
      120_000,
    );
    await until(() => readyAt("ha", 2), "the change to be reconciled by the new leader", 120_000);

    // Each Batch write happened once: the dead leader's and the new leader's work did not overlap.
    expect(writes.get("Pool_Add")).toBe(1);
    expect(writes.get("Pool_Resize")).toBe(1);
  }, 400_000);
});
