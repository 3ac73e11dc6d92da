/**
 * The cluster-mode StatusWriter: writes the engine's status to the `/status` subresource.
 * - Nothing is written when the status equals what the object already shows (ignoring
 *   lastSyncTime), so a steady-state resync costs no API write and no watch event.
 * - A write carries the resourceVersion it was computed against; a 409 re-reads the object and
 *   tries again on fresh state.
 * - Progress-only changes (same generation, same condition statuses and reasons: a resize
 *   counting nodes, a large submission counting tasks) are throttled to one write per
 *   progressIntervalMs per resource; the latest one is written when the interval ends.
 * - remove(key) is the engine saying "cleaned up": it forgets what it wrote (the finalizer is released
 *   by the engine through the Finalizers port, see finalizers.ts).
 */
import type { Logger } from "pino";
import type { ResourceKey, ResourceStatus, StatusMeta, StatusWriter } from "../runtime/ports.js";
import { parseResourceKey } from "../runtime/ports.js";
import type { CustomResourceClient, ObjectName } from "./customObjects.js";
import type { CustomResource } from "./resources.js";
import { toCrdStatus, type CrdStatus } from "./crdStatus.js";
import { isConflict, isNotFound } from "./errors.js";
import { systemClock, type Clock } from "../time/clock.js";
import { Throttle } from "../time/throttle.js";

export interface KubeStatusWriterOptions {
  readonly client: CustomResourceClient;
  /** The informer's copy of an object: saves a GET per write and supplies the spec for printer fields. */
  readonly lookup: (key: ResourceKey) => CustomResource | undefined;
  readonly redact?: (text: string) => string;
  /** Last say on a status before it is written (the source uses it to show a blocked deletion). */
  readonly adjust?: (key: ResourceKey, status: ResourceStatus) => ResourceStatus;
  /** Minimum time between two progress-only writes of one resource. Default 10 s. */
  readonly progressIntervalMs?: number;
  readonly logger?: Logger;
  /** Time for the progress interval. Default the system clock. */
  readonly clock?: Clock;
}

const MAX_CONFLICT_RETRIES = 5;

interface Written {
  readonly status: CrdStatus;
}

export class KubeStatusWriter implements StatusWriter {
  readonly #options: KubeStatusWriterOptions;
  readonly #clock: Clock;
  readonly #written = new Map<ResourceKey, Written>();
  /** Per resource: the throttle of its progress-only writes. */
  readonly #throttles = new Map<ResourceKey, Throttle>();
  /** API writes made (status PUTs), for tests and debugging. */
  writes = 0;

  constructor(options: KubeStatusWriterOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  async write(key: ResourceKey, status: ResourceStatus, meta: StatusMeta): Promise<void> {
    const spec = this.#options.lookup(key)?.spec;
    const adjusted = this.#options.adjust?.(key, status) ?? status;
    const desired = redactStrings(toCrdStatus(meta.kind, adjusted, spec), this.#options.redact);
    const last = this.#written.get(key);
    const throttle = this.#throttle(key);
    if (last !== undefined && sameStatus(last.status, desired)) {
      // We own this status and already wrote exactly this; a stale informer copy must not cause a write.
      void throttle.cancel();
      return;
    }
    if (last !== undefined && isProgressOnly(last.status, desired)) {
      // Written now when the interval has passed (and awaited), else the latest one is written when it ends.
      await throttle.submit(() => this.#writeNow(key, desired));
      return;
    }
    void throttle.cancel();
    await this.#writeNow(key, desired);
    throttle.markRun();
  }

  remove(key: ResourceKey): Promise<void> {
    void this.#throttles.get(key)?.cancel();
    this.#throttles.delete(key);
    this.#written.delete(key);
    return Promise.resolve();
  }

  /** Writes every deferred progress update now (shutdown, tests). */
  async flush(): Promise<void> {
    await Promise.all(
      [...this.#throttles].map(([key, throttle]) => throttle.flush().catch((err: unknown) => this.#deferredFailed(key, err))),
    );
  }

  /** Drops deferred updates without writing them. */
  close(): void {
    for (const throttle of this.#throttles.values()) void throttle.cancel();
  }

  #throttle(key: ResourceKey): Throttle {
    let throttle = this.#throttles.get(key);
    if (throttle === undefined) {
      const intervalMs = this.#options.progressIntervalMs ?? 10_000;
      throttle = new Throttle({ clock: this.#clock, intervalMs, onError: (err) => this.#deferredFailed(key, err) });
      this.#throttles.set(key, throttle);
    }
    return throttle;
  }

  #deferredFailed(key: ResourceKey, err: unknown): void {
    this.#options.logger?.warn({ key, err }, "deferred status write failed");
  }

  async #writeNow(key: ResourceKey, desired: CrdStatus): Promise<void> {
    const ref: ObjectName = parseResourceKey(key);
    let object = this.#options.lookup(key) ?? (await this.#options.client.get(ref));
    for (let attempt = 1; object !== undefined; attempt++) {
      if (sameStatus(object.status, desired)) {
        this.#written.set(key, { status: desired });
        return;
      }
      try {
        await this.#options.client.replaceStatus(ref, { ...object, status: desired });
        this.writes += 1;
        this.#written.set(key, { status: desired });
        return;
      } catch (err: unknown) {
        if (isNotFound(err)) {
          return;
        }
        if (!isConflict(err) || attempt >= MAX_CONFLICT_RETRIES) {
          throw err;
        }
      }
      object = await this.#options.client.get(ref);
    }
  }
}

/** Equal apart from lastSyncTime, which alone never justifies a write. */
export function sameStatus(current: unknown, desired: CrdStatus): boolean {
  return canonical(withoutSyncTime(current)) === canonical(withoutSyncTime(desired));
}

/** True when only figures and messages moved: same generation, ids, and condition statuses/reasons. */
export function isProgressOnly(previous: CrdStatus, next: CrdStatus): boolean {
  const shape = (s: CrdStatus): string =>
    canonical({
      observedGeneration: s.observedGeneration,
      poolId: s.poolId,
      jobId: s.jobId,
      allocationState: s.allocationState,
      state: s.state,
      conditions: Array.isArray(s.conditions)
        ? (s.conditions as { type?: unknown; status?: unknown; reason?: unknown }[]).map((c) => [c.type, c.status, c.reason])
        : [],
    });
  return shape(previous) === shape(next);
}

function withoutSyncTime(status: unknown): unknown {
  if (typeof status !== "object" || status === null) {
    return {};
  }
  const { lastSyncTime: _ignored, ...rest } = status as Record<string, unknown>;
  return rest;
}

/** JSON with sorted keys, so equality does not depend on property order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

function redactStrings(status: CrdStatus, redact: ((text: string) => string) | undefined): CrdStatus {
  if (redact === undefined) {
    return status;
  }
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") {
      return redact(v);
    }
    if (Array.isArray(v)) {
      return v.map(walk);
    }
    if (typeof v === "object" && v !== null) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(status) as CrdStatus;
}
