/**
 * Flags of `batch-gitops run --source kubernetes`, parsed into a typed config. Kept here, beside
 * the code that uses them; controller/config/runConfig.ts spreads CLUSTER_RUN_OPTIONS into its
 * options and delegates to parseClusterSource.
 */
import { labelSelectorProblem } from "../model/labelSelector.js";
import { parseDurationMs } from "./duration.js";

export const CLUSTER_RUN_OPTIONS = {
  kubeconfig: { type: "string" },
  namespace: { type: "string" },
  "label-selector": { type: "string" },
  "leader-elect": { type: "boolean" },
  "lease-name": { type: "string" },
  "lease-namespace": { type: "string" },
  "lease-duration": { type: "string" },
  "renew-deadline": { type: "string" },
  "retry-period": { type: "string" },
  "status-progress-interval": { type: "string" },
} as const;

export interface LeaderElectionConfig {
  readonly leaseName: string;
  readonly leaseNamespace: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}

export interface KubernetesSourceConfig {
  readonly kind: "kubernetes";
  /** A kubeconfig file; the in-cluster service account when undefined. */
  readonly kubeconfig?: string;
  /** Watch one namespace only; all namespaces when undefined. */
  readonly namespace?: string;
  /** Reconcile only objects matching this label selector (sharding). */
  readonly labelSelector?: string;
  /** Undefined when leader election is off (a single replica). */
  readonly leaderElection?: LeaderElectionConfig;
  /** Minimum interval between progress-only status writes of one resource. */
  readonly statusProgressIntervalMs: number;
}

export interface ClusterFlags {
  kubeconfig?: string;
  namespace?: string;
  "label-selector"?: string;
  "leader-elect"?: boolean;
  "lease-name"?: string;
  "lease-namespace"?: string;
  "lease-duration"?: string;
  "renew-deadline"?: string;
  "retry-period"?: string;
  "status-progress-interval"?: string;
}

/** Thrown with the flag name and what is expected; runConfig rewraps it as its ConfigError. */
export class ClusterConfigError extends Error {
  override readonly name = "ClusterConfigError";
}

/**
 * `env.POD_NAMESPACE` (from the Downward API) is the default lease namespace, as in the
 * Deployment in manifests/deploy; `default` otherwise.
 */
export function parseClusterSource(flags: ClusterFlags, env: Readonly<Record<string, string | undefined>>): KubernetesSourceConfig {
  const labelSelector = flags["label-selector"];
  const selectorProblem = labelSelector === undefined ? undefined : labelSelectorProblem(labelSelector);
  if (selectorProblem !== undefined) {
    throw new ClusterConfigError(
      `--label-selector "${labelSelector}" is not a label selector: ${selectorProblem} (e.g. shard=a or tier in (gpu))`,
    );
  }
  return {
    kind: "kubernetes",
    kubeconfig: flags.kubeconfig,
    namespace: flags.namespace,
    labelSelector,
    leaderElection: flags["leader-elect"] === true ? leaderElection(flags, env) : undefined,
    statusProgressIntervalMs: duration("--status-progress-interval", flags["status-progress-interval"] ?? "10s"),
  };
}

function leaderElection(flags: ClusterFlags, env: Readonly<Record<string, string | undefined>>): LeaderElectionConfig {
  const config = {
    leaseName: flags["lease-name"] ?? "batch-gitops",
    leaseNamespace: flags["lease-namespace"] ?? env.POD_NAMESPACE ?? "default",
    leaseDurationMs: duration("--lease-duration", flags["lease-duration"] ?? "15s"),
    renewDeadlineMs: duration("--renew-deadline", flags["renew-deadline"] ?? "10s"),
    retryPeriodMs: duration("--retry-period", flags["retry-period"] ?? "2s"),
  };
  if (config.renewDeadlineMs >= config.leaseDurationMs) {
    throw new ClusterConfigError("--renew-deadline must be shorter than --lease-duration");
  }
  if (config.retryPeriodMs >= config.renewDeadlineMs) {
    throw new ClusterConfigError("--retry-period must be shorter than --renew-deadline");
  }
  return config;
}

function duration(flag: string, text: string): number {
  try {
    return parseDurationMs(text);
  } catch (err: unknown) {
    throw new ClusterConfigError(`${flag}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
