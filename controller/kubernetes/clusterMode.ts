/**
 * Cluster mode assembled: the Kubernetes implementations of the engine's ports (source, status
 * writer, events, secrets) for one leadership term, and the loop that runs the engine only while
 * this replica leads. Fresh ports per term: a replica that lost and regained the lease starts from
 * a fresh list, not from a cache that went stale while it was not leading.
 */
import type { Clock } from "../time/clock.js";
import type { Logger } from "pino";
import { CoordinationV1Api, CoreV1Api, CustomObjectsApi, Watch, type KubeConfig } from "@kubernetes/client-node";
import { KubernetesSource } from "./kubernetesSource.js";
import { deletionBlockedMessage, DELETION_BLOCKED_REASON, stuckDeletionMessage } from "./deletionOrder.js";
import { isBeingDeleted } from "./resources.js";
import { factsOfCrdStatus, factsOfStatus, transitionEvents, type StatusFacts } from "./transitionEvents.js";
import type { ResourceKey, ResourceStatus } from "../runtime/ports.js";
import { CustomResourceClient } from "./customObjects.js";
import { FinalizerManager, KubeFinalizers } from "./finalizers.js";
import { KubeStatusWriter } from "./statusWriter.js";
import { KubeEventRecorder } from "./eventRecorder.js";
import { KubeSecretResolver } from "./secretResolver.js";
import { SecretValues } from "./redaction.js";
import { LeaderElector, type LeaderElectionEnd } from "./leaderElection.js";
import type { LeaderElectionConfig } from "../config/clusterConfig.js";
import type { AuthMode } from "../validation/index.js";

export interface ClusterPortsOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace?: string;
  readonly labelSelector?: string;
  /** This replica, for Event reportingInstance. */
  readonly identity: string;
  readonly logger: Logger;
  readonly statusProgressIntervalMs?: number;
  /** Server-side watch timeout; watches are re-opened after it (default 5 minutes). */
  readonly watchTimeoutSeconds?: number;
  /** Batch authentication mode, for the Batch-aware validation rules. Default entra. */
  readonly authMode?: AuthMode;
  /** Secret values to scrub from events and status; shared with whatever else scrubs text. */
  readonly secretValues?: SecretValues;
  /** Time for informer backoff, status throttling and the lease. Default the system clock. */
  readonly clock?: Clock;
}

export interface ClusterPorts {
  readonly source: KubernetesSource;
  readonly status: KubeStatusWriter;
  readonly events: KubeEventRecorder;
  readonly secrets: KubeSecretResolver;
  readonly finalizers: KubeFinalizers;
  readonly secretValues: SecretValues;
  /** Writes what is still buffered (throttled status, events); call after the engine stopped. */
  flush(): Promise<void>;
}

export function createClusterPorts(options: ClusterPortsOptions): ClusterPorts {
  const { kubeConfig, namespace, labelSelector, logger } = options;
  const watch = new Watch(kubeConfig);
  const client = new CustomResourceClient(kubeConfig.makeApiClient(CustomObjectsApi));
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const finalizers = new KubeFinalizers(new FinalizerManager(client, logger), (key) => source.object(key), logger);
  const secretValues = options.secretValues ?? new SecretValues();
  const redact = (text: string): string => secretValues.redact(text);
  const watchTimeoutSeconds = options.watchTimeoutSeconds ?? 300;
  const { clock } = options;
  const secrets = new KubeSecretResolver({ api: core, watch, namespace, values: secretValues, logger, watchTimeoutSeconds, clock });
  // The recorder looks objects up in the source's cache; the source reports blocked deletions as events.
  const events = new KubeEventRecorder({
    api: core,
    component: "batch-gitops",
    instance: options.identity,
    logger,
    redact,
    clock,
    lookup: (key) => source.object(key),
  });
  const source = new KubernetesSource({
    client,
    watch,
    namespace,
    labelSelector,
    logger,
    watchTimeoutSeconds,
    clock,
    authMode: options.authMode,
    secretChanges: secrets,
    onDeletionBlocked: (key, jobs) => events.record(key, "Normal", DELETION_BLOCKED_REASON, deletionBlockedMessage(jobs)),
  });
  const status = new KubeStatusWriter({
    client,
    logger,
    redact,
    clock,
    lookup: (key) => source.object(key),
    adjust: (key, s) => reportFromStatus(key, source.adjustStatus(key, s)),
    progressIntervalMs: options.statusProgressIntervalMs,
  });
  const lastFacts = new Map<ResourceKey, StatusFacts>();
  /**
   * Events the status tells: a cleanup that fails (Batch refuses the delete...) becomes a Warning
   * (aggregated); a completed job and corrected drift are told once per transition.
   */
  const reportFromStatus = (key: ResourceKey, adjusted: ResourceStatus): ResourceStatus => {
    const object = source.object(key);
    const message = object !== undefined && isBeingDeleted(object) ? stuckDeletionMessage(adjusted) : undefined;
    if (message !== undefined) {
      events.record(key, "Warning", "DeletionFailed", message);
    }
    const previous = lastFacts.get(key) ?? factsOfCrdStatus(object?.status);
    for (const event of transitionEvents(previous, adjusted)) {
      events.record(key, event.type, event.reason, event.message);
    }
    lastFacts.set(key, factsOfStatus(adjusted));
    return adjusted;
  };
  return {
    source,
    status,
    events,
    secrets,
    finalizers,
    secretValues,
    flush: async () => {
      await status.flush();
      await events.flush();
    },
  };
}

export interface RunClusterOptions extends ClusterPortsOptions {
  /** Undefined: no election, this replica always leads (a single replica). */
  readonly leaderElection?: LeaderElectionConfig;
  /**
   * Runs the engine on the given ports until `signal` aborts (end of leadership or shutdown). The
   * run command passes a function that calls createController with its Batch adapter and metrics.
   */
  readonly runController: (ports: ClusterPorts, signal: AbortSignal) => Promise<void>;
  /** Readiness: true while this replica reconciles. */
  readonly onLeadingChange?: (leading: boolean) => void;
}

/**
 * Runs until `shutdown` aborts (SIGTERM: in-flight work finishes, buffers flush, the lease is
 * released) or leadership is lost (returns "lost"; the process should exit and restart clean,
 * as client-go controllers do).
 */
export async function runCluster(options: RunClusterOptions, shutdown: AbortSignal): Promise<LeaderElectionEnd> {
  const lead = async (signal: AbortSignal): Promise<void> => {
    options.onLeadingChange?.(true);
    const ports = createClusterPorts(options);
    try {
      await options.runController(ports, signal);
    } finally {
      await ports.flush();
      options.onLeadingChange?.(false);
    }
  };
  const election = options.leaderElection;
  if (election === undefined) {
    await lead(shutdown);
    return "shutdown";
  }
  const elector = new LeaderElector({
    api: options.kubeConfig.makeApiClient(CoordinationV1Api),
    namespace: election.leaseNamespace,
    leaseName: election.leaseName,
    identity: options.identity,
    leaseDurationMs: election.leaseDurationMs,
    renewDeadlineMs: election.renewDeadlineMs,
    retryPeriodMs: election.retryPeriodMs,
    logger: options.logger,
    clock: options.clock,
  });
  return elector.run(shutdown, {
    onStartedLeading: lead,
    onNewLeader: (holder) => options.logger.info({ leader: holder === "" ? "(none)" : holder }, "lease holder changed"),
  });
}
