import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import {
  parseResourceKey,
  type ControllerMetrics,
  type ReconcileResultLabel,
  type ResourceKey,
  type ResourceKind,
} from "../runtime/ports.js";

/** The Prometheus side of ControllerMetrics, with its own registry (no prom-client globals). */
export interface PrometheusMetrics extends ControllerMetrics {
  readonly registry: Registry;
  /** The text exposition served at /metrics. */
  exposition(): Promise<string>;
  readonly contentType: string;
}

export interface MetricsOptions {
  /** Process metrics (RSS, CPU, event loop lag); off in unit tests to keep the output small. */
  processMetrics?: boolean;
}

const PREFIX = "batch_gitops_";
const POOL_STATES = ["current", "target"] as const;
const PRIORITIES = ["dedicated", "lowPriority"] as const;
const TASK_STATES = ["active", "running", "succeeded", "failed"] as const;

export function createPrometheusMetrics(options: MetricsOptions = {}): PrometheusMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) {
    collectDefaultMetrics({ register: registry, prefix: PREFIX });
  }
  const reconcileDuration = new Histogram({
    name: `${PREFIX}reconcile_duration_seconds`,
    help: "Time spent in one reconcile of a resource, by kind and result.",
    labelNames: ["kind", "result"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const reconciles = new Counter({
    name: `${PREFIX}reconcile_total`,
    help: "Reconciles by kind and result (success, requeue, error, stalled).",
    labelNames: ["kind", "result"] as const,
    registers: [registry],
  });
  const drift = new Counter({
    name: `${PREFIX}drift_detected_total`,
    help: "Live Batch state found different from the manifests, by kind, field and whether the controller corrected it (corrected=\"true\"|\"false\").",
    labelNames: ["kind", "field", "corrected"] as const,
    registers: [registry],
  });
  const batchCalls = new Counter({
    name: `${PREFIX}batch_api_calls_total`,
    help: "Azure Batch REST calls by operation and HTTP status code (0 = network error).",
    labelNames: ["operation", "status_code"] as const,
    registers: [registry],
  });
  const batchCallDuration = new Histogram({
    name: `${PREFIX}batch_api_call_duration_seconds`,
    help: "Azure Batch REST call latency by operation.",
    labelNames: ["operation"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const poolNodes = new Gauge({
    name: `${PREFIX}pool_nodes`,
    help: "Nodes of a BatchPool: current or target, dedicated or low-priority.",
    labelNames: ["namespace", "name", "state", "priority"] as const,
    registers: [registry],
  });
  const jobTasks = new Gauge({
    name: `${PREFIX}job_tasks`,
    help: "Tasks of a BatchJob by state (active, running, succeeded, failed).",
    labelNames: ["namespace", "name", "state"] as const,
    registers: [registry],
  });

  return {
    registry,
    contentType: registry.contentType,
    exposition: () => registry.metrics(),
    reconcileDone(kind: ResourceKind, result: ReconcileResultLabel, durationSeconds: number): void {
      reconciles.inc({ kind, result });
      reconcileDuration.observe({ kind, result }, durationSeconds);
    },
    driftDetected(kind: ResourceKind, field: string, corrected = false): void {
      drift.inc({ kind, field, corrected: String(corrected) });
    },
    batchCall(operation: string, statusCode: number, durationSeconds: number): void {
      batchCalls.inc({ operation, status_code: String(statusCode) });
      batchCallDuration.observe({ operation }, durationSeconds);
    },
    poolNodes(key: ResourceKey, state, priority, count: number): void {
      const { namespace, name } = parseResourceKey(key);
      poolNodes.set({ namespace, name, state, priority }, count);
    },
    jobTasks(key: ResourceKey, state, count: number): void {
      const { namespace, name } = parseResourceKey(key);
      jobTasks.set({ namespace, name, state }, count);
    },
    forget(key: ResourceKey): void {
      // A removed resource must not keep reporting its last node or task counts.
      const { kind, namespace, name } = parseResourceKey(key);
      if (kind === "BatchPool") {
        for (const state of POOL_STATES) {
          for (const priority of PRIORITIES) {
            poolNodes.remove({ namespace, name, state, priority });
          }
        }
        return;
      }
      for (const state of TASK_STATES) {
        jobTasks.remove({ namespace, name, state });
      }
    },
  };
}
