/**
 * Keeps web pages away from the emulator. A page a developer visits can make the browser send
 * requests to 127.0.0.1 (CSRF), or point its own domain at 127.0.0.1 (DNS rebinding) and then
 * read the answers. So every request must name a loopback host (or one explicitly allowed), and
 * requests a browser marks as coming from another site are refused; control-API writes must be
 * JSON (a browser can send text/plain or form bodies cross-origin without asking).
 * SDKs and CLIs (@azure/batch, azure-batch for Python, az) send Host 127.0.0.1:port and no Origin.
 */
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";

export interface GuardOptions {
  /** Extra host names (without port) accepted in Host and Origin, e.g. a name in /etc/hosts. */
  readonly allowedHosts?: readonly string[];
}

export type GuardVerdict = { ok: true } | { ok: false; status: number; code: string; message: string };

/** The host part of a Host header or URL authority, lowercased, without port or IPv6 brackets. */
export function hostName(authority: string): string {
  const text = authority.trim().toLowerCase();
  if (text.startsWith("[")) return text.slice(1, text.indexOf("]") < 0 ? undefined : text.indexOf("]"));
  const colon = text.lastIndexOf(":");
  return colon < 0 ? text : text.slice(0, colon);
}

export function isLoopbackHost(host: string): boolean {
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1" || host === "::ffff:127.0.0.1";
}

function allowed(host: string, options: GuardOptions): boolean {
  return isLoopbackHost(host) || (options.allowedHosts ?? []).some((h) => h.toLowerCase() === host);
}

const refuse = (status: number, code: string, message: string): GuardVerdict => ({ ok: false, status, code, message });

/** Host and browser-origin checks for every request. */
export function checkRequestOrigin(req: IncomingMessage, options: GuardOptions = {}): GuardVerdict {
  const host = req.headers.host;
  if (host !== undefined && !allowed(hostName(host), options)) {
    return refuse(
      403,
      "HostNotAllowed",
      `Host "${host}" is not a loopback name or address; start the emulator with --allowed-hosts to accept it.`,
    );
  }
  const site = req.headers["sec-fetch-site"];
  if (site === "cross-site" || site === "same-site") return refuse(403, "CrossOriginRequest", "Requests from other web sites are refused.");
  const origin = req.headers.origin;
  if (origin !== undefined && !originAllowed(origin, options))
    return refuse(403, "CrossOriginRequest", `Requests from origin ${origin} are refused.`);
  return { ok: true };
}

function originAllowed(origin: string, options: GuardOptions): boolean {
  if (!URL.canParse(origin)) return false; // includes "null" (sandboxed frames, file: pages)
  return allowed(hostName(new URL(origin).host), options);
}

/** Content types a browser sends cross-origin without a preflight. */
const SIMPLE_CONTENT_TYPES = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"];

/** A control-API write must carry JSON (or nothing), never a body type a cross-origin form can send. */
export function checkControlWrite(req: IncomingMessage): GuardVerdict {
  if (req.method === "GET" || req.method === "HEAD") return { ok: true };
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (SIMPLE_CONTENT_TYPES.includes(type)) return refuse(415, "UnsupportedMediaType", "The control API takes application/json.");
  return { ok: true };
}
