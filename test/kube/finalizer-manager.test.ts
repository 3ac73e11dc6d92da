// Adding and removing our finalizer: idempotent, never clobbering another controller's finalizer,
// retried when the object changed between read and patch.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestApiServer, type TestApiServer } from "./apiserver/index.js";
import { CustomResourceClient } from "../../controller/kubernetes/customObjects.js";
import { FinalizerManager } from "../../controller/kubernetes/finalizers.js";
import { FINALIZER } from "../../controller/kubernetes/resources.js";
import { clients, createResource, deleteResource, getResource, poolObject, type ClusterClients } from "./cluster-harness.js";

describe("finalizer manager", () => {
  let server: TestApiServer;
  let api: ClusterClients;
  let finalizers: FinalizerManager;
  const ref = { kind: "BatchPool" as const, namespace: "team-a", name: "render" };

  beforeEach(async () => {
    server = await startTestApiServer({ namespaces: ["team-a"] });
    api = clients(server.kubeConfig());
    finalizers = new FinalizerManager(new CustomResourceClient(api.custom));
  });

  afterEach(async () => {
    await server.close();
  });

  const finalizersOf = async (): Promise<string[] | undefined> =>
    (await getResource(api.custom, "BatchPool", "team-a", "render")).metadata?.finalizers;

  it("adds once, keeps other finalizers, and removes only its own", async () => {
    const object = poolObject("render", "team-a");
    await createResource(api.custom, "BatchPool", { ...object, metadata: { ...object.metadata, finalizers: ["example.com/other"] } });
    expect(await finalizers.ensure(ref)).toBe("added");
    expect(await finalizers.ensure(ref)).toBe("present");
    expect(await finalizersOf()).toEqual(["example.com/other", FINALIZER]);
    expect(await finalizers.remove(ref)).toBe("removed");
    expect(await finalizers.remove(ref)).toBe("absent");
    expect(await finalizersOf()).toEqual(["example.com/other"]);
  });

  it("retries when the object changed between its read and the patch", async () => {
    await createResource(api.custom, "BatchPool", poolObject("render", "team-a"));
    server.control.injectError({ verb: "patch", resource: "batchpools", code: 409, times: 2 });
    expect(await finalizers.ensure(ref)).toBe("added");
    expect(await finalizersOf()).toEqual([FINALIZER]);
  });

  it("does not add a finalizer to an object already being deleted, and removing it lets the deletion finish", async () => {
    const object = poolObject("render", "team-a");
    await createResource(api.custom, "BatchPool", { ...object, metadata: { ...object.metadata, finalizers: [FINALIZER] } });
    await deleteResource(api.custom, "BatchPool", "team-a", "render");
    expect(await finalizers.ensure(ref)).toBe("deleting");
    expect(await finalizers.remove(ref)).toBe("removed");
    expect(
      server.control.getObject({ apiVersion: "azurebatch.gitops.dev/v1alpha1", kind: "BatchPool", namespace: "team-a", name: "render" }),
    ).toBeUndefined();
    expect(await finalizers.ensure(ref)).toBe("gone");
  });
});
