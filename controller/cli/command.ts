/** One subcommand of the `batch-gitops` CLI. Each lives in its own file under commands/. */
export interface Command {
  /** The word typed after `batch-gitops`. */
  readonly name: string;
  /** One line shown by `batch-gitops --help`. */
  readonly summary: string;
  /** Full usage text shown by `batch-gitops <name> --help`. */
  readonly usage: string;
  /** Runs the command with the arguments after its name; resolves to the process exit code. */
  run(args: string[]): Promise<number>;
}
