import type { Command } from "../command.js";
import { ensureDirectory } from "../../config/ensureDirectory.js";
import { usageFailure } from "../usage.js";
import { readFile } from "node:fs/promises";
import { parse } from "yaml";
// The emulator itself (and its TLS certificate generator) is loaded when this command runs, not by every CLI start.
import { devAccount } from "../../../emulator/devAccount.js";
import type { Account } from "../../../emulator/http/authenticate.js";
import type { TimingPreset } from "../../../emulator/timing.js";
import type { ContainerEngineChoice } from "../../../emulator/execution/container-engine.js";

const usage = `Usage: batch-gitops emulator [--port 8089] [--account NAME --key BASE64KEY] [--timing fast|realistic] [--allowed-hosts H1,H2]
                           [--execute simulated|local] [--work-dir DIR] [--location DIR]
                           [--auto-storage CONNECTION_STRING] [--container-engine auto|none|docker|podman]
                           [--account NAME:BASE64KEY]... [--accounts-file FILE]
                           [--https | --cert PEM --key-file PEM] [--https-port 8443] [--cert-dir DIR]

Runs the local Azure Batch emulator (API 2022-10-01.16.0) on 127.0.0.1 until interrupted.
--execute local runs start tasks and tasks as processes on this machine (no isolation; see
emulator/README.md), each node a directory tree under --work-dir (default: a temp dir).
--location DIR keeps pools, jobs and tasks in DIR (crash-safe journal + snapshot) and loads them
again on the next start, like Azurite's --location; without it, state lives in memory.
--auto-storage links a storage account (a connection string; Azurite's works) to the account:
local tasks download autoStorageContainerName resource files from it. Also read from
BATCH_EMULATOR_AUTO_STORAGE, which keeps a real key out of the process list.
--container-engine: container tasks run in their image through docker or podman when
\`docker info\` / \`podman info\` work (auto, the default); otherwise (or with none) their
command line runs on the host, and their executionInfo and a log line say so.
Without --account/--key it serves the development account ${devAccount.name}.
Several accounts (--account NAME:KEY repeated, or --accounts-file with a YAML list of
{name, key}): each has its own pools, jobs and tasks and its own port, --port, --port+1, ...,
in the order given, as each real account has its own host (emulator/README.md).
The control API (faults, rate limits, counters, reset) is under /_emulator/.
Requests must name a loopback host (localhost, 127.0.0.1, [::1]); --allowed-hosts adds names.
Browser requests from other sites are refused (a web page cannot reset or fault the emulator).
--https also serves everything over HTTPS on --https-port, with a development certificate for
localhost/127.0.0.1 generated into --cert-dir (default ~/.cache/batch-gitops/emulator-tls); --cert and
--key-file give your own. Azure SDKs send bearer tokens (Resource Manager's pools under /subscriptions/)
only over HTTPS: trust the certificate with NODE_EXTRA_CA_CERTS (Node) or REQUESTS_CA_BUNDLE (Python).`;

interface TlsArgs {
  https: boolean;
  httpsPort: number;
  cert?: string;
  keyFile?: string;
  certDir?: string;
}

/** Takes the HTTPS flags out of `args`; the rest is parsed by parseArgs. */
function splitTlsArgs(args: string[]): { rest: string[]; tls: TlsArgs } | string {
  const tls: TlsArgs = { https: false, httpsPort: 8443 };
  const rest: string[] = [];
  const setters: Record<string, (value: string) => string | undefined> = {
    "--https-port": (v) => {
      const port = Number(v);
      if (!Number.isInteger(port) || port < 0 || port > 65535) return `invalid port ${v}`;
      tls.httpsPort = port;
      return undefined;
    },
    "--cert": (v) => void (tls.cert = v),
    "--key-file": (v) => void (tls.keyFile = v),
    "--cert-dir": (v) => void (tls.certDir = v),
  };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i] ?? "";
    const setter = setters[flag];
    if (flag === "--https") tls.https = true;
    else if (setter === undefined) rest.push(flag);
    else {
      const error = args[i + 1] === undefined ? `missing value for ${flag}` : setter(args[i + 1] ?? "");
      if (error !== undefined) return error;
      i++;
    }
  }
  if ((tls.cert === undefined) !== (tls.keyFile === undefined)) return "--cert and --key-file go together";
  return { rest, tls };
}

/** The certificate to serve HTTPS with: given files, a generated development one, or none. */
async function certificateOf(tls: TlsArgs): Promise<{ cert: string; key: string; certPath: string } | undefined> {
  if (tls.cert !== undefined && tls.keyFile !== undefined) {
    return { cert: await readFile(tls.cert, "utf8"), key: await readFile(tls.keyFile, "utf8"), certPath: tls.cert };
  }
  if (!tls.https) return undefined;
  const { devCertificate } = await import("../../../emulator/http/dev-cert.js");
  return devCertificate(tls.certDir);
}

interface EmulatorArgs {
  port: number;
  account?: string;
  key?: string;
  /** --account NAME:KEY (repeatable) and --accounts-file entries, in order. */
  accounts: Account[];
  accountsFile?: string;
  timing: TimingPreset;
  allowedHosts: string[];
  execute: "simulated" | "local";
  workDir?: string;
  location?: string;
  autoStorage?: string;
  containerEngine?: ContainerEngineChoice;
}

/** One flag's effect on the parsed arguments; a string is the usage error. */
type FlagHandler = (parsed: EmulatorArgs, value: string) => string | undefined;

const FLAGS: Record<string, FlagHandler> = {
  "--port": (parsed, value) => {
    const port = Number(value);
    if (!Number.isInteger(port) || port < 0 || port > 65535) return `invalid port ${value}`;
    parsed.port = port;
    return undefined;
  },
  "--allowed-hosts": (parsed, value) =>
    void parsed.allowedHosts.push(
      ...value
        .split(",")
        .map((h) => h.trim())
        .filter((h) => h !== ""),
    ),
  "--account": (parsed, value) => {
    if (value.includes(":")) parsed.accounts.push(namedAccount(value));
    else parsed.account = value;
    return undefined;
  },
  "--accounts-file": (parsed, value) => void (parsed.accountsFile = value),
  "--key": (parsed, value) => void (parsed.key = value),
  "--timing": (parsed, value) => {
    if (value !== "fast" && value !== "realistic") return `--timing is fast or realistic, not ${value}`;
    parsed.timing = value;
    return undefined;
  },
  "--execute": (parsed, value) => {
    if (value !== "simulated" && value !== "local") return `--execute is simulated or local, not ${value}`;
    parsed.execute = value;
    return undefined;
  },
  "--work-dir": (parsed, value) => void (parsed.workDir = value),
  "--location": (parsed, value) => void (parsed.location = value),
  "--auto-storage": (parsed, value) => void (parsed.autoStorage = value),
  "--container-engine": (parsed, value) => {
    if (!["auto", "none", "docker", "podman"].includes(value)) return `--container-engine is auto, none, docker or podman, not ${value}`;
    parsed.containerEngine = value as ContainerEngineChoice;
    return undefined;
  },
};

function parseArgs(args: string[]): EmulatorArgs | string {
  const fromEnvironment = process.env.BATCH_EMULATOR_AUTO_STORAGE;
  const parsed: EmulatorArgs = {
    port: 8089,
    timing: "fast",
    allowedHosts: [],
    execute: "simulated",
    accounts: [],
    ...(fromEnvironment ? { autoStorage: fromEnvironment } : {}),
  };
  for (let i = 0; i < args.length; i += 2) {
    const [flag = "", value] = [args[i], args[i + 1]];
    if (value === undefined) return `missing value for ${flag}`;
    const handler = FLAGS[flag];
    if (handler === undefined) return `unknown option ${flag}`;
    const error = handler(parsed, value);
    if (error !== undefined) return error;
  }
  return checkAccounts(parsed);
}

function checkAccounts(parsed: EmulatorArgs): EmulatorArgs | string {
  if ((parsed.account === undefined) !== (parsed.key === undefined)) return "--account and --key go together";
  if (parsed.key !== undefined && !isBase64Key(parsed.key)) return "--key must be base64 (as Azure shows account keys)";
  const bad = parsed.accounts.find((a) => a.name === "" || !isBase64Key(a.key));
  if (bad !== undefined) return `--account takes NAME:BASE64KEY, got "${bad.name}:..."`;
  return parsed;
}

function printState(location: string | undefined, tornBytes: number): void {
  if (location === undefined) return;
  console.log(`  state:   kept in ${location}${tornBytes > 0 ? ` (ignored a torn last journal record of ${tornBytes} bytes)` : ""}`);
}

function namedAccount(value: string): Account {
  const colon = value.indexOf(":");
  return { name: value.slice(0, colon), key: value.slice(colon + 1) };
}

/** Strict base64 (Buffer.from skips characters it does not know, so "not-a-key!" would decode to something). */
function isBase64Key(key: string): boolean {
  return key.length > 0 && key.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(key);
}

/** --accounts-file: a YAML (or JSON) list of {name, key}. */
async function readAccountsFile(path: string): Promise<Account[] | string> {
  let parsed: unknown;
  try {
    parsed = parse(await readFile(path, "utf8"));
  } catch (error: unknown) {
    return `--accounts-file ${path}: ${error instanceof Error ? error.message : String(error)}`;
  }
  const list = Array.isArray(parsed) ? (parsed as unknown[]) : [];
  const accounts = list.flatMap((entry) => {
    const { name, key } = (typeof entry === "object" && entry !== null ? entry : {}) as { name?: unknown; key?: unknown };
    return typeof name === "string" && typeof key === "string" && name !== "" && isBase64Key(key) ? [{ name, key }] : [];
  });
  if (accounts.length === 0 || accounts.length !== list.length)
    return `--accounts-file ${path}: expected a list of {name, key} with base64 keys`;
  return accounts;
}

/** The accounts to serve, in order: --account/--key, --account NAME:KEY, then the file; the dev account when none. */
async function accountsOf(parsed: EmulatorArgs): Promise<Account[] | string> {
  const fromFile = parsed.accountsFile === undefined ? [] : await readAccountsFile(parsed.accountsFile);
  if (typeof fromFile === "string") return fromFile;
  const single = parsed.account !== undefined && parsed.key !== undefined ? [{ name: parsed.account, key: parsed.key }] : [];
  const accounts = [...single, ...parsed.accounts, ...fromFile];
  const names = accounts.map((a) => a.name.toLowerCase());
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated !== undefined) return `account ${repeated} is given twice`;
  return accounts.length === 0 ? [devAccount] : accounts;
}

function httpsOptions(
  tls: { cert: string; key: string } | undefined,
  httpsPort: number,
): { tls?: { cert: string; key: string }; httpsPort?: number } {
  return tls === undefined ? {} : { tls: { cert: tls.cert, key: tls.key }, httpsPort };
}

function printTls(httpsUrl: string | undefined, certPath: string | undefined): void {
  if (httpsUrl === undefined || certPath === undefined) return;
  console.log(
    `  https:   ${httpsUrl} (every account; also Resource Manager pools: /subscriptions/*/resourceGroups/*/providers/Microsoft.Batch/batchAccounts/{account}/pools)`,
  );
  console.log(`  trust:   NODE_EXTRA_CA_CERTS=${certPath} (Node), REQUESTS_CA_BUNDLE=${certPath} (Python)`);
}

/** The options given only when set (startEmulator has its own defaults). */
function optionalOptions(parsed: EmulatorArgs): Pick<EmulatorArgs, "workDir" | "location" | "autoStorage" | "containerEngine"> {
  const { workDir, location, autoStorage, containerEngine } = parsed;
  return Object.fromEntries(Object.entries({ workDir, location, autoStorage, containerEngine }).filter(([, value]) => value !== undefined));
}

/** Made here, one level at a time: the emulator's own recursive mkdir never returns under /proc. */
async function ensureDirectories(parsed: EmulatorArgs): Promise<void> {
  if (parsed.location !== undefined) await ensureDirectory(parsed.location, "--location");
  if (parsed.workDir !== undefined) await ensureDirectory(parsed.workDir, "--work-dir");
}

export const emulatorCommand: Command = {
  name: "emulator",
  summary: "run the local Azure Batch emulator",
  usage,
  async run(args: string[]): Promise<number> {
    const split = splitTlsArgs(args);
    if (typeof split === "string") return usageFailure("emulator", split);
    const parsed = parseArgs(split.rest);
    if (typeof parsed === "string") {
      return usageFailure("emulator", parsed);
    }
    const accounts = await accountsOf(parsed);
    if (typeof accounts === "string") return usageFailure("emulator", accounts);
    await ensureDirectories(parsed);
    const tls = await certificateOf(split.tls);
    const { startEmulator } = await import("../../../emulator/index.js");
    const emulator = await startEmulator({
      ...httpsOptions(tls, split.tls.httpsPort),
      port: parsed.port,
      accounts,
      portPerAccount: accounts.length > 1,
      timingPreset: parsed.timing,
      allowedHosts: parsed.allowedHosts,
      execute: parsed.execute,
      ...optionalOptions(parsed),
    });
    // The key is printed on purpose: it is the emulator's own (development) key, needed to connect.
    console.log(`Azure Batch emulator listening on ${emulator.url}`);
    for (const account of accounts) {
      console.log(`  account: ${account.name}${accounts.length > 1 ? ` at ${emulator.accountUrls[account.name] ?? emulator.url}` : ""}`);
      console.log(`  key:     ${account.key}`);
    }
    console.log(`  timing:  ${parsed.timing}; control API: ${emulator.url}/_emulator/`);
    printTls(emulator.httpsUrl, tls?.certPath);
    printState(parsed.location, emulator.tornJournalBytes ?? 0);
    console.log(
      `  execute: ${parsed.execute}${emulator.workDir === undefined ? "" : ` (nodes under ${emulator.workDir}; processes run unisolated on this machine)`}`,
    );
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    await emulator.close();
    return 0;
  },
};
