/**
 * Exactly-once task submission (docs/adr/0003). Existing tasks are listed page by page first (ids,
 * states and content markers only); then the declared tasks are streamed from the job's TaskSet
 * and the missing ones added in addtaskcollection chunks of 100 with bounded concurrency.
 * - TaskExists on a retried chunk is success once the existing task's content marker matches.
 * - A task whose spec changed before it started is deleted and added again.
 * - A started or completed task whose spec changed is never resubmitted; it is counted and reported.
 * - A task without a content marker was added by another client (an adopted job, `spec.adopt.jobId`):
 *   it is kept as it is, never replaced or resubmitted, and counted as `adopted`.
 */
import type { BatchAdapter, SerializedTask, TaskAddOutcome, TaskPayload } from "../batch/adapter.js";
import { isBatchCallError } from "../batch/errors.js";
import type { JsonObject, TaskIntent, TaskSet } from "../core/intent.js";
import { readAhead } from "./taskStream/readAhead.js";

/** A declared task as the submission sends it: its body, or its wire JSON written off the main thread. */
export interface SubmittableTask {
  readonly id: string;
  readonly contentHash: string;
  /** The TaskAddParameter (content marker included), when not already serialized. */
  readonly body?: JsonObject;
  /** The same, already serialized (taskStream/serializedTasks.ts): sent as it is. */
  readonly payload?: SerializedTask;
}

export interface SubmissionOptions {
  readonly batch: BatchAdapter;
  readonly jobId: string;
  readonly tasks: TaskSet;
  /** The same tasks, produced elsewhere (a serialization worker) in declared order; default: `tasks.tasks()`. */
  readonly batches?: AsyncIterable<readonly SubmittableTask[]>;
  readonly signal: AbortSignal;
  /**
   * The job was created just now (Batch answered 201): it has no tasks, so listing them is skipped. A task
   * another client adds in between still answers TaskExists and is checked by its content marker.
   */
  readonly createdEmpty?: boolean;
  /** Chunks in flight at once. Default 8. */
  readonly concurrency?: number;
  /** Tasks per addtaskcollection call; Batch allows at most 100. */
  readonly chunkSize?: number;
  /** Resolves secret references in a task body just before it is sent. */
  readonly prepare?: (body: JsonObject) => Promise<JsonObject>;
  /** Called as chunks settle with the declared tasks known to be in Batch so far. */
  readonly onProgress?: (inBatch: number) => void;
}

export interface TaskFailure {
  readonly taskId: string;
  readonly code: string;
  readonly message: string;
}

export interface SubmissionResult {
  readonly declared: number;
  readonly added: number;
  readonly alreadyPresent: number;
  /** Declared tasks found in Batch without our content marker (added by another client): kept as they are. */
  readonly adopted: number;
  readonly replaced: number;
  /** Started or completed tasks whose spec changed: left as they are. */
  readonly notResubmitted: number;
  readonly notResubmittedIds: readonly string[];
  /** Per-task errors other than an idempotent TaskExists (first 20 kept). */
  readonly failures: readonly TaskFailure[];
  readonly failureCount: number;
}

const MAX_REPORTED = 20;

/** Chunks built ahead of the request slots (taskStream/readAhead.ts): a few, so a burst of answers finds them ready. */
const READ_AHEAD_BATCHES = 3;

interface Existing {
  readonly state: string;
  readonly contentHash?: string;
}

type Counters = Record<"added" | "alreadyPresent" | "adopted" | "replaced" | "notResubmitted" | "failureCount", number>;

interface Tally {
  readonly counters: Counters;
  readonly notResubmittedIds: string[];
  readonly failures: TaskFailure[];
}

export async function submitTasks(options: SubmissionOptions): Promise<SubmissionResult> {
  const existing = await listExisting(options);
  const tally: Tally = {
    counters: { added: 0, alreadyPresent: 0, adopted: 0, replaced: 0, notResubmitted: 0, failureCount: 0 },
    notResubmittedIds: [],
    failures: [],
  };
  const sender = chunkSender(options, existing, tally);
  let declared = 0;
  const batches = options.batches ?? inBatches(options.tasks.tasks(), options.chunkSize ?? 100);
  for await (const batch of readAhead(batches, READ_AHEAD_BATCHES)) {
    declared += batch.length;
    // A new job (nothing listed) adds every task: no per-task lookup, and no wait but for a free slot.
    await sender.addAll(existing.size === 0 ? batch : await admittedOf(options, existing, tally, batch));
  }
  await sender.finish();
  return { declared, ...tally.counters, notResubmittedIds: tally.notResubmittedIds, failures: tally.failures };
}

/** The declared tasks of a batch that are to be added (admitted below), in order. */
async function admittedOf(
  options: SubmissionOptions,
  existing: Map<string, Existing>,
  tally: Tally,
  batch: readonly SubmittableTask[],
): Promise<SubmittableTask[]> {
  const admittedTasks: SubmittableTask[] = [];
  for (const task of batch) if (await admitted(options, existing, tally, task)) admittedTasks.push(task);
  return admittedTasks;
}

/** Whether the declared task is to be added; counts it otherwise, and deletes an unstarted one it replaces. */
async function admitted(
  options: SubmissionOptions,
  existing: Map<string, Existing>,
  tally: Tally,
  task: SubmittableTask,
): Promise<boolean> {
  const found = existing.get(task.id.toLowerCase());
  const kept = keptAs(found, task);
  if (kept !== undefined) {
    tally.counters[kept]++;
    if (kept === "notResubmitted" && tally.notResubmittedIds.length < MAX_REPORTED) tally.notResubmittedIds.push(task.id);
    return false;
  }
  if (found !== undefined) {
    // Not started yet: safe to replace with the new content.
    await options.batch.deleteTask(options.jobId, task.id, { signal: options.signal });
    tally.counters.replaced++;
    tally.counters.added--; // the add below counts it; a replacement is not a net new task
  }
  return true;
}

/** Gathers tasks into addtaskcollection chunks and keeps at most `concurrency` of them in flight. */
function chunkSender(
  options: SubmissionOptions,
  existing: Map<string, Existing>,
  tally: Tally,
): { addAll(tasks: readonly SubmittableTask[]): Promise<void>; finish(): Promise<void> } {
  const inFlight = new Set<Promise<void>>();
  const limit = options.concurrency ?? 8;
  const { counters, failures } = tally;
  let chunk: SubmittableTask[] = [];
  const dispatch = async (tasks: SubmittableTask[]): Promise<void> => {
    // Wait for a free slot only now, with the chunk already built: building overlaps the calls in flight.
    while (inFlight.size >= limit) await Promise.race(inFlight);
    const p = addChunk(options, tasks, existing).then((r) => {
      counters.added += r.added;
      counters.alreadyPresent += r.alreadyPresent;
      counters.failureCount += r.failures.length;
      failures.push(...r.failures.slice(0, Math.max(0, MAX_REPORTED - failures.length)));
      options.onProgress?.(counters.added + counters.alreadyPresent + counters.adopted + counters.replaced);
    });
    const tracked = p.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };
  const size = options.chunkSize ?? 100;
  const add = async (task: SubmittableTask): Promise<void> => {
    chunk.push(task);
    if (chunk.length < size) return;
    const full = chunk;
    chunk = [];
    await dispatch(full);
  };
  return {
    async addAll(tasks) {
      let i = 0;
      while (i < tasks.length && chunk.length > 0) await add(tasks[i++] as SubmittableTask);
      // Whole chunks straight from the batch; what is left starts the next chunk.
      for (; i + size <= tasks.length; i += size) await dispatch(tasks.slice(i, i + size));
      chunk.push(...tasks.slice(i));
    },
    async finish() {
      if (chunk.length > 0) await dispatch(chunk);
      await Promise.all(inFlight);
    },
  };
}

/**
 * Why an existing task stays as it is, or undefined when the declared one is to be added (or replace it):
 * another client's task (no content marker: an adopted job's, never added again), ours with the same
 * content, or ours changed after it started (never resubmitted).
 */
function keptAs(found: Existing | undefined, task: SubmittableTask): "adopted" | "alreadyPresent" | "notResubmitted" | undefined {
  if (found === undefined) return undefined;
  if (found.contentHash === undefined) return "adopted";
  if (found.contentHash === task.contentHash) return "alreadyPresent";
  return found.state === "active" ? undefined : "notResubmitted";
}

async function listExisting(options: SubmissionOptions): Promise<Map<string, Existing>> {
  const existing = new Map<string, Existing>();
  if (options.createdEmpty === true) return existing;
  for await (const page of options.batch.listTasks(options.jobId, { signal: options.signal })) {
    for (const task of page) existing.set(task.id.toLowerCase(), { state: task.state, contentHash: task.contentHash });
  }
  return existing;
}

interface ChunkResult {
  readonly added: number;
  readonly alreadyPresent: number;
  readonly failures: TaskFailure[];
}

/** Declared tasks in batches, as a worker would post them: one source shape for the submission loop. */
async function* inBatches(tasks: Iterable<TaskIntent>, size: number): AsyncGenerator<TaskIntent[]> {
  let batch: TaskIntent[] = [];
  for (const task of tasks) {
    batch.push(task);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

function payloadOf(options: SubmissionOptions, task: SubmittableTask): TaskPayload | Promise<TaskPayload> {
  if (task.payload !== undefined) return task.payload;
  const body = task.body ?? {};
  return options.prepare ? options.prepare(body) : body;
}

async function addChunk(options: SubmissionOptions, tasks: SubmittableTask[], existing: Map<string, Existing>): Promise<ChunkResult> {
  const bodies = await Promise.all(tasks.map((t) => payloadOf(options, t)));
  let outcomes: TaskAddOutcome[];
  try {
    outcomes = await options.batch.addTasks(options.jobId, bodies, { signal: options.signal });
  } catch (error: unknown) {
    // Too large for one request (big command lines or many files): split and try the halves.
    if (isBatchCallError(error) && error.code === "RequestBodyTooLarge" && tasks.length > 1) {
      const half = Math.ceil(tasks.length / 2);
      const [a, b] = await Promise.all([addChunk(options, tasks.slice(0, half), existing), addChunk(options, tasks.slice(half), existing)]);
      return { added: a.added + b.added, alreadyPresent: a.alreadyPresent + b.alreadyPresent, failures: [...a.failures, ...b.failures] };
    }
    throw error;
  }
  return settleOutcomes(options, tasks, outcomes);
}

/** TaskExists after a lost response is our own earlier add: verified by its content marker. */
async function settleOutcomes(options: SubmissionOptions, tasks: SubmittableTask[], outcomes: TaskAddOutcome[]): Promise<ChunkResult> {
  if (outcomes.every((outcome) => outcome.outcome === "added")) return { added: outcomes.length, alreadyPresent: 0, failures: [] };
  const byId = new Map(tasks.map((t) => [t.id.toLowerCase(), t]));
  let added = 0;
  let alreadyPresent = 0;
  const failures: TaskFailure[] = [];
  for (const outcome of outcomes) {
    if (outcome.outcome === "added") {
      added++;
      continue;
    }
    if (outcome.outcome === "exists") {
      if (await keptExisting(options, outcome.taskId, byId)) {
        alreadyPresent++;
        continue;
      }
      failures.push({ taskId: outcome.taskId, code: "TaskExists", message: "a task with this id and different content already exists" });
      continue;
    }
    failures.push({ taskId: outcome.taskId, code: outcome.code ?? "Unknown", message: outcome.message ?? "" });
  }
  return { added, alreadyPresent, failures };
}

/** Ours after a lost response (same marker), or another client's task added since the listing (no marker): kept. */
async function keptExisting(options: SubmissionOptions, taskId: string, byId: ReadonlyMap<string, SubmittableTask>): Promise<boolean> {
  const live = await options.batch.getTask(options.jobId, taskId, { signal: options.signal });
  const declared = byId.get(taskId.toLowerCase());
  return live !== undefined && declared !== undefined && (live.contentHash === declared.contentHash || live.contentHash === undefined);
}
