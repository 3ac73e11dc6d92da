import { describe, expect, it, vi } from "vitest";
import { createWorkQueue } from "../../../controller/runtime/workQueue.js";
import { backoffDelayMs } from "../../../controller/time/backoff.js";
import { ManualClock } from "../../../controller/time/manualClock.js";

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("work queue", () => {
  it("merges duplicate keys and never runs one key twice at once", async () => {
    const queue = createWorkQueue<string>({ concurrency: 3 });
    const controller = new AbortController();
    const gate = deferred();
    const calls: string[] = [];
    let inFlightA = 0;
    let maxInFlightA = 0;
    const done = queue.run(async (key) => {
      calls.push(key);
      if (key === "a") {
        inFlightA++;
        maxInFlightA = Math.max(maxInFlightA, inFlightA);
        if (calls.length === 1) await gate.promise;
        inFlightA--;
      }
    }, controller.signal);
    queue.add("a");
    queue.add("a");
    queue.add("b");
    await new Promise((r) => setImmediate(r));
    queue.add("a"); // while "a" runs: remembered, runs once more afterwards
    queue.add("a");
    gate.resolve();
    await queue.idle();
    controller.abort();
    await done;
    expect(calls.filter((k) => k === "a")).toHaveLength(2);
    expect(calls.filter((k) => k === "b")).toHaveLength(1);
    expect(maxInFlightA).toBe(1);
  });

  it("one slow key does not block the others", async () => {
    const queue = createWorkQueue<string>({ concurrency: 2 });
    const controller = new AbortController();
    const slow = deferred();
    const finished: string[] = [];
    const done = queue.run(async (key) => {
      if (key === "slow") await slow.promise;
      finished.push(key);
    }, controller.signal);
    queue.add("slow");
    for (const k of ["x", "y", "z"]) queue.add(k);
    await vi.waitFor(() => expect(finished).toEqual(["x", "y", "z"]));
    slow.resolve();
    await queue.idle();
    controller.abort();
    await done;
    expect(finished).toContain("slow");
  });

  it("backs off exponentially per key with jitter, capped, and forget resets it", () => {
    const queue = createWorkQueue<string>({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999, retryBurst: 1000 });
    const delays = [1, 2, 3, 4, 5].map(() => queue.addRateLimited("k"));
    expect(delays).toEqual([100, 200, 400, 800, 1000]);
    expect(queue.addRateLimited("other")).toBe(100);
    queue.forget("k");
    expect(queue.addRateLimited("k")).toBe(100);
    expect(backoffDelayMs(4, { baseMs: 100, maxMs: 10_000 }, () => 0)).toBe(400);
  });

  it("addAfter keeps the earliest wake-up and does not count as a failure", async () => {
    const clock = new ManualClock();
    const queue = createWorkQueue<string>({ clock });
    queue.addAfter("k", 5000);
    queue.addAfter("k", 1000);
    queue.addAfter("k", 3000);
    await clock.advance(999);
    expect(queue.length).toBe(0);
    await clock.advance(1);
    expect(queue.length).toBe(1);
    await clock.advance(10_000);
    expect(queue.length).toBe(1);
    expect(queue.failures("k")).toBe(0);
  });

  it("a global bucket spaces error retries once the burst is spent", async () => {
    const clock = new ManualClock(0);
    const queue = createWorkQueue<string>({ baseDelayMs: 1, retriesPerSecond: 2, retryBurst: 2, random: () => 0, clock });
    expect(queue.addRateLimited("a")).toBe(1);
    expect(queue.addRateLimited("b")).toBe(1);
    expect(queue.addRateLimited("c")).toBe(500);
    await clock.advance(10_000);
    expect(queue.addRateLimited("d")).toBe(1);
  });
});
