import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EmulatorControlClient } from "../../emulator/control-client.js";
import { addReadyPool, batchError, startSdkHarness, type SdkHarness } from "./helpers/sdk.js";

let h: SdkHarness;
let control: EmulatorControlClient;

beforeEach(async () => {
  h = await startSdkHarness();
  control = new EmulatorControlClient(h.emulator.url);
  await addReadyPool(h, "pool");
  await h.client.job.add({ id: "job", poolInfo: { poolId: "pool" } });
});

afterEach(async () => {
  expect(h.violations).toEqual([]);
  await h.close();
});

const longRun = [{ name: "BATCH_EMULATOR_RUN_MS", value: "60000" }];

describe("control API: out-of-band job and task changes", () => {
  it("deleteTask removes a task behind the client's back (ids case-insensitive); counts follow", async () => {
    await h.client.task.addCollection("job", [
      { id: "a", commandLine: "x", environmentSettings: longRun },
      { id: "b", commandLine: "x" },
    ]);
    h.advance(1_000);
    expect((await h.client.task.get("job", "a")).state).toBe("running");

    await control.deleteTask("job", "A");
    expect(await batchError(h.client.task.get("job", "a"))).toMatchObject({ status: 404, code: "TaskNotFound" });
    expect((await h.client.job.getTaskCounts("job")).taskCounts).toMatchObject({ active: 1, running: 0, completed: 0 });
    // The slot the deleted task held goes to the queued task, which then runs to completion.
    h.advance(1_000);
    expect((await h.client.job.getTaskCounts("job")).taskCounts).toMatchObject({ active: 0, running: 0, completed: 1, succeeded: 1 });
    const [node] = await h.client.computeNode.list("pool");
    expect(node?.state).toBe("idle");
  });

  it("terminateTask ends a running task as failed with TaskEnded; a completed one is 409", async () => {
    await h.client.task.add("job", { id: "t", commandLine: "x", environmentSettings: longRun });
    h.advance(1_000);
    await control.terminateTask("job", "t");
    const task = await h.client.task.get("job", "t");
    expect(task.state).toBe("completed");
    expect(task.executionInfo).toMatchObject({ result: "failure", failureInfo: { code: "TaskEnded" } });
    expect((await h.client.job.getTaskCounts("job")).taskCounts).toMatchObject({ failed: 1, running: 0 });
    await expect(control.terminateTask("job", "t")).rejects.toMatchObject({ status: 409, code: "TaskCompleted" });
  });

  it("setJobMetadata replaces metadata with a new ETag, so a client's stale If-Match fails", async () => {
    const before = await h.client.job.get("job");
    await control.setJobMetadata("job", [{ name: "edited", value: "by-hand" }]);
    const after = await h.client.job.get("job");
    expect(after.metadata).toEqual([{ name: "edited", value: "by-hand" }]);
    expect(after.eTag).not.toBe(before.eTag);
    const stale = h.client.job.patch("job", { priority: 5 }, { jobPatchOptions: { ifMatch: before.eTag } });
    expect(await batchError(stale)).toMatchObject({ status: 412, code: "ConditionNotMet" });
    await expect(control.setJobMetadata("job", [{ name: "x" }] as never)).rejects.toMatchObject({
      status: 400,
      code: "InvalidPropertyValue",
    });
  });

  it("deleteJob puts the job in deleting, then it is gone", async () => {
    await h.client.task.add("job", { id: "t", commandLine: "x", environmentSettings: longRun });
    h.advance(1_000);
    await control.deleteJob("job");
    expect((await h.client.job.get("job")).state).toBe("deleting");
    h.advance(h.emulator.timing.jobTransitionMs);
    expect(await batchError(h.client.job.get("job"))).toMatchObject({ status: 404, code: "JobNotFound" });
    const [node] = await h.client.computeNode.list("pool");
    expect(node?.state).toBe("idle");
  });

  it("answers 404 JobNotFound / TaskNotFound and 400 for a missing id, and addresses an account by name", async () => {
    await expect(control.deleteTask("nojob", "t")).rejects.toMatchObject({ status: 404, code: "JobNotFound" });
    await expect(control.deleteTask("job", "missing")).rejects.toMatchObject({ status: 404, code: "TaskNotFound" });
    await expect(control.terminateTask("job", "missing")).rejects.toMatchObject({ status: 404, code: "TaskNotFound" });
    await expect(control.deleteJob("nojob")).rejects.toMatchObject({ status: 404, code: "JobNotFound" });
    await expect(control.action("deleteJob", {})).rejects.toMatchObject({ status: 400, code: "MissingRequiredProperty" });
    await expect(control.deleteJob("job", "someoneelse")).rejects.toMatchObject({ status: 404, code: "AccountNotFound" });
    await control.deleteJob("job", h.emulator.account.name);
    expect((await h.client.job.get("job")).state).toBe("deleting");
  });
});
