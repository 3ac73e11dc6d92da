import { afterEach, describe, expect, it } from "vitest";
import { isOwnedBy } from "../../controller/core/ownership.js";
import { checkInvariants } from "../helpers/invariants.js";
import { isReady, jobResource, nodes, poolResource, startHarness, type Harness } from "./harness.js";

describe("changes Batch applies in place", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
  });

  it("patches the start task and switches between fixed scale and autoscale on the same pool", async () => {
    h = await startHarness();
    const key = "BatchPool/default/flex" as const;
    h.source.set(poolResource("flex", { startTask: { commandLine: "/bin/bash -c 'echo v1'" } }));
    h.start();
    await h.waitForStatus(key, (s) => isReady(s) && nodes(s) === "1/1");
    const [pool] = (await h.batch.listPools()).filter((p) => isOwnedBy(p.metadata, key));

    h.source.edit<Record<string, unknown>>(key, (spec) => ({ ...spec, startTask: { commandLine: "/bin/bash -c 'echo v2'" } }));
    await h.waitForStatus(key, (s) => isReady(s) && s.observedGeneration === 2);
    expect((await h.batch.getPool(pool?.id ?? ""))?.startTask).toMatchObject({ commandLine: "/bin/bash -c 'echo v2'" });

    const formula = "$TargetDedicatedNodes = 2;";
    h.source.edit<Record<string, unknown>>(key, (spec) => ({ ...spec, scale: { autoscale: { formula, evaluationIntervalSeconds: 300 } } }));
    await h.waitForStatus(key, (s) => isReady(s) && s.observedGeneration === 3);
    const auto = await h.batch.getPool(pool?.id ?? "");
    expect(auto).toMatchObject({ enableAutoScale: true, autoScaleFormula: formula, autoScaleEvaluationIntervalSeconds: 300 });

    h.source.edit<Record<string, unknown>>(key, (spec) => ({ ...spec, scale: { fixed: { targetDedicatedNodes: 1 } } }));
    await h.waitForStatus(key, (s) => isReady(s) && s.observedGeneration === 4 && nodes(s) === "1/1");
    expect(await h.batch.getPool(pool?.id ?? "")).toMatchObject({ enableAutoScale: false, targetDedicatedNodes: 1 });
    expect((await h.batch.listPools()).filter((p) => isOwnedBy(p.metadata, key)).map((p) => p.id)).toEqual([pool?.id]);
    expect(h.recorded.calls.get("pool.add")).toBe(1);
    await checkInvariants(h.batch, h.source, h.recorded.statuses);
  });

  it("suspending a job disables it (running tasks finish) and resuming enables it", async () => {
    h = await startHarness();
    const jobKey = "BatchJob/default/pausable" as const;
    h.source.set(poolResource("pausable-pool"));
    h.source.set(jobResource("pausable", "pausable-pool"));
    h.start();
    await h.waitForStatus(jobKey, isReady);
    h.source.edit<Record<string, unknown>>(jobKey, (spec) => ({ ...spec, suspend: true }));
    await h.waitForStatus(jobKey, (s) => isReady(s) && s.job?.state === "disabled", 20_000);
    expect((await h.batch.getJob("pausable"))?.state).toBe("disabled");
    h.source.edit<Record<string, unknown>>(jobKey, (spec) => ({ ...spec, suspend: false }));
    await h.waitForStatus(jobKey, (s) => isReady(s) && s.job?.state === "active");
  });
});
