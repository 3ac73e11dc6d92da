import { describe, expect, it } from "vitest";
import type { BatchAdapter } from "../../../controller/batch/adapter.js";
import type { ObservedJob, ObservedTaskCounts } from "../../../controller/core/observed.js";
import { ObservationCache } from "../../../controller/runtime/observationCache.js";

const counts: ObservedTaskCounts = { active: 0, running: 0, completed: 3, succeeded: 3, failed: 0 };
const job = (state: string): ObservedJob => ({ id: "j", state, priority: 0, metadata: {} });

function rig(): { cache: ObservationCache; reads: () => number; advance: (ms: number) => void } {
  let now = 1_000;
  let reads = 0;
  const batch = { getTaskCounts: async () => ((reads += 1), counts) } as unknown as BatchAdapter;
  const cache = new ObservationCache(batch, { maxAgeMs: 1_000, now: () => now });
  return { cache, reads: () => reads, advance: (ms) => (now += ms) };
}

const request = { notBefore: 0, signal: new AbortController().signal, force: false, firstReadDelayMs: 2_000 };

describe("task counts in the observation cache", () => {
  it("defers the first read of a job first seen, and reads it once due", async () => {
    const { cache, reads, advance } = rig();
    expect(await cache.taskCounts(job("active"), request)).toEqual({ counts: undefined, refreshInMs: 2_000 });
    advance(500);
    expect((await cache.taskCounts(job("active"), request)).counts).toBeUndefined();
    expect(reads()).toBe(0);
    advance(1_600);
    expect((await cache.taskCounts(job("active"), request)).counts).toEqual(counts);
    expect(reads()).toBe(1);
  });

  it("reads at once a job that completed while its first read was deferred, so completion has counts", async () => {
    const { cache, reads } = rig();
    await cache.taskCounts(job("active"), request);
    expect(await cache.taskCounts(job("completed"), request)).toEqual({ counts });
    expect(reads()).toBe(1);
  });

  it("reads at once a job this process created that is completed when next seen", async () => {
    const { cache, reads } = rig();
    cache.noteJobCreated("j");
    expect(await cache.taskCounts(job("completed"), request)).toEqual({ counts });
    expect(reads()).toBe(1);
  });

  it("still defers a job already completed when first seen (a restart lists, it does not burst count reads)", async () => {
    const { cache, reads } = rig();
    expect((await cache.taskCounts(job("completed"), request)).counts).toBeUndefined();
    expect((await cache.taskCounts(job("completed"), request)).counts).toBeUndefined();
    expect(reads()).toBe(0);
  });
});
