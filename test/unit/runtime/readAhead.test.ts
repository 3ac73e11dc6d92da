import { describe, expect, it } from "vitest";
import { readAhead } from "../../../controller/runtime/taskStream/readAhead.js";

/** A source of `count` numbers that records how far its pulls ran ahead of what was taken, and its end. */
function countingSource(count: number, failAt?: number) {
  const seen = { pulled: 0, taken: 0, maxAhead: 0, returned: false };
  async function* numbers(): AsyncGenerator<number> {
    try {
      for (let i = 0; i < count; i++) {
        if (i === failAt) throw new Error(`item ${i} could not be built`);
        seen.pulled++;
        seen.maxAhead = Math.max(seen.maxAhead, seen.pulled - seen.taken);
        yield i;
      }
    } finally {
      seen.returned = true;
    }
  }
  return { seen, source: numbers() };
}

/** Lets the event loop turn `n` times, as a submission waiting on requests would. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe("readAhead", () => {
  it("yields every item in order, with up to `depth` pulled ahead of a slow consumer and never more", async () => {
    const { seen, source } = countingSource(20);
    const taken: number[] = [];
    for await (const item of readAhead(source, 3)) {
      seen.taken++;
      taken.push(item);
      await turns(6);
    }
    expect(taken).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // While the consumer works on one item, the next three are built, and no fourth.
    expect(seen.maxAhead).toBe(3);
  });

  it("throws the source's error after the items before it", async () => {
    const { source } = countingSource(10, 2);
    const taken: number[] = [];
    // A slow consumer: the error is met while items before it still wait to be taken.
    const consume = async (): Promise<void> => {
      for await (const item of readAhead(source, 3)) {
        taken.push(item);
        await turns(6);
      }
    };
    await expect(consume()).rejects.toThrow("item 2 could not be built");
    expect(taken).toEqual([0, 1]);
  });

  it("stops pulling and returns the source when the consumer stops early", async () => {
    const { seen, source } = countingSource(1_000);
    for await (const item of readAhead(source, 3)) {
      await turns(6);
      if (item === 1) break;
    }
    expect(seen.returned).toBe(true);
    expect(seen.pulled).toBeLessThanOrEqual(5);
  });

  it("refuses a depth below one", async () => {
    const { source } = countingSource(1);
    await expect(readAhead(source, 0).next()).rejects.toThrow(RangeError);
  });
});
