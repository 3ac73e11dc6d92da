import { afterEach, describe, expect, it } from "vitest";
import { isOwnedBy } from "../../controller/core/ownership.js";
import { checkInvariants } from "../helpers/invariants.js";
import { isReady, nodes, poolResource, startHarness, type Harness } from "./harness.js";

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
