/**
 * status.nodeCounts: per-state node counts of a pool, as Batch reports them (Account_ListPoolNodeCounts,
 * dedicated and low-priority added up), in the one status shape both modes write (toCrdStatus).
 * A pool without nodes costs no call (every state is 0); a steady pool's counts are read once and
 * reused at resync, so resyncs stay at the list-page minimum (bench/README.md, docs/status.md).
 */
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { afterEach, describe, expect, it } from "vitest";
import { toCrdStatus } from "../../controller/runtime/publicStatus.js";
import type { ResourceKey, ResourceStatus } from "../../controller/runtime/ports.js";
import { isReady, poolResource, startHarness, type Harness } from "./harness.js";

const STATES = [
  "creating",
  "idle",
  "offline",
  "preempted",
  "rebooting",
  "reimaging",
  "running",
  "starting",
  "startTaskFailed",
  "leavingPool",
  "unknown",
  "unusable",
  "waitingForStartTask",
  "total",
];

describe("status.nodeCounts", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  const nodeCountCalls = (): number => h?.recorded.calls.get("account.listPoolNodeCounts") ?? 0;

  /** Waits until the key has been reconciled `passes` more times (each pass writes a new lastSyncTime). */
  async function morePasses(harness: Harness, key: ResourceKey, passes: number): Promise<void> {
    const seen = new Set<string | undefined>();
    await harness.waitForStatus(key, (s) => {
      seen.add(s.lastSyncTime);
      return seen.size > passes;
    });
  }

  it("holds what Batch counts per state, costs no call for a pool without nodes, and is not re-read at every resync", async () => {
    h = await startHarness({ auth: "sharedKey", engine: { resyncIntervalMs: 200 } });
    const empty = poolResource("empty", { scale: { fixed: { targetDedicatedNodes: 0 } } });
    h.source.set(empty);
    h.start();
    const emptyStatus = await h.waitForStatus("BatchPool/default/empty", (s) => isReady(s) && s.pool?.nodeCountsByState !== undefined);
    expect(toCrdStatus("BatchPool", emptyStatus, empty.spec).nodeCounts).toEqual(Object.fromEntries(STATES.map((s) => [s, 0])));
    await morePasses(h, "BatchPool/default/empty", 3);
    expect(nodeCountCalls()).toBe(0);

    const counted = poolResource("counted", { scale: { fixed: { targetDedicatedNodes: 2 } } });
    h.source.set(counted);
    const key: ResourceKey = "BatchPool/default/counted";
    const status: ResourceStatus = await h.waitForStatus(key, (s) => isReady(s) && s.pool?.nodeCountsByState?.total === 2);

    // What Batch itself says, through another client.
    const client = new BatchServiceClient(new BatchSharedKeyCredentials(h.emulator.account.name, h.emulator.account.key), h.emulator.url);
    const poolId = status.batchIds?.[0] ?? "";
    const [batch] = await client.account.listPoolNodeCounts({ accountListPoolNodeCountsOptions: { filter: `poolId eq '${poolId}'` } });
    const expected = Object.fromEntries(
      STATES.map((s) => [
        s,
        ((batch?.dedicated as Record<string, number> | undefined)?.[s] ?? 0) +
          ((batch?.lowPriority as Record<string, number> | undefined)?.[s] ?? 0),
      ]),
    );
    expect(expected.total).toBe(2);
    expect(toCrdStatus("BatchPool", status, counted.spec).nodeCounts).toEqual(expected);

    // Steady at its target: resyncs reuse the counts instead of calling Batch per pool.
    const calls = nodeCountCalls();
    await morePasses(h, key, 4);
    expect(nodeCountCalls()).toBe(calls);
  });
});
