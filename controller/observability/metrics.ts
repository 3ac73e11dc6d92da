import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { packageVersion } from "../config/version.js";
import {
  parseResourceKey,
  type ConditionRecord,
  type WorkQueueMetrics,
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

/** The work queue's name label, as controller-runtime labels its queues by controller name. */
const QUEUE_NAME = "batch-gitops";
const CONDITION_STATUSES = ["True", "False", "Unknown"] as const;
const SECONDS_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

const PREFIX = "batch_gitops_";
const POOL_STATES = ["current", "target"] as const;
const PRIORITIES = ["dedicated", "lowPriority"] as const;
const TASK_STATES = ["active", "running", "succeeded", "failed"] as const;

export function createPrometheusMetrics(options: MetricsOptions = {}): PrometheusMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) {
    // No prefix: process_resident_memory_bytes, nodejs_eventloop_lag_seconds... as every Node.js
    // exporter names them, so generic dashboards and alerts work unchanged.
    collectDefaultMetrics({ register: registry });
    // Gauges named like counters, which `promtool check metrics` rejects; the same figures stay
    // available per type as nodejs_active_handles, nodejs_active_requests, nodejs_active_resources.
    for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"])
      registry.removeSingleMetric(name);
  }
  new Gauge({
    name: `${PREFIX}build_info`,
    help: "Always 1; the labels say which build runs (version, Node.js version).",
    labelNames: ["version", "nodejs_version"] as const,
    registers: [registry],
  }).set({ version: packageVersion(), nodejs_version: process.version }, 1);
  const workQueue = createWorkQueueMetrics(registry);
  const leader = new Gauge({
    name: "leader_election_master_status",
    help: "1 while this replica is the leader and reconciles, 0 otherwise (controller-runtime's name).",
    labelNames: ["name"] as const,
    registers: [registry],
  });
  const conditions = createConditionMetric(registry);
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
    help: 'Live Batch state found different from the manifests, by kind, field and whether the controller corrected it (corrected="true"|"false").',
    labelNames: ["kind", "field", "corrected"] as const,
    registers: [registry],
  });
  const batchCalls = new Counter({
    name: `${PREFIX}batch_api_calls_total`,
    help: "Azure Batch REST calls by operation, HTTP status code (0 = network error) and account (default, or namespace/name of a BatchAccount).",
    labelNames: ["operation", "status_code", "account"] as const,
    registers: [registry],
  });
  const batchCallDuration = new Histogram({
    name: `${PREFIX}batch_api_call_duration_seconds`,
    help: "Azure Batch REST call latency by operation and account.",
    labelNames: ["operation", "account"] as const,
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
    batchCall(operation: string, statusCode: number, durationSeconds: number, account = "default"): void {
      batchCalls.inc({ operation, status_code: String(statusCode), account });
      batchCallDuration.observe({ operation, account }, durationSeconds);
    },
    poolNodes(key: ResourceKey, state, priority, count: number): void {
      const { namespace, name } = parseResourceKey(key);
      poolNodes.set({ namespace, name, state, priority }, count);
    },
    jobTasks(key: ResourceKey, state, count: number): void {
      const { namespace, name } = parseResourceKey(key);
      jobTasks.set({ namespace, name, state }, count);
    },
    workQueue,
    leader(isLeader: boolean): void {
      leader.set({ name: QUEUE_NAME }, isLeader ? 1 : 0);
    },
    resourceConditions: (key, records) => conditions.set(key, records),
    forget(key: ResourceKey): void {
      // A removed resource must not keep reporting its last node or task counts.
      conditions.forget(key);
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

/** workqueue_* as controller-runtime (client-go) names them, labelled with the queue's name. */
function createWorkQueueMetrics(registry: Registry): WorkQueueMetrics {
  const name = { name: QUEUE_NAME };
  const depth = new Gauge({
    name: "workqueue_depth",
    help: "Current depth of the work queue.",
    labelNames: ["name"] as const,
    registers: [registry],
  });
  const adds = new Counter({
    name: "workqueue_adds_total",
    help: "Keys added to the work queue.",
    labelNames: ["name"] as const,
    registers: [registry],
  });
  const queued = new Histogram({
    name: "workqueue_queue_duration_seconds",
    help: "How long a key waits in the work queue before a worker takes it.",
    labelNames: ["name"] as const,
    buckets: SECONDS_BUCKETS,
    registers: [registry],
  });
  const work = new Histogram({
    name: "workqueue_work_duration_seconds",
    help: "How long processing one key takes.",
    labelNames: ["name"] as const,
    buckets: SECONDS_BUCKETS,
    registers: [registry],
  });
  const retries = new Counter({
    name: "workqueue_retries_total",
    help: "Keys re-added after an error, with backoff.",
    labelNames: ["name"] as const,
    registers: [registry],
  });
  // Present from the start (0), so dashboards and `absent()` alerts see the series before any work.
  depth.set(name, 0);
  adds.inc(name, 0);
  retries.inc(name, 0);
  return {
    added(newDepth: number): void {
      adds.inc(name);
      depth.set(name, newDepth);
    },
    started(queuedSeconds: number, newDepth: number): void {
      queued.observe(name, queuedSeconds);
      depth.set(name, newDepth);
    },
    finished(workSeconds: number): void {
      work.observe(name, workSeconds);
    },
    retried(): void {
      retries.inc(name);
    },
  };
}

/**
 * batch_gitops_resource_condition, as Flux's gotk_reconcile_condition: per resource and condition
 * type one series per status, 1 for the current status and 0 for the others.
 */
function createConditionMetric(registry: Registry): {
  set(key: ResourceKey, records: readonly ConditionRecord[]): void;
  forget(key: ResourceKey): void;
} {
  const gauge = new Gauge({
    name: `${PREFIX}resource_condition`,
    help: "Conditions of each BatchPool/BatchJob: 1 for the condition's current status, 0 for the others.",
    labelNames: ["kind", "namespace", "name", "type", "status"] as const,
    registers: [registry],
  });
  const typesOf = new Map<ResourceKey, Set<string>>();
  const remove = (key: ResourceKey, type: string): void => {
    const { kind, namespace, name } = parseResourceKey(key);
    for (const status of CONDITION_STATUSES) gauge.remove({ kind, namespace, name, type, status });
  };
  return {
    set(key, records): void {
      const { kind, namespace, name } = parseResourceKey(key);
      const current = new Set(records.map((r) => r.type));
      for (const type of typesOf.get(key) ?? []) if (!current.has(type)) remove(key, type);
      for (const record of records) {
        for (const status of CONDITION_STATUSES)
          gauge.set({ kind, namespace, name, type: record.type, status }, record.status === status ? 1 : 0);
      }
      typesOf.set(key, current);
    },
    forget(key): void {
      for (const type of typesOf.get(key) ?? []) remove(key, type);
      typesOf.delete(key);
    },
  };
}
