import { describe, expect, it } from "vitest";
import { getCondition, summarize } from "../../../controller/core/conditions.js";

const t0 = "2026-01-01T00:00:00.000Z";
const t1 = "2026-01-01T00:05:00.000Z";

describe("conditions", () => {
  it("ready clears Reconciling and Stalled and stamps the generation", () => {
    const progressing = summarize([], { kind: "progressing", reason: "Resizing", message: "0/2 nodes" }, undefined, {
      generation: 1,
      nowIso: t0,
    });
    const ready = summarize(progressing, { kind: "ready", message: "2/2 nodes" }, undefined, { generation: 2, nowIso: t1 });
    expect(ready.map((c) => c.type)).toEqual(["Ready"]);
    expect(ready[0]).toMatchObject({ status: "True", reason: "Succeeded", observedGeneration: 2, lastTransitionTime: t1 });
  });

  it("keeps lastTransitionTime while the status does not change", () => {
    const first = summarize([], { kind: "progressing", reason: "Resizing", message: "0/2" }, undefined, { generation: 1, nowIso: t0 });
    const second = summarize(first, { kind: "progressing", reason: "Resizing", message: "1/2" }, undefined, { generation: 1, nowIso: t1 });
    expect(getCondition(second, "Reconciling")).toMatchObject({ message: "1/2", lastTransitionTime: t0 });
  });

  it("stalled and reconciling are never both true; order is Ready, Reconciling, Stalled, Drifted", () => {
    const stalled = summarize(
      [],
      { kind: "stalled", reason: "PoolIdTaken", message: "taken" },
      { drifted: true, reason: "DriftDetected", message: "x" },
      { generation: 1, nowIso: t0 },
    );
    expect(stalled.map((c) => c.type)).toEqual(["Ready", "Stalled", "Drifted"]);
    const retry = summarize(stalled, { kind: "failed", reason: "BatchError", message: "503" }, undefined, { generation: 1, nowIso: t1 });
    expect(retry.map((c) => c.type)).toEqual(["Ready", "Reconciling", "Drifted"]);
  });

  it("trims long messages", () => {
    const long = summarize([], { kind: "stalled", reason: "BatchError", message: "x".repeat(5000) }, undefined, {
      generation: 1,
      nowIso: t0,
    });
    expect(getCondition(long, "Stalled")?.message.length).toBe(1024);
  });
});
