/**
 * Change-to-first-Batch-call latency in directory mode: a manifest file is saved with a new node
 * count, and the time until the emulator receives the pool's resize request is measured. The
 * controller is the real CLI (`batch-gitops run`, a child process, so it has its own event loop)
 * watching a directory; the emulator runs in this process, so both timestamps come from one clock.
 * Target: p50 < 200 ms.
 *
 * Run alone: `npx tsx bench/latency.ts` (BENCH_LATENCY_ITERATIONS, default 20).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { startEmulator, type RunningEmulator } from "../emulator/index.js";
import { envNumber, round, type BenchRow } from "./helpers/result.js";

export interface LatencyBenchOptions {
  readonly iterations?: number;
}

export interface LatencyBenchResult {
  readonly iterations: number;
  readonly samplesMs: number[];
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly maxMs: number;
}

export const LATENCY_TARGET_P50_MS = 200;

const BIN = fileURLToPath(new URL("../bin/batch-gitops.js", import.meta.url));

const poolYaml = (nodes: number): string => `apiVersion: azurebatch.gitops.dev/v1alpha1
kind: BatchPool
metadata:
  name: latency
spec:
  vmSize: standard_d2s_v3
  image:
    marketplace: { publisher: microsoft-dsvm, offer: ubuntu-hpc, sku: "2204", version: latest }
  nodeAgentSkuId: batch.node.ubuntu 22.04
  scale:
    fixed: { targetDedicatedNodes: ${nodes} }
`;

/** Resolves with the arrival time of the next resize request the emulator receives. */
function resizeArrivals(emulator: RunningEmulator): () => Promise<number> {
  let waiter: ((at: number) => void) | undefined;
  emulator.use(async (ctx, next) => {
    if (ctx.operationId === "Pool_Resize") {
      waiter?.(performance.now());
      waiter = undefined;
    }
    return next();
  });
  return () => new Promise((resolve) => (waiter = resolve));
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`latency bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function startController(dir: string, stateDir: string, emulator: RunningEmulator): ChildProcess {
  const args = [
    "run",
    "--dir",
    dir,
    "--batch-url",
    emulator.url,
    "--auth",
    "shared-key",
    "--state-dir",
    stateDir,
    "--http-addr",
    "off",
    "--view",
    "off",
    "--log-level",
    "warn",
  ];
  return spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, BATCH_ACCOUNT_NAME: emulator.account.name, BATCH_ACCOUNT_KEY: emulator.account.key },
    stdio: ["ignore", "ignore", "inherit"],
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

export async function runLatencyBench(options: LatencyBenchOptions = {}): Promise<LatencyBenchResult> {
  const iterations = options.iterations ?? 20;
  const emulator = await startEmulator({ timingPreset: "fast" });
  const nextResize = resizeArrivals(emulator);
  const client = new BatchServiceClient(new BatchSharedKeyCredentials(emulator.account.name, emulator.account.key), emulator.url);
  const root = await mkdtemp(join(tmpdir(), "bench-latency-"));
  const dir = join(root, "manifests");
  await mkdir(dir);
  const file = join(dir, "latency.yaml");
  await writeFile(file, poolYaml(0));
  const controller = startController(dir, join(root, "state"), emulator);
  const steady = async (nodes: number): Promise<boolean> => {
    const pools = await client.pool.list();
    return pools.some((p) => p.id?.startsWith("latency-") === true && p.allocationState === "steady" && p.targetDedicatedNodes === nodes);
  };
  try {
    await until(() => steady(0), "the pool to be created");
    const samplesMs: number[] = [];
    for (let i = 1; i <= iterations; i++) {
      const nodes = i % 2;
      const arrival = nextResize();
      const saved = performance.now();
      await writeFile(file, poolYaml(nodes));
      samplesMs.push(round((await arrival) - saved, 1));
      // Users save a file and wait for Batch; a resize on top of a running one is a different case.
      await until(() => steady(nodes), `the resize to ${nodes}`);
    }
    const sorted = [...samplesMs].sort((a, b) => a - b);
    return { iterations, samplesMs, p50Ms: percentile(sorted, 0.5), p90Ms: percentile(sorted, 0.9), maxMs: sorted.at(-1) ?? Number.NaN };
  } finally {
    controller.kill("SIGTERM");
    await new Promise((r) => (controller.exitCode !== null ? r(undefined) : controller.once("exit", r)));
    await emulator.close();
    await rm(root, { recursive: true, force: true });
  }
}

export function latencyRow(r: LatencyBenchResult): BenchRow {
  return {
    benchmark: `directory mode: file saved → resize request (${r.iterations} saves)`,
    figure: `p50 ${r.p50Ms} ms (p90 ${r.p90Ms}, max ${r.maxMs})`,
    bound: `${LATENCY_TARGET_P50_MS} ms`,
    ratio: round(r.p50Ms / LATENCY_TARGET_P50_MS, 3),
    target: `p50 < ${LATENCY_TARGET_P50_MS} ms`,
    pass: r.p50Ms < LATENCY_TARGET_P50_MS,
    details: { ...r },
  };
}

export function latencyOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): LatencyBenchOptions {
  return { iterations: envNumber(env, "BENCH_LATENCY_ITERATIONS", 20) };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runLatencyBench(latencyOptionsFromEnv(process.env));
  console.log(JSON.stringify(result, null, 2));
  console.log(`change-to-first-Batch-call p50 ${result.p50Ms} ms (target < ${LATENCY_TARGET_P50_MS} ms)`);
}
