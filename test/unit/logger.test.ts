import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createRootLogger } from "../../controller/observability/logger.js";
import { Secret } from "../../controller/config/secret.js";

function capture(): { stream: Writable; text: () => string } {
  let out = "";
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      out += chunk.toString();
      done();
    },
  });
  return { stream, text: () => out };
}

describe("root logger", () => {
  it("writes JSON lines with child bindings and never a secret", () => {
    const { stream, text } = capture();
    const logger = createRootLogger({ format: "json", level: "info", destination: stream });
    const child = logger.child({ controller: "BatchPool", key: "BatchPool/default/a", reconcileId: "r1" });
    child.info(
      { auth: { accountKey: "plain-key-value" }, key2: new Secret("wrapped-key"), headers: { authorization: "SharedKey acct:sig" } },
      "created",
    );
    const line = JSON.parse(text().trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ msg: "created", key: "BatchPool/default/a", reconcileId: "r1", level: "info" });
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(text()).not.toMatch(/plain-key-value|wrapped-key|acct:sig/);
  });

  it("prints readable lines in pretty format", () => {
    const { stream, text } = capture();
    const logger = createRootLogger({ format: "pretty", level: "debug", destination: stream, colorize: false });
    logger.debug({ key: "BatchJob/default/sweep" }, "tasks added");
    expect(text()).toMatch(/DEBUG.*tasks added/);
    expect(text()).toContain("BatchJob/default/sweep");
  });

  it("writes no colour escapes when colour is off (NO_COLOR, --no-color), and colours when asked", () => {
    const plain = capture();
    createRootLogger({ format: "pretty", level: "info", destination: plain.stream, colorize: false }).warn("careful");
    expect(plain.text()).toContain("careful");
    expect(plain.text()).not.toContain("\u001b[");
    const coloured = capture();
    createRootLogger({ format: "pretty", level: "info", destination: coloured.stream, colorize: true }).warn("careful");
    expect(coloured.text()).toContain("\u001b[");
  });

  it("filters by level", () => {
    const { stream, text } = capture();
    createRootLogger({ format: "json", level: "warn", destination: stream }).info("hidden");
    expect(text()).toBe("");
  });
});

describe("log alerts and events", () => {
  it("logs drift, stalls, and a resolve only for an alert that fired, and passes all to the webhook", async () => {
    const { createLogAlerts, createLogEventRecorder } = await import("../../controller/observability/logReporters.js");
    const { stream, text } = capture();
    const logger = createRootLogger({ format: "json", level: "info", destination: stream });
    const forwarded: string[] = [];
    const alerts = createLogAlerts(logger, {
      drift: (a) => void forwarded.push(`drift ${a.key}`),
      stalled: (a) => void forwarded.push(`stalled ${a.key}`),
      resolved: (k, n) => void forwarded.push(`resolved ${n} ${k}`),
    });
    alerts.resolved?.("BatchPool/default/a", "Drift");
    alerts.drift({ key: "BatchPool/default/a", policy: "Alert", corrected: false, differences: ["vmSize"] });
    alerts.resolved?.("BatchPool/default/a", "Drift");
    alerts.stalled({ key: "BatchJob/default/j", reason: "PoolQuotaReached", message: "quota" });
    createLogEventRecorder(logger).record("BatchJob/default/j", "Warning", "TasksRejected", "2 tasks rejected");
    const lines = text()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { msg: string; level: string });
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ["warn", "drift detected"],
      ["info", "alert resolved"],
      ["error", "stalled: quota"],
      ["warn", "2 tasks rejected"],
    ]);
    expect(forwarded).toEqual([
      "resolved Drift BatchPool/default/a",
      "drift BatchPool/default/a",
      "resolved Drift BatchPool/default/a",
      "stalled BatchJob/default/j",
    ]);
  });
});
