import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadManifests } from "../../../controller/manifests/index.js";
import { expandTaskFactory, taskFactoryCount, type BatchJob } from "../../../controller/model/index.js";
import { validateBatchRules } from "../../../controller/validation/index.js";
import { repoRoot, validateAgainstCrd } from "../../helpers/crds.js";

const examplesDir = join(repoRoot, "manifests", "examples");
/** Identity and mount pools need Resource Manager (an ARM resource id), so they live apart from the default examples. */
const identityDir = join(repoRoot, "manifests", "identity");

describe("manifests/examples", () => {
  it("load without problems", async () => {
    const { resources, problems } = await loadManifests(examplesDir);
    expect(problems).toEqual([]);
    expect(resources.map((r) => r.key).sort()).toEqual([
      "BatchJob/default/monte-carlo",
      "BatchJob/default/python-app",
      "BatchJob/media/ffmpeg-transcode",
      "BatchPool/default/containers",
      "BatchPool/default/render-nodes",
      "BatchPool/default/sweep",
      "BatchPool/media/ffmpeg",
    ]);
  });

  it("each validate against the committed CRD schema (ajv) and its CEL rules (cel-js)", async () => {
    const { resources } = await loadManifests(examplesDir);
    for (const { kind, resource, key } of resources) {
      expect(validateAgainstCrd(kind, resource), key).toEqual({ schemaErrors: [], celProblems: [] });
    }
  });

  it("pass the Batch rules under Entra ID; only the gallery pool fails under shared key", async () => {
    const { resources } = await loadManifests(examplesDir);
    const sharedKey = resources.flatMap((r) => validateBatchRules(r.resource, { authMode: "shared-key" }).map((p) => `${r.key} ${p.rule}`));
    expect(sharedKey).toEqual(["BatchPool/default/render-nodes gallery-image-needs-entra"]);
    expect(resources.flatMap((r) => validateBatchRules(r.resource, { authMode: "entra" }))).toEqual([]);
  });

  it("manifests/identity pass the schema and the Batch rules given an ARM resource id; without one only the identity pool fails, located at spec.identity", async () => {
    const { resources, problems } = await loadManifests(identityDir);
    expect(problems).toEqual([]);
    expect(resources.map((r) => r.key).sort()).toEqual(["BatchPool/default/acr-identity", "BatchPool/media/blob-mount"]);
    for (const { kind, resource, key } of resources) {
      expect(validateAgainstCrd(kind, resource), key).toEqual({ schemaErrors: [], celProblems: [] });
    }
    expect(resources.flatMap((r) => validateBatchRules(r.resource, { authMode: "entra", arm: true }))).toEqual([]);
    const withoutArm = resources.flatMap((r) =>
      validateBatchRules(r.resource, { authMode: "entra", arm: false }).map((p) => `${r.key} ${p.path} ${p.rule}`),
    );
    expect(withoutArm).toEqual(["BatchPool/default/acr-identity spec.identity identity-needs-arm"]);
  });

  it("keep the demo small: 2-4 nodes per pool", async () => {
    const { resources } = await loadManifests(examplesDir);
    for (const { kind, resource, key } of resources) {
      if (kind !== "BatchPool" || resource.kind !== "BatchPool") continue;
      const fixed = resource.spec.scale.fixed;
      const nodes = (fixed?.targetDedicatedNodes ?? 0) + (fixed?.targetLowPriorityNodes ?? 0);
      expect(nodes, key).toBeGreaterThanOrEqual(2);
      expect(nodes, key).toBeLessThanOrEqual(4);
    }
  });

  it("the parametric sweep is 10,000 tasks with distinct ids", async () => {
    const { resources } = await loadManifests(examplesDir);
    const sweep = resources.find((r) => r.key === "BatchJob/default/monte-carlo")?.resource as BatchJob;
    const factory = sweep.spec.taskFactory;
    if (factory === undefined) throw new Error("monte-carlo has no taskFactory");
    expect(taskFactoryCount(factory)).toBe(10_000);
    const ids = new Set<string>();
    let last;
    for (const task of expandTaskFactory(factory)) {
      ids.add(task.id.toLowerCase());
      last = task;
    }
    expect(ids.size).toBe(10_000);
    expect(last?.id).toBe("sim-09999");
    expect(last?.outputFiles?.[0]?.destination.container.path).toBe("run-1/result-9999.json");
  });
});
