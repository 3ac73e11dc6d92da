/**
 * The lean request path of addtaskcollection (docs/adr/0026): one POST over a keep-alive node:http(s)
 * agent, with the headers @azure/batch sends (content type, accept-language, client request id,
 * ocp-date, user agent) and its authorization: a SharedKey signature computed natively
 * (sharedKeySigner.ts), or, for any other credential (Microsoft Entra ID), the credential's own
 * signRequest on an ms-rest-js WebResource. It returns the status and the raw text; the caller
 * (batchAdapter.ts) classifies and retries exactly as for SDK calls.
 */
import { request as httpRequest, Agent as HttpAgent, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest, Agent as HttpsAgent } from "node:https";
import { randomUUID } from "node:crypto";
import { arch, release, type } from "node:os";
import { BatchSharedKeyCredentials } from "@azure/batch";
import { WebResource, type ServiceClientCredentials } from "@azure/ms-rest-js";
import { sharedKeySigner, type SharedKeySigner } from "./sharedKeySigner.js";

export interface LeanResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

export interface LeanPoster {
  /** POSTs `body` (JSON text) to `path` (with its query) under the account URL. */
  post(path: string, body: string, signal: AbortSignal): Promise<LeanResponse>;
}

export const JSON_CONTENT_TYPE = "application/json; odata=minimalmetadata; charset=utf-8";
/** The SDK's user agent, with this path's mark: the service sees the same client family. */
const USER_AGENT = `@azure/batch/10.2.0 ms-rest-azure-js/2.1.0 ms-rest-js/2.7.0 Node/${process.version} OS/(${arch()}-${type()}-${release()}) batch-gitops-lean`;

type Authorize = (url: URL, headers: Record<string, string>, body: string) => Promise<void>;

export function createLeanPoster(accountUrl: string, credentials: ServiceClientCredentials): LeanPoster {
  const base = accountUrl.replace(/\/$/, "");
  const secure = base.startsWith("https:");
  // Keep-alive, no socket limit: the caller bounds the requests in flight.
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const send = secure ? httpsRequest : httpRequest;
  const authorize = authorizer(credentials);
  // A sweep posts to one path per job, 1,000 times for 100,000 tasks: parsed once (read-only after).
  const urls = new Map<string, URL>();
  return {
    async post(path, body, signal) {
      const url = urls.get(path) ?? parsedUrl(urls, base + path, path);
      const headers: Record<string, string> = {
        "content-type": JSON_CONTENT_TYPE,
        "accept-language": "en-US",
        "x-ms-client-request-id": randomUUID(),
        "ocp-date": new Date().toUTCString(),
        "user-agent": USER_AGENT,
        "content-length": String(Buffer.byteLength(body)),
      };
      await authorize(url, headers, body);
      return new Promise<LeanResponse>((resolve, reject) => {
        const req = send(url, { method: "POST", headers, agent, signal }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", reject);
          res.on("aborted", () => reject(Object.assign(new Error("the response was cut off"), { code: "ECONNRESET" })));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
        });
        req.on("error", reject);
        req.end(body);
      });
    },
  };
}

function parsedUrl(cache: Map<string, URL>, href: string, path: string): URL {
  if (cache.size >= 64) cache.clear();
  const url = new URL(href);
  cache.set(path, url);
  return url;
}

/** SharedKey natively; any other credential through its own signRequest (it may fetch or refresh a token). */
function authorizer(credentials: ServiceClientCredentials): Authorize {
  if (credentials instanceof BatchSharedKeyCredentials) {
    const signer: SharedKeySigner = sharedKeySigner(credentials.accountName, credentials.accountKey);
    return async (url, headers) => {
      headers.authorization = signer.authorization("POST", url, headers);
    };
  }
  return async (url, headers, body) => {
    const resource = new WebResource(url.href, "POST", body, undefined, { ...headers });
    await credentials.signRequest(resource);
    for (const { name, value } of resource.headers.headersArray()) headers[name.toLowerCase()] = value;
  };
}

/** Whether a proxy is configured: the SDK's pipeline honours it, this path does not, so it is not used then. */
export function proxyConfigured(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"].some((name) => (env[name] ?? "") !== "");
}
