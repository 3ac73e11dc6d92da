import type { IncomingMessage } from "node:http";
import type { EmulatorClock } from "../clock.js";
import type { Timing } from "../timing.js";
import type { AccountStore } from "../store/account-store.js";
import type { AuthKind } from "./authenticate.js";
import { BatchError } from "./errors.js";
import { checkConditions, type ConditionOutcome, type Versioned } from "./conditional.js";
import { formatHttpDate } from "./wire-format.js";
import type { EmulatorResponse } from "./response.js";

/** Continuation query parameter of list pages (lowercase, as the service canonicalizes query names). */
export const skipTokenParam = "$skiptoken";

/**
 * Everything a handler needs about one request, and helpers to answer it the way the service does.
 * Created by the server after routing and authentication.
 */
export interface RequestContextInit {
  readonly requestId: string;
  readonly operationId: string;
  /** Decoded path parameters, named as in the spec template (poolId, jobId, …). */
  readonly params: Readonly<Record<string, string>>;
  /** Decoded query pairs in order; use `query(name)`. */
  readonly queryPairs: readonly (readonly [string, string])[];
  readonly auth: { readonly kind: AuthKind; readonly accountName: string };
  readonly store: AccountStore;
  readonly rawBody: Buffer;
  /** Scheme and host as the client addressed us, e.g. http://127.0.0.1:8089. */
  readonly baseUrl: string;
  /** When the server received the request's headers (performance.now(), wall-clock ms). */
  readonly arrivedAt: number;
}

export class RequestContext implements RequestContextInit {
  private parsedBody: unknown;
  private bodyParsed = false;
  readonly requestId: string;
  readonly operationId: string;
  readonly params: Readonly<Record<string, string>>;
  readonly queryPairs: readonly (readonly [string, string])[];
  readonly auth: { readonly kind: AuthKind; readonly accountName: string };
  readonly store: AccountStore;
  readonly rawBody: Buffer;
  readonly baseUrl: string;
  readonly arrivedAt: number;

  constructor(
    readonly req: IncomingMessage,
    init: RequestContextInit,
  ) {
    this.requestId = init.requestId;
    this.operationId = init.operationId;
    this.params = init.params;
    this.queryPairs = init.queryPairs;
    this.auth = init.auth;
    this.store = init.store;
    this.rawBody = init.rawBody;
    this.baseUrl = init.baseUrl;
    this.arrivedAt = init.arrivedAt;
  }

  get method(): string {
    return this.req.method ?? "GET";
  }

  get headers(): IncomingMessage["headers"] {
    return this.req.headers;
  }

  get clock(): EmulatorClock {
    return this.store.clock;
  }

  get timing(): Timing {
    return this.store.timing;
  }

  /** First value of a query parameter (names compared case-insensitively), or undefined. */
  query(name: string): string | undefined {
    const lower = name.toLowerCase();
    for (const [key, value] of this.queryPairs) if (key.toLowerCase() === lower) return value;
    return undefined;
  }

  /** A header's value (first one if repeated). */
  header(name: string): string | undefined {
    const value = this.req.headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  }

  /** The JSON body; InvalidRequestBody when it is not JSON, MissingRequiredProperty-ready object otherwise. */
  body(): unknown {
    if (this.bodyParsed) return this.parsedBody;
    this.bodyParsed = true;
    if (this.rawBody.length === 0) {
      this.parsedBody = undefined;
      return undefined;
    }
    try {
      this.parsedBody = JSON.parse(this.rawBody.toString("utf8"));
    } catch {
      throw new BatchError(400, "InvalidRequestBody");
    }
    return this.parsedBody;
  }

  /** The body as a JSON object, or InvalidRequestBody. */
  bodyObject(): Record<string, unknown> {
    const body = this.body();
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw new BatchError(400, "InvalidRequestBody");
    return body as Record<string, unknown>;
  }

  /** Applies the If-* headers against `entity` (undefined = does not exist). Reads may get "notModified". */
  conditions(entity: Versioned | undefined): ConditionOutcome {
    const isRead = this.method === "GET" || this.method === "HEAD";
    return checkConditions(this.req.headers, entity, isRead);
  }

  /** `https://host/$metadata#fragment`, the odata.metadata of a body. */
  metadata(fragment: string): string {
    return `${this.baseUrl}/$metadata#${fragment}`;
  }

  /** 200 with one entity: odata.metadata first, then the wire properties; ETag and Last-Modified headers. */
  entity(fragment: string, wire: Record<string, unknown>, version?: Versioned): EmulatorResponse {
    return {
      status: 200,
      headers: version === undefined ? {} : versionHeaders(version),
      body: { "odata.metadata": this.metadata(fragment), ...wire },
    };
  }

  /**
   * 200 with a list page. `nextToken` (from the store's page) becomes an absolute odata.nextLink that
   * repeats this request's query with the continuation token replaced.
   */
  list(fragment: string, items: readonly unknown[], nextToken?: string): EmulatorResponse {
    const body: Record<string, unknown> = { "odata.metadata": this.metadata(fragment), value: items };
    if (nextToken !== undefined) body["odata.nextLink"] = this.nextLink(nextToken);
    return { status: 200, headers: {}, body };
  }

  /**
   * A body-less answer (201 create, 202 accepted, 204, 200 actions). With `version`, adds ETag and
   * Last-Modified; with `location` (the resource's URL), adds DataServiceId, and Location only on a
   * 201: the service sends Location on creates alone.
   */
  empty(status: number, version?: Versioned & { id?: string }, location?: string): EmulatorResponse {
    const headers: Record<string, string> = version === undefined ? {} : versionHeaders(version);
    if (location !== undefined) {
      if (status === 201) headers.location = location;
      // An action (POST …/resize, …/disableautoscale, …/terminate) names itself, as recorded from the service.
      headers.dataserviceid = status !== 201 && this.req.method === "POST" ? this.requestUrl() : location;
    }
    return { status, headers };
  }

  /** Absolute URL of this request, without its query (an action's DataServiceId). */
  requestUrl(): string {
    return this.url((this.req.url ?? "/").split("?")[0] ?? "/");
  }

  /** Absolute URL of a resource path, e.g. url("/pools/p1"). */
  url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  private nextLink(token: string): string {
    const path = (this.req.url ?? "/").split("?")[0] ?? "/";
    const params = new URLSearchParams();
    for (const [key, value] of this.queryPairs) {
      if (key.toLowerCase() !== skipTokenParam) params.append(key, value);
    }
    params.append(skipTokenParam, token);
    // URLSearchParams writes spaces as '+'; the SDK signs decoded values, and '+' decodes back to space.
    return `${this.baseUrl}${path}?${params.toString().replace(/\+/g, "%20").replace(/%24/g, "$")}`;
  }
}

export function versionHeaders(version: Versioned): Record<string, string> {
  return { etag: version.eTag, "last-modified": formatHttpDate(version.lastModified) };
}
