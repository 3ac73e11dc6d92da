/**
 * `batch-gitops run --once` end to end, in-process: manifests directory → engine → emulator over
 * HTTP through @azure/batch → status file.
 */
import { mkdir, mkdtemp, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../controller/cli/main.js";
import { readStatusFile } from "../../controller/directory/statusStore.js";
import { devAccount, startEmulator, type RunningEmulator } from "../../emulator/index.js";

const pool = (name: string, nodes: number): string => `apiVersion: azurebatch.gitops.dev/v1alpha1
kind: BatchPool
metadata:
  name: ${name}
spec:
  vmSize: standard_d2s_v3
  image:
    marketplace: { publisher: microsoft-dsvm, offer: ubuntu-hpc, sku: "2204", version: latest }
  nodeAgentSkuId: batch.node.ubuntu 22.04
  scale:
    fixed: { targetDedicatedNodes: ${nodes} }
  deletionPolicy: Delete
`;

const job = (name: string, poolRef: string, exitCode: string): string => `apiVersion: azurebatch.gitops.dev/v1alpha1
kind: BatchJob
metadata:
  name: ${name}
spec:
  poolRef: { name: ${poolRef} }
  onAllTasksComplete: terminatejob
  tasks:
    - id: t1
      commandLine: "true"
    - id: t2
      commandLine: "run"
      environmentSettings: [{ name: BATCH_EMULATOR_EXIT_CODE, value: "${exitCode}" }]
`;

const readyOf = (status: { conditions: { type: string; status: string }[] }): string | undefined =>
  status.conditions.find((c) => c.type === "Ready")?.status;

describe("run --once", () => {
  let emulator: RunningEmulator;
  let client: BatchServiceClient;
  let root: string;
  let dir: string;
  let stateDir: string;
  const writes: string[] = [];
  /** One per test: a test's run never prunes what an earlier test left in the shared emulator. */
  let managerId = "once-0";
  let tests = 0;

  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.observe(({ operationId, status }) => {
      if (!/_(List|Get|GetTaskCounts)$/.test(operationId) && status !== "dropped" && status < 300) writes.push(operationId);
    });
    client = new BatchServiceClient(new BatchSharedKeyCredentials(devAccount.name, devAccount.key), emulator.url);
    process.env.BATCH_ACCOUNT_NAME = devAccount.name;
    process.env.BATCH_ACCOUNT_KEY = devAccount.key;
  });
  afterAll(async () => {
    delete process.env.BATCH_ACCOUNT_NAME;
    delete process.env.BATCH_ACCOUNT_KEY;
    await emulator.close();
  });
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "run-once-"));
    dir = join(root, "manifests");
    stateDir = join(root, "state");
    await mkdir(dir);
    writes.length = 0;
    managerId = `once-${++tests}`;
    return () => rm(root, { recursive: true, force: true });
  });

  const runOnce = (...extra: string[]): Promise<number> =>
    main([
      "run",
      "--once",
      "--dir",
      dir,
      "--batch-url",
      emulator.url,
      "--state-dir",
      stateDir,
      "--http-addr",
      "off",
      "--view",
      "off",
      "--log-level",
      "silent",
      "--manager-id",
      managerId,
      // The emulator's fast timing settles in well under a second: look again that often, not every 5 s.
      "--poll-interval",
      "250ms",
      ...extra,
    ]);

  const batchPools = async (): Promise<{ id: string; target: number; owner: string | undefined }[]> =>
    (await client.pool.list()).map((p) => ({
      id: p.id ?? "",
      target: p.targetDedicatedNodes ?? 0,
      owner: p.metadata?.find((m) => m.name === "batch-gitops/owner")?.value,
    }));

  it("creates what the manifests describe, records status in the state dir, then prunes a removed manifest", async () => {
    await writeFile(join(dir, "render.yaml"), pool("render", 2));
    expect(await runOnce()).toBe(0);
    const created = (await batchPools()).filter((p) => p.owner === "BatchPool/default/render");
    expect(created).toEqual([{ id: expect.stringMatching(/^render-[0-9a-f]{8}$/), target: 2, owner: "BatchPool/default/render" }]);
    const status = await readStatusFile(join(stateDir, "status.json"));
    expect(status?.resources.map((r) => [r.key, r.source?.location])).toEqual([["BatchPool/default/render", "render.yaml"]]);
    // The same status shape as the CRD's: poolId, nodes, nodeCounts-style fields, not the engine's internals.
    expect(status?.resources[0]?.status).toMatchObject({
      poolId: created[0]?.id,
      targetDedicatedNodes: 2,
      nodes: "2/2",
      image: "ubuntu-hpc/2204",
    });

    // --once waits until the pool is Ready (its nodes allocated), so a resize can follow at once.
    expect((await client.pool.get(created[0]?.id ?? "")).allocationState).toBe("steady");
    await writeFile(join(dir, "render.yaml"), pool("render", 3));
    expect(await runOnce()).toBe(0);
    expect((await batchPools()).find((p) => p.id === created[0]?.id)?.target).toBe(3);

    // A removed manifest: --once waits until Batch has deleted the pool, then forgets its status.
    await unlink(join(dir, "render.yaml"));
    expect(await runOnce()).toBe(0);
    expect((await batchPools()).some((p) => p.id === created[0]?.id)).toBe(false);
    expect((await readStatusFile(join(stateDir, "status.json")))?.resources).toEqual([]);
  });

  it("creates a job on a pool created in the same run, and exits 0 only once both are Ready", async () => {
    await writeFile(join(dir, "render.yaml"), pool("stage", 1));
    await writeFile(join(dir, "job.yaml"), job("frames", "stage", "0"));
    expect(await runOnce()).toBe(0);
    const status = await readStatusFile(join(stateDir, "status.json"));
    expect(status?.resources.map((r) => [r.key, readyOf(r.status)])).toEqual([
      ["BatchJob/default/frames", "True"],
      ["BatchPool/default/stage", "True"],
    ]);
    expect((await client.job.get("frames")).poolInfo?.poolId).toMatch(/^stage-[0-9a-f]{8}$/);
  });

  it("exits 1 when a job's task fails (TasksFailed)", async () => {
    await writeFile(join(dir, "render.yaml"), pool("fails", 1));
    await writeFile(join(dir, "job.yaml"), job("broken", "fails", "3"));
    expect(await runOnce()).toBe(1);
    const failed = (await readStatusFile(join(stateDir, "status.json")))?.resources.find((r) => r.key === "BatchJob/default/broken");
    expect(failed?.status.conditions).toContainEqual(expect.objectContaining({ type: "Stalled", status: "True", reason: "TasksFailed" }));
  });

  it("exits 1 at --once-timeout when a resource cannot become Ready in time", async () => {
    await writeFile(join(dir, "render.yaml"), pool("slow", 1));
    await writeFile(join(dir, "job.yaml"), job("late", "slow", "0"));
    // The pool's next look is due after its poll interval (5 s here), past the 1 s deadline: the run stops there.
    expect(await runOnce("--once-timeout", "1s", "--poll-interval", "5s")).toBe(1);
    const statuses = (await readStatusFile(join(stateDir, "status.json")))?.resources;
    expect(statuses?.map((r) => [r.key, readyOf(r.status)])).toEqual([
      ["BatchJob/default/late", "False"],
      ["BatchPool/default/slow", "False"],
    ]);
  });

  it("converges the valid manifests beside an invalid one, reports it, writes nothing for it, and exits 1", async () => {
    await writeFile(join(dir, "good.yaml"), pool("good", 1));
    await writeFile(join(dir, "bad.yaml"), pool("bad", 1).replace("vmSize: standard_d2s_v3", "vmSize: 42"));
    expect(await runOnce()).toBe(1);
    const owners = (await batchPools()).map((p) => p.owner);
    expect(owners).toContain("BatchPool/default/good");
    expect(owners).not.toContain("BatchPool/default/bad");
    expect(writes.filter((w) => w === "Pool_Add")).toHaveLength(1);
    const status = await readStatusFile(join(stateDir, "status.json"));
    expect(status?.problems).toContainEqual(expect.objectContaining({ key: "BatchPool/default/bad", file: "bad.yaml", severity: "error" }));
    const bad = status?.resources.find((r) => r.key === "BatchPool/default/bad");
    expect(bad?.status.conditions).toContainEqual(expect.objectContaining({ type: "Stalled", status: "True" }));
  });

  it("exits 1 when Batch calls of the pass failed (a retry it cannot wait for), with the error in status", async () => {
    await writeFile(join(dir, "flaky.yaml"), pool("flaky", 1));
    const fault = emulator.control.faults.add({ operationId: "Pool_Add", kind: "error" });
    try {
      expect(await runOnce("--once-timeout", "1s")).toBe(1);
    } finally {
      emulator.control.faults.remove(fault.id);
    }
    const flaky = (await readStatusFile(join(stateDir, "status.json")))?.resources.find((r) => r.key === "BatchPool/default/flaky");
    expect(flaky?.status.conditions).toContainEqual(expect.objectContaining({ type: "Ready", status: "False", reason: "BatchError" }));
    // The next pass, with the service healthy again, converges and exits 0.
    expect(await runOnce()).toBe(0);
    expect((await batchPools()).map((p) => p.owner)).toContain("BatchPool/default/flaky");
  });

  it("deletes nothing while a manifest cannot be read (the removed resource may have moved into it), and prunes once it can", async () => {
    await writeFile(join(dir, "render.yaml"), pool("render", 1));
    await writeFile(join(dir, "other.yaml"), pool("other", 1));
    expect(await runOnce()).toBe(0);
    const render = (await batchPools()).find((p) => p.owner === "BatchPool/default/render");
    // render.yaml removed in the same edit that broke other.yaml: what other.yaml now declares is unknown.
    await unlink(join(dir, "render.yaml"));
    await writeFile(join(dir, "other.yaml"), `${pool("other", 1)}  bad: [unclosed\n`);
    writes.length = 0;
    expect(await runOnce()).toBe(1);
    expect(writes).toEqual([]);
    expect((await batchPools()).some((p) => p.id === render?.id)).toBe(true);
    const held = (await readStatusFile(join(stateDir, "status.json")))?.resources.find((r) => r.key === "BatchPool/default/render");
    expect(held?.status.conditions).toContainEqual(
      expect.objectContaining({
        type: "Reconciling",
        status: "True",
        reason: "DeletionBlocked",
        message: expect.stringContaining("deletion waits until every manifest can be read: cannot read or parse other.yaml"),
      }),
    );
    await writeFile(join(dir, "other.yaml"), pool("other", 1));
    expect(await runOnce()).toBe(0);
    expect((await batchPools()).some((p) => p.id === render?.id)).toBe(false);
  });

  it("exits 1 with one line naming --http-addr, and no stack trace, when its port is taken; nothing is written", async () => {
    await writeFile(join(dir, "render.yaml"), pool("render", 1));
    const busy = new URL(emulator.url);
    const lines: string[] = [];
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => lines.push(String(chunk)) > 0);
    try {
      expect(await runOnce("--http-addr", `127.0.0.1:${busy.port}`)).toBe(1);
    } finally {
      stderr.mockRestore();
    }
    expect(lines).toContain(
      `batch-gitops run: cannot serve /metrics and the probes on --http-addr 127.0.0.1:${busy.port}: the port is already in use (--http-addr off serves nothing)\n`,
    );
    expect(lines.join("")).not.toMatch(/\n\s+at /);
    expect(writes).toEqual([]);
  });

  it("exits 1 with one line naming --git-url and --git-branch, and no stack trace, when the first fetch fails; nothing is written", async () => {
    const lines: string[] = [];
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => lines.push(String(chunk)) > 0);
    const missing = join(root, "no-such-repo");
    try {
      expect(await runOnce("--git-url", missing, "--git-branch", "prod", "--dir", ".")).toBe(1);
    } finally {
      stderr.mockRestore();
    }
    const said = lines.join("");
    expect(said).toContain(
      `batch-gitops run: cannot check out --git-branch prod of --git-url ${missing}: git fetch: fatal: '${missing}' does not appear to be a git repository`,
    );
    // git's own hint lines are joined into the one line.
    expect(said.trimEnd().split("\n")).toHaveLength(1);
    expect(said).not.toMatch(/\n\s+at /);
    expect(writes).toEqual([]);
  });

  it("refuses a --dir or --secrets-dir that does not exist (a typo) with exit 64, and prunes nothing it manages", async () => {
    await writeFile(join(dir, "render.yaml"), pool("render", 1));
    expect(await runOnce()).toBe(0);
    writes.length = 0;
    // The flags are parsed before --dir: the typo is the last one given, as a user retyping it would.
    expect(await runOnce("--dir", join(root, "manifest"))).toBe(64);
    // A --secrets-dir typo: every secret reference would stay unresolved until --once-timeout.
    expect(await runOnce("--secrets-dir", join(root, "secret"))).toBe(64);
    expect(writes).toEqual([]);
    expect((await batchPools()).map((p) => p.owner)).toContain("BatchPool/default/render");
  });

  it("refuses bad flags with exit code 64 (EX_USAGE) before touching anything", async () => {
    expect(await runOnce("--resync-interval", "often")).toBe(64);
    expect(writes).toEqual([]);
  });
});
