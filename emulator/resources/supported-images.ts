/** The images Account_ListSupportedImages returns, and the ones Pool_Add accepts. */
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

/**
 * The service's own listing (a recorded Account_ListSupportedImages answer of September 2022,
 * Azure/azure-batch-cli-extensions tests/recordings/test_batch_extensions_live.yaml) plus the images added
 * since that this project uses, sorted by publisher, offer and sku as the service sorts them. The end-of-life
 * dates are the service's, in its format; past ones still create pools here, as they did when recorded.
 */
export const supportedImages: readonly SupportedImage[] = [
  image("almalinux:8-hpc-gen1:8-hpc-gen1", "batch.node.el 8", { capabilities: ["SupportsInfiniband"] }),
  image("almalinux:8-hpc-gen2:8-hpc-gen2", "batch.node.el 8", { capabilities: ["SupportsInfiniband"] }),
  image("almalinux:almalinux:8_4", "batch.node.el 8", { verificationType: "unverified" }),
  image("almalinux:almalinux:8_4-gen2", "batch.node.el 8", { verificationType: "unverified", capabilities: ["Generation2VMImage"] }),
  image("almalinux:almalinux:8_5", "batch.node.el 8", { verificationType: "unverified" }),
  image("almalinux:almalinux:8_5-gen2", "batch.node.el 8", { verificationType: "unverified", capabilities: ["Generation2VMImage"] }),
  image("almalinux:almalinux-hpc:8_5-hpc", "batch.node.el 8", {
    verificationType: "unverified",
    capabilities: ["SupportsRDMAOnly", "IntelMPIRuntimeInstalled"],
  }),
  image("almalinux:almalinux-hpc:8_5-hpc-gen2", "batch.node.el 8", {
    verificationType: "unverified",
    capabilities: ["SupportsRDMAOnly", "IntelMPIRuntimeInstalled", "Generation2VMImage"],
  }),
  image("almalinux:almalinux-hpc:8_6-hpc-gen2", "batch.node.el 8", { capabilities: ["SupportsInfiniband"] }),
  image("almalinux:almalinux-hpc:8_7-hpc-gen2", "batch.node.el 8", { capabilities: ["SupportsInfiniband"] }),
  image("batch:rendering-centos73:rendering", "batch.node.centos 7"),
  image("batch:rendering-windows2016:rendering", "batch.node.windows amd64"),
  image("canonical:0001-com-ubuntu-server-focal:20_04-lts", "batch.node.ubuntu 20.04"),
  image("canonical:0001-com-ubuntu-server-focal:20_04-lts-gen2", "batch.node.ubuntu 20.04", { capabilities: ["Generation2VMImage"] }),
  image("canonical:0001-com-ubuntu-server-jammy:22_04-lts", "batch.node.ubuntu 22.04"),
  image("canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2", "batch.node.ubuntu 22.04", {
    verificationType: "unverified",
    capabilities: ["Generation2VMImage"],
  }),
  image("canonical:ubuntuserver:18.04-lts", "batch.node.ubuntu 18.04", { batchSupportEndOfLife: "2023-05-30T00:00:00Z" }),
  image("canonical:ubuntuserver:18_04-lts-gen2", "batch.node.ubuntu 18.04", {
    verificationType: "unverified",
    capabilities: ["Generation2VMImage"],
    batchSupportEndOfLife: "2023-05-30T00:00:00Z",
  }),
  image("debian:debian-10:10", "batch.node.debian 10", { batchSupportEndOfLife: "2022-09-30T00:00:00Z" }),
  image("debian:debian-11:11", "batch.node.debian 11"),
  image("microsoft-azure-batch:centos-container:7-8", "batch.node.centos 7", {
    capabilities: ["DockerCompatible", "NvidiaTeslaDriverInstalled", "NvidiaGridDriverInstalled"],
    batchSupportEndOfLife: "2024-06-30T00:00:00Z",
  }),
  image("microsoft-azure-batch:centos-container-rdma:7-8", "batch.node.centos 7", {
    capabilities: ["DockerCompatible", "NvidiaTeslaDriverInstalled", "SupportsRDMAOnly", "IntelMPIRuntimeInstalled"],
  }),
  image("microsoft-azure-batch:ubuntu-server-container:20-04-lts", "batch.node.ubuntu 20.04", {
    capabilities: ["DockerCompatible", "NvidiaTeslaDriverInstalled", "NvidiaGridDriverInstalled"],
    batchSupportEndOfLife: "2024-12-31T00:00:00Z",
  }),
  image("microsoft-azure-batch:ubuntu-server-container-rdma:20-04-lts", "batch.node.ubuntu 20.04", {
    capabilities: ["DockerCompatible", "NvidiaTeslaDriverInstalled", "SupportsRDMAOnly", "IntelMPIRuntimeInstalled"],
    batchSupportEndOfLife: "2024-12-31T00:00:00Z",
  }),
  image("microsoft-dsvm:dsvm-win-2019:winserver-2019", "batch.node.windows amd64", { verificationType: "unverified" }),
  image("microsoft-dsvm:ubuntu-1804:1804", "batch.node.ubuntu 18.04", {
    verificationType: "unverified",
    capabilities: ["NvidiaTeslaDriverInstalled"],
    batchSupportEndOfLife: "2023-05-30T00:00:00Z",
  }),
  image("microsoft-dsvm:ubuntu-hpc:1804", "batch.node.ubuntu 18.04", {
    verificationType: "unverified",
    capabilities: ["SupportsRDMAOnly", "Generation2VMImage", "IntelMPIRuntimeInstalled"],
    batchSupportEndOfLife: "2023-05-30T00:00:00Z",
  }),
  image("microsoft-dsvm:ubuntu-hpc:2004", "batch.node.ubuntu 20.04", {
    verificationType: "unverified",
    capabilities: ["DockerCompatible", "SupportsRDMAOnly", "Generation2VMImage", "IntelMPIRuntimeInstalled"],
  }),
  image("microsoft-dsvm:ubuntu-hpc:2204", "batch.node.ubuntu 22.04", {
    capabilities: ["DockerCompatible", "NvidiaTeslaDriverInstalled", "SupportsInfiniband"],
  }),
  image("microsoftwindowsserver:windowsserver:2008-r2-sp1", "batch.node.windows amd64", { verificationType: "unverified" }),
  image("microsoftwindowsserver:windowsserver:2008-r2-sp1-smalldisk", "batch.node.windows amd64", { verificationType: "unverified" }),
  image("microsoftwindowsserver:windowsserver:2012-datacenter", "batch.node.windows amd64"),
  image("microsoftwindowsserver:windowsserver:2012-datacenter-smalldisk", "batch.node.windows amd64"),
  image("microsoftwindowsserver:windowsserver:2012-r2-datacenter", "batch.node.windows amd64"),
  image("microsoftwindowsserver:windowsserver:2012-r2-datacenter-smalldisk", "batch.node.windows amd64"),
  image("microsoftwindowsserver:windowsserver:2016-datacenter", "batch.node.windows amd64"),
  image("microsoftwindowsserver:windowsserver:2016-datacenter-gensecond", "batch.node.windows amd64", {
    verificationType: "unverified",
    capabilities: ["Generation2VMImage"],
  }),
  image("microsoftwindowsserver:windowsserver:2016-datacenter-gs", "batch.node.windows amd64", { verificationType: "unverified" }),
  image("microsoftwindowsserver:windowsserver:2016-datacenter-smalldisk", "batch.node.windows amd64"),
  image("microsoftwindowsserver:windowsserver:2016-datacenter-smalldisk-g2", "batch.node.windows amd64", {
    verificationType: "unverified",
    capabilities: ["Generation2VMImage"],
  }),
  image("microsoftwindowsserver:windowsserver:2016-datacenter-with-containers", "batch.node.windows amd64", {
    capabilities: ["DockerCompatible"],
    batchSupportEndOfLife: "2022-09-30T00:00:00Z",
  }),
  image("microsoftwindowsserver:windowsserver:2016-datacenter-with-containers-gs", "batch.node.windows amd64", {
    verificationType: "unverified",
    capabilities: ["DockerCompatible"],
    batchSupportEndOfLife: "2022-09-30T00:00:00Z",
  }),
  image("microsoftwindowsserver:windowsserver:2019-datacenter", "batch.node.windows amd64"),
  image("microsoftwindowsserver:windowsserver:2019-datacenter-core", "batch.node.windows amd64"),
  image("microsoftwindowsserver:windowsserver:2019-datacenter-core-g2", "batch.node.windows amd64", {
    verificationType: "unverified",
    capabilities: ["Generation2VMImage"],
  }),
  image("microsoftwindowsserver:windowsserver:2019-datacenter-core-smalldisk", "batch.node.windows amd64"),
  image("microsoftwindowsserver:windowsserver:2019-datacenter-core-smalldisk-g2", "batch.node.windows amd64", {
    verificationType: "unverified",
    capabilities: ["Generation2VMImage"],
  }),
  image("microsoftwindowsserver:windowsserver:2019-datacenter-core-with-containers", "batch.node.windows amd64", {
    capabilities: ["DockerCompatible"],
    batchSupportEndOfLife: "2022-09-30T00:00:00Z",
  }),
  image("microsoftwindowsserver:windowsserver:2019-datacenter-core-with-containers-g2", "batch.node.windows amd64", {
    verificationType: "unverified",
    capabilities: ["DockerCompatible", "Generation2VMImage"],
    batchSupportEndOfLife: "2022-09-30T00:00:00Z",
  }),
  image("microsoftwindowsserver:windowsserver:2019-datacenter-core-with-containers-smalldisk", "batch.node.windows amd64", {
    capabilities: ["DockerCompatible"],
    batchSupportEndOfLife: "2022-09-30T00:00:00Z",
  }),
  image("microsoftwindowsserver:windowsserver:2019-datacenter-gensecond", "batch.node.windows amd64", {
    verificationType: "unverified",
    capabilities: ["Generation2VMImage"],
  }),
  image("microsoftwindowsserver:windowsserver:2019-datacenter-gs", "batch.node.windows amd64", { verificationType: "unverified" }),
  image("microsoftwindowsserver:windowsserver:2019-datacenter-smalldisk", "batch.node.windows amd64"),
  image("microsoftwindowsserver:windowsserver:2019-datacenter-smalldisk-g2", "batch.node.windows amd64", {
    verificationType: "unverified",
    capabilities: ["Generation2VMImage"],
  }),
  image("microsoftwindowsserver:windowsserver:2019-datacenter-with-containers", "batch.node.windows amd64", {
    capabilities: ["DockerCompatible"],
    batchSupportEndOfLife: "2022-09-30T00:00:00Z",
  }),
  image("microsoftwindowsserver:windowsserver:2019-datacenter-with-containers-g2", "batch.node.windows amd64", {
    verificationType: "unverified",
    capabilities: ["DockerCompatible", "Generation2VMImage"],
    batchSupportEndOfLife: "2022-09-30T00:00:00Z",
  }),
  image("microsoftwindowsserver:windowsserver:2019-datacenter-with-containers-gs", "batch.node.windows amd64", {
    verificationType: "unverified",
    capabilities: ["DockerCompatible"],
    batchSupportEndOfLife: "2022-09-30T00:00:00Z",
  }),
  image("microsoftwindowsserver:windowsserver:2019-datacenter-with-containers-smalldisk", "batch.node.windows amd64", {
    capabilities: ["DockerCompatible"],
    batchSupportEndOfLife: "2022-09-30T00:00:00Z",
  }),
  image("microsoftwindowsserver:windowsserver:2022-datacenter", "batch.node.windows amd64"),
  image("microsoftwindowsserver:windowsserver:2022-datacenter-core", "batch.node.windows amd64"),
  image("microsoftwindowsserver:windowsserver:2022-datacenter-core-g2", "batch.node.windows amd64", {
    verificationType: "unverified",
    capabilities: ["Generation2VMImage"],
  }),
  image("microsoftwindowsserver:windowsserver:2022-datacenter-core-smalldisk", "batch.node.windows amd64"),
  image("microsoftwindowsserver:windowsserver:2022-datacenter-core-smalldisk-g2", "batch.node.windows amd64", {
    verificationType: "unverified",
    capabilities: ["Generation2VMImage"],
  }),
  image("microsoftwindowsserver:windowsserver:2022-datacenter-g2", "batch.node.windows amd64", {
    verificationType: "unverified",
    capabilities: ["Generation2VMImage"],
  }),
  image("microsoftwindowsserver:windowsserver:2022-datacenter-smalldisk", "batch.node.windows amd64"),
  image("microsoftwindowsserver:windowsserver:2022-datacenter-smalldisk-g2", "batch.node.windows amd64", {
    verificationType: "unverified",
    capabilities: ["Generation2VMImage"],
  }),
  image("openlogic:centos:7_9", "batch.node.centos 7"),
  image("openlogic:centos:7_9-gen2", "batch.node.centos 7", { capabilities: ["Generation2VMImage"] }),
  image("openlogic:centos-hpc:7_9", "batch.node.centos 7", {
    verificationType: "unverified",
    capabilities: ["SupportsRDMAOnly", "IntelMPIRuntimeInstalled"],
  }),
  image("openlogic:centos-hpc:7_9-gen2", "batch.node.centos 7", {
    verificationType: "unverified",
    capabilities: ["SupportsRDMAOnly", "IntelMPIRuntimeInstalled", "Generation2VMImage"],
  }),
  image("oracle:oracle-linux:7.4", "batch.node.centos 7", { verificationType: "unverified" }),
  image("oracle:oracle-linux:78", "batch.node.centos 7", { verificationType: "unverified" }),
  image("oracle:oracle-linux:81", "batch.node.el 8", { verificationType: "unverified" }),
  image("xilinx:xilinx_alveo_u250_deployment_vm_centos78_032321:xilinx_alveo_u250_deployment_vm_centos78_032321", "batch.node.centos 7", {
    verificationType: "unverified",
  }),
  image(
    "xilinx:xilinx_alveo_u250_deployment_vm_ubuntu1804_032321:xilinx_alveo_u250_deployment_vm_ubuntu_1804_032321",
    "batch.node.ubuntu 18.04",
    { verificationType: "unverified", batchSupportEndOfLife: "2023-05-30T00:00:00Z" },
  ),
  image(
    "xilinx:xilinx_alveo_u250_deployment_vm_ubuntu2004_062421:xilinx_alveo_u250_deployment_vm_ubuntu_2004_062421",
    "batch.node.ubuntu 20.04",
    { verificationType: "unverified" },
  ),
];

/** The supported image with this publisher, offer and sku (compared case-insensitively, as the service does). */
export function findSupportedImage(ref: { publisher: string; offer: string; sku: string }): SupportedImage | undefined {
  const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
  return supportedImages.find((entry) => {
    const r = entry.imageReference;
    return same(r.publisher, ref.publisher) && same(r.offer, ref.offer) && same(r.sku, ref.sku);
  });
}
