/**
 * Kubernetes Events for BatchPool/BatchJob, aggregated the way client-go's correlator does: the
 * same type+reason+message on the same object bumps `count` and `lastTimestamp` of the existing
 * Event by patch instead of creating a new one, so a flapping condition does not flood the namespace.
 */
import { systemClock, type Clock } from "../time/clock.js";
import type { Logger } from "pino";
import type { CoreV1Api, CoreV1Event } from "@kubernetes/client-node";
import type { EventRecorder, ResourceKey } from "../runtime/ports.js";
import { parseResourceKey } from "../runtime/ports.js";
import { API_GROUP_VERSION, type KubeObject } from "./resources.js";
import { isNotFound, kubeStatusCode } from "./errors.js";
import { clusterEventReason } from "./eventReasons.js";

export interface KubeEventRecorderOptions {
  readonly api: CoreV1Api;
  /** reportingComponent / source.component, e.g. `batch-gitops`. */
  readonly component: string;
  /** reportingInstance, e.g. the replica identity. */
  readonly instance: string;
  /** The current object for a key (informer cache), to reference its uid; undefined when unknown. */
  readonly lookup: (key: ResourceKey) => KubeObject | undefined;
  /** Scrubs secret values from messages before they leave the process. */
  readonly redact?: (text: string) => string;
  readonly logger?: Logger;
  /** Time for event timestamps. Default the system clock. */
  readonly clock?: Clock;
  /** Aggregation entries kept in memory (oldest dropped first). */
  readonly maxTracked?: number;
}

/** Kubernetes caps event messages; longer ones are cut with an ellipsis. */
const MAX_MESSAGE_LENGTH = 1024;

interface Tracked {
  readonly namespace: string;
  readonly eventName: string;
  count: number;
}

export class KubeEventRecorder implements EventRecorder {
  readonly #options: KubeEventRecorderOptions;
  readonly #now: () => number;
  readonly #tracked = new Map<string, Tracked>();
  #sequence = 0;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: KubeEventRecorderOptions) {
    this.#options = options;
    const clock = options.clock ?? systemClock;
    this.#now = () => clock.now();
  }

  record(key: ResourceKey, type: "Normal" | "Warning", reason: string, message: string): void {
    const text = truncate((this.#options.redact ?? identity)(message));
    const eventReason = clusterEventReason(reason, message);
    // Serialized so two identical events in a row aggregate instead of racing to create two.
    this.#queue = this.#queue.then(() => this.#write(key, type, eventReason, text));
  }

  /** Resolves once every event recorded so far has been written (or has failed and been logged). */
  flush(): Promise<void> {
    return this.#queue;
  }

  async #write(key: ResourceKey, type: "Normal" | "Warning", reason: string, message: string): Promise<void> {
    const object = this.#options.lookup(key);
    const uid = object?.metadata?.uid ?? "";
    const aggregateKey = JSON.stringify([key, uid, type, reason, message]);
    const tracked = this.#tracked.get(aggregateKey);
    try {
      if (tracked !== undefined && (await this.#bump(tracked))) {
        return;
      }
      await this.#create(aggregateKey, key, object, { type, reason, message });
    } catch (err: unknown) {
      // Events are best effort: a failed event must never fail a reconcile.
      this.#options.logger?.warn({ key, reason, statusCode: kubeStatusCode(err) }, "could not record event");
    }
  }

  /** Increments an existing event; false when it no longer exists (expired), so a new one is created. */
  async #bump(tracked: Tracked): Promise<boolean> {
    const count = tracked.count + 1;
    const patch = [
      { op: "replace", path: "/count", value: count },
      { op: "replace", path: "/lastTimestamp", value: new Date(this.#now()).toISOString() },
    ];
    try {
      await this.#options.api.patchNamespacedEvent({ name: tracked.eventName, namespace: tracked.namespace, body: patch });
    } catch (err: unknown) {
      if (isNotFound(err)) {
        return false;
      }
      throw err;
    }
    tracked.count = count;
    return true;
  }

  async #create(
    aggregateKey: string,
    key: ResourceKey,
    object: KubeObject | undefined,
    what: { type: string; reason: string; message: string },
  ): Promise<void> {
    const { kind, namespace, name } = parseResourceKey(key);
    const now = new Date(this.#now());
    const eventName = `${name}.${now.getTime().toString(16)}${(this.#sequence++).toString(16)}`;
    const event: CoreV1Event = {
      metadata: { name: eventName, namespace },
      involvedObject: {
        apiVersion: API_GROUP_VERSION,
        kind,
        name,
        namespace,
        uid: object?.metadata?.uid,
        resourceVersion: object?.metadata?.resourceVersion,
      },
      type: what.type,
      reason: what.reason,
      message: what.message,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: this.#options.component },
      reportingComponent: this.#options.component,
      reportingInstance: this.#options.instance,
    };
    await this.#options.api.createNamespacedEvent({ namespace, body: event });
    this.#track(aggregateKey, { namespace, eventName, count: 1 });
  }

  #track(aggregateKey: string, entry: Tracked): void {
    this.#tracked.set(aggregateKey, entry);
    const max = this.#options.maxTracked ?? 4096;
    for (const oldest of this.#tracked.keys()) {
      if (this.#tracked.size <= max) {
        break;
      }
      this.#tracked.delete(oldest);
    }
  }
}

function identity(text: string): string {
  return text;
}

function truncate(text: string): string {
  return text.length <= MAX_MESSAGE_LENGTH ? text : `${text.slice(0, MAX_MESSAGE_LENGTH - 1)}…`;
}
