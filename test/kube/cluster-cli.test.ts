// `batch-gitops run --source kubernetes` as a process: reconciles objects of a cluster given by
// --kubeconfig (here the test API server; the embedded emulator is the Batch account), takes the
// Lease with --leader-elect, and on SIGTERM stops and releases the Lease.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApiServer, type TestApiServer } from "./apiserver/index.js";
import { clients, createResource, getResource, poolObject, until, type ClusterClients } from "./cluster-harness.js";

describe("run --source kubernetes (process)", () => {
  let server: TestApiServer;
  let api: ClusterClients;
  let dir: string;
  let child: ChildProcess;
  let output = "";

  beforeAll(async () => {
    server = await startTestApiServer({ namespaces: ["team-a", "batch-system"] });
    api = clients(server.kubeConfig());
    dir = await mkdtemp(join(tmpdir(), "cluster-cli-"));
    await writeFile(join(dir, "kubeconfig"), server.kubeConfig().exportConfig());
    await createResource(api.custom, "BatchPool", poolObject("render", "team-a"));
    const bin = new URL("../../bin/batch-gitops.js", import.meta.url).pathname;
    child = spawn(
      process.execPath,
      [
        bin,
        "run",
        "--source",
        "kubernetes",
        "--kubeconfig",
        join(dir, "kubeconfig"),
        "--leader-elect",
        "--lease-namespace",
        "batch-system",
        "--lease-duration",
        "2s",
        "--renew-deadline",
        "1s",
        "--retry-period",
        "200ms",
        "--http-addr",
        "off",
        "--log-format",
        "json",
        "--state-dir",
        join(dir, "state"),
      ],
      { env: { ...process.env, POD_NAME: "controller-0", BATCH_ACCOUNT_URL: "" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  });

  afterAll(async () => {
    child.kill("SIGKILL");
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("reconciles the cluster's pool to Ready while holding the Lease, and releases it on SIGTERM", async () => {
    const ready = async (): Promise<boolean> => {
      const pool = await getResource(api.custom, "BatchPool", "team-a", "render");
      return (
        (pool.status?.conditions as { type: string; status: string }[] | undefined)?.some(
          (c) => c.type === "Ready" && c.status === "True",
        ) ?? false
      );
    };
    await until(ready, `the pool to be Ready (output: ${output.slice(-2000)})`, 45_000);
    const lease = await api.coordination.readNamespacedLease({ name: "batch-gitops", namespace: "batch-system" });
    expect(lease.spec?.holderIdentity).toMatch(/^controller-0_/);

    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    const released = await api.coordination.readNamespacedLease({ name: "batch-gitops", namespace: "batch-system" });
    expect(released.spec?.holderIdentity).toBe("");
  });
});
