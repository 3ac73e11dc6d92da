import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { OWNER_KEY } from "../../controller/core/ownership.js";
import { checkInvariants } from "../helpers/invariants.js";
import { conditionOf, isReady, startHarness, type Harness } from "./harness.js";

const VALID = `apiVersion: azurebatch.gitops.dev/v1alpha1
kind: BatchPool
metadata:
  name: good
spec:
  vmSize: standard_d2s_v3
  image:
    marketplace: { publisher: microsoft-dsvm, offer: ubuntu-hpc, sku: "2204", version: latest }
  nodeAgentSkuId: batch.node.ubuntu 22.04
  scale:
    fixed: { targetDedicatedNodes: 1 }
---
apiVersion: azurebatch.gitops.dev/v1alpha1
kind: BatchJob
metadata:
  name: good-job
spec:
  poolRef: { name: good }
  tasks:
    - { id: hello, commandLine: echo hello }
`;

describe("an invalid manifest beside valid ones", () => {
  let h: Harness | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await h?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("converges the valid resources, reports the invalid one as Stalled, and makes no Batch write for it", async () => {
    dir = await mkdtemp(join(tmpdir(), "bgo-invalid-"));
    await writeFile(join(dir, "good.yaml"), VALID);
    await copyFile("manifests/invalid/invalid-value.yaml", join(dir, "invalid-value.yaml"));
    h = await startHarness();
    await h.source.loadDir(dir);
    h.start();

    await h.waitForStatus("BatchPool/default/good", isReady);
    await h.waitForStatus("BatchJob/default/good-job", isReady);
    const invalid = await h.waitForStatus("BatchPool/default/invalid-value", (s) => conditionOf(s, "Stalled")?.status === "True");
    expect(conditionOf(invalid, "Stalled")?.reason).toBe("InvalidSpec");
    expect(conditionOf(invalid, "Stalled")?.message).toMatch(/invalid-value\.yaml:\d+ spec\.driftPolicy/);
    expect(h.recorded.events).toContainEqual(
      expect.objectContaining({ key: "BatchPool/default/invalid-value", type: "Warning", reason: "InvalidSpec" }),
    );

    const owners = [...(await h.batch.listPools()), ...(await h.batch.listJobs())].map((o) => o.metadata[OWNER_KEY]);
    expect(owners.sort()).toEqual(["BatchJob/default/good-job", "BatchPool/default/good"]);
    // Exactly the valid resources' writes reached the service.
    expect(h.served.get("Pool_Add")).toBe(1);
    expect(h.served.get("Job_Add")).toBe(1);
    for (const op of ["Pool_Resize", "Pool_Patch", "Pool_Delete", "Pool_UpdateProperties"]) expect(h.served.get(op) ?? 0, op).toBe(0);
    await checkInvariants(h.batch, h.source, h.recorded.statuses);
  });
});
