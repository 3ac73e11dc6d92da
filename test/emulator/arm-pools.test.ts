/**
 * The emulator's Resource Manager pools (emulator/arm/) over HTTPS with its dev certificate, through two
 * independent clients: @azure/arm-batch 9.1.0 (api 2023-11-01) and Debian's azure-mgmt-batch 17.0.0
 * (api 2022-10-01); what ARM writes is read back on the data plane through @azure/batch.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { BatchManagementClient, type Pool } from "@azure/arm-batch";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import type { TokenCredential } from "@azure/core-auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../emulator/index.js";
import { devCertificate, type DevCertificate } from "../../emulator/http/dev-cert.js";
import { makeTestToken } from "../../emulator/auth/bearer.js";
import { externalClientAvailable } from "../helpers/externalClient.js";

const python = "/usr/bin/python3";
const script = fileURLToPath(new URL("./python/arm_pool.py", import.meta.url));
const pythonAvailable = externalClientAvailable("azure-mgmt-batch", python, ["-c", "import azure.mgmt.batch"], "python3-azure");
const SUB = "00000000-0000-0000-0000-000000000001";
const RG = "batch-rg";
const IDENTITY = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/acr-pull`;

function tokenFor(audience: string): TokenCredential {
  return {
    getToken: () =>
      Promise.resolve({
        token: makeTestToken({ aud: audience, exp: Math.floor(Date.now() / 1000) + 3600 }),
        expiresOnTimestamp: Date.now() + 3_600_000,
      }),
  };
}

function acrPool(metadata: Record<string, string>): Pool {
  return {
    identity: { type: "UserAssigned", userAssignedIdentities: { [IDENTITY]: {} } },
    vmSize: "STANDARD_D2S_V3",
    deploymentConfiguration: {
      virtualMachineConfiguration: {
        imageReference: { publisher: "microsoft-dsvm", offer: "ubuntu-hpc", sku: "2204" },
        nodeAgentSkuId: "batch.node.ubuntu 22.04",
        containerConfiguration: {
          type: "DockerCompatible",
          containerImageNames: ["myregistry.azurecr.io/render:1.4"],
          containerRegistries: [{ registryServer: "myregistry.azurecr.io", identityReference: { resourceId: IDENTITY } }],
        },
      },
    },
    scaleSettings: { fixedScale: { targetDedicatedNodes: 2 } },
    metadata: Object.entries(metadata).map(([name, value]) => ({ name, value })),
  };
}

let emulator: RunningEmulator;
let cert: DevCertificate;
let certDir: string;
let arm: BatchManagementClient;
let data: BatchServiceClient;

beforeAll(async () => {
  certDir = await mkdtemp(join(tmpdir(), "emulator-tls-"));
  cert = await devCertificate(certDir);
  emulator = await startEmulator({ port: 0, tls: { cert: cert.cert, key: cert.key } });
  const endpoint = emulator.httpsUrl ?? "";
  arm = new BatchManagementClient(tokenFor("https://management.azure.com/"), SUB, { endpoint, tlsOptions: { ca: cert.cert } });
  data = new BatchServiceClient(new BatchSharedKeyCredentials(emulator.account.name, emulator.account.key), emulator.url);
});

afterAll(async () => {
  await emulator.close();
  await rm(certDir, { recursive: true, force: true });
});

describe("Resource Manager pools in the emulator", () => {
  it("creates a pool with an identity through ARM; the data plane returns it with that identity", async () => {
    const created = await arm.poolOperations.create(
      RG,
      emulator.account.name,
      "acr-pool",
      acrPool({ "batch-gitops/owner": "BatchPool/default/acr" }),
    );
    expect(created.provisioningState).toBe("Succeeded");
    expect(created.id).toBe(
      `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Batch/batchAccounts/${emulator.account.name}/pools/acr-pool`,
    );
    expect(Object.keys(created.identity?.userAssignedIdentities ?? {})).toEqual([IDENTITY]);
    expect(created.identity?.userAssignedIdentities?.[IDENTITY]?.clientId).toMatch(/^[0-9a-f-]{36}$/);

    const onDataPlane = await data.pool.get("acr-pool");
    expect(onDataPlane.identity?.type).toBe("UserAssigned");
    expect(onDataPlane.identity?.userAssignedIdentities?.map((i) => i.resourceId)).toEqual([IDENTITY]);
    expect(onDataPlane.virtualMachineConfiguration?.nodeAgentSKUId).toBe("batch.node.ubuntu 22.04");
    expect(onDataPlane.virtualMachineConfiguration?.containerConfiguration?.containerRegistries?.[0]?.identityReference?.resourceId).toBe(
      IDENTITY,
    );
    expect(onDataPlane.targetDedicatedNodes).toBe(2);
    expect(onDataPlane.metadata).toEqual([{ name: "batch-gitops/owner", value: "BatchPool/default/acr" }]);
  });

  it("refuses a second create with If-None-Match: * (412), and an identity reference the pool does not have", async () => {
    await expect(arm.poolOperations.create(RG, emulator.account.name, "acr-pool", acrPool({}), { ifNoneMatch: "*" })).rejects.toMatchObject(
      { statusCode: 412 },
    );
    const stranger = acrPool({});
    const registries = stranger.deploymentConfiguration?.virtualMachineConfiguration?.containerConfiguration?.containerRegistries ?? [];
    registries[0] = { registryServer: "myregistry.azurecr.io", identityReference: { resourceId: IDENTITY.replace("acr-pull", "other") } };
    await expect(arm.poolOperations.create(RG, emulator.account.name, "stranger", stranger)).rejects.toMatchObject({
      statusCode: 400,
      code: "InvalidPropertyValue",
    });
  });

  it("updates in place with PATCH and If-Match, and refuses what Batch cannot change", async () => {
    // A resize is refused while the creation's allocation runs (409 PoolBeingResized): wait for steady.
    await expect.poll(async () => (await data.pool.get("acr-pool")).allocationState, { timeout: 30_000, interval: 50 }).toBe("steady");
    const before = await arm.poolOperations.get(RG, emulator.account.name, "acr-pool");
    const updated = await arm.poolOperations.update(
      RG,
      emulator.account.name,
      "acr-pool",
      {
        metadata: [
          { name: "batch-gitops/owner", value: "BatchPool/default/acr" },
          { name: "team", value: "render" },
        ],
        scaleSettings: { fixedScale: { targetDedicatedNodes: 3 } },
      },
      { ifMatch: before.etag ?? "" },
    );
    expect(updated.metadata?.map((m) => m.name)).toEqual(["batch-gitops/owner", "team"]);
    expect(updated.scaleSettings?.fixedScale?.targetDedicatedNodes).toBe(3);
    expect((await data.pool.get("acr-pool")).targetDedicatedNodes).toBe(3);
    await expect(
      arm.poolOperations.update(RG, emulator.account.name, "acr-pool", { metadata: [] }, { ifMatch: before.etag ?? "" }),
    ).rejects.toMatchObject({ statusCode: 412 });
    await expect(arm.poolOperations.update(RG, emulator.account.name, "acr-pool", { vmSize: "STANDARD_D4S_V3" })).rejects.toMatchObject({
      statusCode: 409,
    });
  });

  it("refuses tokens for another audience with ARM's error shape", async () => {
    const wrong = new BatchManagementClient(tokenFor("https://batch.core.windows.net/"), SUB, {
      endpoint: emulator.httpsUrl ?? "",
      tlsOptions: { ca: cert.cert },
    });
    await expect(wrong.poolOperations.get(RG, emulator.account.name, "acr-pool")).rejects.toMatchObject({
      statusCode: 401,
      code: "InvalidAuthenticationToken",
    });
  });

  it.skipIf(!pythonAvailable)(
    "azure-mgmt-batch (api 2022-10-01) reads the ARM shape, creates a mount pool, updates and deletes it",
    async () => {
      await arm.poolOperations.create(RG, emulator.account.name, "py-read", acrPool({ owner: "python" }));
      const { stdout } = await promisify(execFile)(
        python,
        [script, emulator.httpsUrl ?? "", SUB, RG, emulator.account.name, "py-read", IDENTITY],
        {
          timeout: 60_000,
          env: { ...process.env, REQUESTS_CA_BUNDLE: cert.certPath },
        },
      );
      const seen = JSON.parse(stdout) as Record<string, unknown>;
      expect(seen).toMatchObject({
        name: "py-read",
        type: "Microsoft.Batch/batchAccounts/pools",
        provisioningState: "Succeeded",
        identityType: "UserAssigned",
        identities: [IDENTITY],
        registryIdentity: IDENTITY,
        nodeAgentSkuId: "batch.node.ubuntu 22.04",
        metadata: { owner: "python" },
        createdState: "Succeeded",
        createdMount: "input",
        secondCreate: 412,
        updatedMetadata: { team: "media" },
        afterDelete: "PoolNotFound",
      });
      expect(seen.listed).toEqual(expect.arrayContaining(["acr-pool", "py-read"]));
    },
  );

  it("deletes asynchronously: 202, then the poller sees the pool gone", async () => {
    const poller = await arm.poolOperations.beginDelete(RG, emulator.account.name, "acr-pool", { updateIntervalInMs: 20 });
    await poller.pollUntilDone();
    await expect(data.pool.get("acr-pool")).rejects.toMatchObject({ statusCode: 404 });
    await expect(arm.poolOperations.get(RG, emulator.account.name, "acr-pool")).rejects.toMatchObject({ statusCode: 404 });
  });
});
