import { describe, expect, it } from "vitest";
import { compileFilter, equalityConstraint, isODataQueryError } from "../../emulator/odata/index.js";

const tasks = [
  {
    id: "task-1",
    state: "completed",
    creationTime: "2024-03-01T10:00:00.0000000Z",
    executionInfo: { exitCode: 0, result: "success", retryCount: 0 },
  },
  {
    id: "task-2",
    state: "completed",
    creationTime: "2024-03-02T10:00:00.1234567Z",
    executionInfo: { exitCode: 3, result: "failure", retryCount: 2 },
  },
  { id: "task-10", state: "active", creationTime: "2024-03-03T10:00:00.0000000Z", executionInfo: { retryCount: 0 } },
  { id: "other's", state: "running", creationTime: "2024-03-04T10:00:00.0000000Z" },
];
const pools = [
  { id: "p1", enableAutoScale: true, targetDedicatedNodes: 0 },
  { id: "p2", enableAutoScale: false, targetDedicatedNodes: 4 },
];

function ids(filter: string, entities: Array<{ id: string }> = tasks): string[] {
  const compiled = compileFilter(filter);
  return entities.filter((entity) => compiled.matches(entity)).map((entity) => entity.id);
}

describe("$filter evaluation", () => {
  it.each([
    ["state eq 'active'", ["task-10"]],
    ["state ne 'completed'", ["task-10", "other's"]],
    ["id eq 'other''s'", ["other's"]],
    ["startswith(id,'task-1')", ["task-1", "task-10"]],
    ["startswith(id, 'task') and state eq 'completed'", ["task-1", "task-2"]],
    ["state eq 'active' or state eq 'running'", ["task-10", "other's"]],
    ["not (state eq 'completed')", ["task-10", "other's"]],
    ["not startswith(id,'task')", ["other's"]],
    ["executionInfo/result eq 'failure'", ["task-2"]],
    ["executionInfo/exitCode gt 0", ["task-2"]],
    ["executionInfo/exitCode ge 0 and executionInfo/exitCode le 0", ["task-1"]],
    ["executionInfo/retryCount lt 1", ["task-1", "task-10"]],
    ["executionInfo/exitCode eq null", ["task-10", "other's"]],
    ["executionInfo/exitCode ne null", ["task-1", "task-2"]],
    ["creationTime ge datetime'2024-03-02T10:00:00.1Z'", ["task-2", "task-10", "other's"]],
    ["creationTime lt datetime'2024-03-02T10:00:00'", ["task-1"]],
    ["(state eq 'completed' or state eq 'active') and executionInfo/retryCount eq 0", ["task-1", "task-10"]],
    ["state eq 'completed' and (executionInfo/exitCode eq 3 or id eq 'task-1')", ["task-1", "task-2"]],
    ["endswith(id,'0')", ["task-10"]],
    ["id gt 'task-1'", ["task-10", "task-2"]],
  ])("%s", (filter, expected) => {
    expect(ids(filter).sort()).toEqual([...expected].sort());
  });

  it("compares booleans and numbers, and treats a bare boolean property as a condition", () => {
    expect(ids("enableAutoScale eq true", pools)).toEqual(["p1"]);
    expect(ids("enableAutoScale", pools)).toEqual(["p1"]);
    expect(ids("not enableAutoScale and targetDedicatedNodes ge 4", pools)).toEqual(["p2"]);
  });

  it("binds 'and' tighter than 'or'", () => {
    // a or (b and c): task-10 matches through the first branch even though it is not completed.
    expect(ids("id eq 'task-10' or state eq 'completed' and executionInfo/exitCode eq 3").sort()).toEqual(["task-10", "task-2"]);
  });

  it("never matches values of a different type", () => {
    expect(ids("executionInfo/exitCode eq '0'")).toEqual([]);
  });
});

describe("$filter errors", () => {
  it.each([
    ["state eq", "unexpected 'end of filter'"],
    ["state eq 'active", "unterminated string literal"],
    ["state = 'active'", "unexpected character '='"],
    ["(state eq 'active'", "expected ')'"],
    ["state eq 'active' extra", "unexpected text"],
    ["contains(id,'a')", "unknown function 'contains'"],
    ["startswith(id)", "startswith takes 2 arguments"],
    ["creationTime gt datetime'yesterday'", "invalid datetime literal"],
    ["'active' and state eq 'active'", "expected a boolean expression"],
    ["executionInfo//result eq 'x'", "invalid property path"],
  ])("%s is refused (%s)", (filter, reason) => {
    let caught: unknown;
    try {
      compileFilter(filter);
    } catch (error: unknown) {
      caught = error;
    }
    expect(isODataQueryError(caught)).toBe(true);
    if (!isODataQueryError(caught)) return;
    expect(caught.code).toBe("InvalidQueryParameterValue");
    expect(caught.statusCode).toBe(400);
    expect(caught.parameterName).toBe("$filter");
    expect(caught.parameterValue).toBe(filter);
    expect(caught.reason).toContain(reason);
  });

  it("refuses properties the entity type does not let clients filter by", () => {
    const allowedPaths = ["id", "state", "executionInfo/result"];
    expect(() => compileFilter("executionInfo/result eq 'success'", { allowedPaths })).not.toThrow();
    expect(() => compileFilter("commandLine eq 'x'", { allowedPaths })).toThrow(/not in the correct format/);
  });
});

describe("equalityConstraint", () => {
  it("finds an equality that every match must satisfy", () => {
    expect(equalityConstraint(compileFilter("state eq 'active'").root, "state")).toBe("active");
    expect(equalityConstraint(compileFilter("startswith(id,'a') and 'running' eq state").root, "state")).toBe("running");
  });

  it("gives nothing when a disjunction or negation could admit other values", () => {
    expect(equalityConstraint(compileFilter("state eq 'active' or id eq 'x'").root, "state")).toBeUndefined();
    expect(equalityConstraint(compileFilter("not (state eq 'active')").root, "state")).toBeUndefined();
    expect(equalityConstraint(compileFilter("state ne 'active'").root, "state")).toBeUndefined();
  });
});
