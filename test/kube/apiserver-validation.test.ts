import { fileURLToPath } from "node:url";
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aPool } from "../helpers/resources.js";
import { startTestApiServer } from "./apiserver/index.js";
import type { KubeObject, TestApiServer } from "./apiserver/index.js";
import { expectStatus } from "./apiserver/testing.js";

const WIDGET_CRD = fileURLToPath(new URL("./apiserver/testdata/widgets-crd.yaml", import.meta.url));
const POOL_CRD = fileURLToPath(new URL("../../crds/batchpools.azurebatch.gitops.dev.yaml", import.meta.url));
const widgets = { group: "example.test", version: "v1", plural: "widgets", namespace: "default" };
const pools = { group: "azurebatch.gitops.dev", version: "v1alpha1", plural: "batchpools", namespace: "default" };
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const strategicPatch = setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch);

let server: TestApiServer;
let api: CustomObjectsApi;

beforeAll(async () => {
  server = await startTestApiServer({ crdPaths: [WIDGET_CRD, POOL_CRD] });
  api = server.kubeConfig().makeApiClient(CustomObjectsApi);
});
afterAll(async () => server.close());

const widget = (name: string, spec: Record<string, unknown>): object => ({
  apiVersion: "example.test/v1",
  kind: "Widget",
  metadata: { name },
  spec,
});

describe("CRD schema", () => {
  it("applies defaults and prunes unknown fields, keeping x-kubernetes-preserve-unknown-fields subtrees", async () => {
    const created = (await api.createNamespacedCustomObject({
      ...widgets,
      body: widget("w-defaults", { size: 3, colour: "red", extra: { anything: { goes: 1 } } }),
    })) as KubeObject;
    expect(created.spec).toEqual({ size: 3, maxSize: 10, mode: "Safe", extra: { anything: { goes: 1 } } });
  });

  it("rejects unknown fields with 400 under fieldValidation=Strict", async () => {
    const status = await expectStatus(
      api.createNamespacedCustomObject({ ...widgets, body: widget("w-strict", { size: 1, colour: "red" }), fieldValidation: "Strict" }),
    );
    expect(status).toMatchObject({ code: 400, reason: "BadRequest" });
    expect(status.message).toContain('unknown field "spec.colour"');
  });

  it("answers 422 Invalid naming each bad field: required, type, minimum, enum, list-map duplicates", async () => {
    const missing = await expectStatus(api.createNamespacedCustomObject({ ...widgets, body: widget("w-missing", {}) }));
    expect(missing).toMatchObject({ code: 422, reason: "Invalid" });
    expect(missing.details?.causes).toContainEqual({ reason: "FieldValueRequired", field: "spec.size", message: "Required value" });
    // CEL rules are skipped when the schema already failed on a missing field, and the server says so.
    expect(missing.message).toBe(
      'Widget.example.test "w-missing" is invalid: [spec.size: Required value, <nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation]',
    );

    const bad = await expectStatus(
      api.createNamespacedCustomObject({
        ...widgets,
        body: widget("w-bad", {
          size: -1,
          mode: "Reckless",
          ports: [
            { name: "a", port: 1 },
            { name: "a", port: 2 },
          ],
        }),
      }),
    );
    const fields = (bad.details?.causes ?? []).map((c) => `${c.field} ${c.reason}`);
    expect(fields).toEqual(
      expect.arrayContaining(["spec.size FieldValueInvalid", "spec.mode FieldValueNotSupported", "spec.ports[1] FieldValueDuplicate"]),
    );
    const typed = await expectStatus(api.createNamespacedCustomObject({ ...widgets, body: widget("w-typed", { size: "big" }) }));
    expect(typed.details?.causes?.[0]).toMatchObject({ field: "spec.size", reason: "FieldValueTypeInvalid" });
  });

  it("validates the real BatchPool CRD: a missing vmSize is a 422 naming spec.vmSize", async () => {
    const pool = aPool({ name: "no-vm-size" }).build();
    const { vmSize: _dropped, ...spec } = pool.spec;
    const status = await expectStatus(api.createNamespacedCustomObject({ ...pools, body: { ...pool, spec } }));
    expect(status.details?.causes).toContainEqual({ reason: "FieldValueRequired", field: "spec.vmSize", message: "Required value" });
  });
});

describe("CEL rules (x-kubernetes-validations)", () => {
  it("rejects a create that breaks a rule, with the rule's message at the rule's field", async () => {
    const status = await expectStatus(api.createNamespacedCustomObject({ ...widgets, body: widget("w-cel", { size: 20, maxSize: 5 }) }));
    expect(status).toMatchObject({ code: 422, reason: "Invalid" });
    expect(status.details?.causes).toEqual([
      { reason: "FieldValueInvalid", field: "spec", message: 'Invalid value: "object": size must not exceed maxSize' },
    ]);
  });

  it("skips transition rules on create and enforces them on update (oldSelf)", async () => {
    await api.createNamespacedCustomObject({ ...widgets, body: widget("w-transition", { size: 1, mode: "Fast" }) });
    const status = await expectStatus(
      api.patchNamespacedCustomObject({ ...widgets, name: "w-transition", body: { spec: { mode: "Safe" } } }, mergePatch),
    );
    expect(status.details?.causes).toEqual([
      { reason: "FieldValueForbidden", field: "spec.mode", message: "Forbidden: mode is immutable" },
    ]);
    const resized = (await api.patchNamespacedCustomObject(
      { ...widgets, name: "w-transition", body: { spec: { size: 2 } } },
      mergePatch,
    )) as KubeObject;
    expect(resized.spec).toMatchObject({ size: 2, mode: "Fast" });
  });

  it("enforces the BatchPool CRD's rules: exactly one image source, and the name rule on metadata.name", async () => {
    const pool = aPool({ name: "two-images" }).build();
    const image = { ...pool.spec.image, virtualMachineImageId: "/subscriptions/x/images/y" };
    const status = await expectStatus(api.createNamespacedCustomObject({ ...pools, body: { ...pool, spec: { ...pool.spec, image } } }));
    expect(status.details?.causes).toContainEqual(
      expect.objectContaining({
        field: "spec.image",
        message: expect.stringContaining("exactly one of marketplace or virtualMachineImageId"),
      }),
    );
    const longName = "p".repeat(56);
    const named = await expectStatus(api.createNamespacedCustomObject({ ...pools, body: aPool({ name: longName }).build() }));
    expect(named.details?.causes?.[0]?.message).toContain("metadata.name must be a DNS label of at most 55 characters");
  });
});

describe("patch content types", () => {
  it("applies JSON patch, and fails a JSON patch whose test op does not hold with 422", async () => {
    const created = (await api.createNamespacedCustomObject({ ...widgets, body: widget("w-jsonpatch", { size: 1 }) })) as KubeObject;
    const patched = (await api.patchNamespacedCustomObject({
      ...widgets,
      name: "w-jsonpatch",
      body: [
        { op: "test", path: "/metadata/resourceVersion", value: created.metadata.resourceVersion },
        { op: "add", path: "/metadata/finalizers", value: ["example.test/cleanup"] },
        { op: "replace", path: "/spec/size", value: 4 },
      ],
    })) as KubeObject;
    expect(patched.metadata.finalizers).toEqual(["example.test/cleanup"]);
    expect(patched.spec).toMatchObject({ size: 4 });
    const stale = await expectStatus(
      api.patchNamespacedCustomObject({
        ...widgets,
        name: "w-jsonpatch",
        body: [{ op: "test", path: "/metadata/resourceVersion", value: created.metadata.resourceVersion }],
      }),
    );
    expect(stale).toMatchObject({ code: 422, reason: "Invalid" });
  });

  it("answers a merge patch carrying a stale resourceVersion with 409 Conflict", async () => {
    const created = (await api.createNamespacedCustomObject({ ...widgets, body: widget("w-mergerv", { size: 1 }) })) as KubeObject;
    await api.patchNamespacedCustomObject({ ...widgets, name: "w-mergerv", body: { spec: { size: 2 } } }, mergePatch);
    const status = await expectStatus(
      api.patchNamespacedCustomObject(
        { ...widgets, name: "w-mergerv", body: { metadata: { resourceVersion: created.metadata.resourceVersion }, spec: { size: 3 } } },
        mergePatch,
      ),
    );
    expect(status).toMatchObject({ code: 409, reason: "Conflict" });
  });

  it("refuses strategic merge patch on custom resources with 415, as the real server does", async () => {
    await api.createNamespacedCustomObject({ ...widgets, body: widget("w-smp", { size: 1 }) });
    const status = await expectStatus(
      api.patchNamespacedCustomObject({ ...widgets, name: "w-smp", body: { spec: { size: 2 } } }, strategicPatch),
    );
    expect(status).toMatchObject({ code: 415, reason: "UnsupportedMediaType" });
  });
});
