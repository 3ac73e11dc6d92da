import { readFileSync } from "node:fs";

/**
 * Which user a local process runs as (`userIdentity` / `elevationLevel`, docs/adr/0023). Nothing runs as
 * root unless the emulator itself does and the task asks for admin:
 * - emulator not root: every process runs as the emulator's user (admin cannot be granted, nonadmin is
 *   what it already is);
 * - emulator root, admin asked (autoUser elevationLevel admin, or a pool user account with admin): root;
 * - emulator root, anything else (the service's default is nonadmin): the unprivileged `nobody` user, and
 *   the task's directory is handed to it.
 */
export interface RunAs {
  uid: number;
  gid: number;
}

/** Debian's nobody/nogroup when /etc/passwd does not say otherwise. */
const NOBODY_FALLBACK: RunAs = { uid: 65534, gid: 65534 };

export function isAdminIdentity(userIdentity: unknown, userAccounts: unknown): boolean {
  const identity = (userIdentity ?? {}) as { userName?: unknown; autoUser?: { elevationLevel?: unknown } };
  if (typeof identity.userName === "string") {
    const accounts = Array.isArray(userAccounts) ? (userAccounts as Array<{ name?: unknown; elevationLevel?: unknown }>) : [];
    const account = accounts.find((a) => a.name === identity.userName);
    return String(account?.elevationLevel ?? "nonadmin").toLowerCase() === "admin";
  }
  return String(identity.autoUser?.elevationLevel ?? "nonadmin").toLowerCase() === "admin";
}

/** The user to switch to for a process with this identity, or undefined to run as the emulator's user. */
export function runAsFor(userIdentity: unknown, userAccounts: unknown): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return isAdminIdentity(userIdentity, userAccounts) ? undefined : nobody();
}

let cached: RunAs | undefined;

function nobody(): RunAs {
  if (cached !== undefined) return cached;
  try {
    const line = readFileSync("/etc/passwd", "utf8")
      .split("\n")
      .find((entry) => entry.startsWith("nobody:"));
    const [, , uid, gid] = line?.split(":") ?? [];
    cached = uid !== undefined && gid !== undefined ? { uid: Number(uid), gid: Number(gid) } : NOBODY_FALLBACK;
  } catch {
    cached = NOBODY_FALLBACK;
  }
  return cached;
}
