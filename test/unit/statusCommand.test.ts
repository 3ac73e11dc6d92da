import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { statusCommand } from "../../controller/cli/commands/status.js";
import { EXIT_USAGE } from "../../controller/cli/usage.js";
import { startHttpServer, type RunningHttpServer } from "../../controller/observability/httpServer.js";
import { openFileStatusStore } from "../../controller/directory/statusStore.js";
import type { StatusDocument } from "../../controller/runtime/publicStatus.js";

const ready = { type: "Ready", status: "True" as const, reason: "Succeeded", message: "", lastTransitionTime: "2026-01-01T00:00:00Z" };

describe("batch-gitops status", () => {
  let stateDir: string;
  let out: string[];
  let err: string[];
  let server: RunningHttpServer | undefined;
  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "status-cmd-"));
    out = [];
    err = [];
    vi.spyOn(console, "log").mockImplementation((line: string) => void out.push(line));
    vi.spyOn(console, "error").mockImplementation((line: string) => void err.push(line));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await server?.close();
    server = undefined;
    await rm(stateDir, { recursive: true, force: true });
  });

  // Port 9 (discard) on loopback: nothing listens there, so the file is used.
  const noController = "http://127.0.0.1:9";

  it("prints a table from the status file when no controller answers", async () => {
    const store = await openFileStatusStore({ stateDir });
    await store.write(
      "BatchPool/default/render",
      {
        conditions: [ready],
        appliedRevision: "0123456789abcdef",
        pool: { currentDedicatedNodes: 2, currentLowPriorityNodes: 0, targetDedicatedNodes: 2, targetLowPriorityNodes: 0 },
      },
      { kind: "BatchPool", namespace: "default", name: "render" },
    );
    await store.setProblems([
      { severity: "error", file: "bad.yaml", line: 3, message: "spec.vmSize is required", key: "BatchPool/default/bad" },
    ]);
    await store.flush();
    expect(await statusCommand.run(["--state-dir", stateDir, "--url", noController])).toBe(0);
    const text = out.join("\n");
    expect(text).toMatch(/^RESOURCE\s+READY\s+REASON\s+NODES\s+TASKS\s+REVISION\s+MESSAGE/);
    expect(text).toMatch(/BatchPool\/default\/render\s+True\s+Succeeded\s+2\/2\s+-\s+0123456789ab/);
    expect(text).toContain("error: bad.yaml:3: spec.vmSize is required");
    expect(err.join("\n")).toContain(join(stateDir, "status.json"));
  });

  it("prefers the running controller's /status, and prints JSON on request", async () => {
    const live: StatusDocument = { version: 1, updatedAt: "2026-01-01T00:00:00Z", resources: [] };
    server = await startHttpServer(
      { host: "127.0.0.1", port: 0 },
      { metrics: async () => ({ contentType: "text/plain", body: "" }), ready: () => true, status: () => live },
    );
    expect(await statusCommand.run(["--state-dir", stateDir, "--url", server.url, "--output", "json"])).toBe(0);
    expect(JSON.parse(out.join("\n"))).toEqual(live);
  });

  it("says where to look when the controller runs in cluster mode (status on the objects), not 'No resources.'", async () => {
    const live: StatusDocument = { version: 1, updatedAt: "2026-01-01T00:00:00Z", resources: [], statusOn: "objects" };
    server = await startHttpServer(
      { host: "127.0.0.1", port: 0 },
      { metrics: async () => ({ contentType: "text/plain", body: "" }), ready: () => true, status: () => live },
    );
    expect(await statusCommand.run(["--state-dir", stateDir, "--url", server.url])).toBe(0);
    const text = out.join("\n");
    expect(text).not.toContain("No resources.");
    expect(text).toContain("kubectl get azurebatch -A");
  });

  it("fails with a clear message when there is nothing to read", async () => {
    expect(await statusCommand.run(["--state-dir", stateDir, "--url", noController])).toBe(1);
    expect(err.join("\n")).toMatch(/no controller answers at http:\/\/127\.0\.0\.1:9 and there is no .*status\.json/);
  });

  it("rejects an unknown output format", async () => {
    expect(await statusCommand.run(["--output", "xml"])).toBe(EXIT_USAGE);
  });
});
