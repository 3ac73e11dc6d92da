// The conventions every command shares (docs/cli.md): --version, one --output flag, one exit code
// for bad usage, --no-color / NO_COLOR accepted anywhere, and shell completion.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../../controller/cli/main.js";
import { commands } from "../../../controller/cli/commands/index.js";
import { flagsOf } from "../../../controller/cli/commands/completion.js";
import { EXIT_USAGE } from "../../../controller/cli/usage.js";
import { repoRoot } from "../../helpers/crds.js";

const run = promisify(execFile);
const bin = join(repoRoot, "bin", "batch-gitops.js");
const examples = relative(process.cwd(), join(repoRoot, "manifests", "examples"));

describe("CLI conventions", () => {
  let out: string[];
  let err: string[];
  beforeEach(() => {
    out = [];
    err = [];
    vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
    vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void err.push(a.join(" ")));
  });
  afterEach(() => vi.restoreAllMocks());

  it("prints the package version with --version, -V and version (through the real binary too)", async () => {
    const { version } = JSON.parse(await readFile(join(repoRoot, "package.json"), "utf8")) as { version: string };
    for (const flag of ["--version", "-V", "version"]) {
      expect(await main([flag])).toBe(0);
    }
    expect(out).toEqual([`batch-gitops ${version}`, `batch-gitops ${version}`, `batch-gitops ${version}`]);
    const { stdout } = await run(process.execPath, [bin, "--version"]);
    expect(stdout.trim()).toBe(`batch-gitops ${version}`);
  });

  it(`exits ${EXIT_USAGE} on bad usage, for every command, naming the command and pointing at --help`, async () => {
    expect(await main(["no-such-command"])).toBe(EXIT_USAGE);
    expect(await main([])).toBe(EXIT_USAGE);
    for (const command of commands) {
      err = [];
      expect(await main([command.name, "--no-such-flag"]), command.name).toBe(EXIT_USAGE);
      expect(err.join("\n"), command.name).toMatch(new RegExp(`batch-gitops ${command.name}: .*\\n?.*--help`));
    }
  });

  it("accepts --no-color anywhere and NO_COLOR in the environment", async () => {
    expect(await main(["--no-color", "validate", examples])).toBe(0);
    expect(await main(["validate", examples, "--no-color"])).toBe(0);
    expect(await main(["validate", examples], commands, { NO_COLOR: "1" })).toBe(0);
    expect(out.join("")).not.toContain("\u001b[");
  });

  it("prints status, validate and plan as table, json or yaml with the one --output (-o) flag", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "cli-output-"));
    try {
      await writeFile(join(stateDir, "status.json"), JSON.stringify({ version: 1, updatedAt: "2026-01-01T00:00:00Z", resources: [] }));
      const status = async (...flags: string[]): Promise<string> => {
        out = [];
        expect(await main(["status", "--state-dir", stateDir, "--url", "http://127.0.0.1:9", ...flags])).toBe(0);
        return out.join("\n");
      };
      expect(JSON.parse(await status("--output", "json"))).toMatchObject({ version: 1, resources: [] });
      expect(parse(await status("-o", "yaml"))).toMatchObject({ version: 1, resources: [] });
      expect(await status()).toBe("No resources.");
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
    out = [];
    expect(await main(["validate", examples, "-o", "yaml"])).toBe(0);
    expect((parse(out.join("\n")) as { resources: unknown[] }).resources).toHaveLength(7);
    out = [];
    expect(await main(["plan", examples, "-o", "json"])).toBe(2);
    const plan = JSON.parse(out.join("\n")) as {
      pending: boolean;
      totals: { create: number };
      resources: { key: string; actions: { description: string }[] }[];
    };
    expect(plan.pending).toBe(true);
    expect(plan.totals.create).toBeGreaterThan(0);
    expect(plan.resources[0]?.actions[0]?.description).toMatch(/^\+ create /);
    for (const command of ["status", "validate", "plan"]) {
      expect(await main([command, "x", "--output", "xml"]), command).toBe(EXIT_USAGE);
    }
  });

  it("keeps validate --format as a deprecated alias of --output", async () => {
    expect(await main(["validate", examples, "--format", "json"])).toBe(0);
    expect(JSON.parse(out.join("\n"))).toHaveProperty("resources");
    expect(err.join("\n")).toContain("--format is deprecated; use --output");
    expect(await main(["validate", examples, "--format", "json", "--output", "json"])).toBe(EXIT_USAGE);
  });

  it("prints a plan as Markdown for a pull-request comment", async () => {
    expect(await main(["plan", examples, "--output", "markdown"])).toBe(2);
    const text = out.join("\n");
    expect(text).toMatch(/^### batch-gitops plan\n\n\*\*Plan: \d+ to create, 0 to change, 0 to delete\./);
    expect(text).toContain("| `BatchPool/default/");
    expect(text).toMatch(/```diff\n[^`]*\+ create pool /);
  });
});

describe("completion", () => {
  let out: string[];
  beforeEach(() => {
    out = [];
    vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
    vi.spyOn(console, "error").mockImplementation(() => undefined);
  });
  afterEach(() => vi.restoreAllMocks());

  it("completes commands and each command's flags in bash", async () => {
    expect(await main(["completion", "bash"])).toBe(0);
    const dir = await mkdtemp(join(tmpdir(), "completion-"));
    try {
      await writeFile(join(dir, "c.bash"), out.join("\n"));
      const complete = async (...words: string[]): Promise<string[]> => {
        const script = `source ${join(dir, "c.bash")}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _batch_gitops; printf '%s\\n' "\${COMPREPLY[@]}"`;
        const { stdout } = await run("bash", ["-c", script]);
        return stdout.split("\n").filter((l) => l !== "");
      };
      expect(await complete("batch-gitops", "pl")).toEqual(["plan"]);
      expect(await complete("batch-gitops", "plan", "--outp")).toEqual(["--output"]);
      expect(await complete("batch-gitops", "plan", "--ou")).toEqual(["--output", "--out"]);
      expect(await complete("batch-gitops", "validate", "--fo")).toEqual(["--format"]);
      expect(await complete("batch-gitops", "--ver")).toEqual(["--version"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("offers every command and its flags in zsh and fish, and refuses an unknown shell", async () => {
    expect(await main(["completion", "zsh"])).toBe(0);
    expect(await main(["completion", "fish"])).toBe(0);
    const [zsh, fish] = out;
    for (const command of commands) {
      expect(zsh).toContain(`'${command.name}:`);
      expect(fish).toContain(`-a ${command.name} `);
      for (const flag of flagsOf(command.usage))
        expect(fish).toMatch(new RegExp(`__fish_seen_subcommand_from ${command.name}[^\n]*' -l ${flag.slice(2)}\n`));
    }
    expect(await main(["completion", "tcsh"])).toBe(EXIT_USAGE);
  });
});
