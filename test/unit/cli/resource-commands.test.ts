// get, diff, suspend, resume and reconcile in directory mode, through the CLI's main().
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../../controller/cli/main.js";
import { EXIT_USAGE } from "../../../controller/cli/usage.js";
import { openFileStatusStore } from "../../../controller/directory/statusStore.js";
import { repoRoot } from "../../helpers/crds.js";

const POOL = `# the render farm
apiVersion: azurebatch.gitops.dev/v1alpha1
kind: BatchPool
metadata:
  name: render # keep this name
spec:
  vmSize: standard_d2s_v3 # smallest that works
  image:
    marketplace: { publisher: microsoft-dsvm, offer: ubuntu-hpc, sku: "2204", version: latest }
  nodeAgentSkuId: batch.node.ubuntu 22.04
  scale:
    fixed: { targetDedicatedNodes: 1 }
---
apiVersion: azurebatch.gitops.dev/v1alpha1
kind: BatchJob
metadata:
  name: frames
  namespace: team-a
spec:
  poolId: shared
  tasks:
    - id: t1
      commandLine: echo hi
`;

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

describe("resource commands, directory mode", () => {
  let dir: string;
  let stateDir: string;
  let out: string[];
  let err: string[];
  const noController = "http://127.0.0.1:9";
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "cli-res-"));
    stateDir = await mkdtemp(join(tmpdir(), "cli-res-state-"));
    await writeFile(join(dir, "farm.yaml"), POOL);
    out = [];
    err = [];
    vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
    vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void err.push(a.join(" ")));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
    await rm(stateDir, { recursive: true, force: true });
  });

  const where = (): string[] => ["--dir", dir, "--state-dir", stateDir, "--url", noController];

  it("get lists the declared resources with the Ready condition from the controller's status", async () => {
    const store = await openFileStatusStore({ stateDir });
    const ready = {
      type: "Ready",
      status: "True" as const,
      reason: "Succeeded",
      message: "2 nodes",
      lastTransitionTime: "2026-01-01T00:00:00Z",
    };
    await store.write("BatchPool/default/render", { conditions: [ready] }, { kind: "BatchPool", namespace: "default", name: "render" });
    await store.flush();
    expect(await main(["get", ...where()])).toBe(0);
    const table = out.join("\n").split("\n");
    expect(table[0]).toMatch(/^KIND\s+NAMESPACE\s+NAME\s+READY\s+REASON\s+SUSPENDED\s+MESSAGE$/);
    expect(table[1]).toMatch(/^BatchJob\s+team-a\s+frames\s+Unknown\s+-\s+False$/);
    expect(table[2]).toMatch(/^BatchPool\s+default\s+render\s+True\s+Succeeded\s+False\s+2 nodes$/);

    out = [];
    expect(await main(["get", "pool/render", "-o", "yaml", ...where()])).toBe(0);
    const list = parse(out.join("\n")) as {
      kind: string;
      items: { kind: string; metadata: { name: string }; status: { conditions: { reason: string }[] } }[];
    };
    expect(list.kind).toBe("List");
    expect(list.items.map((i) => [i.kind, i.metadata.name, i.status.conditions[0]?.reason])).toEqual([
      ["BatchPool", "render", "Succeeded"],
    ]);

    expect(await main(["get", "bjob", "-n", "team-a", "-o", "json", ...where()])).toBe(0);
    expect(await main(["get", "pool/missing", ...where()])).toBe(1);
    expect(err.join("\n")).toContain("BatchPool/default/missing not found");
    expect(await main(["get", "widget", ...where()])).toBe(EXIT_USAGE);
  });

  it("takes BatchAccount by its kubectl names (bacct) for get, and refuses it where it means nothing (suspend)", async () => {
    await writeFile(
      join(dir, "account.yaml"),
      `apiVersion: azurebatch.gitops.dev/v1alpha1
kind: BatchAccount
metadata:
  name: teama
spec:
  url: https://teama.westeurope.batch.azure.com
  auth:
    entra: {}
`,
    );
    out = [];
    expect(await main(["get", "bacct", ...where()])).toBe(0);
    expect(out.join("\n")).toMatch(/^BatchAccount\s+default\s+teama\s/m);
    expect(out.join("\n")).not.toContain("BatchPool");
    expect(await main(["get", "batchaccount/teama", "-o", "json", ...where()])).toBe(0);
    err = [];
    expect(await main(["suspend", "bacct/teama", ...where()])).toBe(EXIT_USAGE);
    expect(err.join("\n")).toContain("a BatchAccount owns nothing in Batch");
  });

  it("get, suspend and diff refuse a --dir that does not exist (exit 64) instead of finding nothing in it", async () => {
    const typo = `${dir}-typo`;
    const elsewhere = ["--dir", typo, "--state-dir", stateDir, "--url", noController];
    expect(await main(["get", "pools", ...elsewhere])).toBe(EXIT_USAGE);
    expect(await main(["suspend", "pool/render", ...elsewhere])).toBe(EXIT_USAGE);
    expect(await main(["diff", "pool/render", "--dir", typo])).toBe(EXIT_USAGE);
    expect(err.filter((l) => l.includes(`--dir ${typo} does not exist`))).toHaveLength(3);
    expect(out).toEqual([]);
  });

  it("get says when manifest errors leave resources out of its list", async () => {
    await writeFile(join(dir, "broken.yaml"), POOL.replace("name: render", "name: broken").replace("vmSize:", "vmSizes:"));
    expect(await main(["get", ...where()])).toBe(0);
    // broken.yaml's pool is invalid, and its copy of team-a/frames makes both copies duplicates: three left out.
    expect(err).toEqual([`note: 3 manifest error(s); 3 resource(s) left out of this list; run batch-gitops validate ${dir}`]);
    expect(out.join("\n")).not.toContain("broken");
    expect(out.join("\n")).not.toContain("frames");

    // A resource with an error of its own that is still listed (a poolRef to no pool) leaves nothing out.
    await rm(join(dir, "broken.yaml"));
    await writeFile(
      join(dir, "waiting.yaml"),
      POOL.split("---")[1]?.replace("name: frames", "name: waiting").replace("poolId: shared", "poolRef: { name: nowhere }") ?? "",
    );
    err = [];
    out = [];
    expect(await main(["get", ...where()])).toBe(0);
    expect(err).toEqual([`note: 1 manifest error(s); run batch-gitops validate ${dir}`]);
    expect(out.join("\n")).toContain("waiting");
  });

  it("suspend sets spec.suspend in the file in place, keeping comments; resume removes it", async () => {
    expect(await main(["suspend", "pool/render", ...where()])).toBe(0);
    expect(out.join("\n")).toContain(`${join(dir, "farm.yaml")}:2: BatchPool/default/render: spec.suspend: true; commit this change`);
    const suspended = await readFile(join(dir, "farm.yaml"), "utf8");
    expect(suspended).toContain("# the render farm");
    expect(suspended).toContain("name: render # keep this name");
    expect(suspended).toContain("vmSize: standard_d2s_v3 # smallest that works");
    expect(suspended).toMatch(/targetDedicatedNodes: 1 }\n {2}suspend: true\n---/);
    expect(suspended).toContain("name: frames");

    out = [];
    expect(await main(["get", "pool/render", ...where()])).toBe(0);
    expect(out.join("\n")).toMatch(/render\s+Unknown\s+-\s+True/);
    expect(await main(["suspend", "pool/render", ...where()])).toBe(0);
    expect(out.join("\n")).toContain("already suspended");

    expect(await main(["resume", "BatchPool/default/render", ...where()])).toBe(0);
    expect(await readFile(join(dir, "farm.yaml"), "utf8")).toBe(POOL);
    expect(await main(["suspend", "job/team-a/frames", ...where()])).toBe(0);
    expect(await readFile(join(dir, "farm.yaml"), "utf8")).toMatch(/commandLine: echo hi\n {2}suspend: true\n$/);

    expect(await main(["suspend", "pool/nowhere", ...where()])).toBe(1);
    expect(err.join("\n")).toContain("BatchPool/default/nowhere is not declared in");
    expect(await main(["suspend", ...where()])).toBe(EXIT_USAGE);
  });

  it("suspend and resume keep a .json manifest JSON, with its indentation and final newline", async () => {
    const pool = parse(POOL.split("---")[0] ?? "") as { metadata: { name: string }; spec: Record<string, unknown> };
    pool.metadata.name = "json-pool";
    const original = `${JSON.stringify(pool, null, 4)}\n`;
    await writeFile(join(dir, "pool.json"), original);
    expect(await main(["suspend", "pool/json-pool", ...where()])).toBe(0);
    expect(out.join("\n")).toContain(`${join(dir, "pool.json")}:1: BatchPool/default/json-pool: spec.suspend: true`);
    const suspended = await readFile(join(dir, "pool.json"), "utf8");
    expect((JSON.parse(suspended) as typeof pool).spec.suspend).toBe(true);
    expect(suspended).toMatch(/^ {8}"suspend": true\n {4}}\n}\n$/m);
    expect(await main(["resume", "pool/json-pool", ...where()])).toBe(0);
    expect(await readFile(join(dir, "pool.json"), "utf8")).toBe(original);
  });

  it("suspend edits a resource that is an item of a kind: List, and leaves other values as written", async () => {
    const pool = POOL.split("---")[0] ?? "";
    const item = pool
      .replace("# the render farm\n", "")
      .replace("name: render # keep this name", "name: listed")
      .trimEnd()
      .split("\n")
      .map((line, index) => (index === 0 ? `  - ${line}` : `    ${line}`))
      .join("\n");
    const list = `apiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {big: 99999999999999999999}}\n${item}\n`;
    await writeFile(join(dir, "list.yaml"), list);
    expect(await main(["suspend", "pool/listed", ...where()])).toBe(0);
    const edited = await readFile(join(dir, "list.yaml"), "utf8");
    expect((parse(edited) as { items: { spec?: { suspend?: boolean } }[] }).items[1]?.spec?.suspend).toBe(true);
    expect(edited).toContain("big: 99999999999999999999");
    expect(await main(["resume", "pool/listed", ...where()])).toBe(0);
    expect((parse(await readFile(join(dir, "list.yaml"), "utf8")) as { items: { spec?: object }[] }).items[1]?.spec).not.toHaveProperty(
      "suspend",
    );
  });

  it("suspend and resume change only the suspend line: flow collections, comment spacing, compact JSON and a commented line stay", async () => {
    const other = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lp}\ndata: {list: "[{a: 1}]"}   # two  spaces\n---\n`;
    const job = `apiVersion: azurebatch.gitops.dev/v1alpha1
kind: BatchJob
metadata: {name: jj}
spec:
  poolId: shared   # run on the shared pool
  tasks: [{id: t1, commandLine: echo hi}]
`;
    await writeFile(join(dir, "mixed.yaml"), other + job);
    expect(await main(["suspend", "job/jj", ...where()])).toBe(0);
    expect(await readFile(join(dir, "mixed.yaml"), "utf8")).toBe(other + job.replace("}]\n", "}]\n  suspend: true\n"));
    expect(await main(["resume", "job/jj", ...where()])).toBe(0);
    expect(await readFile(join(dir, "mixed.yaml"), "utf8")).toBe(other + job);

    const compact = `{"apiVersion":"azurebatch.gitops.dev/v1alpha1","kind":"BatchJob","metadata":{"name":"cj"},"spec":{"poolId":"shared","tasks":[{"id":"t1","commandLine":"echo hi"}]}}\n`;
    await writeFile(join(dir, "compact.json"), compact);
    expect(await main(["suspend", "job/cj", ...where()])).toBe(0);
    const suspended = await readFile(join(dir, "compact.json"), "utf8");
    expect(suspended.split("\n")).toHaveLength(2);
    expect((JSON.parse(suspended) as { spec: { suspend?: boolean } }).spec.suspend).toBe(true);
    expect(await main(["resume", "job/cj", ...where()])).toBe(0);
    expect(await readFile(join(dir, "compact.json"), "utf8")).toBe(compact);

    const kept = job.replace("metadata: {name: jj}", "metadata: {name: kept}").replace("}]\n", "}]\n  suspend: false # keep running\n");
    await writeFile(join(dir, "kept.yaml"), kept);
    expect(await main(["suspend", "job/kept", ...where()])).toBe(0);
    expect(await readFile(join(dir, "kept.yaml"), "utf8")).toBe(kept.replace("suspend: false", "suspend: true"));
    expect(await main(["resume", "job/kept", ...where()])).toBe(0);
    expect(await readFile(join(dir, "kept.yaml"), "utf8")).toBe(kept);
  });

  it("diff prints the plan of one resource and exits 2 while it has changes", async () => {
    expect(await main(["diff", "pool/render", "--dir", dir])).toBe(2);
    const text = out.join("\n");
    expect(text).toMatch(/^BatchPool\/default\/render: Absent/m);
    expect(text).not.toContain("BatchJob/team-a/frames");
    expect(text).toContain("Plan: 1 to create, 0 to change, 0 to delete.");
    expect(await main(["diff", "pool/absent", "--dir", dir])).toBe(1);
    expect(await main(["diff", "--dir", dir])).toBe(EXIT_USAGE);
  });

  it("reconcile fails clearly when no controller answers", async () => {
    expect(await main(["reconcile", "pool/render", ...where()])).toBe(1);
    expect(err.join("\n")).toContain(`no controller answers at ${noController}`);
  });
});

describe("reconcile, directory mode, against a running controller", () => {
  let child: ChildProcess | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    child?.kill("SIGKILL");
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("asks the controller over its loopback HTTP API, which reconciles the key at once", async () => {
    dir = await mkdtemp(join(tmpdir(), "cli-reconcile-"));
    await mkdir(join(dir, "manifests"));
    await writeFile(join(dir, "manifests", "farm.yaml"), POOL);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    let logs = "";
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
        "--resync-interval",
        "1h",
      ],
      {
        env: { ...process.env, BATCH_ACCOUNT_URL: "" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    child.stdout?.on("data", (chunk: Buffer) => (logs += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (logs += chunk.toString()));
    const out: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
    vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
    await vi.waitFor(async () => expect((await fetch(`${url}/readyz`)).status).toBe(200), { timeout: 60_000, interval: 200 });

    expect(await main(["reconcile", "pool/render", "--url", url])).toBe(0);
    expect(out).toContain("BatchPool/default/render: reconcile requested");
    await vi.waitFor(() => expect(logs).toMatch(/"key":"BatchPool\/default\/render"[^\n]*"msg":"reconcile requested over HTTP"/), {
      timeout: 30_000,
      interval: 100,
    });

    expect(await main(["reconcile", "pool/unknown", "--url", url])).toBe(1);
    expect(out.join("\n")).toContain(`the controller at ${url} does not know BatchPool/default/unknown`);
    // Without a JSON content type (what a cross-origin form could send) the request is refused.
    const form = await fetch(`${url}/reconcile/BatchPool/default/render`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "x",
    });
    expect(form.status).toBe(415);
  }, 120_000);
});
