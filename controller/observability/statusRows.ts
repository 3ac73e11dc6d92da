import type { ResourceKey } from "../runtime/ports.js";
import type { PublicStatus } from "../runtime/publicStatus.js";
import type { StatusDocument } from "../runtime/publicStatus.js";

/** One resource as the terminal view and `batch-gitops status` show it. */
export interface StatusRow {
  key: ResourceKey;
  ready: string;
  reason: string;
  message: string;
  drifted: boolean;
  nodes?: { current: number; target: number };
  tasks?: { succeeded: number; failed: number; total: number };
  revision?: string;
}

export function rowsOf(doc: StatusDocument): StatusRow[] {
  return doc.resources.map((entry) => rowOf(entry.key, entry.status, entry.source?.revision));
}

export function rowOf(key: ResourceKey, status: PublicStatus, sourceRevision?: string): StatusRow {
  const { conditions } = status;
  const ready = conditions.find((c) => c.type === "Ready");
  const drifted = conditions.some((c) => c.type === "Drifted" && c.status === "True");
  const row: StatusRow = {
    key,
    ready: ready?.status ?? "Unknown",
    reason: ready?.reason ?? "Pending",
    message: ready?.message ?? "",
    drifted,
  };
  const revision = status.sourceRevision ?? sourceRevision;
  return { ...row, ...liveFigures(status), ...(revision === undefined ? {} : { revision: revision.slice(0, 12) }) };
}

function liveFigures(status: PublicStatus): Pick<StatusRow, "nodes" | "tasks"> {
  return { ...nodeFigures(status), ...taskFigures(status) };
}

function nodeFigures(status: PublicStatus): Pick<StatusRow, "nodes"> {
  if (!("targetDedicatedNodes" in status) || status.targetDedicatedNodes === undefined) return {};
  const current = (status.currentDedicatedNodes ?? 0) + (status.currentLowPriorityNodes ?? 0);
  return { nodes: { current, target: status.targetDedicatedNodes + (status.targetLowPriorityNodes ?? 0) } };
}

function taskFigures(status: PublicStatus): Pick<StatusRow, "tasks"> {
  if (!("tasksTotal" in status) || status.tasksTotal === undefined) return {};
  return { tasks: { succeeded: status.taskCounts?.succeeded ?? 0, failed: status.taskCounts?.failed ?? 0, total: status.tasksTotal } };
}

/** `[#####.....] 50/100`; failed tasks are counted as done (they will not run again). */
export function progressBar(done: number, total: number, width = 20): string {
  const ratio = total <= 0 ? 0 : Math.min(1, done / total);
  const filled = Math.round(ratio * width);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
}

function nodesCell(row: StatusRow): string {
  return row.nodes === undefined ? "-" : `${row.nodes.current}/${row.nodes.target}`;
}

function tasksCell(row: StatusRow, withBar: boolean): string {
  if (row.tasks === undefined) {
    return "-";
  }
  const { succeeded, failed, total } = row.tasks;
  const counts = `${succeeded}/${total}${failed > 0 ? ` (${failed} failed)` : ""}`;
  return withBar ? `${progressBar(succeeded + failed, total)} ${counts}` : counts;
}

/** Columns: RESOURCE READY REASON NODES TASKS [REVISION] MESSAGE, padded to align. */
export function formatTable(rows: readonly StatusRow[], options: { bars?: boolean; maxMessage?: number } = {}): string[] {
  const withRevision = rows.some((r) => r.revision !== undefined);
  const header = ["RESOURCE", "READY", "REASON", "NODES", "TASKS", ...(withRevision ? ["REVISION"] : []), "MESSAGE"];
  const body = rows.map((row) => [
    row.key,
    row.ready,
    row.drifted ? `${row.reason},Drifted` : row.reason,
    nodesCell(row),
    tasksCell(row, options.bars ?? false),
    ...(withRevision ? [row.revision ?? "-"] : []),
    truncate(row.message, options.maxMessage ?? 80),
  ]);
  const table = [header, ...body];
  const widths = header.map((_, i) => Math.max(...table.map((cells) => (cells[i] ?? "").length)));
  return table.map((cells) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}

/** One line per resource for logs and non-TTY output. */
export function formatPlainLine(row: StatusRow): string {
  const parts = [`${row.key}`, `Ready=${row.ready}`, row.reason];
  if (row.drifted) {
    parts.push("Drifted");
  }
  if (row.nodes !== undefined) {
    parts.push(`nodes ${nodesCell(row)}`);
  }
  if (row.tasks !== undefined) {
    parts.push(`tasks ${tasksCell(row, false)}`);
  }
  return parts.join(" ") + (row.message === "" ? "" : `: ${row.message}`);
}

function truncate(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}
