/**
 * Makes a directory a flag names (--state-dir), or says in one line why it cannot. Parents are made
 * one at a time rather than with `mkdir -p` (`recursive: true`), which Node 20 retries forever when
 * the parent cannot hold directories (a path under /proc), blocking the process.
 */
import { mkdir, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { OperatorError } from "./operatorError.js";

const REASONS: Record<string, string> = {
  EEXIST: "is a file, not a directory",
  ENOTDIR: "a part of the path is a file, not a directory",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "the file system is read-only",
  ENOENT: "cannot be made there",
  ENOSPC: "no space left on the device",
};

export async function ensureDirectory(path: string, flag: string): Promise<void> {
  try {
    await makeDirectory(path);
  } catch (error: unknown) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw new OperatorError(`${flag} ${path}: ${REASONS[code] ?? (error instanceof Error ? error.message : String(error))}`, code);
  }
}

async function makeDirectory(path: string): Promise<void> {
  try {
    await mkdir(path);
  } catch (error: unknown) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST" && (await stat(path)).isDirectory()) return;
    const parent = dirname(path);
    if (code !== "ENOENT" || parent === path) throw error;
    await makeDirectory(parent);
    // Still ENOENT with the parent there: the parent cannot hold directories; that error is the answer.
    await mkdir(path).catch((again: unknown) => {
      if ((again as NodeJS.ErrnoException).code !== "EEXIST") throw again;
    });
  }
}
