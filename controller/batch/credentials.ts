/**
 * Credentials for @azure/batch (an ms-rest-js client): a shared key, or Microsoft Entra ID through
 * @azure/identity (DefaultAzureCredential, so workload identity works in AKS).
 */
import { BatchSharedKeyCredentials } from "@azure/batch";
import type { TokenCredential } from "@azure/identity";
import type { ServiceClientCredentials, WebResourceLike } from "@azure/ms-rest-js";

/** The Batch data-plane scope; the double slash is what the service expects. */
export const BATCH_SCOPE = "https://batch.core.windows.net//.default";

export function sharedKeyCredentials(accountName: string, accountKey: string): ServiceClientCredentials {
  return new BatchSharedKeyCredentials(accountName, accountKey);
}

/** Wraps a TokenCredential so the ms-rest-js pipeline sends `Authorization: Bearer <token>`. */
export function entraCredentials(credential: TokenCredential, scope: string = BATCH_SCOPE): ServiceClientCredentials {
  let cached: { token: string; expiresOnTimestamp: number } | undefined;
  return {
    async signRequest(webResource: WebResourceLike): Promise<WebResourceLike> {
      // Refresh two minutes early so a request never leaves with a token that expires in flight.
      if (cached === undefined || cached.expiresOnTimestamp - Date.now() < 120_000) {
        cached = await tokenOrCredentialError(credential, scope);
      }
      webResource.headers.set("authorization", `Bearer ${cached.token}`);
      return webResource;
    },
  };
}

/**
 * DefaultAzureCredential created on first use: @azure/identity is loaded only when an account
 * actually authenticates with Microsoft Entra ID, and all such accounts share one credential.
 */
export function lazyDefaultCredential(): TokenCredential {
  let credential: Promise<TokenCredential> | undefined;
  return {
    async getToken(scopes, options) {
      // azureCredential: DefaultAzureCredential without waiting on a silent managed-identity endpoint.
      credential ??= azureCredential();
      return (await credential).getToken(scopes, options);
    },
  };
}

/** Which variables or flags give the controller a credential: the one line a user needs. */
export const CREDENTIAL_HINT =
  "set BATCH_ACCOUNT_NAME and BATCH_ACCOUNT_KEY (shared key, --auth shared-key), or for Microsoft Entra ID AZURE_TENANT_ID and AZURE_CLIENT_ID with " +
  "AZURE_CLIENT_SECRET or AZURE_FEDERATED_TOKEN_FILE (workload identity), or sign in with `az login`; on Azure, give the VM or pod a managed identity";

/**
 * No credential could be found (CredentialMissing) or the identity service refused it
 * (CredentialRefused). `code` is read by the Batch adapter, which never retries these.
 */
export class CredentialError extends Error {
  override readonly name = "CredentialError";
  readonly statusCode = 0;
  constructor(
    readonly code: "CredentialMissing" | "CredentialRefused",
    message: string,
  ) {
    super(message);
  }
}

export function isCredentialError(error: unknown): error is CredentialError {
  return (
    error instanceof CredentialError ||
    (typeof error === "object" && error !== null && (error as { name?: unknown }).name === "CredentialError")
  );
}

/** @azure/identity's failures by name: unavailable means nothing to try; AuthenticationError means refused. */
function toCredentialError(error: unknown): CredentialError {
  const name = typeof error === "object" && error !== null ? (error as { name?: unknown }).name : undefined;
  if (name === "AuthenticationError") {
    return new CredentialError("CredentialRefused", `Microsoft Entra ID refused the credential for Azure Batch: ${firstLine(error)}`);
  }
  return new CredentialError("CredentialMissing", `no Microsoft Entra ID credential for Azure Batch: ${CREDENTIAL_HINT}`);
}

async function tokenOrCredentialError(credential: TokenCredential, scope: string): Promise<{ token: string; expiresOnTimestamp: number }> {
  let token: { token: string; expiresOnTimestamp: number } | null;
  try {
    token = await credential.getToken(scope);
  } catch (error: unknown) {
    throw toCredentialError(error);
  }
  if (token === null)
    throw new CredentialError("CredentialMissing", `Microsoft Entra ID returned no token for Azure Batch: ${CREDENTIAL_HINT}`);
  return token;
}

/** The IMDS host @azure/identity uses (overridable for pod identity, and for tests). */
function imdsHost(env: NodeJS.ProcessEnv): string {
  return env.AZURE_POD_IDENTITY_AUTHORITY_HOST ?? "http://169.254.169.254";
}

/**
 * One short probe of the instance metadata service, as @azure/identity's own (no Metadata header,
 * so a real IMDS answers at once with an error): any answer means a managed identity may be there.
 * Off Azure nothing answers; @azure/identity would retry its probe for 10-20 s before giving up.
 */
export async function imdsAnswers(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(new URL("/metadata/identity/oauth2/token", imdsHost(env)), { signal: AbortSignal.timeout(timeoutMs) });
    const body = await response.text();
    // Docker Desktop answers 403 "...unreachable network" instead of timing out.
    return !(response.status === 403 && body.includes("unreachable"));
  } catch {
    return false;
  }
}

/**
 * DefaultAzureCredential, but fast when no credential is configured: the managed identity of an
 * App Service or Arc host (IDENTITY_ENDPOINT, MSI_ENDPOINT) or an explicit AZURE_TOKEN_CREDENTIALS
 * keeps the whole chain; otherwise IMDS is probed once, briefly, and when it does not answer the
 * chain leaves managed identity out (environment, workload identity, Azure CLI, Azure Developer CLI),
 * so a missing credential fails in seconds with CREDENTIAL_HINT instead of after IMDS retries.
 */
export async function azureCredential(env: NodeJS.ProcessEnv = process.env, probeTimeoutMs = 1_000): Promise<TokenCredential> {
  const identity = await import("@azure/identity");
  const configured = env.AZURE_TOKEN_CREDENTIALS !== undefined || env.IDENTITY_ENDPOINT !== undefined || env.MSI_ENDPOINT !== undefined;
  if (configured || (await imdsAnswers(env, probeTimeoutMs))) return new identity.DefaultAzureCredential();
  const candidates: (() => TokenCredential)[] = [
    () => new identity.EnvironmentCredential(),
    () => new identity.WorkloadIdentityCredential(),
    () => new identity.AzureCliCredential(),
    () => new identity.AzureDeveloperCliCredential(),
  ];
  const chain: TokenCredential[] = [];
  for (const create of candidates) {
    try {
      chain.push(create());
    } catch {
      // Not configured (e.g. no AZURE_FEDERATED_TOKEN_FILE for workload identity): not part of the chain.
    }
  }
  return new identity.ChainedTokenCredential(...chain);
}

/** At startup: one token request, so a missing credential fails in seconds with the hint, not at every call. */
export async function checkEntraCredential(credential: TokenCredential, scope: string = BATCH_SCOPE): Promise<void> {
  await tokenOrCredentialError(credential, scope);
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? message;
}
