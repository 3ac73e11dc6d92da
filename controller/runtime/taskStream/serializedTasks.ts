/**
 * A job's tasks generated, hashed and serialized by a worker thread (worker.ts, docs/adr/0030), as batches
 * the submission sends as they are. On the main thread a 100-task addtaskcollection request then costs the
 * HTTP exchange only; the worker keeps `ahead` batches ready, so memory stays bounded. Tasks holding a
 * secret reference come back as bodies, resolved on the main thread just before they are sent.
 */
import type { Worker } from "node:worker_threads";
import type { TaskIntent, TaskRecipe, TaskSet } from "../../core/intent.js";
import { taskMapperTable } from "../../batch/mapperJson.js";
import type { MapperLike } from "../../batch/wireJson.js";
import type { SubmittableTask } from "../taskSubmission.js";
import type { Resume, TaskBatchMessage, WorkerMessage, WorkerStart } from "./protocol.js";
import { startWorkerThread } from "./workerThread.js";
import { WireTask } from "./wireTask.js";

export interface SerializedTaskOptions {
  readonly signal: AbortSignal;
  /** Tasks per batch from the worker. Default 500. */
  readonly batchSize?: number;
  /** Batches the worker may have ready before the engine takes them. Default 4. */
  readonly ahead?: number;
}

/** Tasks per batch built on the main thread while the worker loads: small, so the handover comes soon. */
const LOCAL_BATCH = 100;

let models: Record<string, MapperLike> | undefined;

/**
 * The tasks of `tasks` in declared order, a batch at a time. Until the worker has loaded (≈ 0.1 s compiled,
 * ≈ 1 s from TypeScript sources) they are built here, so submission starts at once. Then the worker starts
 * from the first task not yet built, and this thread goes on building until the worker's first batch is in
 * (a freshly loaded worker runs cold: its first batch takes tens of milliseconds, during which requests would
 * wait); the tasks of the worker's output built here meanwhile are dropped. The worker stops when the
 * iteration ends.
 */
export async function* serializedTaskBatches(
  tasks: TaskSet & { readonly recipe: TaskRecipe },
  options: SerializedTaskOptions,
  worker: TaskWorker = startTaskWorker(tasks.recipe, options),
): AsyncGenerator<SubmittableTask[]> {
  try {
    const local = tasks.tasks()[Symbol.iterator]();
    let built = 0;
    const buildHere = (): SubmittableTask[] => {
      const batch = take(local, LOCAL_BATCH);
      built += batch.length;
      return batch;
    };
    while (!worker.isReady()) {
      const batch = buildHere();
      if (batch.length === 0) return;
      yield batch;
    }
    const from = built;
    const fromWorker = worker.batches(from);
    while (!worker.hasBatch()) {
      const batch = buildHere();
      if (batch.length === 0) return;
      yield batch;
    }
    yield* after(fromWorker, built - from);
  } finally {
    await worker.stop();
  }
}

/** The batches without their first `skip` tasks. */
async function* after(batches: AsyncIterable<SubmittableTask[]>, skip: number): AsyncGenerator<SubmittableTask[]> {
  for await (const batch of batches) {
    if (skip >= batch.length) {
      skip -= batch.length;
      continue;
    }
    yield skip === 0 ? batch : batch.slice(skip);
    skip = 0;
  }
}

export interface TaskWorker {
  /** Resolves once the worker has loaded; it then waits for `batches`. */
  readonly ready: Promise<void>;
  isReady(): boolean;
  /** Whether a batch from the worker is waiting to be taken (or it failed: taking it then throws). */
  hasBatch(): boolean;
  /** Starts the worker at task `from` now; its tasks come in batches of `batchSize`. Called once. */
  batches(from: number): AsyncGenerator<SubmittableTask[]>;
  stop(): Promise<void>;
}

/** A worker for one job's tasks (serializedTaskBatches uses it; tests drive the handover with it). */
export function startTaskWorker(recipe: TaskRecipe, options: SerializedTaskOptions): TaskWorker {
  models ??= taskMapperTable();
  const workerData: WorkerStart = { recipe, models, batchSize: options.batchSize ?? 500 };
  const worker = startWorkerThread({ workerData, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
  const inbox = messages(worker, options.signal);
  const ahead = options.ahead ?? 4;
  // Posted once the thread exists; promise callbacks keep the messages in order.
  const post = (message: Resume): void => void worker.then((w) => w.postMessage(message));
  // Credit goes back in halves: each message wakes the worker thread, so fewer is cheaper on a busy machine.
  async function* received(): AsyncGenerator<SubmittableTask[]> {
    for (let taken = 0; ;) {
      const message = await inbox.next();
      if (message.done) return yield tasksOf(message);
      if (++taken * 2 >= ahead) {
        post({ credit: taken });
        taken = 0;
      }
      yield tasksOf(message);
    }
  }
  return {
    ready: inbox.ready,
    isReady: inbox.isReady,
    hasBatch: inbox.hasMessage,
    batches(from) {
      post({ from, credit: ahead });
      return received();
    },
    async stop() {
      inbox.close();
      await (await worker).terminate();
    },
  };
}

function take(tasks: Iterator<TaskIntent>, count: number): TaskIntent[] {
  const batch: TaskIntent[] = [];
  for (let next = tasks.next(); next.done !== true; next = tasks.next()) {
    batch.push(next.value);
    if (batch.length === count) break;
  }
  return batch;
}

function tasksOf(message: TaskBatchMessage): SubmittableTask[] {
  return message.ids.map((id, i) => {
    const contentHash = message.hashes[i] ?? "";
    const body = message.bodies[i];
    return body === undefined ? new WireTask(id, message.json[i] ?? "", contentHash) : { id, contentHash, body };
  });
}

/** The worker's messages in order; a failure in it, an abort, a crash or an early exit ends the wait with an error. */
function messages(
  started: Promise<Worker>,
  signal: AbortSignal,
): { ready: Promise<void>; isReady(): boolean; hasMessage(): boolean; next(): Promise<TaskBatchMessage>; close(): void } {
  const queue: TaskBatchMessage[] = [];
  let ready = false;
  let markReady: () => void = () => undefined;
  const readyPromise = new Promise<void>((resolve) => (markReady = resolve));
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const fail = (error: Error): void => {
    failure ??= error;
    wake?.();
  };
  const onAbort = (): void => fail(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
  const listen = (worker: Worker): void => {
    worker.on("message", (message: WorkerMessage) => {
      if ("ready" in message) {
        ready = true;
        markReady();
      } else if ("error" in message) fail(new Error(`generating the job's tasks failed: ${message.error}`));
      else queue.push(message);
      wake?.();
    });
    worker.on("error", (error) => fail(new Error(`the task serialization worker failed: ${error.message}`)));
    worker.on("exit", (code) => fail(new Error(`the task serialization worker exited (code ${code})`)));
  };
  started.then(listen, (error: unknown) => fail(new Error(`the task serialization worker did not start: ${String(error)}`)));
  signal.addEventListener("abort", onAbort, { once: true });
  if (signal.aborted) onAbort();
  return {
    ready: readyPromise,
    isReady: () => ready,
    hasMessage: () => queue.length > 0 || failure !== undefined,
    async next() {
      while (queue.length === 0) {
        if (failure !== undefined) throw failure;
        await new Promise<void>((resolve) => (wake = resolve));
      }
      return queue.shift() as TaskBatchMessage;
    },
    close: () => signal.removeEventListener("abort", onAbort),
  };
}
