/** Maps a request path onto a resource request (group, version, resource, namespace, name, subresource). */
import type { Verb } from "./types.js";

export interface ResourceRoute {
  group: string;
  version: string;
  plural: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** The deprecated `/watch/` path prefix. */
  legacyWatch: boolean;
}

/** Namespace subresources, which would otherwise read as a resource named "status" in that namespace. */
const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);

export function parseResourcePath(pathname: string): ResourceRoute | undefined {
  const segments = pathname
    .split("/")
    .filter((s) => s !== "")
    .map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === "api" && segments.length >= 3) {
    [group, version, rest] = ["", segments[1] ?? "", segments.slice(2)];
  } else if (segments[0] === "apis" && segments.length >= 4) {
    [group, version, rest] = [segments[1] ?? "", segments[2] ?? "", segments.slice(3)];
  } else return undefined;
  const legacyWatch = rest[0] === "watch";
  if (legacyWatch) rest = rest.slice(1);
  const route: ResourceRoute = { group, version, plural: "", legacyWatch };
  if (rest[0] === "namespaces" && rest.length >= 3 && !(rest.length === 3 && NAMESPACE_SUBRESOURCES.has(rest[2] ?? ""))) {
    route.namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length === 0 || rest.length > 3) return undefined;
  route.plural = rest[0] ?? "";
  if (rest[1] !== undefined) route.name = rest[1];
  if (rest[2] !== undefined) route.subresource = rest[2];
  return route;
}

export function verbOf(method: string, route: ResourceRoute, watchParam: string | null): Verb | undefined {
  const isWatch = route.legacyWatch || watchParam === "true" || watchParam === "1";
  switch (method) {
    case "GET":
      if (isWatch) return "watch";
      return route.name === undefined ? "list" : "get";
    case "POST":
      return route.name === undefined ? "create" : undefined;
    case "PUT":
      return route.name === undefined ? undefined : "update";
    case "PATCH":
      return route.name === undefined ? undefined : "patch";
    case "DELETE":
      return route.name === undefined ? "deletecollection" : "delete";
    default:
      return undefined;
  }
}
