/**
 * `batch-gitops run` as users start it (npm start): a child process on the embedded emulator,
 * watching a directory, serving /metrics, /readyz and /status, stopping cleanly on SIGTERM.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StatusDocument } from "../../controller/runtime/publicStatus.js";

const BIN = join(import.meta.dirname, "..", "..", "bin", "batch-gitops.js");
const pool = (nodes: number): string => `apiVersion: azurebatch.gitops.dev/v1alpha1
kind: BatchPool
metadata:
  name: render
spec:
  vmSize: standard_d2s_v3
  image:
    marketplace: { publisher: microsoft-dsvm, offer: ubuntu-hpc, sku: "2204", version: latest }
  nodeAgentSkuId: batch.node.ubuntu 22.04
  scale:
    fixed: { targetDedicatedNodes: ${nodes} }
`;

describe("run (watching, embedded emulator)", () => {
  let root: string;
  let child: ChildProcess;
  let url: string;
  const plainLines: string[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "run-watch-"));
    await mkdir(join(root, "manifests"));
    await writeFile(join(root, "manifests", "render.yaml"), pool(1));
    child = spawn(
      process.execPath,
      [
        BIN,
        "run",
        "--dir",
        join(root, "manifests"),
        "--state-dir",
        join(root, "state"),
        "--http-addr",
        "127.0.0.1:0",
        "--log-format",
        "json",
        "--view",
        "plain",
      ],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, BATCH_ACCOUNT_URL: "" } },
    );
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on("line", (line) => plainLines.push(line));
    // The HTTP address is only known from the log (port 0 picks a free one).
    url = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
      lines.on("line", (line) => {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg?.startsWith("serving /metrics") === true && entry.url !== undefined) resolve(entry.url);
      });
      child.once("exit", (code) => reject(new Error(`controller exited early (${code})`)));
    });
  });
  afterAll(async () => {
    child.kill("SIGKILL");
    await rm(root, { recursive: true, force: true });
  });

  async function status(): Promise<StatusDocument> {
    return (await (await fetch(`${url}/status`)).json()) as StatusDocument;
  }

  async function until(what: string, predicate: (doc: StatusDocument) => boolean): Promise<StatusDocument> {
    const deadline = Date.now() + 40_000;
    for (;;) {
      const doc = await status();
      if (predicate(doc)) return doc;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(doc.resources)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const render = (doc: StatusDocument) => doc.resources.find((r) => r.key === "BatchPool/default/render")?.status;
  const isReady = (doc: StatusDocument, nodes: number): boolean => {
    const s = render(doc);
    return (
      s?.conditions.some((c) => c.type === "Ready" && c.status === "True") === true &&
      "currentDedicatedNodes" in s &&
      s.currentDedicatedNodes === nodes
    );
  };

  it("converges, follows a file change, serves metrics and health, and stops on SIGTERM", async () => {
    await until("the pool to become Ready", (doc) => isReady(doc, 1));
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    await writeFile(join(root, "manifests", "render.yaml"), pool(3));
    const scaled = await until("the resize to 3 nodes", (doc) => isReady(doc, 3));
    expect(render(scaled)).toMatchObject({ targetDedicatedNodes: 3, nodes: "3/3" });

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/batch_gitops_reconcile_total\{kind="BatchPool",result="success"\} [1-9]/);
    expect(metrics.split("\n").filter((l) => l.startsWith("batch_gitops_batch_api_calls_total"))).toContainEqual(
      expect.stringMatching(/operation="pool\.resize",status_code="2\d\d",account="default"\} 1$/),
    );
    expect(metrics).toContain('batch_gitops_pool_nodes{namespace="default",name="render",state="current",priority="dedicated"} 3');
    expect(plainLines).toContainEqual(expect.stringMatching(/^BatchPool\/default\/render Ready=True \S+ nodes 3\/3/));

    child.kill("SIGTERM");
    const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
    expect(code).toBe(0);
  });
});
