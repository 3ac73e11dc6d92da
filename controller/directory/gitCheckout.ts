import { execFile } from "node:child_process";
import { mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface GitCheckoutOptions {
  url: string;
  branch: string;
  /** The controller's own clone; it is reset hard on every sync, so it must not be a user's tree. */
  checkoutDir: string;
  signal?: AbortSignal;
}

/**
 * A local checkout of one branch of a manifests repository, driven by the git CLI. `sync()`
 * fetches the branch and resets the checkout to it, discarding anything else in that directory,
 * and returns the commit now checked out.
 */
export class GitCheckout {
  readonly #options: GitCheckoutOptions;

  constructor(options: GitCheckoutOptions) {
    this.#options = options;
  }

  async sync(): Promise<string> {
    await this.#ensureRepository();
    await this.#git(
      "fetch",
      "--quiet",
      "--depth=1",
      "origin",
      `+refs/heads/${this.#options.branch}:refs/remotes/origin/${this.#options.branch}`,
    );
    await this.#git("reset", "--quiet", "--hard", `refs/remotes/origin/${this.#options.branch}`);
    await this.#git("clean", "--quiet", "-ffdx");
    return (await this.#git("rev-parse", "HEAD")).trim();
  }

  async #ensureRepository(): Promise<void> {
    const dir = this.#options.checkoutDir;
    if (await isDirectory(join(dir, ".git"))) {
      await this.#git("remote", "set-url", "origin", this.#options.url);
      return;
    }
    await mkdir(dir, { recursive: true });
    await this.#git("init", "--quiet");
    await this.#git("remote", "add", "origin", this.#options.url);
  }

  async #git(...args: string[]): Promise<string> {
    try {
      const { stdout } = await run("git", args, {
        cwd: this.#options.checkoutDir,
        signal: this.#options.signal,
        // Never prompt for credentials: a poller cannot answer, it would hang.
        env: { ...process.env, GIT_TERMINAL_PROMPT: "0" },
        maxBuffer: 16 * 1024 * 1024,
      });
      return stdout;
    } catch (err: unknown) {
      // No `cause`: the child-process error repeats the command line, which may hold the URL's token.
      throw new GitCommandError(args[0] ?? "", redactUrl(this.#options.url), stderrOf(err));
    }
  }
}

/** A git command that failed; `detail` is git's own message on one line, credentials redacted. */
export class GitCommandError extends Error {
  override readonly name = "GitCommandError";

  constructor(
    readonly command: string,
    readonly url: string,
    readonly detail: string,
  ) {
    super(`git ${command} failed for ${url}: ${detail}`);
  }
}

/** Credentials embedded in a Git URL (https://user:token@host/...) never reach logs or status. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]+@/i, "$1[redacted]@");
}

function stderrOf(err: unknown): string {
  const stderr = typeof err === "object" && err !== null ? (err as { stderr?: unknown }).stderr : undefined;
  const text = typeof stderr === "string" && stderr.trim() !== "" ? stderr.trim() : err instanceof Error ? err.message : String(err);
  // One line: git's hints ("Please make sure you have the correct access rights...") span several.
  const oneLine = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .join(" ");
  return oneLine.replace(/[a-z][a-z0-9+.-]*:\/\/[^@/\s]+@/gi, (m) => redactUrl(m));
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
