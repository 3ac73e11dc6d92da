import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { emulatorCommand } from "../../../controller/cli/commands/emulator.js";
import { EXIT_USAGE } from "../../../controller/cli/usage.js";

describe("batch-gitops emulator: account keys", () => {
  let err: string[];
  let dir: string;
  beforeEach(async () => {
    err = [];
    vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void err.push(a.join(" ")));
    dir = await mkdtemp(join(tmpdir(), "emulator-args-"));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  // Buffer.from(key, "base64") skips characters it does not know: these used to start an emulator.
  it("refuses a key that is not strict base64, without echoing it, before listening", async () => {
    expect(await emulatorCommand.run(["--port", "0", "--account", "acct", "--key", "not-a-key!!"])).toBe(EXIT_USAGE);
    expect(await emulatorCommand.run(["--port", "0", "--account", "acct:abc!"])).toBe(EXIT_USAGE);
    const file = join(dir, "accounts.yaml");
    await writeFile(file, "- name: acct\n  key: not-a-key!!\n");
    expect(await emulatorCommand.run(["--port", "0", "--accounts-file", file])).toBe(EXIT_USAGE);
    expect(err.map((l) => l.split("\n")[0])).toEqual([
      "batch-gitops emulator: --key must be base64 (as Azure shows account keys)",
      'batch-gitops emulator: --account takes NAME:BASE64KEY, got "acct:..."',
      `batch-gitops emulator: --accounts-file ${file}: expected a list of {name, key} with base64 keys`,
    ]);
    expect(err.join("\n")).not.toContain("not-a-key");
  });

  it("says in one line why --location or --work-dir cannot be a directory, instead of hanging or a stack trace", async () => {
    const file = join(dir, "file");
    await writeFile(file, "x");
    await expect(emulatorCommand.run(["--port", "0", "--location", file])).rejects.toMatchObject({
      name: "OperatorError",
      message: `--location ${file}: is a file, not a directory`,
    });
    if (process.platform === "linux") {
      // Node 20's recursive mkdir never returns under /proc: the emulator used to hang here.
      await expect(emulatorCommand.run(["--port", "0", "--work-dir", "/proc/batch-gitops-emulator"])).rejects.toMatchObject({
        message: "--work-dir /proc/batch-gitops-emulator: cannot be made there",
      });
    }
  });
});
