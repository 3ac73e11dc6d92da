// The engine's finalizer step (the Finalizers port cluster mode implements): the finalizer is
// ensured before the first Batch write of a resource, and released only once a prune left nothing
// of it in Batch. A failed ensure makes no Batch write; an object gone meanwhile is not created.
import { afterEach, describe, expect, it, vi } from "vitest";
import { isOwnedBy } from "../../controller/core/ownership.js";
import type { FinalizerState, Finalizers, ResourceKey } from "../../controller/runtime/ports.js";
import { conditionOf, isReady, poolResource, startHarness, type Harness } from "./harness.js";

const KEY: ResourceKey = "BatchPool/default/render";

/** Records each call with what Batch held at that moment (Pool_Add answered so far, owned pools left). */
class RecordingFinalizers implements Finalizers {
  readonly calls: { op: "ensure" | "release"; key: ResourceKey; poolAdds: number; ownedPools: number }[] = [];
  next: (key: ResourceKey) => FinalizerState = () => "added";

  constructor(private readonly harness: () => Harness) {}

  async ensure(key: ResourceKey): Promise<FinalizerState> {
    await this.#record("ensure", key);
    return this.next(key);
  }

  async release(key: ResourceKey): Promise<void> {
    await this.#record("release", key);
  }

  async #record(op: "ensure" | "release", key: ResourceKey): Promise<void> {
    const h = this.harness();
    const owned = (await h.batch.listPools()).filter((p) => isOwnedBy(p.metadata, key) && p.state !== "deleting");
    this.calls.push({ op, key, poolAdds: h.served.get("Pool_Add") ?? 0, ownedPools: owned.length });
  }
}

describe("the engine's finalizer step", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
  });

  async function start(finalizers: Finalizers): Promise<Harness> {
    h = await startHarness({ engine: { finalizers } });
    return h;
  }

  it("ensures the finalizer before creating the pool, and releases it after the pool is deleted", async () => {
    const finalizers = new RecordingFinalizers(() => h as Harness);
    const harness = await start(finalizers);
    harness.source.set(poolResource("render"));
    harness.start();
    await harness.waitForStatus(KEY, isReady);
    expect(finalizers.calls[0]).toEqual({ op: "ensure", key: KEY, poolAdds: 0, ownedPools: 0 });
    expect(finalizers.calls.some((c) => c.op === "release")).toBe(false);

    harness.source.remove(KEY);
    await vi.waitFor(() => expect(finalizers.calls.some((c) => c.op === "release")).toBe(true), { timeout: 30_000, interval: 50 });
    const release = finalizers.calls.find((c) => c.op === "release");
    expect(release).toMatchObject({ key: KEY, ownedPools: 0 });
    expect(harness.served.get("Pool_Delete")).toBe(1);
    await vi.waitFor(() => expect(harness.recorded.statuses.has(KEY)).toBe(false), { timeout: 30_000 });
  });

  it("makes no Batch write while the finalizer cannot be added, and creates the pool once it is", async () => {
    let failures = 2;
    const finalizers: Finalizers = {
      ensure: async () => {
        if (failures > 0) {
          failures -= 1;
          throw new Error("the API server refused the patch");
        }
        return "added";
      },
      release: async () => undefined,
    };
    const harness = await start(finalizers);
    harness.source.set(poolResource("render"));
    harness.start();
    await harness.waitForStatus(KEY, (s) => conditionOf(s, "Ready")?.message.includes("refused the patch") === true);
    expect(harness.served.get("Pool_Add") ?? 0).toBe(0);
    await harness.waitForStatus(KEY, isReady);
    expect(failures).toBe(0);
    expect(harness.served.get("Pool_Add")).toBe(1);
  });

  it("creates nothing for an object that is gone by the time the finalizer would be added", async () => {
    const finalizers = new RecordingFinalizers(() => h as Harness);
    finalizers.next = () => "gone";
    const harness = await start(finalizers);
    harness.source.set(poolResource("render"));
    harness.start();
    await vi.waitFor(() => expect(finalizers.calls.some((c) => c.op === "release")).toBe(true), { timeout: 30_000, interval: 50 });
    await harness.controller.idle();
    expect(harness.served.get("Pool_Add") ?? 0).toBe(0);
    expect(harness.recorded.statuses.has(KEY)).toBe(false);
  });
});
