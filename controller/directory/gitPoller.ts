import type { Logger } from "pino";
import { OperatorError } from "../config/operatorError.js";
import { delay, systemClock, type Clock } from "../time/clock.js";
import type { DirectorySource } from "./directorySource.js";
import { GitCheckout, GitCommandError, redactUrl } from "./gitCheckout.js";

export interface GitPollerOptions {
  url: string;
  branch: string;
  checkoutDir: string;
  pollIntervalMs: number;
  logger: Logger;
  /** Time for the poll interval. Default the system clock. */
  clock?: Clock;
}

export interface GitPoller {
  /** First sync; throws if the repository cannot be fetched (the controller cannot start without it). */
  initialSync(): Promise<string>;
  /** Polls until `signal` aborts; a new commit rescans the source with that commit as the revision. */
  run(source: DirectorySource, signal: AbortSignal): Promise<void>;
  /** The commit currently checked out. */
  revision(): string | undefined;
}

/** Git mode: the checkout is only changed here, so the source rescans per commit instead of watching. */
export function createGitPoller(options: GitPollerOptions): GitPoller {
  const checkout = new GitCheckout(options);
  const log = options.logger.child({ git: redactUrl(options.url), branch: options.branch });
  let current: string | undefined;

  async function poll(source: DirectorySource): Promise<void> {
    const commit = await checkout.sync();
    if (commit === current) {
      return;
    }
    log.info({ from: current, to: commit }, "new commit");
    current = commit;
    const changed = await source.rescan(commit);
    log.info({ commit, changed: changed.length }, "manifests updated from commit");
  }

  return {
    async initialSync(): Promise<string> {
      try {
        current = await checkout.sync();
      } catch (err: unknown) {
        // A wrong URL, branch or credential is the operator's to fix: one line, no stack trace.
        const reason =
          err instanceof GitCommandError ? `git ${err.command}: ${err.detail}` : err instanceof Error ? err.message : String(err);
        throw new OperatorError(
          `cannot check out --git-branch ${options.branch} of --git-url ${redactUrl(options.url)}: ${reason}`,
          "EGIT",
        );
      }
      log.info({ commit: current }, "checked out");
      return current;
    },
    async run(source: DirectorySource, signal: AbortSignal): Promise<void> {
      while (!signal.aborted) {
        if (!(await delay(options.clock ?? systemClock, options.pollIntervalMs, signal))) {
          return;
        }
        try {
          await poll(source);
        } catch (err: unknown) {
          // Keep serving the last good commit; the next poll retries.
          // git's message says it all (redacted, one line); a stack trace would only hide it.
          log.warn({ reason: err instanceof Error ? err.message : String(err) }, "git poll failed; keeping the last checked-out commit");
        }
      }
    },
    revision: () => current,
  };
}
