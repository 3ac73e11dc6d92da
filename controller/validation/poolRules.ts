/** Rules on BatchPool specs from the Azure Batch documentation (seeds 000-004). */
import type { BatchPool } from "../model/index.js";
import { cidrsOverlap, DOCKER_DEFAULT_BRIDGE, parseCidr } from "./cidr.js";
import { imageOs, isDockerHubImage, isDockerHubServer, nodeAgentSkuFor, parseNodeAgentSku } from "./images.js";
import type { BatchRule, Finding } from "./rule.js";

/** Nodes a fixed-scale pool asks for; autoscale pools have no static figure. */
function fixedNodeCount(pool: BatchPool): number | undefined {
  const fixed = pool.spec.scale.fixed;
  if (fixed === undefined) return undefined;
  return (fixed.targetDedicatedNodes ?? 0) + (fixed.targetLowPriorityNodes ?? 0);
}

const LARGE_GALLERY_POOL = 300;

export const galleryImageNeedsEntra: BatchRule = {
  id: "gallery-image-needs-entra",
  severity: "error",
  summary: "pools from an Azure Compute Gallery image need Microsoft Entra ID auth; shared key is refused",
  checkPool: (pool, context) =>
    pool.spec.image.virtualMachineImageId !== undefined && context.authMode === "shared-key"
      ? [
          {
            path: "spec.image.virtualMachineImageId",
            message:
              "Batch refuses Compute Gallery images with shared-key authentication; run the controller with Microsoft Entra ID (--auth entra)",
          },
        ]
      : [],
};

export const nodeAgentSkuMismatch: BatchRule = {
  id: "node-agent-sku-mismatch",
  severity: "error",
  summary: "the node agent SKU must match the image's OS (ubuntu-hpc 2204 → batch.node.ubuntu 22.04)",
  checkPool: (pool) => {
    const marketplace = pool.spec.image.marketplace;
    const os = marketplace === undefined ? undefined : imageOs(marketplace);
    const agent = parseNodeAgentSku(pool.spec.nodeAgentSkuId);
    if (os === undefined || agent === undefined) return [];
    const sameFamily = os.family === agent.family;
    const sameVersion = os.version === undefined || os.version === agent.version;
    if (sameFamily && sameVersion) return [];
    const expected = nodeAgentSkuFor(os) ?? `batch.node.${os.family} <version>`;
    return [{ path: "spec.nodeAgentSkuId", message: `"${pool.spec.nodeAgentSkuId}" does not match the image's OS; use "${expected}"` }];
  },
};

export const galleryReplicasPer300Vms: BatchRule = {
  id: "gallery-replicas-per-300-vms",
  severity: "warning",
  summary: "large pools from a gallery image need one image replica per 300 VMs",
  checkPool: (pool) => {
    const nodes = fixedNodeCount(pool);
    if (pool.spec.image.virtualMachineImageId === undefined || nodes === undefined || nodes <= LARGE_GALLERY_POOL) return [];
    const replicas = Math.ceil(nodes / LARGE_GALLERY_POOL);
    return [
      {
        path: "spec.scale.fixed",
        message: `${nodes} nodes from a gallery image: keep at least ${replicas} replicas of the image version (one per 300 VMs), more for faster allocation`,
      },
    ];
  },
};

export const resizeTimeoutLargePool: BatchRule = {
  id: "resize-timeout-large-pool",
  severity: "warning",
  summary: "large gallery pools need resizeTimeoutSeconds of at least 15 minutes per 1,000 VMs",
  checkPool: (pool) => {
    const nodes = fixedNodeCount(pool);
    if (pool.spec.image.virtualMachineImageId === undefined || nodes === undefined || nodes <= LARGE_GALLERY_POOL) return [];
    const required = Math.ceil(nodes / 1000) * 900;
    const actual = pool.spec.scale.fixed?.resizeTimeoutSeconds ?? 900;
    if (actual >= required) return [];
    return [
      {
        path: "spec.scale.fixed.resizeTimeoutSeconds",
        message: `${nodes} nodes from a gallery image need a resize timeout of at least ${required}s (15 minutes per 1,000 VMs); it is ${actual}s`,
      },
    ];
  },
};

export const retiringImage: BatchRule = {
  id: "retiring-image",
  severity: "warning",
  summary: "images published by microsoft-azure-batch are being retired",
  checkPool: (pool) =>
    pool.spec.image.marketplace?.publisher.toLowerCase() === "microsoft-azure-batch"
      ? [
          {
            path: "spec.image.marketplace.publisher",
            message: "microsoft-azure-batch images are being retired; move to microsoft-dsvm ubuntu-hpc 2204 or almalinux 8-hpc",
          },
        ]
      : [],
};

export const dockerHubWithoutCredentials: BatchRule = {
  id: "dockerhub-without-credentials",
  severity: "warning",
  summary: "prefetching Docker Hub images without credentials hits Docker Hub's pull rate limits",
  checkPool: (pool) => {
    const config = pool.spec.containerConfiguration;
    if (config === undefined) return [];
    const hasHubLogin = (config.containerRegistries ?? []).some((r) => isDockerHubServer(r.registryServer));
    if (hasHubLogin) return [];
    return (config.containerImageNames ?? []).flatMap((image, i): Finding[] =>
      isDockerHubImage(image)
        ? [
            {
              path: `spec.containerConfiguration.containerImageNames[${i}]`,
              message: `"${image}" comes from Docker Hub without credentials and may hit pull rate limits; add Docker Hub credentials or use a registry in the pool's region`,
            },
          ]
        : [],
    );
  },
};

export const dockerBridgeOverlap: BatchRule = {
  id: "docker-bridge-overlap",
  severity: "warning",
  summary: "a container pool's subnet must not overlap Docker's default bridge 172.17.0.0/16",
  checkPool: (pool) => {
    const prefix = pool.spec.networkConfiguration?.subnetAddressPrefix;
    const subnet = prefix === undefined ? undefined : parseCidr(prefix);
    const bridge = parseCidr(DOCKER_DEFAULT_BRIDGE);
    if (pool.spec.containerConfiguration === undefined || subnet === undefined || bridge === undefined || !cidrsOverlap(subnet, bridge))
      return [];
    return [
      {
        path: "spec.networkConfiguration.subnetAddressPrefix",
        message: `subnet ${prefix ?? ""} overlaps Docker's default bridge ${DOCKER_DEFAULT_BRIDGE}; containers cannot reach those addresses, choose another address range`,
      },
    ];
  },
};
