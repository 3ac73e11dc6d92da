/**
 * The anchor: our submission beside the official Python SDK's, in the same run. When /usr/bin/python3 has
 * azure.batch (Debian's python3-azure ships azure-batch 13.0.1), its `add_collection(threads=8)` adds the same
 * 100,000 tasks to a job on the emulator (its own process, every request answered 20 ms after it arrived, as for `submission`),
 * and our engine's submission of the same sweep is measured right after on the same setup. The figure is our
 * time as a fraction of its time (lower is better). Without python3 + azure.batch the row says so and
 * is not a failure.
 *
 * Run alone: `npx tsx bench/anchor.ts` (BENCH_ANCHOR_TASKS, BENCH_LATENCY_MS, BENCH_ANCHOR_PYTHON).
 */
import { execFile } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { sdkJobOnEmptyPool, startEmulatorProcess } from "./helpers/emulatorProcess.js";
import { latencyFault, latencyText } from "./helpers/latencyFault.js";
import { envNumber, round, type BenchRow } from "./helpers/result.js";
import { runSubmissionInChild } from "./submission.js";

const execFileAsync = promisify(execFile);
const SCRIPT = fileURLToPath(new URL("./anchor.py", import.meta.url));

export interface AnchorBenchResult {
  readonly tasks: number;
  readonly latencyMs: number;
  /** Undefined when python3 or azure.batch is missing. */
  readonly python?: { readonly seconds: number; readonly version: string; readonly tasksInBatch: number };
  readonly oursSeconds?: number;
  /** ours ÷ python (lower is better). */
  readonly ratio?: number;
  readonly skipped?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

async function pythonAvailable(python: string): Promise<string | undefined> {
  try {
    await execFileAsync(python, ["-c", "import azure.batch"]);
    return undefined;
  } catch {
    return `${python} without azure.batch (apt install python3-azure)`;
  }
}

async function runPython(python: string, tasks: number, latencyMs: number): Promise<NonNullable<AnchorBenchResult["python"]>> {
  const emulator = await startEmulatorProcess();
  try {
    const client = await sdkJobOnEmptyPool(emulator, "anchor");
    await emulator.control.addFault(latencyFault(latencyMs));
    const { stdout } = await execFileAsync(python, [SCRIPT, emulator.url, emulator.account, emulator.key, "anchor", String(tasks)], {
      maxBuffer: 1 << 20,
    });
    await emulator.control.clearFaults();
    const lastLine = stdout.trim().split("\n").at(-1) ?? "{}";
    const { seconds, version } = JSON.parse(lastLine) as { seconds: number; version: string };
    const c = (await client.job.getTaskCounts("anchor")).taskCounts;
    return { seconds: round(seconds, 3), version, tasksInBatch: c.active + c.running + c.completed };
  } finally {
    await emulator.stop();
  }
}

export async function runAnchorBench(env: Env): Promise<AnchorBenchResult> {
  const tasks = envNumber(env, "BENCH_ANCHOR_TASKS", 100_000);
  const latencyMs = envNumber(env, "BENCH_LATENCY_MS", 20);
  const python = env.BENCH_ANCHOR_PYTHON ?? "/usr/bin/python3";
  const skipped = await pythonAvailable(python);
  if (skipped !== undefined) return { tasks, latencyMs, skipped };
  const theirs = await runPython(python, tasks, latencyMs);
  const ours = await runSubmissionInChild({ tasks, latencyMs, concurrency: 8 });
  return { tasks, latencyMs, python: theirs, oursSeconds: ours.elapsedSeconds, ratio: round(ours.elapsedSeconds / theirs.seconds, 3) };
}

export function anchorRow(r: AnchorBenchResult): BenchRow {
  const benchmark = `anchor: ${r.tasks} tasks, ${latencyText(r.latencyMs)}, ours vs Python azure-batch add_collection(threads=8)`;
  if (r.python === undefined || r.ratio === undefined)
    return { benchmark, figure: "not measured", bound: "-", target: r.skipped ?? "-", details: { ...r } };
  const complete = r.python.tasksInBatch === r.tasks;
  return {
    benchmark,
    figure: `ours ${r.oursSeconds} s`,
    bound: `Python ${r.python.seconds} s (azure-batch ${r.python.version})`,
    ratio: r.ratio,
    target: `figure (ours ÷ theirs, lower is better)${complete ? "" : `; Python left ${r.python.tasksInBatch} tasks`}`,
    details: { ...r },
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runAnchorBench(process.env);
  console.log(JSON.stringify(result, null, 2));
}
