/**
 * Names shared by everything cluster-specific: the API group of our custom resources, their
 * plurals, the finalizer and the annotations we read.
 */
import type { ResourceKey, ResourceKind } from "../runtime/ports.js";
import { resourceKey } from "../runtime/ports.js";

export const API_GROUP = "azurebatch.gitops.dev";
export const API_VERSION = "v1alpha1";
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;

/** Kept on every BatchPool/BatchJob we manage until its Batch resource is cleaned up. */
export const FINALIZER = "azurebatch.gitops.dev/finalizer";

/** Flux's "reconcile now" annotation; a new value forces a reconcile even without a spec change. */
export const REQUESTED_AT_ANNOTATION = "reconcile.fluxcd.io/requestedAt";

export const PLURALS: Readonly<Record<ResourceKind, string>> = {
  BatchPool: "batchpools",
  BatchJob: "batchjobs",
  BatchAccount: "batchaccounts",
};

/** The kinds cluster mode watches: BatchAccounts too, so pools and jobs can name theirs (docs/accounts.md). */
export const RESOURCE_KINDS: readonly WatchedKind[] = ["BatchPool", "BatchJob", "BatchAccount"];
export type WatchedKind = ResourceKind;

/** The minimal object shape we rely on; the generated client returns untyped JSON for custom objects. */
export interface KubeObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  deletionTimestamp?: string | Date;
  creationTimestamp?: string | Date;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: KubeObjectMeta;
}

/** A BatchPool or BatchJob as stored by the API server. */
export interface CustomResource extends KubeObject {
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/** Collection path of a kind, cluster-wide or in one namespace. */
export function collectionPath(kind: ResourceKind, namespace?: string): string {
  const scope = namespace === undefined ? "" : `/namespaces/${encodeURIComponent(namespace)}`;
  return `/apis/${API_GROUP}/${API_VERSION}${scope}/${PLURALS[kind]}`;
}

export function keyOf(kind: ResourceKind, object: KubeObject): ResourceKey | undefined {
  const name = object.metadata?.name;
  const namespace = object.metadata?.namespace;
  if (name === undefined || namespace === undefined || name === "" || namespace === "") {
    return undefined;
  }
  return resourceKey(kind, namespace, name);
}

export function hasFinalizer(object: KubeObject): boolean {
  return object.metadata?.finalizers?.includes(FINALIZER) ?? false;
}

export function isBeingDeleted(object: KubeObject): boolean {
  const ts = object.metadata?.deletionTimestamp;
  return ts !== undefined && ts !== null && String(ts) !== "";
}
