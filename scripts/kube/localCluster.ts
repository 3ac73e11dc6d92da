/**
 * A local Kubernetes control plane for trying cluster mode and for the real-server tests: etcd and
 * kube-apiserver (built by scripts/kube-build.sh) on loopback, with certificates and service-account
 * keys made here by openssl, RBAC authorization, an audit log, and an admin kubeconfig.
 * There is no controller-manager, scheduler or kubelet: objects are stored and served, Pods never run,
 * namespaces are never finalized and owner references are never garbage-collected.
 */
import { execFileSync, spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BUILD_SCRIPT = join(REPO_ROOT, "scripts", "kube-build.sh");

export interface LocalClusterState {
  readonly dir: string;
  readonly serverUrl: string;
  readonly etcdUrl: string;
  readonly kubeconfig: string;
  readonly auditLog: string;
  readonly etcdPid: number;
  readonly apiServerPid: number;
}

export interface StartOptions {
  /** Where etcd data, certificates, logs, the audit log, state.json and kubeconfig go. */
  readonly dir: string;
  /** Directory holding `etcd` and `kube-apiserver`; default: scripts/kube-build.sh --print-dir. */
  readonly binDir?: string;
  /** Wait for /readyz at most this long (the first start on a busy machine takes a while). */
  readonly readyTimeoutMs?: number;
  /** Extra kube-apiserver flags (e.g. shorter watch cache for tests). */
  readonly apiServerArgs?: readonly string[];
}

/** The binaries' directory, built or not (`scripts/kube-build.sh --print-dir`). */
export function kubeBinDir(): string {
  return execFileSync("bash", [BUILD_SCRIPT, "--print-dir"], { encoding: "utf8" }).trim().split("\n").pop() ?? "";
}

export function kubeBinariesPresent(binDir: string): boolean {
  return existsSync(join(binDir, "kube-apiserver")) && existsSync(join(binDir, "etcd"));
}

export async function startLocalCluster(options: StartOptions): Promise<LocalClusterState> {
  const dir = resolve(options.dir);
  const binDir = options.binDir ?? kubeBinDir();
  if (!kubeBinariesPresent(binDir)) {
    throw new Error(`kube-apiserver and etcd are not in ${binDir}: run scripts/kube-build.sh (up to an hour the first time)`);
  }
  const previous = readState(dir);
  if (previous !== undefined && isRunning(previous.apiServerPid)) {
    throw new Error(`a cluster already runs from ${dir} (pid ${previous.apiServerPid}): npm run kube:down -- ${options.dir}`);
  }
  mkdirSync(join(dir, "logs"), { recursive: true });
  const pki = makePki(join(dir, "pki"));
  const [etcdClientPort, etcdPeerPort, apiPort] = await freePorts();
  const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
  const serverUrl = `https://127.0.0.1:${apiPort}`;
  const etcdPid = spawnDetached(join(binDir, "etcd"), etcdArgs(dir, etcdUrl, etcdPeerPort), join(dir, "logs", "etcd.log"));
  const auditLog = join(dir, "logs", "audit.log");
  const apiServerPid = spawnDetached(
    join(binDir, "kube-apiserver"),
    [...apiServerArgs({ dir, pki, etcdUrl, apiPort, auditLog }), ...(options.apiServerArgs ?? [])],
    join(dir, "logs", "kube-apiserver.log"),
  );
  const kubeconfig = join(dir, "kubeconfig");
  const state: LocalClusterState = { dir, serverUrl, etcdUrl, kubeconfig, auditLog, etcdPid, apiServerPid };
  writeFileSync(join(dir, "state.json"), `${JSON.stringify(state, null, 2)}\n`);
  writeFileSync(kubeconfig, renderKubeconfig(serverUrl, pki), { mode: 0o600 });
  try {
    await waitReady(serverUrl, pki, options.readyTimeoutMs ?? 180_000, [etcdPid, apiServerPid]);
  } catch (error) {
    await stopLocalCluster(dir);
    throw error;
  }
  return state;
}

/** Stops both process groups (SIGTERM, then SIGKILL after 10 s); keeps DIR for the next start. */
export async function stopLocalCluster(dirOption: string): Promise<boolean> {
  const state = readState(resolve(dirOption));
  if (state === undefined) {
    return false;
  }
  for (const pid of [state.apiServerPid, state.etcdPid]) {
    await stopGroup(pid, 10_000);
  }
  return true;
}

export function readState(dir: string): LocalClusterState | undefined {
  const file = join(dir, "state.json");
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as LocalClusterState) : undefined;
}

interface Pki {
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly adminCert: string;
  readonly adminKey: string;
  readonly saKey: string;
  readonly saPub: string;
}

/** Certificates and keys, made once per DIR and reused by later starts (kubeconfigs stay valid). */
function makePki(dir: string): Pki {
  const file = (name: string): string => join(dir, name);
  const pki: Pki = {
    caCert: file("ca.crt"),
    serverCert: file("apiserver.crt"),
    serverKey: file("apiserver.key"),
    adminCert: file("admin.crt"),
    adminKey: file("admin.key"),
    saKey: file("sa.key"),
    saPub: file("sa.pub"),
  };
  if (Object.values(pki).every((path) => existsSync(path))) {
    return pki;
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const openssl = (...args: string[]): void => void execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    file("ca.key"),
    "-out",
    pki.caCert,
    "-days",
    "3650",
    "-subj",
    "/CN=batch-gitops-local-ca",
  );
  const sign = (name: string, subject: string, extensions: string): void => {
    writeFileSync(file(`${name}.ext`), extensions);
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", file(`${name}.key`), "-out", file(`${name}.csr`), "-subj", subject);
    openssl(
      "x509",
      "-req",
      "-in",
      file(`${name}.csr`),
      "-CA",
      pki.caCert,
      "-CAkey",
      file("ca.key"),
      "-CAcreateserial",
      "-out",
      file(`${name}.crt`),
      "-days",
      "3650",
      "-extfile",
      file(`${name}.ext`),
    );
  };
  sign(
    "apiserver",
    "/CN=kube-apiserver",
    "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n",
  );
  // system:masters is the cluster-admin group that RBAC never restricts.
  sign("admin", "/O=system:masters/CN=batch-gitops-admin", "extendedKeyUsage=clientAuth\n");
  openssl("genrsa", "-out", pki.saKey, "2048");
  openssl("rsa", "-in", pki.saKey, "-pubout", "-out", pki.saPub);
  return pki;
}

function etcdArgs(dir: string, clientUrl: string, peerPort: number): string[] {
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  return [
    "--name",
    "local",
    "--data-dir",
    join(dir, "etcd"),
    "--listen-client-urls",
    clientUrl,
    "--advertise-client-urls",
    clientUrl,
    "--listen-peer-urls",
    peerUrl,
    "--initial-advertise-peer-urls",
    peerUrl,
    "--initial-cluster",
    `local=${peerUrl}`,
    // A throwaway store on a shared disk: durability is not worth the fsync latency here.
    "--unsafe-no-fsync",
    "--log-level",
    "warn",
  ];
}

interface ApiServerInputs {
  readonly dir: string;
  readonly pki: Pki;
  readonly etcdUrl: string;
  readonly apiPort: number;
  readonly auditLog: string;
}

function apiServerArgs({ dir, pki, etcdUrl, apiPort, auditLog }: ApiServerInputs): string[] {
  const auditPolicy = join(dir, "audit-policy.yaml");
  writeFileSync(auditPolicy, AUDIT_POLICY);
  return [
    "--etcd-servers",
    etcdUrl,
    "--bind-address",
    "127.0.0.1",
    "--advertise-address",
    "127.0.0.1",
    "--secure-port",
    String(apiPort),
    "--cert-dir",
    join(dir, "pki"),
    "--tls-cert-file",
    pki.serverCert,
    "--tls-private-key-file",
    pki.serverKey,
    "--client-ca-file",
    pki.caCert,
    "--authorization-mode",
    "RBAC",
    "--service-account-issuer",
    "https://kubernetes.default.svc.cluster.local",
    "--service-account-key-file",
    pki.saPub,
    "--service-account-signing-key-file",
    pki.saKey,
    // Only a range to allocate Service IPs from; nothing routes to it.
    "--service-cluster-ip-range",
    "10.96.0.0/16",
    "--audit-policy-file",
    auditPolicy,
    "--audit-log-path",
    auditLog,
    "--audit-log-format",
    "json",
    "--audit-log-maxsize",
    "200",
    "--profiling=false",
    "--v",
    "1",
  ];
}

/** Metadata of every request made by someone else than the control plane itself, once it completed. */
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: None
    users: ["system:apiserver"]
  - level: Metadata
`;

function spawnDetached(binary: string, args: readonly string[], logFile: string): number {
  const out = openSync(logFile, "a");
  // detached: a new process group, so kube:down (or a test teardown) stops it and only it.
  const child = spawn(binary, args, { detached: true, stdio: ["ignore", out, out] });
  closeSync(out);
  child.unref();
  if (child.pid === undefined) {
    throw new Error(`could not start ${binary}`);
  }
  return child.pid;
}

/** Three ports free on 127.0.0.1 right now (held together, so they differ). */
async function freePorts(): Promise<[number, number, number]> {
  const listen = (): Promise<ReturnType<typeof createServer>> =>
    new Promise((done) => {
      const server = createServer();
      server.listen(0, "127.0.0.1", () => done(server));
    });
  const servers = [await listen(), await listen(), await listen()] as const;
  const port = (i: 0 | 1 | 2): number => (servers[i].address() as { port: number }).port;
  const ports: [number, number, number] = [port(0), port(1), port(2)];
  await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
  return ports;
}

async function waitReady(serverUrl: string, pki: Pki, timeoutMs: number, pids: readonly number[]): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    const dead = pids.find((pid) => !isRunning(pid));
    if (dead !== undefined) {
      throw new Error(`process ${dead} exited before /readyz answered (see the logs/ folder)`);
    }
    last = await readyz(serverUrl, pki).catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
    if (last === "ok") {
      return;
    }
    await new Promise((done) => setTimeout(done, 500));
  }
  throw new Error(`kube-apiserver at ${serverUrl} not ready after ${timeoutMs} ms: ${last}`);
}

function readyz(serverUrl: string, pki: Pki): Promise<string> {
  return new Promise((done, fail) => {
    const req = request(
      `${serverUrl}/readyz`,
      {
        ca: readFileSync(pki.caCert),
        cert: readFileSync(pki.adminCert),
        key: readFileSync(pki.adminKey),
        timeout: 5_000,
      },
      (res) => {
        let body = "";
        res
          .setEncoding("utf8")
          .on("data", (chunk: string) => (body += chunk))
          .on("end", () => done(res.statusCode === 200 ? "ok" : `HTTP ${res.statusCode}: ${body.slice(0, 300)}`));
      },
    );
    req
      .on("timeout", () => req.destroy(new Error("timeout")))
      .on("error", fail)
      .end();
  });
}

function renderKubeconfig(serverUrl: string, pki: Pki): string {
  const b64 = (path: string): string => readFileSync(path).toString("base64");
  return `apiVersion: v1
kind: Config
clusters:
  - name: batch-gitops-local
    cluster:
      server: ${serverUrl}
      certificate-authority-data: ${b64(pki.caCert)}
users:
  - name: batch-gitops-admin
    user:
      client-certificate-data: ${b64(pki.adminCert)}
      client-key-data: ${b64(pki.adminKey)}
contexts:
  - name: batch-gitops-local
    context:
      cluster: batch-gitops-local
      user: batch-gitops-admin
current-context: batch-gitops-local
`;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopGroup(pid: number, graceMs: number): Promise<void> {
  if (!signalGroup(pid, "SIGTERM")) {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isRunning(pid) && Date.now() < deadline) {
    await new Promise((done) => setTimeout(done, 100));
  }
  signalGroup(pid, "SIGKILL");
}

function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}
