/**
 * Figures for docs/validation.md: validation and problem bookkeeping stay linear, and the
 * broken-manifest corpus never crashes. Not a test (no timing assertions): run it and read it.
 *   npx tsx scripts/measure-bad-input.ts            all figures
 *   npx tsx scripts/measure-bad-input.ts one FILE   validate one file, print time and peak RSS (used for the slowest case)
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { pino } from "pino";
import { loadManifests } from "../controller/manifests/index.js";
import type { ResourceKey } from "../controller/runtime/ports.js";
import { createDirectorySource } from "../controller/directory/directorySource.js";
import { createLoaderParser } from "../controller/directory/loaderParser.js";
import { validateBatchRules } from "../controller/validation/index.js";

const check = (resource: Parameters<typeof validateBatchRules>[0]): ReturnType<typeof validateBatchRules> =>
  validateBatchRules(resource, { authMode: "entra" });
const POOL = (name: string, extra = ""): string => `apiVersion: azurebatch.gitops.dev/v1alpha1
kind: BatchPool
metadata:
  name: ${name}
${extra}spec:
  vmSize: standard_d2s_v3
  image: {marketplace: {publisher: microsoft-dsvm, offer: ubuntu-hpc, sku: "2204"}}
  nodeAgentSkuId: batch.node.ubuntu 22.04
  scale: {fixed: {targetDedicatedNodes: 1}}
`;

/** Wall time, and CPU time (user + system): on a shared, loaded machine the CPU time is the fairer figure. */
async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; cpuMs: number; value: T }> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const value = await work();
  const used = process.cpuUsage(cpu);
  return { ms: Math.round(performance.now() - start), cpuMs: Math.round((used.user + used.system) / 1000), value };
}

async function annotationKeys(root: string, count: number): Promise<void> {
  const dir = join(root, `annotations-${count}`);
  const lines = Array.from({ length: count }, (_, i) => `    k${i}: v\n`).join("");
  await import("node:fs/promises").then((fs) => fs.mkdir(dir));
  await writeFile(join(dir, "a.yaml"), POOL("many", `  annotations:\n${lines}`));
  const { ms, cpuMs, value } = await timed(() => loadManifests(dir, { check }));
  console.log(`validate, ${count} annotation keys: ${ms} ms wall, ${cpuMs} ms CPU (${value.problems.length} problems)`);
}

async function invalidDocuments(root: string, count: number): Promise<void> {
  const dir = join(root, `invalid-${count}`);
  await import("node:fs/promises").then((fs) => fs.mkdir(dir));
  const docs = Array.from({ length: count }, (_, i) =>
    POOL(`bad-${i}`).replace("targetDedicatedNodes: 1", "targetDedicatedNodes: -1"),
  ).join("---\n");
  await writeFile(join(dir, "many.yaml"), docs);
  const validate = await timed(() => loadManifests(dir, { check }));
  console.log(
    `validate, ${count} invalid documents: ${validate.ms} ms wall, ${validate.cpuMs} ms CPU (${validate.value.problems.length} problems)`,
  );
  const source = createDirectorySource({
    dir,
    parse: createLoaderParser({ authMode: "entra" }),
    logger: pino({ level: "silent" }),
    watch: false,
  });
  const emitted: ResourceKey[] = [];
  const scan = await timed(() => source.start((key) => void emitted.push(key), new AbortController().signal));
  // What a pass does per key: the engine looks up that key's problems.
  const lookups = await timed(async () => emitted.reduce((n, key) => n + (source.problemsFor?.(key).length ?? 0), 0));
  console.log(
    `run's directory source, ${count} invalid documents: scan ${scan.ms} ms wall, ${scan.cpuMs} ms CPU, ${emitted.length} keys emitted, per-key problem lookups ${lookups.ms} ms`,
  );
}

async function corpus(): Promise<void> {
  const dir = join(import.meta.dirname, "..", "manifests", "invalid", "corpus");
  const files = (await readdir(dir)).sort();
  let located = 0;
  let crashes = 0;
  let slowest = { file: "", ms: 0 };
  for (const file of files) {
    try {
      const { ms, value } = await timed(() => loadManifests(join(dir, file), { check }));
      if (value.problems.some((p) => p.severity === "error" && p.line > 0 && p.kind !== undefined && p.name !== undefined && p.path !== ""))
        located++;
      if (ms > slowest.ms) slowest = { file, ms };
    } catch (error: unknown) {
      crashes++;
      console.log(`CRASH ${file}: ${String(error)}`);
    }
  }
  console.log(
    `corpus: ${files.length} cases, ${located} located errors, ${crashes} crashes; slowest in-process: ${slowest.file} ${slowest.ms} ms`,
  );
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", import.meta.filename, "one", join(dir, slowest.file)]);
  console.log(`slowest case alone in a fresh process: ${stdout.trim()}`);
}

async function one(file: string): Promise<void> {
  const { ms, cpuMs, value } = await timed(() => loadManifests(file, { check }));
  console.log(
    `${ms} ms wall, ${cpuMs} ms CPU, ${value.problems.length} problems, peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
  );
}

if (process.argv[2] === "one" && process.argv[3] !== undefined) {
  await one(process.argv[3]);
} else {
  const root = await mkdtemp(join(tmpdir(), "measure-bad-input-"));
  try {
    for (const n of [10_000, 100_000]) await annotationKeys(root, n);
    for (const n of [1_000, 10_000]) await invalidDocuments(root, n);
    await corpus();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
