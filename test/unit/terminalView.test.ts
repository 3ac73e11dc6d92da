import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createTerminalView } from "../../controller/observability/terminalView.js";
import { formatTable, progressBar, rowsOf } from "../../controller/observability/statusRows.js";
import type { ResourceStatus } from "../../controller/runtime/ports.js";
import { toPublicStatus, type StatusDocument } from "../../controller/runtime/publicStatus.js";

const condition = (status: "True" | "False", reason: string, message = "") => ({
  type: "Ready",
  status,
  reason,
  message,
  lastTransitionTime: "2026-01-01T00:00:00Z",
});
const poolStatus = (current: number, target: number, ready = current === target): ResourceStatus => ({
  conditions: [condition(ready ? "True" : "False", ready ? "Succeeded" : "Resizing", ready ? "" : `resizing to ${target}`)],
  pool: { currentDedicatedNodes: current, currentLowPriorityNodes: 0, targetDedicatedNodes: target, targetLowPriorityNodes: 0 },
});
const jobStatus = (succeeded: number, total: number): ResourceStatus => ({
  conditions: [condition(succeeded === total ? "True" : "False", succeeded === total ? "Completed" : "Running")],
  job: { taskCounts: { active: total - succeeded, running: 0, completed: succeeded, succeeded, failed: 0 }, totalTasks: total },
});
const doc = (pool: ResourceStatus, job: ResourceStatus): StatusDocument => ({
  version: 1,
  updatedAt: "2026-01-01T00:00:00Z",
  resources: [
    {
      key: "BatchJob/default/sweep",
      kind: "BatchJob",
      namespace: "default",
      name: "sweep",
      status: toPublicStatus("BatchJob", job, undefined),
    },
    {
      key: "BatchPool/default/render",
      kind: "BatchPool",
      namespace: "default",
      name: "render",
      status: toPublicStatus("BatchPool", pool, undefined),
    },
  ],
});

function sink(): { out: Writable; text: () => string } {
  let text = "";
  const out = new Writable({ write: (chunk: Buffer, _e, done) => ((text += chunk.toString()), done()) });
  return { out, text: () => text };
}

describe("status rows", () => {
  it("shows Ready and reason, nodes current/target and tasks with a progress bar", () => {
    const lines = formatTable(rowsOf(doc(poolStatus(1, 4), jobStatus(25, 100))), { bars: true });
    expect(lines[0]).toMatch(/^RESOURCE\s+READY\s+REASON\s+NODES\s+TASKS\s+MESSAGE$/);
    expect(lines[1]).toMatch(/^BatchJob\/default\/sweep\s+False\s+Running\s+-\s+\[#####\.{15}\] 25\/100$/);
    expect(lines[2]).toMatch(/^BatchPool\/default\/render\s+False\s+Resizing\s+1\/4\s+-\s+resizing to 4$/);
  });

  it("bars stay within their width", () => {
    expect(progressBar(0, 0, 4)).toBe("[....]");
    expect(progressBar(7, 5, 4)).toBe("[####]");
  });
});

describe("terminal view", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("prints a plain line only when a resource's line changes", () => {
    let current = doc(poolStatus(0, 2), jobStatus(0, 10));
    const { out, text } = sink();
    const view = createTerminalView({ out, mode: "plain", read: () => current, throttleMs: 100 });
    view.notify();
    vi.advanceTimersByTime(0);
    current = doc(poolStatus(2, 2), jobStatus(0, 10));
    view.notify();
    vi.advanceTimersByTime(100);
    view.notify();
    vi.advanceTimersByTime(100);
    expect(text().trimEnd().split("\n")).toEqual([
      "BatchJob/default/sweep Ready=False Running tasks 0/10",
      "BatchPool/default/render Ready=False Resizing nodes 0/2: resizing to 2",
      "BatchPool/default/render Ready=True Succeeded nodes 2/2",
    ]);
  });

  it("redraws the live table in place, at most once per throttle interval", () => {
    let current = doc(poolStatus(0, 2), jobStatus(0, 10));
    const { out, text } = sink();
    const view = createTerminalView({
      out,
      mode: "live",
      read: () => current,
      throttleMs: 250,
      footer: "logs: .batch-gitops/controller.log",
    });
    view.notify();
    vi.advanceTimersByTime(0);
    const firstFrame = text();
    expect(firstFrame).toContain("logs: .batch-gitops/controller.log");
    current = doc(poolStatus(1, 2), jobStatus(5, 10));
    view.notify();
    view.notify();
    vi.advanceTimersByTime(100);
    expect(text()).toBe(firstFrame);
    vi.advanceTimersByTime(150);
    const secondFrame = text().slice(firstFrame.length);
    // Cursor back to the first line of the previous frame (3 table lines + blank + footer), clear, redraw.
    expect(secondFrame.startsWith("\x1b[5F\x1b[0J")).toBe(true);
    expect(secondFrame).toContain("[##########..........] 5/10");
    view.stop();
    expect(text().length).toBe(firstFrame.length + secondFrame.length);
  });
});
