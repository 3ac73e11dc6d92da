/**
 * Emulator benchmark: tasks added per second through addtaskcollection with the unmodified @azure/batch SDK,
 * and the emulator's resident memory holding a million tasks.
 *
 * The emulator runs in a child process, so the client and the server each get a core (as a real client and
 * service would not share one) and its RSS is its own: read from /proc before and after the tasks exist.
 * Run: `npx tsx bench/emulator.ts [--tasks 200000] [--resident 1000000] [--concurrency 8] [--profile-server DIR]`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { Agent } from "node:http";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { BatchServiceClient, BatchSharedKeyCredentials, type BatchServiceModels } from "@azure/batch";

export interface EmulatorBenchOptions {
  /** Tasks added for the throughput figure. */
  throughputTasks?: number;
  /** Tasks held when RSS is read (the throughput tasks count towards it). */
  residentTasks?: number;
  /** addtaskcollection calls in flight. */
  concurrency?: number;
  /** When set, the emulator process writes a V8 CPU profile (.cpuprofile) into this directory on exit. */
  serverProfileDir?: string;
}

export interface EmulatorBenchResult {
  tasksAdded: number;
  seconds: number;
  tasksPerSecond: number;
  /** CPU seconds per wall second spent by the emulator process and by the SDK client (1 = one core busy). */
  serverCpuShare: number;
  clientCpuShare: number;
  /** CPU microseconds per task added, in the emulator and in the SDK client: unlike tasks/s, hardly moved by other load. */
  serverCpuMicrosPerTask: number;
  clientCpuMicrosPerTask: number;
  targetTasksPerSecond: number;
  residentTasks: number;
  baselineRssMiB: number;
  rssMiB: number;
  bytesPerTask: number;
}

const TARGET_TASKS_PER_SECOND = 20_000;
const PER_CALL = 100;

export async function runEmulatorBench(options: EmulatorBenchOptions = {}): Promise<EmulatorBenchResult> {
  const throughputTasks = options.throughputTasks ?? 200_000;
  const residentTasks = Math.max(options.residentTasks ?? 1_000_000, throughputTasks);
  const concurrency = options.concurrency ?? 8;
  const server = await startServer(options.serverProfileDir);
  try {
    // noDelay: the SDK writes headers and body separately; with Nagle's algorithm the body then waits for the
    // server's delayed ACK (~40 ms per call on Linux loopback). Keep-alive reuses one socket per worker.
    const agent = new Agent({ keepAlive: true, maxSockets: concurrency, noDelay: true } as ConstructorParameters<typeof Agent>[0]);
    const client = new BatchServiceClient(new BatchSharedKeyCredentials(server.account, server.key), server.url, {
      agentSettings: { http: agent, https: agent as never },
    });
    // A pool without nodes: tasks stay active, so the figure is the add path, not the simulated runs.
    await client.pool.add({
      id: "bench",
      vmSize: "standard_d2s_v3",
      targetDedicatedNodes: 0,
      virtualMachineConfiguration: {
        imageReference: { publisher: "canonical", offer: "0001-com-ubuntu-server-jammy", sku: "22_04-lts", version: "latest" },
        nodeAgentSKUId: "batch.node.ubuntu 22.04",
      },
    });
    await client.job.add({ id: "bench", poolInfo: { poolId: "bench" } });
    const baselineRss = rssBytes(server.pid);
    const started = process.hrtime.bigint();
    const serverCpuBefore = cpuSeconds(server.pid);
    const clientCpuBefore = process.cpuUsage();
    await addTasks(client, 0, throughputTasks, concurrency);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const clientCpu = process.cpuUsage(clientCpuBefore);
    const serverCpu = cpuSeconds(server.pid) - serverCpuBefore;
    await addTasks(client, throughputTasks, residentTasks, concurrency);
    const counts = await client.job.getTaskCounts("bench");
    if (counts.taskCounts.active !== residentTasks)
      throw new Error(`expected ${residentTasks} active tasks, got ${counts.taskCounts.active}`);
    const rss = rssBytes(server.pid);
    return {
      tasksAdded: throughputTasks,
      seconds: round(seconds),
      tasksPerSecond: Math.round(throughputTasks / seconds),
      serverCpuShare: round(serverCpu / seconds),
      clientCpuShare: round((clientCpu.user + clientCpu.system) / 1e6 / seconds),
      serverCpuMicrosPerTask: round((serverCpu * 1e6) / throughputTasks),
      clientCpuMicrosPerTask: round((clientCpu.user + clientCpu.system) / throughputTasks),
      targetTasksPerSecond: TARGET_TASKS_PER_SECOND,
      residentTasks,
      baselineRssMiB: round(baselineRss / 2 ** 20),
      rssMiB: round(rss / 2 ** 20),
      bytesPerTask: Math.round((rss - baselineRss) / residentTasks),
    };
  } finally {
    // Waiting for the exit lets a CPU profile be written before the bench returns.
    const exited = new Promise((resolve) => server.child.once("exit", resolve));
    server.child.kill("SIGTERM");
    await exited;
  }
}

/** Adds tasks [from, to) in calls of 100 with `concurrency` calls in flight; every result must be Success. */
async function addTasks(client: BatchServiceClient, from: number, to: number, concurrency: number): Promise<void> {
  let next = from;
  const worker = async (): Promise<void> => {
    while (next < to) {
      const start = next;
      next = Math.min(to, next + PER_CALL);
      const batch: BatchServiceModels.TaskAddParameter[] = [];
      for (let i = start; i < next; i++) batch.push({ id: `task-${i}`, commandLine: `/bin/sh -c 'echo ${i}'` });
      const result = await client.task.addCollection("bench", batch);
      const failed = (result.value ?? []).filter((r) => String(r.status).toLowerCase() !== "success");
      if (failed.length > 0) throw new Error(`${failed.length} tasks were not added: ${JSON.stringify(failed[0])}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
}

interface Server {
  child: ChildProcess;
  pid: number;
  url: string;
  account: string;
  key: string;
}

async function startServer(profileDir?: string): Promise<Server> {
  const entry = fileURLToPath(new URL("./emulator-server.ts", import.meta.url));
  const profile = profileDir === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", profileDir];
  const child = spawn(process.execPath, [...profile, "--import", "tsx", entry], { stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout ?? process.stdin });
  for await (const line of lines) {
    const info = JSON.parse(line) as { url: string; account: string; key: string };
    if (child.pid === undefined) throw new Error("the emulator process has no pid");
    return { child, pid: child.pid, ...info };
  }
  throw new Error("the emulator process exited before listening");
}

/** Resident set size of a process (Linux /proc). */
function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!match?.[1]) throw new Error("VmRSS not found");
  return Number(match[1]) * 1024;
}

/** User + system CPU seconds of a process (Linux /proc; clock ticks are 100 per second there). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function textFlag(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

function flag(name: string): number | undefined {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? process.argv[index + 1] : undefined;
  return value === undefined ? undefined : Number(value);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runEmulatorBench({
    ...(flag("tasks") === undefined ? {} : { throughputTasks: flag("tasks") }),
    ...(flag("resident") === undefined ? {} : { residentTasks: flag("resident") }),
    ...(flag("concurrency") === undefined ? {} : { concurrency: flag("concurrency") }),
    ...(textFlag("profile-server") === undefined ? {} : { serverProfileDir: textFlag("profile-server") }),
  });
  console.log(JSON.stringify(result, null, 2));
  console.log(
    `addtaskcollection: ${result.tasksPerSecond} tasks/s (target ≥ ${result.targetTasksPerSecond}: ${result.tasksPerSecond >= result.targetTasksPerSecond ? "met" : "NOT met"}); ` +
      `RSS ${result.rssMiB} MiB with ${result.residentTasks} tasks (${result.bytesPerTask} bytes/task over a ${result.baselineRssMiB} MiB baseline)`,
  );
}
