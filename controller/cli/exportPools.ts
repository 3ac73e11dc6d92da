/**
 * `export`: BatchPool manifests that adopt the pools an account already runs (spec.adopt.poolId),
 * so `plan` on them says "no changes" and the controller takes them over with no Batch write.
 * Registry passwords, which Batch never returns, become secret references to fill in.
 */
import { stringify } from "yaml";
import type { ObservedPool } from "../core/observed.js";
import { OWNER_KEY } from "../core/ownership.js";
import { userMetadata } from "../core/ownership.js";
import { API_VERSION, NAME_MAX_LENGTH, POOL_KIND } from "../model/index.js";

export interface ExportedPool {
  name: string;
  /** The Batch pool id, for jobs' poolRef. */
  poolId: string;
  yaml: string;
}

export interface SkippedPool {
  id: string;
  why: string;
}

/** A resource name (RFC 1123 label, at most 55 characters) from a Batch id, which allows _ and capitals. */
export function resourceNameOf(id: string): string {
  const name = id
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, NAME_MAX_LENGTH)
    .replace(/-+$/, "");
  return name === "" ? "pool" : name;
}

type Json = Record<string, unknown>;

function image(reference: Json): Json {
  if (typeof reference.virtualMachineImageId === "string") return { virtualMachineImageId: reference.virtualMachineImageId };
  const { publisher, offer, sku, version } = reference;
  return { marketplace: { publisher, offer, sku, ...(version === undefined ? {} : { version }) } };
}

function containerConfiguration(config: Json | undefined, name: string): Json | undefined {
  if (config === undefined) return undefined;
  const registries = (config.containerRegistries as Json[] | undefined)?.map((r) => ({
    registryServer: r.registryServer,
    ...(r.userName === undefined ? {} : { username: r.userName, passwordSecretRef: { name: `${name}-registry`, key: "password" } }),
    ...((r.identityReference as Json | undefined)?.resourceId === undefined
      ? {}
      : { identityResourceId: (r.identityReference as Json).resourceId }),
  }));
  return {
    type: config.type,
    ...(config.containerImageNames === undefined ? {} : { containerImageNames: config.containerImageNames }),
    ...(registries === undefined ? {} : { containerRegistries: registries }),
  };
}

function scale(pool: ObservedPool): Json {
  if (pool.enableAutoScale) {
    return {
      autoscale: {
        formula: pool.autoScaleFormula ?? "",
        ...(pool.autoScaleEvaluationIntervalSeconds === undefined
          ? {}
          : { evaluationIntervalSeconds: pool.autoScaleEvaluationIntervalSeconds }),
      },
    };
  }
  return {
    fixed: {
      targetDedicatedNodes: pool.targetDedicatedNodes,
      ...(pool.targetLowPriorityNodes > 0 ? { targetLowPriorityNodes: pool.targetLowPriorityNodes } : {}),
    },
  };
}

/** Why a pool cannot be exported faithfully, or undefined. */
function skipReason(pool: ObservedPool): string | undefined {
  if (pool.metadata[OWNER_KEY] !== undefined) return `already managed by batch-gitops (${pool.metadata[OWNER_KEY]})`;
  if (pool.state !== "active") return `state ${pool.state}`;
  if (pool.virtualMachineConfiguration === undefined) return "no virtualMachineConfiguration (cloud service pools are not supported)";
  if (pool.startTask !== undefined) return "has a start task, which export does not translate yet: write its manifest by hand";
  return undefined;
}

export function exportPools(pools: readonly ObservedPool[], namespace: string): { exported: ExportedPool[]; skipped: SkippedPool[] } {
  const exported: ExportedPool[] = [];
  const skipped: SkippedPool[] = [];
  for (const pool of pools) {
    const why = skipReason(pool);
    if (why !== undefined) {
      skipped.push({ id: pool.id, why });
      continue;
    }
    const name = resourceNameOf(pool.id);
    const vmc = pool.virtualMachineConfiguration as Json;
    const metadata = Object.entries(userMetadata(pool.metadata)).map(([n, value]) => ({ name: n, value }));
    const spec: Json = {
      vmSize: pool.vmSize.toLowerCase(),
      image: image(vmc.imageReference as Json),
      nodeAgentSkuId: vmc.nodeAgentSKUId,
      ...(vmc.containerConfiguration === undefined
        ? {}
        : { containerConfiguration: containerConfiguration(vmc.containerConfiguration as Json, name) }),
      ...(pool.taskSlotsPerNode === undefined || pool.taskSlotsPerNode === 1 ? {} : { taskSlotsPerNode: pool.taskSlotsPerNode }),
      scale: scale(pool),
      ...(metadata.length === 0 ? {} : { metadata }),
      // Removing this manifest must not delete a pool someone else created.
      deletionPolicy: "Orphan",
      adopt: { poolId: pool.id },
    };
    const resource = { apiVersion: API_VERSION, kind: POOL_KIND, metadata: { name, namespace }, spec };
    const header = `# Exported by batch-gitops export from Batch pool ${pool.id}; adopted, never deleted by the controller.\n`;
    exported.push({ name, poolId: pool.id, yaml: header + stringify(resource, { lineWidth: 0 }) });
  }
  return { exported, skipped };
}
