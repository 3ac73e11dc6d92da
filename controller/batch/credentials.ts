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
        const token = await credential.getToken(scope);
        if (token === null) throw new Error("Microsoft Entra ID returned no token for the Batch scope");
        cached = token;
      }
      webResource.headers.set("authorization", `Bearer ${cached.token}`);
      return webResource;
    },
  };
}
