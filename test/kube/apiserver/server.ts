/**
 * startTestApiServer: an in-process Kubernetes API server for tests, speaking the real HTTP API to
 * @kubernetes/client-node. It serves the CRDs of crds/ (or given files) plus the built-ins the controller uses.
 */
import { randomUUID } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { KubeConfig } from "@kubernetes/client-node";
import { NAMESPACE_STORAGE_KEY, builtinResources } from "./builtins.js";
import { matchesFilter } from "./control.js";
import type { ApiServerControl, InjectedError, ObjectRef, RequestFilter, RequestLogEntry } from "./control.js";
import { readCrdFiles, resourcesFromCrd } from "./crd.js";
import type { CustomResourceDefinition } from "./crd.js";
import { ApiError, badRequest, methodNotAllowed, reasonForCode, unauthorized } from "./errors.js";
import { ResourceHandlers } from "./handlers.js";
import type { HandlerResult, RequestContext } from "./handlers.js";
import { rfc3339 } from "./metadata.js";
import { ResourceRegistry } from "./registry.js";
import { parseResourcePath, verbOf } from "./router.js";
import type { ResourceRoute } from "./router.js";
import { ObjectStore } from "./store.js";
import { apiVersionOf } from "./types.js";
import type { KubeObject, ResourceType } from "./types.js";
import { startWatch } from "./watch.js";
import type { ActiveWatch } from "./watch.js";

export interface TestApiServerOptions {
  /** CRD YAML files to serve. Default: every *.yaml in the repository's crds/ folder. */
  crdPaths?: string[];
  /** CRD objects to serve in addition to crdPaths. */
  crds?: CustomResourceDefinition[];
  /** If set, every request must carry `Authorization: Bearer <token>`; kubeConfig() uses it. */
  token?: string;
  /** Namespaces to create at start, besides "default" and "kube-system". */
  namespaces?: string[];
  /** How many changes the watch history keeps before old resourceVersions expire (default 1000). */
  historyLimit?: number;
  /** Clock for creationTimestamp and deletionTimestamp (default: wall clock). */
  now?: () => Date;
}

export interface TestApiServer {
  /** e.g. http://127.0.0.1:40123 */
  readonly url: string;
  /** A client-node KubeConfig for this server (plain HTTP, bearer token if one was configured). */
  kubeConfig(options?: { namespace?: string }): KubeConfig;
  close(): Promise<void>;
  readonly control: ApiServerControl;
}

const REPO_CRD_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../../crds");

function defaultCrdPaths(): string[] {
  if (!existsSync(REPO_CRD_DIR)) return [];
  return readdirSync(REPO_CRD_DIR)
    .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
    .sort()
    .map((f) => join(REPO_CRD_DIR, f));
}

interface PendingError {
  filter: RequestFilter;
  error: InjectedError;
  remaining: number;
}

class TestApiServerImpl {
  readonly registry = new ResourceRegistry();
  readonly store: ObjectStore;
  readonly handlers: ResourceHandlers;
  readonly watches = new Set<ActiveWatch>();
  readonly requestLog: RequestLogEntry[] = [];
  readonly pendingErrors: PendingError[] = [];
  readonly watchWaiters = new Set<() => void>();
  readonly now: () => Date;

  constructor(readonly options: TestApiServerOptions) {
    this.now = options.now ?? (() => new Date());
    this.store = new ObjectStore(options.historyLimit ?? 1000);
    this.handlers = new ResourceHandlers(this.store, this.registry, this.now);
    for (const type of builtinResources()) this.registry.add(type);
    const crds = [...readCrdFiles(options.crdPaths ?? defaultCrdPaths()), ...(options.crds ?? [])];
    for (const type of crds.flatMap(resourcesFromCrd)) this.registry.add(type);
    for (const ns of new Set(["default", "kube-system", ...(options.namespaces ?? [])])) this.#seedNamespace(ns);
  }

  #seedNamespace(name: string): void {
    const meta = { name, uid: randomUUID(), creationTimestamp: rfc3339(this.now()), labels: { "kubernetes.io/metadata.name": name } };
    this.store.commit("ADDED", NAMESPACE_STORAGE_KEY, {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: meta,
      spec: { finalizers: ["kubernetes"] },
      status: { phase: "Active" },
    });
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const entry: RequestLogEntry = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
    };
    const contentType = (req.headers["content-type"] ?? "").split(";")[0]?.trim() ?? "";
    if (contentType) entry.contentType = contentType;
    this.requestLog.push(entry);
    try {
      const body = await readJsonBody(req);
      if (body !== undefined) entry.body = body;
      if (this.options.token && req.headers.authorization !== `Bearer ${this.options.token}`) throw unauthorized();
      const discovery = this.#discovery(url.pathname, req.headers.host ?? "");
      if (discovery) return this.#respond(res, entry, { status: 200, body: discovery, warnings: [] });
      const ctx = this.#context(req.method ?? "GET", url, entry, body, contentType);
      this.#throwInjected(entry);
      if (ctx.verb === "watch") return this.#watch(ctx, url, res, entry);
      this.#respond(res, entry, this.#dispatch(ctx));
    } catch (err: unknown) {
      const apiError =
        err instanceof ApiError
          ? err
          : new ApiError(500, "InternalError", `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`);
      this.#respond(res, entry, { status: apiError.code, body: apiError.toStatus(), warnings: [] });
    }
  }

  #discovery(path: string, host: string): unknown {
    const trimmed = path.replace(/\/+$/, "");
    if (trimmed === "/api") return this.registry.apiVersions(host);
    if (trimmed === "/apis") return this.registry.apiGroupList();
    if (trimmed === "/version") return { major: "1", minor: "31", gitVersion: "v1.31.0-batch-gitops-test", platform: "linux/amd64" };
    if (["/healthz", "/readyz", "/livez"].includes(trimmed)) return "ok";
    const core = /^\/api\/([^/]+)$/.exec(trimmed);
    if (core) return this.registry.apiResourceList("", core[1] ?? "");
    const group = /^\/apis\/([^/]+)$/.exec(trimmed);
    if (group) return this.registry.apiGroup(group[1] ?? "");
    const groupVersion = /^\/apis\/([^/]+)\/([^/]+)$/.exec(trimmed);
    if (groupVersion) return this.registry.apiResourceList(groupVersion[1] ?? "", groupVersion[2] ?? "");
    return undefined;
  }

  #context(method: string, url: URL, entry: RequestLogEntry, body: unknown, contentType: string): RequestContext {
    const route = parseResourcePath(url.pathname);
    const type = route && this.registry.find(route.group, route.version, route.plural);
    if (!route || !type) throw new ApiError(404, "NotFound", "the server could not find the requested resource", {});
    const verb = verbOf(method, route, url.searchParams.get("watch"));
    Object.assign(entry, logFields(route, verb));
    if (!verb) throw methodNotAllowed();
    checkScope(type, route, verb);
    const ctx: RequestContext = { type, verb, query: url.searchParams, body, contentType };
    if (route.namespace !== undefined) ctx.namespace = route.namespace;
    if (route.name !== undefined) ctx.name = route.name;
    if (route.subresource !== undefined) ctx.subresource = route.subresource;
    return ctx;
  }

  #dispatch(ctx: RequestContext): HandlerResult {
    switch (ctx.verb) {
      case "get":
        return this.handlers.get(ctx);
      case "list":
        return this.handlers.list(ctx);
      case "create":
        return this.handlers.create(ctx);
      case "update":
        return this.handlers.update(ctx);
      case "patch":
        return this.handlers.patch(ctx);
      case "delete":
        return this.handlers.delete(ctx);
      default:
        throw methodNotAllowed();
    }
  }

  #watch(ctx: RequestContext, url: URL, res: ServerResponse, entry: RequestLogEntry): void {
    const timeout = url.searchParams.get("timeoutSeconds");
    const request = {
      type: ctx.type,
      matches: this.handlers.matcher(ctx),
      resourceVersion: url.searchParams.get("resourceVersion"),
      allowBookmarks: url.searchParams.get("allowWatchBookmarks") === "true",
      ...(timeout ? { timeoutSeconds: Number(timeout) } : {}),
    };
    entry.status = 200;
    const watch = startWatch(this.store, request, res, () => {
      if (watch) this.watches.delete(watch);
    });
    if (!watch) return;
    this.watches.add(watch);
    for (const wake of [...this.watchWaiters]) wake();
  }

  #throwInjected(entry: RequestLogEntry): void {
    const pending = this.pendingErrors.find((p) => p.remaining > 0 && matchesFilter(entry, p.filter));
    if (!pending) return;
    pending.remaining -= 1;
    const { code, reason, message } = pending.error;
    throw new ApiError(code, reason ?? reasonForCode(code), message ?? `injected ${code} for ${entry.verb ?? entry.method} ${entry.path}`);
  }

  #respond(res: ServerResponse, entry: RequestLogEntry, result: HandlerResult): void {
    entry.status = result.status;
    const headers: Record<string, string | string[]> = {
      "Content-Type": typeof result.body === "string" ? "text/plain" : "application/json",
    };
    if (result.warnings.length > 0) headers.Warning = result.warnings.map((w) => `299 - ${JSON.stringify(w)}`);
    res.writeHead(result.status, headers);
    res.end(typeof result.body === "string" ? result.body : JSON.stringify(result.body));
  }

  typeOf(ref: { apiVersion?: string; kind?: string }): ResourceType {
    const type = this.registry.findByKind(ref.apiVersion ?? "", ref.kind ?? "");
    if (!type) throw new Error(`no resource for ${ref.apiVersion ?? "?"} ${ref.kind ?? "?"}`);
    return type;
  }

  control(): ApiServerControl {
    return {
      dropWatches: (mode = "close") => {
        const open = [...this.watches];
        this.watches.clear();
        for (const watch of open) watch.close(mode);
        return open.length;
      },
      compactHistory: (through) => this.store.compact(through === undefined ? undefined : Number(through)),
      injectError: (error) => {
        const { verb, resource, group, subresource, namespace, name } = error;
        this.pendingErrors.push({ filter: { verb, resource, group, subresource, namespace, name }, error, remaining: error.times ?? 1 });
      },
      requests: (filter = {}) => this.requestLog.filter((e) => matchesFilter(e, filter)).map((e) => structuredClone(e)),
      clearRequests: () => void this.requestLog.splice(0),
      resourceVersion: () => String(this.store.resourceVersion),
      sendBookmarks: () => this.watches.forEach((w) => w.bookmark()),
      activeWatches: () => this.watches.size,
      waitForWatches: (count, options) => this.#waitForWatches(count, options?.signal),
      getObject: (ref) => this.#getObject(ref),
      putObject: (obj) => this.#putObject(obj),
      removeObject: (ref) => this.#removeObject(ref),
    };
  }

  #waitForWatches(count: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolvePromise, reject) => {
      const check = (): void => {
        if (this.watches.size < count) return;
        this.watchWaiters.delete(check);
        resolvePromise();
      };
      signal?.addEventListener("abort", () => {
        this.watchWaiters.delete(check);
        reject(signal.reason);
      });
      this.watchWaiters.add(check);
      check();
    });
  }

  #getObject(ref: ObjectRef): KubeObject | undefined {
    const type = this.typeOf(ref);
    const stored = this.store.get(type.storageKey, ref.namespace, ref.name);
    return stored && type.fromStorage(stored);
  }

  #putObject(obj: KubeObject): KubeObject {
    const type = this.typeOf(obj);
    const typed: KubeObject = structuredClone({ ...obj, apiVersion: apiVersionOf(type), kind: type.kind });
    const previous = this.store.get(type.storageKey, typed.metadata.namespace, typed.metadata.name ?? "");
    typed.metadata.uid ??= previous?.metadata.uid ?? randomUUID();
    typed.metadata.creationTimestamp ??= previous?.metadata.creationTimestamp ?? rfc3339(this.now());
    if (type.tracksGeneration) typed.metadata.generation ??= previous?.metadata.generation ?? 1;
    const stored = type.toStorage(typed);
    return type.fromStorage(
      previous ? this.store.commit("MODIFIED", type.storageKey, stored, previous) : this.store.commit("ADDED", type.storageKey, stored),
    );
  }

  #removeObject(ref: ObjectRef): boolean {
    const type = this.typeOf(ref);
    const stored = this.store.get(type.storageKey, ref.namespace, ref.name);
    if (stored) this.store.commit("DELETED", type.storageKey, stored, stored);
    return stored !== undefined;
  }
}

function logFields(route: ResourceRoute, verb: RequestLogEntry["verb"]): Partial<RequestLogEntry> {
  const fields: Partial<RequestLogEntry> = { group: route.group, version: route.version, resource: route.plural };
  if (verb) fields.verb = verb;
  if (route.namespace !== undefined) fields.namespace = route.namespace;
  if (route.name !== undefined) fields.name = route.name;
  if (route.subresource !== undefined) fields.subresource = route.subresource;
  return fields;
}

/** Namespaced resources need a namespace for single-object verbs; cluster-scoped ones must not have one. */
function checkScope(type: ResourceType, route: ResourceRoute, verb: string): void {
  const notFound = new ApiError(404, "NotFound", "the server could not find the requested resource", {});
  if (!type.namespaced && route.namespace !== undefined) throw notFound;
  if (type.namespaced && route.namespace === undefined && verb !== "list" && verb !== "watch") throw notFound;
  if (route.subresource !== undefined) {
    if (route.subresource !== "status" || !type.hasStatusSubresource) throw notFound;
    if (!["get", "update", "patch"].includes(verb)) throw methodNotAllowed();
  }
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest("the request body is not valid JSON");
  }
}

export async function startTestApiServer(options: TestApiServerOptions = {}): Promise<TestApiServer> {
  const impl = new TestApiServerImpl(options);
  const server: Server = createServer((req, res) => {
    impl.handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolvePromise) => server.listen(0, "127.0.0.1", resolvePromise));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const control = impl.control();
  return {
    url,
    control,
    kubeConfig: (kcOptions = {}) => buildKubeConfig(url, options.token, kcOptions.namespace),
    close: async () => {
      control.dropWatches("reset");
      server.closeAllConnections();
      await new Promise<void>((resolvePromise) => server.close(() => resolvePromise()));
    },
  };
}

function buildKubeConfig(server: string, token: string | undefined, namespace: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "test-apiserver", server, skipTLSVerify: true }],
    users: [{ name: "test-user", ...(token ? { token } : {}) }],
    contexts: [{ name: "test", cluster: "test-apiserver", user: "test-user", ...(namespace ? { namespace } : {}) }],
    currentContext: "test",
  });
  return kc;
}
