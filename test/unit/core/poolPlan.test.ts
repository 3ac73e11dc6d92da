import { describe, expect, it } from "vitest";
import { describeAction } from "../../../controller/core/actions.js";
import { desiredMetadata, planPool } from "../../../controller/core/poolPlan.js";
import { desiredPoolId } from "../../../controller/core/poolIdentity.js";
import { ctx, livePool, poolIntent } from "./fixtures.js";

const base = poolIntent();
const newImage = poolIntent({
  immutable: {
    ...base.immutable,
    virtualMachineConfiguration: {
      ...base.immutable.virtualMachineConfiguration,
      imageReference: { publisher: "microsoft-dsvm", offer: "ubuntu-hpc", sku: "2204", version: "22.04.2" },
    },
  },
});

describe("pool identity", () => {
  it("names the pool <name>-<hash8> and changes the id only when the immutable part changes", () => {
    expect(desiredPoolId(base)).toMatch(/^render-[0-9a-f]{8}$/);
    expect(desiredPoolId(poolIntent({ scale: { mode: "fixed", targetDedicatedNodes: 9, targetLowPriorityNodes: 1 } }))).toBe(
      desiredPoolId(base),
    );
    expect(desiredPoolId(newImage)).not.toBe(desiredPoolId(base));
  });
  it("does not depend on key order", () => {
    const reordered = poolIntent({
      immutable: {
        taskSlotsPerNode: 1,
        virtualMachineConfiguration: {
          nodeAgentSKUId: "batch.node.ubuntu 22.04",
          imageReference: { version: "latest", sku: "2204", offer: "ubuntu-hpc", publisher: "microsoft-dsvm" },
        },
        vmSize: "standard_d2s_v3",
      },
    });
    expect(desiredPoolId(reordered)).toBe(desiredPoolId(base));
  });
});

describe("planPool", () => {
  const fixed = (d: number, l = 0) => poolIntent({ scale: { mode: "fixed", targetDedicatedNodes: d, targetLowPriorityNodes: l } });
  const foreign = { ...livePool(base), id: desiredPoolId(base), metadata: {} };

  const cases = [
    { name: "absent → create with ownership", intent: base, live: [], status: "Absent", actions: ["CreatePool"] },
    { name: "in sync → nothing", intent: base, live: [livePool(base)], status: "InSync", actions: [] },
    {
      name: "scale up when steady → resize",
      intent: fixed(5),
      live: [livePool(base)],
      status: "OutOfSync",
      actions: ["ResizePool", "PatchPool"],
    },
    {
      name: "resize toward the desired target in progress → wait, not fight",
      intent: base,
      live: [livePool(base, { allocationState: "resizing", currentDedicatedNodes: 1 })],
      status: "Resizing",
      actions: [],
    },
    {
      name: "resize toward another target → stop it first",
      intent: fixed(1),
      live: [livePool(fixed(1), { allocationState: "resizing", targetDedicatedNodes: 4 })],
      status: "Drifted",
      actions: ["StopResize"],
    },
    {
      name: "a resize another client stopped below the target → resize again",
      intent: fixed(3),
      live: [livePool(fixed(3), { currentDedicatedNodes: 1, resizeErrors: [{ code: "ResizeStopped", message: "stopped" }] })],
      status: "OutOfSync",
      actions: ["ResizePool"],
    },
    {
      name: "steady below target after an allocation failure → no retry loop",
      intent: fixed(3),
      live: [livePool(fixed(3), { currentDedicatedNodes: 1, resizeErrors: [{ code: "AllocationFailed", message: "no capacity" }] })],
      status: "InSync",
      actions: [],
    },
    {
      name: "portal resize (drift) corrected",
      intent: base,
      live: [livePool(base, { targetDedicatedNodes: 7, currentDedicatedNodes: 7 })],
      status: "Drifted",
      actions: ["ResizePool"],
    },
    {
      name: "drift only alerted",
      intent: poolIntent({ driftPolicy: "Alert" }),
      live: [livePool(poolIntent({ driftPolicy: "Alert" }), { targetDedicatedNodes: 7 })],
      status: "Drifted",
      actions: [],
    },
    {
      name: "metadata edited out of band → patched",
      intent: base,
      live: [livePool(base, { metadata: { ...livePool(base).metadata, team: "other" } })],
      status: "Drifted",
      actions: ["PatchPool"],
    },
    { name: "foreign pool with our id → conflict, untouched", intent: base, live: [foreign], status: "Conflict", actions: [] },
    {
      name: "image change under Recreate → delete old first",
      intent: newImage,
      live: [livePool(base)],
      status: "Replacing",
      actions: ["DeletePool"],
    },
    {
      name: "Recreate waits while the old pool is deleting",
      intent: newImage,
      live: [livePool(base, { state: "deleting" })],
      status: "Replacing",
      actions: [],
    },
    {
      name: "image change under BlueGreen → create beside",
      intent: { ...newImage, updateStrategy: "BlueGreen" as const },
      live: [livePool(base)],
      status: "Replacing",
      actions: ["CreatePool"],
    },
    {
      name: "BlueGreen new pool ready → drain old",
      intent: { ...newImage, updateStrategy: "BlueGreen" as const },
      live: [livePool(base), livePool({ ...newImage, updateStrategy: "BlueGreen" })],
      status: "Replacing",
      actions: ["DrainPool"],
    },
    {
      name: "BlueGreen new pool not ready → keep old",
      intent: { ...newImage, updateStrategy: "BlueGreen" as const },
      live: [
        livePool(base),
        livePool({ ...newImage, updateStrategy: "BlueGreen" }, { allocationState: "resizing", currentDedicatedNodes: 0 }),
      ],
      status: "Replacing",
      actions: [],
    },
    {
      name: "BlueGreen old drained and idle → delete",
      intent: { ...newImage, updateStrategy: "BlueGreen" as const },
      live: [livePool(base, { targetDedicatedNodes: 0, currentDedicatedNodes: 0 }), livePool({ ...newImage, updateStrategy: "BlueGreen" })],
      status: "Replacing",
      actions: ["DeletePool"],
    },
  ] as const;

  it.each(cases)("$name", ({ intent, live, status, actions }) => {
    const plan = planPool(intent, live, ctx);
    expect(plan.state.status).toBe(status);
    expect(plan.actions.map((a) => a.type)).toEqual(actions);
  });

  describe("another manager's pool (batch-gitops/manager names another controller)", () => {
    const theirs = (intent = base, overrides = {}) =>
      livePool(intent, { metadata: { ...livePool(intent).metadata, "batch-gitops/manager": "team-a" }, ...overrides });

    it.each([
      { name: "same revision", intent: base, live: [theirs()] },
      { name: "another node count (a mutable revision)", intent: fixed(5), live: [theirs()] },
      { name: "another image (an immutable revision, another pool id)", intent: newImage, live: [theirs()] },
      { name: "drifted, policy Correct", intent: base, live: [theirs(base, { targetDedicatedNodes: 9 })] },
    ])("$name → blocked OwnedByAnotherManager, no action", ({ intent, live }) => {
      const plan = planPool(intent, live, ctx);
      expect(plan.actions).toEqual([]);
      expect(plan.drift).toEqual([]);
      expect(plan.blocked).toEqual({
        reason: "OwnedByAnotherManager",
        message: expect.stringMatching(/managed by "team-a".*set spec\.adopt\.fromManager: team-a/),
      });
    });

    it("adopt.fromManager naming that manager takes it over: the manifest is applied and the pool re-stamped", () => {
      const plan = planPool({ ...fixed(5), adoptFromManager: "team-a" }, [theirs()], ctx);
      expect(plan.blocked).toBeUndefined();
      expect(plan.state.status).toBe("OutOfSync");
      expect(plan.actions.map((a) => a.type)).toEqual(["ResizePool", "PatchPool"]);
      const patch = plan.actions[1];
      expect(patch?.type === "PatchPool" && patch.metadata["batch-gitops/manager"]).toBe("test-manager");
    });

    it("adopt.fromManager re-stamps even when nothing else differs", () => {
      const plan = planPool({ ...base, adoptFromManager: "team-a" }, [theirs()], ctx);
      expect(plan.actions.map((a) => a.type)).toEqual(["PatchPool"]);
    });

    it("adopt.fromManager naming a third manager does not take it", () => {
      expect(planPool({ ...base, adoptFromManager: "team-c" }, [theirs()], ctx).blocked?.reason).toBe("OwnedByAnotherManager");
    });
  });

  it("autoscale pools own their node counts: a formula-driven target is not drift", () => {
    const auto = poolIntent({ scale: { mode: "autoscale", formula: "$TargetDedicatedNodes=3;", evaluationIntervalSeconds: 300 } });
    const plan = planPool(auto, [livePool(auto, { targetDedicatedNodes: 3, currentDedicatedNodes: 3, allocationState: "resizing" })], ctx);
    expect(plan.actions).toEqual([]);
    expect(plan.drift).toEqual([]);
  });

  it("reports drift field by field and words the resize", () => {
    const plan = planPool(base, [livePool(base, { targetDedicatedNodes: 7, currentDedicatedNodes: 7 })], ctx);
    expect(plan.drift).toEqual([{ field: "targetDedicatedNodes", desired: 2, live: 7 }]);
    expect(describeAction(plan.actions[0]!)).toMatch(
      /^~ resize pool render-[0-9a-f]{8} to 2 dedicated \+ 0 low-priority nodes: drift correction/,
    );
  });

  it("the create body carries the owner, manager, spec hash and deletion policy", () => {
    const [create] = planPool(base, [], ctx).actions;
    expect(create?.type).toBe("CreatePool");
    const body = create?.type === "CreatePool" ? create.body : {};
    expect(body.metadata).toEqual(
      expect.arrayContaining([
        { name: "batch-gitops/owner", value: "BatchPool/default/render" },
        { name: "batch-gitops/manager", value: "test-manager" },
        { name: "batch-gitops/deletion-policy", value: "Delete" },
        { name: "team", value: "vfx" },
      ]),
    );
    expect(body.targetDedicatedNodes).toBe(2);
  });
});

describe("planPool: adopting a pool created outside batch-gitops (spec.adopt.poolId)", () => {
  const adopter = poolIntent({ adoptPoolId: "Legacy_Render" });
  const foreign = livePool(adopter, { id: "Legacy_Render", metadata: { team: "vfx" } });

  it("that matches the manifest: Adopting, the ownership stamp only, marked as an adoption", () => {
    const plan = planPool(adopter, [foreign], ctx);
    expect(plan.state.status).toBe("Adopting");
    expect(plan.actions).toEqual([
      expect.objectContaining({ type: "PatchPool", poolId: "Legacy_Render", adoption: true, metadata: desiredMetadata(adopter, ctx) }),
    ]);
  });

  it("that differs (scale) or is stamped by another controller: a change, not a pure adoption", () => {
    const resized = planPool(adopter, [{ ...foreign, targetDedicatedNodes: 5 }], ctx);
    expect(resized.state.status).toBe("OutOfSync");
    expect(resized.actions.some((a) => a.type === "PatchPool" && a.adoption === true)).toBe(false);
    const handedOver = planPool(
      { ...adopter, adoptFromManager: "team-a" },
      [{ ...foreign, metadata: { ...foreign.metadata, "batch-gitops/manager": "team-a" } }],
      ctx,
    );
    expect(handedOver.state.status).toBe("OutOfSync");
  });

  it("whose image or VM size then changes in the manifest: blocked (AdoptedPoolImmutable), nothing written, never 'in sync'", () => {
    const adopted = livePool(adopter, { id: "Legacy_Render" });
    const focal = poolIntent({
      adoptPoolId: "Legacy_Render",
      immutable: {
        ...adopter.immutable,
        virtualMachineConfiguration: {
          imageReference: { publisher: "microsoft-dsvm", offer: "ubuntu-hpc", sku: "2004", version: "latest" },
          nodeAgentSKUId: "batch.node.ubuntu 20.04",
        },
      },
    });
    const plan = planPool(focal, [adopted], ctx);
    expect(plan.state.status).toBe("AdoptedImmutable");
    expect(plan.actions).toEqual([]);
    expect(plan.blocked).toMatchObject({ reason: "AdoptedPoolImmutable", message: expect.stringContaining("Remove spec.adopt.poolId") });
    expect(plan.blocked?.message).toContain("virtualMachineConfiguration");
    const bigger = planPool(
      poolIntent({ adoptPoolId: "Legacy_Render", immutable: { ...adopter.immutable, vmSize: "standard_d4s_v3" } }),
      [adopted],
      ctx,
    );
    expect(bigger.blocked?.reason).toBe("AdoptedPoolImmutable");
    // Once the adoption is dropped the pool is this resource's earlier generation: replaced as any image change is.
    const replaced = planPool({ ...focal, adoptPoolId: undefined }, [adopted], ctx);
    expect(replaced.state.status).toBe("Replacing");
    expect(replaced.actions).toEqual([expect.objectContaining({ type: "DeletePool", poolId: "Legacy_Render" })]); // Recreate: old one first
  });
});
