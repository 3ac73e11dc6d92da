import { parseArgs } from "node:util";
import { isAbsolute, join, resolve } from "node:path";
import { parseDurationMs } from "./duration.js";
import { CLUSTER_RUN_OPTIONS, ClusterConfigError, parseClusterSource, type KubernetesSourceConfig } from "./clusterConfig.js";
import { Secret } from "./secret.js";

/** Where desired state comes from. The cluster flags are defined and parsed beside the cluster code. */
export type SourceConfig = { kind: "directory"; dir: string; git?: GitSourceConfig } | KubernetesSourceConfig;

export interface GitSourceConfig {
  url: string;
  branch: string;
  pollIntervalMs: number;
  /** Local clone the controller owns; the manifests are read from `dir` inside it. */
  checkoutDir: string;
}

export type BatchAuthConfig = { kind: "entra" } | { kind: "shared-key"; accountName: string; accountKey: Secret };

/**
 * One account's connection: the data-plane URL and credential, and (for pools only Resource
 * Manager can create: docs/arm-and-identity.md) the account's ARM id and endpoint. The flags give the
 * default account; each BatchAccount resource maps onto the same shape (controller/runtime/accountAdapter.ts).
 */
export interface RemoteBatchConfig {
  kind: "remote";
  url: string;
  auth: BatchAuthConfig;
  /** `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Batch/batchAccounts/{a}` (--arm-resource-id). */
  armResourceId?: string;
  /** Management endpoint (--arm-endpoint); default https://management.azure.com. */
  armEndpoint?: string;
}

/** `embedded` starts the local emulator in-process, so a fresh clone works without Azure. */
export type BatchConfig = { kind: "embedded" } | RemoteBatchConfig;

/** The Resource Manager part of an account's connection config. */
export type ArmSettings = Pick<RemoteBatchConfig, "armResourceId" | "armEndpoint">;

export type LogFormat = "json" | "pretty";
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface HttpAddress {
  host: string;
  port: number;
  /** Host names accepted in Host/Origin headers besides loopback ones (--allowed-hosts). */
  allowedHosts?: string[];
}

/** Everything `batch-gitops run` needs, parsed once from flags and environment. */
export interface RunConfig {
  source: SourceConfig;
  batch: BatchConfig;
  resyncIntervalMs: number;
  /** How soon a resource still moving in Batch (a resize, a job's tasks) is looked at again. */
  pollIntervalMs: number;
  concurrency: number;
  /** color: pretty logs in colour (a terminal, and neither NO_COLOR nor --no-color). */
  log: { format: LogFormat; level: LogLevel; color: boolean };
  /** undefined when `--http-addr off`. */
  http: HttpAddress | undefined;
  alertWebhookUrl: string | undefined;
  stateDir: string;
  once: boolean;
  /** --once: how long to keep reconciling resources that are not settled yet. */
  onceTimeoutMs: number;
  secretsDir: string | undefined;
  /** Written into the `batch-gitops/manager` metadata; must stay the same across restarts. */
  managerId: string;
  /** live: a table redrawn in place (logs go to a file in the state dir); plain: a line per change. */
  view: "live" | "plain" | "off";
}

/** A user error in flags or environment; the message says which flag and what is expected. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export interface ConfigContext {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Decides the default log format: pretty on a terminal, JSON otherwise. */
  stdoutIsTTY: boolean;
}

export const RUN_OPTIONS = {
  dir: { type: "string" },
  source: { type: "string" },
  "batch-url": { type: "string" },
  auth: { type: "string" },
  "resync-interval": { type: "string" },
  "poll-interval": { type: "string" },
  concurrency: { type: "string" },
  "log-format": { type: "string" },
  "log-level": { type: "string" },
  "http-addr": { type: "string" },
  "allowed-hosts": { type: "string" },
  "alert-webhook": { type: "string" },
  "state-dir": { type: "string" },
  once: { type: "boolean" },
  "once-timeout": { type: "string" },
  "secrets-dir": { type: "string" },
  "git-url": { type: "string" },
  "git-branch": { type: "string" },
  "git-poll-interval": { type: "string" },
  view: { type: "string" },
  "manager-id": { type: "string" },
  "arm-resource-id": { type: "string" },
  "arm-endpoint": { type: "string" },
  ...CLUSTER_RUN_OPTIONS,
} as const;

type RunFlags = ReturnType<typeof parseFlags>;

function parseFlags(args: string[]) {
  try {
    return parseArgs({ args, options: RUN_OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (err: unknown) {
    throw new ConfigError(err instanceof Error ? err.message : String(err));
  }
}

/** Parses `run` flags plus environment into a typed config; throws ConfigError on bad input. */
export function parseRunConfig(args: string[], ctx: ConfigContext): RunConfig {
  const flags = parseFlags(args);
  const stateDir = absolute(flags["state-dir"] ?? ".batch-gitops", ctx.cwd);
  return {
    source: parseSource(flags, ctx, stateDir),
    batch: parseBatch(flags, ctx.env),
    ...parseIntervals(flags),
    concurrency: positiveInt("--concurrency", flags.concurrency ?? "8"),
    log: parseLog(flags, ctx),
    http: withAllowedHosts(parseHttpAddress(flags["http-addr"] ?? "127.0.0.1:8080"), flags["allowed-hosts"]),
    alertWebhookUrl: optionalUrl("--alert-webhook", flags["alert-webhook"]),
    stateDir,
    once: flags.once ?? false,
    onceTimeoutMs: duration("--once-timeout", flags["once-timeout"] ?? "10m"),
    secretsDir: optionalPath(flags["secrets-dir"], ctx.cwd),
    managerId: parseManagerId(flags["manager-id"] ?? "batch-gitops"),
    view: parseView(flags.view ?? "auto", ctx.stdoutIsTTY && flags.once !== true),
  };
}

/**
 * The controller recognizes what it created by this id, also after a restart, so the default is
 * fixed; controllers sharing one Batch account must each get their own.
 */
function parseManagerId(text: string): string {
  if (!/^[A-Za-z0-9._/@-]{1,100}$/.test(text)) {
    throw new ConfigError(`--manager-id "${text}" must be 1-100 letters, digits or . _ / @ -`);
  }
  return text;
}

/** auto: the live table on a terminal (not with --once, whose output is for CI logs), else plain lines. */
function parseView(text: string, liveCapable: boolean): RunConfig["view"] {
  const view = oneOf("--view", text, ["auto", "live", "plain", "off"]);
  if (view === "auto") {
    return liveCapable ? "live" : "plain";
  }
  return view;
}

function parseLog(flags: RunFlags, ctx: ConfigContext): RunConfig["log"] {
  return {
    format: oneOf("--log-format", flags["log-format"] ?? (ctx.stdoutIsTTY ? "pretty" : "json"), ["json", "pretty"]),
    level: oneOf("--log-level", flags["log-level"] ?? ctx.env.LOG_LEVEL ?? "info", LOG_LEVELS),
    // https://no-color.org: any non-empty NO_COLOR turns colours off.
    color: ctx.stdoutIsTTY && (ctx.env.NO_COLOR ?? "") === "",
  };
}

function optionalPath(path: string | undefined, cwd: string): string | undefined {
  return path === undefined ? undefined : absolute(path, cwd);
}

function parseSource(flags: RunFlags, ctx: ConfigContext, stateDir: string): SourceConfig {
  const kind = oneOf("--source", flags.source ?? "directory", ["directory", "kubernetes"]);
  if (kind === "kubernetes") {
    try {
      return parseClusterSource(flags, ctx.env);
    } catch (err: unknown) {
      throw err instanceof ClusterConfigError ? new ConfigError(err.message) : err;
    }
  }
  const cwd = ctx.cwd;
  const gitUrl = flags["git-url"];
  if (gitUrl === undefined) {
    return { kind, dir: absolute(flags.dir ?? "manifests/examples", cwd) };
  }
  // In Git mode --dir is a path inside the repository, and the checkout lives in the state dir,
  // never in the user's working tree (the controller resets it hard on every poll).
  const checkoutDir = join(stateDir, "checkout");
  const git: GitSourceConfig = {
    url: gitUrl,
    branch: flags["git-branch"] ?? "main",
    pollIntervalMs: duration("--git-poll-interval", flags["git-poll-interval"] ?? "30s"),
    checkoutDir,
  };
  return { kind, dir: resolve(checkoutDir, flags.dir ?? "."), git };
}

function parseBatch(flags: RunFlags, env: ConfigContext["env"]): BatchConfig {
  const url = flags["batch-url"] ?? nonEmpty(env.BATCH_ACCOUNT_URL);
  if (url === undefined) {
    refuseArmWithoutUrl(flags);
    if (flags.auth !== undefined) {
      throw new ConfigError("--auth needs --batch-url or BATCH_ACCOUNT_URL (the embedded emulator uses its dev account)");
    }
    return { kind: "embedded" };
  }
  requireUrl("--batch-url", url);
  const accountKey = nonEmpty(env.BATCH_ACCOUNT_KEY);
  // Default to shared key only when a key is present; otherwise Entra ID (DefaultAzureCredential).
  const auth = oneOf("--auth", flags.auth ?? (accountKey === undefined ? "entra" : "shared-key"), ["entra", "shared-key"]);
  const arm = parseArmSettings(flags, env);
  if (auth === "entra") {
    return { kind: "remote", url, auth: { kind: "entra" }, ...arm };
  }
  const accountName = nonEmpty(env.BATCH_ACCOUNT_NAME);
  if (accountName === undefined || accountKey === undefined) {
    throw new ConfigError("--auth shared-key needs BATCH_ACCOUNT_NAME and BATCH_ACCOUNT_KEY in the environment");
  }
  return { kind: "remote", url, auth: { kind: "shared-key", accountName, accountKey: new Secret(accountKey) }, ...arm };
}

const ARM_RESOURCE_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Batch\/batchAccounts\/[^/]+$/i;

/** --arm-resource-id / BATCH_ARM_RESOURCE_ID and --arm-endpoint / BATCH_ARM_ENDPOINT. */
export function parseArmSettings(flags: { "arm-resource-id"?: string; "arm-endpoint"?: string }, env: ConfigContext["env"]): ArmSettings {
  const armResourceId = flags["arm-resource-id"] ?? nonEmpty(env.BATCH_ARM_RESOURCE_ID);
  const armEndpoint = flags["arm-endpoint"] ?? nonEmpty(env.BATCH_ARM_ENDPOINT);
  if (armResourceId !== undefined && !ARM_RESOURCE_ID.test(armResourceId)) {
    throw new ConfigError(
      `--arm-resource-id must be /subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.Batch/batchAccounts/{account}, got "${armResourceId}"`,
    );
  }
  if (armEndpoint === undefined) return armResourceId === undefined ? {} : { armResourceId };
  if (!URL.canParse(armEndpoint) || new URL(armEndpoint).protocol !== "https:") {
    throw new ConfigError(`--arm-endpoint must be an https URL (Azure SDKs send tokens only over TLS), got "${armEndpoint}"`);
  }
  if (armResourceId === undefined) throw new ConfigError("--arm-endpoint needs --arm-resource-id");
  return { armResourceId, armEndpoint };
}

function refuseArmWithoutUrl(flags: RunFlags): void {
  if (flags["arm-resource-id"] !== undefined || flags["arm-endpoint"] !== undefined) {
    throw new ConfigError("--arm-resource-id and --arm-endpoint need --batch-url (the embedded emulator serves its own Resource Manager)");
  }
}

/** "host:port", ":port" (loopback) or "off". Port 0 picks a free port (tests). */
export function parseHttpAddress(text: string): HttpAddress | undefined {
  if (text === "off") {
    return undefined;
  }
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (match === null || port > 65535) {
    throw new ConfigError(`--http-addr "${text}" is not host:port (e.g. 127.0.0.1:8080) or "off"`);
  }
  const host = match[1] ?? match[2] ?? "";
  return { host: host === "" ? "127.0.0.1" : host, port };
}

/** `--allowed-hosts a.example,b.example`: names the HTTP endpoints answer besides loopback ones. */
function withAllowedHosts(address: HttpAddress | undefined, text: string | undefined): HttpAddress | undefined {
  if (address === undefined || text === undefined) return address;
  const hosts = text
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== "");
  const bad = hosts.find((h) => !/^[a-z0-9.-]+$|^[0-9a-f:]+$/.test(h));
  if (bad !== undefined) throw new ConfigError(`--allowed-hosts "${bad}" is not a host name or address (no port, no scheme)`);
  return { ...address, allowedHosts: hosts };
}

function duration(flag: string, text: string): number {
  try {
    return parseDurationMs(text);
  } catch (err: unknown) {
    throw new ConfigError(`${flag}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function parseIntervals(flags: RunFlags): Pick<RunConfig, "resyncIntervalMs" | "pollIntervalMs"> {
  return {
    resyncIntervalMs: duration("--resync-interval", flags["resync-interval"] ?? "5m"),
    pollIntervalMs: positiveDuration("--poll-interval", flags["poll-interval"] ?? "5s"),
  };
}

/** An interval that must pass between two looks: 0 would poll Batch in a tight loop. */
function positiveDuration(flag: string, text: string): number {
  const ms = duration(flag, text);
  if (ms <= 0) throw new ConfigError(`${flag} must be longer than 0 (e.g. 500ms, 5s)`);
  return ms;
}

function positiveInt(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError(`${flag} must be a positive integer, got "${text}"`);
  }
  return value;
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined) {
    throw new ConfigError(`${flag} must be one of ${allowed.join(", ")}; got "${value}"`);
  }
  return found;
}

function optionalUrl(flag: string, value: string | undefined): string | undefined {
  if (value !== undefined) {
    requireUrl(flag, value);
  }
  return value;
}

function requireUrl(flag: string, value: string): void {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw new ConfigError(`${flag} must be an http(s) URL, got "${value}"`);
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function absolute(path: string, cwd: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}
