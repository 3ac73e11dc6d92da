/**
 * The PrometheusRule in manifests/deploy/monitoring against the metrics the controller really
 * serves: every metric, label matcher and `by (...)` label an alert uses must exist, or the alert
 * would silently never fire.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createPrometheusMetrics } from "../../controller/observability/metrics.js";
import { resourceKey } from "../../controller/runtime/ports.js";

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const RULE_FILE = new URL("../../manifests/deploy/monitoring/prometheusrule.yaml", import.meta.url);
const rules = (parse(readFileSync(RULE_FILE, "utf8")) as { spec: { groups: { rules: Rule[] }[] } }).spec.groups.flatMap((g) => g.rules);

interface Series {
  name: string;
  labels: Record<string, string>;
}

/** Every series the controller exports once each kind of event has happened. */
async function exportedSeries(): Promise<Series[]> {
  const metrics = createPrometheusMetrics({ processMetrics: false });
  for (const result of ["success", "requeue", "error", "stalled"] as const) {
    metrics.reconcileDone("BatchPool", result, 0.1);
  }
  metrics.driftDetected("BatchPool", "targetDedicatedNodes");
  metrics.batchCall("pool.get", 429, 0.01);
  metrics.batchCall("pool.get", 200, 0.01);
  const pool = resourceKey("BatchPool", "batch", "render");
  for (const state of ["current", "target"] as const) {
    metrics.poolNodes(pool, state, "dedicated", 2);
  }
  for (const state of ["active", "running", "succeeded", "failed"] as const) {
    metrics.jobTasks(resourceKey("BatchJob", "batch", "frames"), state, 1);
  }
  const text = await metrics.exposition();
  return text
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s/.exec(line);
      const labels = Object.fromEntries([...(match?.[2] ?? "").matchAll(/([a-zA-Z_]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      return { name: match?.[1] ?? "", labels };
    });
}

interface Selector {
  metric: string;
  matchers: { label: string; op: string; value: string }[];
}

function selectors(expr: string): Selector[] {
  return [...expr.matchAll(/\b(batch_gitops_[a-z_]+)(?:\{([^}]*)\})?/g)].map((m) => ({
    metric: m[1] ?? "",
    matchers: [...(m[2] ?? "").matchAll(/([a-z_]+)\s*(=~|!=|!~|=)\s*"([^"]*)"/g)].map((x) => ({
      label: x[1] ?? "",
      op: x[2] ?? "",
      value: x[3] ?? "",
    })),
  }));
}

function matches(series: Series, m: Selector["matchers"][number]): boolean {
  const value = series.labels[m.label];
  if (value === undefined) return false;
  return m.op === "=" ? value === m.value : m.op === "=~" ? new RegExp(`^(?:${m.value})$`).test(value) : true;
}

describe("PrometheusRule alerts", () => {
  it("exist for drift and stalled resources", () => {
    const names = rules.map((r) => r.alert);
    expect(names).toEqual(expect.arrayContaining(["BatchGitopsDriftDetected", "BatchGitopsStalled"]));
    expect(rules.find((r) => r.alert === "BatchGitopsDriftDetected")?.expr).toContain("batch_gitops_drift_detected_total");
  });

  it.each(rules)("$alert has a severity and a summary", (rule) => {
    expect(["info", "warning", "critical"]).toContain(rule.labels?.severity);
    expect(rule.annotations?.summary).toEqual(expect.any(String));
  });

  it.each(rules)("$alert uses only metrics and label values the controller exports", async (rule) => {
    const series = await exportedSeries();
    for (const sel of selectors(rule.expr)) {
      const ofMetric = series.filter((s) => s.name === sel.metric);
      expect(ofMetric.length, `${sel.metric} is exported`).toBeGreaterThan(0);
      for (const m of sel.matchers) {
        expect(
          ofMetric.some((s) => matches(s, m)),
          `${sel.metric}{${m.label}${m.op}"${m.value}"}`,
        ).toBe(true);
      }
    }
  });

  it.each(rules)("$alert aggregates only by labels its metrics carry", async (rule) => {
    const series = await exportedSeries();
    const metricNames = new Set(selectors(rule.expr).map((s) => s.metric));
    const available = new Set(series.filter((s) => metricNames.has(s.name)).flatMap((s) => Object.keys(s.labels)));
    for (const [, list] of rule.expr.matchAll(/\bby\s*\(([^)]*)\)/g)) {
      for (const label of (list ?? "").split(",").map((l) => l.trim())) {
        expect(available, `${rule.alert}: by (${label})`).toContain(label);
      }
    }
  });
});
