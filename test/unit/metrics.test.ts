import { packageVersion } from "../../controller/config/version.js";
import { describe, expect, it } from "vitest";
import { createPrometheusMetrics } from "../../controller/observability/metrics.js";

describe("Prometheus metrics", () => {
  it("exposes reconciles, drift, Batch calls, pool nodes and job tasks", async () => {
    const metrics = createPrometheusMetrics({ processMetrics: false });
    metrics.reconcileDone("BatchPool", "success", 0.02);
    metrics.reconcileDone("BatchPool", "success", 0.03);
    metrics.reconcileDone("BatchJob", "stalled", 0.01);
    metrics.driftDetected("BatchPool", "targetDedicatedNodes", true);
    metrics.batchCall("pool.list", 200, 0.004);
    metrics.batchCall("pool.resize", 429, 0.004);
    metrics.batchCall("pool.list", 0, 0.5, "team-a/west");
    metrics.poolNodes("BatchPool/default/render", "target", "dedicated", 4);
    metrics.jobTasks("BatchJob/team-a/sweep", "succeeded", 120);
    const text = await metrics.exposition();
    expect(text).toContain('batch_gitops_reconcile_total{kind="BatchPool",result="success"} 2');
    expect(text).toContain('batch_gitops_reconcile_total{kind="BatchJob",result="stalled"} 1');
    expect(text).toContain('batch_gitops_reconcile_duration_seconds_count{kind="BatchPool",result="success"} 2');
    expect(text).toContain('batch_gitops_drift_detected_total{kind="BatchPool",field="targetDedicatedNodes",corrected="true"} 1');
    expect(text).toContain('batch_gitops_batch_api_calls_total{operation="pool.resize",status_code="429",account="default"} 1');
    // Each BatchAccount's calls apart, so one unreachable account shows as its own network errors.
    expect(text).toContain('batch_gitops_batch_api_calls_total{operation="pool.list",status_code="0",account="team-a/west"} 1');
    expect(text).toContain('batch_gitops_pool_nodes{namespace="default",name="render",state="target",priority="dedicated"} 4');
    expect(text).toContain('batch_gitops_job_tasks{namespace="team-a",name="sweep",state="succeeded"} 120');
  });

  it("drops a removed resource's series", async () => {
    const metrics = createPrometheusMetrics({ processMetrics: false });
    metrics.poolNodes("BatchPool/default/render", "current", "dedicated", 2);
    metrics.poolNodes("BatchPool/default/other", "current", "dedicated", 1);
    metrics.jobTasks("BatchJob/default/sweep", "active", 3);
    metrics.forget?.("BatchPool/default/render");
    metrics.forget?.("BatchJob/default/sweep");
    const text = await metrics.exposition();
    expect(text).not.toContain('name="render"');
    expect(text).not.toContain('name="sweep"');
    expect(text).toContain('name="other"');
  });

  it("keeps registries separate, so two controllers in one process do not mix figures", async () => {
    const a = createPrometheusMetrics({ processMetrics: false });
    const b = createPrometheusMetrics({ processMetrics: false });
    a.driftDetected("BatchJob", "poolInfo");
    expect(await b.exposition()).not.toContain('field="poolInfo"');
  });

  it("includes the standard process metrics by default, without the project prefix", async () => {
    const text = await createPrometheusMetrics().exposition();
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toContain("nodejs_eventloop_lag_seconds");
    expect(text).not.toContain("batch_gitops_process_");
    expect(text).toContain("nodejs_active_handles{");
    expect(text).not.toContain("nodejs_active_handles_total");
  });

  it("reports build info, the leader gauge and controller-runtime's work-queue metrics", async () => {
    const metrics = createPrometheusMetrics({ processMetrics: false });
    metrics.leader?.(true);
    metrics.workQueue?.added(1);
    metrics.workQueue?.started(0.25, 0);
    metrics.workQueue?.finished(1.5);
    metrics.workQueue?.retried();
    const text = await metrics.exposition();
    expect(text).toMatch(
      new RegExp(
        `^batch_gitops_build_info\\{version="${packageVersion().replaceAll(".", "\\.")}",nodejs_version="${process.version.replaceAll(".", "\\.")}"\\} 1$`,
        "m",
      ),
    );
    expect(text).toContain('leader_election_master_status{name="batch-gitops"} 1');
    expect(text).toContain('workqueue_adds_total{name="batch-gitops"} 1');
    expect(text).toContain('workqueue_depth{name="batch-gitops"} 0');
    expect(text).toContain('workqueue_retries_total{name="batch-gitops"} 1');
    expect(text).toContain('workqueue_queue_duration_seconds_sum{name="batch-gitops"} 0.25');
    expect(text).toContain('workqueue_work_duration_seconds_count{name="batch-gitops"} 1');
  });

  it("reports each resource's conditions, 1 for the current status and 0 for the others, and drops them with the resource", async () => {
    const metrics = createPrometheusMetrics({ processMetrics: false });
    const at = "2026-01-01T00:00:00Z";
    metrics.resourceConditions?.("BatchPool/team-a/render", [
      { type: "Ready", status: "False", reason: "Progressing", message: "", lastTransitionTime: at },
      { type: "Reconciling", status: "True", reason: "Progressing", message: "", lastTransitionTime: at },
    ]);
    metrics.resourceConditions?.("BatchPool/team-a/render", [
      { type: "Ready", status: "True", reason: "Succeeded", message: "", lastTransitionTime: at },
    ]);
    let text = await metrics.exposition();
    expect(text).toContain(
      'batch_gitops_resource_condition{kind="BatchPool",namespace="team-a",name="render",type="Ready",status="True"} 1',
    );
    expect(text).toContain(
      'batch_gitops_resource_condition{kind="BatchPool",namespace="team-a",name="render",type="Ready",status="False"} 0',
    );
    expect(text).not.toContain('type="Reconciling"');
    metrics.forget?.("BatchPool/team-a/render");
    text = await metrics.exposition();
    expect(text).not.toContain('name="render"');
  });
});
