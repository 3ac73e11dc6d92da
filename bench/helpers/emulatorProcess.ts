/**
 * The emulator in its own process, so the controller under measurement and the service it talks to do not
 * share one event loop (as a real client and service would not), and the controller's RSS is its own.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { EmulatorControlClient, type CallCounts } from "../../emulator/control-client.js";

export interface EmulatorProcess {
  readonly url: string;
  readonly account: string;
  readonly key: string;
  readonly pid: number;
  readonly control: EmulatorControlClient;
  stop(): Promise<void>;
}

export async function startEmulatorProcess(): Promise<EmulatorProcess> {
  const entry = fileURLToPath(new URL("./emulatorServer.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", entry], { stdio: ["pipe", "pipe", "inherit"] });
  const info = await firstLine(child);
  if (child.pid === undefined) throw new Error("the emulator process has no pid");
  return { ...info, pid: child.pid, control: new EmulatorControlClient(info.url), stop: () => stopChild(child) };
}

async function firstLine(child: ChildProcess): Promise<{ url: string; account: string; key: string }> {
  if (child.stdout === null) throw new Error("the emulator process has no stdout");
  for await (const line of createInterface({ input: child.stdout })) {
    return JSON.parse(line) as { url: string; account: string; key: string };
  }
  throw new Error("the emulator process exited before listening");
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** Requests the emulator answered, by outcome: `ok` 2xx, `throttled` 429/503, `other` the rest (incl. dropped). */
export function tallyCalls(
  counts: CallCounts,
  only?: (operationId: string) => boolean,
): { total: number; ok: number; throttled: number; other: number } {
  const tally = { total: 0, ok: 0, throttled: 0, other: 0 };
  for (const [operation, byStatus] of Object.entries(counts)) {
    if (only !== undefined && !only(operation)) continue;
    for (const [status, n] of Object.entries(byStatus)) {
      tally.total += n;
      if (/^2\d\d$/.test(status)) tally.ok += n;
      else if (status === "429" || status === "503") tally.throttled += n;
      else tally.other += n;
    }
  }
  return tally;
}

/**
 * Job `jobId` on a pool with no nodes (`<jobId>-pool`), created through the SDK for a client other than our
 * engine (anchor, ceiling): its tasks stay active, so every one can be counted. Returns the SDK client.
 */
export async function sdkJobOnEmptyPool(emulator: EmulatorProcess, jobId: string): Promise<BatchServiceClient> {
  const client = new BatchServiceClient(new BatchSharedKeyCredentials(emulator.account, emulator.key), emulator.url);
  const image = { publisher: "canonical", offer: "0001-com-ubuntu-server-jammy", sku: "22_04-lts", version: "latest" };
  await client.pool.add({
    id: `${jobId}-pool`,
    vmSize: "standard_d2s_v3",
    virtualMachineConfiguration: { imageReference: image, nodeAgentSKUId: "batch.node.ubuntu 22.04" },
  });
  await client.job.add({ id: jobId, poolInfo: { poolId: `${jobId}-pool` } });
  return client;
}
