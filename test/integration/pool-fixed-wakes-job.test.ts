/**
 * A job Stalled because its BatchPool is invalid (PoolInvalid) waits for a user, so it is not polled: fixing
 * the pool must reconcile it again at once, not at the next resync (an hour here).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { conditionOf, isReady, jobResource, poolResource, startHarness, type Harness } from "./harness.js";

describe("a job stalled on its invalid pool", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
  });

  it("is reconciled again as soon as its pool is fixed and Ready, not at the next resync", async () => {
    h = await startHarness({ engine: { resyncIntervalMs: 3_600_000 } });
    h.source.set(jobResource("frames", "render"));
    h.source.addProblem({ severity: "error", key: "BatchPool/default/render", message: "spec.nodeAgentSkuId: does not match the image" });
    h.start();
    await h.waitForStatus("BatchJob/default/frames", (s) => conditionOf(s, "Stalled")?.reason === "PoolInvalid");

    h.source.clearProblems("BatchPool/default/render");
    h.source.set(poolResource("render"));
    await h.waitForStatus("BatchPool/default/render", isReady);
    await h.waitForStatus("BatchJob/default/frames", (s) => conditionOf(s, "Stalled")?.status !== "True");
    await vi.waitFor(async () => expect((await h?.batch.listJobs())?.some((j) => j.id === "frames")).toBe(true), { timeout: 30_000 });
  });
});
