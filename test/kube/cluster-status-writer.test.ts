// The status subresource writer on its own: no write when nothing changed, a 409 retried on fresh
// state, progress-only updates throttled per resource with the latest one written at the end.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ManualClock } from "../../controller/time/manualClock.js";
import { startTestApiServer, type TestApiServer } from "./apiserver/index.js";
import { CustomResourceClient } from "../../controller/kubernetes/customObjects.js";
import { KubeStatusWriter } from "../../controller/kubernetes/statusWriter.js";
import type { ResourceStatus } from "../../controller/runtime/ports.js";
import { clients, createResource, getResource, mergePatchResource, poolObject, type ClusterClients } from "./cluster-harness.js";

const KEY = "BatchPool/team-a/render" as const;
const META = { kind: "BatchPool" as const, namespace: "team-a", name: "render" };

function resizing(current: number, syncedAt: string): ResourceStatus {
  const message = `Resizing: nodes ${current}/4`;
  const condition = {
    status: "False" as const,
    reason: "Resizing",
    message,
    lastTransitionTime: "2025-01-01T00:00:00Z",
    observedGeneration: 1,
  };
  return {
    observedGeneration: 1,
    conditions: [
      { ...condition, type: "Ready" },
      { ...condition, type: "Reconciling", status: "True" },
    ],
    lastSyncTime: syncedAt,
    batchIds: ["render-1a2b3c4d"],
    pool: {
      allocationState: "resizing",
      currentDedicatedNodes: current,
      currentLowPriorityNodes: 0,
      targetDedicatedNodes: 4,
      targetLowPriorityNodes: 0,
    },
  };
}

describe("status writer", () => {
  let server: TestApiServer;
  let api: ClusterClients;
  let clock: ManualClock;
  let writer: KubeStatusWriter;

  beforeEach(async () => {
    server = await startTestApiServer({ namespaces: ["team-a"] });
    api = clients(server.kubeConfig());
    clock = new ManualClock(Date.parse("2025-01-01T00:00:00Z"));
    await createResource(api.custom, "BatchPool", poolObject("render", "team-a"));
    const client = new CustomResourceClient(api.custom);
    writer = new KubeStatusWriter({
      client,
      lookup: () => undefined,
      progressIntervalMs: 10_000,
      clock,
    });
  });

  afterEach(async () => {
    writer.close();
    await server.close();
  });

  const statusWrites = (): number => server.control.requests({ subresource: "status", verb: "update" }).length;
  const stored = async (): Promise<Record<string, unknown> | undefined> =>
    (await getResource(api.custom, "BatchPool", "team-a", "render")).status;

  it("writes through /status with observedGeneration, and not again when only lastSyncTime moved", async () => {
    await writer.write(KEY, resizing(1, "2025-01-01T00:00:00Z"), META);
    await clock.advance(60_000);
    await writer.write(KEY, resizing(1, "2025-01-01T00:01:00Z"), META);
    expect(statusWrites()).toBe(1);
    expect(await stored()).toMatchObject({ observedGeneration: 1, nodes: "1/4", poolId: "render-1a2b3c4d" });
  });

  it("retries a 409 on the fresh object and keeps the concurrent spec change", async () => {
    await writer.write(KEY, resizing(1, "2025-01-01T00:00:00Z"), META);
    await mergePatchResource(api.custom, "BatchPool", "team-a", "render", { metadata: { labels: { team: "a" } } });
    server.control.injectError({ verb: "update", subresource: "status", code: 409 });
    await clock.advance(60_000);
    const ready = resizing(4, "2025-01-01T00:01:00Z");
    const conditions = ready.conditions.map((c) => ({
      ...c,
      status: c.type === "Ready" ? ("True" as const) : ("False" as const),
      reason: "Succeeded",
    }));
    await writer.write(KEY, { ...ready, conditions }, META);
    expect(statusWrites()).toBe(3);
    expect(await stored()).toMatchObject({ nodes: "4/4" });
    expect((await getResource(api.custom, "BatchPool", "team-a", "render")).metadata?.labels).toEqual({ team: "a" });
  });

  it("throttles progress-only updates to one per interval, then writes the latest", async () => {
    await writer.write(KEY, resizing(0, "2025-01-01T00:00:00Z"), META);
    for (let nodes = 1; nodes <= 3; nodes++) {
      await clock.advance(1_000);
      await writer.write(KEY, resizing(nodes, new Date(clock.now()).toISOString()), META);
    }
    expect(statusWrites()).toBe(1);
    expect(await stored()).toMatchObject({ nodes: "0/4" });
    await writer.flush();
    expect(statusWrites()).toBe(2);
    expect(await stored()).toMatchObject({ nodes: "3/4" });
  });

  it("writes the latest progress-only update when the interval ends, without a flush", async () => {
    await writer.write(KEY, resizing(0, "2025-01-01T00:00:00Z"), META);
    await clock.advance(1_000);
    await writer.write(KEY, resizing(1, "2025-01-01T00:00:01Z"), META);
    await clock.advance(1_000);
    await writer.write(KEY, resizing(2, "2025-01-01T00:00:02Z"), META);
    expect(clock.nextDueInMs()).toBe(8_000);
    await clock.advance(8_000);
    await vi.waitFor(() => expect(statusWrites()).toBe(2));
    expect(await stored()).toMatchObject({ nodes: "2/4" });
  });

  it("writes a condition change at once, even inside the progress interval", async () => {
    await writer.write(KEY, resizing(3, "2025-01-01T00:00:00Z"), META);
    await clock.advance(1_000);
    const done = resizing(4, "2025-01-01T00:00:01Z");
    const conditions = [{ ...done.conditions[0], type: "Ready", status: "True" as const, reason: "Succeeded", message: "ready" }];
    await writer.write(KEY, { ...done, conditions: conditions as ResourceStatus["conditions"] }, META);
    expect(statusWrites()).toBe(2);
    expect(await stored()).toMatchObject({ nodes: "4/4", conditions: [{ type: "Ready", status: "True" }] });
  });
});
