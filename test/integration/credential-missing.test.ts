/**
 * A real account URL and no credential at all: `run` stops at startup with exit 2 and one line
 * naming the variables and flags to set, instead of retrying every Batch call (Reasons: CredentialMissing).
 */
import { execFile } from "node:child_process";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../../bin/batch-gitops.js", import.meta.url));
const EXAMPLES = fileURLToPath(new URL("../../manifests/examples", import.meta.url));
const execFileAsync = promisify(execFile);

/** `run --once` on the examples against a Batch URL with no key, as a child process: its exit code and stderr. */
async function runWithoutKey(env: NodeJS.ProcessEnv): Promise<{ code: number | undefined; stderr: string }> {
  const state = join(env.HOME ?? tmpdir(), "state");
  const args = [BIN, "run", "--once", "--dir", EXAMPLES, "--batch-url", "https://acct.westeurope.batch.azure.com", "--state-dir", state];
  return execFileAsync(process.execPath, [...args, "--http-addr", "off", "--view", "off", "--log-level", "silent"], {
    env,
    timeout: 100_000,
  }).then(
    () => ({ code: 0, stderr: "" }),
    (error: { code?: number; stderr?: string }) => ({ code: error.code, stderr: error.stderr ?? "" }),
  );
}

describe("a missing credential", () => {
  let root: string | undefined;
  let imds: Server | undefined;
  afterEach(async () => {
    if (root !== undefined) await rm(root, { recursive: true, force: true });
    imds?.closeAllConnections();
    await new Promise((resolve) => imds?.close(resolve) ?? resolve(undefined));
    imds = undefined;
  });

  it("does not wait on an instance metadata service that does not answer: one probe, no token request", { timeout: 120_000 }, async () => {
    root = await mkdtemp(join(tmpdir(), "no-credential-"));
    // An IMDS that accepts connections and never answers, as a blackholed 169.254.169.254 off Azure.
    const seen: IncomingHttpHeaders[] = [];
    imds = createServer((request) => void seen.push(request.headers));
    await new Promise<void>((resolve) => imds?.listen(0, "127.0.0.1", resolve));
    const host = `http://127.0.0.1:${(imds.address() as AddressInfo).port}`;
    const env: NodeJS.ProcessEnv = { PATH: "/usr/bin:/bin", HOME: root, AZURE_POD_IDENTITY_AUTHORITY_HOST: host };
    const result = await runWithoutKey(env);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/no Microsoft Entra ID credential for Azure Batch: set BATCH_ACCOUNT_NAME and BATCH_ACCOUNT_KEY/);
    // The probe (no Metadata header) once; @azure/identity's managed identity would have sent token
    // requests (Metadata: true) to it and waited on them, with retries.
    expect(seen).toHaveLength(1);
    expect(seen.filter((h) => h.metadata !== undefined)).toEqual([]);
  });

  it("exits 2 with one line saying which variables or flags to set, and no stack trace", { timeout: 120_000 }, async () => {
    root = await mkdtemp(join(tmpdir(), "no-credential-"));
    // Nothing Entra ID could use: no AZURE_* variables, no az CLI profile (HOME is empty), no identity endpoint.
    const env: NodeJS.ProcessEnv = { PATH: "/usr/bin:/bin", HOME: root };
    const result = await runWithoutKey(env);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^batch-gitops run: no Microsoft Entra ID credential for Azure Batch: set BATCH_ACCOUNT_NAME and BATCH_ACCOUNT_KEY/,
    );
    expect(lines[0]).toMatch(/AZURE_TENANT_ID and AZURE_CLIENT_ID/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
