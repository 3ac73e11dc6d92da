/**
 * The ceiling of the `submission` row: what this machine and this emulator allow any client. A bare
 * node:http keep-alive client posts the same job's addtaskcollection bodies (the bytes our engine sends,
 * written before the window) with the same requests in flight, to an emulator of its own with the same added
 * latency: no reconciler, no task generation, no bookkeeping, only signing each request and reading its answer.
 * On the 2-core machine the bound assumes free CPU; the emulator's own work and its event loop are not free,
 * and this figure, measured in the same run, says how much of the bound is left for any client to reach.
 *
 * Run alone: `npx tsx bench/ceiling.ts` (BENCH_TASKS, BENCH_LATENCY_MS, BENCH_CONCURRENCY).
 */
import { Agent, request } from "node:http";
import { randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";
import type { TaskPayload } from "../controller/batch/adapter.js";
import { taskCollectionJson } from "../controller/batch/mapperJson.js";
import { JSON_CONTENT_TYPE } from "../controller/batch/leanPost.js";
import { sharedKeySigner } from "../controller/batch/sharedKeySigner.js";
import { taskSetOf } from "../controller/core/taskBody.js";
import type { TaskFactory } from "../controller/model/job.js";
import { sdkJobOnEmptyPool, startEmulatorProcess, tallyCalls } from "./helpers/emulatorProcess.js";
import { cpuSeconds } from "./helpers/procfs.js";
import { sweepFactory } from "./helpers/resources.js";
import { envNumber, percent, round } from "./helpers/result.js";

export interface CeilingOptions {
  readonly tasks?: number;
  readonly latencyMs?: number;
  readonly concurrency?: number;
}

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
}

const API_VERSION = "2022-10-01.16.0";
const TASKS_PER_REQUEST = 100;

export async function runCeilingBench(options: CeilingOptions = {}): Promise<CeilingResult> {
  const tasks = options.tasks ?? 100_000;
  const latencyMs = options.latencyMs ?? 20;
  const concurrency = options.concurrency ?? 8;
  const bodies = requestBodies(sweepFactory(tasks) as unknown as TaskFactory);
  const emulator = await startEmulatorProcess();
  const agent = new Agent({ keepAlive: true });
  try {
    const client = await sdkJobOnEmptyPool(emulator, "ceiling");
    const post = poster(emulator, agent, `/jobs/ceiling/addtaskcollection?api-version=${API_VERSION}`);
    await emulator.control.addFault({ operationId: "*", kind: "latency", latencyMs });
    await emulator.control.clearCounters();
    const started = performance.now();
    const cpuBefore = { client: process.cpuUsage(), emulator: cpuSeconds(emulator.pid) };
    let next = 0;
    const slot = async (): Promise<void> => {
      for (let body = bodies[next++]; body !== undefined; body = bodies[next++]) await post(body);
    };
    await Promise.all(Array.from({ length: concurrency }, slot));
    const elapsedSeconds = (performance.now() - started) / 1000;
    const clientCpu = process.cpuUsage(cpuBefore.client);
    const emulatorCpu = cpuSeconds(emulator.pid) - cpuBefore.emulator;
    const requests = tallyCalls(await emulator.control.counters()).total;
    await emulator.control.clearFaults();
    const counts = (await client.job.getTaskCounts("ceiling")).taskCounts;
    const boundSeconds = (requests * latencyMs) / 1000 / concurrency;
    return {
      tasks,
      elapsedSeconds: round(elapsedSeconds, 3),
      requests,
      boundSeconds: round(boundSeconds, 3),
      efficiency: round(boundSeconds / elapsedSeconds, 4),
      clientCpuMsPerRequest: round((clientCpu.user + clientCpu.system) / 1e3 / Math.max(1, requests), 3),
      emulatorCpuMsPerRequest: round((emulatorCpu * 1e3) / Math.max(1, requests), 3),
      tasksInBatch: counts.active + counts.running + counts.completed,
    };
  } finally {
    agent.destroy();
    await emulator.stop();
  }
}

/** The job's addtaskcollection bodies, 100 tasks each, as the engine writes them (content markers included). */
function requestBodies(taskFactory: TaskFactory): string[] {
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

/** POSTs one body, signed with the account key as the engine's lean path signs it; rejects on anything but 200. */
function poster(emulator: { url: string; account: string; key: string }, agent: Agent, path: string): (body: string) => Promise<void> {
  const url = new URL(emulator.url + path);
  const signer = sharedKeySigner(emulator.account, emulator.key);
  return (body) => {
    const headers: Record<string, string> = {
      "content-type": JSON_CONTENT_TYPE,
      "x-ms-client-request-id": randomUUID(),
      "ocp-date": new Date().toUTCString(),
      "content-length": String(Buffer.byteLength(body)),
    };
    headers.authorization = signer.authorization("POST", url, headers);
    return new Promise((resolve, reject) => {
      const req = request(url, { method: "POST", headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          // Every task of the chunk is to be added: an error entry would make the figure meaningless.
          if (res.statusCode !== 200 || /"status":"(clientError|serverError)"/i.test(text))
            reject(new Error(`addtaskcollection answered ${res.statusCode ?? "?"}: ${text.slice(0, 200)}`));
          else resolve();
        });
      });
      req.on("error", reject);
      req.end(body);
    });
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const env = process.env;
  const result = await runCeilingBench({
    tasks: envNumber(env, "BENCH_TASKS", 100_000),
    latencyMs: envNumber(env, "BENCH_LATENCY_MS", 20),
    concurrency: envNumber(env, "BENCH_CONCURRENCY", 8),
  });
  console.log(JSON.stringify(result, null, 2));
  console.log(`a bare client reaches ${percent(result.efficiency)} of the bound`);
}
