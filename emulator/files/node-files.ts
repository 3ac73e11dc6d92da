/**
 * The files of a compute node as the Batch file API shows them: paths relative to the node's root
 * directory (AZ_BATCH_NODE_ROOT_DIR), '/'-separated, e.g. `workitems/job/job-1/task/stdout.txt`.
 * Simulated nodes synthesize them; nodes of `--execute local` have them on disk.
 */
export interface FileEntry {
  /** Relative to the node root, no leading or trailing '/'. */
  readonly path: string;
  readonly isDirectory: boolean;
  readonly size: number;
  readonly creationTime: number;
  readonly lastModified: number;
}

export type RemoveOutcome = "deleted" | "notFound" | "notEmpty";

export interface NodeFileSource {
  /** Every entry below `dir` (recursively), or undefined when `dir` does not exist. */
  walk(dir: string): FileEntry[] | undefined;
  stat(path: string): FileEntry | undefined;
  /** The bytes of a file, `range` inclusive as in `bytes=start-end`. */
  read(path: string, range?: ByteRange): Buffer | undefined;
  remove(path: string, recursive: boolean): RemoveOutcome;
}

export interface ByteRange {
  start: number;
  /** Inclusive; undefined means to the end. */
  end?: number;
}

/** Normalises a client's path: backslashes as slashes, no empty or '.' segments; undefined for '..' escapes. */
export function cleanPath(path: string): string | undefined {
  const parts = path
    .replace(/\\/g, "/")
    .split("/")
    .filter((part) => part !== "" && part !== ".");
  if (parts.includes("..")) return undefined;
  return parts.join("/");
}

/** Entries directly in `dir` (non-recursive listing), from a recursive walk relative to the node root. */
export function childrenOf(entries: readonly FileEntry[], dir: string): FileEntry[] {
  const depth = dir === "" ? 1 : dir.split("/").length + 1;
  return entries.filter((entry) => entry.path.split("/").length === depth);
}

/** Parses `bytes=start-end` (end optional); undefined when absent, "invalid" when malformed. */
export function parseRange(header: string | undefined): ByteRange | undefined | "invalid" {
  if (header === undefined || header === "") return undefined;
  const match = /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (match === null) return "invalid";
  const start = Number(match[1]);
  const end = match[2] === "" || match[2] === undefined ? undefined : Number(match[2]);
  if (end !== undefined && end < start) return "invalid";
  return end === undefined ? { start } : { start, end };
}

export function sliceRange(content: Buffer, range: ByteRange | undefined): Buffer {
  if (range === undefined) return content;
  return content.subarray(range.start, range.end === undefined ? undefined : range.end + 1);
}
