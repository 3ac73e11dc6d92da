import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { afterEach, describe, expect, it, vi } from "vitest";
import { planCommand } from "../../controller/cli/commands/plan.js";
import { EmulatorControlClient } from "../../emulator/control-client.js";
import type { ResourceKey } from "../../controller/runtime/ports.js";
import { isReady, startHarness, type Harness } from "./harness.js";

const BIN = fileURLToPath(new URL("../../bin/batch-gitops.js", import.meta.url));
const execFileAsync = promisify(execFile);

const pool = (nodes: number, driftPolicy?: string): string => `apiVersion: azurebatch.gitops.dev/v1alpha1
kind: BatchPool
metadata:
  name: planned
spec:
  vmSize: standard_d2s_v3
  image:
    marketplace: { publisher: microsoft-dsvm, offer: ubuntu-hpc, sku: "2204", version: latest }
  nodeAgentSkuId: batch.node.ubuntu 22.04
  scale:
    fixed: { targetDedicatedNodes: ${nodes} }
${driftPolicy === undefined ? "" : `  driftPolicy: ${driftPolicy}\n`}`;

describe("batch-gitops plan", () => {
  let h: Harness | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    await h?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  async function plan(): Promise<{ code: number; out: string }> {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void lines.push(args.join(" ")));
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void lines.push(args.join(" ")));
    const code = await planCommand.run([dir ?? "", "--batch-url", h?.emulator.url ?? "", "--auth", "shared-key", "--manager-id", "itest"]);
    vi.restoreAllMocks();
    return { code, out: lines.join("\n") };
  }

  /** The harness's controller converged on `files`, the account in the environment as plan reads it. */
  async function converged(files: Record<string, string>, ready: ResourceKey[]): Promise<{ harness: Harness; manifests: string }> {
    const manifests = await mkdtemp(join(tmpdir(), "bgo-plan-"));
    dir = manifests;
    for (const [name, text] of Object.entries(files)) await writeFile(join(manifests, name), text);
    const harness = await startHarness({ auth: "sharedKey" });
    h = harness;
    vi.stubEnv("BATCH_ACCOUNT_NAME", harness.emulator.account.name);
    vi.stubEnv("BATCH_ACCOUNT_KEY", harness.emulator.account.key);
    await harness.source.loadDir(manifests);
    harness.start();
    for (const key of ready) await harness.waitForStatus(key, isReady);
    return { harness, manifests };
  }

  it("exits 2 with a readable diff while changes are pending, 0 once Batch matches, and writes nothing", async () => {
    dir = await mkdtemp(join(tmpdir(), "bgo-plan-"));
    await writeFile(join(dir, "pool.yaml"), pool(1));
    h = await startHarness({ auth: "sharedKey" });
    vi.stubEnv("BATCH_ACCOUNT_NAME", h.emulator.account.name);
    vi.stubEnv("BATCH_ACCOUNT_KEY", h.emulator.account.key);

    const before = await plan();
    expect(before.code).toBe(2);
    expect(before.out).toMatch(/^BatchPool\/default\/planned: Absent/m);
    expect(before.out).toMatch(/\+ create pool planned-[0-9a-f]{8}: not found in Batch/);
    expect(before.out).toContain("Plan: 1 to create, 0 to change, 0 to delete.");
    expect(h.served.get("Pool_Add") ?? 0).toBe(0);

    await h.source.loadDir(dir);
    h.start();
    await h.waitForStatus("BatchPool/default/planned", isReady);
    expect((await plan()).code).toBe(0);

    await writeFile(join(dir, "pool.yaml"), pool(3));
    const after = await plan();
    expect(after.code).toBe(2);
    expect(after.out).toMatch(
      /~ resize pool planned-[0-9a-f]{8} to 3 dedicated \+ 0 low-priority nodes: manifest changed: nodes 1\+0 → 3\+0/,
    );
  });

  it("shows drift: exit 3 and 'drifted (Alert: not corrected)' under driftPolicy Alert, exit 2 when it would be corrected", async () => {
    const { harness, manifests } = await converged({ "pool.yaml": pool(1, "Alert") }, ["BatchPool/default/planned"]);
    const poolId = (await harness.batch.listPools())[0]?.id ?? "";
    await new EmulatorControlClient(harness.emulator.url).resizePool(poolId, { targetDedicatedNodes: 3 });
    // Plan once the out-of-band resize has finished: while it runs, the plan under Correct is "stop the resize".
    await vi.waitFor(
      async () => expect(await harness.batch.getPool(poolId)).toMatchObject({ allocationState: "steady", currentDedicatedNodes: 3 }),
      { timeout: 60_000, interval: 100 },
    );

    const alerted = await plan();
    expect(alerted.code).toBe(3);
    expect(alerted.out).toContain(
      "BatchPool/default/planned: drifted (Alert: not corrected)\n    drift: targetDedicatedNodes: desired 1, live 3",
    );
    expect(alerted.out).toContain(
      "No changes to apply, but Batch does not match the manifests: 1 resource(s) drifted (Alert: not corrected). 0 resource(s) in sync.",
    );
    expect(alerted.out).not.toContain("Batch matches the manifests");

    await writeFile(join(manifests, "pool.yaml"), pool(1, "Correct"));
    const corrected = await plan();
    expect(corrected.code).toBe(2);
    expect(corrected.out).toContain(
      "BatchPool/default/planned: drifted (Correct: will be corrected)\n    drift: targetDedicatedNodes: desired 1, live 3",
    );
    expect(corrected.out).toMatch(/~ resize pool planned-[0-9a-f]{8} to 1 dedicated \+ 0 low-priority nodes: drift correction/);
    expect(corrected.out).toContain("Plan: 0 to create, 1 to change, 0 to delete.");
    // plan reads only: the pool is still as the out-of-band resize left it.
    expect((await harness.batch.getPool(poolId))?.targetDedicatedNodes).toBe(3);
  });

  it("exits 4 when a resource is blocked (job id taken, owned by another manager), even with other changes pending", async () => {
    dir = await mkdtemp(join(tmpdir(), "bgo-plan-"));
    h = await startHarness({ auth: "sharedKey" });
    const account = h.emulator.account;
    const client = new BatchServiceClient(new BatchSharedKeyCredentials(account.name, account.key), h.emulator.url);
    await client.job.add({ id: "taken", poolInfo: { poolId: "someone-elses-pool" } });
    const stamp = [
      { name: "batch-gitops/owner", value: "BatchJob/default/theirs" },
      { name: "batch-gitops/manager", value: "team-a" },
    ];
    await client.job.add({ id: "theirs", poolInfo: { poolId: "someone-elses-pool" }, metadata: stamp });
    const job = (name: string, poolRef: string): string =>
      `apiVersion: azurebatch.gitops.dev/v1alpha1\nkind: BatchJob\nmetadata:\n  name: ${name}\nspec:\n  poolRef: { name: ${poolRef} }\n  tasks: [{ id: t1, commandLine: echo }]\n`;
    await writeFile(join(dir, "pool.yaml"), pool(1));
    await writeFile(join(dir, "jobs.yaml"), `${job("taken", "planned")}---\n${job("theirs", "planned")}`);
    // The real binary, as a CI step runs it.
    const env = { ...process.env, BATCH_ACCOUNT_NAME: account.name, BATCH_ACCOUNT_KEY: account.key, NO_COLOR: "1" };
    const run = async (): Promise<{ code: number; out: string }> =>
      execFileAsync(process.execPath, [BIN, "plan", dir ?? "", "--batch-url", h?.emulator.url ?? "", "--auth", "shared-key"], { env }).then(
        (r) => ({ code: 0, out: r.stdout }),
        (e: { code?: number; stdout?: string }) => ({ code: e.code ?? -1, out: e.stdout ?? "" }),
      );
    const blocked = await run();
    expect(blocked.code, blocked.out).toBe(4);
    expect(blocked.out).toMatch(
      /! blocked: JobIdTaken: Batch job taken exists and is not owned by BatchJob\/default\/taken; set spec\.adopt\.jobId/,
    );
    expect(blocked.out).toMatch(/! blocked: OwnedByAnotherManager: Batch job theirs is managed by "team-a"/);
    expect(blocked.out).toContain("2 resource(s) blocked until a user acts.");
    expect(h.served.get("Pool_Add") ?? 0).toBe(0);

    await writeFile(join(dir, "jobs.yaml"), job("free", "planned"));
    vi.stubEnv("BATCH_ACCOUNT_NAME", account.name);
    vi.stubEnv("BATCH_ACCOUNT_KEY", account.key);
    expect((await plan()).code).toBe(2);
  });

  it("plans no deletion of an invalid resource, and none at all while a manifest cannot be parsed (as run)", async () => {
    const other = pool(1).replace("name: planned", "name: other");
    const { manifests } = await converged({ "pool.yaml": pool(1), "other.yaml": other }, [
      "BatchPool/default/planned",
      "BatchPool/default/other",
    ]);

    // An invalid manifest is rejected, not removed: nothing of it is to delete.
    await writeFile(join(manifests, "other.yaml"), other.replace("standard_d2s_v3", "standard_d2s_v3\n  driftPolicy: Fix"));
    const invalid = await plan();
    expect(invalid.code).toBe(1);
    expect(invalid.out).not.toContain("delete pool");

    // pool.yaml removed while other.yaml does not parse: what other.yaml declares now is unknown.
    await rm(join(manifests, "pool.yaml"));
    await writeFile(join(manifests, "other.yaml"), `${other}  bad: [unclosed\n`);
    const held = await plan();
    expect(held.code).toBe(1);
    expect(held.out).toContain(
      `! blocked: DeletionBlocked: deletion waits until every manifest can be read: cannot read or parse ${join(manifests, "other.yaml")}`,
    );
    expect(held.out).not.toContain("delete pool");
  });

  it("exits 1 when a manifest is invalid", async () => {
    dir = await mkdtemp(join(tmpdir(), "bgo-plan-"));
    await writeFile(join(dir, "pool.yaml"), pool(1).replace("standard_d2s_v3", "standard_d2s_v3\n  driftPolicy: Fix"));
    h = await startHarness({ auth: "sharedKey" });
    vi.stubEnv("BATCH_ACCOUNT_NAME", h.emulator.account.name);
    vi.stubEnv("BATCH_ACCOUNT_KEY", h.emulator.account.key);
    const result = await plan();
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/! .*pool\.yaml:\d+ .*spec\.driftPolicy/);
    // Never "Batch matches the manifests" beside an error.
    expect(result.out).toContain(
      "No changes for the valid manifests. 1 manifest error(s): what those manifests declare is neither applied nor deleted.",
    );
  });

  it("judges an identity pool as run does: without an ARM resource id it is an error, never a create that drops the identity", async () => {
    dir = await mkdtemp(join(tmpdir(), "bgo-plan-"));
    const identity = fileURLToPath(new URL("../../manifests/identity/acr-managed-identity.yaml", import.meta.url));
    await writeFile(join(dir, "pool.yaml"), await readFile(identity, "utf8"));
    h = await startHarness({ auth: "sharedKey" });
    vi.stubEnv("BATCH_ACCOUNT_NAME", h.emulator.account.name);
    vi.stubEnv("BATCH_ACCOUNT_KEY", h.emulator.account.key);
    const result = await plan();
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/pool\.yaml:\d+ .*spec\.identity/);
    expect(result.out).not.toMatch(/\+ create pool/);
  });
});
