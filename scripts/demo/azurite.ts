/** Azurite's blob service (the devDependency, a version that runs on Node 20) as a child process, for the demo and tests. */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import {
  BlobServiceClient,
  ContainerSASPermissions,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
} from "@azure/storage-blob";

/** Azurite's well-known development account. */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface Azurite {
  readonly blobUrl: string;
  readonly service: BlobServiceClient;
  /** A container URL with a SAS (read, list, write, create), as Batch resource and output files take. */
  containerSasUrl(container: string): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface AzuriteOptions {
  /** Keep blobs in this directory (Azurite's --location); default: in memory. */
  location?: string;
  /** Default: a free port. */
  port?: number;
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  const port = options.port ?? (await freePort());
  const bin = fileURLToPath(new URL("../../node_modules/.bin/azurite-blob", import.meta.url));
  const storage = options.location === undefined ? ["--inMemoryPersistence"] : ["--location", options.location];
  const args = [
    "--blobHost",
    "127.0.0.1",
    "--blobPort",
    String(port),
    ...storage,
    "--disableTelemetry",
    "--skipApiVersionCheck",
    "--loose",
    "--silent",
  ];
  const child: ChildProcess = spawn(bin, args, { stdio: "ignore" });
  const blobUrl = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  const credential = new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY);
  const service = new BlobServiceClient(blobUrl, credential);
  for (let i = 0; ; i++) {
    try {
      await service.getProperties();
      break;
    } catch (error: unknown) {
      if (i > 300) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    blobUrl,
    service,
    containerSasUrl(container) {
      const sas = generateBlobSASQueryParameters(
        { containerName: container, permissions: ContainerSASPermissions.parse("racwl"), expiresOn: new Date(Date.now() + 3_600_000) },
        credential,
      ).toString();
      return `${blobUrl}/${container}?${sas}`;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
