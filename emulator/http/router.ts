import type { RequestContext } from "./context.js";
import type { EmulatorResponse } from "./response.js";
import type { AccountStore } from "../store/account-store.js";

/**
 * An out-of-band change reachable through the control API (POST /_emulator/actions/{name}), as if
 * someone used the portal. Returns a JSON-able result; throws BatchError for not-found and the like.
 */
export type ControlAction = (store: AccountStore, body: Record<string, unknown>) => unknown;

export type Handler = (ctx: RequestContext) => EmulatorResponse | Promise<EmulatorResponse>;

export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface Route {
  /** The operation id in BatchService.json, e.g. "Pool_Add"; faults and counters are keyed by it. */
  readonly operationId: string;
  readonly method: HttpMethod;
  /** The spec's path template, e.g. "/pools/{poolId}/resize". */
  readonly path: string;
  readonly handler: Handler;
}

export interface RouteMatch {
  readonly route: Route;
  readonly params: Record<string, string>;
}

interface CompiledRoute extends Route {
  readonly segments: readonly (string | { param: string })[];
  /** A last `{name*}` segment takes the rest of the path, slashes included (file paths). */
  readonly rest?: string;
}

/**
 * Maps (method, path) to an operation. Routes are grouped by method and segment count, so a lookup
 * compares a handful of templates; literal segments match case-insensitively, parameters are URL-decoded.
 */
export class Router {
  private readonly groups = new Map<string, CompiledRoute[]>();
  private readonly restRoutes: CompiledRoute[] = [];
  private readonly byOperation = new Map<string, Route>();
  private readonly actions = new Map<string, ControlAction>();

  /** Registers a control-API action (e.g. "deleteTask") beside the module's routes. */
  addControlAction(name: string, action: ControlAction): void {
    if (this.actions.has(name)) throw new Error(`control action ${name} registered twice`);
    this.actions.set(name, action);
  }

  controlAction(name: string): ControlAction | undefined {
    return this.actions.get(name);
  }

  controlActions(): string[] {
    return [...this.actions.keys()];
  }

  add(route: Route): void {
    if (this.byOperation.has(route.operationId)) throw new Error(`operation ${route.operationId} registered twice`);
    const last = splitPath(route.path).at(-1) ?? "";
    if (last.endsWith("*}")) {
      const segments = compileSegments(route.path.slice(0, route.path.lastIndexOf("/")));
      this.restRoutes.push({ ...route, segments, rest: last.slice(1, -2) });
      this.byOperation.set(route.operationId, route);
      return;
    }
    const segments = splitPath(route.path).map((s) => (s.startsWith("{") && s.endsWith("}") ? { param: s.slice(1, -1) } : s.toLowerCase()));
    const key = `${route.method} ${segments.length}`;
    const group = this.groups.get(key) ?? [];
    // Literal routes first, so /pools/{id}/resize never shadows a literal sibling.
    group.push({ ...route, segments });
    group.sort((a, b) => literalCount(b) - literalCount(a));
    this.groups.set(key, group);
    this.byOperation.set(route.operationId, route);
  }

  /** Registers several routes sharing nothing but a module. */
  addAll(routes: readonly Route[]): void {
    for (const route of routes) this.add(route);
  }

  operations(): string[] {
    return [...this.byOperation.keys()];
  }

  match(method: string, pathname: string): RouteMatch | undefined {
    const parts = splitPath(pathname);
    for (const route of this.groups.get(`${method} ${parts.length}`) ?? []) {
      const params = matchSegments(route.segments, parts);
      if (params !== undefined) return { route, params };
    }
    return this.matchRest(method, parts);
  }

  /** Routes ending in `{name*}`: the fixed part must match, the rest (at least one segment) is the parameter. */
  private matchRest(method: string, parts: string[]): RouteMatch | undefined {
    for (const route of this.restRoutes) {
      if (route.method !== method || route.rest === undefined || parts.length <= route.segments.length) continue;
      const params = matchSegments(route.segments, parts.slice(0, route.segments.length));
      if (params === undefined) continue;
      try {
        params[route.rest] = parts
          .slice(route.segments.length)
          .map((part) => decodeURIComponent(part))
          .join("/");
      } catch {
        continue;
      }
      return { route, params };
    }
    return undefined;
  }

  /** True when some other method serves this path (for a 405-style answer). */
  hasPath(pathname: string): boolean {
    const count = splitPath(pathname).length;
    for (const [key, group] of this.groups) {
      if (!key.endsWith(` ${count}`)) continue;
      if (group.some((r) => matchSegments(r.segments, splitPath(pathname)) !== undefined)) return true;
    }
    return false;
  }
}

function compileSegments(path: string): CompiledRoute["segments"] {
  return splitPath(path).map((s) => (s.startsWith("{") && s.endsWith("}") ? { param: s.slice(1, -1) } : s.toLowerCase()));
}

function splitPath(path: string): string[] {
  return path.split("/").filter((s) => s.length > 0);
}

function literalCount(route: CompiledRoute): number {
  return route.segments.filter((s) => typeof s === "string").length;
}

function matchSegments(segments: CompiledRoute["segments"], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    const part = parts[i] ?? "";
    if (typeof segment === "string") {
      if (segment !== part.toLowerCase()) return undefined;
      continue;
    }
    if (segment === undefined) return undefined;
    try {
      params[segment.param] = decodeURIComponent(part);
    } catch {
      return undefined;
    }
  }
  return params;
}
