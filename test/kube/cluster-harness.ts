/**
 * Shared fixtures of the cluster-mode tests: resource builders valid against crds/, API clients for
 * a test API server, and a polling wait (no timing assertions: only "eventually").
 */
import { CoordinationV1Api, CoreV1Api, CustomObjectsApi, Watch, type KubeConfig } from "@kubernetes/client-node";
import { API_GROUP, API_GROUP_VERSION, API_VERSION, PLURALS } from "../../controller/kubernetes/resources.js";
import type { CustomResource } from "../../controller/kubernetes/resources.js";
import type { ResourceKind } from "../../controller/runtime/ports.js";

export interface PoolOptions {
  readonly nodes?: number;
  readonly deletionPolicy?: "Delete" | "Orphan";
  readonly registrySecret?: { name: string; key: string };
  readonly suspend?: boolean;
  readonly sku?: string;
}

export function poolObject(name: string, namespace: string, options: PoolOptions = {}): CustomResource {
  const registries =
    options.registrySecret === undefined
      ? {}
      : {
          containerConfiguration: {
            type: "dockerCompatible",
            containerImageNames: ["myregistry.azurecr.io/app:1"],
            containerRegistries: [
              { registryServer: "myregistry.azurecr.io", username: "puller", passwordSecretRef: options.registrySecret },
            ],
          },
        };
  return {
    apiVersion: API_GROUP_VERSION,
    kind: "BatchPool",
    metadata: { name, namespace },
    spec: {
      vmSize: "standard_d2s_v3",
      image: { marketplace: { publisher: "microsoft-dsvm", offer: "ubuntu-hpc", sku: options.sku ?? "2204", version: "latest" } },
      nodeAgentSkuId: "batch.node.ubuntu 22.04",
      scale: { fixed: { targetDedicatedNodes: options.nodes ?? 1 } },
      ...registries,
      ...(options.deletionPolicy === undefined ? {} : { deletionPolicy: options.deletionPolicy }),
      ...(options.suspend === undefined ? {} : { suspend: options.suspend }),
    },
  };
}

/** A job on a BatchPool; `terminateJob` makes Batch complete it once every task finished. */
export function jobObject(
  name: string,
  namespace: string,
  poolName: string,
  taskCount = 2,
  options: { terminateJob?: boolean } = {},
): CustomResource {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: "BatchJob",
    metadata: { name, namespace },
    spec: {
      poolRef: { name: poolName },
      ...(options.terminateJob === true ? { onAllTasksComplete: "terminatejob" } : {}),
      tasks: Array.from({ length: taskCount }, (_, i) => ({ id: `t${i}`, commandLine: `/bin/sh -c "echo ${i}"` })),
    },
  };
}

/** A BatchAccount whose shared key is in Secret `secretName` (key `key`). */
export function accountObject(name: string, namespace: string, url: string, accountName: string, secretName: string): CustomResource {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: "BatchAccount",
    metadata: { name, namespace },
    spec: { url, accountName, auth: { sharedKey: { secretRef: { name: secretName, key: "key" } } } },
  };
}

export interface ClusterClients {
  readonly custom: CustomObjectsApi;
  readonly core: CoreV1Api;
  readonly coordination: CoordinationV1Api;
  readonly watch: Watch;
}

export function clients(kubeConfig: KubeConfig): ClusterClients {
  return {
    custom: kubeConfig.makeApiClient(CustomObjectsApi),
    core: kubeConfig.makeApiClient(CoreV1Api),
    coordination: kubeConfig.makeApiClient(CoordinationV1Api),
    watch: new Watch(kubeConfig),
  };
}

/** Creates an object of ours through the API (validated against the CRD like kubectl apply). */
export async function createResource(api: CustomObjectsApi, kind: ResourceKind, object: CustomResource): Promise<CustomResource> {
  const namespace = object.metadata?.namespace ?? "default";
  return (await api.createNamespacedCustomObject({
    group: API_GROUP,
    version: API_VERSION,
    namespace,
    plural: PLURALS[kind],
    body: object,
  })) as CustomResource;
}

export async function getResource(api: CustomObjectsApi, kind: ResourceKind, namespace: string, name: string): Promise<CustomResource> {
  return (await api.getNamespacedCustomObject({
    group: API_GROUP,
    version: API_VERSION,
    namespace,
    plural: PLURALS[kind],
    name,
  })) as CustomResource;
}

/** JSON merge patch of the main resource (spec, labels, annotations), as `kubectl patch --type merge`. */
export async function mergePatchResource(
  api: CustomObjectsApi,
  kind: ResourceKind,
  namespace: string,
  name: string,
  patch: object,
): Promise<CustomResource> {
  const { setHeaderOptions, PatchStrategy } = await import("@kubernetes/client-node");
  return (await api.patchNamespacedCustomObject(
    { group: API_GROUP, version: API_VERSION, namespace, plural: PLURALS[kind], name, body: patch },
    setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
  )) as CustomResource;
}

export async function deleteResource(api: CustomObjectsApi, kind: ResourceKind, namespace: string, name: string): Promise<void> {
  await api.deleteNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace, plural: PLURALS[kind], name });
}

/**
 * Polls until `predicate` holds; throws with `what` after timeoutMs. Only for "eventually" checks, never timing.
 * The default is under the test timeout (60 s), so a step that never comes is named in the failure.
 */
export async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Evaluates a kubectl printer-column JSONPath (the subset CRDs use: `.a.b`, `[n]`,
 * `[?(@.field=="value")]`) on an object, returning the matches.
 */
export function evalPrinterPath(path: string, object: unknown): unknown[] {
  const tokens = path.match(/\.[A-Za-z0-9_]+|\[\?\(@\.[A-Za-z0-9_]+=="[^"]*"\)\]|\[\d+\]/g) ?? [];
  if (tokens.join("") !== path) {
    throw new Error(`unsupported JSONPath ${path}`);
  }
  let current: unknown[] = [object];
  for (const token of tokens) {
    current = current.flatMap((value) => step(token, value));
  }
  return current;
}

function step(token: string, value: unknown): unknown[] {
  const filter = /^\[\?\(@\.([A-Za-z0-9_]+)=="([^"]*)"\)\]$/.exec(token);
  if (filter !== null) {
    return Array.isArray(value) ? value.filter((item) => (item as Record<string, unknown> | null)?.[filter[1] ?? ""] === filter[2]) : [];
  }
  const index = /^\[(\d+)\]$/.exec(token);
  if (index !== null) {
    return Array.isArray(value) && value[Number(index[1])] !== undefined ? [value[Number(index[1])]] : [];
  }
  const field = token.slice(1);
  const next = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[field] : undefined;
  return next === undefined ? [] : [next];
}
