/**
 * `npm run bench`: runs every benchmark of bench/ in turn, prints one summary table (benchmark, figure,
 * bound, ratio, target, pass/fail) and writes bench/results/latest.json (gitignored).
 *
 * `npm run bench -- submission rss` runs only the named ones. Parameters come from BENCH_* variables (see
 * bench/README.md). A benchmark that throws is reported as an error row and the others still run; the exit code
 * is 1 only then: a missed target is a measured figure, shown as FAIL, not a crash.
 */
import { spawnSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { runEmulatorBench, type EmulatorBenchResult } from "./emulator.js";
import { goodputOptionsFromEnv, goodputRow, runGoodputBench } from "./goodput.js";
import { latencyOptionsFromEnv, latencyRow, runLatencyBench } from "./latency.js";
import { envNumber, round, type BenchRow } from "./helpers/result.js";
import { resyncOptionsFromEnv, resyncRow, runResyncBench, scaleResyncOptionsFromEnv } from "./resync.js";
import { rssOptionsFromEnv, rssRow, runRssBench } from "./rss.js";
import { millionTaskRow, runMillionTaskBench, runSubmissionInChild, submissionOptionsFromEnv, submissionRow } from "./submission.js";
import { anchorRow, runAnchorBench } from "./anchor.js";

type Env = Readonly<Record<string, string | undefined>>;

interface Benchmark {
  readonly name: string;
  /** A slow scale row: skipped when BENCH_SKIP_SCALE=1 (unless named on the command line). */
  readonly scale?: boolean;
  /** `signal` aborts when a scale row runs out of time (BENCH_SCALE_TIMEOUT_S): the row stops and cleans up. */
  run(env: Env, signal: AbortSignal): Promise<BenchRow[]>;
}

const benchmarks: readonly Benchmark[] = [
  { name: "resync", run: async (env) => [resyncRow(await runResyncBench(resyncOptionsFromEnv(env)))] },
  { name: "latency", run: async (env) => [latencyRow(await runLatencyBench(latencyOptionsFromEnv(env)))] },
  { name: "submission", run: async (env) => [submissionRow(await runSubmissionInChild(submissionOptionsFromEnv(env)))] },
  { name: "goodput", run: async (env) => [goodputRow(await runGoodputBench(goodputOptionsFromEnv(env)))] },
  { name: "rss", run: async (env) => [rssRow(await runRssBench(rssOptionsFromEnv(env)))] },
  { name: "emulator", run: async (env) => emulatorRows(await runEmulatorBench(emulatorOptionsFromEnv(env))) },
  { name: "anchor", run: async (env) => [anchorRow(await runAnchorBench(env))] },
  {
    name: "resync-10k",
    scale: true,
    run: async (env, signal) => [resyncRow(await runResyncBench({ ...scaleResyncOptionsFromEnv(env), signal }), "scale resync")],
  },
  { name: "submission-1m", scale: true, run: async (env, signal) => [millionTaskRow(await runMillionTaskBench(env, signal))] },
];

/** The emulator's own figures (its issue's benchmark): throughput against its target, memory as a figure. */
function emulatorRows(r: EmulatorBenchResult): BenchRow[] {
  return [
    {
      benchmark: `emulator: addtaskcollection, ${r.tasksAdded} tasks (SDK client)`,
      figure: `${r.tasksPerSecond} tasks/s`,
      bound: `${r.targetTasksPerSecond} tasks/s`,
      ratio: round(r.tasksPerSecond / r.targetTasksPerSecond, 4),
      target: `≥ ${r.targetTasksPerSecond} tasks/s`,
      pass: r.tasksPerSecond >= r.targetTasksPerSecond,
      details: { ...r },
    },
    {
      benchmark: `emulator: RSS holding ${r.residentTasks} tasks`,
      figure: `${r.rssMiB} MiB (${r.bytesPerTask} B/task)`,
      bound: `baseline ${r.baselineRssMiB} MiB`,
      target: "figure only",
      details: { residentTasks: r.residentTasks, rssMiB: r.rssMiB, baselineRssMiB: r.baselineRssMiB, bytesPerTask: r.bytesPerTask },
    },
  ];
}

function emulatorOptionsFromEnv(env: Env): Parameters<typeof runEmulatorBench>[0] {
  return {
    throughputTasks: envNumber(env, "BENCH_EMULATOR_TASKS", 200_000),
    residentTasks: envNumber(env, "BENCH_EMULATOR_RESIDENT", 1_000_000),
    concurrency: envNumber(env, "BENCH_EMULATOR_CONCURRENCY", 8),
  };
}

interface Measured {
  readonly name: string;
  readonly seconds: number;
  readonly rows: BenchRow[];
  readonly error?: string;
}

async function measure(benchmark: Benchmark, env: Env): Promise<Measured> {
  process.stderr.write(`bench: ${benchmark.name}…\n`);
  const started = performance.now();
  try {
    const rows = await runBounded(benchmark, env);
    return { name: benchmark.name, seconds: round((performance.now() - started) / 1000, 1), rows };
  } catch (error: unknown) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`bench: ${benchmark.name} failed: ${message}\n`);
    const row: BenchRow = { benchmark: benchmark.name, figure: "error", bound: "-", target: message.slice(0, 120), pass: false };
    return { name: benchmark.name, seconds: round((performance.now() - started) / 1000, 1), rows: [row], error: message };
  }
}

/**
 * A scale row gets BENCH_SCALE_TIMEOUT_S (default 900 s) and is then reported as not measured, with the
 * reason, so `npm run bench` always ends; the others run unbounded, as before.
 */
async function runBounded(benchmark: Benchmark, env: Env): Promise<BenchRow[]> {
  if (benchmark.scale !== true) return benchmark.run(env, new AbortController().signal);
  const seconds = envNumber(env, "BENCH_SCALE_TIMEOUT_S", 900);
  const controller = new AbortController();
  const reason = `timed out after ${seconds} s (BENCH_SCALE_TIMEOUT_S)`;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort(reason);
      reject(new Error(`not measured: ${reason}`));
    }, seconds * 1000);
  });
  try {
    // The row's own rejection (naming where it stopped) wins when it honours the signal in time.
    return await Promise.race([
      benchmark.run(env, controller.signal),
      timedOut.catch(async (error: unknown) => {
        await new Promise((r) => setTimeout(r, 5_000).unref());
        throw error;
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const COLUMNS = ["benchmark", "figure", "bound", "ratio", "target", "result"] as const;

function cells(row: BenchRow): string[] {
  const result = row.pass === undefined ? "-" : row.pass ? "pass" : "FAIL";
  return [row.benchmark, row.figure, row.bound, row.ratio === undefined ? "-" : String(row.ratio), row.target, result];
}

/** A plain-text table: readable in a terminal and in a CI log alike. */
export function formatTable(rows: readonly BenchRow[]): string {
  const lines = [[...COLUMNS], ...rows.map(cells)];
  const widths = COLUMNS.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? "").length)));
  const render = (line: string[]): string =>
    line
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [render(lines[0] ?? []), widths.map((w) => "-".repeat(w)).join("  "), ...lines.slice(1).map(render)].join("\n");
}

/** The commit measured, and the files that differed from it (the benchmarks run the working tree). */
function codeVersion(): { commit: string; modified: string[] } {
  const git = (...args: string[]): string => {
    const result = spawnSync("git", args, { cwd: fileURLToPath(new URL("..", import.meta.url)), encoding: "utf8" });
    return result.status === 0 ? result.stdout.trim() : "";
  };
  const modified = git("status", "--porcelain", "--", "controller", "emulator")
    .split("\n")
    .filter((line) => line !== "");
  return { commit: git("rev-parse", "HEAD") || "unknown", modified: modified.map((line) => line.slice(3)) };
}

async function main(args: readonly string[], env: Env): Promise<number> {
  const unknown = args.filter((a) => !benchmarks.some((b) => b.name === a));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown benchmark(s) ${unknown.join(", ")}; known: ${benchmarks.map((b) => b.name).join(", ")}\n`);
    return 2;
  }
  const skipScale = env.BENCH_SKIP_SCALE === "1";
  const selected =
    args.length === 0 ? benchmarks.filter((b) => !(skipScale && b.scale === true)) : benchmarks.filter((b) => args.includes(b.name));
  const measured: Measured[] = [];
  // One at a time: they share two cores with whatever else runs, and each figure is only meaningful alone.
  for (const benchmark of selected) measured.push(await measure(benchmark, env));
  const rows = measured.flatMap((m) => m.rows);
  process.stdout.write(`\n${formatTable(rows)}\n`);
  const file = fileURLToPath(new URL("./results/latest.json", import.meta.url));
  await mkdir(fileURLToPath(new URL("./results/", import.meta.url)), { recursive: true });
  const machine = { node: process.version, cpus: cpus().length, loadAverage1mAtEnd: round(loadavg()[0] ?? 0) };
  const document = { finishedAt: new Date().toISOString(), code: codeVersion(), machine, benchmarks: measured };
  await writeFile(file, `${JSON.stringify(document, null, 2)}\n`);
  process.stdout.write(`\nwritten ${file}\n`);
  return measured.some((m) => m.error !== undefined) ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2), process.env);
