/**
 * `promtool check rules` and `promtool test rules` on the PrometheusRule: the alert expressions parse
 * in Prometheus, and fire (or stay silent) with the labels and annotations that
 * manifests/deploy/monitoring/tests/alerts.test.yaml expects. promtool comes with Debian's
 * `prometheus` package (.ci/run installs it); elsewhere the test is skipped with a warning.
 */
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";

const MONITORING = fileURLToPath(new URL("../../manifests/deploy/monitoring/", import.meta.url));

function promtool(args: readonly string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile("promtool", args, { cwd, encoding: "utf8" }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

const available = await promtool(["--version"], ".").then((r) => r.code === 0);
if (!available) {
  if (process.env.CI === "true") throw new Error("promtool is required on CI (Debian package prometheus)");
  console.warn("WARNING: skipping the promtool rule tests: install Debian's prometheus package for promtool");
}

describe.skipIf(!available)("the PrometheusRule in Prometheus's own rule engine (promtool)", () => {
  // promtool reads plain rule files: the PrometheusRule's spec is one.
  const dir = mkdtempSync(join(tmpdir(), "promtool-"));
  const rule = parse(readFileSync(join(MONITORING, "prometheusrule.yaml"), "utf8")) as { spec: unknown };
  writeFileSync(join(dir, "rules.yaml"), stringify(rule.spec));
  copyFileSync(join(MONITORING, "tests", "alerts.test.yaml"), join(dir, "alerts.test.yaml"));

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("promtool check rules accepts every rule", async () => {
    const result = await promtool(["check", "rules", "rules.yaml"], dir);
    expect(result.output).toContain("SUCCESS: 7 rules found");
    expect(result.code).toBe(0);
  });

  it("promtool test rules: each alert fires with the resource's namespace, name and annotations, and not before its `for`", async () => {
    const result = await promtool(["test", "rules", "alerts.test.yaml"], dir);
    expect(result.output).toContain("SUCCESS");
    expect(result.code).toBe(0);
  });

  it("every alert of the rule is exercised by the unit tests", () => {
    const alerts = (rule.spec as { groups: { rules: { alert: string }[] }[] }).groups.flatMap((g) => g.rules.map((r) => r.alert));
    const tested = readFileSync(join(MONITORING, "tests", "alerts.test.yaml"), "utf8");
    for (const alert of alerts) {
      expect(tested, alert).toContain(`alertname: ${alert}`);
    }
  });
});
