import { afterEach, describe, expect, it, vi } from "vitest";
import { isOwnedBy } from "../../controller/core/ownership.js";
import { checkInvariants } from "../helpers/invariants.js";
import { isReady, jobResource, poolResource, startHarness, type Harness } from "./harness.js";

type PoolSpec = { image: { marketplace: Record<string, string> } };

const longTasks = [1, 2].map((n) => ({
  id: `frame-${n}`,
  commandLine: `render ${n}`,
  environmentSettings: [{ name: "BATCH_EMULATOR_RUN_MS", value: "1500" }],
}));

async function rollOut(h: Harness, strategy: "Recreate" | "BlueGreen"): Promise<{ oldId: string; newId: string }> {
  const poolKey = "BatchPool/default/render" as const;
  const jobKey = "BatchJob/default/frames" as const;
  h.source.set(poolResource("render", { updateStrategy: { type: strategy } }));
  h.source.set(jobResource("frames", "render", { tasks: longTasks }));
  h.start();
  await h.waitForStatus(poolKey, isReady);
  await h.waitForStatus(jobKey, (s) => (s.job?.taskCounts.running ?? 0) > 0);
  const oldId = (await h.batch.listPools()).find((p) => isOwnedBy(p.metadata, poolKey))?.id ?? "";

  // A new image version while a task is running: the service cannot change it in place.
  h.source.edit<PoolSpec>(poolKey, (spec) => ({ ...spec, image: { marketplace: { ...spec.image.marketplace, version: "22.04.2" } } }));
  await h.waitForStatus(jobKey, (s) => isReady(s) && s.job?.taskCounts.succeeded === 2, 30_000);
  await vi.waitFor(
    async () => expect((await h.batch.listPools()).filter((p) => isOwnedBy(p.metadata, poolKey)).map((p) => p.id)).not.toContain(oldId),
    { timeout: 20_000, interval: 100 },
  );
  const owned = (await h.batch.listPools()).filter((p) => isOwnedBy(p.metadata, poolKey));
  expect(owned).toHaveLength(1);
  const newId = owned[0]?.id ?? "";
  expect(newId).toMatch(/^render-[0-9a-f]{8}$/);
  expect(newId).not.toBe(oldId);
  expect(owned[0]?.virtualMachineConfiguration).toMatchObject({ imageReference: { version: "22.04.2" } });
  expect((await h.batch.getJob("frames"))?.poolId).toBe(newId);
  await h.waitForStatus(poolKey, (s) => isReady(s) && (s.batchIds ?? []).join() === newId);
  return { oldId, newId };
}

describe("image-version change while a job runs", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
  });

  it("BlueGreen: creates the new pool beside the old one, lets running tasks finish, moves the job, deletes the drained pool", async () => {
    h = await startHarness();
    await rollOut(h, "BlueGreen");
    const counts = await h.batch.getTaskCounts("frames");
    // No task was interrupted: each ran once and succeeded.
    expect(counts).toMatchObject({ succeeded: 2, failed: 0 });
    const order = h.recorded.events.filter((e) => e.key === "BatchPool/default/render").map((e) => e.reason);
    expect(order.indexOf("CreatePool", 1)).toBeLessThan(order.indexOf("DrainPool"));
    expect(order.indexOf("DrainPool")).toBeLessThan(order.indexOf("DeletePool"));
    await checkInvariants(h.batch, h.source, h.recorded.statuses);
  });

  it("Recreate: deletes the old pool first, then creates the new one and moves the job to it", async () => {
    h = await startHarness();
    await rollOut(h, "Recreate");
    const order = h.recorded.events.filter((e) => e.key === "BatchPool/default/render").map((e) => e.reason);
    expect(order).toEqual(expect.arrayContaining(["DeletePool"]));
    expect(order.indexOf("DeletePool")).toBeLessThan(order.lastIndexOf("CreatePool"));
    expect((await h.batch.getTaskCounts("frames")).succeeded).toBe(2);
    await checkInvariants(h.batch, h.source, h.recorded.statuses);
  });
});
