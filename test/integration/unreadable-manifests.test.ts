/**
 * Files the loader cannot or must not read: unreadable (EACCES) and symlinks leading out of the
 * manifests directory. Both `validate` and `run`'s directory source report a located problem and
 * still load the valid manifests beside them; nothing throws.
 */
import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { pino } from "pino";
import { beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadManifests, nodeFs, type ManifestFs } from "../../controller/manifests/index.js";
import { createDirectorySource } from "../../controller/directory/directorySource.js";
import { createLoaderParser } from "../../controller/directory/loaderParser.js";
import { aPool } from "../helpers/resources.js";
import { repoRoot } from "../helpers/crds.js";

const run = promisify(execFile);

/** The real file system, except that reading `denied` fails as for a file without read permission. */
function denying(denied: string): ManifestFs {
  const eacces = (): Promise<never> =>
    Promise.reject(Object.assign(new Error(`EACCES: permission denied, open '${denied}'`), { code: "EACCES" }));
  return { ...nodeFs, readFile: (path) => (path === denied ? eacces() : nodeFs.readFile(path)) };
}

async function runSource(
  dir: string,
  fs?: ManifestFs,
): Promise<{ keys: string[]; problems: { rule?: string; file?: string; line?: number }[] }> {
  const source = createDirectorySource({
    dir,
    parse: createLoaderParser({ authMode: "entra" }),
    logger: pino({ level: "silent" }),
    watch: false,
    ...(fs === undefined ? {} : { fs }),
  });
  const stop = new AbortController();
  await source.start(() => undefined, stop.signal);
  stop.abort();
  return { keys: source.keys(), problems: source.problems() };
}

describe("unreadable files and symlinks leaving the directory", () => {
  let root: string;
  let dir: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "unreadable-"));
    dir = join(root, "manifests");
    await mkdir(dir);
    await writeFile(join(dir, "good.yaml"), stringify(aPool({ name: "good" }).build()));
    return () => rm(root, { recursive: true, force: true });
  });

  it("an unreadable file (EACCES, injected through the fs port) is a located problem in validate and run; the valid manifest loads", async () => {
    await writeFile(join(dir, "secret.yaml"), stringify(aPool({ name: "hidden" }).build()));
    const fs = denying(join(dir, "secret.yaml"));
    const validate = await loadManifests(dir, { fs });
    expect(validate.resources.map((r) => r.key)).toEqual(["BatchPool/default/good"]);
    expect(validate.problems.map((p) => [p.rule, p.file, p.line])).toEqual([["read-error", join(dir, "secret.yaml"), 1]]);
    expect(validate.problems[0]?.message).toContain("EACCES");
    const source = await runSource(dir, fs);
    expect(source.keys).toEqual(["BatchPool/default/good"]);
    expect(source.problems.map((p) => [p.rule, p.file, p.line])).toEqual([["read-error", "secret.yaml", 1]]);
  });

  it("a symlink to a file outside the directory is not read, in validate and run", async () => {
    await writeFile(join(root, "outside.yaml"), stringify(aPool({ name: "outside" }).build()));
    await symlink(join(root, "outside.yaml"), join(dir, "link.yaml"));
    await mkdir(join(dir, "sub"));
    await symlink(join(dir, "good.yaml"), join(dir, "sub", "inside.yml"));
    const validate = await loadManifests(dir);
    expect(validate.problems.filter((p) => p.rule === "symlink-outside").map((p) => p.file)).toEqual([join(dir, "link.yaml")]);
    expect(validate.resources.map((r) => r.key)).not.toContain("BatchPool/default/outside");
    const source = await runSource(dir);
    expect(source.problems.filter((p) => p.rule === "symlink-outside").map((p) => p.file)).toEqual(["link.yaml"]);
    expect(source.keys).not.toContain("BatchPool/default/outside");
  });

  // As root chmod 000 does not stop reads: the CLI runs as nobody, after checking nobody really cannot read the file.
  it("validate run as a user who cannot read a file (chmod 000) prints a located error, no stack trace, and exits 1", async () => {
    const asNobody = ["--reuid=65534", "--regid=65534", "--clear-groups"];
    const setpriv = await run("setpriv", [...asNobody, "true"]).then(
      () => true,
      () => false,
    );
    if (!setpriv || process.getuid?.() !== 0) return; // needs root and setpriv to switch user
    await chmod(root, 0o755);
    await writeFile(join(dir, "locked.yaml"), stringify(aPool({ name: "locked" }).build()));
    await chmod(join(dir, "locked.yaml"), 0o000);
    const probe = await run("setpriv", [...asNobody, "cat", join(dir, "locked.yaml")]).then(
      () => "read",
      (e: { stderr?: string }) => e.stderr ?? "",
    );
    expect(probe).toContain("Permission denied");
    const cli = join(repoRoot, "bin", "batch-gitops.js");
    // A checkout under a 0700 directory (mktemp -d) cannot be loaded by nobody at all: nothing to test there.
    const cliReadable = await run("setpriv", [...asNobody, "test", "-r", cli]).then(
      () => true,
      () => false,
    );
    if (!cliReadable) return;
    const result = await run("setpriv", [...asNobody, process.execPath, cli, "validate", dir], {
      env: { ...process.env, HOME: root, TSX_TSCONFIG_PATH: join(repoRoot, "tsconfig.json") },
    }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" }),
    );
    expect(result.stdout).toContain(`${join(dir, "locked.yaml")}:1: error [read-error]`);
    expect(result.stdout).toContain("EACCES");
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/\n\s+at /);
    expect(result.stderr).toContain("1 resources valid, 1 errors");
    expect(result.code).toBe(1);
  }, 120_000);
});
