import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ensureDirectory } from "../../controller/config/ensureDirectory.js";

describe("ensureDirectory (--state-dir)", () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "ensure-dir-"));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("makes a directory and its missing parents, and accepts one that exists", async () => {
    const dir = join(root, "a", "b", "c");
    await ensureDirectory(dir, "--state-dir");
    expect((await stat(dir)).isDirectory()).toBe(true);
    await ensureDirectory(dir, "--state-dir");
  });

  it("says in one line, naming the flag, why a path cannot be a directory", async () => {
    const file = join(root, "file");
    await writeFile(file, "x");
    await expect(ensureDirectory(file, "--state-dir")).rejects.toMatchObject({
      name: "OperatorError",
      code: "EEXIST",
      message: `--state-dir ${file}: is a file, not a directory`,
    });
    await expect(ensureDirectory(join(file, "sub"), "--state-dir")).rejects.toMatchObject({
      code: "ENOTDIR",
      message: `--state-dir ${join(file, "sub")}: a part of the path is a file, not a directory`,
    });
  });

  // Node 20's mkdir({ recursive: true }) never returns here (it retries the ENOENT forever).
  it.skipIf(process.platform !== "linux")(
    "returns an error for a parent that cannot hold directories (/proc) instead of hanging",
    async () => {
      await expect(ensureDirectory("/proc/batch-gitops-state/x", "--state-dir")).rejects.toMatchObject({
        code: "ENOENT",
        message: "--state-dir /proc/batch-gitops-state/x: cannot be made there",
      });
    },
  );
});
