/**
 * The ceiling of the `submission` row: what this machine and this emulator allow any client. A bare
 * client posts the same job's addtaskcollection bodies (the bytes our engine sends,
 * written before the window) with the same requests in flight, to an emulator of its own with the same added
 * latency, through the engine's own request path (leanPost.ts): no reconciler, no task generation, no
 * bookkeeping, only signing each request and reading its answer.
 * On the 2-core machine the bound assumes free CPU; the emulator's own work and its event loop are not free,
 * and this figure, measured in the same run, says how much of the bound is left for any client to reach.
 *
 * Run alone: `npx tsx bench/ceiling.ts` (BENCH_TASKS, BENCH_LATENCY_MS, BENCH_CONCURRENCY).
 */
import { pathToFileURL } from "node:url";
import { BatchSharedKeyCredentials } from "@azure/batch";
import type { TaskPayload } from "../controller/batch/adapter.js";
import { taskCollectionJson } from "../controller/batch/mapperJson.js";
import { createLeanPoster, type LeanPoster } from "../controller/batch/leanPost.js";
import { taskSetOf } from "../controller/core/taskBody.js";
import type { TaskFactory } from "../controller/model/job.js";
import { sdkJobOnEmptyPool, startEmulatorProcess, tallyCalls } from "./helpers/emulatorProcess.js";
import { againstBound, postInSlots, type WindowOptions } from "./helpers/slots.js";
import { answeredAfterMs, latencyFault } from "./helpers/latencyFault.js";
import { sweepFactory } from "./helpers/resources.js";
import { percent, round, windowShapeFromEnv } from "./helpers/result.js";

export type CeilingOptions = WindowOptions;

export interface CeilingResult {
  readonly tasks: number;
  readonly elapsedSeconds: number;
  readonly requests: number;
  readonly boundSeconds: number;
  /** bound ÷ elapsed, as for `submission`. */
  readonly efficiency: number;
  readonly clientCpuMsPerRequest: number;
  readonly emulatorCpuMsPerRequest: number;
  readonly tasksInBatch: number;
  /** Mean time after arrival at which the emulator released its answers (responseTime model). */
  readonly answeredAfterMs?: number;
}

const TASKS_PER_REQUEST = 100;

export async function runCeilingBench(options: CeilingOptions = {}): Promise<CeilingResult> {
  const tasks = options.tasks ?? 100_000;
  const latencyMs = options.latencyMs ?? 20;
  const concurrency = options.concurrency ?? 8;
  const bodies = requestBodies(sweepFactory(tasks) as unknown as TaskFactory);
  const emulator = await startEmulatorProcess();
  try {
    const client = await sdkJobOnEmptyPool(emulator, "ceiling");
    // The engine's own request path (leanPost.ts): keep-alive node:http, SharedKey signed, the SDK's headers.
    const lean = createLeanPoster(emulator.url, new BatchSharedKeyCredentials(emulator.account, emulator.key));
    const post = poster(lean, `/jobs/ceiling/addtaskcollection?api-version=${client.apiVersion}`);
    await emulator.control.addFault(latencyFault(latencyMs));
    await emulator.control.clearCounters();
    const window = await postInSlots(bodies, concurrency, post, emulator.pid);
    const requests = tallyCalls(await emulator.control.counters()).total;
    const answeredAfter = await answeredAfterMs(emulator.control);
    await emulator.control.clearFaults();
    const counts = (await client.job.getTaskCounts("ceiling")).taskCounts;
    return {
      tasks,
      ...againstBound(requests, window, { latencyMs, concurrency }),
      emulatorCpuMsPerRequest: round(window.serverCpuMs / Math.max(1, requests), 3),
      tasksInBatch: counts.active + counts.running + counts.completed,
      answeredAfterMs: answeredAfter,
    };
  } finally {
    await emulator.stop();
  }
}

/** The job's addtaskcollection bodies, 100 tasks each, as the engine writes them (content markers included). */
export function requestBodies(taskFactory: TaskFactory): string[] {
  const bodies: string[] = [];
  let chunk: TaskPayload[] = [];
  for (const task of taskSetOf({ taskFactory }).tasks()) {
    chunk.push(task.body);
    if (chunk.length === TASKS_PER_REQUEST) {
      bodies.push(taskCollectionJson(chunk));
      chunk = [];
    }
  }
  if (chunk.length > 0) bodies.push(taskCollectionJson(chunk));
  return bodies;
}

/** POSTs one body; rejects unless every task of it was added (an error entry would make the figure meaningless). */
function poster(lean: LeanPoster, path: string): (body: string) => Promise<void> {
  const signal = new AbortController().signal;
  return async (body) => {
    const { status, text } = await lean.post(path, body, signal);
    if (status !== 200 || /"status":"(clientError|serverError)"/i.test(text))
      throw new Error(`addtaskcollection answered ${status}: ${text.slice(0, 200)}`);
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runCeilingBench(windowShapeFromEnv(process.env));
  console.log(JSON.stringify(result, null, 2));
  console.log(`a bare client reaches ${percent(result.efficiency)} of the bound`);
}
