import { describe, expect, it } from "vitest";
import { Fifo } from "../../../controller/runtime/fifo.js";

describe("Fifo (the work queue's list of waiting keys)", () => {
  it("hands items back in the order they were pushed, across its compactions", () => {
    const fifo = new Fifo<number>();
    const taken: number[] = [];
    for (let i = 0; i < 50_000; i++) {
      fifo.push(i);
      if (i % 3 === 0) taken.push(fifo.shift() ?? -1);
    }
    for (let item = fifo.shift(); item !== undefined; item = fifo.shift()) taken.push(item);
    expect(taken).toEqual(Array.from({ length: 50_000 }, (_, i) => i));
    expect(fifo.length).toBe(0);
    expect(fifo.shift()).toBeUndefined();
  });

  it("releases taken slots: a long-lived queue holds about what is waiting, not all it ever held", () => {
    const fifo = new Fifo<string>();
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 10_000; i++) fifo.push(`BatchPool/default/pool-${i}`);
      for (let i = 0; i < 9_990; i++) fifo.shift();
      expect(fifo.retained).toBeLessThanOrEqual(2 * fifo.length + 1024);
    }
    expect(fifo.length).toBe(200);
  });
});
