/**
 * Goodput under throttling: the emulator limits the account to R requests/s (token bucket, 429 + Retry-After
 * beyond it) and the real engine submits a large sweep. Goodput = requests answered 2xx per second over the
 * submission, against R; target ≥ 90 % of R with every task in Batch exactly once and none failed.
 *
 * The bucket holds one second of requests (burst = R): Retry-After is in whole seconds, so a smaller bucket would
 * throw capacity away while an obedient client waits, whatever the client does. The ceiling over a run of T
 * seconds is therefore R + burst / T; it is reported beside the figure.
 *
 * Run alone: `npx tsx bench/goodput.ts` (BENCH_RATE_LIMIT, BENCH_GOODPUT_TASKS, BENCH_BURST).
 */
import { pathToFileURL } from "node:url";
import { resourceKey } from "../controller/runtime/ports.js";
import { isReady, startBenchEngine } from "./helpers/engine.js";
import { startEmulatorProcess, tallyCalls } from "./helpers/emulatorProcess.js";
import { emptyPool, sweepJob } from "./helpers/resources.js";
import { envNumber, percent, round, type BenchRow } from "./helpers/result.js";

export interface GoodputBenchOptions {
  readonly requestsPerSecond?: number;
  readonly burst?: number;
  readonly tasks?: number;
}

export interface GoodputBenchResult {
  readonly requestsPerSecond: number;
  readonly burst: number;
  readonly tasks: number;
  readonly elapsedSeconds: number;
  readonly successfulRequests: number;
  readonly throttledRequests: number;
  readonly otherFailedRequests: number;
  readonly goodput: number;
  /** The most 2xx answers per second the bucket allows over this run: R + burst / elapsed. */
  readonly ceiling: number;
  readonly ratio: number;
  /** From the emulator's task counts after the run. */
  readonly tasksInBatch: number;
  readonly failedTasks: number;
}

export const GOODPUT_TARGET = 0.9;

export async function runGoodputBench(options: GoodputBenchOptions = {}): Promise<GoodputBenchResult> {
  const requestsPerSecond = options.requestsPerSecond ?? 50;
  const burst = options.burst ?? requestsPerSecond;
  const tasks = options.tasks ?? 100_000;
  const emulator = await startEmulatorProcess();
  const engine = startBenchEngine(emulator);
  try {
    const poolKey = engine.source.set(emptyPool("goodput-pool"));
    await engine.statusWhere(poolKey, isReady);
    await emulator.control.clearCounters();
    await emulator.control.setRateLimit({ requestsPerSecond, burst });
    const jobKey = resourceKey("BatchJob", "default", "goodput");
    const submitted = engine.nextEvent(jobKey, "TasksSubmitted");
    const started = performance.now();
    engine.source.set(sweepJob("goodput", "goodput-pool", tasks));
    await submitted;
    const elapsedSeconds = (performance.now() - started) / 1000;
    const calls = tallyCalls(await emulator.control.counters());
    await emulator.control.clearRateLimits();
    const counts = await engine.batch.getTaskCounts("goodput");
    const goodput = calls.ok / elapsedSeconds;
    return {
      requestsPerSecond,
      burst,
      tasks,
      elapsedSeconds: round(elapsedSeconds, 3),
      successfulRequests: calls.ok,
      throttledRequests: calls.throttled,
      otherFailedRequests: calls.other,
      goodput: round(goodput),
      ceiling: round(requestsPerSecond + burst / elapsedSeconds),
      ratio: round(goodput / requestsPerSecond, 4),
      tasksInBatch: counts.active + counts.running + counts.completed,
      failedTasks: counts.failed,
    };
  } finally {
    await engine.stop();
    await emulator.stop();
  }
}

export function goodputRow(r: GoodputBenchResult): BenchRow {
  const exact = r.tasksInBatch === r.tasks && r.failedTasks === 0;
  return {
    benchmark: `goodput: ${r.tasks} tasks under a ${r.requestsPerSecond} req/s limit`,
    figure: `${r.goodput} req/s (${r.throttledRequests} throttled)`,
    bound: `R = ${r.requestsPerSecond} req/s (ceiling ${r.ceiling})`,
    ratio: r.ratio,
    target: `≥ ${percent(GOODPUT_TARGET)} of R, 0 failed tasks${exact ? "" : `; GOT ${r.tasksInBatch} tasks, ${r.failedTasks} failed`}`,
    pass: exact && r.ratio >= GOODPUT_TARGET,
    details: { ...r },
  };
}

export function goodputOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): GoodputBenchOptions {
  const requestsPerSecond = envNumber(env, "BENCH_RATE_LIMIT", 50);
  return {
    requestsPerSecond,
    burst: envNumber(env, "BENCH_BURST", requestsPerSecond),
    tasks: envNumber(env, "BENCH_GOODPUT_TASKS", 100_000),
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runGoodputBench(goodputOptionsFromEnv(process.env));
  console.log(JSON.stringify(result, null, 2));
  console.log(
    `goodput ${percent(result.ratio)} of R (target ≥ ${percent(GOODPUT_TARGET)}), ${result.tasksInBatch}/${result.tasks} tasks, ${result.failedTasks} failed`,
  );
}
