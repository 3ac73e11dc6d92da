import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  V1MicroTime,
  setHeaderOptions,
} from "@kubernetes/client-node";
import type { CoreV1Event, EventsV1Event, V1Lease, V1Secret } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aPool } from "../helpers/resources.js";
import { startTestApiServer } from "./apiserver/index.js";
import type { KubeObject, TestApiServer } from "./apiserver/index.js";
import { expectStatus } from "./apiserver/testing.js";

const NS = "builtins";
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const strategicPatch = setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch);

let server: TestApiServer;
let core: CoreV1Api;

beforeAll(async () => {
  server = await startTestApiServer({ namespaces: [NS] });
  core = server.kubeConfig().makeApiClient(CoreV1Api);
});
afterAll(async () => server.close());

describe("Leases (coordination.k8s.io/v1)", () => {
  it("creates, reads and replaces a Lease; a replace from a stale read is a 409 Conflict", async () => {
    const leases = server.kubeConfig().makeApiClient(CoordinationV1Api);
    const renewTime = new V1MicroTime("2024-05-01T10:00:00.123Z");
    const created = await leases.createNamespacedLease({
      namespace: NS,
      body: { metadata: { name: "leader" }, spec: { holderIdentity: "replica-a", leaseDurationSeconds: 15, renewTime } },
    });
    expect(created.spec?.holderIdentity).toBe("replica-a");
    const readA = await leases.readNamespacedLease({ namespace: NS, name: "leader" });
    const readB = await leases.readNamespacedLease({ namespace: NS, name: "leader" });
    const renewed: V1Lease = { ...readA, spec: { ...readA.spec, renewTime: new V1MicroTime("2024-05-01T10:00:05.000Z") } };
    await leases.replaceNamespacedLease({ namespace: NS, name: "leader", body: renewed });
    const takeover: V1Lease = { ...readB, spec: { ...readB.spec, holderIdentity: "replica-b" } };
    const status = await expectStatus(leases.replaceNamespacedLease({ namespace: NS, name: "leader", body: takeover }));
    expect(status).toMatchObject({ code: 409, reason: "Conflict" });
    const final = await leases.readNamespacedLease({ namespace: NS, name: "leader" });
    expect(final.spec?.holderIdentity).toBe("replica-a");
    // client-node hands MicroTime back as the wire string, which the server writes with microseconds.
    expect(String(final.spec?.renewTime)).toBe("2024-05-01T10:00:05.000000Z");
    const plainDate = await leases.createNamespacedLease({
      namespace: NS,
      body: { metadata: { name: "plain-date" }, spec: { renewTime: new Date("2024-05-01T10:00:00.5Z") } },
    });
    expect(String(plainDate.spec?.renewTime)).toBe("2024-05-01T10:00:00.500000Z");
  });

  it("rejects a non-positive leaseDurationSeconds with 422", async () => {
    const leases = server.kubeConfig().makeApiClient(CoordinationV1Api);
    const status = await expectStatus(
      leases.createNamespacedLease({ namespace: NS, body: { metadata: { name: "bad" }, spec: { leaseDurationSeconds: 0 } } }),
    );
    expect(status.details?.causes?.[0]?.field).toBe("spec.leaseDurationSeconds");
  });
});

describe("Secrets (core/v1)", () => {
  it("stores stringData as base64 data, lists by field selector, and patches", async () => {
    await core.createNamespacedSecret({
      namespace: NS,
      body: { metadata: { name: "registry", labels: { app: "batch" } }, stringData: { password: "s3cret" } },
    });
    const read = await core.readNamespacedSecret({ namespace: NS, name: "registry" });
    expect(read.type).toBe("Opaque");
    expect(read.stringData).toBeUndefined();
    expect(Buffer.from(read.data?.password ?? "", "base64").toString()).toBe("s3cret");
    const listed = await core.listNamespacedSecret({ namespace: NS, fieldSelector: "type=Opaque", labelSelector: "app=batch" });
    expect(listed.items.map((s) => s.metadata?.name)).toEqual(["registry"]);
    const rotated = await core.patchNamespacedSecret(
      { namespace: NS, name: "registry", body: { data: { password: Buffer.from("n3w").toString("base64") } } },
      mergePatch,
    );
    expect(Buffer.from(rotated.data?.password ?? "", "base64").toString()).toBe("n3w");
  });

  it("rejects data that is not base64 without echoing the value", async () => {
    const body: V1Secret = { metadata: { name: "broken" }, data: { key: "not base64!" } };
    const status = await expectStatus(core.createNamespacedSecret({ namespace: NS, body }));
    expect(status).toMatchObject({ code: 422, reason: "Invalid" });
    expect(JSON.stringify(status)).not.toContain("not base64!");
  });

  it("merges finalizers as a set under strategic merge patch (built-in types accept SMP)", async () => {
    await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: "smp", finalizers: ["a.example/one"] } } });
    const patched = await core.patchNamespacedSecret(
      { namespace: NS, name: "smp", body: { metadata: { finalizers: ["b.example/two"] } } },
      strategicPatch,
    );
    expect(patched.metadata?.finalizers).toEqual(["a.example/one", "b.example/two"]);
  });
});

describe("Events", () => {
  it("stores events.k8s.io/v1 and core/v1 Events in one place, each API showing its own shape", async () => {
    const eventsV1 = server.kubeConfig().makeApiClient(EventsV1Api);
    const regarding = { apiVersion: "azurebatch.gitops.dev/v1alpha1", kind: "BatchPool", namespace: NS, name: "render", uid: "u-1" };
    const body: EventsV1Event = {
      metadata: { name: "render.1" },
      eventTime: new V1MicroTime("2024-05-01T10:00:00.000Z"),
      reportingController: "azurebatch.gitops.dev/controller",
      reportingInstance: "controller-0",
      action: "Create",
      reason: "PoolCreated",
      type: "Normal",
      note: "created pool render",
      regarding,
    };
    await eventsV1.createNamespacedEvent({ namespace: NS, body });
    const asCore = await core.listNamespacedEvent({ namespace: NS, fieldSelector: "involvedObject.name=render,reason=PoolCreated" });
    expect(asCore.items).toHaveLength(1);
    const event = asCore.items[0] as CoreV1Event;
    expect(event.message).toBe("created pool render");
    expect(event.involvedObject.kind).toBe("BatchPool");
    expect(event.reportingComponent).toBe("azurebatch.gitops.dev/controller");
    const series = { count: 2, lastObservedTime: new V1MicroTime("2024-05-01T10:01:00.000Z") };
    const patched = await eventsV1.patchNamespacedEvent({ namespace: NS, name: "render.1", body: { series } }, mergePatch);
    expect(patched.series?.count).toBe(2);
    expect(patched.note).toBe("created pool render");
  });

  it("requires the events.k8s.io/v1 fields (reportingController, action, …) on create", async () => {
    const eventsV1 = server.kubeConfig().makeApiClient(EventsV1Api);
    const status = await expectStatus(
      eventsV1.createNamespacedEvent({
        namespace: NS,
        body: { metadata: { name: "bare" }, eventTime: new V1MicroTime(), reason: "X", type: "Normal" },
      }),
    );
    const fields = (status.details?.causes ?? []).map((c) => c.field);
    expect(fields).toEqual(expect.arrayContaining(["reportingController", "reportingInstance", "action"]));
  });

  it("accepts core/v1 Events and lists them cluster-wide", async () => {
    await core.createNamespacedEvent({
      namespace: NS,
      body: {
        metadata: { name: "core.1" },
        involvedObject: { kind: "BatchJob", name: "sim", namespace: NS },
        reason: "TasksSubmitted",
        message: "10 tasks",
        type: "Normal",
        count: 1,
      },
    });
    const all = await core.listEventForAllNamespaces({ fieldSelector: "reason=TasksSubmitted" });
    expect(all.items.map((e) => e.metadata?.name)).toEqual(["core.1"]);
  });
});

describe("Namespaces and discovery", () => {
  it("refuses objects in a missing namespace with 404, and deletes a namespace with its contents", async () => {
    const missing = await expectStatus(core.createNamespacedSecret({ namespace: "nowhere", body: { metadata: { name: "x" } } }));
    expect(missing).toMatchObject({ code: 404, message: 'namespaces "nowhere" not found' });
    await core.createNamespace({ body: { metadata: { name: "short-lived" } } });
    await core.createNamespacedSecret({ namespace: "short-lived", body: { metadata: { name: "x" } } });
    await core.deleteNamespace({ name: "short-lived" });
    expect((await expectStatus(core.readNamespace({ name: "short-lived" }))).code).toBe(404);
    expect(server.control.getObject({ apiVersion: "v1", kind: "Secret", namespace: "short-lived", name: "x" })).toBeUndefined();
  });

  it("serves discovery so KubernetesObjectApi can create, read and delete custom and built-in objects", async () => {
    const objects = KubernetesObjectApi.makeApiClient(server.kubeConfig());
    const pool = { ...aPool({ name: "via-object-api", namespace: NS }).build() };
    await objects.create(pool);
    const read = (await objects.read({
      apiVersion: pool.apiVersion,
      kind: pool.kind,
      metadata: { name: "via-object-api", namespace: NS },
    })) as KubeObject;
    expect(read.metadata.generation).toBe(1);
    const list = await objects.list("azurebatch.gitops.dev/v1alpha1", "BatchPool", NS);
    expect(list.items.map((i) => i.metadata?.name)).toContain("via-object-api");
    await objects.delete({ apiVersion: "v1", kind: "Secret", metadata: { name: "registry", namespace: NS } });
    expect(server.control.getObject({ apiVersion: "v1", kind: "Secret", namespace: NS, name: "registry" })).toBeUndefined();
  });

  it("requires the bearer token when one is configured", async () => {
    const secured = await startTestApiServer({ token: "t0ken" });
    try {
      const ok = await secured.kubeConfig().makeApiClient(CoreV1Api).listNamespace();
      expect(ok.items.map((n) => n.metadata?.name)).toEqual(["default", "kube-system"]);
      const anonymous = server.kubeConfig();
      anonymous.clusters[0] = { ...anonymous.clusters[0], name: "test-apiserver", server: secured.url, skipTLSVerify: true };
      const status = await expectStatus(
        anonymous
          .makeApiClient(CustomObjectsApi)
          .listClusterCustomObject({ group: "azurebatch.gitops.dev", version: "v1alpha1", plural: "batchpools" }),
      );
      expect(status.code).toBe(401);
    } finally {
      await secured.close();
    }
  });
});
