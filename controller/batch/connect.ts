/**
 * The Batch connection of `run`, in one place: the embedded emulator (no --batch-url), a shared key,
 * or Microsoft Entra ID (DefaultAzureCredential, checked before the first call).
 */
import type { Logger } from "pino";
import type { TokenCredential } from "@azure/identity";
import type { BatchConfig, RemoteBatchConfig } from "../config/runConfig.js";
import type { RunningEmulator } from "../../emulator/index.js";
import { createBatchAdapter } from "./batchAdapter.js";
import type { BatchAdapter } from "./adapter.js";
import { azureCredential, checkEntraCredential, entraCredentials, lazyDefaultCredential, sharedKeyCredentials } from "./credentials.js";

export interface BatchConnection {
  readonly url: string;
  readonly credentials: Parameters<typeof createBatchAdapter>[0]["credentials"];
  /** The embedded emulator this connection started; the caller closes it on shutdown. */
  readonly emulator?: RunningEmulator;
}

export async function connectBatch(batch: BatchConfig, logger: Logger): Promise<BatchConnection> {
  if (batch.kind === "embedded") {
    // Loaded only when embedded: against a real account the emulator's code is never imported.
    const { startEmulator, devAccount } = await import("../../emulator/index.js");
    const emulator = await startEmulator({ timingPreset: "fast" });
    logger.info({ url: emulator.url, account: devAccount.name }, "embedded Batch emulator started (no --batch-url given)");
    // Entra ID, as on a real account, so gallery-image examples work too; the emulator accepts
    // an unsigned token for the Batch audience.
    return { url: emulator.url, credentials: entraCredentials(emulatorTokenCredential()), emulator };
  }
  if (batch.auth.kind === "shared-key") {
    logger.info({ url: batch.url, auth: "shared-key", account: batch.auth.accountName }, "using Azure Batch");
    return { url: batch.url, credentials: sharedKeyCredentials(batch.auth.accountName, batch.auth.accountKey.reveal()) };
  }
  logger.info({ url: batch.url, auth: "entra" }, "using Azure Batch");
  // DefaultAzureCredential, without waiting on a silent managed-identity endpoint (credentials.ts).
  const credential = await azureCredential();
  await checkEntraCredential(credential);
  return { url: batch.url, credentials: entraCredentials(credential) };
}

/** The Batch adapter over a connection, reporting each call (operation, status code, seconds). */
export function connectedAdapter(
  connection: BatchConnection,
  onCall: (operation: string, statusCode: number, seconds: number) => void,
): BatchAdapter {
  return createBatchAdapter({ accountUrl: connection.url, credentials: connection.credentials, onCall });
}

/**
 * How BatchAccount resources get their adapters (ADR 0025): the same SDK adapter as the default
 * account, from the same connection config, each call reported with its account.
 */
export function accountConnector(onCall: (operation: string, statusCode: number, seconds: number, account: string) => void) {
  const entra = lazyDefaultCredential();
  return (config: RemoteBatchConfig, account: string): BatchAdapter =>
    createBatchAdapter({
      accountUrl: config.url,
      credentials: config.auth.kind === "shared-key" ? sharedKeyCredentials(config.auth.accountName, config.auth.accountKey.reveal()) : entraCredentials(entra),
      onCall: (operation, code, seconds) => onCall(operation, code, seconds, account),
      // Fewer attempts than the default account's 8: an account that does not answer reports
      // AccountUnreachable in about a second and its own queue's backoff takes over.
      retry: { maxAttempts: 4 },
    });
}

/** A local, unsigned Batch-audience token: only the embedded emulator accepts it. */
function emulatorTokenCredential(): TokenCredential {
  return {
    getToken: () => {
      const expiresOnTimestamp = Date.now() + 3_600_000;
      const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString("base64url");
      const claims = { aud: "https://batch.core.windows.net/", exp: Math.floor(expiresOnTimestamp / 1000), sub: "batch-gitops-embedded" };
      return Promise.resolve({ token: `${encode({ alg: "none", typ: "JWT" })}.${encode(claims)}.`, expiresOnTimestamp });
    },
  };
}

/** How the controller authenticates to Batch, for the Batch-aware validation rules (gallery images need Entra ID). */
export function authModeOf(batch: BatchConfig): "entra" | "shared-key" {
  return batch.kind === "remote" && batch.auth.kind === "shared-key" ? "shared-key" : "entra";
}
