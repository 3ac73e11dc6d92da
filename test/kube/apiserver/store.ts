/**
 * The server's "etcd": objects by storage key, one global monotonically increasing resourceVersion, and a
 * bounded history of changes from which watches resume. A resourceVersion older than the history is gone (410).
 */
import type { KubeObject } from "./types.js";

export type ChangeType = "ADDED" | "MODIFIED" | "DELETED";

export interface StoredChange {
  resourceVersion: number;
  type: ChangeType;
  storageKey: string;
  object: KubeObject;
  /** The object before the change, so a selector watch can tell "stopped matching" from "changed". */
  previous?: KubeObject;
}

export type ChangeListener = (change: StoredChange) => void;

export class ResourceVersionTooOld extends Error {
  override readonly name = "ResourceVersionTooOld";
  constructor(
    readonly requested: number,
    readonly oldest: number,
  ) {
    super(`too old resource version: ${requested} (${oldest})`);
  }
}

const objectKey = (namespace: string | undefined, name: string): string => `${namespace ?? ""}/${name}`;

export class ObjectStore {
  #resourceVersion = 0;
  /** Watches may start from any resourceVersion ≥ this; older ones were compacted away. */
  #compactedThrough = 0;
  readonly #objects = new Map<string, Map<string, KubeObject>>();
  readonly #history: StoredChange[] = [];
  readonly #listeners = new Set<ChangeListener>();

  constructor(private readonly historyLimit: number) {}

  get resourceVersion(): number {
    return this.#resourceVersion;
  }

  get compactedThrough(): number {
    return this.#compactedThrough;
  }

  get(storageKey: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.#objects.get(storageKey)?.get(objectKey(namespace, name));
    return found ? structuredClone(found) : undefined;
  }

  /** Objects of one storage key, optionally one namespace, ordered by namespace/name like etcd keys. */
  list(storageKey: string, namespace?: string): KubeObject[] {
    const all = [...(this.#objects.get(storageKey)?.entries() ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return all.map(([, obj]) => structuredClone(obj)).filter((obj) => namespace === undefined || obj.metadata.namespace === namespace);
  }

  /** Records a change: stamps the next resourceVersion on the object, stores it, and notifies watchers. */
  commit(type: ChangeType, storageKey: string, object: KubeObject, previous?: KubeObject): KubeObject {
    this.#resourceVersion += 1;
    const stored = structuredClone(object);
    stored.metadata.resourceVersion = String(this.#resourceVersion);
    const bucket = this.#objects.get(storageKey) ?? new Map<string, KubeObject>();
    this.#objects.set(storageKey, bucket);
    const key = objectKey(stored.metadata.namespace, stored.metadata.name ?? "");
    if (type === "DELETED") bucket.delete(key);
    else bucket.set(key, stored);
    const change: StoredChange = { resourceVersion: this.#resourceVersion, type, storageKey, object: stored };
    if (previous) change.previous = structuredClone(previous);
    this.#remember(change);
    for (const listener of [...this.#listeners]) listener(change);
    return structuredClone(stored);
  }

  /** Changes after `resourceVersion` for one storage key; throws ResourceVersionTooOld if history no longer reaches back. */
  changesSince(storageKey: string, resourceVersion: number): StoredChange[] {
    if (resourceVersion < this.#compactedThrough) throw new ResourceVersionTooOld(resourceVersion, this.#compactedThrough);
    return this.#history.filter((c) => c.storageKey === storageKey && c.resourceVersion > resourceVersion);
  }

  subscribe(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Forgets history up to `throughResourceVersion` (default: all), like etcd compaction. */
  compact(throughResourceVersion = this.#resourceVersion): void {
    const through = Math.min(throughResourceVersion, this.#resourceVersion);
    while (this.#history.length > 0 && (this.#history[0]?.resourceVersion ?? Infinity) <= through) this.#history.shift();
    this.#compactedThrough = Math.max(this.#compactedThrough, through);
  }

  #remember(change: StoredChange): void {
    this.#history.push(change);
    while (this.#history.length > this.historyLimit) {
      const dropped = this.#history.shift();
      if (dropped) this.#compactedThrough = dropped.resourceVersion;
    }
  }
}
