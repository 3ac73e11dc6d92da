/**
 * The verbs on one resource: get, list, create, update, patch, delete, with the semantics of the real
 * API server's generic registry (resourceVersion preconditions, generation, the status subresource,
 * finalizers and deletionTimestamp, no write when an update changes nothing).
 */
import { NAMESPACE_STORAGE_KEY } from "./builtins.js";
import { ApiError, alreadyExists, badRequest, conflict, forbidden, gone, internalError, invalid, notFound } from "./errors.js";
import {
  canonicalJson,
  generatedName,
  keepSystemFields,
  rfc3339,
  specChanged,
  stampCreate,
  validateLabels,
  validateName,
} from "./metadata.js";
import { applyPatch } from "./patch.js";
import type { ResourceRegistry } from "./registry.js";
import { isPlainObject } from "./schema.js";
import { parseFieldSelector, parseLabelSelector } from "./selectors.js";
import type { Matcher } from "./selectors.js";
import type { ChangeType, ObjectStore } from "./store.js";
import { apiVersionOf } from "./types.js";
import type { FieldCause, JsonObject, KubeObject, ResourceType, Verb } from "./types.js";

export interface RequestContext {
  type: ResourceType;
  verb: Verb;
  namespace?: string;
  name?: string;
  subresource?: string;
  query: URLSearchParams;
  body: unknown;
  contentType: string;
}

export interface HandlerResult {
  status: number;
  body: unknown;
  /** Sent as `Warning: 299 - "…"` headers, like the server's unknown-field warnings. */
  warnings: string[];
}

interface ListSnapshot {
  resourceVersion: number;
  items: KubeObject[];
}

export class ResourceHandlers {
  /** Pages of a chunked list are served from the snapshot taken by its first request, as etcd serves them at one revision. */
  readonly #snapshots = new Map<string, ListSnapshot>();
  #nextSnapshotId = 1;

  constructor(
    private readonly store: ObjectStore,
    private readonly registry: ResourceRegistry,
    private readonly now: () => Date,
  ) {}

  get(ctx: RequestContext): HandlerResult {
    return { status: 200, body: this.#current(ctx), warnings: [] };
  }

  list(ctx: RequestContext): HandlerResult {
    const { type } = ctx;
    const token = ctx.query.get("continue");
    const snapshot = token ? this.#resumeSnapshot(token) : this.#takeSnapshot(ctx);
    const offset = token ? decodeContinue(token).offset : 0;
    const limit = Number(ctx.query.get("limit") ?? "0");
    const end = limit > 0 ? Math.min(offset + limit, snapshot.items.length) : snapshot.items.length;
    const metadata: JsonObject = { resourceVersion: String(snapshot.resourceVersion) };
    if (end < snapshot.items.length) {
      const id = token ? decodeContinue(token).id : this.#storeSnapshot(snapshot);
      metadata.continue = encodeContinue({ id, offset: end, resourceVersion: snapshot.resourceVersion });
      metadata.remainingItemCount = snapshot.items.length - end;
    }
    const items = snapshot.items.slice(offset, end).map((item) => (type.custom ? item : withoutTypeMeta(item)));
    return { status: 200, body: { apiVersion: apiVersionOf(type), kind: type.listKind, metadata, items }, warnings: [] };
  }

  create(ctx: RequestContext): HandlerResult {
    const { type } = ctx;
    const obj = this.#bodyObject(ctx);
    if (type.namespaced) this.#requireLiveNamespace(ctx.namespace ?? "");
    if (obj.metadata.resourceVersion) throw internalError("resourceVersion should not be set on objects to be created");
    if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = generatedName(obj.metadata.generateName);
    const name = obj.metadata.name ?? "";
    stampCreate(obj.metadata, this.now(), type.tracksGeneration);
    if (type.custom && type.hasStatusSubresource) delete obj.status;
    const warnings = unknownFieldWarnings(ctx, type.normalize(obj));
    const causes =
      name === ""
        ? [
            {
              reason: "FieldValueRequired",
              field: "metadata.name",
              message: "Required value: name or generateName is required",
            } as FieldCause,
          ]
        : validateName(name, type.kind === "Namespace");
    causes.push(...validateLabels(obj.metadata), ...type.validate(obj, undefined));
    if (causes.length > 0) throw invalid(type, name, causes);
    if (this.store.get(type.storageKey, obj.metadata.namespace, name)) throw alreadyExists(type, name);
    return { status: 201, body: this.#commit(ctx, "ADDED", obj), warnings };
  }

  update(ctx: RequestContext): HandlerResult {
    const body = this.#bodyObject(ctx);
    if (body.metadata.name !== ctx.name) {
      throw badRequest(`the name of the object (${body.metadata.name ?? ""}) does not match the name on the URL (${ctx.name ?? ""})`);
    }
    const stored = this.store.get(ctx.type.storageKey, ctx.namespace, ctx.name ?? "");
    if (!stored && ctx.type.allowCreateOnUpdate && !ctx.subresource) return this.create(ctx);
    return this.#write(ctx, () => body);
  }

  patch(ctx: RequestContext): HandlerResult {
    return this.#write(ctx, (current) => applyPatch(ctx.type, current, ctx.contentType, ctx.body));
  }

  delete(ctx: RequestContext): HandlerResult {
    const { type } = ctx;
    const current = this.#current(ctx);
    const options = isPlainObject(ctx.body) ? ctx.body : {};
    checkDeleteOptions(type, current, options, ctx.query);
    if (type.kind === "Namespace" && type.group === "") return { status: 200, body: this.#deleteNamespace(ctx, current), warnings: [] };
    const result = this.#deleteObject(ctx, current);
    if (result.deleted && !type.custom) {
      return { status: 200, body: successStatus(type, current), warnings: [] };
    }
    return { status: 200, body: result.object, warnings: [] };
  }

  /** Matches objects against the request's labelSelector, fieldSelector and (for single-object watches) name. */
  matcher(ctx: RequestContext): Matcher {
    const labels = parseLabelSelector(ctx.query.get("labelSelector"));
    const fields = parseFieldSelector(ctx.query.get("fieldSelector"), ctx.type);
    const inNamespace = (obj: KubeObject): boolean => ctx.namespace === undefined || obj.metadata.namespace === ctx.namespace;
    const named = (obj: KubeObject): boolean => ctx.name === undefined || obj.metadata.name === ctx.name;
    return (obj) => inNamespace(obj) && named(obj) && labels(obj) && fields(obj);
  }

  #current(ctx: RequestContext): KubeObject {
    const stored = this.store.get(ctx.type.storageKey, ctx.namespace, ctx.name ?? "");
    if (!stored) throw notFound(ctx.type, ctx.name ?? "");
    return ctx.type.fromStorage(stored);
  }

  /** The shared update path of PUT and PATCH, on the main resource or the status subresource. */
  #write(ctx: RequestContext, buildCandidate: (current: KubeObject) => KubeObject): HandlerResult {
    const { type } = ctx;
    const current = this.#current(ctx);
    const candidate = buildCandidate(structuredClone(current));
    if (!isPlainObject(candidate.metadata)) candidate.metadata = {};
    checkResourceVersion(ctx, current, candidate);
    const next = ctx.subresource === "status" ? takeStatus(current, candidate) : takeMain(type, current, candidate);
    const warnings = unknownFieldWarnings(ctx, type.normalize(next));
    const causes = [...validateLabels(next.metadata), ...finalizerCauses(current, next), ...type.validate(next, current)];
    if (causes.length > 0) throw invalid(type, ctx.name ?? "", causes);
    if (type.tracksGeneration && specChanged(current, next, type.hasStatusSubresource)) {
      next.metadata.generation = (current.metadata.generation ?? 0) + 1;
    }
    // The real server skips the storage write (no new resourceVersion, no watch event) when nothing changed.
    if (canonicalJson(next) === canonicalJson(current)) return { status: 200, body: current, warnings };
    const written = this.#commit(ctx, "MODIFIED", next, current);
    if (written.metadata.deletionTimestamp && (written.metadata.finalizers ?? []).length === 0) this.#remove(ctx, written);
    return { status: 200, body: written, warnings };
  }

  /** Deletes at once without finalizers; otherwise marks the object deleting and leaves it to its finalizers. */
  #deleteObject(ctx: RequestContext, current: KubeObject): { deleted: boolean; object: KubeObject } {
    if ((current.metadata.finalizers ?? []).length === 0) return { deleted: true, object: this.#remove(ctx, current) };
    if (current.metadata.deletionTimestamp) return { deleted: false, object: current };
    const next = structuredClone(current);
    next.metadata.deletionTimestamp = rfc3339(this.now());
    next.metadata.deletionGracePeriodSeconds = 0;
    if (ctx.type.tracksGeneration) next.metadata.generation = (current.metadata.generation ?? 0) + 1;
    return { deleted: false, object: this.#commit(ctx, "MODIFIED", next, current) };
  }

  #remove(ctx: RequestContext, current: KubeObject): KubeObject {
    const removed = this.#commit(ctx, "DELETED", current, current);
    if (ctx.type.namespaced && !isDryRun(ctx)) this.#finishNamespaceIfEmpty(current.metadata.namespace ?? "");
    return removed;
  }

  /** Namespace deletion: mark Terminating, delete its contents, and remove it once they are gone. */
  #deleteNamespace(ctx: RequestContext, current: KubeObject): KubeObject {
    const name = current.metadata.name ?? "";
    if (!current.metadata.deletionTimestamp) {
      const next = structuredClone(current);
      next.metadata.deletionTimestamp = rfc3339(this.now());
      next.status = { phase: "Terminating" };
      this.#commit(ctx, "MODIFIED", next, current);
    }
    if (isDryRun(ctx)) return current;
    for (const type of this.registry.namespacedStorageKeys()) {
      for (const stored of this.store.list(type.storageKey, name)) {
        const view = type.fromStorage(stored);
        this.#deleteObject({ ...ctx, type, namespace: name, name: view.metadata.name ?? "" }, view);
      }
    }
    this.#finishNamespaceIfEmpty(name);
    return this.store.get(NAMESPACE_STORAGE_KEY, undefined, name) ?? current;
  }

  #finishNamespaceIfEmpty(namespace: string): void {
    const ns = this.store.get(NAMESPACE_STORAGE_KEY, undefined, namespace);
    if (!ns?.metadata.deletionTimestamp) return;
    if (this.registry.namespacedStorageKeys().some((t) => this.store.list(t.storageKey, namespace).length > 0)) return;
    this.store.commit("DELETED", NAMESPACE_STORAGE_KEY, ns, ns);
  }

  #requireLiveNamespace(namespace: string): void {
    const ns = this.store.get(NAMESPACE_STORAGE_KEY, undefined, namespace);
    if (!ns) throw new ApiError(404, "NotFound", `namespaces "${namespace}" not found`, { name: namespace, kind: "namespaces" });
    if (ns.metadata.deletionTimestamp) {
      throw forbidden(`unable to create new content in namespace ${namespace} because it is being terminated`);
    }
  }

  /** Stores the object (unless dryRun) and returns it as this resource's version presents it. */
  #commit(ctx: RequestContext, change: ChangeType, obj: KubeObject, previous?: KubeObject): KubeObject {
    const { type } = ctx;
    const typed: KubeObject = { ...obj, apiVersion: apiVersionOf(type), kind: type.kind };
    if (isDryRun(ctx)) return typed;
    const written = this.store.commit(change, type.storageKey, type.toStorage(typed), previous ? type.toStorage(previous) : undefined);
    return type.fromStorage(written);
  }

  #bodyObject(ctx: RequestContext): KubeObject {
    const { type } = ctx;
    if (!isPlainObject(ctx.body)) throw badRequest("the request body must be a JSON object");
    const obj = structuredClone(ctx.body) as KubeObject;
    if (obj.kind !== undefined && obj.kind !== type.kind)
      throw badRequest(`the kind of the object (${String(obj.kind)}) does not match the resource (${type.kind})`);
    if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersionOf(type)) {
      throw badRequest(
        `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersionOf(type)})`,
      );
    }
    if (!isPlainObject(obj.metadata)) obj.metadata = {};
    if (type.namespaced) {
      if (obj.metadata.namespace !== undefined && obj.metadata.namespace !== "" && obj.metadata.namespace !== ctx.namespace) {
        throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
      }
      obj.metadata.namespace = ctx.namespace;
    } else delete obj.metadata.namespace;
    return obj;
  }

  #takeSnapshot(ctx: RequestContext): ListSnapshot {
    const matches = this.matcher({ ...ctx, name: undefined });
    const items = this.store
      .list(ctx.type.storageKey, ctx.namespace)
      .map((obj) => ctx.type.fromStorage(obj))
      .filter(matches);
    return { resourceVersion: this.store.resourceVersion, items };
  }

  #storeSnapshot(snapshot: ListSnapshot): string {
    const id = String(this.#nextSnapshotId++);
    this.#snapshots.set(id, snapshot);
    return id;
  }

  #resumeSnapshot(token: string): ListSnapshot {
    const { id, resourceVersion } = decodeContinue(token);
    const snapshot = this.#snapshots.get(id);
    if (!snapshot || resourceVersion < this.store.compactedThrough) {
      throw gone(
        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
      );
    }
    return snapshot;
  }
}

interface ContinueToken {
  id: string;
  offset: number;
  resourceVersion: number;
}

const encodeContinue = (token: ContinueToken): string => Buffer.from(JSON.stringify(token)).toString("base64url");

function decodeContinue(token: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as Partial<ContinueToken>;
    if (typeof parsed.id === "string" && typeof parsed.offset === "number" && typeof parsed.resourceVersion === "number")
      return parsed as ContinueToken;
  } catch {
    // fall through to the BadRequest below
  }
  throw badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
}

const withoutTypeMeta = (obj: KubeObject): KubeObject => {
  const { apiVersion: _apiVersion, kind: _kind, ...rest } = obj;
  return rest as KubeObject;
};

const isDryRun = (ctx: RequestContext): boolean => ctx.query.getAll("dryRun").includes("All");

function unknownFieldWarnings(ctx: RequestContext, pruned: string[]): string[] {
  const mode = ctx.query.get("fieldValidation") ?? "Warn";
  if (pruned.length === 0 || mode === "Ignore") return [];
  const messages = pruned.map((path) => `unknown field "${path}"`);
  if (mode === "Strict") throw badRequest(`strict decoding error: ${messages.join(", ")}`);
  return messages;
}

/** A stale resourceVersion is a conflict; CRs additionally refuse an update without one. */
function checkResourceVersion(ctx: RequestContext, current: KubeObject, candidate: KubeObject): void {
  const requested = candidate.metadata.resourceVersion;
  if (requested !== undefined && requested !== "") {
    if (requested !== current.metadata.resourceVersion) throw conflict(ctx.type, ctx.name ?? "");
    return;
  }
  if (ctx.verb === "update" && !ctx.type.allowUnconditionalUpdate) {
    throw invalid(ctx.type, ctx.name ?? "", [
      { reason: "FieldValueInvalid", field: "metadata.resourceVersion", message: "Invalid value: 0x0: must be specified for an update" },
    ]);
  }
}

/** Main endpoint: everything but server-owned metadata and, with a status subresource, status. */
function takeMain(type: ResourceType, current: KubeObject, candidate: KubeObject): KubeObject {
  const next = structuredClone(candidate);
  next.apiVersion = current.apiVersion;
  next.kind = current.kind;
  keepSystemFields(next.metadata, current.metadata);
  next.metadata.name = current.metadata.name;
  if (current.metadata.namespace === undefined) delete next.metadata.namespace;
  else next.metadata.namespace = current.metadata.namespace;
  if (type.hasStatusSubresource) {
    if (current.status === undefined) delete next.status;
    else next.status = current.status;
  }
  return next;
}

/** Status subresource: only status is taken from the request. */
function takeStatus(current: KubeObject, candidate: KubeObject): KubeObject {
  const next = structuredClone(current);
  if (candidate.status === undefined) delete next.status;
  else next.status = structuredClone(candidate.status);
  return next;
}

function finalizerCauses(current: KubeObject, next: KubeObject): FieldCause[] {
  if (!current.metadata.deletionTimestamp) return [];
  const before = new Set(current.metadata.finalizers ?? []);
  const added = (next.metadata.finalizers ?? []).filter((f) => !before.has(f));
  if (added.length === 0) return [];
  return [
    {
      reason: "FieldValueForbidden",
      field: "metadata.finalizers",
      message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(", ")}}`,
    },
  ];
}

const PROPAGATION_POLICIES = new Set(["Orphan", "Background", "Foreground"]);

function checkDeleteOptions(type: ResourceType, current: KubeObject, options: JsonObject, query: URLSearchParams): void {
  const policy = options.propagationPolicy ?? query.get("propagationPolicy") ?? undefined;
  if (policy !== undefined && !PROPAGATION_POLICIES.has(String(policy))) {
    throw badRequest(
      `DeleteOptions.propagationPolicy: Unsupported value: ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan"`,
    );
  }
  const pre = isPlainObject(options.preconditions) ? options.preconditions : {};
  const name = current.metadata.name ?? "";
  if (typeof pre.uid === "string" && pre.uid !== current.metadata.uid) {
    throw conflict(type, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid ?? ""}`);
  }
  if (typeof pre.resourceVersion === "string" && pre.resourceVersion !== current.metadata.resourceVersion) {
    throw conflict(
      type,
      name,
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in meta: ${current.metadata.resourceVersion ?? ""}`,
    );
  }
}

function successStatus(type: ResourceType, obj: KubeObject): JsonObject {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    details: { name: obj.metadata.name, group: type.group, kind: type.plural, uid: obj.metadata.uid },
  };
}
