import { describe, expect, it } from "vitest";
import { nextStatus } from "../../../controller/runtime/nextStatus.js";
import type { DesiredResource } from "../../../controller/runtime/ports.js";

const desired = (generation: number): DesiredResource => ({
  kind: "BatchPool",
  namespace: "default",
  name: "p",
  generation,
  spec: {},
  source: { revision: `rev${generation}` },
});
const pool = { currentDedicatedNodes: 2, currentLowPriorityNodes: 0, targetDedicatedNodes: 2, targetLowPriorityNodes: 0 };

describe("nextStatus", () => {
  it("moves observedGeneration and the applied revision on success, not on a retryable failure", () => {
    const ready = nextStatus(undefined, desired(1), { summary: { kind: "ready", message: "ok" }, pool }, "t0");
    expect(ready).toMatchObject({ observedGeneration: 1, appliedRevision: "rev1", pool });
    const failed = nextStatus(ready, desired(2), { summary: { kind: "failed", reason: "BatchError", message: "503" } }, "t1");
    expect(failed).toMatchObject({ observedGeneration: 1, appliedRevision: "rev1", pool, lastSyncTime: "t1" });
    expect(failed.conditions.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "BatchError",
      observedGeneration: 2,
    });
    const stalled = nextStatus(failed, desired(2), { summary: { kind: "stalled", reason: "InvalidSpec", message: "bad" } }, "t2");
    expect(stalled.observedGeneration).toBe(2);
  });

  it("keeps Ready's lastTransitionTime across passes that stay ready", () => {
    const first = nextStatus(undefined, desired(1), { summary: { kind: "ready", message: "a" } }, "t0");
    const second = nextStatus(first, desired(1), { summary: { kind: "ready", message: "b" } }, "t9");
    expect(second.conditions[0]).toMatchObject({ type: "Ready", message: "b", lastTransitionTime: "t0" });
  });
});
