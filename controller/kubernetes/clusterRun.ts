/**
 * `run --source kubernetes` around the engine: Batch, metrics, alerts and the HTTP endpoints, then
 * kubernetesMode.ts for the cluster ports and leadership. Everything from @kubernetes/client-node
 * is imported lazily, here and below: it adds ~45 MB of RSS a directory-mode controller must not
 * pay (bench/rss.ts), so this module stays light.
 */
import type { RunConfig } from "../config/runConfig.js";
import { accountConnector, authModeOf, connectBatch, connectedAdapter } from "../batch/connect.js";
import { createPrometheusMetrics } from "../observability/metrics.js";
import { createWebhookAlerts } from "../observability/alertWebhook.js";
import { createLogAlerts } from "../observability/logReporters.js";
import { startHttpServer } from "../observability/httpServer.js";
import { createRunLogger, endpoints, reportFatal, stopAll, warnIfExposed, type RunIo, type Running } from "../observability/runServices.js";
import type { StatusDocument } from "../runtime/publicStatus.js";
import type { ControllerFactory } from "../runtime/ports.js";

/** Resolves to the exit code: 0 after a shutdown, 1 when leadership was lost or on failure, 2 on configuration. */
export async function runClusterMode(
  config: RunConfig,
  createController: ControllerFactory,
  signal: AbortSignal,
  io: RunIo,
): Promise<number> {
  const source = config.source;
  if (source.kind !== "kubernetes") {
    return 2;
  }
  const logger = await createRunLogger(config);
  const running: Running = { logger };
  try {
    const metrics = createPrometheusMetrics();
    metrics.leader?.(false);
    const connection = await connectBatch(config.batch, logger);
    running.emulator = connection.emulator;
    const adapter = connectedAdapter(connection, (op, code, s) => metrics.batchCall(op, code, s));
    running.webhook =
      config.alertWebhookUrl === undefined ? undefined : createWebhookAlerts({ url: config.alertWebhookUrl, logger, signal });
    let ready = false;
    if (config.http !== undefined) {
      // Status lives on the objects (kubectl get bpool,bjob); /status serves no file-store document here.
      const noDocument = (): StatusDocument => ({ version: 1, updatedAt: new Date().toISOString(), resources: [], statusOn: "objects" });
      // Beyond loopback, /metrics and /status answer only callers the cluster authorizes (TokenReview + SubjectAccessReview).
      const { clusterEndpointAuthorizer } = await import("./requestAuth.js");
      const { loadKubeConfig } = await import("./kubeConfig.js");
      const authorize = clusterEndpointAuthorizer(config.http.host, loadKubeConfig(source.kubeconfig));
      if (authorize === undefined) warnIfExposed(config.http, logger);
      running.http = await startHttpServer(config.http, { ...endpoints(metrics, () => ready, noDocument), authorize });
    }
    const shared = {
      batch: adapter,
      metrics,
      alerts: createLogAlerts(logger, running.webhook),
      logger,
      resyncIntervalMs: config.resyncIntervalMs,
      pollIntervalMs: config.pollIntervalMs,
      concurrency: config.concurrency,
      managerId: config.managerId,
      // BatchAccount objects: one adapter each, its key from the watched Secrets (docs/accounts.md).
      connectAccount: accountConnector((operation, code, seconds, account) => metrics.batchCall(operation, code, seconds, account)),
    };
    const { runKubernetesMode } = await import("./kubernetesMode.js");
    const authMode = authModeOf(config.batch);
    return await runKubernetesMode(
      { config: source, logger, env: io.env, createController, controller: shared, authMode, onReadyChange: (r) => (ready = r) },
      signal,
    );
  } catch (err: unknown) {
    return reportFatal(err, logger, io);
  } finally {
    await stopAll(running);
  }
}
