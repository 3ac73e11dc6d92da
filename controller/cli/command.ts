/** One subcommand of the `batch-gitops` CLI. Each lives in its own file under commands/. */
export interface Command {
  /** The word typed after `batch-gitops`. */
  readonly name: string;
  /** Other words that run the same command (`import` for `export`). */
  readonly aliases?: readonly string[];
  /** One line shown by `batch-gitops --help`. */
  readonly summary: string;
  /** Full usage text shown by `batch-gitops <name> --help`; shell completion offers the flags it names. */
  readonly usage: string;
  /** Runs the command with the arguments after its name; resolves to the process exit code. */
  run(args: string[], context?: CliContext): Promise<number>;
}

/** What main.ts decides once for every command. */
export interface CliContext {
  /**
   * false when NO_COLOR is set (https://no-color.org) or --no-color was given; a command still
   * colours only what goes to a terminal.
   */
  readonly color: boolean;
}
