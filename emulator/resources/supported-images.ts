/**
 * The images Account_ListSupportedImages returns: a realistic subset of what the service listed around
 * API 2022-10-01, including the microsoft-dsvm HPC images and the microsoft-azure-batch container images
 * that are being retired (they carry batchSupportEndOfLife).
 */
export interface SupportedImage {
  nodeAgentSKUId: string;
  imageReference: { publisher: string; offer: string; sku: string; version: string };
  verificationType: "verified" | "unverified";
  osType: "linux" | "windows";
  capabilities?: string[];
  batchSupportEndOfLife?: string;
}

/** `urn` is "publisher:offer:sku", as the Azure CLI writes image URNs. */
const image = (urn: string, nodeAgentSKUId: string, extra: Partial<SupportedImage> = {}): SupportedImage => {
  const [publisher = "", offer = "", sku = ""] = urn.split(":");
  return imageEntry({ publisher, offer, sku }, nodeAgentSKUId, extra);
};

const imageEntry = (
  ref: { publisher: string; offer: string; sku: string },
  nodeAgentSKUId: string,
  extra: Partial<SupportedImage>,
): SupportedImage => ({
  nodeAgentSKUId,
  imageReference: { ...ref, version: "latest" },
  verificationType: "verified",
  osType: nodeAgentSKUId.includes("windows") ? "windows" : "linux",
  ...extra,
});

const containerEndOfLife = "2024-12-31T00:00:00.0000000Z";

export const supportedImages: readonly SupportedImage[] = [
  image("canonical:0001-com-ubuntu-server-jammy:22_04-lts", "batch.node.ubuntu 22.04"),
  image("canonical:0001-com-ubuntu-server-focal:20_04-lts", "batch.node.ubuntu 20.04"),
  image("microsoft-dsvm:ubuntu-hpc:2204", "batch.node.ubuntu 22.04", {
    capabilities: ["DockerCompatible", "NvidiaTeslaDriverInstalled", "SupportsInfiniband"],
  }),
  image("microsoft-dsvm:ubuntu-hpc:2004", "batch.node.ubuntu 20.04", {
    capabilities: ["DockerCompatible", "NvidiaTeslaDriverInstalled", "SupportsInfiniband"],
  }),
  image("almalinux:8-hpc-gen1:8-hpc-gen1", "batch.node.el 8", { capabilities: ["SupportsInfiniband"] }),
  image("almalinux:8-hpc-gen2:8-hpc-gen2", "batch.node.el 8", { capabilities: ["SupportsInfiniband"] }),
  image("almalinux:almalinux-hpc:8_7-hpc-gen2", "batch.node.el 8", { capabilities: ["SupportsInfiniband"] }),
  image("almalinux:almalinux-hpc:8_6-hpc-gen2", "batch.node.el 8", { capabilities: ["SupportsInfiniband"] }),
  image("microsoft-azure-batch:ubuntu-server-container:20-04-lts", "batch.node.ubuntu 20.04", {
    capabilities: ["DockerCompatible", "NvidiaTeslaDriverInstalled"],
    batchSupportEndOfLife: containerEndOfLife,
  }),
  image("microsoft-azure-batch:ubuntu-server-container-rdma:20-04-lts", "batch.node.ubuntu 20.04", {
    capabilities: ["DockerCompatible", "NvidiaTeslaDriverInstalled", "SupportsRDMAOnly"],
    batchSupportEndOfLife: containerEndOfLife,
  }),
  image("microsoft-azure-batch:centos-container:7-8", "batch.node.centos 7", {
    capabilities: ["DockerCompatible"],
    batchSupportEndOfLife: "2024-06-30T00:00:00.0000000Z",
  }),
  image("debian:debian-11:11", "batch.node.debian 11"),
  image("microsoftwindowsserver:windowsserver:2022-datacenter", "batch.node.windows amd64"),
  image("microsoftwindowsserver:windowsserver:2019-datacenter-core", "batch.node.windows amd64"),
  image("microsoftwindowsserver:windowsserver:2016-datacenter", "batch.node.windows amd64", { verificationType: "unverified" }),
];

/** The supported image with this publisher, offer and sku (compared case-insensitively, as the service does). */
export function findSupportedImage(ref: { publisher: string; offer: string; sku: string }): SupportedImage | undefined {
  const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
  return supportedImages.find((entry) => {
    const r = entry.imageReference;
    return same(r.publisher, ref.publisher) && same(r.offer, ref.offer) && same(r.sku, ref.sku);
  });
}
