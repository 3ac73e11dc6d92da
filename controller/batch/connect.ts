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
import { createArmPoolWriter, type ArmPoolWriterOptions } from "./armPools.js";
import { withArmPools } from "./armRouting.js";

export interface BatchConnection {
  readonly url: string;
  readonly credentials: Parameters<typeof createBatchAdapter>[0]["credentials"];
  /** Set when pools with a managed identity can be written through Resource Manager (docs/arm-and-identity.md). */
  readonly arm?: Omit<ArmPoolWriterOptions, "onCall">;
  /** The embedded emulator this connection started; the caller closes it on shutdown. */
  readonly emulator?: RunningEmulator;
}

/** The embedded emulator's account as Resource Manager names it (any subscription and group are served). */
const EMBEDDED_ARM_ID = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.Batch/batchAccounts/";
const MANAGEMENT_AUDIENCE = "https://management.azure.com/";

export async function connectBatch(batch: BatchConfig, logger: Logger): Promise<BatchConnection> {
  if (batch.kind === "embedded") return connectEmbedded(logger);
  const arm = (credential: TokenCredential): BatchConnection["arm"] =>
    batch.armResourceId === undefined
      ? undefined
      : { armResourceId: batch.armResourceId, ...(batch.armEndpoint === undefined ? {} : { armEndpoint: batch.armEndpoint }), credential };
  if (batch.auth.kind === "shared-key") {
    logger.info(
      { url: batch.url, auth: "shared-key", account: batch.auth.accountName, arm: batch.armResourceId !== undefined },
      "using Azure Batch",
    );
    // Resource Manager takes no shared key: its writes use Microsoft Entra ID (DefaultAzureCredential).
    const armCredential = batch.armResourceId === undefined ? undefined : await azureCredential();
    return {
      url: batch.url,
      credentials: sharedKeyCredentials(batch.auth.accountName, batch.auth.accountKey.reveal()),
      ...(armCredential === undefined ? {} : { arm: arm(armCredential) }),
    };
  }
  logger.info({ url: batch.url, auth: "entra", arm: batch.armResourceId !== undefined }, "using Azure Batch");
  // DefaultAzureCredential, without waiting on a silent managed-identity endpoint (credentials.ts).
  const credential = await azureCredential();
  await checkEntraCredential(credential);
  return { url: batch.url, credentials: entraCredentials(credential), arm: arm(credential) };
}

/**
 * The in-process emulator, also serving HTTPS with a development certificate: Resource Manager's client
 * sends its bearer token only over TLS, and the embedded emulator serves ARM pools (identity examples).
 */
async function connectEmbedded(logger: Logger): Promise<BatchConnection> {
  // Loaded only when embedded: against a real account the emulator's code is never imported.
  const { startEmulator, devAccount } = await import("../../emulator/index.js");
  const { devCertificate } = await import("../../emulator/http/dev-cert.js");
  const cert = await devCertificate();
  const emulator = await startEmulator({ timingPreset: "fast", tls: { cert: cert.cert, key: cert.key } });
  logger.info({ url: emulator.url, account: devAccount.name }, "embedded Batch emulator started (no --batch-url given)");
  // Entra ID, as on a real account, so gallery-image examples work too; the emulator accepts
  // an unsigned token for the Batch (and the management) audience.
  const arm = {
    armResourceId: EMBEDDED_ARM_ID + devAccount.name,
    armEndpoint: emulator.httpsUrl,
    credential: emulatorTokenCredential(MANAGEMENT_AUDIENCE),
    trustedCa: cert.cert,
  };
  return { url: emulator.url, credentials: entraCredentials(emulatorTokenCredential()), emulator, arm };
}

/** The Batch adapter over a connection, reporting each call; identity pools go through ARM when the account has an ARM id. */
export function connectedAdapter(
  connection: BatchConnection,
  onCall: (operation: string, statusCode: number, seconds: number) => void,
): BatchAdapter {
  const data = createBatchAdapter({ accountUrl: connection.url, credentials: connection.credentials, onCall });
  return withArmPools(data, connection.arm === undefined ? undefined : createArmPoolWriter({ ...connection.arm, onCall }));
}

/** Whether identity pools can be written (the embedded emulator serves Resource Manager itself). */
export function armOf(batch: BatchConfig): boolean {
  return batch.kind === "embedded" || batch.armResourceId !== undefined;
}

/**
 * How BatchAccount resources get their adapters (ADR 0025): the same SDK adapter as the default
 * account, from the same connection config, each call reported with its account; an account with an
 * ARM resource id gets its own ARM writer for identity pools (docs/arm-and-identity.md).
 */
export function accountConnector(onCall: (operation: string, statusCode: number, seconds: number, account: string) => void) {
  const entra = lazyDefaultCredential();
  return (config: RemoteBatchConfig, account: string): BatchAdapter => {
    const report = (operation: string, code: number, seconds: number): void => onCall(operation, code, seconds, account);
    const data = createBatchAdapter({
      accountUrl: config.url,
      credentials:
        config.auth.kind === "shared-key"
          ? sharedKeyCredentials(config.auth.accountName, config.auth.accountKey.reveal())
          : entraCredentials(entra),
      onCall: report,
      // Fewer attempts than the default account's 8: an account that does not answer reports
      // AccountUnreachable in about a second and its own queue's backoff takes over.
      retry: { maxAttempts: 4 },
    });
    if (config.armResourceId === undefined) return withArmPools(data, undefined);
    const arm = {
      armResourceId: config.armResourceId,
      ...(config.armEndpoint === undefined ? {} : { armEndpoint: config.armEndpoint }),
      credential: entra,
      onCall: report,
    };
    return withArmPools(data, createArmPoolWriter(arm));
  };
}

/** A local, unsigned token (Batch audience by default): only the embedded emulator accepts it. */
function emulatorTokenCredential(audience = "https://batch.core.windows.net/"): TokenCredential {
  return {
    getToken: () => {
      const expiresOnTimestamp = Date.now() + 3_600_000;
      const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString("base64url");
      const claims = { aud: audience, exp: Math.floor(expiresOnTimestamp / 1000), sub: "batch-gitops-embedded" };
      return Promise.resolve({ token: `${encode({ alg: "none", typ: "JWT" })}.${encode(claims)}.`, expiresOnTimestamp });
    },
  };
}

/** How the controller authenticates to Batch, for the Batch-aware validation rules (gallery images need Entra ID). */
export function authModeOf(batch: BatchConfig): "entra" | "shared-key" {
  return batch.kind === "remote" && batch.auth.kind === "shared-key" ? "shared-key" : "entra";
}
