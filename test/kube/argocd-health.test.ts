import { describe, expect, it } from "vitest";
import { runArgoHealth, runArgoHealthScript } from "./helpers/lua.js";
import { HEALTH_CASES, READY, RECONCILING, healthResource } from "./helpers/lua-health-fixtures.js";

describe.each(["BatchPool", "BatchJob"] as const)("Argo CD health check for %s", (kind) => {
  it.each(HEALTH_CASES)("$name → $argo", async ({ fixture, argo, argoMessage }) => {
    const health = await runArgoHealth(kind, healthResource(kind, fixture));
    expect(health.status).toBe(argo);
    if (argoMessage instanceof RegExp) {
      expect(health.message).toMatch(argoMessage);
    } else if (argoMessage !== undefined) {
      expect(health.message).toBe(argoMessage);
    }
  });
});

describe("edge cases of the live object", () => {
  it("handles an object without metadata.generation", async () => {
    const obj = { spec: {}, status: { conditions: [READY] } };
    await expect(runArgoHealth("BatchJob", obj)).resolves.toMatchObject({ status: "Healthy" });
  });
});

describe("the test harness follows Argo CD's convention", () => {
  it("gives scripts no io or os library, as Argo CD's sandbox", async () => {
    const health = await runArgoHealthScript('return { status = (os == nil and io == nil) and "Healthy" or "Degraded", message = "" }', {});
    expect(health.status).toBe("Healthy");
  });

  it("passes obj as plain tables, so type() and ipairs behave as in Argo CD", async () => {
    const script = 'return { status = "Healthy", message = type(obj.status.conditions) .. ":" .. #obj.status.conditions }';
    await expect(runArgoHealthScript(script, { status: { conditions: [READY, RECONCILING] } })).resolves.toEqual({
      status: "Healthy",
      message: "table:2",
    });
  });

  it("rejects a status Argo CD does not know", async () => {
    await expect(runArgoHealthScript('return { status = "Fine" }', {})).rejects.toThrow(/Fine/);
  });
});
