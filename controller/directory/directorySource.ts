import { relative } from "node:path";
import type { FSWatcher } from "chokidar";
import type { Logger } from "pino";
import { every, systemClock, type Clock, type TimerHandle } from "../time/clock.js";
import type { DesiredResource, DesiredSource, Problem, ResourceKey } from "../runtime/ports.js";
import { DesiredIndex } from "./desiredIndex.js";
import {
  isHiddenPath,
  isManifestFile,
  listManifestFiles,
  nodeFs,
  readManifestFile,
  unreadManifestsMessage,
  type ManifestFs,
  type ManifestRead,
} from "../manifests/index.js";
import type { FileParseResult, ManifestParser } from "./manifestParser.js";

export interface DirectorySourceOptions {
  /** The manifests directory (a checkout of the manifests repo). */
  dir: string;
  parse: ManifestParser;
  logger: Logger;
  /** Quiet time after a file's last change event before it is read; default 100 ms, at least 60 ms. */
  debounceMs?: number;
  /** The revision (Git commit) the directory is at; recorded on resources read without an explicit one. */
  currentRevision?: () => string | undefined;
  /** Re-read the whole directory this often, repairing any missed watch event; default off. */
  rescanIntervalMs?: number;
  /** Watch for changes (default). Off for `--once` and in Git mode, where commits drive rescans. */
  watch?: boolean;
  /** Time for the debounce and the periodic rescan. Default the system clock. */
  clock?: Clock;
  /** The file system (the same reads as `validate`); tests inject failures through it. */
  fs?: ManifestFs;
}

export interface DirectorySource extends DesiredSource {
  /** Re-reads every file; `revision` (a Git commit) is recorded on resources whose spec changed. */
  rescan(revision?: string): Promise<ResourceKey[]>;
}

/**
 * Desired state from a directory of YAML manifests, watched with chokidar. Each file is read only
 * after `debounceMs` without events and only if it did not change while being read, so a file
 * being written is never applied half-way; see DesiredIndex for what bad files do.
 */
export function createDirectorySource(options: DirectorySourceOptions): DirectorySource {
  const index = new DesiredIndex();
  // chokidar drops a file's change events for 50 ms after one (leading edge only), so a read
  // sooner than that could miss a write that never gets an event of its own.
  const debounceMs = Math.max(options.debounceMs ?? 100, CHOKIDAR_CHANGE_THROTTLE_MS + 10);
  const clock = options.clock ?? systemClock;
  const timers = new Map<string, TimerHandle>();
  let emit: (key: ResourceKey) => void = () => undefined;
  let chain: Promise<void> = Promise.resolve();
  let reported = new Set<string>();
  const fs = options.fs ?? nodeFs;
  /** Directories that could not be listed (EACCES): reported like file problems. */
  let listingProblems: Problem[] = [];

  /** Index updates run one at a time, in event order. */
  function serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = chain.then(work);
    chain = run.then(
      () => undefined,
      (err: unknown) => options.logger.error({ err }, "manifest update failed"),
    );
    return run;
  }

  function apply(changes: Map<string, FileParseResult | undefined>, revision?: string): ResourceKey[] {
    const changed = index.update(changes, revision);
    reportNewProblems();
    changed.forEach((key) => emit(key));
    return changed;
  }

  function reportNewProblems(): void {
    const now = new Set<string>();
    for (const problem of allProblems()) {
      const text = describeProblem(problem);
      now.add(text);
      if (!reported.has(text)) {
        options.logger.warn({ file: problem.file, key: problem.key, rule: problem.rule }, text);
      }
    }
    reported = now;
  }

  function schedule(file: string): void {
    timers.get(file)?.cancel();
    const timer = clock.setTimeout(
      () => {
        timers.delete(file);
        serialized(() => refreshFile(file)).catch(() => undefined);
      },
      debounceMs,
      { keepAlive: true },
    );
    timers.set(file, timer);
  }

  function allProblems(): Problem[] {
    return listingProblems.length === 0 ? index.problems() : [...listingProblems, ...index.problems()];
  }

  async function refreshFile(file: string): Promise<void> {
    const read = await readManifestFile(options.dir, file, fs);
    if (read.status === "changing") {
      schedule(file);
      return;
    }
    // Files "removed" with the whole directory (an unmounted volume) are not removed manifests: the
    // rescan its removal triggers reports the directory and keeps every resource.
    if (read.status === "missing" && !(await isDirectory(options.dir))) return;
    apply(new Map([[file, toParseResult(options.parse, file, read)]]), options.currentRevision?.());
  }

  async function isDirectory(path: string): Promise<boolean> {
    try {
      return (await fs.stat(path)).isDirectory();
    } catch {
      return false;
    }
  }

  async function rescanNow(revision?: string): Promise<ResourceKey[]> {
    const listed = await listManifestFiles(options.dir, fs);
    listingProblems = listed.problems.map((p) => ({ severity: "error", message: p.message, file: p.file, line: p.line, rule: p.rule }));
    // A directory that is gone or unreadable (an unmounted volume, a checkout being replaced) says
    // nothing about which manifests were removed: every resource keeps its last good version.
    if (!listed.rootRead) return apply(new Map(), revision ?? options.currentRevision?.());
    const files = new Set([...listed.files, ...index.files()]);
    const changes = new Map<string, FileParseResult | undefined>();
    for (const file of files) {
      const read = await readManifestFile(options.dir, file, fs);
      if (read.status === "changing") {
        // A file still being written: its watcher event re-reads it; keep the last good version now.
        schedule(file);
        continue;
      }
      changes.set(file, toParseResult(options.parse, file, read));
    }
    return apply(changes, revision ?? options.currentRevision?.());
  }

  async function startWatching(signal: AbortSignal): Promise<FSWatcher> {
    // Loaded only when watching: --once and Git mode never do.
    const { watch } = await import("chokidar");
    const watcher = watch(options.dir, {
      ignoreInitial: true,
      // chokidar 4 has no globs: filter by name ourselves. Directories pass so that we descend.
      ignored: (path, stats) => isHiddenPath(options.dir, path) || (stats?.isFile() === true && !isManifestFile(basename(path))),
    });
    const onFile = (path: string): void => {
      if (isManifestFile(basename(path))) {
        schedule(relative(options.dir, path));
      }
    };
    watcher.on("add", onFile).on("change", onFile).on("unlink", onFile);
    watcher.on("unlinkDir", () => void serialized(() => rescanNow()).catch(() => undefined));
    watcher.on("error", (err: unknown) => options.logger.error({ err }, "watching the manifests directory failed"));
    signal.addEventListener(
      "abort",
      () => {
        timers.forEach((t) => t.cancel());
        void watcher.close();
      },
      { once: true },
    );
    return new Promise((resolve) => watcher.once("ready", () => resolve(watcher)));
  }

  function startPeriodicRescan(signal: AbortSignal): void {
    if (options.rescanIntervalMs === undefined || options.rescanIntervalMs <= 0) {
      return;
    }
    const timer = every(clock, options.rescanIntervalMs, () => void serialized(() => rescanNow()).catch(() => undefined));
    signal.addEventListener("abort", () => timer.cancel(), { once: true });
  }

  return {
    async start(onChange: (key: ResourceKey) => void, signal: AbortSignal): Promise<void> {
      emit = onChange;
      if (options.watch ?? true) {
        // Watch before the first scan, so nothing saved in between is missed.
        await startWatching(signal);
      }
      const initial = await serialized(() => rescanNow());
      startPeriodicRescan(signal);
      options.logger.info({ dir: options.dir, resources: index.keys().length, files: index.files().length }, "manifests loaded");
      // Keys unchanged by the scan (none on a first start) are still announced once.
      index
        .keys()
        .filter((k) => !initial.includes(k))
        .forEach((key) => emit(key));
    },
    rescan: (revision?: string) => serialized(() => rescanNow(revision)),
    get: (key: ResourceKey): DesiredResource | undefined => index.get(key),
    keys: () => index.keys(),
    problems: (): Problem[] => allProblems(),
    problemsFor: (key: ResourceKey): readonly Problem[] => index.problemsFor(key),
    pruneHold: (): string | undefined => {
      const unread = [
        ...listingProblems.map((p) => (p.file === undefined || p.file === "." ? "the manifests directory" : p.file)),
        ...index.unreadableFiles(),
      ];
      return unread.length === 0 ? undefined : unreadManifestsMessage(unread);
    },
  };
}

const CHOKIDAR_CHANGE_THROTTLE_MS = 50;

/** A file's parse result: undefined when it is gone; an unreadable file keeps its last good resources. */
function toParseResult(
  parse: ManifestParser,
  file: string,
  read: Exclude<ManifestRead, { status: "changing" }>,
): FileParseResult | undefined {
  if (read.status === "missing") return undefined;
  if (read.status === "error") {
    const { problem } = read;
    return {
      readable: false,
      documents: [],
      problems: [{ severity: "error", message: problem.message, file: problem.file, line: problem.line, rule: problem.rule }],
    };
  }
  try {
    return parse(file, read.text, read.problem);
  } catch (err: unknown) {
    const message = `${file}: could not be parsed: ${err instanceof Error ? err.message : String(err)}`;
    return { readable: false, documents: [], problems: [{ severity: "error", message, file, rule: "UnreadableManifest" }] };
  }
}

function describeProblem(problem: Problem): string {
  const where = [problem.file, problem.line].filter((p) => p !== undefined).join(":");
  return `${where === "" ? "" : `${where}: `}${problem.message}`;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}
