/** What a marketplace image implies about the node agent SKU (Batch: the agent must match the OS). */
import type { MarketplaceImage } from "../model/index.js";

export interface OsIdentity {
  /** The node agent family: ubuntu, el, debian, windows. */
  readonly family: string;
  /** The OS version the agent names (e.g. "22.04", "8"), when the image tells. */
  readonly version?: string;
}

function ubuntuVersion(sku: string, offer: string): string | undefined {
  const match = /(\d{2})[-_.]?(04|10)/.exec(`${sku} ${offer}`);
  return match === null ? undefined : `${match[1]}.${match[2]}`;
}

function majorVersion(family: string, sku: string): OsIdentity {
  const major = /^(\d+)/.exec(sku)?.[1];
  return major === undefined ? { family } : { family, version: major };
}

/** Recognisers per OS family, tried in order; the first match names the image's OS. */
const OS_RECOGNISERS: readonly ((text: string, image: MarketplaceImage) => OsIdentity | undefined)[] = [
  (text) => (text.includes("windows") ? { family: "windows", version: "amd64" } : undefined),
  (text, image) => {
    if (!text.includes("ubuntu") && image.publisher.toLowerCase() !== "canonical") return undefined;
    const version = ubuntuVersion(image.sku.toLowerCase(), image.offer.toLowerCase());
    return version === undefined ? { family: "ubuntu" } : { family: "ubuntu", version };
  },
  (text, image) => (/alma|rocky|rhel|redhat/.test(text) ? majorVersion("el", image.sku) : undefined),
  (text, image) => (text.includes("debian") ? majorVersion("debian", image.sku) : undefined),
];

/** The OS of a marketplace image, inferred from publisher/offer/sku; undefined when unknown. */
export function imageOs(image: MarketplaceImage): OsIdentity | undefined {
  const text = `${image.publisher} ${image.offer} ${image.sku}`.toLowerCase();
  for (const recognise of OS_RECOGNISERS) {
    const os = recognise(text, image);
    if (os !== undefined) return os;
  }
  return undefined;
}

/** Parses `batch.node.ubuntu 22.04` into its family and version. */
export function parseNodeAgentSku(id: string): OsIdentity | undefined {
  const match = /^batch\.node\.([a-z]+)\s+(\S+)$/i.exec(id.trim());
  if (match?.[1] === undefined || match[2] === undefined) return undefined;
  return { family: match[1].toLowerCase(), version: match[2].toLowerCase() };
}

export function nodeAgentSkuFor(os: OsIdentity): string | undefined {
  return os.version === undefined ? undefined : `batch.node.${os.family} ${os.version}`;
}

/** Docker Hub images: no registry host in the first path segment (or docker.io itself). */
export function isDockerHubImage(imageName: string): boolean {
  const first = imageName.split("/")[0] ?? "";
  const hasHost = imageName.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  return !hasHost || /^(docker\.io|index\.docker\.io|registry-1\.docker\.io)$/.test(first);
}

export function isDockerHubServer(server: string): boolean {
  return /^(https?:\/\/)?(docker\.io|index\.docker\.io|registry-1\.docker\.io|registry\.hub\.docker\.com)(\/.*)?$/.test(server);
}
