import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BatchServiceClient, BatchSharedKeyCredentials, type BatchServiceModels } from "@azure/batch";
import { TokenCredentials, type ServiceClientCredentials } from "@azure/ms-rest-js";
import { makeTestToken } from "../../emulator/auth/bearer.js";
import { batchError, startSdkHarness, type SdkHarness } from "./helpers/sdk.js";
import { specErrors } from "./helpers/spec-schema.js";

let h: SdkHarness;
beforeEach(async () => {
  h = await startSdkHarness();
});
afterEach(async () => {
  expect(h.violations).toEqual([]);
  await h.close();
});

function clientWith(credentials: ServiceClientCredentials): BatchServiceClient {
  return new BatchServiceClient(credentials, h.emulator.url, { noRetryPolicy: true });
}

function bearer(claims: Record<string, unknown>): BatchServiceClient {
  return clientWith(new TokenCredentials(makeTestToken(claims)));
}

const inAnHour = (): number => Math.floor(Date.now() / 1000) + 3600;

/** The failure of a call whose error body must also match the spec's BatchError. */
async function refused(call: Promise<unknown>): Promise<{ status: number; code: string; detail?: string }> {
  const error = await batchError(call);
  expect(specErrors("Pool_List", error.status, { code: error.code, values: error.values })).toEqual([]);
  return { status: error.status, code: error.code, detail: error.values.find((v) => v.key === "AuthenticationErrorDetail")?.value };
}

const galleryPool: BatchServiceModels.PoolAddParameter = {
  id: "gallery",
  vmSize: "standard_d2s_v3",
  virtualMachineConfiguration: {
    imageReference: {
      virtualMachineImageId:
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/img/versions/1.0.0",
    },
    nodeAgentSKUId: "batch.node.ubuntu 22.04",
  },
};

describe("SharedKey", () => {
  it("accepts the account key, including on list pages with query parameters", async () => {
    expect(await h.client.pool.list({ poolListOptions: { filter: "state eq 'active'", select: "id", maxResults: 5 } })).toHaveLength(0);
  });

  it("refuses a wrong key and an unknown account with 403 AuthenticationFailed", async () => {
    const wrongKey = clientWith(new BatchSharedKeyCredentials(h.emulator.account.name, Buffer.from("not the key").toString("base64")));
    const wrong = await refused(wrongKey.pool.list());
    expect(wrong).toMatchObject({ status: 403, code: "AuthenticationFailed" });
    expect(wrong.detail).not.toContain(h.emulator.account.key);
    const unknown = clientWith(new BatchSharedKeyCredentials("otheraccount", h.emulator.account.key));
    expect(await refused(unknown.pool.list())).toMatchObject({ status: 403, code: "AuthenticationFailed" });
  });

  it("refuses a pool on a Compute Gallery image, as the service does with shared keys", async () => {
    const error = await refused(h.client.pool.add(galleryPool));
    expect(error).toMatchObject({ status: 403, code: "AuthenticationFailed" });
    expect(error.detail).toContain("SharedKey is not allowed");
  });
});

describe("Microsoft Entra ID bearer tokens (audience and expiry checked, signature not)", () => {
  it("accepts a token for the Batch audience, with or without the trailing slash", async () => {
    expect(await bearer({ aud: "https://batch.core.windows.net/", exp: inAnHour() }).pool.list()).toHaveLength(0);
    expect(await bearer({ aud: "https://batch.core.windows.net", exp: inAnHour() }).pool.list()).toHaveLength(0);
  });

  it("refuses a token for another audience, an expired token and a malformed one", async () => {
    const wrongAudience = await refused(bearer({ aud: "https://management.azure.com/", exp: inAnHour() }).pool.list());
    expect(wrongAudience).toMatchObject({ status: 403, code: "AuthenticationFailed" });
    expect(wrongAudience.detail).toContain("wrong audience");
    const expired = await refused(bearer({ aud: "https://batch.core.windows.net/", exp: Math.floor(Date.now() / 1000) - 60 }).pool.list());
    expect(expired).toMatchObject({ status: 403, code: "AuthenticationFailed" });
    expect(await refused(clientWith(new TokenCredentials("not-a-jwt")).pool.list())).toMatchObject({ status: 403 });
  });

  it("accepts a Compute Gallery pool when the request used a bearer token", async () => {
    const client = bearer({ aud: "https://batch.core.windows.net/", exp: inAnHour() });
    const added = await client.pool.add(galleryPool);
    expect(added._response.status).toBe(201);
    // Both credentials address the same (first) account.
    expect((await h.client.pool.get("gallery")).virtualMachineConfiguration?.imageReference.virtualMachineImageId).toContain(
      "/galleries/g/",
    );
  });

  it("refuses a managed image that is not from a gallery with InvalidPropertyValue", async () => {
    const client = bearer({ aud: "https://batch.core.windows.net/", exp: inAnHour() });
    const managed = {
      ...galleryPool,
      virtualMachineConfiguration: {
        ...galleryPool.virtualMachineConfiguration,
        imageReference: { virtualMachineImageId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/img" },
      },
    } as BatchServiceModels.PoolAddParameter;
    expect(await batchError(client.pool.add(managed))).toMatchObject({ status: 400, code: "InvalidPropertyValue" });
  });
});

describe("request headers", () => {
  it("echoes client-request-id only when asked, and always sends request-id", async () => {
    const echoed = await h.client.pool.list({
      poolListOptions: { clientRequestId: "9c4f7e2a-0000-4000-8000-000000000001", returnClientRequestId: true },
    });
    expect(echoed._response.headers.get("client-request-id")).toBe("9c4f7e2a-0000-4000-8000-000000000001");
    expect(echoed._response.headers.get("request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const silent = await h.client.pool.list({ poolListOptions: { clientRequestId: "9c4f7e2a-0000-4000-8000-000000000002" } });
    expect(silent._response.headers.get("client-request-id")).toBeUndefined();
  });
});

describe("the HTTP reason phrase", () => {
  it("carries an error's message, as the service's does (recorded: 409 'The specified pool already exists.')", async () => {
    const token = makeTestToken({ aud: "https://batch.core.windows.net/", exp: inAnHour() });
    const get = (path: string) =>
      fetch(`${h.emulator.url}${path}?api-version=2022-10-01.16.0`, { headers: { authorization: `Bearer ${token}` } });
    const missing = await get("/pools/nope");
    expect([missing.status, missing.statusText]).toEqual([404, "The specified pool does not exist."]);
    const listed = await get("/pools");
    expect([listed.status, listed.statusText]).toEqual([200, "OK"]);
  });
});
