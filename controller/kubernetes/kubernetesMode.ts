/**
 * The `run --source kubernetes` entry: loads the client config, then runs the engine on the
 * cluster ports while this replica leads (every replica reconciles when leader election is off).
 * The run command passes what it already built (logger, Batch adapter, metrics, alerts); this
 * module adds only what is cluster-specific.
 */
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { KubeConfig } from "@kubernetes/client-node";
import type { ControllerFactory, ControllerOptions } from "../runtime/ports.js";
import type { KubernetesSourceConfig } from "../config/clusterConfig.js";
import { loadKubeConfig } from "./kubeConfig.js";
import { runCluster, type ClusterPorts } from "./clusterMode.js";
import type { AuthMode } from "../validation/index.js";
import { engineStopSignal } from "../runtime/stopSignal.js";

/** The engine options the run command provides; the cluster ports and the signal are added here. */
export type SharedControllerOptions = Omit<ControllerOptions, "source" | "status" | "events" | "secrets" | "finalizers" | "signal">;

export interface KubernetesModeOptions {
  readonly config: KubernetesSourceConfig;
  readonly logger: Logger;
  readonly controller: SharedControllerOptions;
  readonly createController: ControllerFactory;
  /** `POD_NAME` names this replica in the Lease and in Events. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Readiness for /readyz: true once this replica is campaigning, or leading with its caches loaded. */
  readonly onReadyChange?: (ready: boolean) => void;
  /** Batch authentication mode, for the Batch-aware validation rules. Default entra. */
  readonly authMode?: AuthMode;
  /** Tests pass a config for the test API server; default: from `config.kubeconfig` or in-cluster. */
  readonly kubeConfig?: KubeConfig;
  /** Tests shorten the server-side watch timeout. */
  readonly watchTimeoutSeconds?: number;
}

/** Resolves to the process exit code: 0 after a shutdown, 1 when leadership was lost (restart clean). */
export async function runKubernetesMode(options: KubernetesModeOptions, shutdown: AbortSignal): Promise<number> {
  const { config, logger } = options;
  const identity = `${options.env.POD_NAME ?? hostname()}_${randomUUID().slice(0, 8)}`;
  const kubeConfig = options.kubeConfig ?? loadKubeConfig(config.kubeconfig);
  logger.info(
    {
      server: kubeConfig.getCurrentCluster()?.server,
      namespace: config.namespace ?? "(all)",
      labelSelector: config.labelSelector,
      identity,
      leaderElection: config.leaderElection !== undefined,
    },
    "cluster mode",
  );
  options.onReadyChange?.(config.leaderElection !== undefined);
  const end = await runCluster(
    {
      kubeConfig,
      namespace: config.namespace,
      labelSelector: config.labelSelector,
      identity,
      logger,
      statusProgressIntervalMs: config.statusProgressIntervalMs,
      authMode: options.authMode,
      watchTimeoutSeconds: options.watchTimeoutSeconds,
      leaderElection: config.leaderElection,
      runController: (ports, signal) => runEngine(options, ports, signal),
    },
    shutdown,
  );
  return end === "lost" ? 1 : 0;
}

async function runEngine(options: KubernetesModeOptions, ports: ClusterPorts, signal: AbortSignal): Promise<void> {
  const source = ports.source;
  const controller = options.createController({
    ...options.controller,
    source: {
      start: async (onChange, startSignal) => {
        await source.start(onChange, startSignal);
        options.onReadyChange?.(true);
      },
      get: (key) => source.get(key),
      keys: () => source.keys(),
      problems: () => source.problems(),
    },
    status: ports.status,
    events: ports.events,
    secrets: ports.secrets,
    finalizers: ports.finalizers,
    signal: engineStopSignal(signal),
  });
  // The engine runs only while this replica leads (or always, without leader election).
  options.controller.metrics.leader?.(true);
  try {
    await controller.run();
  } finally {
    options.controller.metrics.leader?.(false);
  }
}
