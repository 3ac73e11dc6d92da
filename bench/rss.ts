/**
 * Controller memory: `batch-gitops run --once` as a child process (the CLI a user runs) on a directory of
 * 1,000 BatchPools and one BatchJob sweeping 100,000 tasks, against the emulator in another process. The
 * controller's peak RSS (VmHWM, read by the process itself as it exits) is compared with 150 MB.
 *
 * One `--once` pass ends when the queue is idle, and a job waits (a poll later) for a pool created in the same
 * pass, so the pass is repeated until every task is in Batch: the first pass creates the pools, the next one
 * resyncs 1,000 in-sync pools while it streams the 100,000 tasks. The figure is the highest peak of the passes.
 *
 * Run alone: `npx tsx bench/rss.ts` (BENCH_RSS_POOLS, BENCH_RSS_TASKS).
 */
import { spawn } from "node:child_process";
import { access, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { startEmulatorProcess, type EmulatorProcess } from "./helpers/emulatorProcess.js";
import { MiB, processMemory } from "./helpers/procfs.js";
import { emptyPool, manifestYaml, sweepJob } from "./helpers/resources.js";
import { imageNodeFlags } from "./helpers/imageNodeFlags.js";
import { envNumber, round, type BenchRow } from "./helpers/result.js";

export interface RssBenchOptions {
  readonly pools?: number;
  readonly tasks?: number;
  /** Passes allowed before giving up on seeing every task submitted. */
  readonly maxPasses?: number;
  /**
   * `compiled` (default): the controller built with tsconfig.build.json into a temporary directory and run with plain
   * node, as the container image runs it. `tsx`: bin/batch-gitops.js from source, as `npm start` in a checkout
   * (the tsx loader adds its own memory).
   */
  readonly entry?: "compiled" | "tsx";
  /** NODE_OPTIONS for the controller only (e.g. `--max-old-space-size=128` to see what is garbage). */
  readonly controllerNodeOptions?: string;
}

export interface RssPass {
  readonly exitCode: number | null;
  readonly seconds: number;
  readonly peakRssMiB: number;
}

export interface RssBenchResult {
  readonly entry: "compiled" | "tsx";
  readonly pools: number;
  readonly tasks: number;
  readonly passes: readonly RssPass[];
  readonly peakRssMiB: number;
  readonly poolsInBatch: number;
  readonly tasksInBatch: number;
}

export const RSS_TARGET_MB = 150;
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(ROOT, "bin", "batch-gitops.js");
// Preloaded into the controller: reports its own VmHWM at exit, when /proc/<pid> is about to disappear.
const REPORT_PEAK = `data:text/javascript,${encodeURIComponent(
  `import { readFileSync, writeFileSync } from "node:fs";
   process.on("exit", () => { const m = /^VmHWM:\\s+(\\d+) kB/m.exec(readFileSync("/proc/self/status", "utf8")); if (m) writeFileSync(process.env.BENCH_PEAK_RSS_FILE, m[1]); });`,
)}`;

export async function runRssBench(options: RssBenchOptions = {}): Promise<RssBenchResult> {
  const pools = options.pools ?? 1_000;
  const tasks = options.tasks ?? 100_000;
  const work = await mkdtemp(join(tmpdir(), "bench-rss-"));
  const emulator = await startEmulatorProcess();
  try {
    await emulator.control.setQuota({ pools: pools + 10 });
    const dir = join(work, "manifests");
    await writeManifests(dir, pools, tasks);
    const command = options.entry === "tsx" ? [BIN] : await compiledEntry(work);
    const passes: RssPass[] = [];
    let counts: { pools: number; tasks: number };
    do {
      passes.push(await controllerPass(emulator, command, { dir, work, nodeOptions: options.controllerNodeOptions }));
      counts = await batchCounts(emulator);
    } while (counts.tasks < tasks && passes.length < (options.maxPasses ?? 4));
    return {
      entry: options.entry ?? "compiled",
      pools,
      tasks,
      passes,
      peakRssMiB: Math.max(...passes.map((p) => p.peakRssMiB)),
      poolsInBatch: counts.pools,
      tasksInBatch: counts.tasks,
    };
  } finally {
    await emulator.stop();
    await rm(work, { recursive: true, force: true });
  }
}

async function writeManifests(dir: string, pools: number, tasks: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const names = Array.from({ length: pools }, (_, i) => `pool-${String(i).padStart(4, "0")}`);
  await writeFile(join(dir, "pools.yaml"), names.map((n) => manifestYaml(emptyPool(n))).join(""));
  await writeFile(join(dir, "sweep.yaml"), manifestYaml(sweepJob("sweep", names[0] ?? "pool-0000", tasks)));
}

/** One `run --once` of the CLI; its peak RSS comes from the preload, with /proc samples as a fallback. */
/**
 * Builds the controller (tsconfig.build.json) into a temporary directory and returns node arguments that run its
 * CLI the way bin/batch-gitops.js does. Not dist/ (bin/ would then prefer it for everyone working in this tree)
 * and not under the repository (eslint and vitest would pick the output up); a package.json and a node_modules
 * link make it resolve like the checkout.
 */
async function compiledEntry(work: string): Promise<string[]> {
  const out = join(work, "dist");
  await mkdir(out, { recursive: true });
  await writeFile(join(out, "package.json"), JSON.stringify({ type: "module" }));
  await symlink(join(ROOT, "node_modules"), join(out, "node_modules"), "dir");
  const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
  // tsc still emits when a file has type errors; the run fails below if the CLI did not build.
  await new Promise<void>((resolve) =>
    spawn(process.execPath, [tsc, "-p", join(ROOT, "tsconfig.build.json"), "--outDir", out], { stdio: "ignore" }).once("exit", () =>
      resolve(),
    ),
  );
  const main = join(out, "controller", "cli", "main.js");
  await access(main);
  return [
    "--input-type=module",
    "-e",
    `const { main } = await import(${JSON.stringify(pathToFileURL(main).href)}); process.exitCode = await main(process.argv.slice(1));`,
  ];
}

interface PassOptions {
  readonly dir: string;
  readonly work: string;
  readonly nodeOptions: string | undefined;
}

async function controllerPass(
  emulator: EmulatorProcess,
  command: readonly string[],
  { dir, work, nodeOptions }: PassOptions,
): Promise<RssPass> {
  const peakFile = join(work, "peak-rss");
  await rm(peakFile, { force: true });
  const args = [
    ...imageNodeFlags(),
    "--import",
    REPORT_PEAK,
    ...command,
    "run",
    "--once",
    "--dir",
    dir,
    "--state-dir",
    join(work, "state"),
    "--batch-url",
    emulator.url,
  ];
  args.push("--auth", "shared-key", "--http-addr", "off", "--view", "off", "--log-level", "warn", "--log-format", "json");
  const env = {
    ...process.env,
    BATCH_ACCOUNT_NAME: emulator.account,
    BATCH_ACCOUNT_KEY: emulator.key,
    BENCH_PEAK_RSS_FILE: peakFile,
    NODE_OPTIONS: nodeOptions ?? process.env.NODE_OPTIONS,
  };
  const started = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: ["ignore", "ignore", "inherit"] });
  let sampledPeak = 0;
  const sampler = setInterval(() => {
    if (child.pid === undefined) return;
    try {
      sampledPeak = Math.max(sampledPeak, processMemory(child.pid).peakRssBytes);
    } catch {
      // The process has just exited; its own report covers the end.
    }
  }, 100);
  const exitCode = await new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  clearInterval(sampler);
  const reported = Number(await readFile(peakFile, "utf8").catch(() => "0")) * 1024;
  return { exitCode, seconds: round((performance.now() - started) / 1000), peakRssMiB: round(Math.max(reported, sampledPeak) / MiB, 1) };
}

async function batchCounts(emulator: EmulatorProcess): Promise<{ pools: number; tasks: number }> {
  const { BatchServiceClient, BatchSharedKeyCredentials } = await import("@azure/batch");
  const client = new BatchServiceClient(new BatchSharedKeyCredentials(emulator.account, emulator.key), emulator.url);
  let pools = 0;
  let page = await client.pool.list({ poolListOptions: { select: "id", maxResults: 1000 } });
  pools += page.length;
  while (page.odatanextLink !== undefined) {
    page = await client.pool.listNext(page.odatanextLink);
    pools += page.length;
  }
  const exists = await client.job.list({ jobListOptions: { filter: "id eq 'sweep'", select: "id" } });
  if (exists.length === 0) return { pools, tasks: 0 };
  const c = (await client.job.getTaskCounts("sweep")).taskCounts;
  return { pools, tasks: c.active + c.running + c.completed };
}

export function rssRow(r: RssBenchResult): BenchRow {
  const complete = r.tasksInBatch === r.tasks && r.poolsInBatch >= r.pools;
  const peakMB = (r.peakRssMiB * MiB) / 1e6;
  return {
    benchmark: `controller RSS: ${r.pools} pools + ${r.tasks}-task job (${r.entry} run --once ×${r.passes.length})`,
    figure: `${round(peakMB, 1)} MB peak`,
    bound: `${RSS_TARGET_MB} MB`,
    ratio: round(peakMB / RSS_TARGET_MB, 4),
    target: `< ${RSS_TARGET_MB} MB${complete ? "" : `; ONLY ${r.poolsInBatch} pools, ${r.tasksInBatch} tasks in Batch`}`,
    pass: complete && peakMB < RSS_TARGET_MB,
    details: { ...r },
  };
}

export function rssOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): RssBenchOptions {
  return {
    pools: envNumber(env, "BENCH_RSS_POOLS", 1_000),
    tasks: envNumber(env, "BENCH_RSS_TASKS", 100_000),
    controllerNodeOptions: env.BENCH_CONTROLLER_NODE_OPTIONS,
    entry: env.BENCH_RSS_ENTRY === "tsx" ? "tsx" : "compiled",
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runRssBench(rssOptionsFromEnv(process.env));
  console.log(JSON.stringify(result, null, 2));
  const row = rssRow(result);
  console.log(`${row.benchmark}: ${row.figure} (target ${row.target}) ${row.pass ? "met" : "NOT met"}`);
}
