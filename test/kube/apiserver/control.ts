/** The test-only handle on a running server: fault injection, history compaction, request log, direct object access. */
import type { StatusReason } from "./errors.js";
import type { KubeObject, Verb } from "./types.js";

export interface RequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  verb?: Verb;
  group?: string;
  version?: string;
  /** Plural resource name, e.g. "batchpools". */
  resource?: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  contentType?: string;
  /** The parsed request body, if any. */
  body?: unknown;
  status: number;
}

/** Which requests an injected error or a request-log filter applies to; omitted fields match anything. */
export interface RequestFilter {
  verb?: Verb;
  resource?: string;
  group?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export interface InjectedError extends RequestFilter {
  code: number;
  reason?: StatusReason;
  message?: string;
  /** How many matching requests fail (default 1). */
  times?: number;
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface ApiServerControl {
  /** Ends every open watch ("close": clean end of stream, the default; "reset": connection destroyed). Returns how many. */
  dropWatches(mode?: "close" | "reset"): number;
  /** Forgets the change history up to a resourceVersion (default: now), so watches from older versions get 410. */
  compactHistory(throughResourceVersion?: string | number): void;
  /** Makes the next matching request(s) fail with a Status error. */
  injectError(error: InjectedError): void;
  /** Requests received so far, oldest first, optionally filtered. */
  requests(filter?: RequestFilter): RequestLogEntry[];
  clearRequests(): void;
  /** The current global resourceVersion. */
  resourceVersion(): string;
  /** Sends a BOOKMARK to every watch that allowed bookmarks. */
  sendBookmarks(): void;
  /** Number of open watch streams. */
  activeWatches(): number;
  /** Resolves once at least `count` watches are open (for example an informer that has connected). */
  waitForWatches(count: number, options?: { signal?: AbortSignal }): Promise<void>;
  /** Reads an object from storage without going through the API (and without appearing in the request log). */
  getObject(ref: ObjectRef): KubeObject | undefined;
  /** Writes an object straight into storage, skipping validation; watchers see ADDED or MODIFIED. */
  putObject(obj: KubeObject): KubeObject;
  /** Removes an object straight from storage, ignoring finalizers; watchers see DELETED. Returns whether it existed. */
  removeObject(ref: ObjectRef): boolean;
}

export function matchesFilter(entry: RequestFilter, filter: RequestFilter): boolean {
  return (Object.keys(filter) as Array<keyof RequestFilter>).every((key) => filter[key] === undefined || filter[key] === entry[key]);
}
