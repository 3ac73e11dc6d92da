/**
 * A development TLS certificate for the emulator's HTTPS listener, generated on demand and cached, like
 * the certificates `dotnet dev-certs` or mkcert make: self-signed, valid for localhost, 127.0.0.1 and ::1.
 * Clients trust it explicitly (NODE_EXTRA_CA_CERTS for Node, REQUESTS_CA_BUNDLE for Python); it is a
 * development credential for a loopback-only server, never a secret worth protecting.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { homedir } from "node:os";
import { join } from "node:path";
import { generate } from "selfsigned";

export interface DevCertificate {
  readonly cert: string;
  readonly key: string;
  /** The PEM file to give clients as their extra CA (NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE). */
  readonly certPath: string;
  readonly keyPath: string;
}

/** Default cache: $XDG_CACHE_HOME/batch-gitops/emulator-tls (or ~/.cache/...). */
export function defaultCertDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const cache = env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== "" ? env.XDG_CACHE_HOME : join(homedir(), ".cache");
  return join(cache, "batch-gitops", "emulator-tls");
}

const renewBeforeMs = 7 * 24 * 3600_000;

/** The cached certificate in `dir`, or a new one (one year) when absent or expiring within a week. */
export async function devCertificate(dir: string = defaultCertDir()): Promise<DevCertificate> {
  const certPath = join(dir, "cert.pem");
  const keyPath = join(dir, "key.pem");
  const cached = await readPair(certPath, keyPath);
  if (cached !== undefined && usable(cached)) return { ...cached, certPath, keyPath };
  const now = Date.now();
  const pems = await generate([{ name: "commonName", value: "localhost" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate: new Date(now - 60_000),
    notAfterDate: new Date(now + 365 * 24 * 3600_000),
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", digitalSignature: true, keyCertSign: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" },
          { type: 7, ip: "::1" },
        ],
      },
    ],
  });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Written beside and renamed, so a concurrent reader never sees half a file. Two processes generating at
  // once may leave a mixed pair on disk; each serves its own pair from memory, and the next reader sees
  // the mismatch (usable) and generates again.
  const tmp = `.${process.pid}.tmp`;
  await writeFile(`${keyPath}${tmp}`, pems.private, { mode: 0o600 });
  await writeFile(`${certPath}${tmp}`, pems.cert, { mode: 0o644 });
  await rename(`${keyPath}${tmp}`, keyPath);
  await rename(`${certPath}${tmp}`, certPath);
  return { cert: pems.cert, key: pems.private, certPath, keyPath };
}

/** Valid for more than a week, and the key is the certificate's. */
function usable(pair: { cert: string; key: string }): boolean {
  try {
    const cert = new X509Certificate(pair.cert);
    return Date.parse(cert.validTo) - Date.now() > renewBeforeMs && cert.checkPrivateKey(createPrivateKey(pair.key));
  } catch {
    return false;
  }
}

async function readPair(certPath: string, keyPath: string): Promise<{ cert: string; key: string } | undefined> {
  try {
    return { cert: await readFile(certPath, "utf8"), key: await readFile(keyPath, "utf8") };
  } catch {
    return undefined;
  }
}
