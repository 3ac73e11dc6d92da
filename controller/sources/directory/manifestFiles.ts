import { readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";

const MANIFEST_EXTENSIONS = [".yaml", ".yml"];

/** Manifest files are *.yaml / *.yml; dot-files and dot-directories (.git, editor swap files) are skipped. */
export function isManifestFile(name: string): boolean {
  return !name.startsWith(".") && MANIFEST_EXTENSIONS.some((ext) => name.endsWith(ext));
}

/** True for a path under `dir` that passes through a dot-directory or is a dot-file. */
export function isHiddenPath(dir: string, path: string): boolean {
  return relative(dir, path)
    .split(sep)
    .some((part) => part.startsWith(".") && part !== "." && part !== "..");
}

/** Every manifest file under `dir`, as paths relative to it, sorted. Missing dir → empty. */
export async function listManifestFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (err: unknown) {
    if (typeof err === "object" && err !== null && (err as { code?: unknown }).code === "ENOENT") {
      return [];
    }
    throw err;
  }
  return entries
    .filter((e) => e.isFile() && isManifestFile(e.name))
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .filter((file) => !isHiddenPath(dir, join(dir, file)))
    .sort();
}
