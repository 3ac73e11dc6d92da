import type { CliContext, Command } from "./command.js";
import { commands } from "./commands/index.js";
import { packageVersion } from "../config/version.js";
import { EXIT_FAILURE, EXIT_USAGE, UsageError, usageFailure } from "./usage.js";
import { describeError } from "../runtime/reconcileErrors.js";

function helpText(all: readonly Command[]): string {
  const width = Math.max(0, ...all.map((c) => c.name.length));
  const lines = all.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    "batch-gitops: a declarative GitOps controller for Azure Batch",
    "",
    "Usage: batch-gitops <command> [options]",
    "",
    "Commands:",
    ...lines,
    "",
    "Global options:",
    "  --version, -V   print the version and exit",
    "  --no-color      no colours (also when NO_COLOR is set)",
    "  --help, -h      this text; `batch-gitops <command> --help` for the options of one command",
    "",
    `Exit codes: 0 success, 1 failure found (invalid manifests, errors), ${EXIT_USAGE} bad usage; plan and diff: 2 changes pending.`,
  ].join("\n");
}

/** Global flags are accepted anywhere on the line, so `batch-gitops plan dir --no-color` works. */
function takeGlobalFlags(argv: string[], env: Readonly<Record<string, string | undefined>>): { args: string[]; context: CliContext } {
  const noColorFlag = argv.includes("--no-color");
  const noColorEnv = (env.NO_COLOR ?? "") !== "";
  return { args: argv.filter((a) => a !== "--no-color"), context: { color: !noColorFlag && !noColorEnv } };
}

/** --version and --help (with no command), or undefined when a command is named. */
function topLevel(name: string | undefined, all: readonly Command[]): number | undefined {
  if (name === "--version" || name === "-V" || name === "version") {
    console.log(`batch-gitops ${packageVersion()}`);
    return 0;
  }
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(helpText(all));
    return name === undefined ? EXIT_USAGE : 0;
  }
  return undefined;
}

function findCommand(name: string, all: readonly Command[]): Command | undefined {
  return all.find((c) => c.name === name || (c.aliases ?? []).includes(name));
}

/** CLI entry point; returns the process exit code instead of exiting, so tests can call it. */
export async function main(
  argv: string[],
  all: readonly Command[] = commands,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  const { args, context } = takeGlobalFlags(argv, env);
  const [name, ...rest] = args;
  const done = topLevel(name, all);
  if (done !== undefined || name === undefined) return done ?? EXIT_USAGE;
  const command = findCommand(name, all);
  if (command === undefined) {
    console.error(`batch-gitops: unknown command "${name}"\n\n${helpText(all)}`);
    return EXIT_USAGE;
  }
  return runCommand(command, rest, context);
}

async function runCommand(command: Command, args: string[], context: CliContext): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(args, context);
  } catch (error: unknown) {
    if (error instanceof UsageError) return usageFailure(command.name, error.message);
    // A located, one-line message, never a stack trace (Batch or the API server unreachable...).
    console.error(`batch-gitops ${command.name}: ${describeError(error)}`);
    return EXIT_FAILURE;
  }
}
