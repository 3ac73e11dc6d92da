/**
 * A list+watch cache of one resource collection, built on client-node's Watch. We do not use
 * client-node's ListWatch because it stops for good on the first non-410 error and hands update
 * callbacks only the new object, while our predicates compare old and new (generation,
 * annotations, finalizers).
 *
 * Behaviour (client-go reflector semantics): list, then watch from the list's resourceVersion with
 * bookmarks; a closed watch is re-opened from the last seen resourceVersion, so a dropped
 * connection loses nothing; 410 Gone (expired resourceVersion) triggers a re-list whose diff
 * against the cache is emitted as add/update/delete; failures back off exponentially, capped.
 */
import type { Logger } from "pino";
import type { KubeObject } from "./resources.js";
import { backoffDelayMs, type BackoffPolicy } from "../time/backoff.js";
import { delay, systemClock, type Clock } from "../time/clock.js";
import { isGone, kubeStatusCode } from "./errors.js";

export type InformerEvent<T> =
  | { readonly type: "added"; readonly object: T }
  | { readonly type: "updated"; readonly object: T; readonly old: T }
  | { readonly type: "deleted"; readonly object: T };

export interface ListResult<T> {
  readonly items: T[];
  readonly resourceVersion: string;
}

/** The part of client-node's Watch we use (so tests can wrap it). */
export interface WatchClient {
  watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController>;
}

export interface InformerOptions<T extends KubeObject> {
  /** Shown in logs, e.g. `BatchPool`. */
  readonly name: string;
  /** Collection path to watch, e.g. /apis/azurebatch.gitops.dev/v1alpha1/batchpools. */
  readonly watchPath: string;
  readonly list: () => Promise<ListResult<T>>;
  readonly watch: WatchClient;
  readonly labelSelector?: string;
  readonly onEvent: (event: InformerEvent<T>) => void;
  readonly logger?: Logger;
  readonly backoff?: BackoffPolicy;
  /** Time for backoff delays and watch health. Default the system clock. */
  readonly clock?: Clock;
  /** Asks the server to end each watch after this long; it is then re-opened from the last resourceVersion. */
  readonly watchTimeoutSeconds?: number;
}

const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 200, maxMs: 30_000 };

/** A watch that ends this quickly without delivering anything counts as a failure for backoff. */
const MIN_HEALTHY_WATCH_MS = 1_000;

interface WatchOutcome {
  readonly error: unknown;
  readonly delivered: boolean;
  readonly gone: boolean;
}

export class Informer<T extends KubeObject> {
  readonly #options: InformerOptions<T>;
  readonly #clock: Clock;
  #cache = new Map<string, T>();
  #resourceVersion = "";
  #failures = 0;
  #synced: Promise<void>;
  #markSynced: () => void = () => undefined;
  /** Counters for tests and metrics: how often the informer had to list from scratch. */
  relists = 0;

  constructor(options: InformerOptions<T>) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#synced = new Promise((resolve) => {
      this.#markSynced = resolve;
    });
  }

  /** Resolves once the first list has been loaded into the cache. */
  synced(): Promise<void> {
    return this.#synced;
  }

  get(namespace: string, name: string): T | undefined {
    return this.#cache.get(cacheKey(namespace, name));
  }

  list(): T[] {
    return [...this.#cache.values()];
  }

  /** Lists and watches until `signal` aborts. Never throws: failures are logged and retried. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const ok = this.#resourceVersion === "" ? await this.#relist() : await this.#watchUntilClosed(signal);
      if (!ok && !signal.aborted) {
        this.#failures += 1;
        await delay(this.#clock, backoffDelayMs(this.#failures, this.#options.backoff ?? DEFAULT_BACKOFF), signal);
      }
    }
  }

  async #relist(): Promise<boolean> {
    let result: ListResult<T>;
    try {
      result = await this.#options.list();
    } catch (err: unknown) {
      this.#options.logger?.warn({ informer: this.#options.name, statusCode: kubeStatusCode(err) }, "list failed; retrying with backoff");
      return false;
    }
    this.relists += 1;
    this.#replaceAll(result.items);
    this.#resourceVersion = result.resourceVersion;
    this.#failures = 0;
    this.#markSynced();
    return true;
  }

  /** Replaces the cache with a fresh list and emits the difference, so a re-list misses nothing. */
  #replaceAll(items: T[]): void {
    const previous = this.#cache;
    this.#cache = new Map();
    for (const item of items) {
      const key = objectCacheKey(item);
      this.#cache.set(key, item);
      const old = previous.get(key);
      previous.delete(key);
      if (old === undefined) {
        this.#options.onEvent({ type: "added", object: item });
      } else if (old.metadata?.resourceVersion !== item.metadata?.resourceVersion) {
        this.#options.onEvent({ type: "updated", object: item, old });
      }
    }
    for (const gone of previous.values()) {
      this.#options.onEvent({ type: "deleted", object: gone });
    }
  }

  /** One watch connection; true when it ended normally (timeout, server close, 410 handled). */
  async #watchUntilClosed(signal: AbortSignal): Promise<boolean> {
    const startedAt = this.#clock.now();
    const outcome = await this.#watchOnce(signal);
    if (outcome.gone || isGone(outcome.error)) {
      this.#options.logger?.info({ informer: this.#options.name }, "resourceVersion expired (410 Gone); re-listing");
      this.#resourceVersion = "";
      return true;
    }
    if (outcome.error !== null && outcome.error !== undefined) {
      this.#options.logger?.warn(
        { informer: this.#options.name, statusCode: kubeStatusCode(outcome.error) },
        "watch failed; reconnecting with backoff",
      );
      return false;
    }
    if (outcome.delivered || this.#clock.now() - startedAt >= MIN_HEALTHY_WATCH_MS) {
      this.#failures = 0;
      return true;
    }
    return false;
  }

  #watchOnce(signal: AbortSignal): Promise<WatchOutcome> {
    return new Promise((resolve) => {
      let controller: AbortController | undefined;
      let finished = false;
      let delivered = false;
      const finish = (error: unknown, gone = false): void => {
        if (finished) {
          return;
        }
        finished = true;
        signal.removeEventListener("abort", onAbort);
        controller?.abort();
        resolve({ error, delivered, gone });
      };
      const onAbort = (): void => finish(null);
      signal.addEventListener("abort", onAbort, { once: true });
      const onLine = (phase: string, object: unknown): void => {
        if (finished) {
          return;
        }
        delivered = true;
        const result = this.#apply(phase, object);
        if (result !== "ok") {
          // The server ends the watch after an ERROR event; we stop reading it right away.
          finish(result === "gone" ? null : object, result === "gone");
        }
      };
      this.#options.watch
        .watch(this.#options.watchPath, this.#watchParams(), onLine, (err) => finish(err))
        .then(
          (c) => {
            controller = c;
            if (finished) {
              c.abort();
            }
          },
          (err: unknown) => finish(err),
        );
    });
  }

  #watchParams(): Record<string, string | number | boolean | undefined> {
    return {
      resourceVersion: this.#resourceVersion,
      allowWatchBookmarks: true,
      labelSelector: this.#options.labelSelector,
      timeoutSeconds: this.#options.watchTimeoutSeconds,
    };
  }

  /** Applies one watch event to the cache; "gone" when the server says our resourceVersion expired. */
  #apply(phase: string, raw: unknown): "ok" | "gone" | "error" {
    if (phase === "ERROR") {
      return kubeStatusCode(raw) === 410 ? "gone" : "error";
    }
    const object = raw as T;
    const version = object.metadata?.resourceVersion;
    if (version !== undefined) {
      this.#resourceVersion = version;
    }
    if (phase === "ADDED" || phase === "MODIFIED") {
      this.#upsert(object);
    } else if (phase === "DELETED") {
      const key = objectCacheKey(object);
      if (this.#cache.delete(key)) {
        this.#options.onEvent({ type: "deleted", object });
      }
    }
    return "ok";
  }

  #upsert(object: T): void {
    const key = objectCacheKey(object);
    const old = this.#cache.get(key);
    this.#cache.set(key, object);
    if (old === undefined) {
      this.#options.onEvent({ type: "added", object });
    } else if (old.metadata?.resourceVersion !== object.metadata?.resourceVersion) {
      this.#options.onEvent({ type: "updated", object, old });
    }
  }
}

function cacheKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function objectCacheKey(object: KubeObject): string {
  return cacheKey(object.metadata?.namespace ?? "", object.metadata?.name ?? "");
}
