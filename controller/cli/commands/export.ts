/** `batch-gitops export` (alias `import`): BatchPool and BatchJob manifests adopting the pools and jobs an account runs. */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Command } from "../command.js";
import type { BatchAdapter } from "../../batch/adapter.js";
import type { JsonObject } from "../../core/intent.js";
import { exportJobs, type JobToExport } from "../exportJobs.js";
import { exportPools } from "../exportPools.js";
import { BATCH_OPTIONS, BATCH_OPTIONS_USAGE, batchTarget, connectBatch } from "../planning.js";
import { EXIT_USAGE, messageOf, UsageError } from "../usage.js";

const USAGE = `Usage: batch-gitops export --batch-url URL [--out-dir DIR] [--namespace NS]

Reads the pools and jobs of a Batch account and writes one manifest per pool (BatchPool,
spec.adopt.poolId) and per job (BatchJob, spec.adopt.jobId, its tasks declared as they are,
its pool as a poolRef to the exported BatchPool when there is one), each with deletionPolicy
Orphan. \`batch-gitops plan DIR\` then says "No changes" (exit 0): adopting only stamps the
ownership metadata, which is reported, not counted as a change; the controller takes them over
as they are and never adds a task the job already has. Registry passwords, which Batch never
returns, become passwordSecretRef references (<name>-registry/password) to fill in; SAS tokens
are left out of resource file URLs.

Not exported (named on stderr): pools and jobs batch-gitops already manages, pools with a start
task, jobs on auto pools, completed jobs, jobs with more than 10,000 tasks; task fields a
manifest cannot carry are named too.

Options:
  --out-dir DIR        write <name>.yaml (pools) and job-<name>.yaml (jobs) there (default: all documents to stdout)
  --namespace, -n NS   namespace of the manifests (default default)
${BATCH_OPTIONS_USAGE}

Exit codes: 0 exported, 1 an error, ${EXIT_USAGE} bad usage.`;

interface ExportedFile {
  readonly file: string;
  readonly yaml: string;
}

/** Every pool and job of the account as manifests, with what was skipped or left out on stderr. */
async function exportAccount(batch: BatchAdapter, namespace: string): Promise<ExportedFile[]> {
  const pools = exportPools(await batch.listPools(), namespace);
  const poolNames = new Map(pools.exported.map((e) => [e.poolId.toLowerCase(), e.name]));
  const jobs: JobToExport[] = [];
  for (const job of await batch.listJobsInFull()) {
    const tasks: JsonObject[] = [];
    for await (const page of batch.listTasksInFull(String(job.id))) tasks.push(...page);
    jobs.push({ job, tasks });
  }
  const exportedJobs = exportJobs(jobs, namespace, poolNames);
  for (const s of pools.skipped) console.error(`skipped pool ${s.id}: ${s.why}`);
  for (const s of exportedJobs.skipped) console.error(`skipped job ${s.id}: ${s.why}`);
  for (const note of exportedJobs.exported.flatMap((e) => e.notes)) console.error(`note: ${note}`);
  return [
    ...pools.exported.map((e) => ({ file: `${e.name}.yaml`, yaml: e.yaml })),
    ...exportedJobs.exported.map((e) => ({ file: `job-${e.name}.yaml`, yaml: e.yaml })),
  ];
}

export const exportCommand: Command = {
  name: "export",
  aliases: ["import"],
  summary: "write BatchPool and BatchJob manifests that adopt the pools and jobs a Batch account already runs (alias: import)",
  usage: USAGE,
  async run(args: string[]): Promise<number> {
    let values;
    try {
      values = parseArgs({
        args,
        strict: true,
        options: { ...BATCH_OPTIONS, "out-dir": { type: "string" }, namespace: { type: "string", short: "n" } },
      }).values;
    } catch (error: unknown) {
      throw new UsageError(messageOf(error));
    }
    const target = batchTarget(".", { "batch-url": values["batch-url"], auth: values.auth, "manager-id": values["manager-id"] });
    if (target.batch.kind !== "remote") throw new UsageError("export reads a real account: give --batch-url (or BATCH_ACCOUNT_URL)");
    const connection = await connectBatch(target.batch);
    try {
      const files = await exportAccount(connection.batch, values.namespace ?? "default");
      const outDir = values["out-dir"];
      if (outDir === undefined) {
        console.log(
          files
            .map((e) => e.yaml)
            .join("---\n")
            .trimEnd(),
        );
      } else {
        await mkdir(outDir, { recursive: true });
        for (const e of files) await writeFile(join(outDir, e.file), e.yaml, { flag: "wx" });
        console.error(`wrote ${files.length} manifest(s) to ${outDir}`);
      }
      return 0;
    } finally {
      await connection.close();
    }
  },
};
