import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { StallingError } from "../core/errors.js";
import { Reasons } from "../core/reasons.js";
import type { SecretRef, SecretResolver } from "../runtime/ports.js";

const SAFE_SEGMENT = /^[A-Za-z0-9._-]+$/;

/**
 * Directory-mode secrets, laid out like a mounted Kubernetes Secret: `<secretsDir>/<name>/<key>`,
 * one file per key. One trailing newline is dropped (files written with `echo`). Without a
 * secrets dir every reference fails with a message saying how to provide it.
 */
export function createFileSecretResolver(secretsDir: string | undefined): SecretResolver {
  return {
    async resolveSecret(_namespace: string, ref: SecretRef): Promise<string> {
      const where = `secret "${ref.name}" key "${ref.key}"`;
      if (secretsDir === undefined) {
        throw new StallingError(
          Reasons.SecretNotFound,
          `${where} is referenced but no --secrets-dir was given (expected <secrets-dir>/${ref.name}/${ref.key})`,
        );
      }
      if (!isSafe(ref.name) || !isSafe(ref.key)) {
        throw new StallingError(Reasons.SecretNotFound, `${where} is not a valid secret name/key (letters, digits, '.', '_', '-')`);
      }
      try {
        const value = await readFile(join(secretsDir, ref.name, ref.key), "utf8");
        return value.endsWith("\n") ? value.slice(0, -1) : value;
      } catch (err: unknown) {
        const code = typeof err === "object" && err !== null ? (err as { code?: unknown }).code : undefined;
        throw new StallingError(
          Reasons.SecretNotFound,
          `${where} could not be read from --secrets-dir${typeof code === "string" ? ` (${code})` : ""}`,
        );
      }
    },
  };
}

function isSafe(segment: string): boolean {
  return SAFE_SEGMENT.test(segment) && segment !== "." && segment !== "..";
}

/**
 * The embedded emulator's stand-in when no --secrets-dir is given: every reference resolves to a
 * fixed placeholder. The emulator never checks registry passwords, so the examples converge on
 * a fresh clone; it is only used with the embedded emulator, never against a real account.
 */
export function createEmulatorPlaceholderSecrets(onFirstUse: (ref: SecretRef) => void): SecretResolver {
  let warned = false;
  return {
    resolveSecret(_namespace: string, ref: SecretRef): Promise<string> {
      if (!warned) {
        warned = true;
        onFirstUse(ref);
      }
      return Promise.resolve("emulator-placeholder-secret");
    },
  };
}
