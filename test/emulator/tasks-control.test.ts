import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  deleteJobOutOfBand,
  deleteTaskOutOfBand,
  setJobMetadataOutOfBand,
  terminateTaskOutOfBand,
} from "../../emulator/resources/tasks-control.js";
import { addReadyPool, batchError, startSdkHarness, type SdkHarness } from "./helpers/sdk.js";

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

describe("out-of-band job and task changes (control API hooks)", () => {
  it("deletes a task behind the client's back; counts follow", async () => {
    await h.client.task.addCollection("job", [{ id: "a", commandLine: "x" }, { id: "b", commandLine: "x" }]);
    expect(deleteTaskOutOfBand(h.emulator.state.defaultAccount, "job", "A")).toBe(true);
    expect(deleteTaskOutOfBand(h.emulator.state.defaultAccount, "job", "missing")).toBe(false);
    expect(await batchError(h.client.task.get("job", "a"))).toMatchObject({ status: 404, code: "TaskNotFound" });
    const counts = (await h.client.job.getTaskCounts("job")).taskCounts;
    expect(counts.active + counts.running).toBe(1);
  });

  it("terminates a task, edits job metadata with a new ETag, deletes a job", async () => {
    await h.client.task.add("job", { id: "t", commandLine: "x", environmentSettings: [{ name: "BATCH_EMULATOR_RUN_MS", value: "60000" }] });
    h.advance(1_000);
    const before = await h.client.job.get("job");
    expect(terminateTaskOutOfBand(h.emulator.state.defaultAccount, "job", "t")).toBe(true);
    expect((await h.client.task.get("job", "t")).state).toBe("completed");
    expect(setJobMetadataOutOfBand(h.emulator.state.defaultAccount, "job", [{ name: "edited", value: "yes" }])).toBe(true);
    const after = await h.client.job.get("job");
    expect(after.metadata).toEqual([{ name: "edited", value: "yes" }]);
    expect(after.eTag).not.toBe(before.eTag);
    expect(deleteJobOutOfBand(h.emulator.state.defaultAccount, "job")).toBe(true);
    h.advance(1_000);
    expect(await batchError(h.client.job.get("job"))).toMatchObject({ status: 404 });
  });
});
