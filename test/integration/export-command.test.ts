// export: pools and jobs created by another client (the raw @azure/batch SDK) become adopting
// BatchPool and BatchJob manifests; the round trip holds: validate passes, and plan on the exported
// directory says "No changes" (exit 0): adopting only stamps ownership metadata, reported as
// "= adopt", not counted as a change (ADR 0021). Applying that plan stamps them and adds no task.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { parse } from "yaml";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../controller/cli/main.js";
import { devAccount, startEmulator, type RunningEmulator } from "../../emulator/index.js";

const VM = {
  imageReference: { publisher: "microsoft-dsvm", offer: "ubuntu-hpc", sku: "2204", version: "latest" },
  nodeAgentSKUId: "batch.node.ubuntu 22.04",
};

describe("export (alias import)", () => {
  let emulator: RunningEmulator;
  let client: BatchServiceClient;
  let root: string;
  let out: string[];
  const writes: string[] = [];

  beforeEach(async () => {
    emulator = await startEmulator();
    client = new BatchServiceClient(new BatchSharedKeyCredentials(devAccount.name, devAccount.key), emulator.url);
    vi.stubEnv("BATCH_ACCOUNT_NAME", devAccount.name);
    vi.stubEnv("BATCH_ACCOUNT_KEY", devAccount.key);
    root = await mkdtemp(join(tmpdir(), "export-"));
    out = [];
    vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
    vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    await emulator.close();
    await rm(root, { recursive: true, force: true });
  });

  const account = (): string[] => ["--batch-url", emulator.url, "--auth", "shared-key"];

  it("round-trips pools and jobs made by another client: export, then plan says no changes (exit 0)", async () => {
    await client.pool.add({
      id: "Legacy_Render",
      vmSize: "STANDARD_D2S_V3",
      virtualMachineConfiguration: VM,
      targetDedicatedNodes: 2,
      metadata: [{ name: "team", value: "render" }],
    });
    await client.pool.add({
      id: "elastic",
      vmSize: "standard_d2s_v3",
      virtualMachineConfiguration: VM,
      enableAutoScale: true,
      autoScaleFormula: "$TargetDedicatedNodes = 1;",
      autoScaleEvaluationInterval: "PT10M",
    });
    await client.pool.add({
      id: "containers",
      vmSize: "standard_d2s_v3",
      // The 2022-10-01 API's container type; @azure/batch 10.2's typings predate the field.
      virtualMachineConfiguration: {
        ...VM,
        containerConfiguration: {
          type: "dockerCompatible",
          containerImageNames: ["myregistry.azurecr.io/app:1"],
          containerRegistries: [{ registryServer: "myregistry.azurecr.io", userName: "puller", password: "hunter2-registry-password" }],
        } as unknown as { containerImageNames: string[] },
      },
      targetDedicatedNodes: 0,
    });
    await client.pool.add({
      id: "with-start-task",
      vmSize: "standard_d2s_v3",
      virtualMachineConfiguration: VM,
      targetDedicatedNodes: 0,
      startTask: { commandLine: "echo hi" },
    });
    await client.job.add({
      id: "Nightly",
      poolInfo: { poolId: "Legacy_Render" },
      priority: 5,
      onAllTasksComplete: "noaction",
      metadata: [{ name: "team", value: "render" }],
      constraints: { maxTaskRetryCount: 2 },
    });
    await client.task.addCollection("Nightly", [
      {
        id: "frame-1",
        commandLine: "render 1",
        environmentSettings: [{ name: "QUALITY", value: "high" }],
        resourceFiles: [{ httpUrl: "https://acct.blob.core.windows.net/in/scene.blend?sv=2022&sig=SECRETSAS", filePath: "scene.blend" }],
      },
      { id: "frame-2", commandLine: "render 2", constraints: { maxTaskRetryCount: 1 } },
    ]);
    await client.job.add({ id: "side", poolInfo: { poolId: "with-start-task" } });
    const dir = join(root, "exported");

    expect(await main(["import", ...account(), "--out-dir", dir])).toBe(0);
    expect(out.join("\n")).toContain("skipped pool with-start-task: has a start task");
    expect(out.join("\n")).toMatch(
      /note: job Nightly: task frame-1: the query string \(SAS token\) of https:\/\/acct\.blob\.core\.windows\.net\/in\/scene\.blend was left out/,
    );
    expect((await readdir(dir)).sort()).toEqual([
      "containers.yaml",
      "elastic.yaml",
      "job-nightly.yaml",
      "job-side.yaml",
      "legacy-render.yaml",
    ]);
    const legacy = parse(await readFile(join(dir, "legacy-render.yaml"), "utf8")) as {
      metadata: { name: string };
      spec: Record<string, unknown>;
    };
    expect(legacy.metadata.name).toBe("legacy-render");
    expect(legacy.spec).toMatchObject({
      adopt: { poolId: "Legacy_Render" },
      deletionPolicy: "Orphan",
      scale: { fixed: { targetDedicatedNodes: 2 } },
      metadata: [{ name: "team", value: "render" }],
    });
    const containers = await readFile(join(dir, "containers.yaml"), "utf8");
    expect(containers).toContain("passwordSecretRef:");
    expect(containers).not.toContain("hunter2");
    const nightlyText = await readFile(join(dir, "job-nightly.yaml"), "utf8");
    expect(nightlyText).not.toContain("SECRETSAS");
    const nightly = parse(nightlyText) as { metadata: { name: string }; spec: Record<string, unknown> };
    expect(nightly.metadata.name).toBe("nightly");
    expect(nightly.spec).toMatchObject({
      // The job's pool is the exported BatchPool; a pool not exported is named by its Batch id.
      poolRef: { name: "legacy-render" },
      priority: 5,
      constraints: { maxTaskRetryCount: 2 },
      metadata: [{ name: "team", value: "render" }],
      deletionPolicy: "Orphan",
      adopt: { jobId: "Nightly" },
      tasks: [
        {
          id: "frame-1",
          commandLine: "render 1",
          environmentSettings: [{ name: "QUALITY", value: "high" }],
          resourceFiles: [{ httpUrl: "https://acct.blob.core.windows.net/in/scene.blend", filePath: "scene.blend" }],
        },
        { id: "frame-2", commandLine: "render 2", constraints: { maxTaskRetryCount: 1 } },
      ],
    });
    expect(parse(await readFile(join(dir, "job-side.yaml"), "utf8"))).toMatchObject({
      spec: { poolId: "with-start-task", adopt: { jobId: "side" } },
    });

    out = [];
    expect(await main(["validate", dir, "--auth", "shared-key"])).toBe(0);
    emulator.observe(({ operationId, status }) => {
      if (!/_(List|Get|GetTaskCounts)$/.test(operationId) && status !== "dropped" && status < 300) writes.push(operationId);
    });
    out = [];
    const planFile = join(root, "plan.json");
    const planned = await main(["plan", dir, ...account(), "--out", planFile]);
    const text = out.join("\n");
    expect(planned, text).toBe(0);
    expect(text.match(/^\s+= adopt (pool|job) \S+: stamp ownership metadata/gm)).toHaveLength(5);
    expect(text).toContain("No changes. Batch matches the manifests. 5 to adopt (ownership metadata only, not a change).");
    expect(writes).toEqual([]);

    // Applying it takes them over: only the stamps are written, no task is added twice.
    out = [];
    expect(await main(["apply", planFile, ...account()]), out.join("\n")).toBe(0);
    expect(writes.sort()).toEqual(["Job_Patch", "Job_Patch", "Pool_Patch", "Pool_Patch", "Pool_Patch"]);
    expect((await client.task.list("Nightly")).map((t) => t.id).sort()).toEqual(["frame-1", "frame-2"]);
    out = [];
    expect(await main(["plan", dir, ...account()]), out.join("\n")).toBe(0);
    expect(out.join("\n")).toMatch(/No changes\. Batch matches the manifests\. 5 resource\(s\) in sync\./);
  });

  it("prints the manifests to stdout without --out-dir, and needs an account", async () => {
    await client.pool.add({ id: "one", vmSize: "standard_d2s_v3", virtualMachineConfiguration: VM, targetDedicatedNodes: 1 });
    expect(await main(["export", ...account()])).toBe(0);
    expect(out.join("\n")).toMatch(/kind: BatchPool\nmetadata:\n {2}name: one\n {2}namespace: default/);
    vi.stubEnv("BATCH_ACCOUNT_URL", "");
    expect(await main(["export"])).toBe(64);
  });
});
