/** Shapes shared by the test API server's modules. Objects are plain JSON, as they travel on the wire. */

export type JsonObject = { [key: string]: unknown };

export interface ObjectMeta extends JsonObject {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
}

export interface KubeObject extends JsonObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
}

/** One field error, as it appears in a Status body's `details.causes`. */
export interface FieldCause {
  reason:
    | "FieldValueRequired"
    | "FieldValueInvalid"
    | "FieldValueNotSupported"
    | "FieldValueForbidden"
    | "FieldValueDuplicate"
    | "FieldValueTypeInvalid"
    | "FieldValueTooLong";
  field: string;
  message: string;
}

/** Verbs as the Kubernetes authorizer names them; the request log and error injection use them. */
export type Verb = "get" | "list" | "watch" | "create" | "update" | "patch" | "delete" | "deletecollection";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

/** What the server knows about one resource (a REST collection): how it is addressed and how it behaves. */
export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  /** Custom resources follow the CRD rules: generation tracking, object returned on delete, no strategic merge patch. */
  custom: boolean;
  hasStatusSubresource: boolean;
  /** Whether `metadata.generation` is maintained (CRs, and built-ins with a spec). */
  tracksGeneration: boolean;
  /** PUT without `metadata.resourceVersion` is allowed (false for CRs). */
  allowUnconditionalUpdate: boolean;
  /** PUT on a missing object creates it (true for Leases and Events). */
  allowCreateOnUpdate: boolean;
  /** Objects of several resources can share one storage (core/v1 and events.k8s.io/v1 Events). */
  storageKey: string;
  /** Field selectors beyond metadata.name / metadata.namespace. */
  extraFieldLabels: Record<string, (obj: KubeObject) => string | undefined>;
  /** Converts a request body into the stored form (e.g. Secret stringData → data, events.k8s.io → core Event). */
  toStorage(obj: KubeObject): KubeObject;
  /** Converts a stored object into this resource's version. */
  fromStorage(obj: KubeObject): KubeObject;
  /**
   * Prunes unknown fields and applies defaults in place (in this resource's version, before toStorage);
   * returns the paths of the pruned fields.
   */
  normalize(obj: KubeObject): string[];
  /** Validates the object (in this resource's version); `old` is the current object on update. */
  validate(obj: KubeObject, old: KubeObject | undefined): FieldCause[];
}

export const apiVersionOf = (type: Pick<ResourceType, "group" | "version">): string =>
  type.group === "" ? type.version : `${type.group}/${type.version}`;
