/**
 * Tests that drive an independent client installed from Debian (python3-azure, azure-cli) run when
 * it is there. On a developer machine without it they are skipped with a warning naming the package;
 * under CI (CI=true, where .ci/run installs both) a missing client is a failure, never a silent skip.
 */
import { spawnSync } from "node:child_process";

export function externalClientAvailable(what: string, command: string, args: readonly string[], debianPackage: string): boolean {
  const available = spawnSync(command, args, { stdio: "ignore" }).status === 0;
  if (available) return true;
  if (process.env.CI === "true") {
    throw new Error(`${what} is required under CI and was not found (${command}); .ci/run installs Debian's ${debianPackage}`);
  }
  console.warn(`${what} not found: skipping its tests (apt-get install -y ${debianPackage})`);
  return false;
}
