import type { Command } from "./command.js";
import { commands } from "./commands/index.js";

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
    "Run `batch-gitops <command> --help` for the options of one command.",
  ].join("\n");
}

/** CLI entry point; returns the process exit code instead of exiting, so tests can call it. */
export async function main(argv: string[], all: readonly Command[] = commands): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(helpText(all));
    return name === undefined ? 1 : 0;
  }
  const command = all.find((c) => c.name === name);
  if (command === undefined) {
    console.error(`batch-gitops: unknown command "${name}"\n\n${helpText(all)}`);
    return 1;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(command.usage);
    return 0;
  }
  return command.run(rest);
}
