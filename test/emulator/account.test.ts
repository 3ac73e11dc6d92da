import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startSdkHarness, type SdkHarness } from "./helpers/sdk.js";

let h: SdkHarness;
beforeEach(async () => {
  h = await startSdkHarness();
});
afterEach(async () => {
  expect(h.violations).toEqual([]);
  await h.close();
});

describe("Account_ListSupportedImages", () => {
  it("lists the HPC images and marks the retiring microsoft-azure-batch container images", async () => {
    const images = await h.client.account.listSupportedImages();
    const find = (publisher: string, offer: string, sku?: string) =>
      images.find(
        (i) =>
          i.imageReference.publisher === publisher &&
          i.imageReference.offer === offer &&
          (sku === undefined || i.imageReference.sku === sku),
      );
    expect(find("microsoft-dsvm", "ubuntu-hpc", "2204")).toMatchObject({ nodeAgentSKUId: "batch.node.ubuntu 22.04", osType: "linux" });
    expect(images.some((i) => i.imageReference.publisher === "almalinux" && (i.imageReference.offer ?? "").startsWith("8-hpc"))).toBe(true);
    expect(find("microsoft-azure-batch", "ubuntu-server-container")?.batchSupportEndOfLife).toBeInstanceOf(Date);
  });

  it("lists as the service recorded it, sorted by publisher, offer and sku, and creates pools from those images", async () => {
    const images = await h.client.account.listSupportedImages();
    const parts = (i: (typeof images)[number]) =>
      [i.imageReference.publisher, i.imageReference.offer, i.imageReference.sku].map((p) => (p ?? "").toLowerCase());
    const ordinal = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
    const byParts = (a: string[], b: string[]): number => a.map((p, k) => ordinal(p, b[k] ?? "")).find((c) => c !== 0) ?? 0;
    const urns = images.map((i) => parts(i).join(":"));
    expect(images.map(parts)).toEqual(images.map(parts).sort(byParts));
    expect(urns).toEqual(
      expect.arrayContaining(["canonical:ubuntuserver:18.04-lts", "microsoftwindowsserver:windowsserver:2012-r2-datacenter"]),
    );
    const bionic = images.find((i) => i.imageReference.offer === "ubuntuserver");
    expect(bionic?.batchSupportEndOfLife?.toISOString()).toBe("2023-05-30T00:00:00.000Z");
    // A recorded create (azure-batch-cli-extensions test_batch_extensions_live): 201 from the service then.
    await h.client.pool.add({
      id: "bionic",
      vmSize: "STANDARD_D1_V2",
      virtualMachineConfiguration: {
        imageReference: { publisher: "Canonical", offer: "UbuntuServer", sku: "18.04-LTS" },
        nodeAgentSKUId: "batch.node.ubuntu 18.04",
      },
      targetDedicatedNodes: 0,
    });
    expect((await h.client.pool.get("bionic")).vmSize).toBe("standard_d1_v2");
  });

  it("filters by osType and nodeAgentSKUId", async () => {
    const windows = await h.client.account.listSupportedImages({ accountListSupportedImagesOptions: { filter: "osType eq 'windows'" } });
    expect(windows.length).toBeGreaterThan(0);
    expect(windows.every((i) => i.osType === "windows")).toBe(true);
    const jammy = await h.client.account.listSupportedImages({
      accountListSupportedImagesOptions: { filter: "nodeAgentSKUId eq 'batch.node.ubuntu 22.04'" },
    });
    expect(jammy.every((i) => i.nodeAgentSKUId === "batch.node.ubuntu 22.04")).toBe(true);
  });
});

describe("Pool_ListUsageMetrics", () => {
  it("answers a new account's empty list, as recorded, and refuses a start time that is not a date", async () => {
    expect([...(await h.client.pool.listUsageMetrics())]).toEqual([]);
    const since = { poolListUsageMetricsOptions: { startTime: new Date("2026-01-01T00:00:00Z"), filter: "poolId eq 'p'" } };
    expect([...(await h.client.pool.listUsageMetrics(since))]).toEqual([]);
    const raw = await h.client.sendRequest({
      method: "GET",
      url: `${h.emulator.url}/poolusagemetrics?api-version=2022-10-01.16.0&starttime=yesterday`,
    });
    expect([raw.status, JSON.parse(raw.bodyAsText ?? "{}").code]).toEqual([400, "InvalidQueryParameterValue"]);
  });
});
