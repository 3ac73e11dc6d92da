/** The resources the server serves, and the discovery documents (/api, /apis, …) that describe them. */
import { apiVersionOf } from "./types.js";
import type { JsonObject, ResourceType } from "./types.js";

const MAIN_VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"];
const STATUS_VERBS = ["get", "patch", "update"];

export class ResourceRegistry {
  readonly #types: ResourceType[] = [];

  add(type: ResourceType): void {
    const clash = this.find(type.group, type.version, type.plural);
    if (clash) throw new Error(`resource ${type.plural} in ${apiVersionOf(type)} is registered twice`);
    this.#types.push(type);
  }

  find(group: string, version: string, plural: string): ResourceType | undefined {
    return this.#types.find((t) => t.group === group && t.version === version && t.plural === plural);
  }

  /** Looks a resource up by kind, for test controls that take `{apiVersion, kind}`. */
  findByKind(apiVersion: string, kind: string): ResourceType | undefined {
    return this.#types.find((t) => apiVersionOf(t) === apiVersion && t.kind === kind);
  }

  get all(): readonly ResourceType[] {
    return this.#types;
  }

  /** Storage keys of namespaced resources, each once (Events are stored once for two APIs). */
  namespacedStorageKeys(): ResourceType[] {
    const seen = new Map<string, ResourceType>();
    for (const t of this.#types) if (t.namespaced && !seen.has(t.storageKey)) seen.set(t.storageKey, t);
    return [...seen.values()];
  }

  #groups(): Map<string, string[]> {
    const groups = new Map<string, string[]>();
    for (const t of this.#types) {
      if (t.group === "") continue;
      const versions = groups.get(t.group) ?? [];
      if (!versions.includes(t.version)) versions.push(t.version);
      groups.set(t.group, versions);
    }
    return groups;
  }

  apiVersions(serverAddress: string): JsonObject {
    return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
  }

  apiGroup(name: string): JsonObject | undefined {
    const versions = this.#groups().get(name);
    if (!versions) return undefined;
    const entries = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
    return { kind: "APIGroup", apiVersion: "v1", name, versions: entries, preferredVersion: entries[0] };
  }

  apiGroupList(): JsonObject {
    const groups = [...this.#groups().keys()].map((name) => {
      const { kind: _kind, apiVersion: _apiVersion, ...group } = this.apiGroup(name) ?? {};
      return group;
    });
    return { kind: "APIGroupList", apiVersion: "v1", groups };
  }

  apiResourceList(group: string, version: string): JsonObject | undefined {
    const types = this.#types.filter((t) => t.group === group && t.version === version);
    if (types.length === 0) return undefined;
    const resources = types.flatMap((t) => {
      const main = {
        name: t.plural,
        singularName: t.singular,
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: MAIN_VERBS,
        shortNames: t.shortNames,
      };
      const status = { name: `${t.plural}/status`, singularName: "", namespaced: t.namespaced, kind: t.kind, verbs: STATUS_VERBS };
      return t.hasStatusSubresource ? [main, status] : [main];
    });
    return { kind: "APIResourceList", apiVersion: "v1", groupVersion: group === "" ? version : `${group}/${version}`, resources };
  }
}
