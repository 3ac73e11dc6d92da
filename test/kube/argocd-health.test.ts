import { describe, expect, it } from "vitest";
import { runArgoHealth, runArgoHealthScript, type ArgoHealthKind } from "./helpers/lua.js";

/** A resource as the API server returns it, with the status the controller would write. */
interface Fixture {
  spec?: Record<string, unknown>;
  generation?: number;
  observedGeneration?: number;
  conditions?: { type: string; status: string; reason: string; message?: string }[];
  noStatus?: boolean;
  deleting?: boolean;
}

function resource(kind: ArgoHealthKind, f: Fixture): Record<string, unknown> {
  const generation = f.generation ?? 2;
  return {
    apiVersion: "azurebatch.gitops.dev/v1alpha1",
    kind,
    metadata: {
      name: "render",
      namespace: "batch",
      generation,
      ...(f.deleting === true ? { deletionTimestamp: "2025-01-01T00:00:00Z", finalizers: ["azurebatch.gitops.dev/finalizer"] } : {}),
    },
    spec: { driftPolicy: "Correct", ...f.spec },
    ...(f.noStatus === true
      ? {}
      : {
          status: {
            observedGeneration: f.observedGeneration ?? generation,
            conditions: (f.conditions ?? []).map((c) => ({
              lastTransitionTime: "2025-01-01T00:00:00Z",
              observedGeneration: f.observedGeneration ?? generation,
              message: "",
              ...c,
            })),
          },
        }),
  };
}

const ready = { type: "Ready", status: "True", reason: "Succeeded", message: "Pool render-1a2b3c4d is steady with 2/2 nodes" };
const notReadyWaiting = { type: "Ready", status: "False", reason: "Resizing", message: "Resizing to 10 nodes" };
const reconciling = { type: "Reconciling", status: "True", reason: "Resizing", message: "Resizing from 2 to 10 dedicated nodes" };
const stalled = { type: "Stalled", status: "True", reason: "InvalidSpec", message: "vmSize standard_x1 is not offered" };

const cases: { name: string; fixture: Fixture; status: string; message?: string | RegExp }[] = [
  { name: "no status yet", fixture: { noStatus: true }, status: "Progressing", message: /Waiting for the controller/ },
  { name: "status without conditions", fixture: { conditions: undefined, observedGeneration: undefined }, status: "Progressing" },
  { name: "Ready=True", fixture: { conditions: [ready] }, status: "Healthy", message: ready.message },
  {
    name: "Ready=True but observedGeneration behind generation",
    fixture: { generation: 3, observedGeneration: 2, conditions: [ready] },
    status: "Progressing",
    message: /observe generation 3/,
  },
  { name: "Reconciling=True", fixture: { conditions: [reconciling, notReadyWaiting] }, status: "Progressing", message: reconciling.message },
  { name: "Ready=False with a transient reason", fixture: { conditions: [notReadyWaiting] }, status: "Progressing", message: notReadyWaiting.message },
  { name: "Ready=Unknown", fixture: { conditions: [{ type: "Ready", status: "Unknown", reason: "Reconciling" }] }, status: "Progressing" },
  {
    name: "Stalled=True",
    fixture: { conditions: [stalled, { type: "Ready", status: "False", reason: "InvalidSpec", message: stalled.message }] },
    status: "Degraded",
    message: stalled.message,
  },
  {
    name: "Ready=False with a terminal reason and no Stalled condition",
    fixture: { conditions: [{ type: "Ready", status: "False", reason: "QuotaExceeded", message: "Dedicated core quota 20 exceeded" }] },
    status: "Degraded",
    message: "Dedicated core quota 20 exceeded",
  },
  {
    name: "Stalled from an older generation is not trusted",
    fixture: { generation: 4, observedGeneration: 3, conditions: [stalled] },
    status: "Progressing",
  },
  { name: "suspended, even while stalled", fixture: { spec: { suspend: true }, conditions: [stalled] }, status: "Suspended", message: /spec.suspend/ },
  { name: "suspend: false is not suspended", fixture: { spec: { suspend: false }, conditions: [ready] }, status: "Healthy" },
  { name: "Ready=True while being deleted", fixture: { deleting: true, conditions: [ready] }, status: "Progressing", message: "Deleting" },
  {
    name: "Drifted alongside Ready=True stays Healthy (the controller corrects drift)",
    fixture: { conditions: [ready, { type: "Drifted", status: "True", reason: "DriftDetected", message: "targetDedicatedNodes: desired 2, live 5" }] },
    status: "Healthy",
  },
  {
    name: "Ready without a message falls back to its reason",
    fixture: { conditions: [{ type: "Ready", status: "True", reason: "Succeeded" }] },
    status: "Healthy",
    message: "Succeeded",
  },
];

describe.each(["BatchPool", "BatchJob"] as const)("Argo CD health check for %s", (kind) => {
  it.each(cases)("$name → $status", async ({ fixture, status, message }) => {
    const health = await runArgoHealth(kind, resource(kind, fixture));
    expect(health.status).toBe(status);
    if (message instanceof RegExp) {
      expect(health.message).toMatch(message);
    } else if (message !== undefined) {
      expect(health.message).toBe(message);
    }
  });
});

describe("edge cases of the live object", () => {
  it("treats only the boolean true as suspended", async () => {
    const obj = resource("BatchPool", { spec: { suspend: "yes" }, conditions: [ready] });
    await expect(runArgoHealth("BatchPool", obj)).resolves.toMatchObject({ status: "Healthy" });
  });

  it("handles an object without metadata.generation", async () => {
    const obj = { spec: {}, status: { conditions: [ready] } };
    await expect(runArgoHealth("BatchJob", obj)).resolves.toMatchObject({ status: "Healthy" });
  });
});

describe("the test harness follows Argo CD's convention", () => {
  it("gives scripts no io or os library, as Argo CD's sandbox", async () => {
    const health = await runArgoHealthScript('return { status = (os == nil and io == nil) and "Healthy" or "Degraded", message = "" }', {});
    expect(health.status).toBe("Healthy");
  });

  it("passes obj as plain tables, so type() and ipairs behave as in Argo CD", async () => {
    const script = 'return { status = "Healthy", message = type(obj.status.conditions) .. ":" .. #obj.status.conditions }';
    await expect(runArgoHealthScript(script, { status: { conditions: [ready, reconciling] } })).resolves.toEqual({ status: "Healthy", message: "table:2" });
  });

  it("rejects a status Argo CD does not know", async () => {
    await expect(runArgoHealthScript('return { status = "Fine" }', {})).rejects.toThrow(/Fine/);
  });
});
