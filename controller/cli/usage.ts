/**
 * Usage errors and exit codes shared by every command. A usage error (unknown flag, missing
 * argument, bad value) exits 64, sysexits.h's EX_USAGE: `plan` already uses 2 for "changes
 * pending" (like `terraform plan -detailed-exitcode`), so bad usage needs a code of its own that
 * no command uses for a result (docs/adr/0019-cli-conventions.md).
 */
export const EXIT_OK = 0;
/** The command ran and found errors (invalid manifests, Batch unreachable, stalled resources). */
export const EXIT_FAILURE = 1;
/** `plan`/`diff`: a resource is blocked until a user acts (another manager, id taken, its pool not declared). */
export const EXIT_BLOCKED = 4;
/** Bad usage: the command line itself is wrong; nothing was read or written. */
export const EXIT_USAGE = 64;

/** Thrown by option parsing; main.ts prints it with the command's name and exits EXIT_USAGE. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Prints a usage error the one way every command does, and returns EXIT_USAGE. */
export function usageFailure(command: string, message: string): number {
  console.error(`batch-gitops ${command}: ${message}\nRun \`batch-gitops ${command} --help\` for its usage.`);
  return EXIT_USAGE;
}

/** The message of a node:util parseArgs error (or any thrown value), for a UsageError. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
