/**
 * The emulator serving several accounts at once: each its own store, and with portPerAccount its
 * own port (as each real account has its own host), reached by the unmodified SDKs.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Account, type RunningEmulator } from "../../emulator/index.js";
import { externalClientAvailable } from "../helpers/externalClient.js";

const west: Account = { name: "teamwest", key: Buffer.from("west key").toString("base64") };
const east: Account = { name: "teameast", key: Buffer.from("east key").toString("base64") };

const poolBody = (id: string) => ({
  id,
  vmSize: "standard_d2s_v3",
  virtualMachineConfiguration: {
    imageReference: { publisher: "microsoft-dsvm", offer: "ubuntu-hpc", sku: "2204" },
    nodeAgentSKUId: "batch.node.ubuntu 22.04",
  },
  targetDedicatedNodes: 0,
});

/** An unsigned Batch-audience token: the emulator checks audience and expiry, not signatures. */
function bearer(): string {
  const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${b64({ alg: "none", typ: "JWT" })}.${b64({ aud: "https://batch.core.windows.net/", exp: Math.floor(Date.now() / 1000) + 600 })}.`;
}

describe("several accounts, one port each", () => {
  let emulator: RunningEmulator;
  const client = (a: Account, url: string): BatchServiceClient => new BatchServiceClient(new BatchSharedKeyCredentials(a.name, a.key), url);
  const urlOf = (a: Account): string => emulator.accountUrls[a.name] ?? "";

  beforeAll(async () => {
    emulator = await startEmulator({ accounts: [west, east], portPerAccount: true });
  });
  afterAll(async () => {
    await emulator.close();
  });

  it("keeps each account's pools apart, each on its own port", async () => {
    expect(urlOf(west)).toBe(emulator.url);
    expect(urlOf(east)).not.toBe(urlOf(west));
    await client(west, urlOf(west)).pool.add(poolBody("render"));
    await client(east, urlOf(east)).pool.add(poolBody("encode"));
    expect((await client(west, urlOf(west)).pool.list()).map((p) => p.id)).toEqual(["render"]);
    expect((await client(east, urlOf(east)).pool.list()).map((p) => p.id)).toEqual(["encode"]);
    // Same id in both accounts: no conflict, they are different stores.
    await client(east, urlOf(east)).pool.add(poolBody("render"));
    expect((await client(east, urlOf(east)).pool.list()).map((p) => p.id).sort()).toEqual(["encode", "render"]);
  });

  it("a port answers only its account, as a real account's host does", async () => {
    const error = await client(west, urlOf(east))
      .pool.list()
      .then(
        () => undefined,
        (e: unknown) => e as { statusCode?: number; code?: string },
      );
    expect(error?.statusCode).toBe(403);
    expect(error?.code).toBe("AuthenticationFailed");
  });

  it("a bearer token addresses the account of the port it is sent to", async () => {
    const list = async (url: string): Promise<string[]> => {
      const response = await fetch(`${url}/pools?api-version=2022-10-01.16.0`, { headers: { authorization: `Bearer ${bearer()}` } });
      const body = (await response.json()) as { value: { id: string }[] };
      return body.value.map((p) => p.id).sort();
    };
    expect(await list(urlOf(west))).toEqual(["render"]);
    expect(await list(urlOf(east))).toEqual(["encode", "render"]);
  });

  const python = "/usr/bin/python3";
  const available = externalClientAvailable("the Python Batch SDK", python, ["-c", "import azure.batch"], "python3-azure");
  it.skipIf(!available)("the Python SDK lists each account's pools at its URL", async () => {
    const script = [
      "import sys",
      "from azure.batch import BatchServiceClient",
      "from azure.batch.batch_auth import SharedKeyCredentials",
      "url, name, key = sys.argv[1:4]",
      "print(sorted(p.id for p in BatchServiceClient(SharedKeyCredentials(name, key), batch_url=url).pool.list()))",
    ].join("\n");
    const { stdout } = await promisify(execFile)(python, ["-c", script, urlOf(east), east.name, east.key], { timeout: 60_000 });
    expect(stdout.trim()).toBe("['encode', 'render']");
  });
});
