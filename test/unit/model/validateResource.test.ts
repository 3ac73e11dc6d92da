import { describe, expect, it } from "vitest";
import { validateResource } from "../../../controller/model/index.js";
import { aJob, aPool, aSweep, aTask } from "../../helpers/resources.js";

const rules = (obj: unknown): string[] => validateResource(obj).map((p) => `${p.rule} ${p.path}`);

describe("validateResource: BatchPool", () => {
  it("accepts a valid pool", () => {
    expect(validateResource(aPool().build())).toEqual([]);
  });

  it("rejects unknown fields with their path", () => {
    const pool = aPool().build() as unknown as { spec: Record<string, unknown> };
    pool.spec.vmsize = "x";
    expect(rules(pool)).toEqual(["unknown-field spec.vmsize"]);
  });

  it("reports a wrong type at the field", () => {
    const pool = aPool()
      .withScale({ fixed: { targetDedicatedNodes: "two" as unknown as number } })
      .build();
    expect(rules(pool)).toEqual(["wrong-type spec.scale.fixed.targetDedicatedNodes"]);
  });

  it("reports invalid enum values and missing required fields", () => {
    const pool = aPool({}, { driftPolicy: "Fix" as "Correct" }).build() as unknown as { spec: Record<string, unknown> };
    delete pool.spec.vmSize;
    expect(rules(pool).sort()).toEqual(["invalid-value spec.driftPolicy", "missing-field spec.vmSize"]);
  });

  it("requires exactly one of fixed scale or autoscale (CEL rule)", () => {
    const both = aPool()
      .withScale({ fixed: { targetDedicatedNodes: 1 }, autoscale: { formula: "$TargetDedicatedNodes=1;" } })
      .build();
    const neither = aPool().withScale({}).build();
    expect(rules(both)).toEqual(["pool-scale-exactly-one spec.scale"]);
    expect(rules(neither)).toEqual(["pool-scale-exactly-one spec.scale"]);
  });

  it("requires exactly one of marketplace or gallery image (CEL rule)", () => {
    const both = aPool()
      .withImage({
        marketplace: { publisher: "p", offer: "o", sku: "s" },
        virtualMachineImageId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i",
      })
      .build();
    expect(rules(both)).toEqual(["pool-image-exactly-one spec.image"]);
  });

  it("rejects names that cannot become Batch ids", () => {
    expect(rules(aPool({ name: "Has_Upper" }).build())).toEqual(["invalid-value metadata.name"]);
    expect(rules(aPool({ name: "x".repeat(56) }).build())).toEqual(["invalid-value metadata.name"]);
  });

  it("accepts registries with a secret-ref password or a managed identity, not both", () => {
    const ok = aPool(
      {},
      {
        containerConfiguration: {
          type: "dockerCompatible",
          containerRegistries: [
            { registryServer: "a.azurecr.io", username: "u", passwordSecretRef: { name: "acr", key: "password" } },
            {
              registryServer: "b.azurecr.io",
              identityResourceId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id",
            },
          ],
        },
      },
    ).build();
    expect(validateResource(ok)).toEqual([]);
    const both = aPool(
      {},
      {
        containerConfiguration: {
          type: "dockerCompatible",
          containerRegistries: [
            { registryServer: "a.azurecr.io", username: "u", passwordSecretRef: { name: "acr", key: "p" }, identityResourceId: "id" },
          ],
        },
      },
    ).build();
    expect(rules(both)).toEqual(["registry-credentials-exactly-one spec.containerConfiguration.containerRegistries[0]"]);
  });
});

describe("validateResource: BatchJob", () => {
  it("accepts a valid job", () => {
    expect(validateResource(aJob().build())).toEqual([]);
  });

  it("requires exactly one of poolRef or poolId", () => {
    expect(rules(aJob({}, { poolId: "existing" }).build())).toEqual(["job-pool-exactly-one spec"]);
  });

  it("rejects tasks together with a taskFactory", () => {
    expect(rules(aJob({}, { taskFactory: aSweep(3) }).build())).toEqual(["job-tasks-or-factory spec"]);
  });

  it("rejects task ids Batch refuses", () => {
    expect(
      rules(
        aJob()
          .withTasks([aTask("has space")])
          .build(),
      ),
    ).toEqual(["invalid-value spec.tasks[0].id"]);
    expect(
      rules(
        aJob()
          .withTasks([aTask("x".repeat(65))])
          .build(),
      ),
    ).toEqual(["invalid-value spec.tasks[0].id"]);
  });

  it("rejects task ids that repeat case-insensitively", () => {
    expect(
      rules(
        aJob()
          .withTasks([aTask("Frame-1"), aTask("x"), aTask("frame-1")])
          .build(),
      ),
    ).toEqual(["task-id-unique spec.tasks[2].id"]);
  });

  it("rejects dependencies on tasks the job does not define", () => {
    const job = aJob()
      .withTasks([aTask("a"), aTask("b", { dependsOn: { taskIds: ["a", "zz"] } })])
      .build();
    expect(rules(job)).toEqual(["task-depends-on-missing spec.tasks[1].dependsOn.taskIds"]);
  });

  it("accepts a task factory and checks its id template cheaply", () => {
    expect(validateResource(aJob().withTaskFactory(aSweep(100_000)).build())).toEqual([]);
    const constantId = aJob()
      .withTaskFactory(aSweep(10, { id: "same" }))
      .build();
    expect(rules(constantId)).toEqual(["task-id-unique spec.taskFactory.parametricSweep.taskTemplate.id"]);
  });

  it("rejects a sweep whose end is below its start (CEL rule)", () => {
    const job = aJob()
      .withTaskFactory({
        parametricSweep: { parameters: [{ name: "i", start: 5, end: 1 }], taskTemplate: { id: "t{i}", commandLine: "x" } },
      })
      .build();
    expect(rules(job)).toEqual(["sweep-range-order spec.taskFactory.parametricSweep.parameters[0]"]);
  });
});
