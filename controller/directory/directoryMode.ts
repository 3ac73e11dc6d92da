/**
 * Directory mode assembled (`run` with --dir or --git-url): the directory or Git source, the status
 * file, file secrets, the HTTP endpoints and the terminal view around the engine; `--once`
 * converges once and exits with the report's code.
 */
import { join, relative } from "node:path";
import type { Logger } from "pino";
import type { RunConfig } from "../config/runConfig.js";
import { accountConnector, armOf, authModeOf, connectBatch, connectedAdapter } from "../batch/connect.js";
import type { BatchAdapter } from "../batch/adapter.js";
import { createPrometheusMetrics, type PrometheusMetrics } from "../observability/metrics.js";
import { createWebhookAlerts } from "../observability/alertWebhook.js";
import { createLogAlerts, createLogEventRecorder } from "../observability/logReporters.js";
import { startHttpServer } from "../observability/httpServer.js";
import { createTerminalView, type TerminalView } from "../observability/terminalView.js";
import { createRunLogger, endpoints, reportFatal, stopAll, warnIfExposed, type RunIo, type Running } from "../observability/runServices.js";
import { describeError } from "../runtime/reconcileErrors.js";
import { onceExitCode } from "../runtime/runOnce.js";
import type { StatusDocument } from "../runtime/publicStatus.js";
import {
  isResourceKey,
  noFinalizers,
  type Controller,
  type ControllerFactory,
  type DesiredSource,
  type ResourceKey,
  type SecretResolver,
  type StatusWriter,
} from "../runtime/ports.js";
import { openFileStatusStore, type FileStatusStore } from "./statusStore.js";
import { createDirectorySource, type DirectorySource } from "./directorySource.js";
import { createLoaderParser } from "./loaderParser.js";
import { createGitPoller, type GitPoller } from "./gitPoller.js";
import { createEmulatorPlaceholderSecrets, createFileSecretResolver } from "./fileSecretResolver.js";
import { engineStopSignal } from "../runtime/stopSignal.js";

type DirectorySourceConfig = Extract<RunConfig["source"], { kind: "directory" }>;

interface DirectoryRun {
  config: RunConfig;
  source: DirectorySourceConfig;
  createController: ControllerFactory;
  signal: AbortSignal;
  running: Running;
  io: RunIo;
}

/** Resolves to the exit code: 0 after a shutdown (or --once converged), 1 or 2 on failure. */
export async function runDirectoryMode(
  config: RunConfig,
  createController: ControllerFactory,
  signal: AbortSignal,
  io: RunIo,
): Promise<number> {
  if (config.source.kind !== "directory") {
    return 2;
  }
  const logger = await createRunLogger(config);
  const running: Running = { logger };
  try {
    return await startAndWait({ config, source: config.source, createController, signal, running, io });
  } catch (err: unknown) {
    return reportFatal(err, logger, io);
  } finally {
    await stopAll(running);
  }
}

function checkStateDir(config: RunConfig, source: DirectorySourceConfig): void {
  const inside = relative(source.dir, config.stateDir);
  if (source.git === undefined && !inside.startsWith("..") && inside !== config.stateDir) {
    throw new Error(
      `--state-dir ${config.stateDir} is inside the manifests directory ${source.dir}; status must not live in the manifests checkout`,
    );
  }
}

/** The Batch adapter, reporting each call to the metrics. */
async function connectAdapter(run: DirectoryRun, metrics: PrometheusMetrics): Promise<BatchAdapter> {
  const connection = await connectBatch(run.config.batch, run.running.logger);
  run.running.emulator = connection.emulator;
  return connectedAdapter(connection, (operation, code, seconds) => metrics.batchCall(operation, code, seconds));
}

function directorySource(run: DirectoryRun, poller: GitPoller | undefined): DirectorySource {
  // Git mode rescans per commit and --once reads once: neither watches.
  const watching = poller === undefined && !run.config.once;
  return createDirectorySource({
    dir: run.source.dir,
    parse: createLoaderParser({ authMode: authModeOf(run.config.batch), arm: armOf(run.config.batch) }),
    logger: run.running.logger.child({ component: "source" }),
    watch: watching,
    rescanIntervalMs: watching ? run.config.resyncIntervalMs : undefined,
    currentRevision: poller?.revision,
  });
}

function secretResolver(config: RunConfig, logger: Logger): SecretResolver {
  if (config.secretsDir === undefined && config.batch.kind === "embedded") {
    return createEmulatorPlaceholderSecrets((ref) =>
      logger.warn({ secretName: ref.name }, "no --secrets-dir: secret references resolve to a placeholder (embedded emulator only)"),
    );
  }
  return createFileSecretResolver(config.secretsDir);
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
    // A removed file is already gone: nothing holds its deletion.
    finalizers: noFinalizers,
    logger,
    resyncIntervalMs: config.resyncIntervalMs,
    pollIntervalMs: config.pollIntervalMs,
    concurrency: config.concurrency,
    managerId: config.managerId,
    signal: engineStopSignal(stop.signal),
    // BatchAccount resources: one adapter each, its calls labelled with the account (docs/accounts.md).
    connectAccount: accountConnector((operation, code, seconds, account) => metrics.batchCall(operation, code, seconds, account)),
  });
  if (config.http !== undefined) {
    warnIfExposed(config.http, logger);
    const reconcile = (key: string): "accepted" | "unknown" => requestReconcile(controller, directory, key, logger);
    running.http = await startHttpServer(config.http, {
      ...endpoints(
        metrics,
        () => ready,
        () => liveDocument(store, directory),
      ),
      reconcile,
    });
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

async function startGit(source: DirectorySourceConfig, logger: Logger): Promise<GitPoller | undefined> {
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
    pruneHold: () => inner.pruneHold?.(),
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
  controller.reconcileRequested(key).catch((err: unknown) => logger.warn({ key, err: describeError(err) }, "requested reconcile failed"));
  return "accepted";
}

function liveDocument(store: FileStatusStore, source: DesiredSource): StatusDocument {
  return { ...store.document(), problems: source.problems() };
}
