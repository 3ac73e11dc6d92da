/**
 * Runs the Argo CD health checks in manifests/deploy/argocd/health the way Argo CD does: the live
 * object as the global `obj` (plain Lua tables, not proxies), only the libraries Argo CD's sandbox
 * offers, and a returned table `{status, message}`.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { LuaFactory } from "wasmoon";

export type ArgoHealthKind = "BatchPool" | "BatchJob";

/** Argo CD's health statuses; a script returning anything else is an error in Argo CD. */
export const ARGO_HEALTH_STATUSES = ["Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown"] as const;
export type ArgoHealthStatus = (typeof ARGO_HEALTH_STATUSES)[number];

export interface ArgoHealth {
  status: ArgoHealthStatus;
  message: string;
}

export const ARGO_HEALTH_DIR = fileURLToPath(new URL("../../../manifests/deploy/argocd/health/", import.meta.url));

/** The argocd-cm key Argo CD looks up for a kind: resource.customizations.health.<group>_<kind>. */
export function argoHealthKey(kind: ArgoHealthKind): string {
  return `resource.customizations.health.azurebatch.gitops.dev_${kind}`;
}

/** Both kinds share one script; kept per kind so they can diverge without changing callers. */
const SCRIPT_FILES: Readonly<Record<ArgoHealthKind, string>> = {
  BatchPool: "health.lua",
  BatchJob: "health.lua",
};

export function argoHealthScriptPath(kind: ArgoHealthKind): string {
  return `${ARGO_HEALTH_DIR}${SCRIPT_FILES[kind]}`;
}

export function readArgoHealthScript(kind: ArgoHealthKind): string {
  return readFileSync(argoHealthScriptPath(kind), "utf8");
}

// Argo CD's gopher-lua VM opens base, table, string and math only (no io, os, require, debug).
const SANDBOX = "io = nil; os = nil; require = nil; debug = nil; package = nil; dofile = nil; loadfile = nil";

let factory: LuaFactory | undefined;

/** Runs the health script for `kind` against `obj` (a JSON-like object as read from the API). */
export async function runArgoHealth(kind: ArgoHealthKind, obj: unknown): Promise<ArgoHealth> {
  return runArgoHealthScript(readArgoHealthScript(kind), obj);
}

/** Runs any health script under the same convention; throws when Argo CD would reject the result. */
export async function runArgoHealthScript(script: string, obj: unknown): Promise<ArgoHealth> {
  factory ??= new LuaFactory();
  const lua = await factory.createEngine({ enableProxy: false, injectObjects: false });
  try {
    lua.doStringSync(SANDBOX);
    // JSON round trip: the API server's view of the object (no Dates, no undefined, no class instances).
    lua.global.set("obj", JSON.parse(JSON.stringify(obj)) as unknown);
    const result: unknown = lua.doStringSync(script);
    return toArgoHealth(result);
  } finally {
    lua.global.close();
  }
}

function toArgoHealth(result: unknown): ArgoHealth {
  if (typeof result !== "object" || result === null) {
    throw new Error(`health script returned ${typeof result}, not a table`);
  }
  const status = "status" in result ? result.status : undefined;
  const message = "message" in result ? result.message : undefined;
  const known = ARGO_HEALTH_STATUSES.find((s) => s === status);
  if (known === undefined) {
    throw new Error(`health script returned status ${JSON.stringify(status)}, which Argo CD rejects`);
  }
  return { status: known, message: typeof message === "string" ? message : "" };
}
