/**
 * Finding and reading manifest files, the same way for `validate`, `plan` and the directory source:
 * a file that cannot be read (EACCES...), is not UTF-8, holds NUL bytes or is a symlink leading out
 * of the manifests directory becomes a located problem, never an exception.
 */
import { isUtf8 } from "node:buffer";
import * as fsPromises from "node:fs/promises";
import type { Dirent, Stats } from "node:fs";
import { join, relative, sep, isAbsolute } from "node:path";

/** The file-system calls the loader makes; tests inject failures (EACCES) through it. */
export interface ManifestFs {
  readdir(path: string): Promise<Dirent[]>;
  readFile(path: string): Promise<Buffer>;
  stat(path: string): Promise<Stats>;
  lstat(path: string): Promise<Stats>;
  realpath(path: string): Promise<string>;
}

export const nodeFs: ManifestFs = {
  readdir: (path) => fsPromises.readdir(path, { withFileTypes: true }),
  readFile: (path) => fsPromises.readFile(path),
  stat: (path) => fsPromises.stat(path),
  lstat: (path) => fsPromises.lstat(path),
  realpath: (path) => fsPromises.realpath(path),
};

/** A problem with a whole file (line 1 unless the bad byte is known). */
export interface FileProblem {
  readonly file: string;
  readonly line: number;
  readonly rule: string;
  readonly message: string;
}

const MANIFEST_EXTENSIONS = [".yaml", ".yml", ".json"];

/**
 * Manifest files are *.yaml / *.yml / *.json, as `kubectl apply -f <dir>` reads them; dot-files and
 * dot-directories (.git, editor swap files) are skipped.
 */
export function isManifestFile(name: string): boolean {
  return !name.startsWith(".") && MANIFEST_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext));
}

/** True for a path under `dir` that passes through a dot-directory or is a dot-file. */
export function isHiddenPath(dir: string, path: string): boolean {
  return relative(dir, path)
    .split(sep)
    .some((part) => part.startsWith(".") && part !== "." && part !== "..");
}

function codeOf(error: unknown): string {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" ? code : error instanceof Error ? error.message : String(error);
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/** Why pruning waits, naming what cannot be read: the same words in `run`, `plan` and `diff`. */
export function unreadManifestsMessage(unread: readonly string[]): string {
  const more = unread.length > 3 ? ` and ${unread.length - 3} more` : "";
  return `cannot read or parse ${unread.slice(0, 3).join(", ")}${more}`;
}

export interface ListedFiles {
  /** Manifest files relative to the root, sorted. */
  readonly files: string[];
  readonly problems: FileProblem[];
  /**
   * False when the directory itself could not be read (gone, or not listable): `files` then says
   * nothing about which manifests exist, and none may be taken as removed.
   */
  readonly rootRead: boolean;
}

interface Listing {
  readonly fs: ManifestFs;
  readonly root: string;
  readonly realRoot: string;
  readonly out: { files: string[]; problems: FileProblem[] };
}

/**
 * Every manifest file under `root` (relative paths, sorted). Symlinks to files inside the directory
 * are read like files; symlinks leading outside it are a problem (a manifests repo must not pull in
 * other files of the machine); symlinked directories are not descended (their files are read where
 * they really are). A directory that cannot be listed is a problem, not an exception.
 */
export async function listManifestFiles(root: string, fs: ManifestFs = nodeFs): Promise<ListedFiles> {
  const out = { files: [] as string[], problems: [] as FileProblem[] };
  let realRoot: string;
  try {
    realRoot = await fs.realpath(root);
  } catch (error: unknown) {
    const reason = codeOf(error) === "ENOENT" ? "it does not exist" : codeOf(error);
    out.problems.push({ file: ".", line: 1, rule: "read-error", message: `cannot read the manifests directory ${root} (${reason})` });
    return { ...out, rootRead: false };
  }
  await walk({ fs, root, realRoot, out }, root);
  out.files.sort();
  return { ...out, rootRead: !out.problems.some((p) => p.file === ".") };
}

async function walk(listing: Listing, dir: string): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await listing.fs.readdir(dir);
  } catch (error: unknown) {
    const file = relative(listing.root, dir) || ".";
    listing.out.problems.push({
      file,
      line: 1,
      rule: "read-error",
      message: `cannot list this directory (${codeOf(error)}); its manifests are not loaded`,
    });
    return;
  }
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(listing, path);
    else if ((entry.isFile() || entry.isSymbolicLink()) && isManifestFile(entry.name)) listing.out.files.push(relative(listing.root, path));
  }
}

export type ManifestRead =
  | { readonly status: "ok"; readonly text: string; readonly problem?: EncodingProblem }
  | { readonly status: "missing" }
  /** Still being written (size or mtime moved during the read): read it again later. */
  | { readonly status: "changing" }
  | { readonly status: "error"; readonly problem: FileProblem };

/** A byte-level problem, located by character offset in the (lossily) decoded text. */
export interface EncodingProblem {
  readonly rule: string;
  readonly message: string;
  readonly offset: number;
}

/**
 * Decodes a manifest's bytes as UTF-8. A NUL byte or an invalid sequence is reported at its place
 * (the text is still decoded, replacing bad bytes, so the problem can name its resource and field).
 */
export function decodeManifest(bytes: Buffer): { text: string; problem?: EncodingProblem } {
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  const nul = text.indexOf("\u0000");
  if (nul >= 0)
    return {
      text,
      problem: { rule: "nul-byte", message: "the file holds a NUL byte (binary content?); manifests are UTF-8 text", offset: nul },
    };
  if (isUtf8(bytes)) return { text };
  // The first replacement character marks the first bad sequence (a genuine U+FFFD before it aside).
  const offset = Math.max(0, text.indexOf("\uFFFD"));
  const byte = Buffer.byteLength(text.slice(0, offset), "utf8");
  return { text, problem: { rule: "encoding", message: `byte ${byte} of the file is not valid UTF-8; save the file as UTF-8`, offset } };
}

async function outsideProblem(fs: ManifestFs, root: string, path: string, file: string): Promise<FileProblem | undefined> {
  if (!(await fs.lstat(path)).isSymbolicLink()) return undefined;
  const [target, realRoot] = await Promise.all([fs.realpath(path), fs.realpath(root)]);
  if (isInside(realRoot, target)) return undefined;
  return { file, line: 1, rule: "symlink-outside", message: `is a symlink to ${target}, outside the manifests directory; it is not read` };
}

/**
 * Reads one manifest file (`file` relative to `root`) only if it is the same before and after the
 * read (size and mtime), so a file being written is never applied half-way.
 */
export async function readManifestFile(root: string, file: string, fs: ManifestFs = nodeFs): Promise<ManifestRead> {
  const path = join(root, file);
  try {
    const outside = await outsideProblem(fs, root, path, file);
    if (outside !== undefined) return { status: "error", problem: outside };
    const before = await fs.stat(path);
    const bytes = await fs.readFile(path);
    const after = await fs.stat(path);
    if (before.mtimeMs !== after.mtimeMs || before.size !== after.size || bytes.length !== after.size) return { status: "changing" };
    return { status: "ok", ...decodeManifest(bytes) };
  } catch (error: unknown) {
    const code = codeOf(error);
    if (code === "ENOENT") return { status: "missing" };
    return {
      status: "error",
      problem: { file, line: 1, rule: "read-error", message: `cannot read the file (${code}); its resources are not loaded` },
    };
  }
}
