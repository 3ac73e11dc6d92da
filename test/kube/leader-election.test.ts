// Leader election on a coordination.k8s.io/v1 Lease between replicas sharing one test API server.
// Durations are short so the suite runs in seconds; assertions are about who leads, in which order.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
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
    readNamespacedLease: (p: Parameters<LeaseApi["readNamespacedLease"]>[0]) => (wrapper.partitioned ? Promise.resolve().then(cut) : api.readNamespacedLease(p)),
    createNamespacedLease: (p: Parameters<LeaseApi["createNamespacedLease"]>[0]) => (wrapper.partitioned ? Promise.resolve().then(cut) : api.createNamespacedLease(p)),
    replaceNamespacedLease: (p: Parameters<LeaseApi["replaceNamespacedLease"]>[0]) => (wrapper.partitioned ? Promise.resolve().then(cut) : api.replaceNamespacedLease(p)),
  };
  return wrapper;
}

describe("leader election", () => {
  let server: TestApiServer;
  let shutdown: AbortController[];
  let timeline: string[];

  beforeEach(async () => {
    server = await startTestApiServer({ namespaces: ["batch-system"] });
    shutdown = [];
    timeline = [];
  });

  afterEach(async () => {
    shutdown.forEach((s) => s.abort());
    await server.close();
  });

  function replica(identity: string, api: LeaseApi = clients(server.kubeConfig()).coordination) {
    const elector = new LeaderElector({ api, namespace: "batch-system", leaseName: "batch-gitops", identity, ...TIMING });
    const stop = new AbortController();
    shutdown.push(stop);
    const ended = elector.run(stop.signal, {
      onStartedLeading: async (signal) => {
        timeline.push(`${identity} leads`);
        await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
        timeline.push(`${identity} stops`);
      },
    });
    return { elector, stop, ended };
  }

  const lease = async (): Promise<V1Lease> =>
    clients(server.kubeConfig()).coordination.readNamespacedLease({ name: "batch-gitops", namespace: "batch-system" });

  it("two replicas: exactly one leads, and the Lease names it", async () => {
    const a = replica("replica-a");
    const b = replica("replica-b");
    await until(() => a.elector.isLeader() || b.elector.isLeader(), "a leader");
    // Let several retry periods pass: the other one must keep waiting.
    await new Promise((resolve) => setTimeout(resolve, 500));
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
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(b.elector.isLeader()).toBe(false);

    api.partitioned = true;
    expect(await a.ended).toBe("lost");
    await until(() => b.elector.isLeader(), "replica-b to take over");
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
    const released = server.control
      .requests({ verb: "update", resource: "leases" })
      .map((r) => (r.body as V1Lease).spec?.holderIdentity);
    expect(released.at(-1)).toBe("");
    await until(() => b.elector.isLeader(), "replica-b to lead");
    expect((await lease()).spec?.holderIdentity).toBe("replica-b");
  });
});
