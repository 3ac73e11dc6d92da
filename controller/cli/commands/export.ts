/** `batch-gitops export` (alias `import`): BatchPool manifests adopting the pools an account runs. */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Command } from "../command.js";
import { exportPools } from "../exportPools.js";
import { BATCH_OPTIONS, BATCH_OPTIONS_USAGE, batchTarget, connectBatch } from "../planning.js";
import { EXIT_USAGE, messageOf, UsageError } from "../usage.js";

const USAGE = `Usage: batch-gitops export --batch-url URL [--out-dir DIR] [--namespace NS]

Reads the pools of a Batch account and writes one BatchPool manifest per pool that adopts it
(spec.adopt.poolId, deletionPolicy: Orphan), so \`batch-gitops plan DIR\` then plans only the
one-time ownership stamp (metadata), and the controller takes the pools over as they are. Registry passwords, which Batch
never returns, become passwordSecretRef references (<name>-registry/password) to fill in.

Not exported (named on stderr): pools batch-gitops already manages, pools with a start task, and
jobs (the planner has no job adoption yet: a manifest naming an existing job is a conflict).

Options:
  --out-dir DIR        write <name>.yaml files there (default: all documents to stdout)
  --namespace, -n NS   namespace of the manifests (default default)
${BATCH_OPTIONS_USAGE}

Exit codes: 0 exported, 1 an error, ${EXIT_USAGE} bad usage.`;

export const exportCommand: Command = {
  name: "export",
  aliases: ["import"],
  summary: "write BatchPool manifests that adopt the pools a Batch account already runs (alias: import)",
  usage: USAGE,
  async run(args: string[]): Promise<number> {
    let values;
    try {
      values = parseArgs({ args, strict: true, options: { ...BATCH_OPTIONS, "out-dir": { type: "string" }, namespace: { type: "string", short: "n" } } }).values;
    } catch (error: unknown) {
      throw new UsageError(messageOf(error));
    }
    const target = batchTarget(".", { "batch-url": values["batch-url"], auth: values.auth, "manager-id": values["manager-id"] });
    if (target.batch.kind !== "remote") throw new UsageError("export reads a real account: give --batch-url (or BATCH_ACCOUNT_URL)");
    const connection = await connectBatch(target.batch);
    try {
      const { exported, skipped } = exportPools(await connection.batch.listPools(), values.namespace ?? "default");
      for (const s of skipped) console.error(`skipped pool ${s.id}: ${s.why}`);
      const outDir = values["out-dir"];
      if (outDir === undefined) {
        console.log(exported.map((e) => e.yaml).join("---\n").trimEnd());
      } else {
        await mkdir(outDir, { recursive: true });
        for (const e of exported) await writeFile(join(outDir, `${e.name}.yaml`), e.yaml, { flag: "wx" });
        console.error(`wrote ${exported.length} manifest(s) to ${outDir}`);
      }
      return 0;
    } finally {
      await connection.close();
    }
  },
};
