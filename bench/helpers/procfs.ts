/** Process memory from Linux /proc (the benchmarks run on Linux, as the controller's image does). */
import { readFileSync } from "node:fs";

export interface ProcessMemory {
  /** Resident set size now. */
  readonly rssBytes: number;
  /** Peak resident set size so far (VmHWM). */
  readonly peakRssBytes: number;
}

export function processMemory(pid: number | "self"): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return { rssBytes: field(status, "VmRSS"), peakRssBytes: field(status, "VmHWM") };
}

function field(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status);
  if (match?.[1] === undefined) throw new Error(`${name} not found in /proc status`);
  return Number(match[1]) * 1024;
}

export const MiB = 2 ** 20;

/** User + system CPU seconds a process has used (clock ticks are 100 per second on Linux). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * CPU seconds of this process's main thread (its event loop) alone, from /proc/self/task/<pid>/stat:
 * process.cpuUsage() also counts libuv, GC helper and worker threads.
 */
export function mainThreadCpuSeconds(): number {
  const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
