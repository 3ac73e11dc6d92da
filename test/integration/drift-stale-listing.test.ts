/**
 * Drift correction of a pool found resizing, when the resize ends between the listing and the write:
 * Batch refuses the StopResize (409 OperationInvalidForCurrentState), and the next pass must plan from a
 * new listing (and resize back) instead of sending the same StopResize from the same cached listing
 * until it ages out (60 s by default: the CI hang of drift-alerts). One virtual clock drives the
 * emulator and the engine, so the interleaving is exact and no test step waits on real time.
 */
import { afterEach, expect, it } from "vitest";
import { isOwnedBy } from "../../controller/core/ownership.js";
import type { ResourceKey } from "../../controller/runtime/ports.js";
import { EmulatorControlClient } from "../../emulator/control-client.js";
import { isReady, poolResource, startHarness, type Harness } from "./harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** Reconciles `key` (advancing the virtual clock between passes) until it is Ready. */
async function untilReady(harness: Harness, key: ResourceKey): Promise<void> {
  for (let pass = 0; pass < 50; pass++) {
    await harness.controller.reconcileNow(key);
    const status = harness.recorded.statuses.get(key);
    if (status !== undefined && isReady(status)) return;
    harness.emulator.clock.advance(1_000);
  }
  throw new Error(`${key} never became Ready: ${JSON.stringify(harness.recorded.statuses.get(key)?.conditions)}`);
}

it("re-lists after a refused StopResize and resizes the drifted pool back", async () => {
  // The product's listing age (60 s), not the harness's 50 ms: the bug needs a listing that is reused.
  h = await startHarness({ emulator: { clock: "virtual" }, engineOnEmulatorClock: true, engine: { observationMaxAgeMs: 60_000 } });
  const drifting = "BatchPool/default/drifting" as const;
  const bystander = "BatchPool/default/bystander" as const;
  h.source.set(poolResource("drifting", { driftPolicy: "Correct" }));
  h.source.set(poolResource("bystander"));
  await untilReady(h, drifting);
  await untilReady(h, bystander);
  const poolId = (await h.batch.listPools()).find((p) => isOwnedBy(p.metadata, drifting))?.id ?? "";

  // Forget the listings so far, then start an out-of-band resize and let another key's pass list it.
  h.emulator.clock.advance(61_000);
  await new EmulatorControlClient(h.emulator.url).resizePool(poolId, { targetDedicatedNodes: 3 });
  await h.controller.reconcileNow(bystander);
  // The resize ends before the drifted pool's own pass, which plans from that listing: StopResize, refused.
  h.emulator.clock.advance(1_000);
  expect((await h.batch.getPool(poolId))?.allocationState).toBe("steady");
  await h.controller.reconcileNow(drifting);
  expect(h.served.get("Pool_StopResize")).toBe(1);
  expect((await h.batch.getPool(poolId))?.targetDedicatedNodes).toBe(3);

  // The next pass (one poll interval later, well inside the listing's age) sees the pool steady and resizes it back.
  h.emulator.clock.advance(1_000);
  await h.controller.reconcileNow(drifting);
  expect(h.served.get("Pool_StopResize")).toBe(1);
  expect(h.served.get("Pool_Resize")).toBe(1);
  expect((await h.batch.getPool(poolId))?.targetDedicatedNodes).toBe(1);
  await untilReady(h, drifting);
});
