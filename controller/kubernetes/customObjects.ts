/**
 * Typed access to BatchPool/BatchJob objects through client-node's CustomObjectsApi (which speaks
 * untyped JSON). Errors are rethrown as KubeApiError so no response body reaches a message.
 */
import type { CustomObjectsApi } from "@kubernetes/client-node";
import type { ResourceKind } from "../runtime/ports.js";
import { API_GROUP, API_VERSION, PLURALS, type CustomResource } from "./resources.js";
import { isNotFound, toKubeApiError } from "./errors.js";
import type { ListResult } from "./informer.js";

export interface ObjectName {
  readonly kind: ResourceKind;
  readonly namespace: string;
  readonly name: string;
}

export class CustomResourceClient {
  constructor(readonly api: CustomObjectsApi) {}

  /** The object, or undefined when it does not exist. */
  async get(ref: ObjectName): Promise<CustomResource | undefined> {
    try {
      return (await this.api.getNamespacedCustomObject(this.#params(ref))) as CustomResource;
    } catch (err: unknown) {
      if (isNotFound(err)) {
        return undefined;
      }
      throw toKubeApiError(`get ${ref.kind} ${ref.namespace}/${ref.name}`, err);
    }
  }

  /** JSON patch (RFC 6902) of the main resource; callers add a `test` of resourceVersion for optimistic locking. */
  async jsonPatch(ref: ObjectName, operations: object[]): Promise<CustomResource> {
    try {
      return (await this.api.patchNamespacedCustomObject({ ...this.#params(ref), body: operations })) as CustomResource;
    } catch (err: unknown) {
      throw toKubeApiError(`patch ${ref.kind} ${ref.namespace}/${ref.name}`, err);
    }
  }

  /** PUT of the status subresource; the body's resourceVersion makes a concurrent change a 409. */
  async replaceStatus(ref: ObjectName, body: CustomResource): Promise<CustomResource> {
    try {
      return (await this.api.replaceNamespacedCustomObjectStatus({ ...this.#params(ref), body })) as CustomResource;
    } catch (err: unknown) {
      throw toKubeApiError(`update status of ${ref.kind} ${ref.namespace}/${ref.name}`, err);
    }
  }

  /** Lists one kind, cluster-wide or in one namespace, for an informer. */
  async list(kind: ResourceKind, scope: { namespace?: string; labelSelector?: string }): Promise<ListResult<CustomResource>> {
    const common = { group: API_GROUP, version: API_VERSION, plural: PLURALS[kind], labelSelector: scope.labelSelector };
    try {
      const list = (
        scope.namespace === undefined
          ? await this.api.listClusterCustomObject(common)
          : await this.api.listNamespacedCustomObject({ ...common, namespace: scope.namespace })
      ) as {
        items?: CustomResource[];
        metadata?: { resourceVersion?: string };
      };
      return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? "" };
    } catch (err: unknown) {
      throw toKubeApiError(`list ${kind}`, err);
    }
  }

  #params(ref: ObjectName): { group: string; version: string; plural: string; namespace: string; name: string } {
    return { group: API_GROUP, version: API_VERSION, plural: PLURALS[ref.kind], namespace: ref.namespace, name: ref.name };
  }
}
