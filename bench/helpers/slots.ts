/**
 * The measured window of the ceiling and the floor: every body posted with `concurrency` requests in
 * flight (each slot takes the next body once its answer is in), timed, with both sides' CPU.
 */
import { cpuSeconds } from "./procfs.js";
import { round } from "./result.js";

/** What a window posts: a sweep of `tasks` (100 per request), each answered `latencyMs` after arrival, `concurrency` in flight. */
export interface WindowOptions {
  readonly tasks?: number;
  readonly latencyMs?: number;
  readonly concurrency?: number;
}

export interface SlotsWindow {
  readonly elapsedSeconds: number;
  /** This process's CPU (user + system) over the window, ms. */
  readonly clientCpuMs: number;
  /** The server process's CPU over the window, ms. */
  readonly serverCpuMs: number;
}

export async function postInSlots(
  bodies: readonly string[],
  concurrency: number,
  post: (body: string) => Promise<void>,
  serverPid: number,
): Promise<SlotsWindow> {
  const started = performance.now();
  const cpuBefore = { client: process.cpuUsage(), server: cpuSeconds(serverPid) };
  let next = 0;
  const slot = async (): Promise<void> => {
    for (let body = bodies[next++]; body !== undefined; body = bodies[next++]) await post(body);
  };
  await Promise.all(Array.from({ length: concurrency }, slot));
  const elapsedSeconds = (performance.now() - started) / 1000;
  const clientCpu = process.cpuUsage(cpuBefore.client);
  return {
    elapsedSeconds,
    clientCpuMs: (clientCpu.user + clientCpu.system) / 1e3,
    serverCpuMs: (cpuSeconds(serverPid) - cpuBefore.server) * 1e3,
  };
}

/** The bound of `requests` answered `latencyMs` after arrival, `concurrency` at a time, and bound ÷ elapsed. */
export function againstBound(
  requests: number,
  window: SlotsWindow,
  shape: { latencyMs: number; concurrency: number },
): { elapsedSeconds: number; requests: number; boundSeconds: number; efficiency: number; clientCpuMsPerRequest: number } {
  const boundSeconds = (requests * shape.latencyMs) / 1000 / shape.concurrency;
  return {
    elapsedSeconds: round(window.elapsedSeconds, 3),
    requests,
    boundSeconds: round(boundSeconds, 3),
    efficiency: round(boundSeconds / window.elapsedSeconds, 4),
    clientCpuMsPerRequest: round(window.clientCpuMs / Math.max(1, requests), 3),
  };
}
