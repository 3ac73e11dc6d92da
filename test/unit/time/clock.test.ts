import { describe, expect, it } from "vitest";
import { backoffDelayMs } from "../../../controller/time/backoff.js";
import { delay, every } from "../../../controller/time/clock.js";
import { ManualClock } from "../../../controller/time/manualClock.js";
import { Throttle } from "../../../controller/time/throttle.js";
import { VirtualClock } from "../../../emulator/clock.js";
import { controllerClockOf } from "../../helpers/emulatorClock.js";

describe("ManualClock", () => {
  it("runs timers in due order, at their own time, including timers armed by timers", async () => {
    const clock = new ManualClock(0);
    const seen: string[] = [];
    clock.setTimeout(() => seen.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => {
      seen.push(`a@${clock.now()}`);
      clock.setTimeout(() => seen.push(`c@${clock.now()}`), 5);
    }, 10);
    const cancelled = clock.setTimeout(() => seen.push("never"), 15);
    cancelled.cancel();
    await clock.advance(19);
    expect(seen).toEqual(["a@10", "c@15"]);
    expect(clock.now()).toBe(19);
    expect(clock.nextDueInMs()).toBe(1);
    await clock.advance(1);
    expect(seen).toEqual(["a@10", "c@15", "b@20"]);
    expect(clock.pending()).toBe(0);
  });

  it("lets the work a timer starts arm the next timer before time moves on", async () => {
    const clock = new ManualClock(0);
    const ticks: number[] = [];
    const loop = async (): Promise<void> => {
      while (ticks.length < 3) {
        await delay(clock, 100);
        await Promise.resolve();
        ticks.push(clock.now());
      }
    };
    const done = loop();
    await clock.advance(300);
    await done;
    expect(ticks).toEqual([100, 200, 300]);
  });
});

describe("delay and every", () => {
  it("delay resolves true after its time and false at once when aborted", async () => {
    const clock = new ManualClock(0);
    const abort = new AbortController();
    const waited = delay(clock, 1_000, abort.signal);
    abort.abort();
    expect(await waited).toBe(false);
    expect(clock.pending()).toBe(0);
    expect(await delay(clock, 5, abort.signal)).toBe(false);
    const full = delay(clock, 1_000);
    await clock.advance(1_000);
    expect(await full).toBe(true);
  });

  it("every repeats until cancelled, even when a tick throws", async () => {
    const clock = new ManualClock(0);
    let ticks = 0;
    const timer = every(clock, 50, () => {
      ticks++;
      if (ticks === 1) throw new Error("a bad tick");
    });
    await expect(clock.advance(50)).rejects.toThrow("a bad tick");
    await clock.advance(100);
    expect(ticks).toBe(3);
    timer.cancel();
    await clock.advance(500);
    expect(ticks).toBe(3);
  });
});

describe("backoffDelayMs", () => {
  it("doubles from the base, caps, and jitters down by the given fraction", () => {
    const policy = { baseMs: 100, maxMs: 1_000 };
    expect([1, 2, 3, 4, 5, 50].map((a) => backoffDelayMs(a, policy, () => 0.999))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(backoffDelayMs(3, policy, () => 0)).toBe(200);
    expect(backoffDelayMs(3, { ...policy, jitter: 0 }, () => 0)).toBe(400);
  });
});

describe("Throttle", () => {
  function recorder(): { runs: string[]; task: (name: string) => () => Promise<void> } {
    const runs: string[] = [];
    return { runs, task: (name) => async () => void runs.push(name) };
  }

  it("runs at once, then keeps only the latest task until the interval has passed", async () => {
    const clock = new ManualClock(0);
    const throttle = new Throttle({ clock, intervalMs: 1_000 });
    const { runs, task } = recorder();
    await throttle.submit(task("first"));
    expect(throttle.submit(task("second"))).toBeUndefined();
    void throttle.submit(task("third"));
    await clock.advance(999);
    expect(runs).toEqual(["first"]);
    await clock.advance(1);
    expect(runs).toEqual(["first", "third"]);
  });

  it("never runs two tasks at once; one submitted during a run follows it", async () => {
    const clock = new ManualClock(0);
    const throttle = new Throttle({ clock, intervalMs: 0 });
    let release = (): void => undefined;
    const runs: string[] = [];
    const slow = throttle.submit(() => new Promise<void>((resolve) => (release = () => resolve(void runs.push("slow")))));
    void throttle.submit(async () => void runs.push("next"));
    expect(runs).toEqual([]);
    release();
    await slow;
    await clock.advance(0);
    expect(runs).toEqual(["slow", "next"]);
  });

  it("cancel drops the waiting task and waits for the running one; flush runs the waiting one now", async () => {
    const clock = new ManualClock(0);
    const throttle = new Throttle({ clock, intervalMs: 1_000 });
    const { runs, task } = recorder();
    await throttle.submit(task("a"));
    void throttle.submit(task("dropped"));
    await throttle.cancel();
    void throttle.submit(task("flushed"));
    await throttle.flush();
    await clock.advance(5_000);
    expect(runs).toEqual(["a", "flushed"]);
    expect(throttle.busy).toBe(false);
  });

  it("keeps a failed task for the next flush when asked to", async () => {
    const clock = new ManualClock(0);
    const throttle = new Throttle({ clock, intervalMs: 0, retainFailed: true });
    let fail = true;
    const runs: number[] = [];
    const write = async (): Promise<void> => {
      if (fail) throw new Error("disk full");
      runs.push(clock.now());
    };
    await expect(throttle.submit(write)).rejects.toThrow("disk full");
    expect(throttle.busy).toBe(true);
    fail = false;
    await throttle.flush();
    expect(runs).toEqual([0]);
  });
});

describe("the emulator's virtual clock as the controller's clock", () => {
  it("runs controller timers and waits when the emulator's time is advanced", async () => {
    const virtual = new VirtualClock(0);
    const clock = controllerClockOf(virtual);
    const seen: number[] = [];
    const timer = clock.setTimeout(() => seen.push(clock.now()), 1_000);
    clock.setTimeout(() => seen.push(-1), 500).cancel();
    const waited = delay(clock, 2_000);
    virtual.advance(2_000);
    expect(await waited).toBe(true);
    expect(seen).toEqual([1_000]);
    timer.cancel();
  });
});
