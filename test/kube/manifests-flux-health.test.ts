/**
 * Flux's healthCheckExprs in manifests/deploy/flux, evaluated with a CEL engine the way Flux does
 * (RFC-0009): observedGeneration behind generation is InProgress, then failed, then current, else
 * InProgress. They must agree with the Argo CD health check on every fixture.
 */
import { readFileSync } from "node:fs";
import { evaluate } from "@marcbachmann/cel-js";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { Reasons } from "../../controller/core/conditions.js";
import { TERMINAL_REASONS } from "../../controller/core/reasons.js";
import { HEALTH_CASES, healthResource, type FluxHealthStatus } from "./helpers/lua-health-fixtures.js";
import { readArgoHealthScript } from "./helpers/lua.js";

interface HealthCheckExprs {
  apiVersion: string;
  kind: string;
  inProgress?: string;
  failed?: string;
  current: string;
}

const KUSTOMIZATIONS = new URL("../../manifests/deploy/flux/kustomizations.yaml", import.meta.url);

function healthCheckExprs(): HealthCheckExprs[] {
  const docs = parseAllDocuments(readFileSync(KUSTOMIZATIONS, "utf8")).map((d) => d.toJS() as { spec?: { healthCheckExprs?: HealthCheckExprs[] } });
  return docs.flatMap((d) => d.spec?.healthCheckExprs ?? []);
}

function exprsFor(kind: string): HealthCheckExprs {
  const found = healthCheckExprs().find((e) => e.kind === kind && e.apiVersion === "azurebatch.gitops.dev/v1alpha1");
  if (found === undefined) {
    throw new Error(`no healthCheckExprs for ${kind}`);
  }
  return found;
}

function fluxStatus(exprs: HealthCheckExprs, obj: Record<string, unknown>): FluxHealthStatus {
  const status = obj.status as { observedGeneration?: number } | undefined;
  const metadata = obj.metadata as { generation?: number };
  if (status?.observedGeneration !== undefined && status.observedGeneration !== metadata.generation) {
    return "InProgress";
  }
  const ordered: [string | undefined, FluxHealthStatus][] = [
    [exprs.inProgress, "InProgress"],
    [exprs.failed, "Failed"],
    [exprs.current, "Current"],
  ];
  try {
    for (const [expr, result] of ordered) {
      if (expr !== undefined && evaluate(expr, obj) === true) {
        return result;
      }
    }
  } catch {
    return "Error";
  }
  return "InProgress";
}

describe.each(["BatchPool", "BatchJob"] as const)("Flux healthCheckExprs for %s", (kind) => {
  const exprs = exprsFor(kind);
  const cases = HEALTH_CASES.filter((c) => c.flux !== undefined);

  it.each(cases)("$name → $flux", ({ fixture, flux }) => {
    expect(fluxStatus(exprs, healthResource(kind, fixture))).toBe(flux);
  });

  it("agrees with Argo CD: Healthy or Suspended is Current, Degraded is Failed, Progressing is never Current", () => {
    const expected: Record<string, FluxHealthStatus[]> = {
      Healthy: ["Current"],
      Suspended: ["Current"],
      Degraded: ["Failed"],
      Progressing: ["InProgress", "Error"],
    };
    for (const c of cases) {
      expect(expected[c.argo], c.name).toContain(fluxStatus(exprs, healthResource(kind, c.fixture)));
    }
  });
});

describe("terminal reasons", () => {
  it("are the same list in the Flux expressions and the Argo CD Lua script", () => {
    const cel = /c\.reason in \[([^\]]*)\]/.exec(exprsFor("BatchPool").failed ?? "")?.[1] ?? "";
    const celReasons = [...cel.matchAll(/'([A-Za-z]+)'/g)].map((m) => m[1]);
    const lua = /TERMINAL_REASONS = \{([^}]*)\}/.exec(readArgoHealthScript("BatchPool"))?.[1] ?? "";
    const luaReasons = [...lua.matchAll(/([A-Za-z]+) = true/g)].map((m) => m[1]);
    expect(celReasons.length).toBeGreaterThan(0);
    expect([...celReasons].sort()).toEqual([...luaReasons].sort());
  });

  it("are the registry's terminal reasons (controller/core/reasons.ts), no more, no less", () => {
    const lua = /TERMINAL_REASONS = \{([^}]*)\}/.exec(readArgoHealthScript("BatchJob"))?.[1] ?? "";
    const luaReasons = [...lua.matchAll(/([A-Za-z]+) = true/g)].map((m) => m[1]);
    expect([...luaReasons].sort()).toEqual([...TERMINAL_REASONS].sort());
    for (const reason of luaReasons) expect(Object.values(Reasons)).toContain(reason);
  });
});
