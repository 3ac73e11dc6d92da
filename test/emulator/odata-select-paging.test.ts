import { describe, expect, it } from "vitest";
import {
  applySelect,
  buildNextLink,
  decodeSkipToken,
  encodeSkipToken,
  isODataQueryError,
  parseMaxResults,
  parseSelect,
  readSkipToken,
  takePage,
} from "../../emulator/odata/index.js";

const task = {
  id: "t1",
  state: "completed",
  commandLine: "echo hi",
  executionInfo: { exitCode: 0, result: "success", retryCount: 0 },
  resourceFiles: [
    { httpUrl: "https://x/a", filePath: "a" },
    { httpUrl: "https://x/b", filePath: "b" },
  ],
};

describe("$select", () => {
  it("keeps only the listed top-level properties", () => {
    expect(applySelect(task, parseSelect("id, state"))).toEqual({ id: "t1", state: "completed" });
  });

  it("keeps nested paths, also inside arrays", () => {
    expect(applySelect(task, parseSelect("id,executionInfo/result,resourceFiles/filePath"))).toEqual({
      id: "t1",
      executionInfo: { result: "success" },
      resourceFiles: [{ filePath: "a" }, { filePath: "b" }],
    });
  });

  it("lets a whole parent win over its sub-paths, whatever the order", () => {
    const expected = { executionInfo: task.executionInfo };
    expect(applySelect(task, parseSelect("executionInfo/result,executionInfo"))).toEqual(expected);
    expect(applySelect(task, parseSelect("executionInfo,executionInfo/result"))).toEqual(expected);
  });

  it("omits selected properties the entity does not have", () => {
    expect(applySelect(task, parseSelect("id,nodeInfo"))).toEqual({ id: "t1" });
  });

  it.each(["", "id,,state", "executionInfo/", "id state", "*"])("refuses %j", (text) => {
    expect(() => parseSelect(text)).toThrow(expect.objectContaining({ code: "InvalidQueryParameterValue", parameterName: "$select" }));
  });
});

describe("maxresults", () => {
  it("defaults and bounds per operation", () => {
    expect(parseMaxResults(null, { defaultValue: 1000, max: 1000 })).toBe(1000);
    expect(parseMaxResults("25", { defaultValue: 1000, max: 1000 })).toBe(25);
    expect(parseMaxResults(null, { defaultValue: 10, max: 10 })).toBe(10);
  });

  it("refuses out-of-range and malformed values with the service's codes", () => {
    expect(() => parseMaxResults("1001", { defaultValue: 1000, max: 1000 })).toThrow(
      expect.objectContaining({ code: "OutOfRangeQueryParameterValue" }),
    );
    expect(() => parseMaxResults("0", { defaultValue: 1000, max: 1000 })).toThrow(
      expect.objectContaining({ code: "OutOfRangeQueryParameterValue" }),
    );
    expect(() => parseMaxResults("ten", { defaultValue: 1000, max: 1000 })).toThrow(
      expect.objectContaining({ code: "InvalidQueryParameterValue" }),
    );
  });
});

describe("paging", () => {
  const entries = Array.from({ length: 7 }, (_, i) => [i, `e${i}`] as const);
  const after = (key: number | string | undefined) => entries.filter(([k]) => key === undefined || k > Number(key));

  it("round-trips keys through the skip token", () => {
    expect(decodeSkipToken(encodeSkipToken(42))).toBe(42);
    expect(decodeSkipToken(encodeSkipToken("job-α"))).toBe("job-α");
  });

  it("refuses tokens it did not issue", () => {
    let caught: unknown;
    try {
      decodeSkipToken("not-a-token");
    } catch (error: unknown) {
      caught = error;
    }
    expect(isODataQueryError(caught) && caught.parameterName).toBe("$skiptoken");
  });

  it("walks every entry exactly once across pages, with no token on the last page", () => {
    const seen: string[] = [];
    let key: number | string | undefined;
    let pages = 0;
    for (;;) {
      const page = takePage(after(key), 3);
      seen.push(...page.items);
      pages++;
      if (!page.nextToken) break;
      key = decodeSkipToken(page.nextToken);
    }
    expect(seen).toEqual(entries.map(([, value]) => value));
    expect(pages).toBe(3);
  });

  it("applies the filter within pages and continues after the last walked entry", () => {
    const even = (value: string) => Number(value.slice(1)) % 2 === 0;
    const first = takePage(after(undefined), 2, even);
    expect(first.items).toEqual(["e0", "e2"]);
    expect(first.nextToken).toBeDefined();
    const second = takePage(after(decodeSkipToken(first.nextToken ?? "")), 2, even);
    expect(second.items).toEqual(["e4", "e6"]);
    expect(second.nextToken).toBeUndefined();
  });

  it("builds an absolute next link that keeps the other query parameters and reads back from any casing", () => {
    const link = new URL(
      buildNextLink(
        new URL("http://127.0.0.1:8089/jobs/j/tasks?api-version=2022-10-01.16.0&$filter=state%20eq%20'active'&$skipToken=old"),
        encodeSkipToken(5),
      ),
    );
    expect(link.origin + link.pathname).toBe("http://127.0.0.1:8089/jobs/j/tasks");
    expect(link.searchParams.get("api-version")).toBe("2022-10-01.16.0");
    expect(link.searchParams.get("$filter")).toBe("state eq 'active'");
    expect(link.searchParams.has("$skipToken")).toBe(false);
    expect(readSkipToken(link.searchParams)).toBe(5);
  });
});
