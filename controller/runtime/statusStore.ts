import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import type { Problem, ResourceKey, ResourceStatus, SourceLocation, StatusMeta, StatusWriter } from "./ports.js";

/** One resource in the status document. */
export interface StatusEntry {
  key: ResourceKey;
  kind: StatusMeta["kind"];
  namespace: string;
  name: string;
  source?: SourceLocation;
  status: ResourceStatus;
}

/** What the status file holds and what GET /status returns. */
export interface StatusDocument {
  version: 1;
  updatedAt: string;
  resources: StatusEntry[];
  /** Problems in the manifests (invalid or unreadable files), as the source last reported them. */
  problems?: Problem[];
}

export const STATUS_FILE_NAME = "status.json";

export interface FileStatusStore extends StatusWriter {
  remove(key: ResourceKey): Promise<void>;
  /** Drops entries of resources no longer in the source (e.g. removed while the controller was down). */
  retainOnly(keys: Iterable<ResourceKey>): Promise<void>;
  /** Records the source's current problems (written only when they change). */
  setProblems(problems: readonly Problem[]): Promise<void>;
  document(): StatusDocument;
  readonly path: string;
}

export interface FileStatusStoreOptions {
  stateDir: string;
  now?: () => number;
}

/**
 * Directory-mode status: a JSON file in the state dir (never in the manifests checkout, see
 * docs/adr/0006). Every change is written atomically (temp file + rename), so a reader or a
 * crash sees either the old or the new document, never half of one. Writes that arrive during a
 * flush are coalesced into the next one, so a burst of reconciles costs a few file writes.
 */
export async function openFileStatusStore(options: FileStatusStoreOptions): Promise<FileStatusStore> {
  const now = options.now ?? Date.now;
  await mkdir(options.stateDir, { recursive: true });
  const path = join(options.stateDir, STATUS_FILE_NAME);
  const entries = new Map<ResourceKey, StatusEntry>();
  const previous = await readStatusFile(path);
  for (const entry of previous?.resources ?? []) {
    entries.set(entry.key, entry);
  }
  let problems: Problem[] = previous?.problems ?? [];
  const snapshot = (): StatusDocument => documentOf(entries, problems, now);
  const flusher = createFlusher(async () => {
    await writeAtomically(path, `${JSON.stringify(snapshot(), null, 2)}\n`);
  });

  return {
    path,
    async write(key: ResourceKey, status: ResourceStatus, meta: StatusMeta): Promise<void> {
      const { kind, namespace, name, source } = meta;
      entries.set(key, { key, kind, namespace, name, ...(source === undefined ? {} : { source }), status });
      await flusher.request();
    },
    async remove(key: ResourceKey): Promise<void> {
      if (entries.delete(key)) {
        await flusher.request();
      }
    },
    async retainOnly(keys: Iterable<ResourceKey>): Promise<void> {
      const keep = new Set(keys);
      const stale = [...entries.keys()].filter((k) => !keep.has(k));
      stale.forEach((k) => entries.delete(k));
      if (stale.length > 0) {
        await flusher.request();
      }
    },
    async setProblems(next: readonly Problem[]): Promise<void> {
      if (!isDeepStrictEqual(problems, next)) {
        problems = [...next];
        await flusher.request();
      }
    },
    document: snapshot,
  };
}

function documentOf(entries: ReadonlyMap<ResourceKey, StatusEntry>, problems: Problem[], now: () => number): StatusDocument {
  const resources = [...entries.values()].sort((a, b) => a.key.localeCompare(b.key));
  return { version: 1, updatedAt: new Date(now()).toISOString(), resources, problems };
}

/** Reads a status file; undefined when there is none yet. Throws on a corrupt file. */
export async function readStatusFile(path: string): Promise<StatusDocument | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err: unknown) {
    if (isErrno(err, "ENOENT")) {
      return undefined;
    }
    throw err;
  }
  const parsed: unknown = JSON.parse(text);
  if (!isStatusDocument(parsed)) {
    throw new Error(`${path} is not a batch-gitops status file (version 1)`);
  }
  return parsed;
}

function isStatusDocument(value: unknown): value is StatusDocument {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { version?: unknown }).version === 1 &&
    Array.isArray((value as { resources?: unknown }).resources)
  );
}

let tempCounter = 0;

/** Write to a sibling temp file, fsync, then rename over the target (atomic on POSIX). */
export async function writeAtomically(path: string, content: string): Promise<void> {
  const temp = `${path}.${process.pid}.${++tempCounter}.tmp`;
  const handle = await open(temp, "w");
  try {
    await handle.writeFile(content, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (err: unknown) {
    await rm(temp, { force: true });
    throw err;
  }
}

/**
 * Runs `flush` so that every request() resolves after a flush that started after it: requests
 * arriving while a flush runs share the next one (coalescing), and flushes never overlap.
 */
function createFlusher(flush: () => Promise<void>): { request(): Promise<void> } {
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;

  function runLoop(): Promise<void> {
    running = flush().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    request(): Promise<void> {
      if (running === undefined) {
        return runLoop();
      }
      next ??= running.then(
        () => {
          next = undefined;
          return runLoop();
        },
        () => {
          next = undefined;
          return runLoop();
        },
      );
      return next;
    },
  };
}

function isErrno(err: unknown, code: string): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === code;
}
