/**
 * Adopting a Batch job created by another client (the raw @azure/batch SDK): spec.adopt.jobId takes
 * it over like spec.adopt.poolId takes over a pool. The tasks already in it are kept as they are
 * (exactly once, ADR 0003: never deleted, replaced or added again, even when the manifest words
 * them differently); only the missing ones are added; the job is stamped as ours and the
 * adoption is reported (event Adopted). Without spec.adopt.jobId the same manifest is JobIdTaken.
 */
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { afterEach, describe, expect, it } from "vitest";
import type { DesiredResource, ResourceKey } from "../../controller/runtime/ports.js";
import { conditionOf, isReady, startHarness, type Harness } from "./harness.js";

const KEY: ResourceKey = "BatchJob/default/adopter";
const VM = {
  imageReference: { publisher: "microsoft-dsvm", offer: "ubuntu-hpc", sku: "2204", version: "latest" },
  nodeAgentSKUId: "batch.node.ubuntu 22.04",
};

function adopter(adopt: boolean): DesiredResource {
  return {
    kind: "BatchJob",
    namespace: "default",
    name: "adopter",
    generation: 1,
    source: { location: "test:adopter" },
    spec: {
      poolId: "legacy-pool",
      metadata: [{ name: "team", value: "render" }],
      tasks: [
        { id: "a", commandLine: "echo a, worded differently in the manifest" },
        { id: "b", commandLine: "echo b" },
        { id: "c", commandLine: "echo c" },
      ],
      ...(adopt ? { adopt: { jobId: "Legacy-Job" } } : {}),
    },
  };
}

describe("adopting a job created by another client (spec.adopt.jobId)", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  async function foreignJob(harness: Harness): Promise<BatchServiceClient> {
    const client = new BatchServiceClient(
      new BatchSharedKeyCredentials(harness.emulator.account.name, harness.emulator.account.key),
      harness.emulator.url,
    );
    // No nodes: the foreign tasks stay active, the state in which the controller used to replace a task whose content differs.
    await client.pool.add({ id: "legacy-pool", vmSize: "standard_d2s_v3", virtualMachineConfiguration: VM, targetDedicatedNodes: 0 });
    await client.job.add({ id: "Legacy-Job", poolInfo: { poolId: "legacy-pool" }, metadata: [{ name: "team", value: "render" }] });
    await client.task.addCollection("Legacy-Job", [
      { id: "a", commandLine: "echo a" },
      { id: "b", commandLine: "echo b" },
    ]);
    return client;
  }

  it("takes it over: stamps it, keeps the existing tasks as they are, adds only the missing one, reports the adoption", async () => {
    h = await startHarness({ auth: "sharedKey" });
    const client = await foreignJob(h);
    h.source.set(adopter(true));
    h.start();
    const status = await h.waitForStatus(KEY, (s) => isReady(s));
    expect(status.batchIds).toEqual(["Legacy-Job"]);

    const tasks = await client.task.list("Legacy-Job");
    expect(tasks.map((t) => [t.id, t.commandLine]).sort()).toEqual([
      ["a", "echo a"],
      ["b", "echo b"],
      ["c", "echo c"],
    ]);
    expect(h.served.get("Task_Delete") ?? 0).toBe(0);
    const job = await client.job.get("Legacy-Job");
    const metadata = Object.fromEntries((job.metadata ?? []).map((m) => [m.name, m.value]));
    expect(metadata).toMatchObject({
      team: "render",
      "batch-gitops/owner": KEY,
      "batch-gitops/manager": "itest",
      "batch-gitops/deletion-policy": "Delete",
    });
    expect(metadata["batch-gitops/tasks-submitted"]).toBeDefined();
    const adopted = h.recorded.events.filter((e) => e.reason === "Adopted");
    expect(adopted).toHaveLength(1);
    expect(adopted[0]?.message).toContain(
      "adopted Batch job Legacy-Job, created outside batch-gitops: 2 existing task(s) kept as they are, 1 added",
    );
  });

  it("without spec.adopt.jobId the same job is JobIdTaken and nothing is written to it", async () => {
    h = await startHarness({ auth: "sharedKey" });
    const client = await foreignJob(h);
    h.source.set({ ...adopter(false), name: "legacy-job", source: { location: "test:legacy-job" } });
    h.start();
    const key: ResourceKey = "BatchJob/default/legacy-job";
    const status = await h.waitForStatus(key, (s) => conditionOf(s, "Stalled")?.status === "True");
    expect(conditionOf(status, "Ready")).toMatchObject({ status: "False", reason: "JobIdTaken" });
    expect(conditionOf(status, "Stalled")?.message).toContain("set spec.adopt.jobId to take it over");
    expect((await client.task.list("Legacy-Job")).map((t) => t.id).sort()).toEqual(["a", "b"]);
  });
});
