import { afterEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { EmulatorControlClient } from "../../emulator/control-client.js";
import { isOwnedBy } from "../../controller/core/ownership.js";
import { checkInvariants } from "../helpers/invariants.js";
import { conditionOf, isReady, nodes, poolResource, startHarness, type Harness } from "./harness.js";

type Spec = { scale: { fixed: { targetDedicatedNodes: number } } };

describe("scale up and down", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
  });

  it("resizes the same Batch pool in place and reports the node counts", async () => {
    h = await startHarness();
    h.source.set(poolResource("scaler"));
    h.start();
    const key = "BatchPool/default/scaler" as const;
    await h.waitForStatus(key, (s) => isReady(s) && nodes(s) === "1/1");
    const [original] = (await h.batch.listPools()).filter((p) => isOwnedBy(p.metadata, key));

    h.source.edit<Spec>(key, (spec) => ({ ...spec, scale: { fixed: { targetDedicatedNodes: 3 } } }));
    await h.waitForStatus(key, (s) => isReady(s) && nodes(s) === "3/3");
    h.source.edit<Spec>(key, (spec) => ({ ...spec, scale: { fixed: { targetDedicatedNodes: 0 } } }));
    const final = await h.waitForStatus(key, (s) => isReady(s) && nodes(s) === "0/0");

    const owned = (await h.batch.listPools()).filter((p) => isOwnedBy(p.metadata, key));
    expect(owned.map((p) => p.id)).toEqual([original?.id]);
    expect(owned[0]).toMatchObject({ targetDedicatedNodes: 0, currentDedicatedNodes: 0, allocationState: "steady" });
    expect(final.observedGeneration).toBe(3);
    expect(h.recorded.calls.get("pool.resize")).toBe(2);
    expect(h.recorded.calls.get("pool.add")).toBe(1);
    await checkInvariants(h.batch, h.source, h.recorded.statuses);
  });
});

describe("a resize Batch cannot complete", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
  });

  it("is Stalled with the service's resize error and is not retried until the manifest changes", async () => {
    // Batch keeps trying until resizeTimeout (minimum 5 minutes): run the emulator's virtual clock
    // fast, and the engine on it too, so resyncs are counted in the same time as Batch's.
    h = await startHarness({ engine: { resyncIntervalMs: 5_000 }, emulator: { clock: "virtual" }, engineOnEmulatorClock: true });
    const clock = h.emulator.clock;
    const ticker = setInterval(() => clock.advance(5_000), 10);
    onTestFinished(() => clearInterval(ticker));
    await new EmulatorControlClient(h.emulator.url).setQuota({ dedicatedNodes: 2 });
    const key = "BatchPool/default/greedy" as const;
    h.source.set(poolResource("greedy", { scale: { fixed: { targetDedicatedNodes: 5, resizeTimeoutSeconds: 300 } } }));
    h.start();
    const stalled = await h.waitForStatus(key, (s) => conditionOf(s, "Stalled")?.status === "True");
    expect(conditionOf(stalled, "Stalled")?.reason).toBe("ResizeError");
    expect(conditionOf(stalled, "Stalled")?.message).toMatch(/^[A-Za-z]+: .+/);
    expect(stalled.pool?.resizeErrors?.length).toBeGreaterThan(0);
    expect(h.recorded.stallAlerts.some((a) => a.key === key && a.reason === "ResizeError")).toBe(true);
    const calls = h.recorded.calls.get("pool.resize") ?? 0;
    const lists = h.recorded.calls.get("pool.list") ?? 0;
    // Several resyncs later (each lists pools): still no resize and no new pool.
    await vi.waitFor(() => expect(h?.recorded.calls.get("pool.list") ?? 0).toBeGreaterThanOrEqual(lists + 3), { timeout: 60_000 });
    expect(h.recorded.calls.get("pool.resize") ?? 0).toBe(calls);
    expect(h.recorded.calls.get("pool.add")).toBe(1);

    h.source.edit<Spec>(key, (spec) => ({ ...spec, scale: { fixed: { targetDedicatedNodes: 2 } } }));
    await h.waitForStatus(key, (s) => isReady(s) && nodes(s) === "2/2");
  });
});
