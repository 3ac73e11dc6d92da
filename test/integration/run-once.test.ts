/**
 * `batch-gitops run --once` end to end, in-process: manifests directory → engine → emulator over
 * HTTP through @azure/batch → status file.
 */
import { mkdir, mkdtemp, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../controller/cli/main.js";
import { readStatusFile } from "../../controller/runtime/statusStore.js";
import { devAccount, startEmulator, type RunningEmulator } from "../../emulator/index.js";

const pool = (name: string, nodes: number): string => `apiVersion: azurebatch.gitops.dev/v1alpha1
kind: BatchPool
metadata:
  name: ${name}
spec:
  vmSize: standard_d2s_v3
  image:
    marketplace: { publisher: microsoft-dsvm, offer: ubuntu-hpc, sku: "2204", version: latest }
  nodeAgentSkuId: batch.node.ubuntu 22.04
  scale:
    fixed: { targetDedicatedNodes: ${nodes} }
  deletionPolicy: Delete
`;

describe("run --once", () => {
  let emulator: RunningEmulator;
  let client: BatchServiceClient;
  let root: string;
  let dir: string;
  let stateDir: string;
  const writes: string[] = [];

  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.observe(({ operationId, status }) => {
      if (!/_(List|Get|GetTaskCounts)$/.test(operationId) && status !== "dropped" && status < 300) writes.push(operationId);
    });
    client = new BatchServiceClient(new BatchSharedKeyCredentials(devAccount.name, devAccount.key), emulator.url);
    process.env.BATCH_ACCOUNT_NAME = devAccount.name;
    process.env.BATCH_ACCOUNT_KEY = devAccount.key;
  });
  afterAll(async () => {
    delete process.env.BATCH_ACCOUNT_NAME;
    delete process.env.BATCH_ACCOUNT_KEY;
    await emulator.close();
  });
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "run-once-"));
    dir = join(root, "manifests");
    stateDir = join(root, "state");
    await mkdir(dir);
    writes.length = 0;
    return () => rm(root, { recursive: true, force: true });
  });

  const runOnce = (...extra: string[]): Promise<number> =>
    main(["run", "--once", "--dir", dir, "--batch-url", emulator.url, "--state-dir", stateDir, "--http-addr", "off", "--view", "off", "--log-level", "silent", ...extra]);

  const batchPools = async (): Promise<{ id: string; target: number; owner: string | undefined }[]> =>
    (await client.pool.list()).map((p) => ({
      id: p.id ?? "",
      target: p.targetDedicatedNodes ?? 0,
      owner: p.metadata?.find((m) => m.name === "batch-gitops/owner")?.value,
    }));

  async function steady(poolId: string): Promise<void> {
    await vi.waitFor(async () => expect((await client.pool.get(poolId)).allocationState).toBe("steady"), { timeout: 60_000, interval: 50 });
  }

  it("creates what the manifests describe, records status in the state dir, then prunes a removed manifest", async () => {
    await writeFile(join(dir, "render.yaml"), pool("render", 2));
    expect(await runOnce()).toBe(0);
    const created = (await batchPools()).filter((p) => p.owner === "BatchPool/default/render");
    expect(created).toEqual([{ id: expect.stringMatching(/^render-[0-9a-f]{8}$/), target: 2, owner: "BatchPool/default/render" }]);
    const status = await readStatusFile(join(stateDir, "status.json"));
    expect(status?.resources.map((r) => [r.key, r.source?.location])).toEqual([["BatchPool/default/render", "render.yaml"]]);
    expect(status?.resources[0]?.status.batchIds).toContain(created[0]?.id);

    // One pass does not wait for Batch: let the first resize finish before asking for another.
    await steady(created[0]?.id ?? "");
    await writeFile(join(dir, "render.yaml"), pool("render", 3));
    expect(await runOnce()).toBe(0);
    expect((await batchPools()).find((p) => p.id === created[0]?.id)?.target).toBe(3);

    await unlink(join(dir, "render.yaml"));
    expect(await runOnce()).toBe(0);
    const after = (await batchPools()).find((p) => p.id === created[0]?.id);
    // Deleting is asynchronous in Batch: the pool is gone or on its way out.
    const state = after === undefined ? "gone" : (await client.pool.get(after.id)).state;
    expect(["gone", "deleting"]).toContain(state);
    const deleting = (await readStatusFile(join(stateDir, "status.json")))?.resources;
    expect(deleting?.map((r) => [r.key, r.status.conditions.find((c) => c.type === "Ready")?.reason])).toEqual([["BatchPool/default/render", "Deleting"]]);

    // Once Batch has finished deleting, the next start drops the resource from the status file.
    await vi.waitFor(async () => expect((await batchPools()).map((p) => p.id)).not.toContain(created[0]?.id), { timeout: 60_000, interval: 50 });
    expect(await runOnce()).toBe(0);
    expect((await readStatusFile(join(stateDir, "status.json")))?.resources).toEqual([]);
  });

  it("converges the valid manifests beside an invalid one, reports it, writes nothing for it, and exits 1", async () => {
    await writeFile(join(dir, "good.yaml"), pool("good", 1));
    await writeFile(join(dir, "bad.yaml"), pool("bad", 1).replace("vmSize: standard_d2s_v3", "vmSize: 42"));
    expect(await runOnce()).toBe(1);
    const owners = (await batchPools()).map((p) => p.owner);
    expect(owners).toContain("BatchPool/default/good");
    expect(owners).not.toContain("BatchPool/default/bad");
    expect(writes.filter((w) => w === "Pool_Add")).toHaveLength(1);
    const status = await readStatusFile(join(stateDir, "status.json"));
    expect(status?.problems).toContainEqual(expect.objectContaining({ key: "BatchPool/default/bad", file: "bad.yaml", severity: "error" }));
    const bad = status?.resources.find((r) => r.key === "BatchPool/default/bad");
    expect(bad?.status.conditions).toContainEqual(expect.objectContaining({ type: "Stalled", status: "True" }));
  });

  it("exits 1 when Batch calls of the pass failed (a retry it cannot wait for), with the error in status", async () => {
    await writeFile(join(dir, "flaky.yaml"), pool("flaky", 1));
    const fault = emulator.control.faults.add({ operationId: "Pool_Add", kind: "error" });
    try {
      expect(await runOnce()).toBe(1);
    } finally {
      emulator.control.faults.remove(fault.id);
    }
    const flaky = (await readStatusFile(join(stateDir, "status.json")))?.resources.find((r) => r.key === "BatchPool/default/flaky");
    expect(flaky?.status.conditions).toContainEqual(expect.objectContaining({ type: "Ready", status: "False", reason: "BatchError" }));
    // The next pass, with the service healthy again, converges and exits 0.
    expect(await runOnce()).toBe(0);
    expect((await batchPools()).map((p) => p.owner)).toContain("BatchPool/default/flaky");
  });

  it("refuses bad flags with exit code 2 before touching anything", async () => {
    expect(await runOnce("--resync-interval", "often")).toBe(2);
    expect(writes).toEqual([]);
  });
});
