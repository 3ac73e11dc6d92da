import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ManualClock } from "../../controller/time/manualClock.js";
import { openFileStatusStore, readStatusFile } from "../../controller/directory/statusStore.js";
import type { ResourceKey, ResourceStatus } from "../../controller/runtime/ports.js";

const ready = (generation: number): ResourceStatus => ({
  observedGeneration: generation,
  conditions: [{ type: "Ready", status: "True", reason: "Succeeded", message: "in sync", lastTransitionTime: "2026-01-01T00:00:00.000Z" }],
});
const meta = (name: string) => ({ kind: "BatchPool" as const, namespace: "default", name, source: { location: `${name}.yaml` } });
const key = (name: string): ResourceKey => `BatchPool/default/${name}`;

describe("file status store", () => {
  let stateDir: string;
  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "status-store-"));
  });
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it("writes each resource's status to status.json in the state dir", async () => {
    const store = await openFileStatusStore({ stateDir, clock: new ManualClock(Date.UTC(2026, 0, 2)) });
    await store.write(key("b"), ready(2), meta("b"));
    await store.write(key("a"), ready(1), meta("a"));
    await store.flush();
    const doc = await readStatusFile(join(stateDir, "status.json"));
    expect(doc?.updatedAt).toBe("2026-01-02T00:00:00.000Z");
    expect(doc?.resources.map((r) => [r.key, r.status.observedGeneration, r.source?.location])).toEqual([
      ["BatchPool/default/a", 1, "a.yaml"],
      ["BatchPool/default/b", 2, "b.yaml"],
    ]);
  });

  it("keeps every write of a concurrent burst and leaves no temp files behind", async () => {
    const store = await openFileStatusStore({ stateDir });
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.write(key(`p${i}`), ready(i), meta(`p${i}`))));
    await store.flush();
    const doc = await readStatusFile(store.path);
    expect(doc?.resources).toHaveLength(50);
    expect(await readdir(stateDir)).toEqual(["status.json"]);
  });

  it("removes at start the temp file a killed controller left mid-write, not one of a process still writing", async () => {
    const dead = spawnSync("true").pid;
    const alive = process.ppid;
    for (const name of [`status.json.${dead}.3.tmp`, `status.json.${alive}.1.tmp`, "notes.tmp"]) await writeFile(join(stateDir, name), "{");
    await openFileStatusStore({ stateDir });
    expect((await readdir(stateDir)).sort()).toEqual(["notes.tmp", `status.json.${alive}.1.tmp`]);
  });

  it("never exposes a half-written file to a concurrent reader", async () => {
    const store = await openFileStatusStore({ stateDir, minFlushIntervalMs: 0 });
    const big = (i: number): ResourceStatus => ({ ...ready(i), batchIds: Array.from({ length: 200 }, (_, j) => `pool-${i}-${j}`) });
    let writing = true;
    const writes = (async () => {
      for (let i = 0; i < 40; i++) {
        await store.write(key(`p${i % 7}`), big(i), meta(`p${i % 7}`));
        await store.flush();
      }
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      const text = await readFile(store.path, "utf8").catch(() => undefined);
      if (text !== undefined) {
        expect(() => JSON.parse(text)).not.toThrow();
        reads++;
      }
      await new Promise((r) => setImmediate(r));
    }
    await writes;
    expect(reads).toBeGreaterThan(0);
  });

  it("reloads the previous document and drops resources no longer in the source", async () => {
    const first = await openFileStatusStore({ stateDir });
    await first.write(key("kept"), ready(1), meta("kept"));
    await first.write(key("gone"), ready(1), meta("gone"));
    await first.flush();
    const second = await openFileStatusStore({ stateDir });
    expect(second.document().resources.map((r) => r.name)).toEqual(["gone", "kept"]);
    await second.retainOnly([key("kept")]);
    await second.flush();
    expect((await readStatusFile(second.path))?.resources.map((r) => r.name)).toEqual(["kept"]);
  });

  it("records manifest problems and keeps them across a restart", async () => {
    const store = await openFileStatusStore({ stateDir });
    await store.setProblems([{ severity: "error", message: "bad.yaml: YAML syntax error", file: "bad.yaml" }]);
    await store.flush();
    expect((await readStatusFile(store.path))?.problems).toEqual([
      { severity: "error", message: "bad.yaml: YAML syntax error", file: "bad.yaml" },
    ]);
    expect((await openFileStatusStore({ stateDir })).document().problems).toHaveLength(1);
  });

  it("forgets a removed resource", async () => {
    const store = await openFileStatusStore({ stateDir });
    await store.write(key("a"), ready(1), meta("a"));
    await store.remove(key("a"));
    await store.flush();
    expect((await readStatusFile(store.path))?.resources).toEqual([]);
  });

  it("spaces file writes by the minimum interval and puts every change of a burst in the next one", async () => {
    const clock = new ManualClock(0);
    const store = await openFileStatusStore({ stateDir, clock, minFlushIntervalMs: 60_000 });
    const fileNames = async (): Promise<string[] | undefined> => (await readStatusFile(store.path))?.resources.map((r) => r.name);
    await store.write(key("first"), ready(1), meta("first"));
    await store.flush();
    await clock.advance(1_000);
    for (let i = 0; i < 20; i++) await store.write(key(`burst${i}`), ready(1), meta(`burst${i}`));
    // Within the interval the in-memory document has everything; the file waits for the clock.
    expect(store.document().resources).toHaveLength(21);
    await clock.advance(58_999);
    expect(await fileNames()).toEqual(["first"]);
    expect(clock.nextDueInMs()).toBe(1);
    await clock.advance(1);
    await vi.waitFor(async () => expect(await fileNames()).toHaveLength(21));
  });

  it("writes in the background without flush() once the interval has passed", async () => {
    const clock = new ManualClock(0);
    const store = await openFileStatusStore({ stateDir, clock, minFlushIntervalMs: 20 });
    await store.write(key("a"), ready(1), meta("a"));
    await store.write(key("b"), ready(1), meta("b"));
    // "a" is being written at once; "b" waits for the interval after that write ends.
    await vi.waitFor(() => expect(clock.nextDueInMs()).toBe(20));
    await clock.advance(20);
    await vi.waitFor(
      async () => expect((await readStatusFile(store.path).catch(() => undefined))?.resources.map((r) => r.name)).toEqual(["a", "b"]),
      { timeout: 10_000 },
    );
  });

  it("reports a failed background write and writes the change at the next flush", async () => {
    const errors: unknown[] = [];
    const store = await openFileStatusStore({ stateDir, minFlushIntervalMs: 0, onError: (e) => errors.push(e) });
    await rm(stateDir, { recursive: true, force: true });
    await store.write(key("a"), ready(1), meta("a"));
    await vi.waitFor(() => expect(String(errors[0])).toMatch(/ENOENT/), { timeout: 10_000 });
    await expect(store.flush()).rejects.toThrow(/ENOENT/);
    const { mkdir } = await import("node:fs/promises");
    await mkdir(stateDir, { recursive: true });
    await store.flush();
    expect((await readStatusFile(store.path))?.resources.map((r) => r.name)).toEqual(["a"]);
  });

  it("refuses a file that is not a status document", async () => {
    const { writeFile } = await import("node:fs/promises");
    await writeFile(join(stateDir, "status.json"), '{"hello":1}');
    await expect(openFileStatusStore({ stateDir })).rejects.toThrow(/not a batch-gitops status file/);
  });
});
