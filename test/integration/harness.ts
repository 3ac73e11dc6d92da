/**
 * Runs the engine in-process against a real emulator over HTTP through @azure/batch, with an
 * in-memory desired source loaded from manifest directories and recording ports.
 */
import pino from "pino";
import { vi } from "vitest";
import { createBatchAdapter } from "../../controller/batch/batchAdapter.js";
import { createArmPoolWriter } from "../../controller/batch/armPools.js";
import { withArmPools } from "../../controller/batch/armRouting.js";
import { devCertificate } from "../../emulator/http/dev-cert.js";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BatchAdapter } from "../../controller/batch/adapter.js";
import { entraCredentials, sharedKeyCredentials } from "../../controller/batch/credentials.js";
import { loadManifests } from "../../controller/manifests/loader.js";
import { createController, type EngineOptions } from "../../controller/runtime/controller.js";
import {
  isResourceKey,
  type Controller,
  type DesiredResource,
  type DesiredSource,
  type Problem,
  type ResourceKey,
  type ResourceStatus,
} from "../../controller/runtime/ports.js";
import { startEmulator, type RunningEmulator } from "../../emulator/index.js";
import { controllerClockOf } from "../helpers/emulatorClock.js";
import type { EmulatorOptions } from "../../emulator/index.js";

/** A desired source the test edits directly; changes notify the controller like a watcher would. */
export class MemorySource implements DesiredSource {
  readonly #resources = new Map<ResourceKey, DesiredResource>();
  #problems: Problem[] = [];
  #onChange: ((key: ResourceKey) => void) | undefined;

  async start(onChange: (key: ResourceKey) => void): Promise<void> {
    this.#onChange = onChange;
  }
  get(key: ResourceKey): DesiredResource | undefined {
    return this.#resources.get(key);
  }
  keys(): ResourceKey[] {
    return [...this.#resources.keys()];
  }
  problems(): Problem[] {
    return this.#problems;
  }

  set(resource: DesiredResource): void {
    const key = `${resource.kind}/${resource.namespace}/${resource.name}` as ResourceKey;
    this.#resources.set(key, resource);
    this.#onChange?.(key);
  }
  remove(key: ResourceKey): void {
    this.#resources.delete(key);
    this.#onChange?.(key);
  }
  /** Changes a resource's spec (generation bumped), like editing its file. */
  edit<T>(key: ResourceKey, change: (spec: T) => T): void {
    const current = this.#resources.get(key);
    if (current === undefined) throw new Error(`no resource ${key}`);
    this.set({ ...current, generation: current.generation + 1, spec: change(structuredClone(current.spec) as T) });
  }

  /** Reports a problem, like a manifest that fails validation (its key is then invalid for the engine). */
  addProblem(problem: Problem): void {
    this.#problems = [...this.#problems, problem];
    if (problem.key !== undefined) this.#onChange?.(problem.key);
  }
  /** Drops the problems of a key, like fixing its manifest. */
  clearProblems(key: ResourceKey): void {
    this.#problems = this.#problems.filter((p) => p.key !== key);
  }

  /** Loads every valid resource of a directory; problems keep their resource key. */
  async loadDir(dir: string): Promise<void> {
    const loaded = await loadManifests(dir);
    for (const r of loaded.resources) {
      this.set({
        kind: r.kind,
        namespace: r.namespace,
        name: r.name,
        generation: r.generation,
        spec: r.resource.spec,
        source: { location: `${r.source.file}:${r.source.line}` },
      });
    }
    const problems: Problem[] = loaded.problems.map((p) => {
      const key = `${p.kind}/${p.namespace ?? "default"}/${p.name}`;
      return {
        severity: p.severity,
        message: p.message,
        file: p.file,
        line: p.line,
        path: p.path,
        rule: p.rule,
        key: isResourceKey(key) ? key : undefined,
      };
    });
    this.#problems = [...this.#problems, ...problems];
    for (const p of problems) if (p.key !== undefined) this.#onChange?.(p.key);
  }
}

export interface Recorded {
  readonly events: { key: string; type: string; reason: string; message: string }[];
  readonly driftAlerts: { key: string; policy: string; corrected: boolean; differences: string[] }[];
  readonly stallAlerts: { key: string; reason: string; message: string }[];
  readonly statuses: Map<string, ResourceStatus>;
  /** Every status write in order: what a pass reported, even when the next pass soon replaced it. */
  readonly statusWrites: { key: string; status: ResourceStatus }[];
  /** Batch HTTP attempts by operation, as seen by the adapter. */
  readonly calls: Map<string, number>;
}

export interface Harness {
  readonly emulator: RunningEmulator;
  readonly batch: BatchAdapter;
  readonly source: MemorySource;
  readonly controller: Controller;
  readonly recorded: Recorded;
  /** Emulator responses by operation id (Pool_Add...), including dropped ones. */
  readonly served: Map<string, number>;
  start(): void;
  /** Waits until `predicate` holds on the latest status of `key`. */
  waitForStatus(key: ResourceKey, predicate: (s: ResourceStatus) => boolean, timeoutMs?: number): Promise<ResourceStatus>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  readonly emulator?: EmulatorOptions;
  readonly engine?: Partial<EngineOptions>;
  readonly managerId?: string;
  readonly auth?: "entra" | "sharedKey";
  /**
   * Pools with an identity through Resource Manager: the emulator also serves HTTPS (a dev certificate in
   * a temp dir) and the adapter routes identity pools to @azure/arm-batch (controller/batch/armRouting.ts).
   */
  readonly arm?: boolean;
  /** Share an emulator with another harness (a controller restart); it is then not closed by stop(). */
  readonly existingEmulator?: RunningEmulator;
  /** Run the engine on the emulator's clock, so `emulator.clock.advance` moves both (with `emulator: { clock: "virtual" }`). */
  readonly engineOnEmulatorClock?: boolean;
}

/** An unsigned token for the Batch audience: the emulator checks audience and expiry, not signatures. */
/** The Resource Manager id the harness gives the emulator's account (the emulator serves any subscription and group). */
export const TEST_ARM_ACCOUNT_PREFIX =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/test/providers/Microsoft.Batch/batchAccounts/";

function fakeEntraCredential(audience = "https://batch.core.windows.net/"): {
  getToken(): Promise<{ token: string; expiresOnTimestamp: number }>;
} {
  const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString("base64url");
  return {
    getToken: async () => {
      const exp = Math.floor(Date.now() / 1000) + 3600;
      return { token: `${b64({ alg: "none", typ: "JWT" })}.${b64({ aud: audience, exp })}.sig`, expiresOnTimestamp: exp * 1000 };
    },
  };
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const tls = options.arm === true ? await devCertificate(await mkdtemp(join(tmpdir(), "harness-tls-"))) : undefined;
  const emulator =
    options.existingEmulator ??
    (await startEmulator({ ...options.emulator, ...(tls === undefined ? {} : { tls: { cert: tls.cert, key: tls.key } }) }));
  const served = new Map<string, number>();
  emulator.observe((e) => served.set(e.operationId, (served.get(e.operationId) ?? 0) + 1));
  const recorded: Recorded = { events: [], driftAlerts: [], stallAlerts: [], statuses: new Map(), statusWrites: [], calls: new Map() };
  const data = createBatchAdapter({
    accountUrl: emulator.url,
    // Entra ID by default: gallery-image pools (one example) are refused with a shared key.
    credentials:
      options.auth === "sharedKey"
        ? sharedKeyCredentials(emulator.account.name, emulator.account.key)
        : entraCredentials(fakeEntraCredential()),
    retry: { baseDelayMs: 20, maxDelayMs: 200 },
    attemptTimeoutMs: 5_000,
    onCall: (op) => recorded.calls.set(op, (recorded.calls.get(op) ?? 0) + 1),
  });
  const arm =
    tls === undefined
      ? undefined
      : createArmPoolWriter({
          armResourceId: `${TEST_ARM_ACCOUNT_PREFIX}${emulator.account.name}`,
          armEndpoint: emulator.httpsUrl ?? "",
          credential: fakeEntraCredential("https://management.azure.com/"),
          trustedCa: tls.cert,
          onCall: (op) => recorded.calls.set(op, (recorded.calls.get(op) ?? 0) + 1),
        });
  const batch = withArmPools(data, arm);
  const source = new MemorySource();
  const abort = new AbortController();
  const controller = createController({
    source,
    batch,
    status: {
      write: async (key, status) => {
        recorded.statuses.set(key, status);
        recorded.statusWrites.push({ key, status });
      },
      remove: async (key) => void recorded.statuses.delete(key),
    },
    events: { record: (key, type, reason, message) => void recorded.events.push({ key, type, reason, message }) },
    metrics: {
      reconcileDone: () => undefined,
      driftDetected: () => undefined,
      batchCall: () => undefined,
      poolNodes: () => undefined,
      jobTasks: () => undefined,
    },
    alerts: {
      drift: (a) => void recorded.driftAlerts.push({ key: a.key, policy: a.policy, corrected: a.corrected, differences: a.differences }),
      stalled: (a) => void recorded.stallAlerts.push({ ...a }),
    },
    secrets: { resolveSecret: async () => "test-secret-value" },
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
    managerId: options.managerId ?? "itest",
    signal: abort.signal,
    clock: options.engineOnEmulatorClock === true ? controllerClockOf(emulator.clock) : undefined,
    resyncIntervalMs: 60_000,
    pollIntervalMs: 100,
    observationMaxAgeMs: 50,
    retryBaseDelayMs: 50,
    taskCountsFirstReadDelayMs: 20,
    retryMaxDelayMs: 1_000,
    ...options.engine,
  });
  let running: Promise<void> | undefined;
  return {
    emulator,
    batch,
    source,
    controller,
    recorded,
    served,
    start: () => {
      running = controller.run();
    },
    waitForStatus: async (key, predicate, timeoutMs = 60_000) => {
      let last: ResourceStatus | undefined;
      await vi.waitFor(
        () => {
          last = recorded.statuses.get(key);
          if (last === undefined || !predicate(last))
            throw new Error(`status of ${key} not as expected: ${JSON.stringify(last?.conditions)}`);
        },
        { timeout: timeoutMs, interval: 25 },
      );
      if (last === undefined) throw new Error("unreachable");
      return last;
    },
    stop: async () => {
      abort.abort();
      await running?.catch(() => undefined);
      if (options.existingEmulator === undefined) await emulator.close();
    },
  };
}

export function isReady(status: ResourceStatus): boolean {
  return status.conditions.some((c) => c.type === "Ready" && c.status === "True");
}

export function conditionOf(
  status: ResourceStatus | undefined,
  type: string,
): { status: string; reason: string; message: string } | undefined {
  return status?.conditions.find((c) => c.type === type);
}

/** A small fixed-scale pool resource (marketplace image, 1 node by default). */
export function poolResource(name: string, spec: Record<string, unknown> = {}, namespace = "default"): DesiredResource {
  return {
    kind: "BatchPool",
    namespace,
    name,
    generation: 1,
    source: { location: `test:${name}` },
    spec: {
      vmSize: "standard_d2s_v3",
      image: { marketplace: { publisher: "microsoft-dsvm", offer: "ubuntu-hpc", sku: "2204", version: "latest" } },
      nodeAgentSkuId: "batch.node.ubuntu 22.04",
      scale: { fixed: { targetDedicatedNodes: 1 } },
      ...spec,
    },
  };
}

/** A job on a BatchPool with `count` short tasks. */
export function jobResource(name: string, poolRef: string, spec: Record<string, unknown> = {}): DesiredResource {
  return {
    kind: "BatchJob",
    namespace: "default",
    name,
    generation: 1,
    source: { location: `test:${name}` },
    spec: {
      poolRef: { name: poolRef },
      tasks: [
        { id: "t1", commandLine: "echo one" },
        { id: "t2", commandLine: "echo two" },
      ],
      ...spec,
    },
  };
}

/** A BatchJob `sweep` of `count` tasks (`t-000000`…) from a task factory, on an empty pool `sweep-pool` so every task stays active. */
export function setEmptyPoolSweep(source: MemorySource, count: number): void {
  source.set(poolResource("sweep-pool", { scale: { fixed: { targetDedicatedNodes: 0 } } }));
  source.set(
    jobResource("sweep", "sweep-pool", {
      tasks: undefined,
      taskFactory: {
        parametricSweep: {
          parameters: [{ name: "i", start: 0, end: count - 1 }],
          taskTemplate: { id: "t-{i:06}", commandLine: "echo {i}" },
        },
      },
    }),
  );
}

export function nodes(status: ResourceStatus): string {
  const p = status.pool;
  return p === undefined ? "-" : `${p.currentDedicatedNodes}/${p.targetDedicatedNodes}`;
}
