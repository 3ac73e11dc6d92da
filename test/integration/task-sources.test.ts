/**
 * Where a large job's tasks are written: a sweep from text on the engine's own thread (ADR 0033), any other
 * job above the threshold by the serialization worker (ADR 0030). Either way every declared task reaches
 * Batch once, with what was declared, and carries the content marker the general path computes: after a
 * restart, ADR 0003 compares that marker with the tasks already in Batch.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { TaskRecipe } from "../../controller/core/intent.js";
import { taskSetOf } from "../../controller/core/taskBody.js";
import { prepareWorkerThread } from "../../controller/runtime/taskStream/workerThread.js";
import { isReady, jobResource, poolResource, startHarness, type Harness } from "./harness.js";

/** Well above the engine's worker threshold (taskWorkerMinTasks, 2,000), so the worker takes over from the
 * tasks built in place while it loads. */
const COUNT = 20_000;

const sweep = {
  taskFactory: {
    parametricSweep: {
      parameters: [{ name: "i", start: 0, end: COUNT - 1 }],
      taskTemplate: { id: "s-{i:05}", commandLine: "echo sweep {i}", environmentSettings: [{ name: "N", value: "{i}" }] },
    },
  },
};

const list = {
  tasks: Array.from({ length: COUNT }, (_, i) => ({
    id: `l-${i}`,
    commandLine: `echo list ${i}`,
    environmentSettings: [{ name: "N", value: String(i) }],
  })),
};

describe("a large job's tasks, from text or from the serialization worker", () => {
  let h: Harness | undefined;
  // From TypeScript sources the worker is bundled at first use (as the image ships it built, ADR 0030).
  beforeAll(prepareWorkerThread, 60_000);
  afterEach(async () => {
    await h?.stop();
  });

  it.each([
    ["a sweep", sweep],
    ["a task list", list],
  ])("%s: every task once, as declared, with the general path's content marker", { timeout: 120_000 }, async (_, recipe) => {
    h = await startHarness();
    h.source.set(poolResource("p", { scale: { fixed: { targetDedicatedNodes: 0 } } }));
    h.source.set(jobResource("j", "p", { tasks: undefined, ...recipe }));
    h.start();
    await h.waitForStatus("BatchJob/default/j", isReady, 100_000);

    const declared = [...taskSetOf(recipe as unknown as TaskRecipe).tasks()];
    const markers = new Map<string, string | undefined>();
    for await (const page of h.batch.listTasks("j")) for (const task of page) markers.set(task.id, task.contentHash);
    expect(markers.size).toBe(COUNT);
    expect(declared.map((t) => markers.get(t.id))).toEqual(declared.map((t) => t.contentHash));

    const live = new Map<string, { commandLine?: unknown; environmentSettings?: { name: string; value: string }[] }>();
    for await (const page of h.batch.listTasksInFull("j")) for (const task of page) live.set(String(task.id), task as never);
    for (const task of declared) {
      const body = task.body as { commandLine: string; environmentSettings: { name: string; value: string }[] };
      const found = live.get(task.id);
      expect(found?.commandLine).toBe(body.commandLine);
      expect(found?.environmentSettings?.find((e) => e.name === "N")?.value).toBe(body.environmentSettings[0]?.value);
    }
    // Each task was added once: no chunk was sent twice (no fault here, so no TaskExists either).
    expect(h.recorded.calls.get("task.addCollection")).toBe(COUNT / 100);
  });
});
