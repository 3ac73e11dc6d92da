/**
 * The task serialization worker (docs/adr/0030): generates a job's tasks from its recipe, hashes each
 * (content marker) and writes its wire JSON, off the engine's main thread, a batch at a time and only as
 * far ahead as the engine has granted credit, so memory stays bounded however many tasks the job declares.
 * It loads neither @azure/batch nor anything with I/O: the mappers arrive as plain data.
 */
import { parentPort, workerData } from "node:worker_threads";
import { taskBody, taskSpecsOf } from "../../core/taskBody.js";
import { taskIntent } from "../../core/taskContent.js";
import { taskWriter } from "../../batch/wireJson.js";
import { hasSecretRef } from "../secretRefs.js";
import type { JsonObject } from "../../core/intent.js";
import type { TaskSpec } from "../../model/job.js";
import type { Resume, TaskBatchMessage, WorkerStart } from "./protocol.js";

const port = parentPort;
if (port === null) throw new Error("taskStream/worker.ts runs only as a worker thread");
const start = workerData as WorkerStart;

let from: number | undefined;
let credits = 0;
let granted: (() => void) | undefined;
port.on("message", (message: Resume) => {
  from ??= message.from ?? 0;
  credits += message.credit;
  granted?.();
});

async function produce(): Promise<void> {
  const writeTask = taskWriter(start.models);
  port?.postMessage({ ready: true });
  await credit();
  // The tasks before `from` went out from the engine's own thread while this one loaded.
  const next = specBatches(from ?? 0, writeTask);
  for (;;) {
    const batch = next();
    port?.postMessage(batch);
    if (batch.done) return;
    await credit();
  }
}

/** Batches built the general way, from task `from` on (the ones before are skipped, not built). */
function specBatches(from: number, writeTask: (task: unknown) => string): () => TaskBatchMessage {
  const specs = taskSpecsOf(start.recipe)[Symbol.iterator]();
  for (let i = 0; i < from; i++) specs.next();
  return () => nextBatch(specs, writeTask);
}

/** Takes one batch's credit, waiting for the engine to grant it. */
async function credit(): Promise<void> {
  while (credits === 0) await new Promise<void>((resolve) => (granted = resolve));
  credits--;
}

/** The next `batchSize` tasks as wire JSON (or as bodies, when a secret reference is to be resolved). */
function nextBatch(specs: Iterator<TaskSpec>, writeTask: (task: unknown) => string): TaskBatchMessage {
  const batch = {
    ids: [] as string[],
    hashes: [] as string[],
    json: [] as string[],
    bodies: {} as Record<number, JsonObject>,
    done: false,
  };
  while (batch.ids.length < start.batchSize) {
    const next = specs.next();
    if (next.done === true) return { ...batch, done: true };
    const { id, contentHash, body } = taskIntent(taskBody(next.value));
    const secret = hasSecretRef(body);
    if (secret) batch.bodies[batch.ids.length] = body;
    batch.ids.push(id);
    batch.hashes.push(contentHash);
    batch.json.push(secret ? "" : writeTask(body));
  }
  return batch;
}

produce().catch((error: unknown) => port.postMessage({ error: error instanceof Error ? error.message : String(error) }));
