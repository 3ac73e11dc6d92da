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
    const find = (publisher: string, offer: string) =>
      images.find((i) => i.imageReference.publisher === publisher && i.imageReference.offer === offer);
    expect(find("microsoft-dsvm", "ubuntu-hpc")).toMatchObject({ nodeAgentSKUId: "batch.node.ubuntu 22.04", osType: "linux" });
    expect(images.some((i) => i.imageReference.publisher === "almalinux" && (i.imageReference.offer ?? "").startsWith("8-hpc"))).toBe(true);
    expect(find("microsoft-azure-batch", "ubuntu-server-container")?.batchSupportEndOfLife).toBeInstanceOf(Date);
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
