import { open, readdir, readFile, rename, rm } from "node:fs/promises";
import { ensureDirectory } from "../config/ensureDirectory.js";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { systemClock, type Clock } from "../time/clock.js";
import { Throttle } from "../time/throttle.js";
import type { Problem, ResourceKey, ResourceStatus, StatusMeta, StatusWriter } from "../runtime/ports.js";
import { toPublicStatus, type StatusDocument, type StatusEntry } from "../runtime/publicStatus.js";

export const STATUS_FILE_NAME = "status.json";

export interface FileStatusStore extends StatusWriter {
  remove(key: ResourceKey): Promise<void>;
  /** Drops entries of resources no longer in the source (e.g. removed while the controller was down). */
  retainOnly(keys: Iterable<ResourceKey>): Promise<void>;
  /** Records the source's current problems (written only when they change). */
  setProblems(problems: readonly Problem[]): Promise<void>;
  document(): StatusDocument;
  /** Writes pending changes now and resolves when the file holds them (before exit, in tests). */
  flush(): Promise<void>;
  readonly path: string;
}

export interface FileStatusStoreOptions {
  stateDir: string;
  /** Time for `updatedAt` and the write interval. Default the system clock. */
  clock?: Clock;
  /** Least time between two file writes; changes in between share the next one. Default 250 ms. */
  minFlushIntervalMs?: number;
  /** A background write failed (the next change or flush() tries again). */
  onError?: (error: unknown) => void;
}

/**
 * Directory-mode status: a JSON file in the state dir (never in the manifests checkout, see
 * docs/adr/0006). Every file write is atomic (temp file + rename), so a reader or a crash sees
 * either the old or the new document, never half of one. Changes are kept in memory at once (what
 * GET /status and the live view read) and written in the background at most every
 * `minFlushIntervalMs`: a reconcile never waits on the disk, and 1,000 resources changing in one
 * pass cost a few writes of the whole document, not 1,000. Status is derived state, so a crash
 * loses at most that interval, which the next pass recomputes.
 */
export async function openFileStatusStore(options: FileStatusStoreOptions): Promise<FileStatusStore> {
  const clock = options.clock ?? systemClock;
  const now = (): number => clock.now();
  await ensureDirectory(options.stateDir, "--state-dir");
  const path = join(options.stateDir, STATUS_FILE_NAME);
  await removeStaleTemps(options.stateDir, STATUS_FILE_NAME);
  const entries = new Map<ResourceKey, StatusEntry>();
  const previous = await readStatusFile(path);
  for (const entry of previous?.resources ?? []) {
    entries.set(entry.key, entry);
  }
  let problems: Problem[] = previous?.problems ?? [];
  const snapshot = (): StatusDocument => documentOf(entries, problems, now);
  // The task always writes the whole current document, so a waiting one stands for every change since.
  const flusher = new Throttle({
    clock,
    intervalMs: options.minFlushIntervalMs ?? 250,
    onError: options.onError ?? (() => undefined),
    retainFailed: true,
  });
  const writeFile = (): Promise<void> => writeAtomically(path, `${JSON.stringify(snapshot(), null, 2)}\n`);
  const request = (): void => void flusher.submit(writeFile)?.catch(options.onError ?? (() => undefined));

  return {
    path,
    async write(key: ResourceKey, status: ResourceStatus, meta: StatusMeta): Promise<void> {
      const { kind, namespace, name, source } = meta;
      const shown = toPublicStatus(kind, status, meta.spec, status.appliedRevision);
      entries.set(key, { key, kind, namespace, name, ...(source === undefined ? {} : { source }), status: shown });
      request();
    },
    async remove(key: ResourceKey): Promise<void> {
      if (entries.delete(key)) {
        request();
      }
    },
    async retainOnly(keys: Iterable<ResourceKey>): Promise<void> {
      const keep = new Set(keys);
      const stale = [...entries.keys()].filter((k) => !keep.has(k));
      stale.forEach((k) => entries.delete(k));
      if (stale.length > 0) {
        request();
      }
    },
    async setProblems(next: readonly Problem[]): Promise<void> {
      if (!isDeepStrictEqual(problems, next)) {
        problems = [...next];
        request();
      }
    },
    document: snapshot,
    flush: () => flusher.flush(),
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

/**
 * Temp files a killed controller left mid-write (`status.json.<pid>.<n>.tmp`): removed at start, unless their
 * process still runs (another controller sharing the directory is in the middle of its own write).
 */
async function removeStaleTemps(dir: string, base: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const pid = tempWriter(name, base);
    if (pid !== undefined && pid !== process.pid && !isRunning(pid)) await rm(join(dir, name), { force: true });
  }
}

/** The pid in `<base>.<pid>.<n>.tmp` (writeAtomically's temp name), if `name` is one. */
function tempWriter(name: string, base: string): number | undefined {
  if (!name.startsWith(`${base}.`) || !name.endsWith(".tmp")) return undefined;
  const match = /^(\d+)\.\d+$/.exec(name.slice(base.length + 1, -".tmp".length));
  return match === null ? undefined : Number(match[1]);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error: unknown) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

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

function isErrno(err: unknown, code: string): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === code;
}
