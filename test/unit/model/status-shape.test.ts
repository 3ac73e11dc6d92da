/**
 * One status shape for both modes: directory mode's status.json holds, for each resource, the very
 * object the cluster writes to the CRD status subresource, derived by one function, and both
 * validate against the model's status schemas (which the CRDs are generated from).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { toCrdStatus } from "../../../controller/kubernetes/crdStatus.js";
import { createAjv } from "../../../controller/model/ajv.js";
import { BatchJobStatusSchema } from "../../../controller/model/job.js";
import { BatchPoolStatusSchema } from "../../../controller/model/pool.js";
import type { ResourceStatus } from "../../../controller/runtime/ports.js";
import { openFileStatusStore } from "../../../controller/directory/statusStore.js";

const conditions = [
  {
    type: "Ready",
    status: "False" as const,
    reason: "TasksFailed",
    message: "1/3 failed",
    lastTransitionTime: "2026-01-01T00:00:00Z",
    observedGeneration: 2,
  },
];

const pool: ResourceStatus = {
  observedGeneration: 2,
  conditions,
  lastSyncTime: "2026-01-01T00:00:00Z",
  batchIds: ["render-1a2b3c4d", "render-99999999"],
  appliedRevision: "0123456789abcdef",
  pool: {
    allocationState: "steady",
    currentDedicatedNodes: 1,
    currentLowPriorityNodes: 0,
    targetDedicatedNodes: 2,
    targetLowPriorityNodes: 0,
    nodeCountsByState: { idle: 1, running: 0, total: 1 },
    resizeErrors: [{ code: "AllocationFailed", message: "no capacity" }],
  },
};
const poolSpec = { image: { marketplace: { publisher: "microsoft-dsvm", offer: "ubuntu-hpc", sku: "2204" } } };

const job: ResourceStatus = {
  observedGeneration: 2,
  conditions,
  lastSyncTime: "2026-01-01T00:00:00Z",
  batchIds: ["frames"],
  appliedRevision: "0123456789abcdef",
  job: {
    state: "active",
    poolId: "render-1a2b3c4d",
    taskCounts: { active: 0, running: 1, completed: 2, succeeded: 1, failed: 1 },
    totalTasks: 3,
    tasksSubmitted: 3,
    failedTasks: [{ taskId: "t2", exitCode: 3, category: "usererror", code: "FailureExitCode" }],
  },
};

describe("one status shape for both modes", () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("status.json holds the CRD status object, and both satisfy the model's status schema", async () => {
    dir = await mkdtemp(join(tmpdir(), "status-shape-"));
    const store = await openFileStatusStore({ stateDir: dir });
    await store.write("BatchPool/default/render", pool, { kind: "BatchPool", namespace: "default", name: "render", spec: poolSpec });
    await store.write("BatchJob/default/frames", job, { kind: "BatchJob", namespace: "default", name: "frames" });
    // The file is written in the background: let it land before the directory is removed.
    await store.flush();
    const [fileJob, filePool] = store.document().resources.map((r) => r.status);

    const crdPool = toCrdStatus("BatchPool", pool, poolSpec, pool.appliedRevision);
    const crdJob = toCrdStatus("BatchJob", job, undefined, job.appliedRevision);
    expect(filePool).toEqual(crdPool);
    expect(fileJob).toEqual(crdJob);

    // The names users and the CRD printer columns rely on, never the engine's internal ones.
    expect(filePool).toMatchObject({
      poolId: "render-1a2b3c4d",
      retiringPoolIds: ["render-99999999"],
      nodes: "1/2",
      image: "ubuntu-hpc/2204",
      nodeCounts: { idle: 1, running: 0, total: 1 },
      sourceRevision: "0123456789abcdef",
    });
    expect(fileJob).toMatchObject({
      jobId: "frames",
      tasksTotal: 3,
      completions: "1/3",
      failedTasks: [{ taskId: "t2", exitCode: 3, category: "usererror" }],
    });
    expect(fileJob).not.toHaveProperty("totalTasks");
    expect(filePool).not.toHaveProperty("pool");

    const ajv = createAjv();
    const checkPool = ajv.compile(BatchPoolStatusSchema);
    const checkJob = ajv.compile(BatchJobStatusSchema);
    expect(checkPool(filePool), JSON.stringify(checkPool.errors)).toBe(true);
    expect(checkJob(fileJob), JSON.stringify(checkJob.errors)).toBe(true);
  });
});
