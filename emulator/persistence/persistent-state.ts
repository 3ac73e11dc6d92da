import type { AccountStore, EmulatorState } from "../store/account-store.js";
import { poolStore, type PoolEntity } from "../store/pool-store.js";
import { jobStore } from "../resources/jobs-store.js";
import type { JobRecord, TaskRecord } from "../store/job-records.js";
import { Journal, type JournalOp } from "./journal.js";
import { jobRecord, poolRecord, taskRecord } from "./records.js";
import { buildImages, restoreAccount } from "./restore.js";

/** A journal past this size is folded into a new snapshot at the next flush. */
const COMPACT_AFTER_BYTES = 16 * 1024 * 1024;
/** How often changes made by the emulator itself (timers: nodes booting, tasks finishing) are written. */
const BACKGROUND_FLUSH_MS = 500;

interface Written<T> {
  entity: T;
  json: string;
}

/**
 * `--location DIR` (docs/adr/0023): the state of every account survives a restart. Mutating requests
 * are written to the journal and fsynced before they are answered (`flush`); what the emulator changes
 * on its own is written in the background every 500 ms. Pools and jobs (few) are compared with what was
 * last written; tasks (up to millions) are written when their job noted them as changed.
 */
export class PersistentState {
  readonly #journal: Journal;
  readonly #state: EmulatorState;
  readonly #pools = new Map<string, Written<PoolEntity>>();
  readonly #jobs = new Map<string, Written<JobRecord>>();
  #timer: NodeJS.Timeout | undefined;

  private constructor(dir: string, state: EmulatorState) {
    this.#journal = new Journal(dir);
    this.#state = state;
  }

  /** Loads DIR into `state` (empty stores), then writes a fresh snapshot so the journal starts clean. */
  static open(dir: string, state: EmulatorState): { persistence: PersistentState; tornBytes: number } {
    const persistence = new PersistentState(dir, state);
    const loaded = persistence.#journal.load();
    const images = buildImages(loaded.ops);
    for (const account of state.all()) {
      account.tracksChanges = true;
      const image = images.get(account.accountName.toLowerCase());
      if (image !== undefined) restoreAccount(account, image);
    }
    persistence.compact();
    persistence.#timer = setInterval(() => persistence.flushQuietly(), BACKGROUND_FLUSH_MS);
    persistence.#timer.unref();
    return { persistence, tornBytes: loaded.tornBytes };
  }

  /** Writes every change since the last flush as one journal record (fsynced); throws when that fails. */
  flush(): void {
    if (this.#journal.size > COMPACT_AFTER_BYTES) {
      this.compact();
      return;
    }
    const ops: JournalOp[] = [];
    for (const account of this.#state.all()) this.#collect(account, ops);
    this.#journal.append(ops);
  }

  /** Folds the state into a new snapshot and empties the journal. */
  compact(): void {
    const ops: JournalOp[] = [];
    this.#pools.clear();
    this.#jobs.clear();
    for (const account of this.#state.all()) {
      const a = account.accountName.toLowerCase();
      for (const pool of poolStore(account).pools.values()) ops.push(this.#poolOp(a, pool));
      for (const job of jobStore(account).jobs.values()) {
        ops.push(this.#jobOp(a, job));
        job.changedTasks?.clear();
        for (const task of job.tasks.values()) ops.push(taskOp(a, job, task));
      }
    }
    this.#journal.writeSnapshot(ops);
  }

  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.flushQuietly();
    this.#journal.close();
  }

  flushQuietly(): void {
    try {
      this.flush();
    } catch (error: unknown) {
      console.error(
        `emulator: could not write the journal under ${this.#journal.dir}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  #collect(account: AccountStore, ops: JournalOp[]): void {
    const a = account.accountName.toLowerCase();
    const seenPools = new Set<string>();
    for (const pool of poolStore(account).pools.values()) {
      const key = `${a}/${pool.id.toLowerCase()}`;
      seenPools.add(key);
      const json = JSON.stringify(poolRecord(pool));
      const last = this.#pools.get(key);
      if (last?.json !== json) ops.push(this.#poolOp(a, pool, json));
    }
    for (const [key, last] of this.#pools) {
      if (key.startsWith(`${a}/`) && !seenPools.has(key)) {
        ops.push({ a, k: "pool", id: last.entity.id });
        this.#pools.delete(key);
      }
    }
    this.#collectJobs(account, a, ops);
  }

  #collectJobs(account: AccountStore, a: string, ops: JournalOp[]): void {
    const seen = new Set<string>();
    for (const job of jobStore(account).jobs.values()) {
      seen.add(`${a}/${job.id.toLowerCase()}`);
      this.#collectJob(a, job, ops);
    }
    for (const [key, last] of this.#jobs) {
      if (key.startsWith(`${a}/`) && !seen.has(key)) {
        ops.push({ a, k: "job", id: last.entity.id });
        this.#jobs.delete(key);
      }
    }
  }

  #collectJob(a: string, job: JobRecord, ops: JournalOp[]): void {
    const last = this.#jobs.get(`${a}/${job.id.toLowerCase()}`);
    // The same id on a new object is a job deleted and added again: its old tasks go with the delete.
    if (last !== undefined && last.entity !== job) ops.push({ a, k: "job", id: job.id });
    const json = JSON.stringify(jobRecord(job));
    if (last?.entity !== job || last.json !== json) ops.push(this.#jobOp(a, job, json));
    const changed = job.changedTasks;
    if (changed === undefined) return;
    for (const task of changed)
      ops.push(job.tasks.get(task.id) === task ? taskOp(a, job, task) : { a, k: "task", job: job.id, id: task.id });
    changed.clear();
  }

  #poolOp(a: string, pool: PoolEntity, json = JSON.stringify(poolRecord(pool))): JournalOp {
    this.#pools.set(`${a}/${pool.id.toLowerCase()}`, { entity: pool, json });
    return { a, k: "pool", id: pool.id, v: JSON.parse(json) as Record<string, unknown> };
  }

  #jobOp(a: string, job: JobRecord, json = JSON.stringify(jobRecord(job))): JournalOp {
    this.#jobs.set(`${a}/${job.id.toLowerCase()}`, { entity: job, json });
    return { a, k: "job", id: job.id, v: JSON.parse(json) as Record<string, unknown> };
  }
}

function taskOp(a: string, job: JobRecord, task: TaskRecord): JournalOp {
  return { a, k: "task", job: job.id, id: task.id, v: taskRecord(task) };
}
