// Kubernetes Events for our resources: aggregated by patching count, re-created when expired,
// referencing the object's uid, and scrubbed of secret values.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CoreV1Event } from "@kubernetes/client-node";
import { startTestApiServer, type TestApiServer } from "./apiserver/index.js";
import { KubeEventRecorder } from "../../controller/kubernetes/eventRecorder.js";
import { SecretValues } from "../../controller/kubernetes/redaction.js";
import type { CustomResource } from "../../controller/kubernetes/resources.js";
import { clients, createResource, poolObject, type ClusterClients } from "./cluster-harness.js";

describe("event recorder", () => {
  let server: TestApiServer;
  let api: ClusterClients;
  let pool: CustomResource;
  let recorder: KubeEventRecorder;
  const secrets = new SecretValues();

  beforeEach(async () => {
    server = await startTestApiServer({ namespaces: ["team-a"] });
    api = clients(server.kubeConfig());
    pool = await createResource(api.custom, "BatchPool", poolObject("render", "team-a"));
    recorder = new KubeEventRecorder({
      api: api.core,
      component: "batch-gitops",
      instance: "replica-1",
      lookup: (key) => (key === "BatchPool/team-a/render" ? pool : undefined),
      redact: (text) => secrets.redact(text),
    });
  });

  afterEach(async () => {
    await server.close();
  });

  const events = async (): Promise<CoreV1Event[]> => (await api.core.listNamespacedEvent({ namespace: "team-a" })).items;

  it("repeats of the same reason and message bump count on one Event", async () => {
    for (let i = 0; i < 3; i++) {
      recorder.record("BatchPool/team-a/render", "Warning", "ResizeError", "AllocationFailed: quota exceeded");
    }
    recorder.record("BatchPool/team-a/render", "Normal", "PoolResized", "resized to 2 dedicated nodes");
    await recorder.flush();
    const all = await events();
    expect(all).toHaveLength(2);
    const resize = all.find((e) => e.reason === "ResizeError");
    expect(resize).toMatchObject({ type: "Warning", count: 3, message: "AllocationFailed: quota exceeded" });
    expect(resize?.involvedObject).toMatchObject({ kind: "BatchPool", name: "render", namespace: "team-a", uid: pool.metadata?.uid });
    expect(server.control.requests({ verb: "create", resource: "events" })).toHaveLength(2);
    expect(server.control.requests({ verb: "patch", resource: "events" })).toHaveLength(2);
  });

  it("creates a fresh Event when the aggregated one has expired", async () => {
    recorder.record("BatchPool/team-a/render", "Normal", "DriftDetected", "targetDedicatedNodes: desired 1, live 3");
    await recorder.flush();
    const [first] = await events();
    await api.core.deleteNamespacedEvent({ namespace: "team-a", name: first?.metadata?.name ?? "" });
    recorder.record("BatchPool/team-a/render", "Normal", "DriftDetected", "targetDedicatedNodes: desired 1, live 3");
    await recorder.flush();
    const after = await events();
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ reason: "DriftDetected", count: 1 });
  });

  it("never puts a known secret value into an Event", async () => {
    secrets.add("s3cr3t-registry-password");
    recorder.record("BatchPool/team-a/render", "Warning", "BatchError", "registry login failed for password s3cr3t-registry-password");
    await recorder.flush();
    const [event] = await events();
    expect(event?.message).toBe("registry login failed for password [redacted]");
  });

  it("a failing API never fails the caller", async () => {
    server.control.injectError({ verb: "create", resource: "events", code: 500 });
    recorder.record("BatchPool/team-a/render", "Normal", "PoolCreated", "created pool render-1a2b3c4d");
    await expect(recorder.flush()).resolves.toBeUndefined();
    expect(await events()).toHaveLength(0);
  });
});
