/**
 * The response-time fault's timer (emulator/control/preciseTimer.ts): a wait never ends before its
 * deadline, waits end in deadline order whatever order they were asked in, the worker thread ends when
 * idle and starts again for the next wait, and close() answers what still waits.
 */
import { afterEach, expect, it, vi } from "vitest";
import { PreciseTimer } from "../../emulator/control/preciseTimer.js";

let timer: PreciseTimer | undefined;
afterEach(() => timer?.close());

it("ends each wait at or after its deadline, in deadline order", async () => {
  timer = new PreciseTimer();
  const start = performance.now();
  const offsets = [40, 5, 25, 15, 0, -10, 30];
  const ended: number[] = [];
  const late: number[] = [];
  await Promise.all(
    offsets.map(async (offset) => {
      await timer?.wait(start + offset);
      late.push(performance.now() - (start + offset));
      ended.push(offset);
    }),
  );
  expect(late.every((l) => l >= 0)).toBe(true);
  // The two already past end at once, in the order asked; the rest by deadline.
  expect(ended).toEqual([0, -10, 5, 15, 25, 30, 40]);
});

it("ends its thread when nothing waits and starts one for the next wait", async () => {
  timer = new PreciseTimer(20);
  expect(timer.threadRunning).toBe(false);
  await timer.wait(performance.now() - 1);
  expect(timer.threadRunning).toBe(false);
  await timer.wait(performance.now() + 5);
  expect(timer.threadRunning).toBe(true);
  await vi.waitFor(() => expect(timer?.threadRunning).toBe(false), { timeout: 10_000, interval: 10 });
  const deadline = performance.now() + 5;
  await timer.wait(deadline);
  expect(performance.now()).toBeGreaterThanOrEqual(deadline);
});

it("close() answers the waits still pending at once", async () => {
  timer = new PreciseTimer();
  const pending = timer.wait(performance.now() + 600_000);
  timer.close();
  await pending;
  expect(timer.threadRunning).toBe(false);
});
