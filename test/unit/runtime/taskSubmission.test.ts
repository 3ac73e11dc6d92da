import { describe, expect, it } from "vitest";
import type { BatchAdapter, TaskAddOutcome } from "../../../controller/batch/adapter.js";
import { BatchCallError } from "../../../controller/batch/errors.js";
import type { JsonObject, TaskSet } from "../../../controller/core/intent.js";
import type { ObservedTask } from "../../../controller/core/observed.js";
import { contentHashOf, taskIntent } from "../../../controller/core/taskContent.js";
import { submitTasks } from "../../../controller/runtime/taskSubmission.js";

/** An in-memory job: tasks by id (case-insensitive), with optional one-shot faults on adds. */
class FakeJob {
  readonly tasks = new Map<string, { id: string; state: string; contentHash?: string }>();
  addCalls = 0;
  loseNextResponse = false;
  maxPerCall = 100;
  readonly adapter = {
    listTasks: async function* (this: void) {
      yield [] as ObservedTask[];
    },
  } as unknown as BatchAdapter;

  constructor() {
    const tasks = this.tasks;
    Object.assign(this.adapter, {
      listTasks: async function* (): AsyncIterable<ObservedTask[]> {
        yield [...tasks.values()].map((t) => ({ ...t }));
      },
      getTask: async (_job: string, id: string) => tasks.get(id.toLowerCase()),
      deleteTask: async (_job: string, id: string) => void tasks.delete(id.toLowerCase()),
      addTasks: async (_job: string, bodies: readonly JsonObject[]): Promise<TaskAddOutcome[]> => {
        this.addCalls++;
        if (bodies.length > this.maxPerCall)
          throw new BatchCallError(
            "task.addCollection",
            { statusCode: 413, code: "RequestBodyTooLarge", message: "too large" },
            "permanent",
          );
        const outcomes = bodies.map((b): TaskAddOutcome => {
          const id = String(b.id);
          if (tasks.has(id.toLowerCase())) return { taskId: id, outcome: "exists", code: "TaskExists" };
          tasks.set(id.toLowerCase(), {
            id,
            state: "active",
            contentHash: contentHashOf(b.environmentSettings as { name: string; value: string }[]),
          });
          return { taskId: id, outcome: "added" };
        });
        if (this.loseNextResponse) {
          // The service applied the chunk, the answer was lost: the adapter's retry sees TaskExists.
          this.loseNextResponse = false;
          return bodies.map((b) => ({ taskId: String(b.id), outcome: "exists", code: "TaskExists" }));
        }
        return outcomes;
      },
    });
  }
}

function taskSet(commands: Record<string, string>): TaskSet {
  const entries = Object.entries(commands);
  return {
    total: entries.length,
    hash: JSON.stringify(commands),
    *tasks() {
      for (const [id, commandLine] of entries) yield taskIntent({ id, commandLine });
    },
  };
}

const many = (n: number, prefix = "t"): Record<string, string> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, `echo ${i}`]));

describe("exactly-once task submission", () => {
  const run = (job: FakeJob, tasks: TaskSet, chunkSize?: number) =>
    submitTasks({ batch: job.adapter, jobId: "j", tasks, signal: new AbortController().signal, chunkSize, concurrency: 3 });

  it("adds in chunks of 100 and a second pass adds nothing", async () => {
    const job = new FakeJob();
    const first = await run(job, taskSet(many(250)));
    expect(first).toMatchObject({ declared: 250, added: 250, alreadyPresent: 0, failureCount: 0 });
    expect(job.addCalls).toBe(3);
    const again = await run(job, taskSet(many(250)));
    expect(again).toMatchObject({ added: 0, alreadyPresent: 250 });
    expect(job.addCalls).toBe(3);
  });

  it("treats TaskExists after a lost response as success when the content matches", async () => {
    const job = new FakeJob();
    job.loseNextResponse = true;
    const result = await run(job, taskSet(many(50)));
    expect(result).toMatchObject({ added: 0, alreadyPresent: 50, failureCount: 0 });
    expect(job.tasks.size).toBe(50);
  });

  it("reports a same-id task with other content that appeared meanwhile instead of calling it success", async () => {
    const job = new FakeJob();
    const tasks = taskSet({ a: "echo a" });
    const originalList = job.adapter.listTasks.bind(job.adapter);
    // Someone else adds "A" between our listing and our add.
    Object.assign(job.adapter, {
      listTasks: async function* (jobId: string) {
        yield* originalList(jobId);
        job.tasks.set("a", { id: "A", state: "active", contentHash: "someone-elses" });
      },
    });
    const result = await run(job, tasks);
    expect(result.failureCount).toBe(1);
    expect(result.failures[0]).toMatchObject({ taskId: "a", code: "TaskExists" });
  });

  it("replaces a changed task that has not started, and never resubmits a started or completed one", async () => {
    const job = new FakeJob();
    await run(job, taskSet({ waiting: "v1", started: "v1", done: "v1" }));
    job.tasks.set("started", { ...(job.tasks.get("started") as { id: string; state: string }), state: "running" });
    job.tasks.set("done", { ...(job.tasks.get("done") as { id: string; state: string }), state: "completed" });
    const result = await run(job, taskSet({ waiting: "v2", started: "v2", done: "v2" }));
    expect(result).toMatchObject({ replaced: 1, notResubmitted: 2, notResubmittedIds: ["started", "done"], failureCount: 0 });
    expect(job.tasks.get("waiting")?.contentHash).toBe(taskIntent({ id: "waiting", commandLine: "v2" }).contentHash);
    expect(job.tasks.get("done")?.state).toBe("completed");
  });

  it("splits a chunk the service finds too large", async () => {
    const job = new FakeJob();
    job.maxPerCall = 30;
    const result = await run(job, taskSet(many(100)), 100);
    expect(result).toMatchObject({ added: 100, failureCount: 0 });
    expect(job.tasks.size).toBe(100);
  });

  it("streams: a factory of 20,000 tasks is consumed lazily, in order, once", async () => {
    const job = new FakeJob();
    let generated = 0;
    let generatedAtFirstAdd = -1;
    const add = job.adapter.addTasks.bind(job.adapter);
    Object.assign(job.adapter, {
      addTasks: (jobId: string, bodies: readonly JsonObject[]) => {
        if (generatedAtFirstAdd < 0) generatedAtFirstAdd = generated;
        return add(jobId, bodies);
      },
    });
    const lazy: TaskSet = {
      total: 20_000,
      hash: "lazy",
      *tasks() {
        for (let i = 0; i < 20_000; i++) {
          generated++;
          yield taskIntent({ id: `f${i}`, commandLine: "x" });
        }
      },
    };
    const result = await run(job, lazy);
    expect(generated).toBe(20_000);
    // The first chunk went out long before the factory was exhausted.
    expect(generatedAtFirstAdd).toBeLessThanOrEqual(100 * (3 + 1)); // chunk × (concurrency + 1)
    expect(result.added).toBe(20_000);
  });
  it("does not list the tasks of a job it has just created, and still lists an existing job's", async () => {
    const job = new FakeJob();
    let listings = 0;
    const list = job.adapter.listTasks.bind(job.adapter);
    Object.assign(job.adapter, {
      listTasks: (jobId: string) => {
        listings++;
        return list(jobId);
      },
    });
    const signal = new AbortController().signal;
    const created = await submitTasks({ batch: job.adapter, jobId: "j", tasks: taskSet(many(150)), signal, createdEmpty: true });
    expect(created).toMatchObject({ added: 150, failureCount: 0 });
    expect(listings).toBe(0);
    const resumed = await submitTasks({ batch: job.adapter, jobId: "j", tasks: taskSet(many(150)), signal });
    expect(resumed).toMatchObject({ added: 0, alreadyPresent: 150 });
    expect(listings).toBe(1);
  });

  it("cuts batches of any size into full chunks, in order, each task once", async () => {
    const job = new FakeJob();
    const sizes: number[] = [];
    const sentIds: string[] = [];
    const add = job.adapter.addTasks.bind(job.adapter);
    Object.assign(job.adapter, {
      addTasks: (jobId: string, bodies: readonly JsonObject[]) => {
        sizes.push(bodies.length);
        sentIds.push(...bodies.map((b) => String(b.id)));
        return add(jobId, bodies);
      },
    });
    const tasks = taskSet(many(530));
    const all = [...tasks.tasks()];
    async function* batches() {
      for (const size of [250, 30, 170, 80]) yield all.splice(0, size);
    }
    const result = await submitTasks({ batch: job.adapter, jobId: "j", tasks, batches: batches(), signal: new AbortController().signal });
    expect(result).toMatchObject({ declared: 530, added: 530, failureCount: 0 });
    expect(sizes).toEqual([100, 100, 100, 100, 100, 30]);
    expect(sentIds).toEqual(Object.keys(many(530)));
  });
});
