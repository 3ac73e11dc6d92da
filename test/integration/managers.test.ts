/**
 * Two controllers on one Batch account, each with its own --manager-id, holding different revisions
 * of one BatchPool: the one that stamped the pool keeps it, the other reports OwnedByAnotherManager
 * and writes nothing, until the manifest hands it over with spec.adopt.fromManager.
 * Batch writes are counted by the emulator (control API counters), not by either controller.
 */
import { afterEach, describe, expect, it } from "vitest";
import { EmulatorControlClient, type CallCounts } from "../../emulator/control-client.js";
import type { ResourceKey, ResourceStatus } from "../../controller/runtime/ports.js";
import { conditionOf, isReady, nodes, poolResource, startHarness, type Harness } from "./harness.js";

const KEY: ResourceKey = "BatchPool/default/shared";
const READ_OPERATION = /_(Get|List|Exists|GetTaskCounts|ListPoolNodeCounts|ListSupportedImages|EvaluateAutoScale)$/;

/** Successful Batch writes by operation (reads and failed calls left out). */
function writes(counts: CallCounts): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [operation, byStatus] of Object.entries(counts)) {
    if (READ_OPERATION.test(operation)) continue;
    const ok = Object.entries(byStatus)
      .filter(([status]) => status.startsWith("2"))
      .reduce((n, [, count]) => n + count, 0);
    if (ok > 0) out[operation] = ok;
  }
  return out;
}

/** Waits until `harness` has finished `passes` more reconciles of the key (each writes a status with a new lastSyncTime). */
async function morePasses(harness: Harness, passes: number): Promise<ResourceStatus> {
  const seen = new Set<string | undefined>();
  return harness.waitForStatus(KEY, (s) => {
    seen.add(s.lastSyncTime);
    return seen.size > passes;
  });
}

const ownedByAnother = (manager: string) => (s: ResourceStatus) =>
  conditionOf(s, "Stalled")?.reason === "OwnedByAnotherManager" && (conditionOf(s, "Stalled")?.message.includes(`"${manager}"`) ?? false);

describe("two controllers with different manager ids on one account", () => {
  let a: Harness | undefined;
  let b: Harness | undefined;
  afterEach(async () => {
    await b?.stop();
    await a?.stop();
    a = b = undefined;
  });

  /** team-a manages the pool at 1 node; team-b starts later with the same resource at 2 nodes. */
  async function twoManagers(): Promise<{ a: Harness; b: Harness; control: EmulatorControlClient; poolId: string }> {
    a = await startHarness({ managerId: "team-a", engine: { resyncIntervalMs: 300 } });
    a.source.set(poolResource("shared"));
    a.start();
    await a.waitForStatus(KEY, (s) => isReady(s) && nodes(s) === "1/1");
    b = await startHarness({ managerId: "team-b", existingEmulator: a.emulator, engine: { resyncIntervalMs: 300 } });
    b.source.set(poolResource("shared", { scale: { fixed: { targetDedicatedNodes: 2 } } }));
    b.start();
    const poolId = (await a.batch.listPools())[0]?.id ?? "";
    return { a, b, control: new EmulatorControlClient(a.emulator.url), poolId };
  }

  it("do not fight: the second reports OwnedByAnotherManager once and neither writes to Batch at resync", async () => {
    const { a, b, control, poolId } = await twoManagers();
    const status = await b.waitForStatus(KEY, ownedByAnother("team-a"));
    expect(conditionOf(status, "Ready")).toMatchObject({ status: "False", reason: "OwnedByAnotherManager" });
    expect(conditionOf(status, "Stalled")?.message).toContain("spec.adopt.fromManager: team-a");

    await control.clearCounters();
    await morePasses(b, 4);
    await morePasses(a, 4);
    expect(writes(await control.counters())).toEqual({});

    const pool = await a.batch.getPool(poolId);
    expect(pool?.targetDedicatedNodes).toBe(1);
    expect(pool?.metadata["batch-gitops/manager"]).toBe("team-a");
    expect(isReady(a.recorded.statuses.get(KEY) as ResourceStatus)).toBe(true);
    // Reported once, not at every resync.
    expect(b.recorded.events.filter((e) => e.reason === "OwnedByAnotherManager")).toHaveLength(1);
    expect(b.recorded.stallAlerts.filter((e) => e.reason === "OwnedByAnotherManager")).toHaveLength(1);
  });

  it("hand over with spec.adopt.fromManager: the taker re-stamps and applies its revision, the former manager stops writing and does not prune it", async () => {
    const { a, b, control, poolId } = await twoManagers();
    await b.waitForStatus(KEY, ownedByAnother("team-a"));

    b.source.edit<Record<string, unknown>>(KEY, (spec) => ({ ...spec, adopt: { fromManager: "team-a" } }));
    await b.waitForStatus(KEY, (s) => isReady(s) && nodes(s) === "2/2");
    expect((await b.batch.getPool(poolId))?.metadata).toMatchObject({ "batch-gitops/manager": "team-b", "batch-gitops/owner": KEY });
    await a.waitForStatus(KEY, ownedByAnother("team-b"));

    await control.clearCounters();
    await morePasses(a, 4);
    await morePasses(b, 4);
    expect(writes(await control.counters())).toEqual({});
    expect((await b.batch.getPool(poolId))?.targetDedicatedNodes).toBe(2);

    // The former manager's manifest goes away (deletionPolicy Delete): the pool is no longer its to delete.
    a.source.remove(KEY);
    await expect.poll(() => a?.recorded.statuses.has(KEY), { timeout: 20_000 }).toBe(false);
    expect(writes(await control.counters())).toEqual({});
    expect((await b.batch.getPool(poolId))?.state).toBe("active");
  });
});
