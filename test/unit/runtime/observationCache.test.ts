import { describe, expect, it } from "vitest";
import type { BatchAdapter } from "../../../controller/batch/adapter.js";
import type { ObservedJob, ObservedPool, ObservedTaskCounts } from "../../../controller/core/observed.js";
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

describe("node counts in the observation cache", () => {
  const pool = (current: number, allocationState = "steady"): ObservedPool => ({
    id: "p",
    state: "active",
    allocationState,
    vmSize: "standard_d2s_v3",
    metadata: {},
    enableAutoScale: false,
    targetDedicatedNodes: 2,
    targetLowPriorityNodes: 0,
    currentDedicatedNodes: current,
    currentLowPriorityNodes: 0,
    resizeErrors: [],
  });
  function nodeRig(): { cache: ObservationCache; reads: () => number; advance: (ms: number) => void } {
    let now = 1_000;
    let reads = 0;
    const batch = { getPoolNodeCounts: async () => ((reads += 1), { idle: 2, total: 2 }) } as unknown as BatchAdapter;
    const cache = new ObservationCache(batch, { maxAgeMs: 1_000, now: () => now });
    return { cache, reads: () => reads, advance: (ms) => (now += ms) };
  }
  const nodeRequest = { signal: new AbortController().signal, firstReadDelayMs: 2_000 };

  it("answers a pool without nodes with zeros and no call", async () => {
    const { cache, reads } = nodeRig();
    const { counts } = await cache.nodeCounts(pool(0, "resizing"), nodeRequest);
    expect(counts).toMatchObject({ idle: 0, running: 0, total: 0 });
    expect(reads()).toBe(0);
  });

  it("defers the first read, reuses it while the pool looks the same, re-reads when the listing moved or it is due", async () => {
    const { cache, reads, advance } = nodeRig();
    expect(await cache.nodeCounts(pool(2), nodeRequest)).toEqual({ refreshInMs: 2_000 });
    advance(2_000);
    expect((await cache.nodeCounts(pool(2), nodeRequest)).counts).toEqual({ idle: 2, total: 2 });
    advance(9 * 60_000);
    await cache.nodeCounts(pool(2), nodeRequest);
    expect(reads()).toBe(1);
    await cache.nodeCounts(pool(1, "resizing"), nodeRequest);
    expect(reads()).toBe(2);
    advance(61_000);
    await cache.nodeCounts(pool(1, "resizing"), nodeRequest);
    expect(reads()).toBe(3);
  });
});
