import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { batchError, startSdkHarness, type SdkHarness } from "./helpers/sdk.js";

const poolSpec = {
  vmSize: "standard_d2s_v3",
  virtualMachineConfiguration: {
    imageReference: { publisher: "canonical", offer: "0001-com-ubuntu-server-jammy", sku: "22_04-lts", version: "latest" },
    nodeAgentSKUId: "batch.node.ubuntu 22.04",
  },
};

let h: SdkHarness;
beforeEach(async () => {
  h = await startSdkHarness();
  await h.client.pool.add({ id: "cond", ...poolSpec });
});
afterEach(async () => {
  expect(h.violations).toEqual([]);
  await h.close();
});

describe("conditional headers", () => {
  it("If-Match: a current ETag lets a write through, a stale one is 412 ConditionNotMet", async () => {
    const { eTag } = await h.client.pool.get("cond");
    const patched = await h.client.pool.patch("cond", { metadata: [{ name: "v", value: "1" }] }, { poolPatchOptions: { ifMatch: eTag } });
    expect(patched.eTag).not.toBe(eTag);
    const stale = h.client.pool.patch("cond", { metadata: [{ name: "v", value: "2" }] }, { poolPatchOptions: { ifMatch: eTag } });
    expect(await batchError(stale)).toMatchObject({ status: 412, code: "ConditionNotMet" });
    expect((await h.client.pool.get("cond")).metadata).toEqual([{ name: "v", value: "1" }]);
  });

  it("If-None-Match: a read of an unchanged entity is 304, a write is 412", async () => {
    const { eTag } = await h.client.pool.get("cond");
    // The SDK surfaces a 304 (which the spec does not declare) as an error carrying the status.
    expect((await batchError(h.client.pool.get("cond", { poolGetOptions: { ifNoneMatch: eTag } }))).status).toBe(304);
    expect(await batchError(h.client.pool.deleteMethod("cond", { poolDeleteMethodOptions: { ifNoneMatch: eTag } }))).toMatchObject({
      status: 412,
    });
    expect((await h.client.pool.get("cond", { poolGetOptions: { ifNoneMatch: "0x8000000000000000" } })).id).toBe("cond");
  });

  it("If-Unmodified-Since / If-Modified-Since compare with Last-Modified at second precision", async () => {
    const { lastModified } = await h.client.pool.get("cond");
    const before = new Date((lastModified?.getTime() ?? 0) - 10_000);
    const resize = h.client.pool.resize("cond", { targetDedicatedNodes: 1 }, { poolResizeOptions: { ifUnmodifiedSince: before } });
    expect(await batchError(resize)).toMatchObject({ status: 412, code: "ConditionNotMet" });
    const later = new Date((lastModified?.getTime() ?? 0) + 10_000);
    expect((await batchError(h.client.pool.get("cond", { poolGetOptions: { ifModifiedSince: later } }))).status).toBe(304);
    expect((await h.client.pool.get("cond", { poolGetOptions: { ifModifiedSince: before } })).id).toBe("cond");
    await h.client.pool.resize("cond", { targetDedicatedNodes: 1 }, { poolResizeOptions: { ifUnmodifiedSince: later } });
  });

  it("Pool_Exists honours If-Match; conflicting condition pairs are 400", async () => {
    const { eTag } = await h.client.pool.get("cond");
    expect((await h.client.pool.exists("cond", { poolExistsOptions: { ifMatch: eTag } })).body).toBe(true);
    // A stale ETag is 412 ConditionNotMet; as on the service, a HEAD answer carries no body, only the status.
    const stale = await batchError(h.client.pool.exists("cond", { poolExistsOptions: { ifMatch: "0x8000000000000000" } }));
    expect(stale.status).toBe(412);
    const both = h.client.pool.get("cond", { poolGetOptions: { ifMatch: "*", ifNoneMatch: "*" } });
    expect(await batchError(both)).toMatchObject({ status: 400, code: "MultipleConditionHeadersNotSupported" });
  });
});
