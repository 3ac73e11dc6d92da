/**
 * The task serialization worker (controller/runtime/taskStream, docs/adr/0030): a large job's tasks are
 * generated, hashed and written as wire JSON off the main thread. What it sends must be what the main thread
 * would send, byte for byte, with the same content markers (ADR 0003 compares them across restarts and
 * versions); the handover from tasks built on the main thread while the worker loads must neither skip nor
 * repeat a task; bodies holding a secret reference come back unserialized, to be resolved just before sending.
 */
import { describe, expect, it } from "vitest";
import { SerializedTask, type TaskPayload } from "../../controller/batch/adapter.js";
import { taskCollectionJson } from "../../controller/batch/mapperJson.js";
import { taskSetOf } from "../../controller/core/taskBody.js";
import type { TaskRecipe } from "../../controller/core/intent.js";
import { serializedTaskBatches, startTaskWorker } from "../../controller/runtime/taskStream/serializedTasks.js";
import type { SubmittableTask } from "../../controller/runtime/taskSubmission.js";

const signal = new AbortController().signal;

/** A sweep whose template sets every member a task body can have (strings with placeholders everywhere). */
const sweep: TaskRecipe = {
  taskFactory: {
    parametricSweep: {
      parameters: [
        { name: "frame", start: 1, end: 1_500 },
        { name: "pass", start: 0, end: 1 },
      ],
      taskTemplate: {
        id: "render-{frame:05}-{pass}",
        displayName: "frame {frame} ({pass})",
        commandLine: "render --frame {frame} --pass {pass}",
        containerSettings: {
          imageName: "contoso.azurecr.io/render:2",
          containerRunOptions: "--rm",
          registry: { registryServer: "contoso.azurecr.io", identityResourceId: "/subscriptions/s/rg/id" },
          workingDirectory: "taskWorkingDirectory",
        },
        resourceFiles: [{ httpUrl: "https://store/scenes/{frame}.blend", filePath: "scene.blend" }],
        outputFiles: [
          {
            filePattern: "out/*.exr",
            destination: { container: { containerUrl: "https://store/out?sv=x", path: "{pass}/{frame}" } },
            uploadOptions: { uploadCondition: "taskSuccess" },
          },
        ],
        environmentSettings: [{ name: "PASS", value: "{pass}" }],
        userIdentity: { autoUser: { scope: "task", elevationLevel: "nonadmin" } },
        constraints: { maxTaskRetryCount: 2, maxWallClockTimeSeconds: 3600, retentionTimeSeconds: 86400 },
      },
    },
  },
} as unknown as TaskRecipe;

/** What the main thread sends for a recipe: id, content marker and the task's wire JSON, in order. */
function onMainThread(recipe: TaskRecipe): string[] {
  return [...taskSetOf(recipe).tasks()].map((t) => `${t.id} ${t.contentHash} ${taskJson(t.body as TaskPayload)}`);
}

/** One task's JSON inside an addtaskcollection body, as the adapter writes it (SerializedTask: as it is). */
function taskJson(task: TaskPayload): string {
  return taskCollectionJson([task]).slice('{"value":['.length, -"]}".length);
}

function described(task: SubmittableTask): string {
  const payload: TaskPayload | undefined = task.payload ?? task.body;
  if (payload === undefined) throw new Error(`task ${task.id} has neither a payload nor a body`);
  return `${task.id} ${task.contentHash} ${taskJson(payload)}`;
}

describe("task serialization worker", () => {
  it("sends, from the first task on, the bytes and content markers the main thread would send", async () => {
    const worker = startTaskWorker(sweep, { signal, batchSize: 700 });
    try {
      await worker.ready;
      const sent: string[] = [];
      for await (const batch of worker.batches(0)) {
        for (const task of batch) {
          expect(task.payload).toBeInstanceOf(SerializedTask);
          sent.push(described(task));
        }
      }
      expect(sent).toHaveLength(3_000);
      expect(sent).toEqual(onMainThread(sweep));
    } finally {
      await worker.stop();
    }
  });

  it("continues exactly where the main thread stopped while it loaded", async () => {
    const expected = onMainThread(sweep);
    const worker = startTaskWorker(sweep, { signal, batchSize: 256 });
    try {
      await worker.ready;
      const sent: string[] = [];
      for await (const batch of worker.batches(1_234)) sent.push(...batch.map(described));
      expect(sent).toEqual(expected.slice(1_234));
    } finally {
      await worker.stop();
    }
  });

  it("hands over from the main thread to the worker without skipping or repeating a task", async () => {
    const set = taskSetOf(sweep);
    const worker = startTaskWorker(sweep, { signal });
    const sent: string[] = [];
    let builtHere = 0;
    for await (const batch of serializedTaskBatches({ ...set, recipe: sweep }, { signal }, worker)) {
      builtHere += batch.filter((t) => t.payload === undefined).length;
      sent.push(...batch.map(described));
      // Three batches built here (nothing yielded to the event loop, so the worker cannot be seen ready); the
      // worker then starts at task 300, and one more batch is built here while its first batch comes in.
      if (sent.length === 300) await worker.ready;
      if (sent.length === 400) while (!worker.hasBatch()) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    // The worker's tasks 300-399 were built here too: dropped from its output, not sent twice.
    expect(builtHere).toBe(400);
    expect(sent).toEqual(onMainThread(sweep));
  });

  it("hands back a task holding a secret reference as a body, to be resolved just before it is sent", async () => {
    const recipe = {
      tasks: [
        { id: "plain", commandLine: "echo plain" },
        {
          id: "private-image",
          commandLine: "run",
          containerSettings: {
            imageName: "contoso.azurecr.io/app:1",
            registry: { registryServer: "contoso.azurecr.io", username: "bob", passwordSecretRef: { name: "acr", key: "password" } },
          },
        },
      ],
    } as unknown as TaskRecipe;
    const worker = startTaskWorker(recipe, { signal });
    try {
      await worker.ready;
      const tasks: SubmittableTask[] = [];
      for await (const batch of worker.batches(0)) tasks.push(...batch);
      expect(tasks.map((t) => t.id)).toEqual(["plain", "private-image"]);
      expect(tasks[0]?.payload).toBeInstanceOf(SerializedTask);
      expect(tasks[1]?.payload).toBeUndefined();
      expect(JSON.stringify(tasks[1]?.body)).toContain('"passwordSecretRef":{"name":"acr","key":"password"}');
      expect(tasks.map(described)).toEqual(onMainThread(recipe));
    } finally {
      await worker.stop();
    }
  });

  it("reports a failure in the worker as an error of the submission, not a hang", async () => {
    // Not a valid factory (validation would refuse it first): the worker's generator throws.
    const broken = { taskFactory: { parametricSweep: { parameters: [{ name: "i", start: 0, end: 9 }] } } } as unknown as TaskRecipe;
    const worker = startTaskWorker(broken, { signal });
    try {
      await worker.ready;
      const drain = async (): Promise<void> => {
        for await (const batch of worker.batches(0)) expect(batch).toBeDefined();
      };
      await expect(drain()).rejects.toThrow(/generating the job's tasks failed/);
    } finally {
      await worker.stop();
    }
  });
});
