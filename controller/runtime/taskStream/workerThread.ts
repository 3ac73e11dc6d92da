/**
 * Starts the task serialization worker (worker.ts). From the compiled tree (the image) it is worker.js next to
 * this module. From TypeScript sources (`npm start` in a checkout, tests, benchmarks) a worker does not inherit
 * the tsx loader registered at run time, and registering tsx inside it costs ≈ 0.5-1 s; so the worker's few
 * modules are bundled once per process with esbuild (the transformer tsx itself runs on) into one module, which
 * starts in milliseconds.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Worker, type WorkerOptions } from "node:worker_threads";

const SELF = import.meta.url;

let bundled: Promise<string> | undefined;

/**
 * Bundles the worker now rather than at the first large job (from sources only; compiled, there is nothing to
 * do). A benchmark calls it before its window, so it measures the worker as the image ships it: prebuilt.
 */
export async function prepareWorkerThread(): Promise<void> {
  if (SELF.endsWith(".ts")) await (bundled ??= bundleWorker());
}

export async function startWorkerThread(options: WorkerOptions): Promise<Worker> {
  if (!SELF.endsWith(".ts")) return new Worker(new URL("./worker.js", SELF), options);
  const code = await (bundled ??= bundleWorker());
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), options);
}

interface EsbuildLike {
  build(options: Record<string, unknown>): Promise<{ outputFiles?: { text: string }[] }>;
}

/** worker.ts and what it imports as one ES module. */
async function bundleWorker(): Promise<string> {
  // esbuild as tsx resolves it: present wherever TypeScript sources run (tsx depends on it).
  const esbuild = createRequire(createRequire(SELF).resolve("tsx/package.json"))("esbuild") as EsbuildLike;
  const result = await esbuild.build({
    entryPoints: [fileURLToPath(new URL("./worker.ts", SELF))],
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles?.[0]?.text;
  if (code === undefined) throw new Error("esbuild wrote no bundle for the task serialization worker");
  return code;
}
