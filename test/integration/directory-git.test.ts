import { execFileSync } from "node:child_process";
import { mkdtemp, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { parseAllDocuments } from "yaml";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createDirectorySource, type DirectorySource } from "../../controller/directory/directorySource.js";
import { createGitPoller } from "../../controller/directory/gitPoller.js";
import { GitCheckout, redactUrl } from "../../controller/directory/gitCheckout.js";
import type { FileParseResult } from "../../controller/directory/manifestParser.js";

function testParser(file: string, text: string): FileParseResult {
  const documents = parseAllDocuments(text).map((d) => {
    const v = d.toJS() as { metadata: { name: string }; spec: unknown };
    return { kind: "BatchPool" as const, namespace: "default", name: v.metadata.name, spec: v.spec, valid: true };
  });
  return { readable: true, documents, problems: [] };
}

const pool = (name: string, nodes: number): string =>
  `kind: BatchPool\nmetadata:\n  name: ${name}\nspec:\n  vmSize: d2\n  targetDedicatedNodes: ${nodes}\n`;

describe("Git mode", () => {
  let root: string;
  let work: string;
  let bare: string;
  let abort: AbortController;
  const logger = pino({ level: "silent" });
  const git = (cwd: string, ...args: string[]): string =>
    execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", ...args], { cwd, encoding: "utf8" }).trim();

  async function commit(message: string, change: () => Promise<void>): Promise<string> {
    await change();
    git(work, "add", "-A");
    git(work, "commit", "--quiet", "-m", message);
    git(work, "push", "--quiet", "origin", "HEAD:prod");
    return git(work, "rev-parse", "HEAD");
  }

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "git-source-"));
    bare = join(root, "manifests.git");
    work = join(root, "work");
    git(root, "init", "--quiet", "--bare", bare);
    git(root, "init", "--quiet", "--initial-branch=prod", work);
    git(work, "remote", "add", "origin", bare);
    abort = new AbortController();
  });
  afterEach(async () => {
    abort.abort();
    await rm(root, { recursive: true, force: true });
  });

  async function until(predicate: () => boolean): Promise<void> {
    await vi.waitFor(() => expect(predicate()).toBe(true), { timeout: 60_000, interval: 10 });
  }

  it("follows new commits on the branch and records the commit each resource was applied from", async () => {
    const first = await commit("two pools", async () => {
      await writeFile(join(work, "a.yaml"), pool("a", 1));
      await writeFile(join(work, "b.yaml"), pool("b", 1));
    });
    const checkoutDir = join(root, "state", "checkout");
    const poller = createGitPoller({ url: bare, branch: "prod", checkoutDir, pollIntervalMs: 20, logger });
    expect(await poller.initialSync()).toBe(first);
    const source: DirectorySource = createDirectorySource({
      dir: checkoutDir,
      parse: testParser,
      logger,
      watch: false,
      currentRevision: poller.revision,
    });
    const events: string[] = [];
    await source.start((k) => events.push(k), abort.signal);
    expect(source.get("BatchPool/default/a")?.source).toEqual({ location: "a.yaml", revision: first });
    const polling = poller.run(source, abort.signal);

    const second = await commit("scale a, remove b", async () => {
      await writeFile(join(work, "a.yaml"), pool("a", 4));
      await unlink(join(work, "b.yaml"));
    });
    await until(() => source.get("BatchPool/default/b") === undefined);
    expect(source.get("BatchPool/default/a")).toMatchObject({ spec: { targetDedicatedNodes: 4 }, source: { revision: second } });
    expect(events.slice(2)).toEqual(["BatchPool/default/a", "BatchPool/default/b"]);

    // A commit that does not touch a resource leaves its applied-from commit alone.
    const third = await commit("add c", async () => writeFile(join(work, "c.yaml"), pool("c", 1)));
    await until(() => source.get("BatchPool/default/c") !== undefined);
    expect(source.get("BatchPool/default/c")?.source.revision).toBe(third);
    expect(source.get("BatchPool/default/a")?.source.revision).toBe(second);
    abort.abort();
    await polling;
  });

  it("discards local edits in its checkout on every sync", async () => {
    const first = await commit("one pool", async () => writeFile(join(work, "a.yaml"), pool("a", 1)));
    const checkoutDir = join(root, "checkout");
    const checkout = new GitCheckout({ url: bare, branch: "prod", checkoutDir });
    await checkout.sync();
    await writeFile(join(checkoutDir, "a.yaml"), pool("a", 99));
    await writeFile(join(checkoutDir, "stray.yaml"), pool("stray", 1));
    expect(await checkout.sync()).toBe(first);
    expect(git(checkoutDir, "status", "--porcelain")).toBe("");
  });

  it("fails the first sync with a clear error and no credentials in it", async () => {
    const checkout = new GitCheckout({ url: "https://user:s3cret@127.0.0.1:9/none.git", branch: "main", checkoutDir: join(root, "c") });
    const error = await checkout.sync().then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(error?.message).toMatch(/^git fetch failed for https:\/\/\[redacted\]@127\.0\.0\.1:9\/none\.git/);
    expect(error?.message).not.toContain("s3cret");
    expect(redactUrl("git@github.com:o/r.git")).toBe("git@github.com:o/r.git");
  });
});
