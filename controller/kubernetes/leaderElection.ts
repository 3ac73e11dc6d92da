/**
 * Leader election on a coordination.k8s.io/v1 Lease, with client-go's semantics:
 * - a candidate takes the lease when it is free (no holder) or when the holder has not renewed it
 *   for leaseDuration, measured on the candidate's own clock from when it last saw the record
 *   change (so clock skew between replicas does not matter);
 * - the leader renews every retryPeriod; when no renewal succeeded for renewDeadline it stops
 *   leading (its work is aborted) before anyone else can take over, since renewDeadline < leaseDuration;
 * - every write carries the resourceVersion read, so two candidates never both win (409);
 * - on shutdown the leader releases the lease (empty holder), so a successor need not wait.
 */
import type { Logger } from "pino";
import type { CoordinationV1Api, V1Lease } from "@kubernetes/client-node";
import { V1MicroTime } from "@kubernetes/client-node";
import { delay, systemClock, type Clock } from "../time/clock.js";
import { isConflict, isNotFound, kubeStatusCode } from "./errors.js";

/** The Lease calls leader election makes (a subset of client-node's CoordinationV1Api). */
export type LeaseApi = Pick<CoordinationV1Api, "readNamespacedLease" | "createNamespacedLease" | "replaceNamespacedLease">;

export interface LeaderElectionOptions {
  readonly api: LeaseApi;
  readonly namespace: string;
  readonly leaseName: string;
  /** Unique per replica, e.g. pod name plus a random suffix. */
  readonly identity: string;
  /** How long a lease stays valid without renewal. Stored in the Lease rounded up to whole seconds. */
  readonly leaseDurationMs: number;
  /** The leader gives up when it could not renew for this long; must be below leaseDurationMs. */
  readonly renewDeadlineMs: number;
  /** Interval between acquire or renew attempts. */
  readonly retryPeriodMs: number;
  readonly logger?: Logger;
  /** Time for lease expiry and the retry period. Default the system clock. */
  readonly clock?: Clock;
}

export interface LeaderCallbacks {
  /** Runs while leading; `signal` aborts when leadership ends. The elector waits for it before releasing. */
  onStartedLeading(signal: AbortSignal): Promise<void>;
  /** Called once leadership ended (lost or released). */
  onStoppedLeading?(): void;
  /** Called whenever a different holder is observed (including ourselves). */
  onNewLeader?(identity: string): void;
}

/** Why `run` returned: shutdown requested (lease released), leadership lost, or the leading work ended. */
export type LeaderElectionEnd = "shutdown" | "lost" | "finished";

export const DEFAULT_LEADER_ELECTION = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 } as const;

export class LeaderElector {
  readonly #options: LeaderElectionOptions;
  readonly #clock: Clock;
  readonly #now: () => number;
  #observed: V1Lease | undefined;
  #observedAt = 0;
  #observedHolder = "";
  #leading = false;

  constructor(options: LeaderElectionOptions) {
    if (options.renewDeadlineMs >= options.leaseDurationMs) {
      throw new Error("leader election: renewDeadline must be shorter than leaseDuration");
    }
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#now = () => this.#clock.now();
  }

  isLeader(): boolean {
    return this.#leading;
  }

  /** Campaigns until leading, leads until `signal` aborts or leadership is lost, then returns. */
  async run(signal: AbortSignal, callbacks: LeaderCallbacks): Promise<LeaderElectionEnd> {
    const acquired = await this.#acquire(signal, callbacks);
    if (!acquired) {
      return "shutdown";
    }
    this.#leading = true;
    this.#options.logger?.info({ lease: this.#options.leaseName, identity: this.#options.identity }, "acquired leadership");
    const leadership = new AbortController();
    const work = callbacks.onStartedLeading(leadership.signal).then(
      () => "finished" as const,
      (err: unknown) => {
        this.#options.logger?.error({ err }, "leading work failed");
        return "finished" as const;
      },
    );
    const renewing = this.#renewUntilLost(signal, leadership.signal);
    const end = await Promise.race([renewing, work]);
    leadership.abort();
    // Finish (or abandon) in-flight work, and let a renewal in flight land, before releasing the
    // lease, so a successor never overlaps with us and our release is the last write.
    await Promise.all([work, renewing]);
    this.#leading = false;
    if (end !== "lost") {
      await this.#release();
    }
    this.#options.logger?.info({ lease: this.#options.leaseName, end }, "stopped leading");
    callbacks.onStoppedLeading?.();
    return end;
  }

  async #acquire(signal: AbortSignal, callbacks: LeaderCallbacks): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.#tryAcquireOrRenew(callbacks)) {
        return true;
      }
      await delay(this.#clock, this.#options.retryPeriodMs, signal);
    }
    return false;
  }

  /** Renews every retryPeriod; resolves "lost" when renewal failed for renewDeadline, "shutdown" on abort. */
  async #renewUntilLost(shutdown: AbortSignal, leadership: AbortSignal): Promise<"lost" | "shutdown" | "finished"> {
    let lastRenewal = this.#now();
    while (!shutdown.aborted && !leadership.aborted) {
      await delay(this.#clock, this.#options.retryPeriodMs, AbortSignal.any([shutdown, leadership]));
      if (shutdown.aborted || leadership.aborted) {
        break;
      }
      if (await this.#tryAcquireOrRenew()) {
        lastRenewal = this.#now();
      } else if (this.#now() - lastRenewal >= this.#options.renewDeadlineMs) {
        this.#options.logger?.warn({ lease: this.#options.leaseName }, "failed to renew the lease before the deadline; leadership lost");
        return "lost";
      }
    }
    return shutdown.aborted ? "shutdown" : "finished";
  }

  async #tryAcquireOrRenew(callbacks?: LeaderCallbacks): Promise<boolean> {
    const { api, namespace, leaseName } = this.#options;
    let current: V1Lease;
    try {
      current = await api.readNamespacedLease({ name: leaseName, namespace });
    } catch (err: unknown) {
      if (isNotFound(err)) {
        return this.#create();
      }
      this.#logAttemptFailure("read", err);
      return false;
    }
    this.#observe(current, callbacks);
    if (!this.#canTake(current)) {
      return false;
    }
    return this.#replace(current);
  }

  /** Remembers when the record last changed, on our clock: the lease expires leaseDuration after that. */
  #observe(lease: V1Lease, callbacks?: LeaderCallbacks): void {
    if (recordFingerprint(this.#observed) !== recordFingerprint(lease)) {
      this.#observed = lease;
      this.#observedAt = this.#now();
    }
    const holder = lease.spec?.holderIdentity ?? "";
    if (holder !== this.#observedHolder) {
      this.#observedHolder = holder;
      callbacks?.onNewLeader?.(holder);
    }
  }

  #canTake(lease: V1Lease): boolean {
    const holder = lease.spec?.holderIdentity ?? "";
    if (holder === "" || holder === this.#options.identity) {
      return true;
    }
    return this.#now() - this.#observedAt >= this.#options.leaseDurationMs;
  }

  async #create(): Promise<boolean> {
    const { api, namespace, leaseName } = this.#options;
    try {
      const created = await api.createNamespacedLease({
        namespace,
        body: { metadata: { name: leaseName, namespace }, spec: this.#spec(undefined) },
      });
      this.#afterWrite(created);
      return true;
    } catch (err: unknown) {
      this.#logAttemptFailure("create", err);
      return false;
    }
  }

  async #replace(current: V1Lease): Promise<boolean> {
    const { api, namespace, leaseName } = this.#options;
    try {
      const body: V1Lease = { ...current, spec: this.#spec(current) };
      const updated = await api.replaceNamespacedLease({ name: leaseName, namespace, body });
      this.#afterWrite(updated);
      return true;
    } catch (err: unknown) {
      this.#logAttemptFailure("update", err);
      return false;
    }
  }

  #spec(current: V1Lease | undefined): V1Lease["spec"] {
    const now = new V1MicroTime(this.#now());
    const previous = current?.spec ?? {};
    const renewing = previous.holderIdentity === this.#options.identity;
    const transitions = previous.leaseTransitions ?? 0;
    return {
      holderIdentity: this.#options.identity,
      leaseDurationSeconds: Math.ceil(this.#options.leaseDurationMs / 1000),
      acquireTime: renewing ? (previous.acquireTime ?? now) : now,
      renewTime: now,
      leaseTransitions: current === undefined || renewing ? transitions : transitions + 1,
    };
  }

  #afterWrite(lease: V1Lease): void {
    this.#observed = lease;
    this.#observedAt = this.#now();
    this.#observedHolder = lease.spec?.holderIdentity ?? "";
  }

  /** Gives the lease up so the next candidate takes over at its next retry instead of after expiry. */
  async #release(): Promise<void> {
    const { api, namespace, leaseName, identity } = this.#options;
    try {
      const current = await api.readNamespacedLease({ name: leaseName, namespace });
      if (current.spec?.holderIdentity !== identity) {
        return;
      }
      const now = new V1MicroTime(this.#now());
      const spec = { ...current.spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: now, acquireTime: now };
      await api.replaceNamespacedLease({ name: leaseName, namespace, body: { ...current, spec } });
      this.#options.logger?.info({ lease: leaseName }, "released the lease");
    } catch (err: unknown) {
      // Not fatal: the lease then simply expires after leaseDuration.
      this.#logAttemptFailure("release", err);
    }
  }

  #logAttemptFailure(operation: string, err: unknown): void {
    if (!isConflict(err)) {
      this.#options.logger?.debug({ lease: this.#options.leaseName, operation, statusCode: kubeStatusCode(err) }, "lease operation failed");
    }
  }
}

/** What identifies one version of the lease record: any renewal changes it. */
function recordFingerprint(lease: V1Lease | undefined): string {
  if (lease === undefined) {
    return "";
  }
  const spec = lease.spec ?? {};
  return JSON.stringify([spec.holderIdentity, String(spec.renewTime), lease.metadata?.resourceVersion]);
}
