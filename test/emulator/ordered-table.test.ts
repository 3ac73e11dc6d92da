import { describe, expect, it } from "vitest";
import { OrderedTable } from "../../emulator/store/ordered-table.js";

interface Row {
  readonly id: string;
  readonly n: number;
}

const row = (n: number): Row => ({ id: `Row-${n}`, n });

/** Every entity of the table, read page by page through the continuation sequence numbers. */
function allPages(table: OrderedTable<Row>, limit: number): number[] {
  const seen: number[] = [];
  let afterSeq: number | undefined;
  for (;;) {
    const page = table.page({ limit, ...(afterSeq === undefined ? {} : { afterSeq }) });
    seen.push(...page.items.map((item) => item.n));
    if (page.nextSeq === undefined) return seen;
    afterSeq = page.nextSeq;
  }
}

describe("OrderedTable", () => {
  it("finds rows by id whatever the case and refuses a duplicate id", () => {
    const table = new OrderedTable<Row>();
    expect(table.insert(row(1))).toBe(true);
    expect(table.insert({ id: "ROW-1", n: 99 })).toBe(false);
    expect(table.get("row-1")?.n).toBe(1);
    expect(table.has("ROW-1")).toBe(true);
    expect(table.size).toBe(1);
  });

  it("keeps ids, order and page continuations right after deleted rows are compacted away", () => {
    const table = new OrderedTable<Row>();
    for (let n = 0; n < 3000; n++) table.insert(row(n));
    // A continuation taken before the deletes must still resume after the same row.
    const firstPage = table.page({ limit: 10 });
    // Deleting two thirds (well past the compaction threshold) moves the surviving rows.
    for (let n = 0; n < 3000; n++) if (n % 3 !== 0) expect(table.delete(`row-${n}`)?.n).toBe(n);
    const survivors = Array.from({ length: 1000 }, (_, i) => i * 3);
    expect(table.size).toBe(1000);
    for (const n of survivors) expect(table.get(`ROW-${n}`)?.n).toBe(n);
    expect(table.get("row-1")).toBeUndefined();
    expect([...table.values()].map((r) => r.n)).toEqual(survivors);
    expect(allPages(table, 7)).toEqual(survivors);
    const resumed = table.page({ limit: 3, ...(firstPage.nextSeq === undefined ? {} : { afterSeq: firstPage.nextSeq }) });
    expect(resumed.items.map((r) => r.n)).toEqual([12, 15, 18]);
    // A deleted id can be added again; it goes last, and replace keeps a row where it is.
    expect(table.insert(row(1))).toBe(true);
    table.replace({ id: "row-3", n: 33 });
    expect(allPages(table, 500)).toEqual([0, 33, ...survivors.slice(2), 1]);
  });
});
