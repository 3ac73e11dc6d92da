import { afterEach, describe, expect, it } from "vitest";
import { isOwnedBy } from "../../controller/core/ownership.js";
import { checkInvariants } from "../helpers/invariants.js";
import { isReady, startHarness, type Harness } from "./harness.js";

describe("examples converge", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
  });

  it("creates every example pool and job in Batch and reports them Ready", async () => {
    // With Resource Manager: the pools in manifests/identity have a managed identity or a mount.
    h = await startHarness({ arm: true });
    await h.source.loadDir("manifests/examples");
    await h.source.loadDir("manifests/identity");
    h.start();
    const keys = h.source.keys();
    expect(keys.length).toBeGreaterThanOrEqual(4);
    for (const key of keys) await h.waitForStatus(key, isReady, 30_000);

    const pools = await h.batch.listPools();
    const jobs = await h.batch.listJobs();
    for (const key of keys.filter((k) => k.startsWith("BatchPool/"))) {
      const owned = pools.filter((p) => isOwnedBy(p.metadata, key));
      expect(owned, key).toHaveLength(1);
      const status = h.recorded.statuses.get(key);
      expect(status?.pool?.currentDedicatedNodes).toBe(owned[0]?.targetDedicatedNodes);
    }
    for (const key of keys.filter((k) => k.startsWith("BatchJob/"))) {
      expect(
        jobs.filter((j) => isOwnedBy(j.metadata, key)),
        key,
      ).toHaveLength(1);
    }
    // The identity pool went through Resource Manager and carries its identity on the data plane.
    const identityPool = pools.find((p) => isOwnedBy(p.metadata, "BatchPool/default/acr-identity"));
    expect(identityPool?.identityResourceIds).toEqual([expect.stringMatching(/userAssignedIdentities\/acr-pull$/)]);
    expect(h.recorded.calls.get("arm.pool.create")).toBe(1);
    await checkInvariants(h.batch, h.source, h.recorded.statuses);
  });
});
