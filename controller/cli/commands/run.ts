/** `batch-gitops run`: wiring only — config → logger → Batch → source → controller → HTTP → view. */
import { mkdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { pino, type Logger } from "pino";
import type { CliContext, Command } from "../command.js";
import { usageFailure } from "../usage.js";
import { ConfigError, parseRunConfig, RUN_OPTIONS, type BatchConfig, type HttpAddress, type RunConfig } from "../../config/runConfig.js";
import { createRootLogger } from "../../observability/logger.js";
import { createPrometheusMetrics, type PrometheusMetrics } from "../../observability/metrics.js";
import { createWebhookAlerts, type WebhookAlerts } from "../../observability/alertWebhook.js";
import { createLogAlerts, createLogEventRecorder } from "../../observability/logReporters.js";
import { exposureWarning, startHttpServer, type RunningHttpServer } from "../../observability/httpServer.js";
import { createTerminalView, type TerminalView } from "../../observability/terminalView.js";
import { openFileStatusStore, type FileStatusStore } from "../../directory/statusStore.js";
import type { StatusDocument } from "../../runtime/publicStatus.js";
import { describeError } from "../../runtime/reconcileErrors.js";
import type { TokenCredential } from "@azure/identity";
import { isResourceKey, type Controller, type ControllerOptions, type DesiredSource, type OnceReport, type ResourceKey, type SecretResolver, type StatusWriter } from "../../runtime/ports.js";
import { createBatchAdapter } from "../../batch/batchAdapter.js";
import type { BatchAdapter } from "../../batch/adapter.js";
import { checkEntraCredential, entraCredentials, isCredentialError, sharedKeyCredentials } from "../../batch/credentials.js";
import { createDirectorySource, type DirectorySource } from "../../directory/directorySource.js";
import { createLoaderParser } from "../../directory/loaderParser.js";
import { createGitPoller, type GitPoller } from "../../directory/gitPoller.js";
import { createEmulatorPlaceholderSecrets, createFileSecretResolver } from "../../directory/fileSecretResolver.js";
import type { RunningEmulator } from "../../../emulator/index.js";

export type ControllerFactory = (options: ControllerOptions) => Controller;

const USAGE = `Usage: batch-gitops run [options]

Runs the controller: makes Azure Batch match the BatchPool/BatchJob manifests and keeps it so.
With no --batch-url it starts the local Batch emulator in-process (fast demo timing), so
\`npm start\` works on a fresh clone with no Azure account.

Source:
  --dir DIR                  manifests directory (default manifests/examples); in Git mode, the
                             path inside the repository (default the repository root)
  --git-url URL              poll this Git repository (git CLI) into <state-dir>/checkout
  --git-branch B             branch to follow (default main)
  --git-poll-interval D      how often to fetch (default 30s)
  --source directory|kubernetes
                             kubernetes: BatchPool/BatchJob objects in a cluster (see README, cluster)
  --secrets-dir DIR          directory-mode secrets: files <DIR>/<secretName>/<key>

Cluster (--source kubernetes):
  --kubeconfig FILE          kubeconfig to use (default: the in-cluster service account)
  --namespace NS             only BatchPools/BatchJobs (and Secrets) of this namespace (default all)
  --label-selector SEL       only objects matching SEL, e.g. shard=a (shard across deployments)
  --leader-elect             one active replica via a coordination.k8s.io Lease
  --lease-name N             default batch-gitops
  --lease-namespace NS       default $POD_NAMESPACE, else default
  --lease-duration D         default 15s (--renew-deadline 10s, --retry-period 2s)
  --status-progress-interval D
                             min time between progress-only status writes (default 10s)

Azure Batch:
  --batch-url URL            account URL (or BATCH_ACCOUNT_URL); absent: the embedded emulator
  --auth entra|shared-key    Microsoft Entra ID (DefaultAzureCredential) or a shared key from
                             BATCH_ACCOUNT_NAME / BATCH_ACCOUNT_KEY; default shared-key when
                             BATCH_ACCOUNT_KEY is set, else entra

Behaviour:
  --resync-interval D        full resync / drift check of every resource (default 5m)
  --concurrency N            resources reconciled in parallel (default 8)
  --once                     converge once and exit: resources not yet Ready (a job on a pool
                             being created) are reconciled again until Ready, Stalled or the
                             timeout. Exit 0: all Ready; 1: something is not Ready (invalid,
                             stalled, failed, or still reconciling at the timeout); 2: bad flags
                             or configuration (docs/status.md)
  --once-timeout D           how long --once keeps reconciling (default 10m)
  --state-dir DIR            status file, Git checkout, live-view log (default .batch-gitops)
  --manager-id ID            batch-gitops/manager metadata of what this controller creates
                             (default batch-gitops; give each controller of one account its own)

Observability:
  --http-addr HOST:PORT|off  /metrics, /healthz, /readyz, /status (default 127.0.0.1:8080);
                             a non-loopback address is logged as a warning
  --allowed-hosts H1,H2      Host names those endpoints answer besides loopback ones (and, on a
                             non-loopback address, IP addresses); others get 403 (DNS rebinding)
  --alert-webhook URL        post drift and stall alerts (Alertmanager JSON)
  --log-format json|pretty   default pretty on a terminal, json otherwise
  --log-level LEVEL          fatal|error|warn|info|debug|trace|silent (default info, or LOG_LEVEL)
  --view auto|live|plain|off live table on a terminal (logs then go to <state-dir>/controller.log),
                             plain lines on stderr otherwise

Durations: 500ms, 30s, 5m, 1h. Flags known to run: ${Object.keys(RUN_OPTIONS).length}.`;

interface RunIo {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** What run started, so shutdown can stop it in reverse order. */
interface Running {
  logger: Logger;
  emulator?: RunningEmulator;
  http?: RunningHttpServer;
  view?: TerminalView;
  webhook?: WebhookAlerts;
}

export function createRunCommand(createController: ControllerFactory): Command {
  return {
    name: "run",
    summary: "run the controller (directory or Git source; embedded Batch emulator by default)",
    usage: USAGE,
    run: (args, context?: CliContext) => runCommand(args, createController, { env: colorEnv(process.env, context), cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr }),
  };
}

/** --no-color reaches the run config as NO_COLOR, the one place colour is decided for run. */
function colorEnv(env: NodeJS.ProcessEnv, context: CliContext | undefined): Readonly<Record<string, string | undefined>> {
  return context?.color === false ? { ...env, NO_COLOR: "1" } : env;
}

async function runCommand(args: string[], createController: ControllerFactory, io: RunIo): Promise<number> {
  let config: RunConfig;
  try {
    config = parseRunConfig(args, { env: io.env, cwd: io.cwd, stdoutIsTTY: io.stdout.isTTY });
  } catch (err: unknown) {
    if (err instanceof ConfigError) {
      return usageFailure("run", err.message);
    }
    throw err;
  }
  const shutdown = new AbortController();
  const stopSignals = onStopSignals(shutdown, io);
  try {
    if (config.source.kind === "kubernetes") {
      return await runClusterMode(config, createController, shutdown.signal, io);
    }
    return await runDirectoryMode(config, createController, shutdown.signal, io);
  } finally {
    stopSignals();
  }
}

/** SIGINT/SIGTERM stop gracefully; a second one exits at once. */
function onStopSignals(shutdown: AbortController, io: RunIo): () => void {
  const handler = (signal: NodeJS.Signals): void => {
    if (shutdown.signal.aborted) {
      io.stderr.write(`\n${signal} again: exiting now\n`);
      process.exit(130);
    }
    io.stderr.write(`\n${signal}: stopping (finishing in-flight Batch calls; again to force)\n`);
    shutdown.abort();
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}

async function createLogger(config: RunConfig): Promise<Logger> {
  // Only directory mode draws the live table; cluster mode logs to stdout like any pod.
  if (config.view !== "live" || config.source.kind !== "directory") {
    return createRootLogger({ format: config.log.format, level: config.log.level, colorize: config.log.color });
  }
  // The live table owns the terminal; logs go to a file so they do not tear it.
  await mkdir(config.stateDir, { recursive: true });
  const destination = pino.destination({ dest: join(config.stateDir, "controller.log"), sync: false, mkdir: true });
  return createRootLogger({ format: config.log.format, level: config.log.level, destination, colorize: false });
}

async function connectBatch(batch: BatchConfig, logger: Logger, running: Running): Promise<{ url: string; credentials: Parameters<typeof createBatchAdapter>[0]["credentials"] }> {
  if (batch.kind === "embedded") {
    // Loaded only when embedded: against a real account the emulator's code is never imported.
    const { startEmulator, devAccount } = await import("../../../emulator/index.js");
    running.emulator = await startEmulator({ timingPreset: "fast" });
    logger.info({ url: running.emulator.url, account: devAccount.name }, "embedded Batch emulator started (no --batch-url given)");
    // Entra ID, as on a real account, so gallery-image examples work too; the emulator accepts
    // an unsigned token for the Batch audience.
    return { url: running.emulator.url, credentials: entraCredentials(emulatorTokenCredential()) };
  }
  if (batch.auth.kind === "shared-key") {
    logger.info({ url: batch.url, auth: "shared-key", account: batch.auth.accountName }, "using Azure Batch");
    return { url: batch.url, credentials: sharedKeyCredentials(batch.auth.accountName, batch.auth.accountKey.reveal()) };
  }
  logger.info({ url: batch.url, auth: "entra" }, "using Azure Batch");
  const { DefaultAzureCredential } = await import("@azure/identity");
  const credential = new DefaultAzureCredential();
  await checkEntraCredential(credential);
  return { url: batch.url, credentials: entraCredentials(credential) };
}

/** A local, unsigned Batch-audience token: only the embedded emulator accepts it. */
function emulatorTokenCredential(): TokenCredential {
  return {
    getToken: () => {
      const expiresOnTimestamp = Date.now() + 3_600_000;
      const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString("base64url");
      const claims = { aud: "https://batch.core.windows.net/", exp: Math.floor(expiresOnTimestamp / 1000), sub: "batch-gitops-embedded" };
      return Promise.resolve({ token: `${encode({ alg: "none", typ: "JWT" })}.${encode(claims)}.`, expiresOnTimestamp });
    },
  };
}

function secretResolver(config: RunConfig, logger: Logger): SecretResolver {
  if (config.secretsDir === undefined && config.batch.kind === "embedded") {
    return createEmulatorPlaceholderSecrets((ref) =>
      logger.warn({ secretName: ref.name }, "no --secrets-dir: secret references resolve to a placeholder (embedded emulator only)"),
    );
  }
  return createFileSecretResolver(config.secretsDir);
}

function authModeOf(batch: BatchConfig): "entra" | "shared-key" {
  return batch.kind === "remote" && batch.auth.kind === "shared-key" ? "shared-key" : "entra";
}

// --- cluster mode (owned by the cluster engineer): wiring of controller/kubernetes/kubernetesMode.ts ---
async function runClusterMode(config: RunConfig, createController: ControllerFactory, signal: AbortSignal, io: RunIo): Promise<number> {
  const source = config.source;
  if (source.kind !== "kubernetes") {
    return 2;
  }
  const logger = await createLogger(config);
  const running: Running = { logger };
  try {
    const metrics = createPrometheusMetrics();
    metrics.leader?.(false);
    const batch = await connectBatch(config.batch, logger, running);
    const adapter = createBatchAdapter({ accountUrl: batch.url, credentials: batch.credentials, onCall: (op, code, s) => metrics.batchCall(op, code, s) });
    running.webhook = config.alertWebhookUrl === undefined ? undefined : createWebhookAlerts({ url: config.alertWebhookUrl, logger, signal });
    let ready = false;
    if (config.http !== undefined) {
      // Status lives on the objects (kubectl get bpool,bjob); /status serves no file-store document here.
      const noDocument = (): StatusDocument => ({ version: 1, updatedAt: new Date().toISOString(), resources: [] });
      // Beyond loopback, /metrics and /status answer only callers the cluster authorizes (TokenReview + SubjectAccessReview).
      const { clusterEndpointAuthorizer } = await import("../../kubernetes/requestAuth.js");
      const { loadKubeConfig } = await import("../../kubernetes/kubeConfig.js");
      const authorize = clusterEndpointAuthorizer(config.http.host, loadKubeConfig(source.kubeconfig));
      if (authorize === undefined) warnIfExposed(config.http, logger);
      running.http = await startHttpServer(config.http, { ...endpoints(metrics, () => ready, noDocument), authorize });
    }
    const shared = { batch: adapter, metrics, alerts: createLogAlerts(logger, running.webhook), logger, resyncIntervalMs: config.resyncIntervalMs, concurrency: config.concurrency, managerId: config.managerId };
    // Loaded only in cluster mode: @kubernetes/client-node adds ~45 MB of RSS to a directory-mode controller (bench/rss.ts).
    const { runKubernetesMode } = await import("../../kubernetes/kubernetesMode.js");
    const authMode = authModeOf(config.batch);
    return await runKubernetesMode({ config: source, logger, env: io.env, createController, controller: shared, authMode, onReadyChange: (r) => (ready = r) }, signal);
  } catch (err: unknown) {
    return reportFatal(err, logger, io);
  } finally {
    await stopAll(running);
  }
}
// --- end cluster mode ---

/** A credential problem is configuration (exit 2, one line with what to set); anything else exits 1. */
function reportFatal(err: unknown, logger: Logger, io: RunIo): number {
  const message = err instanceof Error ? err.message : String(err);
  io.stderr.write(`batch-gitops run: ${message}\n`);
  if (isCredentialError(err)) {
    logger.fatal({ reason: err.code }, message);
    return 2;
  }
  logger.fatal({ err }, "controller failed");
  return 1;
}

async function runDirectoryMode(config: RunConfig, createController: ControllerFactory, signal: AbortSignal, io: RunIo): Promise<number> {
  if (config.source.kind !== "directory") {
    return 2;
  }
  const logger = await createLogger(config);
  const running: Running = { logger };
  try {
    return await startAndWait({ config, source: config.source, createController, signal, running, io });
  } catch (err: unknown) {
    return reportFatal(err, logger, io);
  } finally {
    await stopAll(running);
  }
}

interface DirectoryRun {
  config: RunConfig;
  source: Extract<RunConfig["source"], { kind: "directory" }>;
  createController: ControllerFactory;
  signal: AbortSignal;
  running: Running;
  io: RunIo;
}

function checkStateDir(config: RunConfig, source: DirectoryRun["source"]): void {
  const inside = relative(source.dir, config.stateDir);
  if (source.git === undefined && !inside.startsWith("..") && inside !== config.stateDir) {
    throw new Error(`--state-dir ${config.stateDir} is inside the manifests directory ${source.dir}; status must not live in the manifests checkout`);
  }
}

/** The Batch adapter, reporting each call to the metrics and remembering which operations ran. */
async function connectAdapter(run: DirectoryRun, metrics: PrometheusMetrics): Promise<BatchAdapter> {
  const batch = await connectBatch(run.config.batch, run.running.logger, run.running);
  return createBatchAdapter({
    accountUrl: batch.url,
    credentials: batch.credentials,
    onCall: (operation, code, seconds) => metrics.batchCall(operation, code, seconds),
  });
}

function directorySource(run: DirectoryRun, poller: GitPoller | undefined): DirectorySource {
  // Git mode rescans per commit and --once reads once: neither watches.
  const watching = poller === undefined && !run.config.once;
  return createDirectorySource({
    dir: run.source.dir,
    parse: createLoaderParser({ authMode: authModeOf(run.config.batch) }),
    logger: run.running.logger.child({ component: "source" }),
    watch: watching,
    rescanIntervalMs: watching ? run.config.resyncIntervalMs : undefined,
    currentRevision: poller?.revision,
  });
}

async function startAndWait(run: DirectoryRun): Promise<number> {
  const { config, running, signal } = run;
  const { logger } = running;
  checkStateDir(config, run.source);
  const metrics = createPrometheusMetrics();
  const adapter = await connectAdapter(run, metrics);
  const store = await openFileStatusStore({
    stateDir: config.stateDir,
    onError: (error) => logger.warn({ err: describeError(error) }, "could not write the status file; retrying with the next change"),
  });
  const poller = await startGit(run.source, logger);
  const directory = directorySource(run, poller);
  running.view = startView(config, store, run.io);
  let ready = false;
  running.webhook = config.alertWebhookUrl === undefined ? undefined : createWebhookAlerts({ url: config.alertWebhookUrl, logger, signal });
  const stop = new AbortController();
  signal.addEventListener("abort", () => stop.abort(), { once: true });
  const controller = run.createController({
    source: observeSource(directory, store, running.view, () => (ready = true)),
    batch: adapter,
    status: viewedStatusWriter(store, running.view),
    events: createLogEventRecorder(logger),
    metrics,
    alerts: createLogAlerts(logger, running.webhook),
    secrets: secretResolver(config, logger),
    logger,
    resyncIntervalMs: config.resyncIntervalMs,
    concurrency: config.concurrency,
    managerId: config.managerId,
    signal: stop.signal,
  });
  if (config.http !== undefined) {
    warnIfExposed(config.http, logger);
    const reconcile = (key: string): "accepted" | "unknown" => requestReconcile(controller, directory, key, logger);
    running.http = await startHttpServer(config.http, { ...endpoints(metrics, () => ready, () => liveDocument(store, directory)), reconcile });
    logger.info({ url: running.http.url }, "serving /metrics, /healthz, /readyz, /status");
  }
  // Directory mode has no election: the one process is the active reconciler.
  metrics.leader?.(true);
  if (config.once) {
    const report = await controller.runOnce({ timeoutMs: config.onceTimeoutMs });
    stop.abort();
    await store.flush();
    return onceExitCode(report, logger);
  }
  const runLoop = controller.run();
  if (poller !== undefined) {
    void poller.run(directory, stop.signal);
  }
  await runLoop;
  await store.flush();
  return 0;
}

async function startGit(source: Extract<RunConfig["source"], { kind: "directory" }>, logger: Logger): Promise<GitPoller | undefined> {
  if (source.git === undefined) {
    return undefined;
  }
  const poller = createGitPoller({ ...source.git, logger });
  await poller.initialSync();
  return poller;
}

function startView(config: RunConfig, store: FileStatusStore, io: RunIo): TerminalView | undefined {
  if (config.view === "off") {
    return undefined;
  }
  const footer = `logs: ${join(relative(io.cwd, config.stateDir) || ".", "controller.log")} · status: batch-gitops status · Ctrl-C to stop`;
  return createTerminalView({
    out: config.view === "live" ? io.stdout : io.stderr,
    mode: config.view,
    read: () => store.document(),
    footer,
  });
}

/** Passes the source through, keeping the status file's problem list and the view up to date. */
function observeSource(inner: DesiredSource, store: FileStatusStore, view: TerminalView | undefined, onStarted: () => void): DesiredSource {
  const refresh = (): void => {
    store.setProblems(inner.problems()).catch(() => undefined);
    view?.notify();
  };
  // One refresh per burst of changed keys: a scan that changes 10,000 keys copies the problem list once, not 10,000 times.
  let scheduled = false;
  const refreshSoon = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      refresh();
    });
  };
  return {
    async start(onChange: (key: ResourceKey) => void, signal: AbortSignal): Promise<void> {
      await inner.start((key) => {
        refreshSoon();
        onChange(key);
      }, signal);
      await store.retainOnly(inner.keys());
      refresh();
      onStarted();
    },
    get: (key) => inner.get(key),
    keys: () => inner.keys(),
    problems: () => inner.problems(),
    ...(inner.problemsFor === undefined ? {} : { problemsFor: (key: ResourceKey) => inner.problemsFor?.(key) ?? [] }),
  };
}

function viewedStatusWriter(store: FileStatusStore, view: TerminalView | undefined): StatusWriter {
  return {
    async write(key, status, meta): Promise<void> {
      await store.write(key, status, meta);
      view?.notify();
    },
    async remove(key): Promise<void> {
      await store.remove(key);
      view?.notify();
    },
  };
}

/** POST /reconcile (`batch-gitops reconcile` in directory mode): one immediate pass of a declared key. */
function requestReconcile(controller: Controller, source: DesiredSource, key: string, logger: Logger): "accepted" | "unknown" {
  if (!isResourceKey(key) || source.get(key) === undefined) return "unknown";
  logger.info({ key }, "reconcile requested over HTTP");
  controller.reconcileNow(key).catch((err: unknown) => logger.warn({ key, err: describeError(err) }, "requested reconcile failed"));
  return "accepted";
}

function warnIfExposed(address: HttpAddress, logger: Logger): void {
  const warning = exposureWarning(address);
  if (warning !== undefined) logger.warn({ httpAddr: `${address.host}:${address.port}` }, warning);
}

function liveDocument(store: FileStatusStore, source: DesiredSource): StatusDocument {
  return { ...store.document(), problems: source.problems() };
}

function endpoints(metrics: PrometheusMetrics, ready: () => boolean, status: () => StatusDocument) {
  return {
    metrics: async () => ({ contentType: metrics.contentType, body: await metrics.exposition() }),
    ready,
    status,
  };
}

/** --once: 0 when every resource is Ready and no manifest is invalid, else 1 (docs/status.md). */
function onceExitCode(report: OnceReport, logger: Logger): number {
  const notReady = report.resources.filter((r) => !r.ready).map((r) => `${r.key}: ${r.reason ?? "no status"}`);
  logger.info({ problems: report.problems.length, notReady, timedOut: report.timedOut }, "once: done");
  if (report.timedOut) logger.error({ notReady }, "once: --once-timeout reached with resources still reconciling");
  else if (!report.converged) logger.error({ notReady, problems: report.problems.length }, "once: not every resource is Ready");
  return report.converged ? 0 : 1;
}

async function stopAll(running: Running): Promise<void> {
  running.view?.stop();
  await running.http?.close();
  await running.webhook?.flush();
  await running.emulator?.close();
  running.logger.info("stopped");
  running.logger.flush();
}
