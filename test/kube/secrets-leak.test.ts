// Registry passwords from Secrets: a missing Secret makes the pool wait, creating it lets the pool
// converge, a rotation is picked up without a spec change, and no secret value ever appears in
// logs, Events, status or error messages (all scanned), although it does reach Batch.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchServiceClient } from "@azure/batch";
import { sharedKeyCredentials } from "../../controller/batch/credentials.js";
import type { CustomResource } from "../../controller/kubernetes/resources.js";
import { API_GROUP_VERSION } from "../../controller/kubernetes/resources.js";
import { startClusterRig, type ClusterRig } from "./cluster-rig.js";
import { createResource, poolObject, until } from "./cluster-harness.js";

const FIRST = "first-Registry-Pa55word!";
const ROTATED = "rotated-Registry-Pa55word?";

describe("Secrets", () => {
  let rig: ClusterRig;
  let batch: BatchServiceClient;

  beforeAll(async () => {
    rig = await startClusterRig();
    batch = new BatchServiceClient(sharedKeyCredentials(rig.emulator.account.name, rig.emulator.account.key), rig.emulator.url);
    await rig.startReplica();
  });

  afterAll(async () => {
    await rig.close();
  });

  const pool = (): CustomResource | undefined =>
    rig.server.control.getObject({ apiVersion: API_GROUP_VERSION, kind: "BatchPool", namespace: "team-a", name: "private" }) as
      CustomResource | undefined;
  const ready = (): { status?: string; reason?: string; message?: string } | undefined =>
    (pool()?.status?.conditions as { type: string; status?: string; reason?: string; message?: string }[] | undefined)?.find(
      (c) => c.type === "Ready",
    );

  it("waits for a missing Secret, converges once it exists, and reconciles again on rotation", async () => {
    // The first pool creations fail inside Batch beyond the adapter's retries, so error paths
    // (logged errors, failure conditions) carry the request that held the password.
    rig.batchControl.faults.add({ operationId: "Pool_Add", kind: "error", count: 10 });
    await createResource(
      rig.api.custom,
      "BatchPool",
      poolObject("private", "team-a", { registrySecret: { name: "acr", key: "password" } }),
    );
    await until(() => ready()?.reason === "SecretNotFound", "the pool to wait for its Secret");
    expect(ready()?.message).toContain("Secret team-a/acr not found");
    // The wait is a Warning Event once, as a Pod's missing Secret is, not one per poll.
    const waits = (): number =>
      rig.logs.filter((l) => l.includes('"key":"BatchPool/team-a/private"') && l.includes('"reason":"SecretNotFound"')).length;
    await until(() => waits() >= 3, "the pool to poll for its Secret a few times");
    const warnings = (await rig.api.core.listNamespacedEvent({ namespace: "team-a" })).items.filter(
      (e) => e.reason === "SecretNotFound" && e.involvedObject.name === "private",
    );
    expect(warnings.map((e) => [e.type, e.count, e.message])).toEqual([
      ["Warning", 1, expect.stringContaining("Secret team-a/acr not found")],
    ]);

    await rig.api.core.createNamespacedSecret({
      namespace: "team-a",
      body: { metadata: { name: "acr" }, stringData: { password: FIRST } },
    });
    await until(() => ready()?.status === "True", "the pool to be Ready");
    const poolId = String(pool()?.status?.poolId);
    const live = await batch.pool.get(poolId);
    // Batch accepted the pool with its registry; like the real service, it never returns the password.
    const registry = live.virtualMachineConfiguration?.containerConfiguration?.containerRegistries?.[0];
    expect(registry?.userName).toBeDefined();
    expect(JSON.stringify(live)).not.toContain(FIRST);

    const reconciles = (): number =>
      rig.logs.filter((l) => l.includes('"key":"BatchPool/team-a/private"') && l.includes("referenced Secret changed")).length;
    await rig.api.core.replaceNamespacedSecret({
      namespace: "team-a",
      name: "acr",
      body: { metadata: { name: "acr" }, stringData: { password: ROTATED } },
    });
    await until(() => reconciles() > 0, "a reconcile caused by the rotation");
  });

  it("no secret value in logs, Events, status or error messages", async () => {
    const forms = [FIRST, ROTATED].flatMap((v) => [v, Buffer.from(v).toString("base64"), JSON.stringify(v).slice(1, -1)]);
    const events = (await rig.api.core.listNamespacedEvent({ namespace: "team-a" })).items;
    const pools = rig.server.control.getObject({ apiVersion: API_GROUP_VERSION, kind: "BatchPool", namespace: "team-a", name: "private" });
    const haystacks: Record<string, string> = {
      logs: rig.logs.join("\n"),
      events: JSON.stringify(events),
      status: JSON.stringify(pools?.status),
      errors: rig.logs.filter((l) => l.includes('"err"') || l.includes('"level":"error"') || l.includes('"level":"warn"')).join("\n"),
    };
    // The scan is only meaningful if the runs produced material: errors were logged, events recorded.
    expect(haystacks.errors?.length).toBeGreaterThan(0);
    expect(events.length).toBeGreaterThan(0);
    expect(haystacks.logs).toContain("reconcile failed");
    for (const [where, text] of Object.entries(haystacks)) {
      for (const form of forms) {
        expect(text.includes(form), `${where} contains a secret value`).toBe(false);
      }
    }
  });
});
