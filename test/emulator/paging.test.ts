import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startSdkHarness, type SdkHarness } from "./helpers/sdk.js";

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
});
afterEach(async () => {
  expect(h.violations).toEqual([]);
  await h.close();
});

describe("maxresults and odata.nextLink through the SDK's listNext", () => {
  it("walks every pool exactly once, in pages of maxresults, keeping the filter across pages", async () => {
    for (let i = 0; i < 25; i++)
      await h.client.pool.add({
        id: `pool-${String(i).padStart(2, "0")}`,
        ...poolSpec,
        vmSize: i % 2 === 0 ? "standard_d2s_v3" : "standard_d4s_v3",
      });
    const seen: string[] = [];
    const sizes: number[] = [];
    let page = await h.client.pool.list({ poolListOptions: { maxResults: 4, filter: "vmSize eq 'standard_d2s_v3'" } });
    for (;;) {
      sizes.push(page.length);
      seen.push(...page.map((p) => p.id ?? ""));
      if (page.odatanextLink === undefined) break;
      expect(page.odatanextLink).toContain("$skiptoken=");
      page = await h.client.pool.listNext(page.odatanextLink);
    }
    const expected = Array.from({ length: 13 }, (_, i) => `pool-${String(i * 2).padStart(2, "0")}`);
    expect(seen).toEqual(expected);
    expect(sizes).toEqual([4, 4, 4, 1]);
  });

  it("a page token stays valid when pools before it are deleted", async () => {
    for (let i = 0; i < 6; i++) await h.client.pool.add({ id: `p${i}`, ...poolSpec });
    const first = await h.client.pool.list({ poolListOptions: { maxResults: 3 } });
    await h.client.pool.deleteMethod("p0");
    h.advance(h.emulator.timing.poolDeletingMs);
    const second = await h.client.pool.listNext(first.odatanextLink ?? "");
    expect(second.map((p) => p.id)).toEqual(["p3", "p4", "p5"]);
  });

  it("refuses maxresults beyond the maximum and a forged token", async () => {
    const tooMany = await h.client.sendRequest({
      method: "GET",
      url: `${h.emulator.url}/pools?api-version=2022-10-01.16.0&maxresults=1001`,
    });
    expect(tooMany.status).toBe(400);
    expect(JSON.parse(tooMany.bodyAsText ?? "{}")).toMatchObject({ code: "OutOfRangeQueryParameterValue" });
    const forged = await h.client.sendRequest({
      method: "GET",
      url: `${h.emulator.url}/pools?api-version=2022-10-01.16.0&$skiptoken=garbage`,
    });
    expect(forged.status).toBe(400);
  });

  it("pages node counts by at most 10", async () => {
    for (let i = 0; i < 12; i++) await h.client.pool.add({ id: `nc${i}`, ...poolSpec });
    const first = await h.client.account.listPoolNodeCounts();
    expect(first).toHaveLength(10);
    const rest = await h.client.account.listPoolNodeCountsNext(first.odatanextLink ?? "");
    expect(rest.map((c) => c.poolId)).toEqual(["nc10", "nc11"]);
  });
});

describe("list order", () => {
  it("lists pools and jobs by id, whatever order they were created in, and pages through them by id", async () => {
    // As recorded from the service (azure-cli test_batch_pools_and_nodes, test_batch_job_list_cmd): pools created
    // paas, iaas, json are listed iaas, json, paas; xplatJob, created later, is listed before xplatJobB.
    for (const id of ["azure-cli-test-paas", "azure-cli-test-iaas", "Azure-CLI-test-json"]) await h.client.pool.add({ id, ...poolSpec });
    expect((await h.client.pool.list()).map((p) => p.id)).toEqual(["azure-cli-test-iaas", "Azure-CLI-test-json", "azure-cli-test-paas"]);
    for (const id of ["xplatJobB", "xplatJob", "a-first"]) await h.client.job.add({ id, poolInfo: { poolId: "azure-cli-test-iaas" } });
    const seen: string[] = [];
    let page = await h.client.job.list({ jobListOptions: { maxResults: 1 } });
    await h.client.job.deleteMethod("xplatJobB");
    await h.client.job.add({ id: "b-added-between-pages", poolInfo: { poolId: "azure-cli-test-iaas" } });
    for (;;) {
      seen.push(...page.map((j) => j.id ?? ""));
      if (page.odatanextLink === undefined) break;
      page = await h.client.job.listNext(page.odatanextLink);
    }
    // Keyset paging by id: a job added after the page boundary is listed, one deleted is not; none twice.
    expect(seen.filter((id) => id !== "xplatJobB")).toEqual(["a-first", "b-added-between-pages", "xplatJob"]);
  });
});
