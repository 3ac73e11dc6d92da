// Leader election on a coordination.k8s.io/v1 Lease between replicas sharing one test API server.
// The replicas share a ManualClock: time moves only when every replica is parked on its retry
// delay, so "the other one keeps waiting" and "who loses first" do not depend on machine speed.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ManualClock } from "../../controller/time/manualClock.js";
import type { V1Lease } from "@kubernetes/client-node";
import { startTestApiServer, type TestApiServer } from "./apiserver/index.js";
import { LeaderElector, type LeaseApi } from "../../controller/kubernetes/leaderElection.js";
import { clients, until } from "./cluster-harness.js";

const TIMING = { leaseDurationMs: 2_000, renewDeadlineMs: 1_000, retryPeriodMs: 100 };

/** A Lease client that can be cut off from the API server, like a replica behind a network partition. */
function partitionable(api: LeaseApi): LeaseApi & { partitioned: boolean } {
  const cut = (): never => {
    throw Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
  };
  const wrapper = {
    partitioned: false,
    readNamespacedLease: (p: Parameters<LeaseApi["readNamespacedLease"]>[0]) =>
      wrapper.partitioned ? Promise.resolve().then(cut) : api.readNamespacedLease(p),
    createNamespacedLease: (p: Parameters<LeaseApi["createNamespacedLease"]>[0]) =>
      wrapper.partitioned ? Promise.resolve().then(cut) : api.createNamespacedLease(p),
    replaceNamespacedLease: (p: Parameters<LeaseApi["replaceNamespacedLease"]>[0]) =>
      wrapper.partitioned ? Promise.resolve().then(cut) : api.replaceNamespacedLease(p),
  };
  return wrapper;
}

describe("leader election", () => {
  let server: TestApiServer;
  let shutdown: AbortController[];
  let timeline: string[];
  let clock: ManualClock;
  let running: number;
  let endings: Promise<unknown>[];

  beforeEach(async () => {
    server = await startTestApiServer({ namespaces: ["batch-system"] });
    shutdown = [];
    timeline = [];
    clock = new ManualClock();
    running = 0;
    endings = [];
  });

  afterEach(async () => {
    shutdown.forEach((s) => s.abort());
    // Every replica has released or given up before the next test resets the counters.
    await Promise.all(endings);
    await server.close();
  });

  function replica(identity: string, api: LeaseApi = clients(server.kubeConfig()).coordination) {
    const elector = new LeaderElector({ api, namespace: "batch-system", leaseName: "batch-gitops", identity, clock, ...TIMING });
    const stop = new AbortController();
    shutdown.push(stop);
    running += 1;
    const ended = elector
      .run(stop.signal, {
        onStartedLeading: async (signal) => {
          timeline.push(`${identity} leads`);
          await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
          timeline.push(`${identity} stops`);
        },
      })
      .finally(() => (running -= 1));
    endings.push(ended);
    return { elector, stop, ended };
  }

  /** Waits until every running replica is parked on its retry delay (each holds exactly one timer). */
  const parked = (): Promise<void> => vi.waitFor(() => expect(clock.pending()).toBe(running), { timeout: 10_000, interval: 5 });

  /** Moves time one retry period at a time, each once every replica is parked, until `done` holds. */
  async function periodsUntil(done: () => boolean, what: string, maxPeriods = 100): Promise<void> {
    for (let i = 0; i < maxPeriods; i++) {
      await parked();
      if (done()) return;
      await clock.advance(TIMING.retryPeriodMs);
    }
    throw new Error(`no ${what} after ${maxPeriods} retry periods`);
  }

  /** Lets `n` retry periods pass with every replica acting in each. */
  async function periods(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      await parked();
      await clock.advance(TIMING.retryPeriodMs);
    }
    await parked();
  }

  const lease = async (): Promise<V1Lease> =>
    clients(server.kubeConfig()).coordination.readNamespacedLease({ name: "batch-gitops", namespace: "batch-system" });

  it("two replicas: exactly one leads, and the Lease names it", async () => {
    const a = replica("replica-a");
    const b = replica("replica-b");
    await until(() => a.elector.isLeader() || b.elector.isLeader(), "a leader");
    // Several retry periods (less than a lease duration): the other one keeps waiting.
    await periods(5);
    expect([a.elector.isLeader(), b.elector.isLeader()].filter(Boolean)).toHaveLength(1);
    const leader = a.elector.isLeader() ? "replica-a" : "replica-b";
    expect((await lease()).spec?.holderIdentity).toBe(leader);
    expect(timeline).toEqual([`${leader} leads`]);
  });

  it("a partitioned leader stops before the lease expires, then the other takes over", async () => {
    const api = partitionable(clients(server.kubeConfig()).coordination);
    const a = replica("replica-a", api);
    await until(() => a.elector.isLeader(), "replica-a to lead");
    const b = replica("replica-b");
    await periods(3);
    expect(b.elector.isLeader()).toBe(false);

    api.partitioned = true;
    let end: string | undefined;
    void a.ended.then((e) => (end = e));
    await periodsUntil(() => b.elector.isLeader(), "take-over by replica-b");
    expect(end).toBe("lost");
    expect(timeline).toEqual(["replica-a leads", "replica-a stops", "replica-b leads"]);
    const taken = await lease();
    expect(taken.spec?.holderIdentity).toBe("replica-b");
    expect(taken.spec?.leaseTransitions).toBe(1);
  });

  it("shutdown finishes the leader's work, then releases the lease for the next replica", async () => {
    const a = replica("replica-a");
    await until(() => a.elector.isLeader(), "replica-a to lead");
    const b = replica("replica-b");
    a.stop.abort();
    expect(await a.ended).toBe("shutdown");
    expect(timeline).toEqual(["replica-a leads", "replica-a stops"]);
    const released = server.control.requests({ verb: "update", resource: "leases" }).map((r) => (r.body as V1Lease).spec?.holderIdentity);
    expect(released.at(-1)).toBe("");
    await periodsUntil(() => b.elector.isLeader(), "replica-b leading");
    expect((await lease()).spec?.holderIdentity).toBe("replica-b");
  });
});
