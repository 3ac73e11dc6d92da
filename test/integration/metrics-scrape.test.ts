// A scrape of a running controller (the real binary, embedded emulator): `promtool check metrics`
// passes, every query of the Grafana dashboard names a metric it exports, the metrics the docs
// promise are there, and JSON logs carry string levels and ISO times.
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { repoRoot } from "../helpers/crds.js";

const POOL = `apiVersion: azurebatch.gitops.dev/v1alpha1
kind: BatchPool
metadata:
  name: scraped
spec:
  vmSize: standard_d2s_v3
  image:
    marketplace: { publisher: microsoft-dsvm, offer: ubuntu-hpc, sku: "2204", version: latest }
  nodeAgentSkuId: batch.node.ubuntu 22.04
  scale:
    fixed: { targetDedicatedNodes: 1 }
`;

const promtool = spawnSync("promtool", ["--version"]).status === 0;
const PROMQL_WORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset"]);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The metric names a PromQL expression reads (label matchers, groupings, ranges and functions removed). */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"[^"]*"/g, "")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, " ");
  return [...bare.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)]
    .map((m) => m[1] ?? "")
    .filter((n) => !PROMQL_WORDS.has(n) && !/^\d/.test(n));
}

/** Every series name a scrape can serve: the # TYPE names, histograms with _bucket/_sum/_count. */
function exported(scrape: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of scrape.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (name === undefined) continue;
    names.add(name);
    if (type === "histogram" || type === "summary") for (const suffix of ["_bucket", "_sum", "_count"]) names.add(`${name}${suffix}`);
  }
  return names;
}

describe("a scrape of the running controller", () => {
  let child: ChildProcess;
  let dir: string;
  let url: string;
  let logs = "";
  let scrape = "";

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "metrics-scrape-"));
    await mkdir(join(dir, "manifests"));
    await writeFile(join(dir, "manifests", "pool.yaml"), POOL);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const bin = join(repoRoot, "bin", "batch-gitops.js");
    child = spawn(
      process.execPath,
      [
        bin,
        "run",
        "--dir",
        join(dir, "manifests"),
        "--state-dir",
        join(dir, "state"),
        "--http-addr",
        `127.0.0.1:${port}`,
        "--log-format",
        "json",
        "--view",
        "off",
      ],
      {
        env: { ...process.env, BATCH_ACCOUNT_URL: "" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    child.stdout?.on("data", (chunk: Buffer) => (logs += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (logs += chunk.toString()));
    const ready = 'batch_gitops_resource_condition{kind="BatchPool",namespace="default",name="scraped",type="Ready",status="True"} 1';
    await vi.waitFor(
      async () => {
        scrape = await (await fetch(`${url}/metrics`)).text();
        expect(scrape).toContain(ready);
      },
      { timeout: 90_000, interval: 250 },
    );
  }, 120_000);

  afterAll(async () => {
    child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });

  it("passes promtool check metrics (required in CI)", async (context) => {
    if (!promtool) {
      expect(process.env.CI, "promtool is required when CI=true (Debian package prometheus)").not.toBe("true");
      context.skip();
    }
    const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const check = execFile("promtool", ["check", "metrics"], (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, output: stdout + stderr }),
      );
      check.stdin?.end(scrape);
    });
    expect(result.output).toBe("");
    expect(result.code).toBe(0);
  });

  it("exports the promised series: conditions, build info, leader, work queue, Batch latency, unprefixed process metrics", () => {
    expect(scrape).toMatch(/^batch_gitops_build_info\{version="[^"]+",nodejs_version="v\d+\.\d+\.\d+"\} 1$/m);
    expect(scrape).toContain('leader_election_master_status{name="batch-gitops"} 1');
    expect(scrape).toMatch(/^workqueue_adds_total\{name="batch-gitops"\} [1-9]/m);
    expect(scrape).toMatch(/^workqueue_work_duration_seconds_count\{name="batch-gitops"\} [1-9]/m);
    expect(scrape).toMatch(/^workqueue_queue_duration_seconds_count\{name="batch-gitops"\} [1-9]/m);
    expect(scrape).toMatch(/^workqueue_depth\{name="batch-gitops"\} \d/m);
    expect(scrape).toMatch(/^workqueue_retries_total\{name="batch-gitops"\} \d/m);
    expect(scrape).toMatch(/^batch_gitops_batch_api_call_duration_seconds_count\{operation="pool\.add",account="default"\} [1-9]/m);
    expect(scrape).toMatch(/^process_resident_memory_bytes \d+/m);
  });

  it("feeds every query of the Grafana dashboard", async () => {
    const dashboard = JSON.parse(await readFile(join(repoRoot, "manifests", "deploy", "monitoring", "grafana-dashboard.json"), "utf8")) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const names = exported(scrape);
    const queried = dashboard.panels.flatMap((p) =>
      p.targets.flatMap((t) => metricNames(t.expr).map((name) => ({ panel: p.title, name }))),
    );
    expect(queried.length).toBeGreaterThan(15);
    expect(queried.filter((q) => !names.has(q.name))).toEqual([]);
  });

  it("logs JSON lines with string levels and ISO-8601 times", () => {
    const lines = logs
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { level: unknown; time: unknown });
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) {
      expect(["trace", "debug", "info", "warn", "error", "fatal"]).toContain(line.level);
      expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
  });
});
