import { mkdir, mkdtemp, open, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { parseAllDocuments } from "yaml";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDirectorySource, type DirectorySource } from "../../controller/directory/directorySource.js";
import type { FileParseResult, ParsedDocument } from "../../controller/directory/manifestParser.js";
import type { ResourceKey } from "../../controller/runtime/ports.js";
import { ManualClock } from "../../controller/time/manualClock.js";

/**
 * A small stand-in for the manifests loader: YAML errors make the file unreadable; a pool is
 * valid when spec.vmSize is a string. The source's behaviour does not depend on finer rules.
 */
function testParser(file: string, text: string): FileParseResult {
  const docs = parseAllDocuments(text);
  if (docs.some((d) => d.errors.length > 0)) {
    return { readable: false, documents: [], problems: [{ severity: "error", message: `${file}: YAML syntax error`, file }] };
  }
  const documents: ParsedDocument[] = [];
  for (const doc of docs) {
    const value = doc.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string }; spec?: { vmSize?: unknown } } | null;
    if (value === null || (value.kind !== "BatchPool" && value.kind !== "BatchJob") || value.metadata?.name === undefined) {
      continue;
    }
    const valid = typeof value.spec?.vmSize === "string";
    documents.push({
      kind: value.kind,
      namespace: value.metadata.namespace ?? "default",
      name: value.metadata.name,
      spec: valid ? value.spec : undefined,
      valid,
    });
  }
  return { readable: true, documents, problems: [] };
}

const pool = (name: string, nodes: number, extra = ""): string =>
  `apiVersion: azurebatch.gitops.dev/v1alpha1\nkind: BatchPool\nmetadata:\n  name: ${name}\nspec:\n  vmSize: standard_d2s_v3\n  targetDedicatedNodes: ${nodes}\n${extra}`;

async function until(predicate: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

const nodesOf = (source: DirectorySource, key: ResourceKey): unknown =>
  (source.get(key)?.spec as { targetDedicatedNodes?: number } | undefined)?.targetDedicatedNodes;

describe("directory source", () => {
  let dir: string;
  let abort: AbortController;
  let events: ResourceKey[];
  const logger = pino({ level: "silent" });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "dir-source-"));
    abort = new AbortController();
    events = [];
  });
  afterEach(async () => {
    abort.abort();
    await rm(dir, { recursive: true, force: true });
  });

  async function startSource(debounceMs = 50, clock?: ManualClock): Promise<DirectorySource> {
    const source = createDirectorySource({ dir, parse: testParser, logger, debounceMs, clock });
    await source.start((key) => events.push(key), abort.signal);
    return source;
  }

  it("loads every manifest file, including nested and multi-document ones, and skips other files", async () => {
    await writeFile(join(dir, "a.yaml"), `${pool("a", 1)}---\n${pool("b", 2)}`);
    await mkdir(join(dir, "team", ".hidden"), { recursive: true });
    await writeFile(join(dir, "team", "c.yml"), pool("c", 3));
    await writeFile(join(dir, "team", ".hidden", "d.yaml"), pool("d", 4));
    await writeFile(join(dir, "notes.txt"), pool("e", 5));
    const source = await startSource();
    expect(source.keys()).toEqual(["BatchPool/default/a", "BatchPool/default/b", "BatchPool/default/c"]);
    expect(source.get("BatchPool/default/c")).toMatchObject({ generation: 1, source: { location: join("team", "c.yml") } });
    expect([...events].sort()).toEqual(source.keys());
  });

  it("emits the key of a changed, added or removed file, and moves the generation on a spec change", async () => {
    await writeFile(join(dir, "a.yaml"), pool("a", 1));
    const source = await startSource();
    events.length = 0;

    await writeFile(join(dir, "a.yaml"), pool("a", 5));
    await until(() => nodesOf(source, "BatchPool/default/a") === 5, "the change");
    expect(source.get("BatchPool/default/a")?.generation).toBe(2);

    await writeFile(join(dir, "b.yaml"), pool("b", 1));
    await until(() => source.get("BatchPool/default/b") !== undefined, "the new file");

    await unlink(join(dir, "a.yaml"));
    await until(() => source.get("BatchPool/default/a") === undefined, "the removal");
    expect(source.keys()).toEqual(["BatchPool/default/b"]);
    expect(events).toEqual(["BatchPool/default/a", "BatchPool/default/b", "BatchPool/default/a"]);
  });

  it("treats a document removed from a multi-document file as a removed resource", async () => {
    await writeFile(join(dir, "all.yaml"), `${pool("a", 1)}---\n${pool("b", 1)}`);
    const source = await startSource();
    events.length = 0;
    await writeFile(join(dir, "all.yaml"), pool("a", 1));
    await until(() => source.get("BatchPool/default/b") === undefined, "the removed document");
    expect(events).toEqual(["BatchPool/default/b"]);
    expect(source.get("BatchPool/default/a")?.generation).toBe(1);
  });

  it("collapses a burst of saves into one change (debounce)", async () => {
    await writeFile(join(dir, "a.yaml"), pool("a", 1));
    const source = await startSource(200);
    events.length = 0;
    for (let n = 2; n <= 6; n++) {
      await writeFile(join(dir, "a.yaml"), pool("a", n));
    }
    await until(() => nodesOf(source, "BatchPool/default/a") === 6, "the last save");
    expect(events).toEqual(["BatchPool/default/a"]);
    expect(source.get("BatchPool/default/a")?.generation).toBe(2);
  });

  it("never applies a half-written file, even one whose prefix parses", async () => {
    await writeFile(join(dir, "a.yaml"), pool("a", 5));
    // The quiet time runs on a ManualClock: the file is read only when the test moves time, so
    // the gap between the two writes below does not depend on how fast the machine is.
    const clock = new ManualClock();
    const source = await startSource(300, clock);
    // "targetDedicatedNodes: 1" is a valid prefix of "targetDedicatedNodes: 12": the dangerous case.
    const complete = pool("a", 12);
    const cut = complete.indexOf("12") + 1;
    const handle = await open(join(dir, "a.yaml"), "w");
    await handle.write(complete.slice(0, cut));
    await until(() => clock.pending() > 0, "the change event");
    // Still inside the quiet time: nothing is read.
    await clock.advance(299);
    expect(nodesOf(source, "BatchPool/default/a")).toBe(5);
    await handle.write(complete.slice(cut));
    await handle.close();
    // Each quiet time that passes reads the file (a change event in between starts a new one);
    // the real pause only gives the read time to finish, no assertion depends on its length.
    for (let i = 0; i < 500 && nodesOf(source, "BatchPool/default/a") !== 12; i++) {
      await clock.advance(300);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(nodesOf(source, "BatchPool/default/a")).toBe(12);
    expect(source.get("BatchPool/default/a")?.generation).toBe(2);
  });

  it("keeps the last good version of a file that stops parsing, reports it, and recovers", async () => {
    await writeFile(join(dir, "a.yaml"), pool("a", 2));
    const source = await startSource();
    await writeFile(join(dir, "a.yaml"), `${pool("a", 3)}  bad: [unclosed\n`);
    await until(() => source.problems().length > 0, "the problem");
    expect(nodesOf(source, "BatchPool/default/a")).toBe(2);
    expect(source.problems()).toEqual([expect.objectContaining({ severity: "error", file: "a.yaml" })]);
    expect(source.problems()[0]?.key).toBeUndefined();
    await writeFile(join(dir, "a.yaml"), pool("a", 4));
    await until(() => nodesOf(source, "BatchPool/default/a") === 4, "the fix");
    expect(source.problems()).toEqual([]);
  });

  it("reports an invalid document beside valid ones against its key, keeping its last good spec", async () => {
    await writeFile(join(dir, "good.yaml"), pool("good", 1));
    await writeFile(join(dir, "bad.yaml"), pool("bad", 1));
    const source = await startSource();
    events.length = 0;
    await writeFile(
      join(dir, "bad.yaml"),
      "apiVersion: azurebatch.gitops.dev/v1alpha1\nkind: BatchPool\nmetadata:\n  name: bad\nspec:\n  vmSize: 42\n",
    );
    await until(() => source.problems().length > 0, "the problem");
    expect(source.problems()).toEqual([expect.objectContaining({ key: "BatchPool/default/bad", file: "bad.yaml", severity: "error" })]);
    expect(events).toEqual(["BatchPool/default/bad"]);
    expect(nodesOf(source, "BatchPool/default/bad")).toBe(1);
    expect(nodesOf(source, "BatchPool/default/good")).toBe(1);
  });

  it("starts with an invalid manifest beside valid ones: the valid load, the invalid is reported", async () => {
    await writeFile(join(dir, "good.yaml"), pool("good", 1));
    await writeFile(join(dir, "bad.yaml"), "kind: BatchPool\nmetadata:\n  name: bad\nspec: {}\n");
    await writeFile(join(dir, "broken.yaml"), "kind: [\n");
    const source = await startSource();
    expect(source.keys()).toEqual(["BatchPool/default/good"]);
    expect(source.problems().map((p) => [p.file, p.key])).toEqual([
      ["bad.yaml", "BatchPool/default/bad"],
      ["broken.yaml", undefined],
    ]);
  });

  it("reports a resource defined in two files against its key", async () => {
    await writeFile(join(dir, "one.yaml"), pool("same", 1));
    await writeFile(join(dir, "two.yaml"), pool("same", 2));
    const source = await startSource();
    expect(source.problems()).toEqual([
      expect.objectContaining({ key: "BatchPool/default/same", rule: "duplicate-name", file: "two.yaml" }),
    ]);
  });

  it("loads once without watching when watch is off", async () => {
    await writeFile(join(dir, "a.yaml"), pool("a", 1));
    const source = createDirectorySource({ dir, parse: testParser, logger, watch: false });
    await source.start((key) => events.push(key), abort.signal);
    await writeFile(join(dir, "a.yaml"), pool("a", 9));
    expect(await source.rescan("abc123")).toEqual(["BatchPool/default/a"]);
    expect(source.get("BatchPool/default/a")).toMatchObject({ spec: { targetDedicatedNodes: 9 }, source: { revision: "abc123" } });
  });

  it("keeps every resource when the directory itself is gone (an unmounted volume), reports it, and reads removals once it is back", async () => {
    await writeFile(join(dir, "a.yaml"), pool("a", 1));
    await writeFile(join(dir, "b.yaml"), pool("b", 1));
    const source = createDirectorySource({ dir, parse: testParser, logger, watch: false });
    await source.start((key) => events.push(key), abort.signal);
    events.length = 0;
    await rm(dir, { recursive: true, force: true });
    expect(await source.rescan()).toEqual([]);
    expect(source.keys()).toEqual(["BatchPool/default/a", "BatchPool/default/b"]);
    expect(source.problems()).toEqual([
      expect.objectContaining({ rule: "read-error", file: ".", message: `cannot read the manifests directory ${dir} (it does not exist)` }),
    ]);
    // The engine deletes nothing while the source cannot tell what was removed.
    expect(source.pruneHold?.()).toBe("cannot read or parse the manifests directory");
    await mkdir(dir);
    await writeFile(join(dir, "a.yaml"), pool("a", 1));
    expect(await source.rescan()).toEqual(["BatchPool/default/b"]);
    expect(source.keys()).toEqual(["BatchPool/default/a"]);
    expect(source.problems()).toEqual([]);
    expect(source.pruneHold?.()).toBeUndefined();
    expect(events).toEqual(["BatchPool/default/b"]);
  });

  it("does not take the files of a vanished directory as removed when their watch events arrive", async () => {
    await writeFile(join(dir, "a.yaml"), pool("a", 1));
    await writeFile(join(dir, "b.yaml"), pool("b", 1));
    const clock = new ManualClock();
    const source = await startSource(50, clock);
    events.length = 0;
    await rm(dir, { recursive: true, force: true });
    // Both files' removal events are debounced on the manual clock: wait until they are, then let them run.
    await until(() => clock.pending() >= 2, "the watcher's removal events");
    await clock.advance(1_000);
    expect(clock.pending()).toBe(0);
    // A rescan runs after the refreshes (they are serialized): once it returns, they are done.
    await source.rescan();
    expect(source.keys()).toEqual(["BatchPool/default/a", "BatchPool/default/b"]);
    expect(events).toEqual([]);
  });

  it("repairs a missed watch event with the periodic rescan", async () => {
    await writeFile(join(dir, "a.yaml"), pool("a", 1));
    // Watching off stands in for a lost event: only the rescan can see the change.
    const source = createDirectorySource({ dir, parse: testParser, logger, watch: false, rescanIntervalMs: 20 });
    await source.start((key) => events.push(key), abort.signal);
    await writeFile(join(dir, "a.yaml"), pool("a", 7));
    await until(() => nodesOf(source, "BatchPool/default/a") === 7, "the rescan");
  });
});
