import { createHash } from "node:crypto";
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";

/**
 * The files under `--location DIR` (docs/adr/0023):
 *
 * - `snapshot.jsonl`: the whole state at one point, written to a temp file, fsynced, then renamed over the
 *   old one (a rename is atomic, so a crash leaves the old or the new snapshot, never half of one). Its
 *   first line is `{"seq":N}`: it includes every journal record up to N.
 * - `journal.jsonl`: one line per acknowledged mutation (all the entity records one request changed),
 *   appended and fsynced before the response is written. A line is `<hash> <json>\n` where hash is the
 *   first 16 hex digits of the JSON's SHA-256: a line cut short by a crash (no newline, or a hash that does
 *   not match) is ignored, and so is everything after it, so a request's changes apply whole or not at all.
 */

/** One change: an entity record put (with `v`) or deleted (without). */
export interface JournalOp {
  /** Account name, lowercased. */
  a: string;
  k: "pool" | "job" | "task";
  id: string;
  /** For tasks: the job id. */
  job?: string;
  v?: Record<string, unknown>;
}

interface JournalLine {
  n: number;
  ops: JournalOp[];
}

export interface LoadedJournal {
  /** The snapshot's ops, then the journal's newer ones, in order. */
  ops: JournalOp[];
  /** The last sequence number seen. */
  seq: number;
  /** Bytes of the journal ignored at its end (a torn record). */
  tornBytes: number;
}

const SNAPSHOT = "snapshot.jsonl";
const JOURNAL = "journal.jsonl";

export class Journal {
  #fd: number | undefined;
  #seq = 0;
  #bytes = 0;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** Bytes appended since the last snapshot. */
  get size(): number {
    return this.#bytes;
  }

  /** Reads the snapshot and the journal's intact records after it. */
  load(): LoadedJournal {
    const ops: JournalOp[] = [];
    let seq = 0;
    const snapshotPath = join(this.dir, SNAPSHOT);
    if (existsSync(snapshotPath)) {
      const lines = readFileSync(snapshotPath, "utf8")
        .split("\n")
        .filter((line) => line !== "");
      const header = JSON.parse(lines[0] ?? "{}") as { seq?: number };
      seq = header.seq ?? 0;
      for (const line of lines.slice(1)) ops.push(JSON.parse(line) as JournalOp);
    }
    const journalPath = join(this.dir, JOURNAL);
    let tornBytes = 0;
    if (existsSync(journalPath)) {
      const text = readFileSync(journalPath);
      let start = 0;
      while (start < text.length) {
        const end = text.indexOf(0x0a, start);
        const record = end < 0 ? undefined : parseLine(text.subarray(start, end).toString("utf8"));
        if (record === undefined) {
          tornBytes = text.length - start;
          break;
        }
        if (record.n > seq) {
          ops.push(...record.ops);
          seq = record.n;
        }
        start = end + 1;
      }
    }
    this.#seq = seq;
    return { ops, seq, tornBytes };
  }

  /** Appends one record and fsyncs it: when this returns, the change survives a crash. */
  append(ops: readonly JournalOp[]): void {
    if (ops.length === 0) return;
    this.#seq += 1;
    const json = JSON.stringify({ n: this.#seq, ops: [...ops] } satisfies JournalLine);
    const line = `${hashOf(json)} ${json}\n`;
    const fd = this.#journalFd();
    writeSync(fd, line);
    fsyncSync(fd);
    this.#bytes += Buffer.byteLength(line);
  }

  /**
   * Writes `ops` (the whole state) as the new snapshot (temp file, fsync, rename, fsync the directory),
   * then starts an empty journal. A crash in between leaves journal records the snapshot already has;
   * their sequence numbers are at most the snapshot's, so loading skips them.
   */
  writeSnapshot(ops: Iterable<JournalOp>): void {
    const temp = join(this.dir, `${SNAPSHOT}.tmp`);
    const fd = openSync(temp, "w");
    try {
      writeSync(fd, `${JSON.stringify({ seq: this.#seq })}\n`);
      let chunk = "";
      for (const op of ops) {
        chunk += `${JSON.stringify(op)}\n`;
        if (chunk.length > 1 << 20) {
          writeSync(fd, chunk);
          chunk = "";
        }
      }
      writeSync(fd, chunk);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, join(this.dir, SNAPSHOT));
    syncDirectory(this.dir);
    this.#closeJournal();
    this.#fd = openSync(join(this.dir, JOURNAL), "w");
    fsyncSync(this.#fd);
    syncDirectory(this.dir);
    this.#bytes = 0;
  }

  close(): void {
    this.#closeJournal();
  }

  #journalFd(): number {
    if (this.#fd === undefined) {
      const path = join(this.dir, JOURNAL);
      this.#fd = openSync(path, "a");
      this.#bytes = statSync(path).size;
    }
    return this.#fd;
  }

  #closeJournal(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}

function hashOf(json: string): string {
  return createHash("sha256").update(json).digest("hex").slice(0, 16);
}

/** A journal line's record, or undefined when the line is not intact. */
function parseLine(line: string): JournalLine | undefined {
  const space = line.indexOf(" ");
  if (space !== 16) return undefined;
  const json = line.slice(space + 1);
  if (hashOf(json) !== line.slice(0, space)) return undefined;
  try {
    const record = JSON.parse(json) as JournalLine;
    return typeof record.n === "number" && Array.isArray(record.ops) ? record : undefined;
  } catch {
    return undefined;
  }
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
