/**
 * `run --auth entra` with the real DefaultAzureCredential from @azure/identity, as in AKS or App
 * Service: the token comes from a managed-identity endpoint, here a local one speaking the App
 * Service protocol (IDENTITY_ENDPOINT + IDENTITY_HEADER), and the controller is a child process so
 * the credential reads its environment as it would in a pod. A Compute Gallery pool, which Batch
 * refuses under shared-key auth, must be created.
 */
import { execFile } from "node:child_process";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devAccount, startEmulator, type RunningEmulator } from "../../emulator/index.js";

const BIN = fileURLToPath(new URL("../../bin/batch-gitops.js", import.meta.url));
const IDENTITY_HEADER = "local-identity-header-value";
const execFileAsync = promisify(execFile);

const galleryPool = `apiVersion: azurebatch.gitops.dev/v1alpha1
kind: BatchPool
metadata:
  name: gallery
spec:
  vmSize: standard_d2s_v3
  image:
    virtualMachineImageId: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/render/versions/1.0.0
  nodeAgentSkuId: batch.node.ubuntu 22.04
  scale:
    fixed: { targetDedicatedNodes: 1 }
`;

/** An unsigned JWT for the Batch audience: the emulator checks audience and expiry, not signatures. */
function batchToken(): { token: string; expiresOn: number } {
  const expiresOn = Math.floor(Date.now() / 1000) + 3600;
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString("base64url");
  return {
    token: `${part({ alg: "none", typ: "JWT" })}.${part({ aud: "https://batch.core.windows.net/", exp: expiresOn, oid: "local" })}.`,
    expiresOn,
  };
}

interface TokenRequest {
  readonly resource: string | null;
  readonly header: string | undefined;
}

describe("run --auth entra through DefaultAzureCredential (managed identity)", () => {
  let emulator: RunningEmulator;
  let identity: Server;
  let identityUrl: string;
  let root: string;
  const tokenRequests: TokenRequest[] = [];
  const issued = batchToken();

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, timingPreset: "fast" });
    identity = createServer((req: IncomingMessage, res) => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const header = req.headers["x-identity-header"];
      tokenRequests.push({ resource: url.searchParams.get("resource"), header: Array.isArray(header) ? header[0] : header });
      if (header !== IDENTITY_HEADER) {
        res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ error: "unauthorized" }));
        return;
      }
      const body = {
        access_token: issued.token,
        expires_on: String(issued.expiresOn),
        resource: url.searchParams.get("resource"),
        token_type: "Bearer",
      };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => identity.listen(0, "127.0.0.1", resolve));
    identityUrl = `http://127.0.0.1:${(identity.address() as AddressInfo).port}/msi/token`;
    root = await mkdtemp(join(tmpdir(), "entra-auth-"));
    await mkdir(join(root, "manifests"));
    await writeFile(join(root, "manifests", "gallery.yaml"), galleryPool);
  });

  afterAll(async () => {
    await new Promise((resolve) => identity.close(resolve));
    await emulator.close();
    await rm(root, { recursive: true, force: true });
  });

  it("gets a Batch-scoped token from the identity endpoint and creates the gallery pool with it", { timeout: 120_000 }, async () => {
    const stateDir = join(root, "state");
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: root,
      IDENTITY_ENDPOINT: identityUrl,
      IDENTITY_HEADER,
      BATCH_ACCOUNT_URL: emulator.url,
    };
    const args = [
      BIN,
      "run",
      "--once",
      "--dir",
      join(root, "manifests"),
      "--state-dir",
      stateDir,
      "--auth",
      "entra",
      "--http-addr",
      "off",
      "--view",
      "off",
      "--log-format",
      "json",
      // The emulator's fast timing settles in well under a second: look again that often, not every 5 s.
      "--poll-interval",
      "250ms",
    ];
    const { stdout, stderr } = await execFileAsync(process.execPath, args, { env, timeout: 100_000 }).catch((error: unknown) => {
      const failed = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(`run --once failed: ${failed.message}\n${failed.stderr ?? ""}\n${failed.stdout ?? ""}`);
    });

    // The token was asked for the Batch resource with the identity header, as App Service expects.
    expect(tokenRequests.length).toBeGreaterThan(0);
    expect(tokenRequests.every((r) => r.header === IDENTITY_HEADER)).toBe(true);
    expect(tokenRequests[0]?.resource).toMatch(/^https:\/\/batch\.core\.windows\.net\/?$/);

    const client = new BatchServiceClient(new BatchSharedKeyCredentials(devAccount.name, devAccount.key), emulator.url);
    const pools = await client.pool.list();
    expect(pools.map((p) => p.virtualMachineConfiguration?.imageReference?.virtualMachineImageId)).toEqual([
      "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/render/versions/1.0.0",
    ]);
    const status = JSON.parse(await readFile(join(stateDir, "status.json"), "utf8")) as {
      resources: { key: string; status: { conditions: { type: string; status: string }[] } }[];
    };
    expect(status.resources[0]?.status.conditions.find((c) => c.type === "Stalled")?.status ?? "False").toBe("False");

    // The bearer token is a secret: not in the logs, not in the status file.
    expect(`${stdout}${stderr}`).not.toContain(issued.token);
    expect(JSON.stringify(status)).not.toContain(issued.token);
  });
});
