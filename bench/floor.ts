/**
 * The floor under the `submission` row: what this machine's loopback, node:http and two processes allow
 * before any Batch work. A plain keep-alive client posts the same 1,000 addtaskcollection bodies, with the
 * same requests in flight, to the least service there is (helpers/floorServer.ts: it reads the body and
 * answers `latencyMs` after arrival). The bound assumes that a request costs nothing but its latency; this
 * figure, measured in the same run, says how much of it even that pair reaches here. Below it sits the
 * ceiling (ceiling.ts: the emulator and a bare signing client), and below that the engine.
 *
 * Run alone: `npx tsx bench/floor.ts` (BENCH_TASKS, BENCH_LATENCY_MS, BENCH_CONCURRENCY).
 */
import { spawn } from "node:child_process";
import { Agent, request } from "node:http";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { TaskFactory } from "../controller/model/job.js";
import { requestBodies } from "./ceiling.js";
import { againstBound, postInSlots, type WindowOptions } from "./helpers/slots.js";
import { sweepFactory } from "./helpers/resources.js";
import { percent, round, windowShapeFromEnv } from "./helpers/result.js";

export type FloorOptions = WindowOptions;

export interface FloorResult {
  readonly elapsedSeconds: number;
  readonly requests: number;
  readonly boundSeconds: number;
  /** bound ÷ elapsed, as for `submission`. */
  readonly efficiency: number;
  readonly clientCpuMsPerRequest: number;
  readonly serverCpuMsPerRequest: number;
}

export async function runFloorBench(options: FloorOptions = {}): Promise<FloorResult> {
  const latencyMs = options.latencyMs ?? 20;
  const concurrency = options.concurrency ?? 8;
  const bodies = requestBodies(sweepFactory(options.tasks ?? 100_000) as unknown as TaskFactory);
  const server = await startFloorServer(latencyMs);
  const agent = new Agent({ keepAlive: true });
  try {
    const post = (body: string): Promise<void> =>
      new Promise((resolve, reject) => {
        const headers = { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) };
        const req = request(`${server.url}/jobs/floor/addtaskcollection`, { method: "POST", headers, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", reject);
          res.on("end", () =>
            res.statusCode === 200 && Buffer.concat(chunks).length > 0 ? resolve() : reject(new Error(`answered ${res.statusCode}`)),
          );
        });
        req.on("error", reject);
        req.end(body);
      });
    const window = await postInSlots(bodies, concurrency, post, server.pid);
    return {
      ...againstBound(bodies.length, window, { latencyMs, concurrency }),
      serverCpuMsPerRequest: round(window.serverCpuMs / Math.max(1, bodies.length), 3),
    };
  } finally {
    agent.destroy();
    await server.stop();
  }
}

async function startFloorServer(latencyMs: number): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const entry = fileURLToPath(new URL("./helpers/floorServer.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", entry], {
    env: { ...process.env, FLOOR_LATENCY_MS: String(latencyMs) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  if (child.stdout === null) throw new Error("the floor server has no stdout");
  for await (const line of createInterface({ input: child.stdout })) {
    const { url, pid } = JSON.parse(line) as { url: string; pid: number };
    return {
      url,
      pid,
      stop: async () => {
        if (child.exitCode === null) child.kill("SIGTERM");
        await exited;
      },
    };
  }
  throw new Error("the floor server exited before listening");
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runFloorBench(windowShapeFromEnv(process.env));
  console.log(JSON.stringify(result, null, 2));
  console.log(`a plain node:http pair reaches ${percent(result.efficiency)} of the bound`);
}
