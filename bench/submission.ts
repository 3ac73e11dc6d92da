/**
 * Submission efficiency: a 100,000-task sweep submitted by the real engine (in-process, HTTP through
 * @azure/batch) to an emulator that answers every request 20 ms after it arrived (helpers/latencyFault.ts,
 * ADR 0034). The bound is the time the requests would take if `concurrency` of them were always in flight and
 * nothing else cost time: requests × latency ÷ concurrency, with the requests counted by the emulator in the
 * same window. Efficiency = bound ÷ elapsed; target ≥ 90 %.
 *
 * Run alone: `npx tsx bench/submission.ts` (BENCH_TASKS, BENCH_LATENCY_MS, BENCH_CONCURRENCY, BENCH_LATENCY_KIND).
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { resourceKey } from "../controller/runtime/ports.js";
import { prepareWorkerThread } from "../controller/runtime/taskStream/workerThread.js";
import { isReady, startBenchEngine } from "./helpers/engine.js";
import { cpuSeconds, mainThreadCpuSeconds, MiB, processMemory } from "./helpers/procfs.js";
import { startEmulatorProcess, tallyCalls } from "./helpers/emulatorProcess.js";
import { emptyPool, sweepJob } from "./helpers/resources.js";
import { runCeilingBench, type CeilingResult } from "./ceiling.js";
import { runFloorBench, type FloorResult } from "./floor.js";
import { imageNodeFlags } from "./helpers/imageNodeFlags.js";
import { answeredAfterMs, benchLatencyKind, latencyFault, latencyText, type BenchLatencyKind } from "./helpers/latencyFault.js";
import { envNumber, percent, round, windowShapeFromEnv, type BenchRow } from "./helpers/result.js";

export interface SubmissionBenchOptions {
  readonly tasks?: number;
  readonly latencyMs?: number;
  /** addtaskcollection calls in flight (the engine's taskSubmissionConcurrency). */
  readonly concurrency?: number;
  /**
   * Also measure, after the engine's submission, the bare-client ceiling (ceiling.ts) on a fresh emulator and
   * the floor (floor.ts) of a plain node:http pair.
   */
  readonly ceiling?: boolean;
}

export interface SubmissionBenchResult {
  readonly tasks: number;
  readonly latencyMs: number;
  /** How the emulator applied the latency (helpers/latencyFault.ts). */
  readonly latencyKind: BenchLatencyKind;
  readonly concurrency: number;
  /** Mean time after arrival at which the emulator released its answers (responseTime model). */
  readonly answeredAfterMs?: number;
  readonly elapsedSeconds: number;
  /** Requests the emulator answered during the submission, by operation. */
  readonly requests: number;
  readonly addCollectionRequests: number;
  readonly boundSeconds: number;
  readonly efficiency: number;
  readonly tasksInBatch: number;
  /** CPU seconds per elapsed second of the controller (this process) and the emulator (1 = one core busy). */
  readonly controllerCpuShare: number;
  readonly emulatorCpuShare: number;
  /**
   * Controller CPU milliseconds per addtaskcollection request (100 tasks) in the window: the whole process
   * (every thread) and its main thread (the event loop every request waits on). Target < 0.5 ms. Load-insensitive
   * enough to steer by when the wall-clock figure is not (a busy machine).
   */
  readonly controllerCpuMsPerRequest: number;
  readonly mainThreadCpuMsPerRequest: number;
  readonly emulatorCpuMsPerRequest: number;
  /** Peak RSS of this process (VmHWM): meaningful when the benchmark runs alone in it (the 1M-task row). */
  readonly peakRssMiB: number;
  /** The same requests from a bare client (ceiling.ts), measured right after: what this machine and emulator allow. */
  readonly ceiling?: CeilingResult;
  /** The same requests between a plain node:http client and server (floor.ts): what this machine allows. */
  readonly floor?: FloorResult;
}

export const CPU_PER_REQUEST_TARGET_MS = 0.5;

export const SUBMISSION_TARGET = 0.9;

export async function runSubmissionBench(options: SubmissionBenchOptions = {}): Promise<SubmissionBenchResult> {
  const ours = await runEngineSubmission(options);
  if (options.ceiling !== true) return ours;
  // After ours, on a fresh emulator, so neither figure pays for the other's stored tasks.
  const shape = { tasks: ours.tasks, latencyMs: ours.latencyMs, concurrency: ours.concurrency };
  const ceiling = await runCeilingBench(shape);
  const floor = await runFloorBench(shape);
  return { ...ours, ceiling, floor };
}

async function runEngineSubmission(options: SubmissionBenchOptions): Promise<SubmissionBenchResult> {
  const tasks = options.tasks ?? 100_000;
  const latencyMs = options.latencyMs ?? 20;
  const concurrency = options.concurrency ?? 8;
  const emulator = await startEmulatorProcess();
  const engine = startBenchEngine({ ...emulator, engine: { taskSubmissionConcurrency: concurrency } });
  try {
    // The pool first, outside the measured window: the figure is the job's submission.
    const poolKey = engine.source.set(emptyPool("sweep-pool"));
    await engine.statusWhere(poolKey, isReady);
    // From TypeScript sources the task worker is bundled at first use; the image ships it built (ADR 0030).
    await prepareWorkerThread();
    await emulator.control.addFault(latencyFault(latencyMs));
    await emulator.control.clearCounters();
    const jobKey = resourceKey("BatchJob", "default", "sweep");
    const submitted = engine.nextEvent(jobKey, "TasksSubmitted");
    const started = performance.now();
    const cpuBefore = { controller: process.cpuUsage(), main: mainThreadCpuSeconds(), emulator: cpuSeconds(emulator.pid) };
    engine.source.set(sweepJob("sweep", "sweep-pool", tasks));
    await submitted;
    const elapsedSeconds = (performance.now() - started) / 1000;
    const controllerCpu = process.cpuUsage(cpuBefore.controller);
    const emulatorCpu = cpuSeconds(emulator.pid) - cpuBefore.emulator;
    const mainCpu = mainThreadCpuSeconds() - cpuBefore.main;
    const counts = await emulator.control.counters();
    const answeredAfter = await answeredAfterMs(emulator.control);
    await emulator.control.clearFaults();
    const all = tallyCalls(counts);
    const addCollection = tallyCalls(counts, (op) => op === "Task_AddCollection");
    const taskCounts = await engine.batch.getTaskCounts("sweep");
    const boundSeconds = (all.total * latencyMs) / 1000 / concurrency;
    return {
      tasks,
      latencyMs,
      latencyKind: benchLatencyKind(),
      concurrency,
      answeredAfterMs: answeredAfter,
      elapsedSeconds: round(elapsedSeconds, 3),
      requests: all.total,
      addCollectionRequests: addCollection.total,
      boundSeconds: round(boundSeconds, 3),
      efficiency: round(boundSeconds / elapsedSeconds, 4),
      tasksInBatch: taskCounts.active + taskCounts.running + taskCounts.completed,
      controllerCpuShare: round((controllerCpu.user + controllerCpu.system) / 1e6 / elapsedSeconds),
      emulatorCpuShare: round(emulatorCpu / elapsedSeconds),
      controllerCpuMsPerRequest: round((controllerCpu.user + controllerCpu.system) / 1e3 / Math.max(1, addCollection.total), 3),
      mainThreadCpuMsPerRequest: round((mainCpu * 1e3) / Math.max(1, addCollection.total), 3),
      emulatorCpuMsPerRequest: round((emulatorCpu * 1e3) / Math.max(1, addCollection.total), 3),
      peakRssMiB: round(processMemory("self").peakRssBytes / MiB, 1),
    };
  } finally {
    await engine.stop();
    await emulator.stop();
  }
}

export function submissionRow(r: SubmissionBenchResult): BenchRow {
  const complete = r.tasksInBatch === r.tasks;
  return {
    benchmark: `submission: ${r.tasks} tasks, ${latencyText(r.latencyMs, r.latencyKind)}, ${r.concurrency} in flight`,
    figure: `${r.elapsedSeconds} s`,
    bound: `${r.boundSeconds} s (${r.requests} req × ${r.latencyMs} ms ÷ ${r.concurrency})`,
    ratio: r.efficiency,
    target:
      `≥ ${percent(SUBMISSION_TARGET)} of bound; controller CPU ${r.controllerCpuMsPerRequest} ms/request (main thread ${r.mainThreadCpuMsPerRequest}), ` +
      `target < ${CPU_PER_REQUEST_TARGET_MS}${answeredText(r.answeredAfterMs)}${ceilingText(r.efficiency, r.ceiling)}` +
      `${floorText(r.floor)}${complete ? "" : `; ONLY ${r.tasksInBatch} tasks in Batch`}`,
    pass: complete && r.efficiency >= SUBMISSION_TARGET,
    details: { ...r },
  };
}

/** When the emulator really answered, beside the latency the bound assumes. */
function answeredText(ms: number | undefined): string {
  return ms === undefined ? "" : `; the emulator answered ${ms} ms after arrival on average`;
}

/** The bare client's figure beside ours: how much of the bound this machine and emulator leave to any client. */
function ceilingText(efficiency: number, ceiling: CeilingResult | undefined): string {
  if (ceiling === undefined) return "";
  const incomplete = ceiling.tasksInBatch === ceiling.tasks ? "" : ` (ONLY ${ceiling.tasksInBatch} tasks in Batch)`;
  return (
    `; bare-client ceiling ${ceiling.elapsedSeconds} s = ${percent(ceiling.efficiency)} of its bound${incomplete}, ` +
    `ours ${percent(efficiency / ceiling.efficiency)} of the ceiling`
  );
}

/** The plain node:http pair's figure: how much of the bound this machine leaves before any Batch work. */
function floorText(floor: FloorResult | undefined): string {
  return floor === undefined ? "" : `; floor (plain node:http pair) ${floor.elapsedSeconds} s = ${percent(floor.efficiency)} of its bound`;
}

export function submissionOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): SubmissionBenchOptions {
  return { ...windowShapeFromEnv(env), ceiling: env.BENCH_CEILING !== "0" };
}

/**
 * A submission measured in a child process of its own (`node <image flags> --import tsx bench/submission.ts`):
 * a fresh heap with nothing left from the rows before it, as a controller that has just started a job, and
 * its peak RSS its own (the engine in-process under the tsx loader, which adds ≈ 80 MB; the emulator in a
 * process of its own). `npm run bench` measures `submission`, `submission-1m` and our side of `anchor` so.
 */
export async function runSubmissionInChild(options: SubmissionBenchOptions, signal?: AbortSignal): Promise<SubmissionBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), "bench-submission-"));
  const resultFile = join(dir, "result.json");
  const tasks = options.tasks ?? 100_000;
  try {
    const parameters = {
      BENCH_TASKS: String(tasks),
      BENCH_LATENCY_MS: String(options.latencyMs ?? 20),
      BENCH_CONCURRENCY: String(options.concurrency ?? 8),
      BENCH_CEILING: options.ceiling === true ? "1" : "0",
    };
    // With the image's node flags, as `npm run bench` runs the in-process rows.
    const child = spawn(process.execPath, [...imageNodeFlags(), "--import", "tsx", fileURLToPath(import.meta.url)], {
      env: { ...process.env, ...parameters, BENCH_RESULT_FILE: resultFile },
      stdio: ["ignore", "ignore", "inherit"],
      // Aborted (BENCH_SCALE_TIMEOUT_S): the child is killed, and its emulator exits with it.
      signal,
    });
    child.once("error", () => undefined);
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    if (signal?.aborted === true) throw new Error(`not measured: stopped while submitting ${tasks} tasks (${String(signal.reason)})`);
    if (code !== 0) throw new Error(`the ${tasks}-task submission exited with ${code}`);
    return JSON.parse(await readFile(resultFile, "utf8")) as SubmissionBenchResult;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The scale row (`submission-1m`): a 1,000,000-task sweep. */
export function runMillionTaskBench(
  env: Readonly<Record<string, string | undefined>>,
  signal?: AbortSignal,
): Promise<SubmissionBenchResult> {
  const options = { ...submissionOptionsFromEnv(env), tasks: envNumber(env, "BENCH_MILLION_TASKS", 1_000_000), ceiling: false };
  return runSubmissionInChild(options, signal);
}

export function millionTaskRow(r: SubmissionBenchResult): BenchRow {
  const row = submissionRow(r);
  return { ...row, benchmark: `scale ${row.benchmark}`, figure: `${row.figure}; peak RSS ${r.peakRssMiB} MiB (tsx, engine in-process)` };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runSubmissionBench(submissionOptionsFromEnv(process.env));
  if (process.env.BENCH_RESULT_FILE !== undefined) await writeFile(process.env.BENCH_RESULT_FILE, JSON.stringify(result));
  console.log(JSON.stringify(result, null, 2));
  console.log(
    `efficiency ${percent(result.efficiency)} of the bound (target ≥ ${percent(SUBMISSION_TARGET)})${ceilingText(result.efficiency, result.ceiling)}${floorText(result.floor)}`,
  );
  console.log(
    `controller CPU ${result.controllerCpuMsPerRequest} ms per 100-task request (main thread ${result.mainThreadCpuMsPerRequest}; target < ${CPU_PER_REQUEST_TARGET_MS})`,
  );
}
