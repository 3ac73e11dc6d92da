import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addReadyPool, batchError, startSdkHarness, type SdkHarness } from "./helpers/sdk.js";

let h: SdkHarness;
beforeEach(async () => {
  h = await startSdkHarness();
  await addReadyPool(h, "pool");
  await h.client.job.add({ id: "job", poolInfo: { poolId: "pool" } });
  await h.client.task.add("job", { id: "t", commandLine: "x" });
});
afterEach(async () => {
  expect(h.violations).toEqual([]);
  await h.close();
});

/** A signed GET the SDK's typed methods would not send (malformed query values). */
async function rawGet(pathAndQuery: string): Promise<{ status: number; code?: string; values?: Array<{ key: string; value: string }> }> {
  const response = await h.client.sendRequest({ method: "GET", url: `${h.emulator.url}${pathAndQuery}` });
  const body = JSON.parse(response.bodyAsText ?? "{}") as { code?: string; values?: Array<{ key: string; value: string }> };
  return { status: response.status, code: body.code, values: body.values };
}

describe("$expand on jobs and tasks", () => {
  it("accepts stats on get and list", async () => {
    expect((await h.client.job.get("job", { jobGetOptions: { expand: "stats" } })).id).toBe("job");
    expect((await h.client.job.list({ jobListOptions: { expand: "stats" } })).map((j) => j.id)).toEqual(["job"]);
    expect((await h.client.task.get("job", "t", { taskGetOptions: { expand: "stats" } })).id).toBe("t");
    expect((await h.client.task.list("job", { taskListOptions: { expand: "stats" } })).map((t) => t.id)).toEqual(["t"]);
  });

  it("refuses anything else with 400 InvalidQueryParameterValue naming $expand", async () => {
    for (const call of [
      h.client.job.get("job", { jobGetOptions: { expand: "tasks" } }),
      h.client.job.list({ jobListOptions: { expand: "stats,tasks" } }),
      h.client.task.get("job", "t", { taskGetOptions: { expand: "nodes" } }),
      h.client.task.list("job", { taskListOptions: { expand: "x" } }),
    ]) {
      const error = await batchError(call);
      expect(error).toMatchObject({ status: 400, code: "InvalidQueryParameterValue" });
      expect(error.values).toContainEqual({ key: "QueryParameterName", value: "$expand" });
    }
  });
});

describe("timeout", () => {
  it("accepts the SDK's timeout option, including values above the 30 s default", async () => {
    expect((await h.client.job.get("job", { jobGetOptions: { timeout: 5 } })).id).toBe("job");
    expect((await h.client.pool.list({ poolListOptions: { timeout: 120 } })).map((p) => p.id)).toEqual(["pool"]);
  });

  it("refuses a timeout that is not an integer", async () => {
    for (const value of ["abc", "-1", "1.5"]) {
      const answer = await rawGet(`/jobs?api-version=2022-10-01.16.0&timeout=${value}`);
      expect(answer).toMatchObject({ status: 400, code: "InvalidQueryParameterValue" });
      expect(answer.values).toContainEqual({ key: "QueryParameterName", value: "timeout" });
    }
  });
});

describe("ocp-date", () => {
  it("signs with the client's ocp-date; a request dated more than 15 minutes off is refused", async () => {
    expect((await h.client.job.get("job", { jobGetOptions: { ocpDate: new Date(Date.now() - 60_000) } })).id).toBe("job");
    const stale = await batchError(h.client.job.get("job", { jobGetOptions: { ocpDate: new Date(Date.now() - 20 * 60_000) } }));
    expect(stale).toMatchObject({ status: 403, code: "AuthenticationFailed" });
    const future = await batchError(h.client.job.get("job", { jobGetOptions: { ocpDate: new Date(Date.now() + 20 * 60_000) } }));
    expect(future).toMatchObject({ status: 403, code: "AuthenticationFailed" });
  });
});

describe("maxresults bounds", () => {
  it("jobs and tasks take 1 to 1000; 0 and 1001 are out of range, a word is invalid", async () => {
    for (const path of ["/jobs", "/jobs/job/tasks"]) {
      expect(await rawGet(`${path}?api-version=2022-10-01.16.0&maxresults=1000`)).toMatchObject({ status: 200 });
      expect(await rawGet(`${path}?api-version=2022-10-01.16.0&maxresults=0`)).toMatchObject({
        status: 400,
        code: "OutOfRangeQueryParameterValue",
      });
      expect(await rawGet(`${path}?api-version=2022-10-01.16.0&maxresults=1001`)).toMatchObject({
        status: 400,
        code: "OutOfRangeQueryParameterValue",
      });
      expect(await rawGet(`${path}?api-version=2022-10-01.16.0&maxresults=ten`)).toMatchObject({
        status: 400,
        code: "InvalidQueryParameterValue",
      });
    }
  });
});

describe("pools in deleting", () => {
  it("stay listed and filterable by state until they vanish; running tasks are requeued", async () => {
    await h.client.task.add("job", {
      id: "long",
      commandLine: "x",
      environmentSettings: [{ name: "BATCH_EMULATOR_RUN_MS", value: "600000" }],
    });
    h.advance(1_000);
    expect((await h.client.task.get("job", "long")).state).toBe("running");

    await h.client.pool.deleteMethod("pool");
    const deleting = await h.client.pool.list({ poolListOptions: { filter: "state eq 'deleting'" } });
    expect(deleting.map((p) => p.id)).toEqual(["pool"]);
    expect((await h.client.pool.list({ poolListOptions: { filter: "state eq 'active'" } })).map((p) => p.id)).toEqual([]);
    expect(await batchError(h.client.pool.resize("pool", { targetDedicatedNodes: 2 }))).toMatchObject({
      status: 409,
      code: "PoolBeingDeleted",
    });
    expect(await batchError(h.client.pool.enableAutoScale("pool", { autoScaleFormula: "$TargetDedicatedNodes = 1;" }))).toMatchObject({
      status: 409,
      code: "PoolBeingDeleted",
    });
    h.advance(h.emulator.timing.poolDeletingMs);
    expect((await h.client.pool.list()).map((p) => p.id)).toEqual([]);
    const task = await h.client.task.get("job", "long");
    expect(task).toMatchObject({ state: "active", executionInfo: { requeueCount: 1 } });
  });
});
