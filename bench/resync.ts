/**
 * Batch API calls of one steady-state resync: 1,000 pools and 100 jobs, all in sync, against the
 * minimum a resync can cost, which is reading every pool and job once: one list page per 1,000
 * pools plus one per 1,000 jobs. Target ≤ 1.5× the minimum.
 *
 * A resync invalidates the engine's observation cache and reconciles every key, which is what a
 * freshly started controller does on an account that is already in sync; so the account is
 * brought in sync by one engine, and the calls of a second engine's first pass are counted at the
 * emulator (which sees every HTTP request, retries included).
 *
 * Run alone: `npx tsx bench/resync.ts` (BENCH_RESYNC_POOLS, BENCH_RESYNC_JOBS).
 */
import { pathToFileURL } from "node:url";
import type { ResourceKey } from "../controller/runtime/ports.js";
import { isReady, startBenchEngine, type BenchEngine } from "./helpers/engine.js";
import { startEmulatorProcess, tallyCalls, type EmulatorProcess } from "./helpers/emulatorProcess.js";
import { emptyPool, sweepJob } from "./helpers/resources.js";
import { MiB, processMemory } from "./helpers/procfs.js";
import { envNumber, round, type BenchRow } from "./helpers/result.js";
import type { DesiredResource } from "../controller/runtime/ports.js";

export interface ResyncBenchOptions {
  readonly pools?: number;
  readonly jobs?: number;
  /** Aborting stops the run where it is (engine and emulator stopped) and rejects with the phase it was in. */
  readonly signal?: AbortSignal;
}

export interface ResyncBenchResult {
  readonly pools: number;
  readonly jobs: number;
  readonly calls: number;
  readonly minimumCalls: number;
  readonly ratio: number;
  readonly callsByOperation: Record<string, number>;
  readonly seconds: number;
  /** CPU seconds of this process (the engine runs in it) during the measured resync. */
  readonly cpuSeconds: number;
  /** RSS of this process right after the resync (the engine in-process, with the tsx loader when run by tsx). */
  readonly rssMiB: number;
  /** Wall time of bringing the account in sync (not measured as the pass; shown so a slow setup is visible). */
  readonly setupSeconds: number;
}

export const RESYNC_TARGET_RATIO = 1.5;
const LIST_PAGE = 1000;

function desiredResources(pools: number, jobs: number): DesiredResource[] {
  const poolNames = Array.from({ length: pools }, (_, i) => `pool-${String(i).padStart(5, "0")}`);
  // Jobs of one task each on empty pools: the task stays active, the job is steady.
  const jobResources = Array.from({ length: jobs }, (_, i) =>
    sweepJob(`job-${String(i).padStart(4, "0")}`, poolNames[i % pools] ?? "pool-00000", 1),
  );
  return [...poolNames.map((name) => emptyPool(name)), ...jobResources];
}

/**
 * The engine's own poll interval (5 s), not the 200 ms the other benches poll at: a job with an active
 * task polls at 4× the interval, and each poll re-reads its task counts and wants a listing of every pool
 * and job taken after it. At 200 ms, 1,000 such jobs asked for 1,250 count reads a second plus a fresh
 * 10,000-pool listing every 0.8 s, so the work of bringing the account in sync grew with jobs × its own
 * duration (superlinear: 4,000 pools + 400 jobs made 21,254 count reads in 100 s; 10,000 + 1,000 never
 * finished), and the measured pass, longer than 0.8 s at that scale, would have counted those polls too.
 */
const POLL_INTERVAL_MS = 5_000;

function engineFor(emulator: EmulatorProcess): BenchEngine {
  // Resync only when asked (never during the measurement), and many keys at once.
  return startBenchEngine({
    ...emulator,
    engine: { concurrency: 16, resyncIntervalMs: 3_600_000, pollIntervalMs: POLL_INTERVAL_MS },
  });
}

/**
 * Pools first, then jobs: a job set before its pool is ready waits for it by polling, and every poll
 * wants a fresh listing of all pools.
 */
async function bringInSync(emulator: EmulatorProcess, resources: readonly DesiredResource[], signal?: AbortSignal): Promise<void> {
  const engine = engineFor(emulator);
  try {
    for (const kind of ["BatchPool", "BatchJob"] as const) {
      const waits: Promise<unknown>[] = [];
      for (const resource of resources.filter((r) => r.kind === kind)) {
        const key = `${resource.kind}/${resource.namespace}/${resource.name}` as ResourceKey;
        waits.push(kind === "BatchJob" ? engine.nextEvent(key, "TasksSubmitted") : engine.statusWhere(key, isReady));
        engine.source.set(resource);
      }
      await untilAborted(Promise.all(waits), signal, `bringing ${waits.length} ${kind} resources in sync`);
    }
    await untilAborted(engine.controller.idle(), signal, "bringing the account in sync");
  } finally {
    await engine.stop();
  }
}

/** `work`, or a rejection naming `phase` as soon as `signal` aborts (the caller's finally blocks clean up). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined, phase: string): Promise<T> {
  if (signal === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Error(`not measured: stopped while ${phase} (${String(signal.reason)})`));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

interface Pass {
  readonly calls: Record<string, number>;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly rssMiB: number;
}

async function measureOnePass(emulator: EmulatorProcess, resources: readonly DesiredResource[], signal?: AbortSignal): Promise<Pass> {
  await emulator.control.clearCounters();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const engine = engineFor(emulator);
  try {
    for (const resource of resources) engine.source.set(resource);
    // The pass is over when the engine's own listing has been answered and the queue is empty.
    for (let listed = false; !listed;) {
      await untilAborted(new Promise((r) => setTimeout(r, 20)), signal, "measuring the pass");
      const counts = await emulator.control.counters();
      listed = counts.Pool_List !== undefined && counts.Job_List !== undefined;
    }
    await untilAborted(engine.controller.idle(), signal, "measuring the pass");
    await new Promise((r) => setImmediate(r));
    await untilAborted(engine.controller.idle(), signal, "measuring the pass");
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const rssMiB = processMemory("self").rssBytes / MiB;
    const counts = await emulator.control.counters();
    const calls = Object.fromEntries(Object.keys(counts).map((op) => [op, tallyCalls(counts, (o) => o === op).total]));
    return { calls, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, rssMiB };
  } finally {
    await engine.stop();
  }
}

export async function runResyncBench(options: ResyncBenchOptions = {}): Promise<ResyncBenchResult> {
  const pools = options.pools ?? 1000;
  const jobs = options.jobs ?? 100;
  const resources = desiredResources(pools, jobs);
  const emulator = await startEmulatorProcess();
  try {
    await emulator.control.setQuota({ pools: pools + 10 });
    const setupStarted = performance.now();
    await bringInSync(emulator, resources, options.signal);
    const setupSeconds = (performance.now() - setupStarted) / 1000;
    const pass = await measureOnePass(emulator, resources, options.signal);
    const calls = Object.values(pass.calls).reduce((a, b) => a + b, 0);
    const minimumCalls = Math.ceil(pools / LIST_PAGE) + Math.ceil(jobs / LIST_PAGE);
    return {
      pools,
      jobs,
      calls,
      minimumCalls,
      ratio: round(calls / minimumCalls, 2),
      callsByOperation: pass.calls,
      seconds: round(pass.seconds, 2),
      cpuSeconds: round(pass.cpuSeconds, 3),
      rssMiB: round(pass.rssMiB, 1),
      setupSeconds: round(setupSeconds, 1),
    };
  } finally {
    await emulator.stop();
  }
}

export function resyncRow(r: ResyncBenchResult, label = "steady-state resync"): BenchRow {
  return {
    benchmark: `${label}: ${r.pools} pools, ${r.jobs} jobs`,
    figure: `${r.calls} Batch calls (${Object.entries(r.callsByOperation)
      .map(([op, n]) => `${op} ${n}`)
      .join(", ")}); ${r.seconds} s, ${r.cpuSeconds} CPU-s, RSS ${r.rssMiB} MiB (setup ${r.setupSeconds} s)`,
    bound: `minimum ${r.minimumCalls} list pages`,
    ratio: r.ratio,
    // Name what the calls beyond the list pages are, so a miss points at its cause.
    target: `≤ ${RESYNC_TARGET_RATIO}× the minimum${r.ratio <= RESYNC_TARGET_RATIO ? "" : `; beyond the lists: ${beyondLists(r)}`}`,
    pass: r.ratio <= RESYNC_TARGET_RATIO,
    details: { ...r },
  };
}

function beyondLists(r: ResyncBenchResult): string {
  return Object.entries(r.callsByOperation)
    .filter(([op]) => !op.endsWith("_List"))
    .map(([op, n]) => `${n} ${op}`)
    .join(", ");
}

export function resyncOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): ResyncBenchOptions {
  return { pools: envNumber(env, "BENCH_RESYNC_POOLS", 1000), jobs: envNumber(env, "BENCH_RESYNC_JOBS", 100) };
}

/** The scale row (`resync-10k`): the same measurement at 10,000 pools and 1,000 jobs. */
export function scaleResyncOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): ResyncBenchOptions {
  return { pools: envNumber(env, "BENCH_SCALE_POOLS", 10_000), jobs: envNumber(env, "BENCH_SCALE_JOBS", 1_000) };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runResyncBench(resyncOptionsFromEnv(process.env));
  console.log(JSON.stringify(result, null, 2));
  console.log(`resync: ${result.calls} calls vs minimum ${result.minimumCalls} (${result.ratio}×, target ≤ ${RESYNC_TARGET_RATIO}×)`);
}
