/**
 * status.nodeCounts: per-state node counts of a pool, as Batch reports them (Account_ListPoolNodeCounts,
 * dedicated and low-priority added up), in the one status shape both modes write (toCrdStatus).
 * A pool without nodes costs no call (every state is 0); a steady pool's counts are read once and
 * reused at resync once its nodes have settled, so resyncs stay at the list-page minimum (bench/README.md,
 * docs/status.md); counts of nodes still booting are read again until they settle.
 */
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { afterEach, describe, expect, it } from "vitest";
import { toCrdStatus } from "../../controller/runtime/publicStatus.js";
import type { ResourceKey, ResourceStatus } from "../../controller/runtime/ports.js";
import { isReady, poolResource, startHarness, type Harness } from "./harness.js";

/** Reconciles `key`, advancing the virtual clock a second between passes, until `done` holds on its status. */
async function passUntil(harness: Harness, key: ResourceKey, done: (s: ResourceStatus) => boolean): Promise<ResourceStatus> {
  for (let pass = 0; pass < 60; pass++) {
    await harness.controller.reconcileNow(key);
    const status = harness.recorded.statuses.get(key);
    if (status !== undefined && done(status)) return status;
    harness.emulator.clock.advance(1_000);
  }
  throw new Error(`${key}: ${JSON.stringify(harness.recorded.statuses.get(key)?.pool?.nodeCountsByState)}`);
}

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
    // Counts of nodes still booting expire after 300 ms here (60 s by default), so the test sees them settle.
    h = await startHarness({ auth: "sharedKey", engine: { resyncIntervalMs: 200, countsMaxAgeMs: 300 } });
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
    // Ready as soon as the pool is steady at its target, while its nodes still boot: the counts follow the
    // nodes to idle instead of keeping what the first read saw.
    await h.waitForStatus(
      key,
      (s) => isReady(s) && (s.pool?.nodeCountsByState?.starting ?? 0) + (s.pool?.nodeCountsByState?.idle ?? 0) === 2,
    );
    const status: ResourceStatus = await h.waitForStatus(key, (s) => isReady(s) && s.pool?.nodeCountsByState?.idle === 2);

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

  it("follows nodes that boot after the pool is steady: counts of moving nodes are read again, then kept", async () => {
    // One virtual clock for the emulator and the engine; nodes boot for 10 s after the pool is steady.
    h = await startHarness({ emulator: { clock: "virtual", timing: { nodeStartingMs: 10_000 } }, engineOnEmulatorClock: true });
    const key: ResourceKey = "BatchPool/default/booting";
    h.source.set(poolResource("booting", { scale: { fixed: { targetDedicatedNodes: 2 } } }));
    const booting = await passUntil(h, key, (s) => isReady(s) && s.pool?.nodeCountsByState?.starting === 2);
    expect(booting.pool?.nodeCountsByState).toMatchObject({ total: 2, starting: 2, idle: 0 });
    // The pass asks to come back for them by itself (no resync needed).
    expect(await h.controller.reconcileNow(key)).toMatchObject({ kind: "requeueAfter" });

    // The nodes finish booting; the pool listing does not change. Within a minute status has them idle.
    h.emulator.clock.advance(10_000);
    h.emulator.clock.advance(60_000);
    const settled = await passUntil(h, key, (s) => s.pool?.nodeCountsByState?.idle === 2);
    expect(settled.pool?.nodeCountsByState).toMatchObject({ total: 2, starting: 0, idle: 2 });

    // Settled: the next passes reuse them (10 min) and ask for no further pass.
    const calls = nodeCountCalls();
    h.emulator.clock.advance(60_000);
    expect(await h.controller.reconcileNow(key)).toMatchObject({ kind: "done" });
    expect(nodeCountCalls()).toBe(calls);
  });
});
