import { afterEach, describe, expect, it } from "vitest";
import { isOwnedBy } from "../../controller/core/ownership.js";
import { EmulatorControlClient } from "../../emulator/control-client.js";
import { checkInvariants } from "../helpers/invariants.js";
import { conditionOf, isReady, jobResource, nodes, poolResource, startHarness, type Harness } from "./harness.js";

describe("drift", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
  });

  async function ownedPoolId(harness: Harness, key: string): Promise<string> {
    const pool = (await harness.batch.listPools()).find((p) => isOwnedBy(p.metadata, key as never));
    if (pool === undefined) throw new Error(`no pool owned by ${key}`);
    return pool.id;
  }

  it("corrects an out-of-band resize and metadata edit at the next resync (driftPolicy Correct)", async () => {
    h = await startHarness({ engine: { resyncIntervalMs: 300 } });
    const key = "BatchPool/default/drifty" as const;
    h.source.set(poolResource("drifty", { metadata: [{ name: "team", value: "vfx" }] }));
    h.start();
    await h.waitForStatus(key, (s) => isReady(s) && nodes(s) === "1/1");
    const poolId = await ownedPoolId(h, key);
    const control = new EmulatorControlClient(h.emulator.url);

    await control.resizePool(poolId, { targetDedicatedNodes: 4 });
    const live = await h.batch.getPool(poolId);
    const edited = Object.entries(live?.metadata ?? {}).map(([name, value]) => ({ name, value: name === "team" ? "someone-else" : value }));
    await control.setPoolMetadata(poolId, edited);
    await h.waitForStatus(key, (s) => conditionOf(s, "Drifted")?.reason === "DriftCorrected");
    await h.waitForStatus(key, (s) => isReady(s) && nodes(s) === "1/1" && conditionOf(s, "Drifted")?.status === "False");

    const pool = await h.batch.getPool(poolId);
    expect(pool?.targetDedicatedNodes).toBe(1);
    expect(pool?.metadata.team).toBe("vfx");
    expect(pool?.metadata["batch-gitops/owner"]).toBe(key);
    // Corrected drift is still reported, as an alert and an event saying it was corrected.
    // While the out-of-band resize still runs, a pass may report the drift before it can correct it.
    const alerts = h.recorded.driftAlerts.filter((a) => a.key === key && a.differences.includes("targetDedicatedNodes: desired 1, live 4"));
    expect(alerts.find((a) => a.corrected)).toMatchObject({ policy: "Correct", corrected: true });
    expect(
      h.recorded.events.some(
        (e) =>
          e.type === "Normal" &&
          e.reason === "DriftCorrected" &&
          e.message.startsWith("corrected: ") &&
          e.message.includes("targetDedicatedNodes: desired 1, live 4"),
      ),
    ).toBe(true);
    await checkInvariants(h.batch, h.source, h.recorded.statuses);
  });

  it("only reports drift, field by field, when driftPolicy is Alert", async () => {
    h = await startHarness({ engine: { resyncIntervalMs: 300 } });
    const key = "BatchPool/default/watched" as const;
    h.source.set(poolResource("watched", { driftPolicy: "Alert" }));
    h.start();
    await h.waitForStatus(key, (s) => isReady(s) && nodes(s) === "1/1");
    const poolId = await ownedPoolId(h, key);
    await new EmulatorControlClient(h.emulator.url).resizePool(poolId, { targetDedicatedNodes: 2 });

    const status = await h.waitForStatus(key, (s) => conditionOf(s, "Drifted")?.status === "True");
    expect(conditionOf(status, "Drifted")).toMatchObject({ reason: "DriftDetected", message: "targetDedicatedNodes: desired 1, live 2" });
    expect(h.recorded.driftAlerts).toContainEqual({
      key,
      policy: "Alert",
      corrected: false,
      differences: ["targetDedicatedNodes: desired 1, live 2"],
    });
    expect(h.recorded.events).toContainEqual({
      key,
      type: "Warning",
      reason: "DriftDetected",
      message: "not corrected (driftPolicy Alert): targetDedicatedNodes: desired 1, live 2",
    });
    // Two more passes (resyncs) finish after the detection: they still report and do not touch the pool.
    const passAfter = async (previous: string | undefined): Promise<string | undefined> =>
      (
        await h?.waitForStatus(
          key,
          (s) => (s.lastSyncTime ?? "") > (previous ?? "") && conditionOf(s, "Drifted")?.status === "True" && nodes(s) === "2/2",
        )
      )?.lastSyncTime;
    await passAfter(await passAfter(status.lastSyncTime));
    expect((await h.batch.getPool(poolId))?.targetDedicatedNodes).toBe(2);
    expect(h.recorded.calls.get("pool.resize") ?? 0).toBe(0);
  });

  it("reports a job's priority changed in Batch: not corrected under Alert, corrected under Correct", async () => {
    h = await startHarness({ engine: { resyncIntervalMs: 300 } });
    const key = "BatchJob/default/prioritized" as const;
    h.source.set(poolResource("jobs-pool"));
    h.source.set(jobResource("prioritized", "jobs-pool", { driftPolicy: "Alert" }));
    h.start();
    await h.waitForStatus(key, (s) => isReady(s) && conditionOf(s, "Drifted")?.reason === "NoDrift");
    await h.batch.patchJob("prioritized", { priority: 9 });

    const alerted = await h.waitForStatus(key, (s) => conditionOf(s, "Drifted")?.status === "True");
    expect(conditionOf(alerted, "Drifted")).toMatchObject({ reason: "DriftDetected", message: "priority: desired 0, live 9" });
    expect(h.recorded.driftAlerts).toContainEqual({ key, policy: "Alert", corrected: false, differences: ["priority: desired 0, live 9"] });
    expect((await h.batch.getJob("prioritized"))?.priority).toBe(9);

    h.source.edit<Record<string, unknown>>(key, (spec) => ({ ...spec, driftPolicy: "Correct" }));
    await h.waitForStatus(key, (s) => conditionOf(s, "Drifted")?.reason === "DriftCorrected");
    expect((await h.batch.getJob("prioritized"))?.priority).toBe(0);
    expect(h.recorded.driftAlerts).toContainEqual({
      key,
      policy: "Correct",
      corrected: true,
      differences: ["priority: desired 0, live 9"],
    });
    await h.waitForStatus(key, (s) => conditionOf(s, "Drifted")?.reason === "NoDrift");
  });

  it("stops (Stalled, PoolIdTaken) when the ownership metadata is stripped, and leaves the pool alone", async () => {
    h = await startHarness({ engine: { resyncIntervalMs: 300 } });
    const key = "BatchPool/default/handed-over" as const;
    h.source.set(poolResource("handed-over"));
    h.start();
    await h.waitForStatus(key, (s) => isReady(s) && nodes(s) === "1/1");
    const poolId = await ownedPoolId(h, key);
    await new EmulatorControlClient(h.emulator.url).setPoolMetadata(poolId, [{ name: "team", value: "ops" }]);
    const status = await h.waitForStatus(key, (s) => conditionOf(s, "Stalled")?.status === "True");
    expect(conditionOf(status, "Stalled")?.reason).toBe("PoolIdTaken");
    expect((await h.batch.getPool(poolId))?.metadata).toEqual({ team: "ops" });
    expect(h.recorded.stallAlerts.some((a) => a.key === key && a.reason === "PoolIdTaken")).toBe(true);
  });

  it("recreates a pool deleted out of band", async () => {
    h = await startHarness({ engine: { resyncIntervalMs: 300 } });
    const key = "BatchPool/default/fragile" as const;
    h.source.set(poolResource("fragile"));
    h.start();
    await h.waitForStatus(key, (s) => isReady(s) && nodes(s) === "1/1");
    const poolId = await ownedPoolId(h, key);
    await new EmulatorControlClient(h.emulator.url).deletePool(poolId);
    await h.waitForStatus(key, (s) => !isReady(s));
    await h.waitForStatus(key, (s) => isReady(s) && nodes(s) === "1/1");
    expect(h.recorded.calls.get("pool.add")).toBe(2);
    expect(await ownedPoolId(h, key)).toBe(poolId);
  });
});
