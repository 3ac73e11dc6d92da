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
    child.info({ auth: { accountKey: "plain-key-value" }, key2: new Secret("wrapped-key"), headers: { authorization: "SharedKey acct:sig" } }, "created");
    const line = JSON.parse(text().trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ msg: "created", key: "BatchPool/default/a", reconcileId: "r1", level: 30 });
    expect(text()).not.toMatch(/plain-key-value|wrapped-key|acct:sig/);
  });

  it("prints readable lines in pretty format", () => {
    const { stream, text } = capture();
    const logger = createRootLogger({ format: "pretty", level: "debug", destination: stream, colorize: false });
    logger.debug({ key: "BatchJob/default/sweep" }, "tasks added");
    expect(text()).toMatch(/DEBUG.*tasks added/);
    expect(text()).toContain("BatchJob/default/sweep");
  });

  it("filters by level", () => {
    const { stream, text } = capture();
    createRootLogger({ format: "json", level: "warn", destination: stream }).info("hidden");
    expect(text()).toBe("");
  });
});
