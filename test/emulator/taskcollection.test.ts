import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addReadyPool, startSdkHarness, type SdkHarness } from "./helpers/sdk.js";

let h: SdkHarness;

beforeEach(async () => {
  h = await startSdkHarness();
  await addReadyPool(h, "pool");
  await h.client.job.add({ id: "job", poolInfo: { poolId: "pool" } });
});

afterEach(async () => {
  expect(h.violations).toEqual([]);
  await h.close();
});

const tasks = (count: number, prefix = "t") => Array.from({ length: count }, (_, i) => ({ id: `${prefix}${i}`, commandLine: "echo" }));

/** Sends a signed request the SDK would refuse to build (it checks maxItems itself). */
async function rawAddCollection(
  body: unknown,
): Promise<{ status: number; body: { code?: string; values?: Array<{ key: string; value: string }> } }> {
  const response = await h.client.sendRequest({
    method: "POST",
    url: `${h.emulator.url}/jobs/job/addtaskcollection?api-version=2022-10-01.16.0`,
    body,
    headers: { "content-type": "application/json; odata=minimalmetadata; charset=utf-8" },
  });
  return { status: response.status, body: JSON.parse(response.bodyAsText ?? "{}") as { code?: string } };
}

describe("Task_AddCollection", () => {
  it("adds 100 tasks and reports a Success result for each", async () => {
    const result = await h.client.task.addCollection("job", tasks(100));
    expect(result.value).toHaveLength(100);
    // The service sends PascalCase ("Success") although the SDK's type says "success": compare case-insensitively.
    expect(result.value?.every((r) => String(r.status) === "Success" && r.eTag && r.location?.endsWith(`/tasks/${r.taskId}`))).toBe(true);
    // The answer is written as text by the emulator: each result must carry the added task's own ETag, time and URL.
    const last = result.value?.[99];
    const stored = await h.client.task.get("job", "t99");
    expect(last).toMatchObject({ taskId: "t99", eTag: stored.eTag, lastModified: stored.lastModified, location: stored.url });
    expect((await h.client.job.getTaskCounts("job")).taskCounts.active + (await h.client.job.getTaskCounts("job")).taskCounts.running).toBe(
      100,
    );
  });

  it("reports per-task errors without failing the others: TaskExists on a retry, invalid ids", async () => {
    await h.client.task.addCollection("job", tasks(3));
    const result = await h.client.task.addCollection("job", [
      ...tasks(3).map((t) => ({ ...t, id: t.id.toUpperCase() })),
      { id: "fresh", commandLine: "echo" },
      { id: "bad id", commandLine: "echo" },
    ]);
    const byId = new Map(result.value?.map((r) => [r.taskId, r]));
    expect(byId.get("T0")).toMatchObject({ status: "ClientError", error: { code: "TaskExists" } });
    expect(byId.get("fresh")).toMatchObject({ status: "Success" });
    expect(byId.get("bad id")).toMatchObject({ status: "ClientError", error: { code: "InvalidPropertyValue" } });
    expect(byId.get("bad id")?.eTag).toBeUndefined();
    const listed = await h.client.task.list("job");
    expect(listed.map((t) => t.id)).toEqual(["t0", "t1", "t2", "fresh"]);
  });

  it("refuses more than 100 tasks with 413 RequestBodyTooLarge and adds none", async () => {
    const response = await rawAddCollection({ value: tasks(101) });
    expect(response.status).toBe(413);
    expect(response.body.code).toBe("RequestBodyTooLarge");
    expect((await h.client.task.list("job")).length).toBe(0);
  });

  it("refuses a body over 1 MB with 413 RequestBodyTooLarge", async () => {
    const big = "x".repeat(12_000);
    const heavy = tasks(90).map((t) => ({ ...t, environmentSettings: [{ name: "BIG", value: big }] }));
    let status = 0;
    try {
      await h.client.task.addCollection("job", heavy);
    } catch (error: unknown) {
      status = (error as { statusCode?: number }).statusCode ?? 0;
      expect((error as { body?: { code?: string; values?: Array<{ key: string; value: string }> } }).body).toMatchObject({
        code: "RequestBodyTooLarge",
        values: [{ key: "MaxLimit", value: "1048576" }],
      });
    }
    expect(status).toBe(413);
    expect((await h.client.task.list("job")).length).toBe(0);
  });

  it("answers JobNotFound for an unknown job and refuses adds to a completed job", async () => {
    expect((await rawAddCollectionTo("nope", { value: tasks(1) })).status).toBe(404);
    await h.client.job.terminate("job");
    h.advance(5_000);
    const response = await rawAddCollectionTo("job", { value: tasks(1) });
    // A job-level refusal fails the whole call rather than each task.
    expect(response.status).toBe(409);
  });
});

async function rawAddCollectionTo(jobId: string, body: unknown): Promise<{ status: number }> {
  const response = await h.client.sendRequest({
    method: "POST",
    url: `${h.emulator.url}/jobs/${jobId}/addtaskcollection?api-version=2022-10-01.16.0`,
    body,
    headers: { "content-type": "application/json; odata=minimalmetadata; charset=utf-8" },
  });
  return { status: response.status };
}
