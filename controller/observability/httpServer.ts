import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { OperatorError } from "../config/operatorError.js";
import { isIP, type AddressInfo } from "node:net";
import type { HttpAddress } from "../config/runConfig.js";

export interface ObservabilityEndpoints {
  /** Prometheus text exposition and its content type. */
  metrics(): Promise<{ contentType: string; body: string }>;
  /** Ready once the source has loaded and the first reconcile pass has been queued. */
  ready(): boolean;
  /** The /status document (what `batch-gitops status --url` prints). */
  status(): unknown;
  /**
   * POST /reconcile/<Kind>/<namespace>/<name> (`batch-gitops reconcile`): queue an immediate
   * reconcile; "unknown" when no manifest declares the key. Absent: the endpoint answers 404.
   */
  reconcile?(key: string): "accepted" | "unknown";
  /**
   * Guards /metrics and /status (not the probes) when set: cluster mode checks the bearer token
   * with the API server (controller/kubernetes/requestAuth.ts).
   */
  authorize?(
    authorization: string | undefined,
    path: string,
  ): Promise<{ allowed: true } | { allowed: false; code: number; message: string }>;
}

/** The paths that `authorize` guards; the kubelet's probes stay open. */
const GUARDED_PATHS = new Set(["/metrics", "/status"]);

export interface RunningHttpServer {
  /** The bound address, e.g. http://127.0.0.1:8080 (the real port when 0 was asked for). */
  readonly url: string;
  close(): Promise<void>;
}

/** The --http-addr could not be bound: said in one line, with what to do, for the operator. */
export class HttpListenError extends OperatorError {
  override readonly name = "HttpListenError";

  constructor(address: HttpAddress, cause: NodeJS.ErrnoException) {
    super(
      `cannot serve /metrics and the probes on --http-addr ${address.host}:${address.port}: ${LISTEN_FAILURES[cause.code ?? ""] ?? cause.message} (--http-addr off serves nothing)`,
      cause.code ?? "error",
    );
  }
}

const LISTEN_FAILURES: Record<string, string> = {
  EADDRINUSE: "the port is already in use",
  EACCES: "permission denied (ports below 1024 need privileges)",
  EADDRNOTAVAIL: "the address is not one of this machine's",
  ENOTFOUND: "no such host",
  EAI_AGAIN: "the host name could not be resolved",
};

/** Serves /metrics, /healthz, /readyz and /status; binds the address given (port 0 = any free). */
export async function startHttpServer(address: HttpAddress, endpoints: ObservabilityEndpoints): Promise<RunningHttpServer> {
  const guard = { allowedHosts: address.allowedHosts ?? [], anyAddress: !isLoopbackHost(address.host) };
  const server = createServer((req, res) => {
    const refused = hostRefusal(req.headers, guard);
    if (refused !== undefined) {
      send(res, 403, "text/plain", `${refused}\n`);
      return;
    }
    handle(req, res, endpoints).catch((err: unknown) => {
      send(res, 500, "text/plain", `internal error: ${err instanceof Error ? err.message : "unknown"}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    const refused = (error: NodeJS.ErrnoException): void => reject(new HttpListenError(address, error));
    server.once("error", refused);
    server.listen(address.port, address.host, () => {
      server.off("error", refused);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const host = bound.family === "IPv6" ? `[${bound.address}]` : bound.address;
  return {
    url: `http://${host}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const RECONCILE_PATH = /^\/reconcile\/(BatchPool|BatchJob)\/([a-z0-9-]{1,63})\/([a-z0-9.-]{1,253})$/;

/**
 * Only a request with a JSON content type is honoured: a browser page cannot send one to another
 * origin without a CORS preflight, which this server never grants, so no web page can trigger it.
 */
function handleReconcile(req: IncomingMessage, res: ServerResponse, path: string, endpoints: ObservabilityEndpoints): void {
  const match = RECONCILE_PATH.exec(path);
  if (endpoints.reconcile === undefined || match === null) {
    send(res, 404, "text/plain", "not found: POST /reconcile/<BatchPool|BatchJob>/<namespace>/<name>\n");
    return;
  }
  if (!(req.headers["content-type"] ?? "").startsWith("application/json")) {
    send(res, 415, "text/plain", "send Content-Type: application/json\n");
    return;
  }
  const key = `${match[1] ?? ""}/${match[2] ?? ""}/${match[3] ?? ""}`;
  const outcome = endpoints.reconcile(key);
  send(res, outcome === "accepted" ? 202 : 404, "application/json", `${JSON.stringify({ key, outcome })}\n`);
}

/**
 * Why a web page's request is refused, or undefined. A page can point its own domain at 127.0.0.1
 * (DNS rebinding) and then read /status, so Host must be a loopback name or address, a name given
 * with --allowed-hosts, or, when the server listens beyond loopback, an IP address (kubelet probes
 * and Prometheus use the pod IP; an IP address cannot be rebound). Requests a browser marks as
 * coming from another site are refused too.
 */
export function hostRefusal(
  headers: IncomingHttpHeaders,
  guard: { allowedHosts: readonly string[]; anyAddress: boolean },
): string | undefined {
  const accepted = (host: string): boolean =>
    isLoopbackHost(host) || guard.allowedHosts.includes(host) || (guard.anyAddress && isIP(host) !== 0);
  const host = headers.host;
  if (host !== undefined && !accepted(hostName(host)))
    return `Host "${host}" is not allowed (loopback names and addresses only; see --allowed-hosts)`;
  const site = headers["sec-fetch-site"];
  if (site === "cross-site" || site === "same-site") return "requests from other web sites are refused";
  const origin = headers.origin;
  if (origin !== undefined && !(URL.canParse(origin) && accepted(hostName(new URL(origin).host))))
    return `requests from origin ${origin} are refused`;
  return undefined;
}

/** The host of a Host header or URL authority, lowercased, without port or IPv6 brackets. */
function hostName(authority: string): string {
  const text = authority.trim().toLowerCase();
  if (text.startsWith("[")) return text.slice(1, Math.max(1, text.indexOf("]")));
  const colon = text.lastIndexOf(":");
  return colon < 0 ? text : text.slice(0, colon);
}

function isLoopbackHost(host: string): boolean {
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1" || host === "::ffff:127.0.0.1";
}

/** The warning to log when the endpoints listen beyond loopback, naming what they expose. */
export function exposureWarning(address: HttpAddress): string | undefined {
  if (isLoopbackHost(address.host.toLowerCase())) return undefined;
  return `--http-addr ${address.host}:${address.port} is not a loopback address: /metrics, /healthz, /readyz and /status (every resource's status and problems) are served to anyone who can reach it`;
}

async function handle(req: IncomingMessage, res: ServerResponse, endpoints: ObservabilityEndpoints): Promise<void> {
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
  if (req.method === "POST" && path.startsWith("/reconcile/")) {
    req.resume();
    handleReconcile(req, res, path, endpoints);
    return;
  }
  await handleRead(req, res, path, endpoints);
}

async function handleRead(req: IncomingMessage, res: ServerResponse, path: string, endpoints: ObservabilityEndpoints): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    send(res, 405, "text/plain", "method not allowed\n");
    return;
  }
  if (await refused(req, res, endpoints, path)) {
    return;
  }
  switch (path) {
    case "/metrics": {
      const { contentType, body } = await endpoints.metrics();
      send(res, 200, contentType, body);
      return;
    }
    case "/healthz":
      send(res, 200, "text/plain", "ok\n");
      return;
    case "/readyz":
      if (endpoints.ready()) {
        send(res, 200, "text/plain", "ready\n");
      } else {
        send(res, 503, "text/plain", "not ready\n");
      }
      return;
    case "/status":
      send(res, 200, "application/json", `${JSON.stringify(endpoints.status(), null, 2)}\n`);
      return;
    default:
      send(res, 404, "text/plain", "not found: try /metrics, /healthz, /readyz, /status\n");
  }
}

/** Answers 401/403 and returns true when `authorize` refuses a guarded path. */
async function refused(req: IncomingMessage, res: ServerResponse, endpoints: ObservabilityEndpoints, path: string): Promise<boolean> {
  if (endpoints.authorize === undefined || !GUARDED_PATHS.has(path)) {
    return false;
  }
  const decision = await endpoints.authorize(req.headers.authorization, path);
  if (decision.allowed) {
    return false;
  }
  send(res, decision.code, "text/plain", `${decision.message}\n`);
  return true;
}

function send(res: ServerResponse, code: number, contentType: string, body: string): void {
  res.writeHead(code, { "content-type": contentType, "cache-control": "no-store" });
  res.end(body);
}
