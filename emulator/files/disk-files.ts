import { closeSync, openSync, readdirSync, readFileSync, readSync, rmSync, rmdirSync, statSync, type Stats } from "node:fs";
import { join } from "node:path";
import type { ByteRange, FileEntry, NodeFileSource, RemoveOutcome } from "./node-files.js";

/** The files of a node run with `--execute local`: a real directory tree under `root`. */
export class DiskNodeFiles implements NodeFileSource {
  constructor(private readonly root: string) {}

  walk(dir: string): FileEntry[] | undefined {
    const top = this.stat(dir);
    if (top === undefined || (!top.isDirectory && dir !== "")) return top === undefined ? undefined : [];
    const out: FileEntry[] = [];
    const visit = (relative: string): void => {
      for (const name of readdirSync(join(this.root, relative)).sort()) {
        const path = relative === "" ? name : `${relative}/${name}`;
        const entry = this.stat(path);
        if (entry === undefined) continue;
        out.push(entry);
        if (entry.isDirectory) visit(path);
      }
    };
    visit(dir);
    return out;
  }

  stat(path: string): FileEntry | undefined {
    let stats: Stats;
    try {
      stats = statSync(join(this.root, path));
    } catch {
      return undefined;
    }
    return {
      path,
      isDirectory: stats.isDirectory(),
      size: stats.isDirectory() ? 0 : stats.size,
      creationTime: stats.birthtimeMs || stats.ctimeMs,
      lastModified: stats.mtimeMs,
    };
  }

  read(path: string, range?: ByteRange): Buffer | undefined {
    const entry = this.stat(path);
    if (entry === undefined || entry.isDirectory) return undefined;
    const file = join(this.root, path);
    if (range === undefined) return readFileSync(file);
    // Read only the asked range: a follower of a long log asks for the tail again and again.
    const end = Math.min(range.end === undefined ? entry.size - 1 : range.end, entry.size - 1);
    const length = Math.max(0, end - range.start + 1);
    const buffer = Buffer.alloc(length);
    const fd = openSync(file, "r");
    try {
      const read = readSync(fd, buffer, 0, length, range.start);
      return buffer.subarray(0, read);
    } finally {
      closeSync(fd);
    }
  }

  remove(path: string, recursive: boolean): RemoveOutcome {
    const entry = this.stat(path);
    if (entry === undefined) return "notFound";
    const target = join(this.root, path);
    if (!entry.isDirectory) {
      rmSync(target);
      return "deleted";
    }
    if (recursive) {
      rmSync(target, { recursive: true, force: true });
      return "deleted";
    }
    try {
      rmdirSync(target);
      return "deleted";
    } catch {
      return "notEmpty";
    }
  }
}
