import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SPEC_DIR, assertMatchesSpec, loadSpec, specErrors } from "./helpers/spec-schema.js";

type JsonObject = Record<string, unknown>;

/** Examples that contradict their own schema; the schema is the contract. */
const INCONSISTENT_EXAMPLES = new Set([
  // VMExtension.settings is `type: object`, the example shows it as a JSON string.
  "Get a VirtualMachineConfiguration pool with extensions",
]);

/** Every (operationId, example name, status, body) the spec's own examples show. */
function exampleResponses(): Array<[string, string, number, unknown]> {
  const cases: Array<[string, string, number, unknown]> = [];
  for (const op of specOperations()) {
    const examples = (op["x-ms-examples"] ?? {}) as Record<string, { $ref: string }>;
    for (const [name, ref] of Object.entries(examples)) {
      if (INCONSISTENT_EXAMPLES.has(name)) continue;
      const example = JSON.parse(readFileSync(`${SPEC_DIR}${ref.$ref.replace("./", "")}`, "utf8")) as JsonObject;
      for (const [status, response] of Object.entries(example.responses as JsonObject)) {
        cases.push([String(op.operationId), name, Number(status), (response as JsonObject).body]);
      }
    }
  }
  return cases;
}

function specOperations(): JsonObject[] {
  return Object.values(loadSpec().paths as JsonObject).flatMap((pathItem) => Object.values(pathItem as JsonObject) as JsonObject[]);
}

function jobGetExample(): JsonObject {
  const example = JSON.parse(readFileSync(`${SPEC_DIR}examples/JobGet.json`, "utf8")) as JsonObject;
  return structuredClone(((example.responses as JsonObject)["200"] as JsonObject).body as JsonObject);
}

describe("assertMatchesSpec", () => {
  const cases = exampleResponses();

  it("finds the spec's examples", () => {
    expect(cases.length).toBeGreaterThan(80);
  });

  it.each(cases)("accepts the example response of %s (%s, %i)", (operationId, _name, status, body) => {
    expect(() => assertMatchesSpec(operationId, status, body)).not.toThrow();
  });

  it("accepts what the wire really sends: odata annotations and PascalCase enum values", () => {
    const job = { ...jobGetExample(), "odata.metadata": "https://host/$metadata#jobs/@Element" };
    expect(specErrors("Job_Get", 200, job)).toEqual([]);
    const added = { value: [{ status: "Success", taskId: "t1", eTag: "0x1", lastModified: "2024-01-01T00:00:00.0000000Z" }] };
    expect(specErrors("Task_AddCollection", 200, added)).toEqual([]);
  });

  it.each([
    ["an unknown enum value", (job: JsonObject) => ({ ...job, state: "sleeping" })],
    ["a wrong type", (job: JsonObject) => ({ ...job, priority: "high" })],
    ["a property the spec does not define", (job: JsonObject) => ({ ...job, internalQueue: [] })],
    ["a malformed date-time", (job: JsonObject) => ({ ...job, creationTime: "yesterday" })],
    ["an int32 out of range", (job: JsonObject) => ({ ...job, priority: 2 ** 40 })],
    ["a nested violation", (job: JsonObject) => ({ ...job, poolInfo: { poolId: 7 } })],
    ["a malformed duration", (job: JsonObject) => ({ ...job, constraints: { maxWallClockTime: "10 minutes" } })],
  ])("refuses %s", (_what, breakIt) => {
    expect(specErrors("Job_Get", 200, breakIt(jobGetExample())).length).toBeGreaterThan(0);
  });

  it("refuses an error body without the required shape and accepts a Batch error", () => {
    const error = { code: "JobNotFound", message: { lang: "en-US", value: "The specified job does not exist." } };
    expect(specErrors("Job_Get", 404, error)).toEqual([]);
    expect(specErrors("Job_Get", 404, { code: "JobNotFound", message: "The specified job does not exist." }).length).toBeGreaterThan(0);
  });

  it("requires an empty body where the spec declares none", () => {
    expect(specErrors("Job_Add", 201, undefined)).toEqual([]);
    expect(specErrors("Job_Add", 201, { id: "j" }).length).toBeGreaterThan(0);
  });

  it("refuses unknown operations and undeclared statuses", () => {
    expect(() => assertMatchesSpec("Job_Teleport", 200, {})).toThrow(/no operation/);
    expect(() => assertMatchesSpec("Job_Add", 200, {})).toThrow(/declares no 200/);
  });
});
