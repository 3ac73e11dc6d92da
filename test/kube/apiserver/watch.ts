/**
 * Watch streams: newline-delimited JSON events (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR) from a
 * resourceVersion. Objects that start or stop matching a selector arrive as ADDED or DELETED, and a
 * resourceVersion older than the history gets an ERROR event with a 410 Expired Status, as from the real server.
 */
import type { ServerResponse } from "node:http";
import { ApiError, badRequest } from "./errors.js";
import type { Matcher } from "./selectors.js";
import { ResourceVersionTooOld } from "./store.js";
import type { ObjectStore, StoredChange } from "./store.js";
import { apiVersionOf } from "./types.js";
import type { KubeObject, ResourceType, WatchEventType } from "./types.js";

export interface WatchRequest {
  type: ResourceType;
  matches: Matcher;
  /** The `resourceVersion` query parameter; empty or "0" starts with the current objects as ADDED events. */
  resourceVersion: string | null;
  allowBookmarks: boolean;
  timeoutSeconds?: number;
}

export interface ActiveWatch {
  readonly type: ResourceType;
  /** Sends a BOOKMARK carrying the current resourceVersion, if the client asked for bookmarks. */
  bookmark(): void;
  /** Ends the stream: "close" finishes the response cleanly, "reset" destroys the connection. */
  close(mode: "close" | "reset"): void;
}

function eventTypeFor(change: StoredChange, matches: Matcher): WatchEventType | undefined {
  const now = change.type !== "DELETED" && matches(change.object);
  const before =
    change.type === "ADDED" ? false : change.previous ? matches(change.previous) : change.type === "DELETED" && matches(change.object);
  if (now && before) return "MODIFIED";
  if (now) return "ADDED";
  if (before) return "DELETED";
  return undefined;
}

/** Starts streaming; returns undefined when the watch ended at once (an ERROR event for an expired resourceVersion). */
export function startWatch(store: ObjectStore, request: WatchRequest, res: ServerResponse, onEnd: () => void): ActiveWatch | undefined {
  const { type, matches } = request;
  const view = (obj: KubeObject): KubeObject => type.fromStorage(obj);
  const send = (eventType: WatchEventType, object: unknown): void => {
    if (!res.writableEnded) res.write(`${JSON.stringify({ type: eventType, object })}\n`);
  };
  const deliver = (change: StoredChange): void => {
    if (change.storageKey !== type.storageKey) return;
    const eventType = eventTypeFor({ ...change, object: view(change.object), previous: change.previous && view(change.previous) }, matches);
    if (eventType) send(eventType, view(change.object));
  };
  const initial = initialEvents(store, request);
  res.writeHead(200, { "Content-Type": "application/json", "Transfer-Encoding": "chunked", "Cache-Control": "no-cache, private" });
  // client-node resolves its watch() once headers arrive, so send them before any event.
  res.flushHeaders();
  if (initial instanceof ApiError) {
    send("ERROR", initial.toStatus());
    res.end();
    return undefined;
  }
  // Replay and subscription happen in the same tick, so no change falls between them.
  const unsubscribe = store.subscribe(deliver);
  for (const obj of initial.objects) send("ADDED", view(obj));
  for (const change of initial.changes) deliver(change);
  const bookmark = (): void => {
    if (request.allowBookmarks)
      send("BOOKMARK", { kind: type.kind, apiVersion: apiVersionOf(type), metadata: { resourceVersion: String(store.resourceVersion) } });
  };
  let timer: NodeJS.Timeout | undefined;
  const finish = (): void => {
    if (timer) clearTimeout(timer);
    unsubscribe();
    onEnd();
  };
  res.on("close", finish);
  if (request.timeoutSeconds !== undefined) {
    // The server ends a watch at its timeout with a final bookmark, so the client resumes where it was.
    timer = setTimeout(() => {
      bookmark();
      res.end();
    }, request.timeoutSeconds * 1000);
  }
  return {
    type,
    bookmark,
    close: (mode) => {
      if (mode === "reset") res.destroy();
      else res.end();
    },
  };
}

interface InitialEvents {
  objects: KubeObject[];
  changes: StoredChange[];
}

function initialEvents(store: ObjectStore, request: WatchRequest): InitialEvents | ApiError {
  const rv = request.resourceVersion;
  if (rv === null || rv === "" || rv === "0") {
    const objects = store.list(request.type.storageKey).filter((obj) => request.matches(request.type.fromStorage(obj)));
    return { objects, changes: [] };
  }
  const from = Number(rv);
  if (!Number.isInteger(from) || from < 0) return badRequest(`invalid resource version: ${rv}`);
  try {
    return { objects: [], changes: store.changesSince(request.type.storageKey, from) };
  } catch (err: unknown) {
    if (err instanceof ResourceVersionTooOld) return new ApiError(410, "Expired", err.message);
    throw err;
  }
}
