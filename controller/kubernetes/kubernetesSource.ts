/**
 * DesiredSource for cluster mode: BatchPool, BatchJob and BatchAccount informers (list+watch, see
 * controller/kubernetes/informer.ts) feeding keys to the engine's queue. Sources only emit keys;
 * the engine re-reads `get(key)` from the informer cache on every reconcile.
 *
 * Cluster-specific duties kept here (the finalizer is the engine's step, through the Finalizers
 * port in finalizers.ts):
 * - a Secret change re-queues the resources that reference the Secret;
 * - a BatchPool being deleted while BatchJobs still reference it through poolRef is kept alive
 *   (reported as not yet deleting) until those jobs are gone: see docs/adr/0010.
 */
import type { Logger } from "pino";
import type { DesiredResource, DesiredSource, Problem, ResourceKey, ResourceKind, ResourceStatus, SourceChange } from "../runtime/ports.js";
import { parseResourceKey, resourceKey } from "../runtime/ports.js";
import { Informer, type InformerEvent, type WatchClient } from "./informer.js";
import type { CustomResourceClient } from "./customObjects.js";
import type { BackoffPolicy } from "../time/backoff.js";
import type { Clock } from "../time/clock.js";
import { findSecretRefs } from "./secretRefs.js";
import { RESOURCE_KINDS, collectionPath, isBeingDeleted, keyOf, type CustomResource, type WatchedKind } from "./resources.js";
import { enqueueReason } from "./predicates.js";
import { deletionBlockedStatus } from "./deletionOrder.js";
import { BatchRuleChecker } from "./batchRules.js";
import type { AuthMode } from "../validation/index.js";

export interface KubernetesSourceOptions {
  readonly client: CustomResourceClient;
  readonly watch: WatchClient;
  /** Only this namespace; all namespaces when undefined. */
  readonly namespace?: string;
  /** Only objects matching this label selector (sharding across controller deployments). */
  readonly labelSelector?: string;
  readonly logger?: Logger;
  readonly backoff?: BackoffPolicy;
  /** Time for the informers' backoff. Default the system clock. */
  readonly clock?: Clock;
  readonly watchTimeoutSeconds?: number;
  /** Secret changes to map to resources; omitted when secrets are not watched. */
  readonly secretChanges?: { start(onChange: (namespace: string, name: string) => void, signal: AbortSignal): Promise<void> };
  /** How the controller authenticates to Batch, for the Batch-aware rules (gallery images need Entra ID). */
  readonly authMode?: AuthMode;
  /** Called when a pool's deletion waits for jobs, so it can become an Event. */
  readonly onDeletionBlocked?: (key: ResourceKey, blockingJobs: string[]) => void;
}

export class KubernetesSource implements DesiredSource {
  readonly #options: KubernetesSourceOptions;
  readonly #informers: Record<WatchedKind, Informer<CustomResource>>;
  #emit: (key: ResourceKey, change?: SourceChange) => void = () => undefined;
  readonly #blockedNotified = new Set<ResourceKey>();
  readonly #rules: BatchRuleChecker;

  constructor(options: KubernetesSourceOptions) {
    this.#options = options;
    this.#rules = new BatchRuleChecker(options.authMode ?? "entra");
    this.#informers = {
      BatchPool: this.#makeInformer("BatchPool"),
      BatchJob: this.#makeInformer("BatchJob"),
      BatchAccount: this.#makeInformer("BatchAccount"),
    };
  }

  async start(onChange: (key: ResourceKey, change?: SourceChange) => void, signal: AbortSignal): Promise<void> {
    this.#emit = onChange;
    for (const kind of RESOURCE_KINDS) {
      void this.#informers[kind].run(signal);
    }
    const aborted = new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
    const synced = Promise.all([
      ...RESOURCE_KINDS.map((kind) => this.#informers[kind].synced()),
      this.#options.secretChanges?.start((ns, name) => this.#onSecretChange(ns, name), signal),
    ]);
    await Promise.race([synced, aborted]);
  }

  get(key: ResourceKey): DesiredResource | undefined {
    const object = this.object(key);
    if (object === undefined) {
      return undefined;
    }
    const { kind, namespace, name } = parseResourceKey(key);
    const generation = object.metadata?.generation ?? 0;
    return {
      kind,
      namespace,
      name,
      generation,
      spec: object.spec ?? {},
      source: { location: "cluster", revision: String(generation) },
      deletionRequested: isBeingDeleted(object) && this.blockingJobs(key).length === 0,
    };
  }

  keys(): ResourceKey[] {
    return RESOURCE_KINDS.flatMap((kind) => this.#informers[kind].list().flatMap((object) => keyOf(kind, object) ?? []));
  }

  /**
   * Schema errors are refused by the API server (CRD schema); what remains are the Batch-aware
   * rules, checked per object version.
   */
  problems(): Problem[] {
    const keys = new Set<ResourceKey>();
    const problems = RESOURCE_KINDS.flatMap((kind) =>
      this.#informers[kind].list().flatMap((object) => {
        const key = keyOf(kind, object);
        if (key === undefined) {
          return [];
        }
        keys.add(key);
        return this.#rules.problemsOf(key, object);
      }),
    );
    this.#rules.retain(keys);
    return problems;
  }

  /** The informer's current copy of an object. */
  object(key: ResourceKey): CustomResource | undefined {
    const { kind, namespace, name } = parseResourceKey(key);
    return this.#informers[kind].get(namespace, name);
  }

  /** Names of BatchJobs that still use a pool through poolRef; empty for jobs and unreferenced pools. */
  blockingJobs(key: ResourceKey): string[] {
    const { kind, namespace, name } = parseResourceKey(key);
    if (kind !== "BatchPool") {
      return [];
    }
    return this.#informers.BatchJob.list()
      .filter((job) => job.metadata?.namespace === namespace && poolRefName(job) === name)
      .map((job) => job.metadata?.name ?? "")
      .sort();
  }

  /** Shows a deletion that waits for jobs in the pool's conditions (used by the status writer). */
  adjustStatus(key: ResourceKey, status: ResourceStatus): ResourceStatus {
    const object = this.object(key);
    const blocking = this.blockingJobs(key);
    if (object === undefined || !isBeingDeleted(object) || blocking.length === 0) {
      return status;
    }
    return deletionBlockedStatus(status, blocking, object.metadata?.generation ?? 0, new Date().toISOString());
  }

  #makeInformer(kind: ResourceKind): Informer<CustomResource> {
    const { namespace, labelSelector } = this.#options;
    return new Informer<CustomResource>({
      name: kind,
      watchPath: collectionPath(kind, namespace),
      list: () => this.#options.client.list(kind, { namespace, labelSelector }),
      watch: this.#options.watch,
      labelSelector,
      logger: this.#options.logger,
      backoff: this.#options.backoff,
      clock: this.#options.clock,
      watchTimeoutSeconds: this.#options.watchTimeoutSeconds,
      onEvent: (event) => this.#onEvent(kind, event),
    });
  }

  #onEvent(kind: ResourceKind, event: InformerEvent<CustomResource>): void {
    const key = keyOf(kind, event.object);
    const reason = enqueueReason(event);
    if (key === undefined || reason === undefined) {
      return;
    }
    this.#options.logger?.debug({ key, reason }, "queued");
    this.#emit(key, reason === "ReconcileRequested" ? { requested: true } : undefined);
    if (kind === "BatchAccount") {
      this.#emitAccountUsers(key);
    } else if (kind === "BatchJob") {
      this.#emitReferencedPool(event);
    } else {
      this.#noteBlockedDeletion(key);
    }
  }

  /** A job that goes away (or changes its poolRef) may unblock a pool's deletion. */
  #emitReferencedPool(event: InformerEvent<CustomResource>): void {
    const namespace = event.object.metadata?.namespace;
    const pools = new Set([poolRefName(event.object), event.type === "updated" ? poolRefName(event.old) : undefined]);
    for (const pool of pools) {
      if (namespace !== undefined && pool !== undefined) {
        const poolKey = resourceKey("BatchPool", namespace, pool);
        const poolObject = this.object(poolKey);
        if (poolObject !== undefined && isBeingDeleted(poolObject)) {
          this.#emit(poolKey);
        }
      }
    }
  }

  /**
   * A BatchAccount that appears, changes, goes, or whose key Secret changes: its pools and jobs are
   * reconciled again (one stalled on AccountNotFound or CredentialRefused may now proceed).
   */
  #emitAccountUsers(accountKey: ResourceKey): void {
    const { namespace, name } = parseResourceKey(accountKey);
    for (const kind of ["BatchPool", "BatchJob"] as const) {
      for (const object of this.#informers[kind].list()) {
        const key = keyOf(kind, object);
        if (key !== undefined && object.metadata?.namespace === namespace && accountRefName(object) === name) this.#emit(key);
      }
    }
  }

  #noteBlockedDeletion(key: ResourceKey): void {
    const object = this.object(key);
    const blocking = this.blockingJobs(key);
    if (object === undefined || !isBeingDeleted(object) || blocking.length === 0) {
      this.#blockedNotified.delete(key);
      return;
    }
    if (!this.#blockedNotified.has(key)) {
      this.#blockedNotified.add(key);
      this.#options.onDeletionBlocked?.(key, blocking);
    }
  }

  #onSecretChange(namespace: string, secretName: string): void {
    for (const kind of RESOURCE_KINDS) {
      for (const object of this.#informers[kind].list()) {
        const key = keyOf(kind, object);
        const uses = object.metadata?.namespace === namespace && findSecretRefs(object.spec).some((r) => r.name === secretName);
        if (key !== undefined && uses) {
          this.#options.logger?.debug({ key, secretName: `${namespace}/${secretName}` }, "referenced Secret changed; queued");
          this.#emitWithUsers(kind, key);
        }
      }
    }
  }

  /** The key, and for a BatchAccount also the pools and jobs naming it. */
  #emitWithUsers(kind: ResourceKind, key: ResourceKey): void {
    this.#emit(key);
    if (kind === "BatchAccount") this.#emitAccountUsers(key);
  }
}

function accountRefName(object: CustomResource): string | undefined {
  const ref = (object.spec as { accountRef?: { name?: unknown } } | undefined)?.accountRef;
  return typeof ref?.name === "string" ? ref.name : undefined;
}

function poolRefName(job: CustomResource): string | undefined {
  const ref = (job.spec as { poolRef?: { name?: unknown } } | undefined)?.poolRef;
  return typeof ref?.name === "string" ? ref.name : undefined;
}
