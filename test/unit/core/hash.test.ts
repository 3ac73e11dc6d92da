import { describe, expect, it } from "vitest";
import { canonicalJson, shortHash, stableHash } from "../../../controller/core/hash.js";

/** The definition canonicalJson must keep: JSON.stringify of a recursively key-sorted copy. */
function reference(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v !== null && typeof v === "object") {
      const entries = Object.entries(v as Record<string, unknown>)
        .filter(([, member]) => member !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return Object.fromEntries(entries.map(([k, member]) => [k, sortKeys(member)]));
    }
    return v;
  };
  return JSON.stringify(sortKeys(value));
}

const samples: unknown[] = [
  null,
  0,
  -1.5,
  'text with "quotes", \\ and \n and ünïcode ✓',
  true,
  [],
  {},
  [1, undefined, null, "a", { b: undefined }],
  { z: 1, a: { y: [3, 2, { q: 1, p: undefined }], x: null }, "10": "ten", "2": "two", Ä: "umlaut", B: "upper" },
  {
    id: "sim-00001",
    commandLine: "python3 simulate.py --seed 1",
    environmentSettings: [{ name: "SEED", value: "1" }],
    constraints: { maxTaskRetryCount: 2 },
  },
  { nested: { deeper: { deepest: [{ k: "v" }, [[]], {}] } }, empty: "", nan: Number.NaN },
];

describe("canonicalJson", () => {
  it.each(samples.map((value) => [JSON.stringify(value) ?? "undefined", value]))(
    "%s serializes as the sorted-copy definition does",
    (_label, value) => {
      expect(canonicalJson(value)).toBe(reference(value));
    },
  );

  it("does not depend on key order", () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe(canonicalJson({ a: { c: 3, d: 2 }, b: 1 }));
  });
});

describe("stableHash", () => {
  it("keeps the values already stored in Batch (task markers, pool id suffixes) across releases", () => {
    // Pinned: a change here would make every existing task look modified and every pool look replaced.
    const task = { id: "sim-00001", commandLine: "python3 simulate.py --seed 1" };
    expect(stableHash(task)).toBe("1f2d4b4510bb6be0a28017a1eb43a92b45fc0534e66a5e727548bd8e74c9a772");
    expect(shortHash(task, 16)).toBe("1f2d4b4510bb6be0a28017a1eb43a92b45fc0534e66a5e727548bd8e74c9a772".slice(0, 16));
    expect(shortHash({ vmSize: "standard_d2s_v3" })).toBe("5f02a846");
  });
});
