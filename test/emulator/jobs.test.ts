import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addReadyPool, batchError, startSdkHarness, type SdkHarness } from "./helpers/sdk.js";

let h: SdkHarness;

beforeEach(async () => {
  h = await startSdkHarness();
  await addReadyPool(h, "pool-1", { nodes: 1 });
});

afterEach(async () => {
  expect(h.violations).toEqual([]);
  await h.close();
});

describe("Job_Add / Job_Get", () => {
  it("creates a job that reads back with its settings, state and execution info", async () => {
    const added = await h.client.job.add({
      id: "Job-1",
      displayName: "first",
      priority: 100,
      poolInfo: { poolId: "pool-1" },
      constraints: { maxTaskRetryCount: 3 },
      metadata: [{ name: "owner", value: "team" }],
      jobPreparationTask: { commandLine: "echo prep" },
      jobReleaseTask: { commandLine: "echo release" },
    });
    expect(added._response.status).toBe(201);
    expect(added.eTag).toBeTruthy();
    const job = await h.client.job.get("job-1");
    expect(job).toMatchObject({
      id: "Job-1",
      displayName: "first",
      state: "active",
      priority: 100,
      poolInfo: { poolId: "pool-1" },
      constraints: { maxTaskRetryCount: 3 },
      metadata: [{ name: "owner", value: "team" }],
      jobPreparationTask: { commandLine: "echo prep" },
      jobReleaseTask: { commandLine: "echo release" },
      onAllTasksComplete: "noaction",
      onTaskFailure: "noaction",
      usesTaskDependencies: false,
      executionInfo: { poolId: "pool-1" },
    });
    expect(job.eTag).toBe(added.eTag);
    expect(job.url).toBe(`${h.emulator.url}/jobs/Job-1`);
  });

  it("refuses a second job whose id differs only in case", async () => {
    await h.client.job.add({ id: "dup", poolInfo: { poolId: "pool-1" } });
    expect(await batchError(h.client.job.add({ id: "DUP", poolInfo: { poolId: "pool-1" } }))).toMatchObject({
      status: 409,
      code: "JobExists",
    });
  });

  it.each([
    [{ id: "bad id!", poolInfo: { poolId: "pool-1" } }, "InvalidPropertyValue"],
    [{ id: "x".repeat(65), poolInfo: { poolId: "pool-1" } }, "InvalidPropertyValue"],
    // The SDK itself refuses a body without poolInfo; an empty one reaches the service.
    [{ id: "no-pool", poolInfo: {} }, "MissingRequiredProperty"],
    [{ id: "prio", poolInfo: { poolId: "pool-1" }, priority: 5000 }, "InvalidPropertyValue"],
  ])("validates the body (%j → %s)", async (body, code) => {
    expect(await batchError(h.client.job.add(body as never))).toMatchObject({ status: 400, code });
  });

  it("answers JobNotFound for an unknown job", async () => {
    expect(await batchError(h.client.job.get("nope"))).toMatchObject({ status: 404, code: "JobNotFound" });
  });

  it("projects $select and honours If-None-Match with 304", async () => {
    const added = await h.client.job.add({ id: "sel", poolInfo: { poolId: "pool-1" } });
    const selected = await h.client.job.get("sel", { jobGetOptions: { select: "id,state" } });
    expect(selected.id).toBe("sel");
    expect(selected.state).toBe("active");
    expect(selected.poolInfo).toBeUndefined();
    // The SDK surfaces a 304 as an error without a body.
    expect(await batchError(h.client.job.get("sel", { jobGetOptions: { ifNoneMatch: added.eTag } }))).toMatchObject({ status: 304 });
    expect((await h.client.job.get("sel", { jobGetOptions: { ifNoneMatch: "0x8000000000000000" } })).id).toBe("sel");
  });
});

describe("Job_List", () => {
  it("filters with $filter and pages with odata.nextLink", async () => {
    for (let i = 0; i < 5; i++) await h.client.job.add({ id: `job-${i}`, poolInfo: { poolId: "pool-1" }, priority: i });
    await h.client.job.terminate("job-3");
    h.advance(10_000);
    const seen: string[] = [];
    let page = await h.client.job.list({ jobListOptions: { maxResults: 2 } });
    seen.push(...page.map((job) => job.id ?? ""));
    let pages = 1;
    while (page.odatanextLink) {
      page = await h.client.job.listNext(page.odatanextLink);
      seen.push(...page.map((job) => job.id ?? ""));
      pages++;
    }
    expect(seen).toEqual(["job-0", "job-1", "job-2", "job-3", "job-4"]);
    expect(pages).toBe(3);
    const active = await h.client.job.list({ jobListOptions: { filter: "state eq 'active' and priority ge 2" } });
    expect(active.map((job) => job.id)).toEqual(["job-2", "job-4"]);
    expect(await batchError(h.client.job.list({ jobListOptions: { filter: "state eq" } }))).toMatchObject({
      status: 400,
      code: "InvalidQueryParameterValue",
    });
  });
});

describe("Job_Patch / Job_Update", () => {
  it("patch changes only what it carries and gives a new ETag; a stale If-Match is refused", async () => {
    const added = await h.client.job.add({ id: "p", poolInfo: { poolId: "pool-1" }, priority: 7, metadata: [{ name: "a", value: "1" }] });
    const patched = await h.client.job.patch("p", { priority: 9 });
    expect(patched.eTag).not.toBe(added.eTag);
    const job = await h.client.job.get("p");
    expect(job.priority).toBe(9);
    expect(job.metadata).toEqual([{ name: "a", value: "1" }]);
    expect(await batchError(h.client.job.patch("p", { priority: 1 }, { jobPatchOptions: { ifMatch: added.eTag } }))).toMatchObject({
      status: 412,
      code: "ConditionNotMet",
    });
  });

  it("update replaces every updatable property, resetting the omitted ones", async () => {
    await h.client.job.add({ id: "u", poolInfo: { poolId: "pool-1" }, priority: 7, metadata: [{ name: "a", value: "1" }] });
    await h.client.job.update("u", { poolInfo: { poolId: "pool-1" }, constraints: { maxTaskRetryCount: 2 } });
    const job = await h.client.job.get("u");
    expect(job.priority).toBe(0);
    // The service leaves an empty metadata list out of its answer.
    expect(job.metadata).toBeUndefined();
    expect(job.constraints?.maxTaskRetryCount).toBe(2);
  });

  it("changes the pool only while the job is disabled", async () => {
    await addReadyPool(h, "pool-2");
    await h.client.job.add({ id: "move", poolInfo: { poolId: "pool-1" } });
    expect(await batchError(h.client.job.patch("move", { poolInfo: { poolId: "pool-2" } }))).toMatchObject({ status: 409 });
    await h.client.job.disable("move", "wait");
    h.advance(1_000);
    await h.client.job.patch("move", { poolInfo: { poolId: "pool-2" } });
    expect((await h.client.job.get("move")).poolInfo?.poolId).toBe("pool-2");
  });

  it("cannot switch onAllTasksComplete back from terminatejob", async () => {
    await h.client.job.add({ id: "t", poolInfo: { poolId: "pool-1" }, onAllTasksComplete: "noaction" });
    await h.client.task.add("t", { id: "t1", commandLine: "sleep 1" });
    await h.client.job.patch("t", { onAllTasksComplete: "terminatejob" });
    expect(await batchError(h.client.job.patch("t", { onAllTasksComplete: "noaction" }))).toMatchObject({
      status: 400,
      code: "InvalidPropertyValue",
    });
  });
});

describe("job state machine", () => {
  it("disable → disabling → disabled, enable → enabling → active", async () => {
    await h.client.job.add({ id: "d", poolInfo: { poolId: "pool-1" } });
    await h.client.job.disable("d", "requeue");
    expect((await h.client.job.get("d")).state).toBe("disabling");
    h.advance(1_000);
    const disabled = await h.client.job.get("d");
    expect(disabled.state).toBe("disabled");
    expect(disabled.previousState).toBe("disabling");
    await h.client.job.enable("d");
    expect((await h.client.job.get("d")).state).toBe("enabling");
    h.advance(1_000);
    expect((await h.client.job.get("d")).state).toBe("active");
  });

  it("disable with requeue puts running tasks back to active and runs nothing until enabled", async () => {
    await h.client.job.add({ id: "rq", poolInfo: { poolId: "pool-1" } });
    await h.client.task.add("rq", {
      id: "long",
      commandLine: "sleep",
      environmentSettings: [{ name: "BATCH_EMULATOR_RUN_MS", value: "60000" }],
    });
    h.advance(1_000);
    expect((await h.client.task.get("rq", "long")).state).toBe("running");
    await h.client.job.disable("rq", "requeue");
    h.advance(120_000);
    const task = await h.client.task.get("rq", "long");
    expect(task.state).toBe("active");
    expect(task.executionInfo?.requeueCount).toBe(1);
    await h.client.job.enable("rq");
    h.advance(1_000);
    expect((await h.client.task.get("rq", "long")).state).toBe("running");
  });

  it("terminate → terminating → completed with the reason; no tasks can be added after", async () => {
    await h.client.job.add({ id: "term", poolInfo: { poolId: "pool-1" } });
    await h.client.job.terminate("term", { jobTerminateOptions: undefined, terminateReason: "enough" } as never);
    expect((await h.client.job.get("term")).state).toBe("terminating");
    h.advance(1_000);
    const job = await h.client.job.get("term");
    expect(job.state).toBe("completed");
    expect(job.executionInfo?.terminateReason).toBe("enough");
    expect(job.executionInfo?.endTime).toBeInstanceOf(Date);
    expect(await batchError(h.client.task.add("term", { id: "late", commandLine: "x" }))).toMatchObject({
      status: 409,
      code: "JobCompleted",
    });
    expect(await batchError(h.client.job.disable("term", "wait"))).toMatchObject({ status: 409 });
  });

  it("delete shows deleting, then the job is gone", async () => {
    await h.client.job.add({ id: "del", poolInfo: { poolId: "pool-1" } });
    await h.client.task.add("del", { id: "t", commandLine: "x" });
    const deleted = await h.client.job.deleteMethod("del");
    expect(deleted._response.status).toBe(202);
    expect((await h.client.job.get("del")).state).toBe("deleting");
    expect(await batchError(h.client.task.add("del", { id: "t2", commandLine: "x" }))).toMatchObject({
      status: 409,
      code: "JobBeingDeleted",
    });
    h.advance(1_000);
    expect(await batchError(h.client.job.get("del"))).toMatchObject({ status: 404, code: "JobNotFound" });
  });

  it("onAllTasksComplete=terminatejob completes the job once its tasks are done", async () => {
    await h.client.job.add({ id: "auto", poolInfo: { poolId: "pool-1" } });
    await h.client.task.addCollection(
      "auto",
      [1, 2, 3].map((i) => ({ id: `t${i}`, commandLine: "x" })),
    );
    await h.client.job.patch("auto", { onAllTasksComplete: "terminatejob" });
    expect((await h.client.job.get("auto")).state).toBe("active");
    h.advance(10_000);
    const job = await h.client.job.get("auto");
    expect(job.state).toBe("completed");
    expect(job.executionInfo?.terminateReason).toBe("AllTasksComplete");
  });

  it("onTaskFailure=performexitoptionsjobaction terminates the job when a task fails", async () => {
    await h.client.job.add({ id: "ff", poolInfo: { poolId: "pool-1" }, onTaskFailure: "performexitoptionsjobaction" });
    await h.client.task.add("ff", { id: "bad", commandLine: "x", environmentSettings: [{ name: "BATCH_EMULATOR_EXIT_CODE", value: "2" }] });
    h.advance(10_000);
    const job = await h.client.job.get("ff");
    expect(job.state).toBe("completed");
    expect(job.executionInfo?.terminateReason).toBe("TaskFailed");
  });
});

describe("Job_GetTaskCounts", () => {
  it("counts tasks and slots by state as they run", async () => {
    await addReadyPool(h, "wide", { nodes: 1, taskSlotsPerNode: 4 });
    await h.client.job.add({ id: "c", poolInfo: { poolId: "wide" } });
    await h.client.task.addCollection("c", [
      { id: "ok-1", commandLine: "x" },
      { id: "ok-2", commandLine: "x", requiredSlots: 2 },
      { id: "fail", commandLine: "x", environmentSettings: [{ name: "BATCH_EMULATOR_EXIT_CODE", value: "1" }] },
      { id: "wait", commandLine: "x", requiredSlots: 3 },
    ]);
    let counts = await h.client.job.getTaskCounts("c");
    expect(counts.taskCounts).toEqual({ active: 4, running: 0, completed: 0, succeeded: 0, failed: 0 });
    expect(counts.taskSlotCounts).toEqual({ active: 7, running: 0, completed: 0, succeeded: 0, failed: 0 });
    h.advance(50);
    counts = await h.client.job.getTaskCounts("c");
    expect(counts.taskCounts).toMatchObject({ active: 1, running: 3 });
    expect(counts.taskSlotCounts).toMatchObject({ active: 3, running: 4 });
    h.advance(10_000);
    counts = await h.client.job.getTaskCounts("c");
    expect(counts.taskCounts).toEqual({ active: 0, running: 0, completed: 4, succeeded: 3, failed: 1 });
    expect(counts.taskSlotCounts).toEqual({ active: 0, running: 0, completed: 7, succeeded: 6, failed: 1 });
  });
});
