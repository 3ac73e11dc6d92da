import type { AbortSignalLike } from "@azure/ms-rest-js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EmulatorControlClient } from "../../emulator/control-client.js";
import { batchError, startSdkHarness, type SdkHarness } from "./helpers/sdk.js";

const poolSpec = {
  vmSize: "standard_d2s_v3",
  virtualMachineConfiguration: {
    imageReference: { publisher: "canonical", offer: "0001-com-ubuntu-server-jammy", sku: "22_04-lts", version: "latest" },
    nodeAgentSKUId: "batch.node.ubuntu 22.04",
  },
};

let h: SdkHarness;
let control: EmulatorControlClient;
beforeEach(async () => {
  h = await startSdkHarness();
  control = new EmulatorControlClient(h.emulator.url);
});
afterEach(async () => {
  expect(h.violations).toEqual([]);
  await h.close();
});

/** The error an SDK call fails with, including transport errors (no HTTP status). */
async function failure(call: Promise<unknown>): Promise<{ statusCode?: number; code?: string; retryAfter?: string }> {
  try {
    await call;
  } catch (err: unknown) {
    const e = err as { statusCode?: number; code?: string; response?: { headers?: { get(name: string): string | undefined } } };
    return { statusCode: e.statusCode, code: e.code, retryAfter: e.response?.headers?.get("retry-after") };
  }
  throw new Error("expected the call to fail");
}

describe("control API: faults per operation", () => {
  it("429 TooManyRequests carries Retry-After and affects only `count` requests", async () => {
    await h.client.pool.add({ id: "p", ...poolSpec });
    await control.addFault({ operationId: "Pool_Get", kind: "throttle", count: 1, retryAfterSeconds: 1 });
    // ms-rest-js's throttling policy waits Retry-After (one real second here) before giving up.
    expect(await failure(h.client.pool.get("p"))).toMatchObject({ statusCode: 429, code: "TooManyRequests", retryAfter: "1" });
    expect((await h.client.pool.get("p")).id).toBe("p");
    expect((await control.counters()).Pool_Get).toEqual({ "429": 1, "200": 1 });
  });

  it("503 ServerBusy carries Retry-After; 500 InternalError and OperationTimedOut fail the call", async () => {
    await control.addFault({ operationId: "Pool_List", kind: "busy", count: 1, retryAfterSeconds: 7 });
    await control.addFault({ operationId: "Pool_List", kind: "error", count: 1 });
    await control.addFault({ operationId: "Pool_List", kind: "timeout", count: 1 });
    expect(await failure(h.client.pool.list())).toMatchObject({ statusCode: 503, code: "ServerBusy", retryAfter: "7" });
    expect(await failure(h.client.pool.list())).toMatchObject({ statusCode: 500, code: "InternalError" });
    expect(await failure(h.client.pool.list())).toMatchObject({ statusCode: 500, code: "OperationTimedOut" });
    expect(await h.client.pool.list()).toHaveLength(0);
    expect((await control.faults()).map((f) => f.fired)).toEqual([1, 1, 1]);
  });

  it("a connection reset reaches the client as a transport error, and the operation did not happen", async () => {
    await control.addFault({ operationId: "Pool_Add", kind: "reset", count: 1 });
    const error = await failure(h.client.pool.add({ id: "reset", ...poolSpec }));
    expect(error.statusCode).toBeUndefined();
    expect((await h.client.pool.exists("reset")).body).toBe(false);
    expect((await control.counters()).Pool_Add).toEqual({ dropped: 1 });
  });

  it("'response lost' applies the operation and then cuts the connection", async () => {
    await control.addFault({ operationId: "Pool_Add", kind: "responseLost", count: 1 });
    const error = await failure(h.client.pool.add({ id: "lost", ...poolSpec }));
    expect(error.statusCode).toBeUndefined();
    expect((await h.client.pool.exists("lost")).body).toBe(true);
    // A client that retries the add learns the pool is already there.
    expect(await batchError(h.client.pool.add({ id: "lost", ...poolSpec }))).toMatchObject({ status: 409, code: "PoolExists" });
  });

  it("added latency delays but does not fail the call; probability 0 < p ≤ 1 with a count", async () => {
    await control.addFault({ operationId: "Pool_List", kind: "latency", latencyMs: 20, count: 2 });
    expect(await h.client.pool.list()).toHaveLength(0);
    await control.addFault({ operationId: "*", kind: "error", probability: 0.5, count: 3 });
    let failures = 0;
    for (let i = 0; i < 20; i++) {
      try {
        await h.client.account.listSupportedImages();
      } catch {
        failures += 1;
      }
    }
    expect(failures).toBe(3);
    const [latency, random] = await control.faults();
    expect(latency?.fired).toBe(1);
    expect(random?.fired).toBe(3);
  });

  it("'response time' applies the operation on arrival and answers only latencyMs after the request arrived", async () => {
    await control.addFault({ operationId: "Pool_Add", kind: "responseTime", latencyMs: 60_000, count: 1 });
    const cancel = new AbortController();
    let answered = false;
    // ms-rest-js types its own AbortSignalLike; a DOM AbortSignal satisfies it at runtime.
    const abortSignal = cancel.signal as unknown as AbortSignalLike;
    const add = h.client.pool.add({ id: "held", ...poolSpec }, { abortSignal }).finally(() => (answered = true));
    // The pool exists while its add still waits for the answer.
    while (!(await h.client.pool.exists("held")).body);
    expect(answered).toBe(false);
    cancel.abort();
    await expect(add).rejects.toThrow();

    await control.addFault({ operationId: "Pool_List", kind: "responseTime", latencyMs: 300, count: 1 });
    const sent = performance.now();
    expect(await h.client.pool.list()).toHaveLength(1);
    expect(performance.now() - sent).toBeGreaterThanOrEqual(300);
    expect((await control.faults()).map((f) => [f.kind, f.fired])).toEqual([
      ["responseTime", 1],
      ["responseTime", 1],
    ]);
    // Each rule says when its answers were released, measured from arrival: never before latencyMs.
    const listed = (await control.faults()).find((f) => f.operationId === "Pool_List");
    expect(listed?.released?.count).toBe(1);
    expect(listed?.released?.maxMs).toBeGreaterThanOrEqual(300);
    expect(listed?.released?.sumMs).toBe(listed?.released?.maxMs);
  });

  it("'response time' answers what the operation saw when it ran, not what changed while the answer waited", async () => {
    await h.client.pool.add({ id: "seen", ...poolSpec, metadata: [{ name: "v", value: "1" }] });
    await control.addFault({ operationId: "Pool_Get", kind: "responseTime", latencyMs: 60_000, count: 1 });
    const get = h.client.pool.get("seen");
    while ((await control.faults()).find((f) => f.operationId === "Pool_Get")?.fired !== 1);
    await control.setPoolMetadata("seen", [{ name: "v", value: "2" }]);
    await control.clearFaults();
    expect((await h.client.pool.get("seen")).metadata).toEqual([{ name: "v", value: "2" }]);
    h.emulator.control.faults.close();
    expect((await get).metadata).toEqual([{ name: "v", value: "1" }]);
  });

  it("faults can be scoped to an account and removed", async () => {
    const fault = await control.addFault({ operationId: "Pool_List", kind: "error", account: "someoneelse" });
    expect(await h.client.pool.list()).toHaveLength(0);
    await control.removeFault(fault.id);
    expect(await control.faults()).toEqual([]);
  });
});

describe("control API: rate limit", () => {
  it("answers 429 with Retry-After beyond the account's rate, refilling on the emulator clock", async () => {
    await control.setRateLimit({ requestsPerSecond: 1, burst: 2 });
    await h.client.pool.list();
    await h.client.pool.list();
    // The SDK retries a 429 once after Retry-After; the virtual clock has not moved, so it fails again.
    const throttled = await failure(h.client.pool.list());
    expect(throttled).toMatchObject({ statusCode: 429, code: "TooManyRequests", retryAfter: "1" });
    h.advance(1_000);
    expect(await h.client.pool.list()).toHaveLength(0);
    await control.clearRateLimits();
    for (let i = 0; i < 5; i++) await h.client.pool.list();
  });
});

describe("control API: out-of-band changes, counters, reset, clock", () => {
  it("resizes, edits metadata and deletes a pool as the portal would", async () => {
    await h.client.pool.add({ id: "portal", ...poolSpec, metadata: [{ name: "a", value: "1" }] });
    const before = await h.client.pool.get("portal");
    await control.resizePool("portal", { targetDedicatedNodes: 2 });
    await control.setPoolMetadata("portal", [{ name: "edited", value: "by-hand" }]);
    const after = await h.client.pool.get("portal");
    expect(after).toMatchObject({ targetDedicatedNodes: 2, allocationState: "resizing", metadata: [{ name: "edited", value: "by-hand" }] });
    expect(after.eTag).not.toBe(before.eTag);
    // A client holding the old ETag now fails its conditional update.
    const stale = h.client.pool.patch("portal", { metadata: [] }, { poolPatchOptions: { ifMatch: before.eTag } });
    expect(await batchError(stale)).toMatchObject({ status: 412, code: "ConditionNotMet" });

    await control.deletePool("portal");
    expect((await h.client.pool.get("portal")).state).toBe("deleting");
    await control.advanceClock(h.emulator.timing.poolDeletingMs);
    expect((await h.client.pool.exists("portal")).body).toBe(false);
  });

  it("counts calls by operation and status, and reset drops state, faults and counters", async () => {
    await h.client.pool.add({ id: "c", ...poolSpec });
    await batchError(h.client.pool.get("nope"));
    await control.addFault({ operationId: "Pool_Get", kind: "error" });
    const counters = await control.counters();
    expect(counters.Pool_Add).toEqual({ "201": 1 });
    expect(counters.Pool_Get).toEqual({ "404": 1 });
    await control.reset();
    expect(await control.counters()).toEqual({});
    expect(await control.faults()).toEqual([]);
    expect((await h.client.pool.exists("c")).body).toBe(false);
  });

  it("refuses unknown actions with the list of known ones", async () => {
    await expect(control.action("noSuchThing", {})).rejects.toMatchObject({ status: 404 });
  });
});
