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
    metrics.poolNodes("BatchPool/default/render", "target", "dedicated", 4);
    metrics.jobTasks("BatchJob/team-a/sweep", "succeeded", 120);
    const text = await metrics.exposition();
    expect(text).toContain('batch_gitops_reconcile_total{kind="BatchPool",result="success"} 2');
    expect(text).toContain('batch_gitops_reconcile_total{kind="BatchJob",result="stalled"} 1');
    expect(text).toContain('batch_gitops_reconcile_duration_seconds_count{kind="BatchPool",result="success"} 2');
    expect(text).toContain('batch_gitops_drift_detected_total{kind="BatchPool",field="targetDedicatedNodes",corrected="true"} 1');
    expect(text).toContain('batch_gitops_batch_api_calls_total{operation="pool.resize",status_code="429"} 1');
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

  it("includes process metrics such as resident memory by default", async () => {
    expect(await createPrometheusMetrics().exposition()).toContain("batch_gitops_process_resident_memory_bytes");
  });
});
