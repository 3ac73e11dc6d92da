/**
 * `--execute local` with blob storage (Azurite): resource files from a container (storageContainerUrl +
 * blobPrefix) and output files uploaded per uploadCondition and file pattern, through the unmodified SDK.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../emulator/index.js";
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite, type Azurite } from "../helpers/azurite.js";

let emulator: RunningEmulator;
let azurite: Azurite;
let client: BatchServiceClient;
let workDir: string;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "emulocal-blobs-"));
  azurite = await startAzurite();
  // The account's auto-storage account is Azurite (as a linked storage account would be on Azure).
  const autoStorage = `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${azurite.blobUrl};`;
  emulator = await startEmulator({
    port: 0,
    execute: "local",
    workDir,
    autoStorage,
    timing: { nodeCreatingMs: 10, nodeStartingMs: 10, taskPreparingMs: 0 },
  });
  client = new BatchServiceClient(new BatchSharedKeyCredentials(emulator.account.name, emulator.account.key), emulator.url);
}, 60_000);

afterAll(async () => {
  await emulator.close();
  await azurite.stop();
  rmSync(workDir, { recursive: true, force: true });
});

it("downloads a container's blobs under a prefix, and uploads output files by pattern and condition", async () => {
  const input = azurite.service.getContainerClient("media-in");
  await input.create();
  await input.getBlockBlobClient("inputs/a.txt").upload("A\n", 2);
  await input.getBlockBlobClient("inputs/sub/b.txt").upload("B\n", 2);
  await input.getBlockBlobClient("other/c.txt").upload("C\n", 2);
  await azurite.service.getContainerClient("media-out").create();
  const out = azurite.containerSasUrl("media-out");
  await client.pool.add({
    id: "p",
    vmSize: "standard_d2s_v3",
    virtualMachineConfiguration: {
      imageReference: { publisher: "canonical", offer: "0001-com-ubuntu-server-jammy", sku: "22_04-lts" },
      nodeAgentSKUId: "batch.node.ubuntu 22.04",
    },
    targetDedicatedNodes: 1,
  });
  await client.job.add({ id: "j", poolInfo: { poolId: "p" } });
  await client.task.add("j", {
    id: "t",
    commandLine:
      "/bin/sh -c 'cat inputs/a.txt inputs/sub/b.txt > result.txt; ls other 2>/dev/null; mkdir -p logs/deep; echo x > logs/one.log; echo y > logs/deep/two.log'",
    resourceFiles: [{ storageContainerUrl: azurite.containerSasUrl("media-in"), blobPrefix: "inputs/" }],
    outputFiles: [
      {
        filePattern: "result.txt",
        destination: { container: { containerUrl: out, path: "results/r.txt" } },
        uploadOptions: { uploadCondition: "tasksuccess" },
      },
      {
        filePattern: "logs/**/*.log",
        destination: { container: { containerUrl: out, path: "logs" } },
        uploadOptions: { uploadCondition: "taskcompletion" },
      },
      {
        filePattern: "result.txt",
        destination: { container: { containerUrl: out, path: "never.txt" } },
        uploadOptions: { uploadCondition: "taskfailure" },
      },
    ],
  });
  for (let i = 0; i < 1200 && (await client.task.get("j", "t")).state !== "completed"; i++) await new Promise((r) => setTimeout(r, 50));
  expect((await client.task.get("j", "t")).executionInfo).toMatchObject({ exitCode: 0, result: "success" });
  const names: string[] = [];
  for await (const blob of azurite.service.getContainerClient("media-out").listBlobsFlat()) names.push(blob.name);
  expect(names.sort()).toEqual(["logs/deep/two.log", "logs/one.log", "results/r.txt"]);
  const result = await azurite.service.getContainerClient("media-out").getBlockBlobClient("results/r.txt").downloadToBuffer();
  expect(result.toString()).toBe("A\nB\n");
}, 120_000);

it("downloads autoStorageContainerName resource files from the account's auto-storage account", async () => {
  const linked = azurite.service.getContainerClient("linked");
  await linked.create();
  await linked.getBlockBlobClient("config/settings.txt").upload("from auto-storage\n", 18);
  await linked.getBlockBlobClient("other.txt").upload("no\n", 3);
  await client.task.add("j", {
    id: "auto",
    commandLine: "/bin/sh -c 'cat input/config/settings.txt; ls input'",
    resourceFiles: [{ autoStorageContainerName: "linked", blobPrefix: "config/", filePath: "input" }],
  });
  for (let i = 0; i < 1200 && (await client.task.get("j", "auto")).state !== "completed"; i++) await new Promise((r) => setTimeout(r, 50));
  expect((await client.task.get("j", "auto")).executionInfo).toMatchObject({ exitCode: 0, result: "success" });
  const stdout = await client.file.getFromTask("j", "auto", "stdout.txt");
  const chunks: Buffer[] = [];
  for await (const chunk of stdout.readableStreamBody ?? []) chunks.push(Buffer.from(chunk as Buffer));
  expect(Buffer.concat(chunks).toString()).toBe("from auto-storage\nconfig\n");
  await client.task.add("j", { id: "missing-container", commandLine: "/bin/true", resourceFiles: [{ autoStorageContainerName: "nope" }] });
  for (let i = 0; i < 1200 && (await client.task.get("j", "missing-container")).state !== "completed"; i++)
    await new Promise((r) => setTimeout(r, 50));
  expect((await client.task.get("j", "missing-container")).executionInfo?.failureInfo?.code).toBe("ResourceFileDownloadFailed");
}, 120_000);
