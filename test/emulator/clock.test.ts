import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../emulator/clock.js";

describe("virtual clock", () => {
  it("stands still until advanced, then runs due timers in due order", () => {
    const clock = new VirtualClock(1_000);
    const ran: string[] = [];
    clock.schedule(300, () => ran.push(`b@${clock.now()}`));
    clock.schedule(100, () => ran.push(`a@${clock.now()}`));
    clock.schedule(300, () => ran.push(`c@${clock.now()}`));
    expect(clock.now()).toBe(1_000);
    clock.advance(299);
    expect(ran).toEqual(["a@1100"]);
    clock.advance(1);
    expect(ran).toEqual(["a@1100", "b@1300", "c@1300"]);
    expect(clock.now()).toBe(1_300);
  });

  it("runs timers scheduled by timers when they fall due within the same advance", () => {
    const clock = new VirtualClock(0);
    const ran: number[] = [];
    clock.schedule(10, () => {
      ran.push(clock.now());
      clock.schedule(10, () => ran.push(clock.now()));
    });
    clock.advance(25);
    expect(ran).toEqual([10, 20]);
    expect(clock.now()).toBe(25);
  });

  it("does not run cancelled timers", () => {
    const clock = new VirtualClock(0);
    const ran: string[] = [];
    const handle = clock.schedule(10, () => ran.push("cancelled"));
    clock.schedule(20, () => ran.push("kept"));
    clock.cancel(handle);
    expect(clock.pending()).toBe(1);
    clock.advance(100);
    expect(ran).toEqual(["kept"]);
  });
});
