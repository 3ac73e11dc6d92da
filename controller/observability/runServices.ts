/**
 * What both modes of `batch-gitops run` start around the engine (logger, HTTP endpoints, alert
 * webhook, the embedded emulator) and how they stop: in reverse order, logs flushed last.
 */
import { join } from "node:path";
import { pino, type Logger } from "pino";
import type { HttpAddress, RunConfig } from "../config/runConfig.js";
import { isCredentialError } from "../batch/credentials.js";
import type { RunningEmulator } from "../../emulator/index.js";
import type { StatusDocument } from "../runtime/publicStatus.js";
import { createRootLogger } from "./logger.js";
import { ensureDirectory } from "../config/ensureDirectory.js";
import { OperatorError } from "../config/operatorError.js";
import type { PrometheusMetrics } from "./metrics.js";
import type { WebhookAlerts } from "./alertWebhook.js";
import { exposureWarning, type RunningHttpServer } from "./httpServer.js";
import type { TerminalView } from "./terminalView.js";

/** The process's environment and streams, as `run` was given them. */
export interface RunIo {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** What run started, so shutdown can stop it in reverse order. */
export interface Running {
  logger: Logger;
  emulator?: RunningEmulator;
  http?: RunningHttpServer;
  view?: TerminalView;
  webhook?: WebhookAlerts;
}

export async function createRunLogger(config: RunConfig): Promise<Logger> {
  // Only directory mode draws the live table; cluster mode logs to stdout like any pod.
  if (config.view !== "live" || config.source.kind !== "directory") {
    return createRootLogger({ format: config.log.format, level: config.log.level, colorize: config.log.color });
  }
  // The live table owns the terminal; logs go to a file so they do not tear it.
  await ensureDirectory(config.stateDir, "--state-dir");
  const destination = pino.destination({ dest: join(config.stateDir, "controller.log"), sync: false, mkdir: true });
  return createRootLogger({ format: config.log.format, level: config.log.level, destination, colorize: false });
}

/** A credential problem is configuration (exit 2, one line with what to set); anything else exits 1. */
export function reportFatal(err: unknown, logger: Logger, io: RunIo): number {
  const message = err instanceof Error ? err.message : String(err);
  io.stderr.write(`batch-gitops run: ${message}\n`);
  if (isCredentialError(err)) {
    logger.fatal({ reason: err.code }, message);
    return 2;
  }
  // The operator's to fix, and said in full: no stack trace.
  if (err instanceof OperatorError) {
    logger.fatal({ reason: err.code }, message);
    return 1;
  }
  logger.fatal({ err }, "controller failed");
  return 1;
}

export function warnIfExposed(address: HttpAddress, logger: Logger): void {
  const warning = exposureWarning(address);
  if (warning !== undefined) logger.warn({ httpAddr: `${address.host}:${address.port}` }, warning);
}

export function endpoints(metrics: PrometheusMetrics, ready: () => boolean, status: () => StatusDocument) {
  return {
    metrics: async () => ({ contentType: metrics.contentType, body: await metrics.exposition() }),
    ready,
    status,
  };
}

export async function stopAll(running: Running): Promise<void> {
  running.view?.stop();
  await running.http?.close();
  await running.webhook?.flush();
  await running.emulator?.close();
  running.logger.info("stopped");
  running.logger.flush();
}
