import { afterEach, describe, expect, it, vi } from "vitest";
import { isOwnedBy } from "../../controller/core/ownership.js";
import { checkInvariants } from "../helpers/invariants.js";
import { isReady, poolResource, startHarness, type Harness } from "./harness.js";

describe("prune", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
  });

  it("deletes the owned pool when its manifest is removed, and leaves a foreign pool of the same name alone", async () => {
    h = await startHarness();
    // Someone else's pool, created outside the controller, named like our resource.
    await h.batch.createPool({
      id: "render",
      vmSize: "standard_d2s_v3",
      virtualMachineConfiguration: {
        imageReference: { publisher: "microsoft-dsvm", offer: "ubuntu-hpc", sku: "2204" },
        nodeAgentSKUId: "batch.node.ubuntu 22.04",
      },
      targetDedicatedNodes: 0,
      metadata: [{ name: "team", value: "theirs" }],
    });
    h.source.set(poolResource("render"));
    h.source.set(poolResource("keeper", { deletionPolicy: "Orphan" }));
    h.start();
    await h.waitForStatus("BatchPool/default/render", isReady);
    await h.waitForStatus("BatchPool/default/keeper", isReady);
    const ours = (await h.batch.listPools()).find((p) => isOwnedBy(p.metadata, "BatchPool/default/render"));
    expect(ours?.id).toMatch(/^render-[0-9a-f]{8}$/);

    h.source.remove("BatchPool/default/render");
    h.source.remove("BatchPool/default/keeper");
    await vi.waitFor(async () => expect((await h?.batch.listPools())?.some((p) => p.id === ours?.id)).toBe(false), {
      timeout: 20_000,
      interval: 100,
    });
    await vi.waitFor(() => expect(h?.recorded.statuses.has("BatchPool/default/render")).toBe(false), { timeout: 30_000 });

    const remaining = await h.batch.listPools();
    const foreign = remaining.find((p) => p.id === "render");
    expect(foreign?.metadata).toEqual({ team: "theirs" });
    expect(foreign?.state).toBe("active");
    expect(remaining.some((p) => isOwnedBy(p.metadata, "BatchPool/default/keeper"))).toBe(true);
    expect(h.recorded.calls.get("pool.delete")).toBe(1);
  });

  it("keeps the pool when deletionPolicy is changed to Orphan before the manifest is removed (the change is written to Batch first)", async () => {
    h = await startHarness();
    h.source.set(poolResource("turncoat"));
    h.start();
    await h.waitForStatus("BatchPool/default/turncoat", isReady);
    h.source.set(poolResource("turncoat", { deletionPolicy: "Orphan" }));
    // The policy a removed manifest is pruned by is the one recorded in Batch.
    await vi.waitFor(
      async () => {
        const pool = (await h?.batch.listPools())?.find((p) => isOwnedBy(p.metadata, "BatchPool/default/turncoat"));
        expect(pool?.metadata["batch-gitops/deletion-policy"]).toBe("Orphan");
      },
      { timeout: 20_000, interval: 100 },
    );
    h.source.remove("BatchPool/default/turncoat");
    await vi.waitFor(() => expect(h?.recorded.statuses.has("BatchPool/default/turncoat")).toBe(false), { timeout: 30_000 });
    const kept = (await h.batch.listPools()).find((p) => isOwnedBy(p.metadata, "BatchPool/default/turncoat"));
    expect(kept?.state).toBe("active");
    expect(h.recorded.calls.get("pool.delete") ?? 0).toBe(0);
  });

  it("prunes, after a restart, a resource removed while the controller was down", async () => {
    h = await startHarness({ managerId: "restarted" });
    h.source.set(poolResource("leftover"));
    h.start();
    await h.waitForStatus("BatchPool/default/leftover", isReady);
    const emulator = h.emulator;
    const first = h;
    // Stop only the controller, then start a new one with the same manager id and an empty source.
    h = await startHarness({ managerId: "restarted", existingEmulator: emulator });
    await stopControllerOnly(first);
    h.start();
    await vi.waitFor(
      async () =>
        expect(
          (await h?.batch.listPools())?.filter((p) => p.state !== "deleting" && isOwnedBy(p.metadata, "BatchPool/default/leftover")),
        ).toEqual([]),
      { timeout: 20_000, interval: 100 },
    );
    await checkInvariants(h.batch, h.source, h.recorded.statuses);
    await emulator.close();
  });
});

/** Stops a harness's controller but not the emulator another harness shares. */
async function stopControllerOnly(harness: Harness): Promise<void> {
  const closing = harness.emulator.close;
  Object.assign(harness.emulator, { close: async () => undefined });
  await harness.stop();
  Object.assign(harness.emulator, { close: closing });
}
