import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { poolStore } from "../../emulator/store/pool-store.js";
import { batchError, startSdkHarness, type SdkHarness } from "./helpers/sdk.js";

const image = {
  imageReference: { publisher: "canonical", offer: "0001-com-ubuntu-server-jammy", sku: "22_04-lts", version: "latest" },
  nodeAgentSKUId: "batch.node.ubuntu 22.04",
};

let h: SdkHarness;
beforeEach(async () => {
  h = await startSdkHarness();
});
afterEach(async () => {
  expect(h.violations).toEqual([]);
  await h.close();
});

describe("compute node lifecycle on the virtual clock", () => {
  it("creating → starting → waitingforstarttask → idle, with start task info", async () => {
    const t = h.emulator.timing;
    await h.client.pool.add({
      id: "boot",
      vmSize: "standard_d2s_v3",
      virtualMachineConfiguration: image,
      targetDedicatedNodes: 1,
      targetLowPriorityNodes: 1,
      startTask: { commandLine: "/bin/sh -c 'echo setup'", waitForSuccess: true },
    });
    const states = async (): Promise<string[]> =>
      (await h.client.computeNode.list("boot")).map((n) => `${n.isDedicated ? "d" : "p"}:${n.state}`).sort();
    expect(await states()).toEqual(["d:creating", "p:creating"]);
    h.advance(t.nodeCreatingMs);
    expect(await states()).toEqual(["d:starting", "p:starting"]);
    h.advance(t.nodeStartingMs);
    expect(await states()).toEqual(["d:waitingforstarttask", "p:waitingforstarttask"]);
    h.advance(t.startTaskMs);
    expect(await states()).toEqual(["d:idle", "p:idle"]);
    const [node] = await h.client.computeNode.list("boot", { computeNodeListOptions: { filter: "isDedicated eq true" } });
    expect(node?.startTaskInfo).toMatchObject({ state: "completed", exitCode: 0, result: "success" });
    const fetched = await h.client.computeNode.get("boot", node?.id ?? "", { computeNodeGetOptions: { select: "id,state" } });
    expect(fetched).toMatchObject({ id: node?.id, state: "idle" });
    expect(fetched.vmSize).toBeUndefined();
  });

  it("a failing start task leaves nodes in starttaskfailed", async () => {
    await h.client.pool.add({
      id: "fail",
      vmSize: "standard_d2s_v3",
      virtualMachineConfiguration: image,
      targetDedicatedNodes: 1,
      startTask: { commandLine: "/bin/sh -c 'exit 3'" },
    });
    h.advance(60_000);
    const [node] = await h.client.computeNode.list("fail");
    expect(node).toMatchObject({ state: "starttaskfailed", startTaskInfo: { exitCode: 3, result: "failure" } });
    const counts = await h.client.account.listPoolNodeCounts({ accountListPoolNodeCountsOptions: { filter: "poolId eq 'fail'" } });
    expect(counts[0]?.dedicated).toMatchObject({ startTaskFailed: 1, total: 1 });
  });

  it("beyond the node quota the resize times out with a resize error", async () => {
    poolStore(h.emulator.state.defaultAccount).limits.dedicatedNodeQuota = 2;
    await h.client.pool.add({
      id: "quota",
      vmSize: "standard_d2s_v3",
      virtualMachineConfiguration: image,
      targetDedicatedNodes: 3,
      resizeTimeout: "PT5M",
    });
    h.advance(h.emulator.timing.nodeCreatingMs);
    expect((await h.client.pool.get("quota")).allocationState).toBe("resizing");
    h.advance(5 * 60_000);
    const pool = await h.client.pool.get("quota");
    expect(pool).toMatchObject({ allocationState: "steady", currentDedicatedNodes: 2, targetDedicatedNodes: 3 });
    expect(pool.resizeErrors?.[0]?.code).toBe("AllocationTimedOut");
  });

  it("answers PoolNotFound and NodeNotFound", async () => {
    expect(await batchError(h.client.computeNode.list("none"))).toMatchObject({ status: 404, code: "PoolNotFound" });
    await h.client.pool.add({ id: "empty", vmSize: "standard_d2s_v3", virtualMachineConfiguration: image });
    expect(await batchError(h.client.computeNode.get("empty", "tvmps_x_d"))).toMatchObject({ status: 404, code: "NodeNotFound" });
  });
});
