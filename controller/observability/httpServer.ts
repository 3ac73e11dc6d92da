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
   * POST /reconcile/<Kind>/<namespace>/<name> (`batch-gitops reconcile`): queue an immediate
   * reconcile; "unknown" when no manifest declares the key. Absent: the endpoint answers 404.
   */
  reconcile?(key: string): "accepted" | "unknown";
}

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

function send(res: ServerResponse, code: number, contentType: string, body: string): void {
  res.writeHead(code, { "content-type": contentType, "cache-control": "no-store" });
  res.end(body);
}
