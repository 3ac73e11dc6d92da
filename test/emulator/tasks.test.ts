import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addReadyPool, batchError, startSdkHarness, type SdkHarness } from "./helpers/sdk.js";

let h: SdkHarness;
const exitCodes = (value: string) => [{ name: "BATCH_EMULATOR_EXIT_CODE", value }];
const runMs = (value: number) => [{ name: "BATCH_EMULATOR_RUN_MS", value: String(value) }];

beforeEach(async () => {
  h = await startSdkHarness();
  await addReadyPool(h, "pool", { nodes: 1, taskSlotsPerNode: 2 });
  await h.client.job.add({ id: "job", poolInfo: { poolId: "pool" }, usesTaskDependencies: true });
});

afterEach(async () => {
  expect(h.violations).toEqual([]);
  expect(h.checked()).toBeGreaterThan(0);
  await h.close();
});

describe("Task_Add / Task_Get / Task_List", () => {
  it("adds a task that reads back as added, with default constraints", async () => {
    const added = await h.client.task.add("job", {
      id: "Task-1",
      displayName: "one",
      commandLine: "/bin/sh -c 'echo hi'",
      environmentSettings: [{ name: "A", value: "1" }],
      resourceFiles: [{ httpUrl: "https://example.com/in.txt", filePath: "in.txt" }],
    });
    expect(added._response.status).toBe(201);
    const task = await h.client.task.get("job", "task-1");
    expect(task).toMatchObject({
      id: "Task-1",
      displayName: "one",
      commandLine: "/bin/sh -c 'echo hi'",
      state: "active",
      requiredSlots: 1,
      environmentSettings: [{ name: "A", value: "1" }],
      resourceFiles: [{ httpUrl: "https://example.com/in.txt", filePath: "in.txt" }],
      constraints: { maxTaskRetryCount: 0, retentionTime: "P7D" },
      executionInfo: { retryCount: 0, requeueCount: 0 },
    });
    expect(task.eTag).toBe(added.eTag);
    expect(task.url).toBe(`${h.emulator.url}/jobs/job/tasks/Task-1`);
  });

  it("refuses duplicate ids case-insensitively, bad ids and missing command lines", async () => {
    await h.client.task.add("job", { id: "same", commandLine: "x" });
    expect(await batchError(h.client.task.add("job", { id: "SAME", commandLine: "x" }))).toMatchObject({ status: 409, code: "TaskExists" });
    expect(await batchError(h.client.task.add("job", { id: "a/b", commandLine: "x" }))).toMatchObject({
      status: 400,
      code: "InvalidPropertyValue",
    });
    expect(await batchError(h.client.task.add("job", { id: "nocmd", commandLine: "" } as never))).toMatchObject({ status: 400 });
    expect(await batchError(h.client.task.add("nojob", { id: "t", commandLine: "x" }))).toMatchObject({ status: 404, code: "JobNotFound" });
    expect(await batchError(h.client.task.get("job", "missing"))).toMatchObject({ status: 404, code: "TaskNotFound" });
  });

  it("lists with $filter on state and execution result, $select, and paging", async () => {
    await h.client.task.addCollection("job", [
      { id: "ok", commandLine: "x" },
      { id: "bad", commandLine: "x", environmentSettings: exitCodes("3") },
      { id: "slow", commandLine: "x", environmentSettings: runMs(60_000) },
    ]);
    h.advance(5_000);
    await h.client.task.add("job", { id: "new", commandLine: "x" });
    const ids = async (filter: string) => (await h.client.task.list("job", { taskListOptions: { filter } })).map((t) => t.id);
    expect(await ids("state eq 'completed'")).toEqual(["ok", "bad"]);
    expect(await ids("executionInfo/result eq 'failure'")).toEqual(["bad"]);
    expect(await ids("executionInfo/exitCode eq 3")).toEqual(["bad"]);
    expect(await ids("state eq 'running' or state eq 'active'")).toEqual(["slow", "new"]);
    expect(await ids("startswith(id,'s')")).toEqual(["slow"]);
    const selected = await h.client.task.list("job", { taskListOptions: { select: "id,state", maxResults: 3 } });
    expect(
      selected.map((t) =>
        Object.keys(t)
          .filter((k) => k !== "odatanextLink")
          .sort(),
      ),
    ).toEqual([
      ["id", "state"],
      ["id", "state"],
      ["id", "state"],
    ]);
    expect(selected.odatanextLink).toBeTruthy();
    const rest = await h.client.task.listNext(selected.odatanextLink ?? "");
    expect(rest.map((t) => t.id)).toEqual(["new"]);
    expect(await batchError(h.client.task.list("job", { taskListOptions: { filter: "commandLine eq" } }))).toMatchObject({ status: 400 });
  });
});

describe("Task_Update / Task_Delete", () => {
  it("changes only the constraints, with a new ETag; If-Match guards it", async () => {
    const added = await h.client.task.add("job", { id: "u", commandLine: "x", constraints: { maxTaskRetryCount: 1 } });
    const updated = await h.client.task.update("job", "u", {
      taskUpdateOptions: undefined,
      constraints: { maxTaskRetryCount: 5, maxWallClockTime: "PT1H" },
    } as never);
    expect(updated.eTag).not.toBe(added.eTag);
    const task = await h.client.task.get("job", "u");
    expect(task.constraints).toMatchObject({ maxTaskRetryCount: 5, maxWallClockTime: "PT1H" });
    expect(task.commandLine).toBe("x");
    expect(await batchError(h.client.task.update("job", "u", { taskUpdateOptions: { ifMatch: added.eTag } } as never))).toMatchObject({
      status: 412,
    });
  });

  it("deletes a task, also a running one, and frees its slot", async () => {
    await h.client.task.add("job", { id: "run", commandLine: "x", requiredSlots: 2, environmentSettings: runMs(60_000) });
    await h.client.task.add("job", { id: "next", commandLine: "x" });
    h.advance(1_000);
    expect((await h.client.task.get("job", "run")).state).toBe("running");
    expect((await h.client.task.get("job", "next")).state).toBe("active");
    const deleted = await h.client.task.deleteMethod("job", "run");
    expect(deleted._response.status).toBe(200);
    expect(await batchError(h.client.task.get("job", "run"))).toMatchObject({ status: 404, code: "TaskNotFound" });
    h.advance(50);
    expect((await h.client.task.get("job", "next")).state).not.toBe("active");
    expect((await h.client.job.getTaskCounts("job")).taskCounts.active).toBe(0);
  });
});

describe("task lifecycle", () => {
  it("runs active → preparing → running → completed with execution info and node info", async () => {
    await h.client.task.add("job", { id: "t", commandLine: "x" });
    h.advance(0);
    expect((await h.client.task.get("job", "t")).state).toBe("preparing");
    h.advance(h.emulator.timing.taskPreparingMs);
    const running = await h.client.task.get("job", "t");
    expect(running.state).toBe("running");
    expect(running.nodeInfo?.poolId).toBe("pool");
    h.advance(h.emulator.timing.taskRunMs);
    const done = await h.client.task.get("job", "t");
    expect(done.state).toBe("completed");
    expect(done.previousState).toBe("running");
    expect(done.executionInfo).toMatchObject({ exitCode: 0, result: "success", retryCount: 0, requeueCount: 0 });
    const info = done.executionInfo;
    expect((info?.endTime?.getTime() ?? 0) - (info?.startTime?.getTime() ?? 0)).toBe(
      h.emulator.timing.taskPreparingMs + h.emulator.timing.taskRunMs,
    );
    const nodes = await h.client.computeNode.list("pool");
    expect(nodes[0]?.totalTasksRun).toBe(1);
  });

  it("retries a failing task up to maxTaskRetryCount", async () => {
    await h.client.task.add("job", {
      id: "flaky",
      commandLine: "x",
      environmentSettings: exitCodes("1,1,0"),
      constraints: { maxTaskRetryCount: 2 },
    });
    await h.client.task.add("job", {
      id: "broken",
      commandLine: "x",
      environmentSettings: exitCodes("1,1,0"),
      constraints: { maxTaskRetryCount: 1 },
    });
    h.advance(10_000);
    const flaky = await h.client.task.get("job", "flaky");
    expect(flaky.executionInfo).toMatchObject({ result: "success", exitCode: 0, retryCount: 2 });
    expect(flaky.executionInfo?.lastRetryTime).toBeInstanceOf(Date);
    const broken = await h.client.task.get("job", "broken");
    expect(broken.executionInfo).toMatchObject({ result: "failure", exitCode: 1, retryCount: 1, failureInfo: { category: "usererror" } });
  });

  it("honours the job's maxTaskRetryCount when the task sets none", async () => {
    await h.client.job.add({ id: "retry-job", poolInfo: { poolId: "pool" }, constraints: { maxTaskRetryCount: 1 } });
    await h.client.task.add("retry-job", { id: "t", commandLine: "x", environmentSettings: exitCodes("4,0") });
    h.advance(10_000);
    expect((await h.client.task.get("retry-job", "t")).executionInfo).toMatchObject({ result: "success", retryCount: 1 });
  });

  it("ends a task at maxWallClockTime", async () => {
    await h.client.task.add("job", {
      id: "slow",
      commandLine: "x",
      environmentSettings: runMs(600_000),
      constraints: { maxWallClockTime: "PT1M" },
    });
    h.advance(61_000);
    const task = await h.client.task.get("job", "slow");
    expect(task.state).toBe("completed");
    expect(task.executionInfo).toMatchObject({ result: "failure", failureInfo: { code: "TaskEnded" } });
  });

  it("waits for dependencies (ids and ranges) to succeed", async () => {
    await h.client.task.addCollection("job", [
      { id: "1", commandLine: "x" },
      { id: "2", commandLine: "x", environmentSettings: runMs(5_000) },
      { id: "merge", commandLine: "x", dependsOn: { taskIdRanges: [{ start: 1, end: 2 }] } },
      { id: "after-merge", commandLine: "x", dependsOn: { taskIds: ["merge"] } },
      { id: "after-failure", commandLine: "x", dependsOn: { taskIds: ["fails"] } },
      { id: "fails", commandLine: "x", environmentSettings: exitCodes("1") },
    ]);
    h.advance(1_000);
    expect((await h.client.task.get("job", "merge")).state).toBe("active");
    h.advance(10_000);
    expect((await h.client.task.get("job", "merge")).executionInfo?.result).toBe("success");
    expect((await h.client.task.get("job", "after-merge")).executionInfo?.result).toBe("success");
    expect((await h.client.task.get("job", "after-failure")).state).toBe("active");
  });

  it("refuses dependencies on a job that does not use them", async () => {
    await h.client.job.add({ id: "plain", poolInfo: { poolId: "pool" } });
    expect(await batchError(h.client.task.add("plain", { id: "t", commandLine: "x", dependsOn: { taskIds: ["a"] } }))).toMatchObject({
      status: 400,
      code: "TaskDependenciesNotSpecifiedOnJob",
    });
  });

  it("never runs more slots than the node has, and respects maxParallelTasks", async () => {
    await h.client.job.add({ id: "par", poolInfo: { poolId: "pool" }, maxParallelTasks: 1 });
    await h.client.task.addCollection(
      "par",
      [1, 2, 3].map((i) => ({ id: `t${i}`, commandLine: "x", environmentSettings: runMs(1_000) })),
    );
    h.advance(500);
    expect((await h.client.job.getTaskCounts("par")).taskCounts).toMatchObject({ running: 1, active: 2 });
    await h.client.task.addCollection(
      "job",
      [1, 2, 3].map((i) => ({ id: `w${i}`, commandLine: "x", environmentSettings: runMs(1_000) })),
    );
    h.advance(10);
    // Two slots on the node: one taken by "par", one left for "job".
    expect((await h.client.job.getTaskCounts("job")).taskCounts).toMatchObject({ running: 1, active: 2 });
  });

  it("terminate ends a running task; reactivate runs a failed task again, not a succeeded one", async () => {
    await h.client.task.add("job", { id: "t", commandLine: "x", environmentSettings: runMs(60_000) });
    await h.client.task.add("job", { id: "ok", commandLine: "x" });
    h.advance(1_000);
    await h.client.task.terminate("job", "t");
    const ended = await h.client.task.get("job", "t");
    expect(ended.state).toBe("completed");
    expect(ended.executionInfo).toMatchObject({ result: "failure", failureInfo: { code: "TaskEnded" } });
    expect(await batchError(h.client.task.terminate("job", "t"))).toMatchObject({ status: 409 });
    await h.client.task.reactivate("job", "t");
    expect((await h.client.task.get("job", "t")).state).toBe("active");
    h.advance(1_000);
    expect((await h.client.task.get("job", "t")).state).toBe("running");
    expect(await batchError(h.client.task.reactivate("job", "ok"))).toMatchObject({ status: 409 });
  });
});
