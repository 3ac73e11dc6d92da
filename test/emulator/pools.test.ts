import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BatchServiceModels } from "@azure/batch";
import { batchError, startSdkHarness, type SdkHarness } from "./helpers/sdk.js";

const image = {
  imageReference: { publisher: "canonical", offer: "0001-com-ubuntu-server-jammy", sku: "22_04-lts", version: "latest" },
  nodeAgentSKUId: "batch.node.ubuntu 22.04",
};

function pool(id: string, extra: Partial<BatchServiceModels.PoolAddParameter> = {}): BatchServiceModels.PoolAddParameter {
  return { id, vmSize: "standard_d2s_v3", virtualMachineConfiguration: image, ...extra };
}

let h: SdkHarness;
beforeEach(async () => {
  h = await startSdkHarness();
});
afterEach(async () => {
  expect(h.violations).toEqual([]);
  await h.close();
});

/** Sends a signed request the SDK has no typed method for (bodies the SDK would never build). */
async function raw(method: "PATCH" | "POST", path: string, body: unknown): Promise<{ status: number; body: { code?: string } }> {
  const response = await h.client.sendRequest({
    method,
    url: `${h.emulator.url}${path}?api-version=2022-10-01.16.0`,
    body: typeof body === "string" ? body : JSON.stringify(body),
    disableJsonStringifyOnBody: true,
    headers: { "Content-Type": "application/json; odata=minimalmetadata; charset=utf-8" },
  });
  return { status: response.status, body: JSON.parse(response.bodyAsText ?? "{}") as { code?: string } };
}

describe("Pool_Add / Get / Exists / List", () => {
  it("creates a pool that resizes to its target and reports ETag, Last-Modified and Location", async () => {
    const added = await h.client.pool.add(
      pool("P1", { targetDedicatedNodes: 2, targetLowPriorityNodes: 1, metadata: [{ name: "owner", value: "me" }] }),
    );
    expect(added._response.status).toBe(201);
    expect(added._response.headers.get("location")).toBe(`${h.emulator.url}/pools/P1`);
    expect(added.eTag).toMatch(/^0x[0-9A-F]{15}$/);

    const creating = await h.client.pool.get("p1");
    expect(creating).toMatchObject({
      id: "P1",
      state: "active",
      allocationState: "resizing",
      targetDedicatedNodes: 2,
      currentDedicatedNodes: 0,
    });
    expect(creating.metadata).toEqual([{ name: "owner", value: "me" }]);

    h.advance(h.emulator.timing.nodeCreatingMs);
    const steady = await h.client.pool.get("P1");
    expect(steady).toMatchObject({ allocationState: "steady", currentDedicatedNodes: 2, currentLowPriorityNodes: 1 });
    // The service's own transitions keep the etag (recorded: a pool went steady and still listed its creation etag).
    expect(steady.eTag).toBe(creating.eTag);
    expect(steady.lastModified?.getTime()).toBe(creating.lastModified?.getTime());
    expect(steady.allocationStateTransitionTime?.getTime()).toBeGreaterThan(creating.allocationStateTransitionTime?.getTime() ?? 0);
  });

  it("refuses a second pool whose id differs only in case", async () => {
    await h.client.pool.add(pool("dup"));
    expect(await batchError(h.client.pool.add(pool("DUP")))).toMatchObject({ status: 409, code: "PoolExists" });
  });

  it("validates ids, required properties and autoscale settings", async () => {
    expect(await batchError(h.client.pool.add(pool("bad id!")))).toMatchObject({ status: 400, code: "InvalidPropertyValue" });
    const missing = await raw("POST", "/pools", { id: "novm", virtualMachineConfiguration: image });
    expect(missing).toMatchObject({ status: 400, body: { code: "MissingRequiredProperty" } });
    const both = pool("both", { enableAutoScale: true, autoScaleFormula: "$TargetDedicatedNodes = 1", targetDedicatedNodes: 1 });
    expect(await batchError(h.client.pool.add(both))).toMatchObject({ status: 400, code: "InvalidPropertyValue" });
    const syntax = pool("syntax", { enableAutoScale: true, autoScaleFormula: "$TargetDedicatedNodes = (1" });
    expect(await batchError(h.client.pool.add(syntax))).toMatchObject({ status: 400, code: "AutoScalingFormulaSyntaxError" });
    const short = pool("short", { resizeTimeout: "PT1M" });
    expect(await batchError(h.client.pool.add(short))).toMatchObject({ status: 400, code: "InvalidPropertyValue" });
    const bad = await raw("POST", "/pools", "{not json");
    expect(bad).toMatchObject({ status: 400, body: { code: "InvalidRequestBody" } });
  });

  it("answers exists with true and false", async () => {
    await h.client.pool.add(pool("here"));
    expect((await h.client.pool.exists("here")).body).toBe(true);
    expect((await h.client.pool.exists("gone")).body).toBe(false);
  });

  it("gets 404 PoolNotFound for an unknown pool", async () => {
    expect(await batchError(h.client.pool.get("missing"))).toMatchObject({ status: 404, code: "PoolNotFound" });
  });

  it("lists with $filter, $select and $expand", async () => {
    await h.client.pool.add(pool("alpha", { targetDedicatedNodes: 1 }));
    await h.client.pool.add(pool("beta"));
    await h.client.pool.add(pool("gamma", { vmSize: "standard_d4s_v3" }));
    const filtered = await h.client.pool.list({ poolListOptions: { filter: "startswith(id, 'a') or vmSize eq 'standard_d4s_v3'" } });
    expect(filtered.map((p) => p.id)).toEqual(["alpha", "gamma"]);
    const resizing = await h.client.pool.list({ poolListOptions: { filter: "allocationState eq 'resizing'" } });
    expect(resizing.map((p) => p.id)).toEqual(["alpha"]);
    const selected = await h.client.pool.list({ poolListOptions: { select: "id,state", expand: "stats" } });
    expect(selected[0]).toEqual({ id: "alpha", state: "active" });
    expect(await batchError(h.client.pool.list({ poolListOptions: { filter: "id eq" } }))).toMatchObject({
      status: 400,
      code: "InvalidQueryParameterValue",
    });
  });

  it("refuses an unsupported api-version", async () => {
    const response = await h.client.sendRequest({ method: "GET", url: `${h.emulator.url}/pools?api-version=2020-01-01.11.0` });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.bodyAsText ?? "{}")).toMatchObject({ code: "UnsupportedRequestVersion" });
  });
});

describe("Pool_Patch / UpdateProperties", () => {
  it("patch changes only the given properties; updateproperties replaces them all", async () => {
    const startTask = { commandLine: "/bin/sh -c 'echo hi'", waitForSuccess: true };
    await h.client.pool.add(pool("edit", { startTask, metadata: [{ name: "a", value: "1" }] }));
    const before = await h.client.pool.get("edit");
    const patched = await h.client.pool.patch("edit", { metadata: [{ name: "b", value: "2" }] });
    expect(patched.eTag).not.toBe(before.eTag);
    const afterPatch = await h.client.pool.get("edit");
    expect(afterPatch.metadata).toEqual([{ name: "b", value: "2" }]);
    expect(afterPatch.startTask?.commandLine).toBe(startTask.commandLine);

    const updated = await h.client.pool.updateProperties("edit", {
      certificateReferences: [],
      applicationPackageReferences: [],
      metadata: [],
    });
    expect(updated._response.status).toBe(204);
    const afterUpdate = await h.client.pool.get("edit");
    expect(afterUpdate.startTask).toBeUndefined();
    // The service leaves an empty metadata list out of its answer.
    expect(afterUpdate.metadata).toBeUndefined();
  });

  it("refuses changes to properties fixed at creation", async () => {
    await h.client.pool.add(pool("fixed"));
    const response = await raw("PATCH", "/pools/fixed", { vmSize: "standard_d8s_v3" });
    expect(response).toMatchObject({ status: 400, body: { code: "InvalidPropertyValue" } });
    const props = await raw("POST", "/pools/fixed/updateproperties", {
      metadata: [],
      certificateReferences: [],
      applicationPackageReferences: [],
      taskSlotsPerNode: 4,
    });
    expect(props).toMatchObject({ status: 400, body: { code: "InvalidPropertyValue" } });
    expect((await h.client.pool.get("fixed")).vmSize).toBe("standard_d2s_v3");
  });
});

describe("Pool_Resize / StopResize", () => {
  it("grows and shrinks, refusing a resize while one is under way", async () => {
    await h.client.pool.add(pool("grow"));
    expect((await h.client.pool.get("grow")).allocationState).toBe("steady");
    const resized = await h.client.pool.resize("grow", { targetDedicatedNodes: 3 });
    expect(resized._response.status).toBe(202);
    expect(await batchError(h.client.pool.resize("grow", { targetDedicatedNodes: 1 }))).toMatchObject({
      status: 409,
      code: "PoolBeingResized",
    });
    h.advance(h.emulator.timing.nodeCreatingMs);
    expect(await h.client.pool.get("grow")).toMatchObject({ allocationState: "steady", currentDedicatedNodes: 3 });

    await h.client.pool.resize("grow", { targetDedicatedNodes: 1, nodeDeallocationOption: "terminate" });
    const leaving = await h.client.computeNode.list("grow");
    expect(leaving.filter((n) => n.state === "leavingpool")).toHaveLength(2);
    h.advance(h.emulator.timing.nodeLeavingMs);
    expect(await h.client.pool.get("grow")).toMatchObject({ allocationState: "steady", currentDedicatedNodes: 1, targetDedicatedNodes: 1 });
    expect(await h.client.computeNode.list("grow")).toHaveLength(1);
  });

  it("stopResize goes through stopping to steady with a ResizeStopped error and keeps the targets", async () => {
    await h.client.pool.add(pool("halt", { targetDedicatedNodes: 4 }));
    await h.client.pool.stopResize("halt");
    expect((await h.client.pool.get("halt")).allocationState).toBe("stopping");
    h.advance(h.emulator.timing.resizeStoppingMs);
    const stopped = await h.client.pool.get("halt");
    expect(stopped).toMatchObject({ allocationState: "steady", targetDedicatedNodes: 4, currentDedicatedNodes: 0 });
    expect(stopped.resizeErrors?.[0]?.code).toBe("ResizeStopped");
    expect(await batchError(h.client.pool.stopResize("halt"))).toMatchObject({ status: 409 });
  });
});

describe("Pool_Delete", () => {
  it("passes through state deleting before the pool vanishes", async () => {
    await h.client.pool.add(pool("bye", { targetDedicatedNodes: 1 }));
    h.advance(h.emulator.timing.nodeCreatingMs);
    const deleted = await h.client.pool.deleteMethod("bye");
    expect(deleted._response.status).toBe(202);
    expect((await h.client.pool.get("bye")).state).toBe("deleting");
    expect(await batchError(h.client.pool.patch("bye", { metadata: [] }))).toMatchObject({ status: 409, code: "PoolBeingDeleted" });
    expect(await batchError(h.client.pool.deleteMethod("bye"))).toMatchObject({ status: 409, code: "PoolBeingDeleted" });
    h.advance(h.emulator.timing.poolDeletingMs);
    expect((await h.client.pool.exists("bye")).body).toBe(false);
    await h.client.pool.add(pool("bye"));
  });
});

describe("autoscale", () => {
  it("evaluates the formula at creation, reports the run and re-evaluates on the interval", async () => {
    const formula = "$TargetDedicatedNodes = min(3, $CurrentDedicatedNodes + 1);\n$TargetLowPriorityNodes = max(0, 2 - 1)";
    await h.client.pool.add(pool("auto", { enableAutoScale: true, autoScaleFormula: formula, autoScaleEvaluationInterval: "PT5M" }));
    const first = await h.client.pool.get("auto");
    expect(first).toMatchObject({
      enableAutoScale: true,
      targetDedicatedNodes: 1,
      targetLowPriorityNodes: 1,
      autoScaleEvaluationInterval: "PT5M",
    });
    expect(first.autoScaleRun?.results).toContain("$TargetDedicatedNodes=1;$TargetLowPriorityNodes=1;$NodeDeallocationOption=requeue");
    expect(first.resizeTimeout).toBeUndefined();
    h.advance(5 * 60_000);
    expect((await h.client.pool.get("auto")).targetDedicatedNodes).toBe(2);
    h.advance(2 * 5 * 60_000);
    expect(await h.client.pool.get("auto")).toMatchObject({ targetDedicatedNodes: 3, currentDedicatedNodes: 3 });
    expect(await batchError(h.client.pool.resize("auto", { targetDedicatedNodes: 1 }))).toMatchObject({ status: 409 });
  });

  it("evaluateautoscale returns results or the evaluation error without applying them", async () => {
    await h.client.pool.add(pool("eval", { enableAutoScale: true, autoScaleFormula: "$TargetDedicatedNodes = 0" }));
    const run = await h.client.pool.evaluateAutoScale(
      "eval",
      "$TargetDedicatedNodes = max(2, 5 * 2); $NodeDeallocationOption = taskcompletion",
    );
    expect(run.results).toBe("$TargetDedicatedNodes=10;$TargetLowPriorityNodes=0;$NodeDeallocationOption=taskcompletion");
    expect((await h.client.pool.get("eval")).targetDedicatedNodes).toBe(0);
    const failed = await h.client.pool.evaluateAutoScale("eval", "$TargetDedicatedNodes = $Undefined + 1");
    expect(failed.error?.code).toBe("AutoScalingFormulaEvaluationError");
    expect(failed.results).toBeUndefined();
  });

  it("enables and disables autoscale on an existing pool", async () => {
    await h.client.pool.add(pool("toggle", { targetDedicatedNodes: 1 }));
    expect(await batchError(h.client.pool.evaluateAutoScale("toggle", "$TargetDedicatedNodes = 1"))).toMatchObject({ status: 409 });
    h.advance(h.emulator.timing.nodeCreatingMs);
    await h.client.pool.enableAutoScale("toggle", { autoScaleFormula: "$TargetDedicatedNodes = 2", autoScaleEvaluationInterval: "PT10M" });
    expect(await h.client.pool.get("toggle")).toMatchObject({
      enableAutoScale: true,
      targetDedicatedNodes: 2,
      allocationState: "resizing",
    });
    h.advance(h.emulator.timing.nodeCreatingMs);
    // The service allows one enable per 30 seconds.
    expect(await batchError(h.client.pool.enableAutoScale("toggle", { autoScaleFormula: "$TargetDedicatedNodes = 3" }))).toMatchObject({
      code: "TooManyEnableAutoScaleRequests",
    });
    h.advance(30_000);
    expect(await batchError(h.client.pool.enableAutoScale("toggle", { autoScaleFormula: "$TargetDedicatedNodes = (" }))).toMatchObject({
      status: 400,
      code: "AutoScalingFormulaSyntaxError",
    });
    await h.client.pool.disableAutoScale("toggle");
    const off = await h.client.pool.get("toggle");
    expect(off).toMatchObject({ enableAutoScale: false, targetDedicatedNodes: 2, currentDedicatedNodes: 2 });
    expect(off.autoScaleFormula).toBeUndefined();
  });
});
