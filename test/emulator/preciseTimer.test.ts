/**
 * The response-time fault's timer (emulator/control/preciseTimer.ts): a wait never ends before its
 * deadline, waits end in deadline order whatever order they were asked in, the worker thread ends when
 * idle and starts again for the next wait, and close() answers what still waits.
 */
import { afterEach, expect, it, vi } from "vitest";
import { PreciseTimer } from "../../emulator/control/preciseTimer.js";

let timer: PreciseTimer | undefined;
afterEach(() => timer?.close());

it("ends each wait at or after its deadline: those ahead in deadline order, those already past at once", async () => {
  timer = new PreciseTimer();
  const base = performance.now() + 100;
  // Three deadlines a microsecond apart, asked out of order: the thread finds them due together. Two
  // more 1-1.5 ms after others: not ended with those.
  const offsets = [30, 0.002, 10, 0, -200, 0.001, 21.5, 20, -300, 11];
  const ended: { offset: number; ahead: boolean; late: number }[] = [];
  await Promise.all(
    offsets.map(async (offset) => {
      const deadline = base + offset;
      const ahead = deadline > performance.now();
      await timer?.wait(deadline);
      ended.push({ offset, ahead, late: performance.now() - deadline });
    }),
  );
  expect(ended.every((e) => e.late >= 0)).toBe(true);
  const aheadOrder = ended.filter((e) => e.ahead).map((e) => e.offset);
  expect(aheadOrder).toEqual([...aheadOrder].sort((a, b) => a - b));
  // Those past when asked end at once, before any still ahead.
  const firstAhead = ended.findIndex((e) => e.ahead);
  expect(ended.slice(firstAhead).every((e) => e.ahead)).toBe(true);
  expect(ended.slice(0, firstAhead).map((e) => e.offset)).toEqual(expect.arrayContaining([-200, -300]));
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
