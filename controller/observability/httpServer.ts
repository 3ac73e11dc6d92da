import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { HttpAddress } from "../config/runConfig.js";

export interface ObservabilityEndpoints {
  /** Prometheus text exposition and its content type. */
  metrics(): Promise<{ contentType: string; body: string }>;
  /** Ready once the source has loaded and the first reconcile pass has been queued. */
  ready(): boolean;
  /** The /status document (what `batch-gitops status --url` prints). */
  status(): unknown;
  /**
   * Guards /metrics and /status (not the probes) when set: cluster mode checks the bearer token
   * with the API server (controller/kubernetes/requestAuth.ts).
   */
  authorize?(authorization: string | undefined, path: string): Promise<{ allowed: true } | { allowed: false; code: number; message: string }>;
}

/** The paths that `authorize` guards; the kubelet's probes stay open. */
const GUARDED_PATHS = new Set(["/metrics", "/status"]);

export interface RunningHttpServer {
  /** The bound address, e.g. http://127.0.0.1:8080 (the real port when 0 was asked for). */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves /metrics, /healthz, /readyz and /status; binds the address given (port 0 = any free). */
export async function startHttpServer(address: HttpAddress, endpoints: ObservabilityEndpoints): Promise<RunningHttpServer> {
  const server = createServer((req, res) => {
    handle(req, res, endpoints).catch((err: unknown) => {
      send(res, 500, "text/plain", `internal error: ${err instanceof Error ? err.message : "unknown"}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(address.port, address.host, () => {
      server.off("error", reject);
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

async function handle(req: IncomingMessage, res: ServerResponse, endpoints: ObservabilityEndpoints): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    send(res, 405, "text/plain", "method not allowed\n");
    return;
  }
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
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
