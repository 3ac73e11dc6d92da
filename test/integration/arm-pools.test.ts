/**
 * Pools with a managed identity go through Resource Manager (@azure/arm-batch against the emulator's
 * ARM over HTTPS); mounts without one go through the data plane. In-process engine (harness), plus
 * the done-when: `run --once` as a child process with DefaultAzureCredential (managed identity),
 * --arm-resource-id/--arm-endpoint and NODE_EXTRA_CA_CERTS, read back with @azure/batch and with
 * Debian's azure-mgmt-batch.
 */
import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { afterEach, describe, expect, it } from "vitest";
import { isOwnedBy } from "../../controller/core/ownership.js";
import { devCertificate } from "../../emulator/http/dev-cert.js";
import { makeTestToken } from "../../emulator/auth/bearer.js";
import { startEmulator } from "../../emulator/index.js";
import { externalClientAvailable } from "../helpers/externalClient.js";
import { conditionOf, isReady, poolResource, startHarness, type Harness } from "./harness.js";

const IDENTITY =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/batch-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/acr-pull";
const KEY = "BatchPool/default/acr";
const acrSpec = {
  identity: { userAssignedIdentities: [{ resourceId: IDENTITY }] },
  containerConfiguration: {
    type: "dockerCompatible",
    containerImageNames: ["myregistry.azurecr.io/render:1.4"],
    containerRegistries: [{ registryServer: "myregistry.azurecr.io", identityResourceId: IDENTITY }],
  },
};
const mountSpec = {
  image: { marketplace: { publisher: "canonical", offer: "0001-com-ubuntu-server-jammy", sku: "22_04-lts" } },
  mountConfiguration: [
    {
      azureBlobFileSystem: {
        accountName: "media",
        containerName: "input",
        relativeMountPath: "input",
        accountKeySecretRef: { name: "media-storage", key: "account-key" },
      },
    },
    { nfs: { source: "10.0.0.4:/exports/data", relativeMountPath: "data", mountOptions: "-o ro" } },
  ],
};

describe("pools through Resource Manager (harness)", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it("creates, updates in place, and deletes an identity pool through ARM; the data plane sees its identity", async () => {
    h = await startHarness({ arm: true });
    h.source.set(poolResource("acr", acrSpec));
    h.start();
    await h.waitForStatus(KEY, isReady, 30_000);
    const [pool] = (await h.batch.listPools()).filter((p) => isOwnedBy(p.metadata, KEY));
    expect(pool?.identityResourceIds).toEqual([IDENTITY]);
    expect(h.recorded.calls.get("arm.pool.create")).toBe(1);
    expect(h.recorded.calls.get("pool.add")).toBeUndefined();

    // Metadata and scale are changed in place, through ARM (PATCH), not through the data plane.
    h.source.edit(KEY, (spec: Record<string, unknown>) => ({
      ...spec,
      scale: { fixed: { targetDedicatedNodes: 2 } },
      metadata: [{ name: "team", value: "render" }],
    }));
    await h.waitForStatus(KEY, (s) => isReady(s) && s.pool?.targetDedicatedNodes === 2, 30_000);
    const after = await h.batch.getPool(pool?.id ?? "");
    expect(after?.metadata.team).toBe("render");
    expect(h.recorded.calls.get("arm.pool.resize")).toBeGreaterThanOrEqual(1);
    expect(h.recorded.calls.get("arm.pool.update")).toBeGreaterThanOrEqual(1);
    expect(h.recorded.calls.get("pool.resize")).toBeUndefined();
    expect(h.recorded.calls.get("pool.patch")).toBeUndefined();

    h.source.remove(KEY);
    await expect.poll(async () => (await h?.batch.getPool(pool?.id ?? "")) === undefined, { timeout: 30_000, interval: 50 }).toBe(true);
    expect(h.recorded.calls.get("arm.pool.delete")).toBeGreaterThanOrEqual(1);
    expect(h.recorded.calls.get("pool.delete")).toBeUndefined();
  });

  it("round-trips a mount pool through the data plane, the storage key resolved from its secret and never returned", async () => {
    h = await startHarness({ arm: true });
    h.source.set(poolResource("mounts", mountSpec));
    h.start();
    await h.waitForStatus("BatchPool/default/mounts", isReady, 30_000);
    const client = new BatchServiceClient(new BatchSharedKeyCredentials(h.emulator.account.name, h.emulator.account.key), h.emulator.url);
    const [pool] = (await client.pool.list()).filter((p) => p.metadata?.some((m) => m.value === "BatchPool/default/mounts"));
    expect(pool?.mountConfiguration).toEqual([
      { azureBlobFileSystemConfiguration: { accountName: "media", containerName: "input", relativeMountPath: "input" } },
      { nfsMountConfiguration: { source: "10.0.0.4:/exports/data", relativeMountPath: "data", mountOptions: "-o ro" } },
    ]);
    expect(JSON.stringify(pool)).not.toContain("test-secret-value");
    expect(h.recorded.calls.get("pool.add")).toBe(1);
    expect(h.recorded.calls.get("arm.pool.create")).toBeUndefined();
    // The key did reach Batch (the emulator stores what it was sent; it only never returns it).
    const stored = h.emulator.state.defaultAccount.slot((await import("../../emulator/store/pool-store.js")).poolsSlot).get(pool?.id ?? "");
    expect(JSON.stringify(stored?.spec.mountConfiguration)).toContain('"accountKey":"test-secret-value"');
  });

  it("without an ARM resource id, an identity pool stalls with ArmResourceIdMissing and nothing is written", async () => {
    h = await startHarness();
    h.source.set(poolResource("acr", acrSpec));
    h.start();
    await h.waitForStatus(KEY, (s) => conditionOf(s, "Stalled")?.status === "True", 30_000);
    expect(conditionOf(h.recorded.statuses.get(KEY), "Ready")).toMatchObject({ status: "False", reason: "ArmResourceIdMissing" });
    expect(conditionOf(h.recorded.statuses.get(KEY), "Ready")?.message).toContain("--arm-resource-id");
    expect(await h.batch.listPools()).toEqual([]);
  });
});

const BIN = fileURLToPath(new URL("../../bin/batch-gitops.js", import.meta.url));
const PY_SCRIPT = fileURLToPath(new URL("../emulator/python/arm_pool.py", import.meta.url));
const pythonAvailable = externalClientAvailable("azure-mgmt-batch", "/usr/bin/python3", ["-c", "import azure.mgmt.batch"], "python3-azure");

const acrManifest = `apiVersion: azurebatch.gitops.dev/v1alpha1
kind: BatchPool
metadata:
  name: acr
spec:
  vmSize: standard_d2s_v3
  image:
    marketplace: { publisher: microsoft-dsvm, offer: ubuntu-hpc, sku: "2204" }
  nodeAgentSkuId: batch.node.ubuntu 22.04
  identity:
    userAssignedIdentities:
      - resourceId: ${IDENTITY}
  containerConfiguration:
    type: dockerCompatible
    containerImageNames: [myregistry.azurecr.io/render:1.4]
    containerRegistries:
      - registryServer: myregistry.azurecr.io
        identityResourceId: ${IDENTITY}
  scale:
    fixed: { targetDedicatedNodes: 1 }
`;

describe("run --once with --arm-resource-id (child process, managed identity, dev certificate)", () => {
  let identity: Server | undefined;
  afterEach(async () => {
    if (identity !== undefined) await new Promise((resolve) => identity?.close(resolve));
  });

  it(
    "creates the identity pool via ARM; @azure/batch reads it with its identity; azure-mgmt-batch sees the ARM shape",
    { timeout: 180_000 },
    async () => {
      const root = await mkdtemp(join(tmpdir(), "arm-run-"));
      const cert = await devCertificate(join(root, "tls"));
      const emulator = await startEmulator({ port: 0, timingPreset: "fast", tls: { cert: cert.cert, key: cert.key } });
      const audiences: string[] = [];
      // A managed-identity endpoint (App Service protocol) issuing unsigned tokens for whatever resource is asked.
      identity = createServer((req, res) => {
        const resource = new URL(req.url ?? "/", "http://127.0.0.1").searchParams.get("resource") ?? "";
        audiences.push(resource);
        const exp = Math.floor(Date.now() / 1000) + 3600;
        const aud = resource.endsWith("/") ? resource : `${resource}/`;
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ access_token: makeTestToken({ aud, exp }), expires_on: String(exp), resource, token_type: "Bearer" }));
      });
      await new Promise<void>((resolve) => identity?.listen(0, "127.0.0.1", resolve));
      try {
        await mkdir(join(root, "manifests"));
        await writeFile(join(root, "manifests", "acr.yaml"), acrManifest);
        const armId = `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/batch-rg/providers/Microsoft.Batch/batchAccounts/${emulator.account.name}`;
        const env: NodeJS.ProcessEnv = {
          PATH: process.env.PATH,
          HOME: root,
          IDENTITY_ENDPOINT: `http://127.0.0.1:${(identity.address() as AddressInfo).port}/msi/token`,
          IDENTITY_HEADER: "header",
          BATCH_ACCOUNT_URL: emulator.url,
          BATCH_ARM_RESOURCE_ID: armId,
          NODE_EXTRA_CA_CERTS: cert.certPath,
        };
        const stateDir = join(root, "state");
        const args = [
          BIN,
          "run",
          "--once",
          "--dir",
          join(root, "manifests"),
          "--state-dir",
          stateDir,
          "--arm-endpoint",
          emulator.httpsUrl ?? "",
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
        await promisify(execFile)(process.execPath, args, { env, timeout: 150_000 }).catch((error: unknown) => {
          const failed = error as { stdout?: string; stderr?: string; message: string };
          throw new Error(`run --once failed: ${failed.message}\n${failed.stderr ?? ""}\n${failed.stdout ?? ""}`);
        });
        expect(audiences.some((a) => /^https:\/\/management\.azure\.com\/?$/.test(a))).toBe(true);

        const client = new BatchServiceClient(new BatchSharedKeyCredentials(emulator.account.name, emulator.account.key), emulator.url);
        const [pool] = await client.pool.list();
        expect(pool?.identity).toMatchObject({ type: "UserAssigned", userAssignedIdentities: [{ resourceId: IDENTITY }] });
        expect(pool?.virtualMachineConfiguration?.containerConfiguration?.containerRegistries?.[0]?.identityReference?.resourceId).toBe(
          IDENTITY,
        );
        expect(pool?.metadata?.find((m) => m.name === "batch-gitops/owner")?.value).toBe(KEY);
        const status = JSON.parse(await readFile(join(stateDir, "status.json"), "utf8")) as {
          resources: { status: { conditions: { type: string; status: string }[] } }[];
        };
        expect(status.resources[0]?.status.conditions.find((c) => c.type === "Ready")?.status).toBe("True");

        if (pythonAvailable) {
          const { stdout } = await promisify(execFile)(
            "/usr/bin/python3",
            [
              PY_SCRIPT,
              emulator.httpsUrl ?? "",
              "00000000-0000-0000-0000-000000000000",
              "batch-rg",
              emulator.account.name,
              pool?.id ?? "",
              IDENTITY,
            ],
            {
              timeout: 60_000,
              env: { ...process.env, REQUESTS_CA_BUNDLE: cert.certPath },
            },
          );
          expect(JSON.parse(stdout)).toMatchObject({
            name: pool?.id,
            type: "Microsoft.Batch/batchAccounts/pools",
            provisioningState: "Succeeded",
            identityType: "UserAssigned",
            identities: [IDENTITY],
            registryIdentity: IDENTITY,
          });
        }
      } finally {
        await emulator.close();
        await rm(root, { recursive: true, force: true });
      }
    },
  );
});
