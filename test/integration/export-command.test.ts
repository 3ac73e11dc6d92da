// export: pools created by another client (the raw @azure/batch SDK) become adopting BatchPool
// manifests; the round trip holds up to adoption: validate passes and plan on the exported
// directory plans only the one-time ownership stamp (metadata), nothing else.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { parse } from "yaml";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../controller/cli/main.js";
import { devAccount, startEmulator, type RunningEmulator } from "../../emulator/index.js";

const VM = { imageReference: { publisher: "microsoft-dsvm", offer: "ubuntu-hpc", sku: "2204", version: "latest" }, nodeAgentSKUId: "batch.node.ubuntu 22.04" };

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

  it("round-trips pools made by another client: export, then plan changes nothing but the ownership stamp", async () => {
    await client.pool.add({ id: "Legacy_Render", vmSize: "STANDARD_D2S_V3", virtualMachineConfiguration: VM, targetDedicatedNodes: 2, metadata: [{ name: "team", value: "render" }] });
    await client.pool.add({ id: "elastic", vmSize: "standard_d2s_v3", virtualMachineConfiguration: VM, enableAutoScale: true, autoScaleFormula: "$TargetDedicatedNodes = 1;", autoScaleEvaluationInterval: "PT10M" });
    await client.pool.add({
      id: "containers",
      vmSize: "standard_d2s_v3",
      // The 2022-10-01 API's container type; @azure/batch 10.2's typings predate the field.
      virtualMachineConfiguration: { ...VM, containerConfiguration: { type: "dockerCompatible", containerImageNames: ["myregistry.azurecr.io/app:1"], containerRegistries: [{ registryServer: "myregistry.azurecr.io", userName: "puller", password: "hunter2-registry-password" }] } as unknown as { containerImageNames: string[] } },
      targetDedicatedNodes: 0,
    });
    await client.pool.add({ id: "with-start-task", vmSize: "standard_d2s_v3", virtualMachineConfiguration: VM, targetDedicatedNodes: 0, startTask: { commandLine: "echo hi" } });
    const dir = join(root, "exported");

    expect(await main(["import", ...account(), "--out-dir", dir])).toBe(0);
    expect(out.join("\n")).toContain("skipped pool with-start-task: has a start task");
    expect((await readdir(dir)).sort()).toEqual(["containers.yaml", "elastic.yaml", "legacy-render.yaml"]);
    const legacy = parse(await readFile(join(dir, "legacy-render.yaml"), "utf8")) as { metadata: { name: string }; spec: Record<string, unknown> };
    expect(legacy.metadata.name).toBe("legacy-render");
    expect(legacy.spec).toMatchObject({ adopt: { poolId: "Legacy_Render" }, deletionPolicy: "Orphan", scale: { fixed: { targetDedicatedNodes: 2 } }, metadata: [{ name: "team", value: "render" }] });
    const containers = await readFile(join(dir, "containers.yaml"), "utf8");
    expect(containers).toContain("passwordSecretRef:");
    expect(containers).not.toContain("hunter2");

    out = [];
    expect(await main(["validate", dir, "--auth", "shared-key"])).toBe(0);
    emulator.observe(({ operationId, status }) => {
      if (!/_(List|Get|GetTaskCounts)$/.test(operationId) && status !== "dropped" && status < 300) writes.push(operationId);
    });
    out = [];
    // Adoption stamps the ownership metadata once (docs/ownership-and-drift.md): that is the only
    // change planned; nothing is created, resized or deleted, and plan itself writes nothing.
    const planned = await main(["plan", dir, ...account()]);
    const text = out.join("\n");
    expect(planned, text).toBe(2);
    expect(text.match(/OutOfSync \(taking ownership \(adopted or unstamped pool\)\)/g)).toHaveLength(3);
    expect(text.split("\n").filter((l) => /^ {2}[+~-] /.test(l)).every((l) => l.includes("manifest changed: metadata"))).toBe(true);
    expect(text).toContain("Plan: 0 to create, 3 to change, 0 to delete.");
    expect(writes).toEqual([]);
  });

  it("prints the manifests to stdout without --out-dir, and needs an account", async () => {
    await client.pool.add({ id: "one", vmSize: "standard_d2s_v3", virtualMachineConfiguration: VM, targetDedicatedNodes: 1 });
    expect(await main(["export", ...account()])).toBe(0);
    expect(out.join("\n")).toMatch(/kind: BatchPool\nmetadata:\n {2}name: one\n {2}namespace: default/);
    vi.stubEnv("BATCH_ACCOUNT_URL", "");
    expect(await main(["export"])).toBe(64);
  });
});
