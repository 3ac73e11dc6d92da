import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Command } from "../command.js";
import { OUTPUT_FORMATS, OUTPUT_OPTION, parseOutput, renderStructured, type OutputFormat } from "../output.js";
import { messageOf, usageFailure } from "../usage.js";
import { formatTable, rowsOf } from "../../observability/statusRows.js";
import { readStatusFile, STATUS_FILE_NAME } from "../../directory/statusStore.js";
import type { StatusDocument } from "../../runtime/publicStatus.js";

const USAGE = `Usage: batch-gitops status [--url URL] [--state-dir DIR] [--output table|json|yaml]

Prints the status of every resource: Ready and reason, nodes current/target, tasks
succeeded/total, the Git revision applied, and problems found in the manifests.

Reads the running controller's GET /status first, else the status file it keeps in the
state dir (directory mode; see docs/adr/0006). A controller in cluster mode keeps status on the
objects instead (kubectl get azurebatch -A, or batch-gitops get -A --source kubernetes).

Options:
  --url URL          the controller's HTTP address (default http://127.0.0.1:8080)
  --state-dir DIR    the controller's state dir (default .batch-gitops)
  --output, -o FMT   table (default), json or yaml`;

export interface StatusReadResult {
  document: StatusDocument;
  from: string;
}

/** The running controller's /status, or undefined when nothing answers there. */
async function fromController(url: string): Promise<StatusReadResult | undefined> {
  const endpoint = new URL("/status", url).toString();
  try {
    const response = await fetch(endpoint, { signal: AbortSignal.timeout(2000) });
    if (!response.ok) {
      return undefined;
    }
    return { document: (await response.json()) as StatusDocument, from: endpoint };
  } catch {
    return undefined;
  }
}

export async function readStatus(url: string, stateDir: string): Promise<StatusReadResult | undefined> {
  const live = await fromController(url);
  if (live !== undefined) {
    return live;
  }
  const path = join(stateDir, STATUS_FILE_NAME);
  const document = await readStatusFile(path);
  return document === undefined ? undefined : { document, from: `${path} (written ${document.updatedAt})` };
}

/** What an empty document means: nothing declared, or a cluster-mode controller whose status is on the objects. */
const ON_OBJECTS = [
  "This controller runs in cluster mode: it writes status to the BatchPool and BatchJob objects, not here.",
  "Read it with `kubectl get azurebatch -A` or `batch-gitops get -A --source kubernetes`.",
];

export function renderStatus(document: StatusDocument): string {
  const empty = document.statusOn === "objects" ? [...ON_OBJECTS] : ["No resources."];
  const lines = document.resources.length === 0 ? empty : formatTable(rowsOf(document), { bars: false, maxMessage: 100 });
  const failed = failedTaskLines(document);
  if (failed.length > 0) {
    lines.push("", "FAILED TASKS (the first of each job; read one with: batch-gitops logs NAMESPACE/JOB TASK --stderr)", ...failed);
  }
  const problems = document.problems ?? [];
  if (problems.length > 0) {
    lines.push("", "PROBLEMS");
    for (const p of problems) {
      const where = [p.file, p.line].filter((x) => x !== undefined).join(":");
      lines.push(`  ${p.severity}: ${where === "" ? "" : `${where}: `}${p.message}`);
    }
  }
  return lines.join("\n");
}

interface FailedTask {
  taskId: string;
  exitCode?: number;
  category?: string;
  code?: string;
}

/** One line per sampled failed task: job, task id, exit code and failure category (and code). */
function failedTaskLines(document: StatusDocument): string[] {
  const lines: string[] = [];
  for (const entry of document.resources) {
    const status = entry.status as { failedTasks?: FailedTask[]; taskCounts?: { failed?: number } };
    const sample = status.failedTasks ?? [];
    for (const task of sample) {
      const failure = [task.category, task.code].filter((part) => part !== undefined && part !== "").join(" ");
      lines.push(`  ${entry.namespace}/${entry.name}  ${task.taskId}  exit ${task.exitCode ?? "-"}  ${failure === "" ? "-" : failure}`);
    }
    const more = (status.taskCounts?.failed ?? 0) - sample.length;
    if (sample.length > 0 && more > 0) lines.push(`  ${entry.namespace}/${entry.name}  ... and ${more} more failed`);
  }
  return lines;
}

export const statusCommand: Command = {
  name: "status",
  summary: "show the status of every resource (from the running controller or its status file)",
  usage: USAGE,
  async run(args: string[]): Promise<number> {
    const options = parseStatusOptions(args);
    if (typeof options === "string") {
      return usageFailure("status", options);
    }
    let result: StatusReadResult | undefined;
    try {
      result = await readStatus(options.url, options.stateDir);
    } catch (err: unknown) {
      console.error(`batch-gitops status: ${err instanceof Error ? err.message : String(err)}`);
      return 1;
    }
    if (result === undefined) {
      console.error(
        `batch-gitops status: no controller answers at ${options.url} and there is no ${join(options.stateDir, STATUS_FILE_NAME)}`,
      );
      return 1;
    }
    if (options.output !== "table") {
      console.log(renderStructured(result.document, options.output));
    } else {
      console.error(`status from ${result.from}`);
      console.log(renderStatus(result.document));
    }
    return 0;
  },
};

interface StatusOptions {
  url: string;
  stateDir: string;
  output: Exclude<OutputFormat, "markdown">;
}

/** The options, or a usage error message. */
function parseStatusOptions(args: string[]): StatusOptions | string {
  try {
    const { values } = parseArgs({
      args,
      options: { url: { type: "string" }, "state-dir": { type: "string" }, ...OUTPUT_OPTION },
      strict: true,
    });
    const output = parseOutput(values.output, OUTPUT_FORMATS, "table");
    return { url: values.url ?? "http://127.0.0.1:8080", stateDir: resolve(values["state-dir"] ?? ".batch-gitops"), output };
  } catch (err: unknown) {
    return messageOf(err);
  }
}
