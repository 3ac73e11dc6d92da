/**
 * Flux's healthCheckExprs in manifests/deploy/flux, evaluated with a CEL engine the way Flux does
 * (RFC-0009): observedGeneration behind generation is InProgress, then failed, then current, else
 * InProgress. They must agree with the Argo CD health check on every fixture.
 */
import { describe, expect, it } from "vitest";
import { Reasons } from "../../controller/core/conditions.js";
import { TERMINAL_REASONS } from "../../controller/core/reasons.js";
import { exprsFor, fluxStatus } from "./helpers/flux-health.js";
import { HEALTH_CASES, healthResource, type FluxHealthStatus } from "./helpers/lua-health-fixtures.js";
import { readArgoHealthScript } from "./helpers/lua.js";

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
