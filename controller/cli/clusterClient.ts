/**
 * The cluster side of the resource commands, over @kubernetes/client-node (loaded only when a
 * cluster is named, as `run` does: it is large). Errors keep the API server's reason, never a body.
 */
import type { CoreV1Event, CustomObjectsApi, CoreV1Api } from "@kubernetes/client-node";
import type { ResourceKind } from "../runtime/ports.js";
import { API_GROUP, API_VERSION, PLURALS, REQUESTED_AT_ANNOTATION, RESOURCE_KINDS, type CustomResource } from "../kubernetes/resources.js";

export interface ClusterClient {
  list(kind: ResourceKind, namespace: string | undefined): Promise<CustomResource[]>;
  get(kind: ResourceKind, namespace: string, name: string): Promise<CustomResource | undefined>;
  /** JSON merge patch of the object (spec, annotations), as `kubectl patch --type merge`. */
  mergePatch(kind: ResourceKind, namespace: string, name: string, patch: object): Promise<void>;
  /** Events about BatchPools and BatchJobs, oldest first. */
  events(namespace: string | undefined): Promise<CoreV1Event[]>;
}

export async function connectCluster(options: { kubeconfig?: string; context?: string }): Promise<ClusterClient> {
  const k8s = await import("@kubernetes/client-node");
  const config = new k8s.KubeConfig();
  if (options.kubeconfig === undefined) config.loadFromDefault();
  else config.loadFromFile(options.kubeconfig);
  if (options.context !== undefined) config.setCurrentContext(options.context);
  const custom: CustomObjectsApi = config.makeApiClient(k8s.CustomObjectsApi);
  const core: CoreV1Api = config.makeApiClient(k8s.CoreV1Api);
  const common = (kind: ResourceKind) => ({ group: API_GROUP, version: API_VERSION, plural: PLURALS[kind] });
  return {
    async list(kind, namespace) {
      const list = (
        namespace === undefined
          ? await custom.listClusterCustomObject(common(kind))
          : await custom.listNamespacedCustomObject({ ...common(kind), namespace })
      ) as { items?: CustomResource[] };
      return list.items ?? [];
    },
    async get(kind, namespace, name) {
      try {
        return (await custom.getNamespacedCustomObject({ ...common(kind), namespace, name })) as CustomResource;
      } catch (error: unknown) {
        if (statusCode(error) === 404) return undefined;
        throw clusterError(`get ${kind} ${namespace}/${name}`, error);
      }
    },
    async mergePatch(kind, namespace, name, patch) {
      try {
        await custom.patchNamespacedCustomObject(
          { ...common(kind), namespace, name, body: patch },
          k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
        );
      } catch (error: unknown) {
        throw clusterError(`patch ${kind} ${namespace}/${name}`, error);
      }
    },
    async events(namespace) {
      const list = namespace === undefined ? await core.listEventForAllNamespaces() : await core.listNamespacedEvent({ namespace });
      const ours = list.items.filter((e) => RESOURCE_KINDS.some((k) => k === e.involvedObject.kind));
      return ours.sort((a, b) => eventTime(a) - eventTime(b));
    },
  };
}

export function eventTime(event: CoreV1Event): number {
  const at = event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata.creationTimestamp;
  return at === undefined ? 0 : new Date(at).getTime();
}

/** The annotation `flux reconcile` sets; the controller reconciles at once when its value changes. */
export function requestReconcilePatch(now: Date): object {
  return { metadata: { annotations: { [REQUESTED_AT_ANNOTATION]: now.toISOString() } } };
}

function statusCode(error: unknown): number | undefined {
  if (typeof error === "object" && error !== null && "code" in error && typeof error.code === "number") return error.code;
  return undefined;
}

function clusterError(what: string, error: unknown): Error {
  const code = statusCode(error);
  return new Error(
    `${what}: ${code === undefined ? (error instanceof Error ? error.message : String(error)) : `the API server answered ${code}`}`,
  );
}
