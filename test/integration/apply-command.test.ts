// plan --out FILE then apply FILE: the saved plan is applied exactly, and refused, naming what
// moved and writing nothing, when the manifests or Batch changed since (here through another
// client: the raw @azure/batch SDK).
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../controller/cli/main.js";
import { EXIT_USAGE } from "../../controller/cli/usage.js";
import { devAccount, startEmulator, type RunningEmulator } from "../../emulator/index.js";

const MANIFESTS = (nodes: number): string => `apiVersion: azurebatch.gitops.dev/v1alpha1
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
---
apiVersion: azurebatch.gitops.dev/v1alpha1
kind: BatchJob
metadata:
  name: frames
spec:
  poolRef: { name: render }
  tasks:
    - { id: f1, commandLine: echo 1 }
    - { id: f2, commandLine: echo 2 }
`;

/** A pool another client (the raw SDK) adds to the account. */
const otherClientsPool = (id: string, nodes: number) => ({
  id,
  vmSize: "standard_d2s_v3",
  virtualMachineConfiguration: {
    imageReference: { publisher: "microsoft-dsvm", offer: "ubuntu-hpc", sku: "2204", version: "latest" },
    nodeAgentSKUId: "batch.node.ubuntu 22.04",
  },
  targetDedicatedNodes: nodes,
});

describe("plan --out and apply", () => {
  let emulator: RunningEmulator;
  let client: BatchServiceClient;
  let root: string;
  let out: string[];
  const writes: string[] = [];

  beforeEach(async () => {
    writes.length = 0;
    emulator = await startEmulator();
    emulator.observe(({ operationId, status }) => {
      if (!/_(List|Get|GetTaskCounts)$/.test(operationId) && status !== "dropped" && status < 300) writes.push(operationId);
    });
    client = new BatchServiceClient(new BatchSharedKeyCredentials(devAccount.name, devAccount.key), emulator.url);
  });
  afterEach(async () => {
    await emulator.close();
  });
  beforeEach(async () => {
    vi.stubEnv("BATCH_ACCOUNT_NAME", devAccount.name);
    vi.stubEnv("BATCH_ACCOUNT_KEY", devAccount.key);
    root = await mkdtemp(join(tmpdir(), "apply-"));
    await mkdir(join(root, "manifests"));
    out = [];
    vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
    vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    await rm(root, { recursive: true, force: true });
  });

  const dir = (): string => join(root, "manifests");
  const planFile = (): string => join(root, "plan.json");
  const account = (): string[] => ["--batch-url", emulator.url, "--auth", "shared-key"];

  it("applies exactly the saved plan: the pool, the job and its tasks, then a new plan has nothing for them to create", async () => {
    await writeFile(join(dir(), "farm.yaml"), MANIFESTS(1));
    expect(await main(["plan", dir(), "--out", planFile(), ...account()])).toBe(2);
    const saved = await readFile(planFile(), "utf8");
    expect(JSON.parse(saved)).toMatchObject({ format: "batch-gitops-plan/v1", accountUrl: emulator.url });
    expect(writes).toEqual([]);

    expect(await main(["apply", planFile(), ...account()])).toBe(0);
    expect(out.join("\n")).toMatch(/BatchPool\/default\/render: \+ create pool render-[0-9a-f]{8}: created/);
    expect(out.join("\n")).toContain("BatchJob/default/frames: + submit tasks to job frames (2 declared): 2 added");
    const pools = await client.pool.list();
    expect(pools.map((p) => p.id)).toEqual([expect.stringMatching(/^render-[0-9a-f]{8}$/)]);
    expect((await client.task.list("frames")).map((t) => t.id).sort()).toEqual(["f1", "f2"]);

    out = [];
    expect([0, 2]).toContain(await main(["plan", dir(), ...account()]));
    expect(out.join("\n")).not.toContain("+ create");
  });

  it("refuses, naming what moved in Batch, and writes nothing, when another client changed the account", async () => {
    await client.pool.add(otherClientsPool("shared", 0));
    await writeFile(join(dir(), "farm.yaml"), MANIFESTS(1));
    expect(await main(["plan", dir(), "--out", planFile(), ...account()])).toBe(2);

    await client.pool.patch("shared", { metadata: [{ name: "team", value: "render" }] });
    await client.job.add({ id: "intruder", poolInfo: { poolId: "shared" } });
    writes.length = 0;
    out = [];
    expect(await main(["apply", planFile(), ...account()])).toBe(1);
    const text = out.join("\n");
    expect(text).toContain("changed since the plan was made");
    expect(text).toContain("pool/shared: changed (metadata)");
    expect(text).toContain("job/intruder: appeared in Batch");
    expect(text).toContain("Nothing was written.");
    expect(writes).toEqual([]);
  });

  it("applies a plan made while a pool was booting: nodes Batch brings up itself are no change (a reviewed plan stays valid)", async () => {
    await emulator.close();
    emulator = await startEmulator({ clock: "virtual" });
    client = new BatchServiceClient(new BatchSharedKeyCredentials(devAccount.name, devAccount.key), emulator.url);
    await client.pool.add(otherClientsPool("booting", 2));
    expect((await client.pool.get("booting")).allocationState).toBe("resizing");
    await writeFile(join(dir(), "farm.yaml"), MANIFESTS(1));
    expect(await main(["plan", dir(), "--out", planFile(), ...account()])).toBe(2);

    emulator.clock.advance(30 * 60_000);
    expect(await client.pool.get("booting")).toMatchObject({ allocationState: "steady", currentDedicatedNodes: 2 });
    out = [];
    expect(await main(["apply", planFile(), ...account()])).toBe(0);
    expect(out.join("\n")).not.toContain("changed since the plan was made");

    // What a person changes still refuses a plan.
    expect(await main(["plan", dir(), "--out", planFile(), ...account()])).toBe(0);
    await client.pool.resize("booting", { targetDedicatedNodes: 3 });
    out = [];
    expect(await main(["apply", planFile(), ...account()])).toBe(1);
    expect(out.join("\n")).toContain("pool/booting: changed (targetDedicatedNodes)");
  });

  it("refuses when the manifests changed since the plan, naming the resource", async () => {
    await writeFile(join(dir(), "farm.yaml"), MANIFESTS(1));
    expect(await main(["plan", dir(), "--out", planFile(), ...account()])).toBe(2);
    await writeFile(join(dir(), "farm.yaml"), MANIFESTS(3));
    out = [];
    expect(await main(["apply", planFile(), ...account()])).toBe(1);
    expect(out.join("\n")).toContain("BatchPool/default/render: manifest changed");
    expect(writes).toEqual([]);
  });

  it("refuses a plan made against another account, a file that is not a plan, and --out without an account", async () => {
    await writeFile(join(dir(), "farm.yaml"), MANIFESTS(1));
    expect(await main(["plan", dir(), "--out", planFile(), ...account()])).toBe(2);
    expect(await main(["apply", planFile(), "--batch-url", "http://127.0.0.1:9", "--auth", "shared-key"])).toBe(EXIT_USAGE);
    await writeFile(join(root, "not-a-plan.json"), "{}");
    expect(await main(["apply", join(root, "not-a-plan.json"), ...account()])).toBe(1);
    expect(out.join("\n")).toContain("not a batch-gitops-plan/v1 file");
    vi.stubEnv("BATCH_ACCOUNT_URL", "");
    expect(await main(["plan", dir(), "--out", planFile()])).toBe(EXIT_USAGE);
  });
});
