/**
 * The resync figure per account (ADR 0004, 0025): with two accounts, a steady-state resync costs
 * each account one pool page and one job page, and nothing else. Engines on a ManualClock, as in
 * resync-cost.test.ts, so the count does not depend on machine speed.
 */
import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createBatchAdapter } from "../../controller/batch/batchAdapter.js";
import { sharedKeyCredentials } from "../../controller/batch/credentials.js";
import { createMultiAccountController } from "../../controller/runtime/accounts.js";
import type { ResourceKey, ResourceStatus } from "../../controller/runtime/ports.js";
import { ManualClock } from "../../controller/time/manualClock.js";
import { devAccount, startEmulator, type Account, type RunningEmulator } from "../../emulator/index.js";
import { isReady, jobResource, MemorySource, poolResource } from "./harness.js";

const POOLS = 60;
const JOBS = 5;
const RESYNC_MS = 60_000;
const POLL_MS = 100;
const west: Account = { name: "teamwest", key: Buffer.from("west key").toString("base64") };

describe("steady-state resync cost per account", () => {
  let emulator: RunningEmulator | undefined;
  const abort = new AbortController();
  afterEach(async () => {
    abort.abort();
    await emulator?.close();
  });

  it("lists each account's pools and jobs once per resync", async () => {
    emulator = await startEmulator({ accounts: [devAccount, west] });
    const url = emulator.url;
    const clock = new ManualClock(Date.now());
    const calls = new Map<string, number>();
    const count = (account: string, op: string): void => void calls.set(`${account} ${op}`, (calls.get(`${account} ${op}`) ?? 0) + 1);
    const statuses = new Map<ResourceKey, ResourceStatus>();
    const source = new MemorySource();
    const controller = createMultiAccountController({
      source,
      batch: createBatchAdapter({
        accountUrl: url,
        credentials: sharedKeyCredentials(devAccount.name, devAccount.key),
        onCall: (op) => count("default", op),
      }),
      connectAccount: (config, account) =>
        createBatchAdapter({
          accountUrl: config.url,
          credentials: sharedKeyCredentials(
            config.auth.kind === "shared-key" ? config.auth.accountName : "",
            config.auth.kind === "shared-key" ? config.auth.accountKey.reveal() : "",
          ),
          onCall: (op) => count(account, op),
        }),
      status: { write: async (key, status) => void statuses.set(key, status) },
      events: { record: () => undefined },
      metrics: {
        reconcileDone: () => undefined,
        driftDetected: () => undefined,
        batchCall: () => undefined,
        poolNodes: () => undefined,
        jobTasks: () => undefined,
      },
      alerts: { drift: () => undefined, stalled: () => undefined },
      secrets: { resolveSecret: async () => west.key },
      logger: pino({ level: "silent" }),
      managerId: "accounts-resync",
      signal: abort.signal,
      clock,
      resyncIntervalMs: RESYNC_MS,
      pollIntervalMs: POLL_MS,
      observationMaxAgeMs: 60_000,
      concurrency: 8,
    });
    source.set({
      kind: "BatchAccount",
      namespace: "default",
      name: "west",
      generation: 1,
      source: { location: "test" },
      spec: { url, accountName: west.name, auth: { sharedKey: { secretRef: { name: "west", key: "key" } } } },
    });
    for (const [account, prefix] of [
      [undefined, "d"],
      ["west", "w"],
    ] as const) {
      const accountRef = account === undefined ? {} : { accountRef: { name: account } };
      for (let i = 0; i < POOLS; i++)
        source.set(poolResource(`${prefix}-idle-${i}`, { scale: { fixed: { targetDedicatedNodes: 0 } }, ...accountRef }));
      source.set(poolResource(`${prefix}-workers`, accountRef));
      for (let i = 0; i < JOBS; i++)
        source.set(jobResource(`${prefix}-job-${i}`, `${prefix}-workers`, { tasks: [{ id: "only", commandLine: "echo" }], ...accountRef }));
    }
    const running = controller.run();

    /** Moves the engines' clock a poll at a time (Batch runs on real time) until `done` holds. */
    const drive = async (done: () => boolean | Promise<boolean>): Promise<void> => {
      for (let step = 0; step < 3_000 && !(await done()); step++) {
        await clock.advance(POLL_MS);
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(await done()).toBe(true);
    };
    const converged = (): boolean =>
      source.keys().every((key) => {
        const status = statuses.get(key);
        return status !== undefined && isReady(status) && (status.job === undefined || status.job.taskCounts.succeeded === 1);
      });
    // Quiet: nothing queued or in flight, and only the two engines' resync timers left.
    const quiet = async (): Promise<boolean> => {
      await controller.idle();
      return clock.pending() === 2 && (clock.nextDueInMs() ?? 0) > POLL_MS;
    };
    await drive(converged);
    await drive(quiet);

    const before = new Map(calls);
    // Each engine has its own resync timer (armed when it started): one interval fires both.
    await clock.advance(RESYNC_MS);
    await vi.waitFor(() => expect((calls.get("default/west pool.list") ?? 0) > (before.get("default/west pool.list") ?? 0)).toBe(true), {
      timeout: 30_000,
    });
    await vi.waitFor(() => expect((calls.get("default pool.list") ?? 0) > (before.get("default pool.list") ?? 0)).toBe(true), {
      timeout: 30_000,
    });
    await drive(quiet);
    const delta = Object.fromEntries([...calls].map(([op, n]) => [op, n - (before.get(op) ?? 0)] as const).filter(([, n]) => n > 0));
    expect(delta).toEqual({ "default pool.list": 1, "default job.list": 1, "default/west pool.list": 1, "default/west job.list": 1 });
    expect(statuses.get("BatchPool/default/w-workers")?.account).toBe("default/west");
    abort.abort();
    await running;
  }, 180_000);
});
