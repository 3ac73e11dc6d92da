/**
 * The controller against a real kube-apiserver, authenticated as the shipped ServiceAccount with a
 * TokenRequest token and bound by exactly the RBAC of manifests/deploy/controller: the lifecycle a
 * user drives with kubectl, what kubectl prints, least privilege read from the audit log, and the
 * Argo CD and Flux health rules on objects read back from the server.
 */
import { readFileSync } from "node:fs";
import { BatchServiceClient } from "@azure/batch";
import { CoreV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sharedKeyCredentials } from "../../controller/batch/credentials.js";
import { clusterEndpointAuthorizer, kubernetesRequestAuthorizer } from "../../controller/kubernetes/requestAuth.js";
import { startHttpServer } from "../../controller/observability/httpServer.js";
import { createPrometheusMetrics } from "../../controller/observability/metrics.js";
import type { CustomResource } from "../../controller/kubernetes/resources.js";
import type { ResourceKind } from "../../controller/runtime/ports.js";
import {
  accountObject,
  createResource,
  deleteResource,
  getResource,
  jobObject,
  mergePatchResource,
  poolObject,
  until,
} from "../kube/cluster-harness.js";
import { runArgoHealth } from "../kube/helpers/lua.js";
import { kubectl, realKube, type RealKubeContext } from "./context.js";
import { CONTROLLER_NAMESPACE, SECOND_ACCOUNT, SERVICE_ACCOUNT_USER, startControllerRig, type ControllerRig } from "./controllerRig.js";
import { fluxHealth } from "../kube/helpers/flux-health.js";
import { grantedPermissions, namespacesRequested, usedPermissions } from "./rbac.js";

const NS = "team-a";
const LEADER_ELECTION = {
  leaseName: "batch-gitops",
  leaseNamespace: CONTROLLER_NAMESPACE,
  leaseDurationMs: 4_000,
  renewDeadlineMs: 3_000,
  retryPeriodMs: 500,
};
const FINALIZER = "azurebatch.gitops.dev/finalizer";
const kube = realKube();

const condition = (object: CustomResource | undefined, type: string): { status?: string; reason?: string } | undefined =>
  (object?.status?.conditions as { type: string; status: string; reason: string }[] | undefined)?.find((c) => c.type === type);

/** kubectl's table output as rows of cells (columns are separated by two or more spaces). */
function table(text: string): string[][] {
  return text
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s{2,}/));
}

describe.skipIf(kube === undefined)("the controller as its ServiceAccount on a real kube-apiserver", () => {
  const k = kube as RealKubeContext;
  let rig: ControllerRig;
  let custom: CustomObjectsApi;
  let core: CoreV1Api;
  let batch: BatchServiceClient;

  beforeAll(async () => {
    const admin = new KubeConfig();
    admin.loadFromFile(k.kubeconfig);
    custom = admin.makeApiClient(CustomObjectsApi);
    core = admin.makeApiClient(CoreV1Api);
    await kubectl(k, ["create", "namespace", NS]);
    await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: "acr" }, stringData: { password: "first-Pa55word" } } });
    rig = await startControllerRig(k);
    batch = new BatchServiceClient(sharedKeyCredentials(rig.emulator.account.name, rig.emulator.account.key), rig.emulator.url);
    // As the Deployment runs it: --leader-elect, the Lease in the controller's namespace.
    rig.startReplica({ namespace: NS, leaderElection: LEADER_ELECTION });
  });

  afterAll(async () => {
    await rig?.close();
  });

  const read = (kind: ResourceKind, name: string): Promise<CustomResource> => getResource(custom, kind, NS, name);
  const isReady = async (kind: ResourceKind, name: string, generation = 1): Promise<boolean> => {
    const object = await read(kind, name);
    return condition(object, "Ready")?.status === "True" && object.status?.observedGeneration === generation;
  };
  const eventReasons = async (name: string): Promise<(string | undefined)[]> =>
    (await core.listNamespacedEvent({ namespace: NS })).items.filter((e) => e.involvedObject.name === name).map((e) => e.reason);
  const batchPoolIds = async (): Promise<string[]> => (await batch.pool.list()).map((p) => p.id ?? "");
  const gone = async (kind: ResourceKind, name: string): Promise<boolean> =>
    read(kind, name).then(
      () => false,
      (error: unknown) => (error as { code?: number }).code === 404,
    );

  it("create → the finalizer, then Ready with observedGeneration through the status subresource, and Events", async () => {
    await createResource(custom, "BatchPool", poolObject("render", NS, { nodes: 1, registrySecret: { name: "acr", key: "password" } }));
    await until(() => isReady("BatchPool", "render"), "the pool to be Ready", 60_000);
    await createResource(custom, "BatchJob", jobObject("frames", NS, "render", 3, { terminateJob: true }));
    await until(() => isReady("BatchJob", "frames"), "the job to be Ready", 60_000);

    const pool = await read("BatchPool", "render");
    expect(pool.metadata?.finalizers).toEqual([FINALIZER]);
    expect(pool.status).toMatchObject({ observedGeneration: 1, nodes: "1/1", image: "ubuntu-hpc/2204" });
    expect(await batchPoolIds()).toEqual([pool.status?.poolId]);
    await until(async () => (await read("BatchJob", "frames")).status?.state === "completed", "the job's tasks to complete", 60_000);
    await until(async () => (await eventReasons("frames")).includes("JobCompleted"), "the JobCompleted event");
    expect(await eventReasons("render")).toContain("PoolCreated");
  });

  it("kubectl get bpool / bjob / azurebatch, -o wide and explain print the columns the README shows", async () => {
    const pools = table((await kubectl(k, ["get", "bpool", "-n", NS])).stdout);
    expect(pools[0]).toEqual(["NAME", "READY", "NODES", "IMAGE", "AGE"]);
    expect(pools[1]?.slice(0, 4)).toEqual(["render", "True", "1/1", "ubuntu-hpc/2204"]);

    const pool = await read("BatchPool", "render");
    const jobs = table((await kubectl(k, ["get", "bjob", "-n", NS])).stdout);
    expect(jobs[0]).toEqual(["NAME", "READY", "POOL", "SUCCEEDED/TOTAL", "FAILED", "AGE"]);
    expect(jobs[1]?.slice(0, 5)).toEqual(["frames", "True", String(pool.status?.poolId), "3/3", "0"]);

    const all = (await kubectl(k, ["get", "azurebatch", "-n", NS, "-o", "name"])).stdout.trim().split("\n").sort();
    expect(all).toEqual(["batchjob.azurebatch.gitops.dev/frames", "batchpool.azurebatch.gitops.dev/render"]);

    const wide = table((await kubectl(k, ["get", "bpool", "-n", NS, "-o", "wide"])).stdout);
    expect(wide[0]).toEqual(["NAME", "READY", "NODES", "IMAGE", "POOL ID", "STATUS", "AGE"]);
    expect(wide[1]?.slice(0, 5)).toEqual(["render", "True", "1/1", "ubuntu-hpc/2204", String(pool.status?.poolId)]);

    const explain = await kubectl(k, ["explain", "batchpool.spec.scale"]);
    expect(explain.code).toBe(0);
    expect(explain.stdout).toMatch(/KIND:\s+BatchPool/);
    expect(explain.stdout).toMatch(/FIELD:\s+scale/);
    expect(explain.stdout).toMatch(/autoscale\s+<Object>/);
    expect(explain.stdout).toMatch(/fixed\s+<Object>/);
  });

  it("a spec change → the next observedGeneration and the resize in Batch", async () => {
    await mergePatchResource(custom, "BatchPool", NS, "render", { spec: { scale: { fixed: { targetDedicatedNodes: 2 } } } });
    await until(() => isReady("BatchPool", "render", 2), "generation 2 to be Ready", 60_000);
    const pool = await read("BatchPool", "render");
    expect(pool.status).toMatchObject({ observedGeneration: 2, nodes: "2/2" });
    expect((await batch.pool.get(String(pool.status?.poolId))).targetDedicatedNodes).toBe(2);
    expect(await eventReasons("render")).toEqual(expect.arrayContaining(["PoolCreated", "PoolResized"]));
  });

  it("the same event again is aggregated: one Event whose count grows", async () => {
    for (const [nodes, generation] of [
      [1, 3],
      [2, 4],
    ] as const) {
      await mergePatchResource(custom, "BatchPool", NS, "render", { spec: { scale: { fixed: { targetDedicatedNodes: nodes } } } });
      await until(() => isReady("BatchPool", "render", generation), `generation ${generation} to be Ready`, 60_000);
    }
    const resized = async (): Promise<number[]> =>
      (await core.listNamespacedEvent({ namespace: NS })).items
        .filter((e) => e.involvedObject.name === "render" && e.reason === "PoolResized")
        .map((e) => e.count ?? 1);
    // 1→2, 2→1, 1→2: the third resize repeats the first one's message.
    await until(async () => (await resized()).some((count) => count >= 2), "the repeated resize event to be counted");
    expect((await resized()).length).toBe(2);
  });

  it("a Secret rotation reconciles the pools that reference it", async () => {
    const rotations = (): number =>
      rig.logs.filter((l) => l.includes(`"key":"BatchPool/${NS}/render"`) && l.includes("referenced Secret changed")).length;
    await core.replaceNamespacedSecret({
      namespace: NS,
      name: "acr",
      body: { metadata: { name: "acr" }, stringData: { password: "rotated-Pa55word" } },
    });
    await until(() => rotations() > 0, "a reconcile caused by the rotation");
  });

  it("Argo CD's Lua health and Flux's healthCheckExprs read the objects the server returns as Healthy/Current", async () => {
    for (const [kind, name] of [
      ["BatchPool", "render"],
      ["BatchJob", "frames"],
    ] as const) {
      const object = await read(kind, name);
      expect((await runArgoHealth(kind, object)).status, `${kind} Argo CD health`).toBe("Healthy");
      expect(fluxHealth(kind, object), `${kind} Flux health`).toBe("Current");
    }
    await mergePatchResource(custom, "BatchPool", NS, "render", { spec: { suspend: true } });
    expect((await runArgoHealth("BatchPool", await read("BatchPool", "render"))).status).toBe("Suspended");
    await until(
      async () => fluxHealth("BatchPool", await read("BatchPool", "render")) === "Current",
      "Flux to see the suspended pool as Current",
    );
    await mergePatchResource(custom, "BatchPool", NS, "render", { spec: { suspend: null } });
  });

  it("delete with deletionPolicy Delete removes the Batch pool, then the finalizer; Orphan leaves the Batch pool", async () => {
    await deleteResource(custom, "BatchJob", NS, "frames");
    await until(() => gone("BatchJob", "frames"), "the job to be gone", 60_000);
    const deleted = String((await read("BatchPool", "render")).status?.poolId);
    await deleteResource(custom, "BatchPool", NS, "render");
    await until(() => gone("BatchPool", "render"), "the pool to be gone", 60_000);
    expect(await batchPoolIds()).not.toContain(deleted);

    await createResource(custom, "BatchPool", poolObject("kept", NS, { deletionPolicy: "Orphan" }));
    await until(() => isReady("BatchPool", "kept"), "the Orphan pool to be Ready", 60_000);
    const kept = String((await read("BatchPool", "kept")).status?.poolId);
    await deleteResource(custom, "BatchPool", NS, "kept");
    await until(() => gone("BatchPool", "kept"), "the Orphan pool's object to be gone", 60_000);
    expect(await batchPoolIds()).toContain(kept);
  });

  it("/metrics and /status answer only callers the cluster authorizes (TokenReview + SubjectAccessReview)", async () => {
    await kubectl(k, ["create", "namespace", "monitoring"]);
    await kubectl(k, ["apply", "--server-side", "-f", "manifests/deploy/monitoring/metrics-reader.yaml"]);
    for (const sa of ["prometheus", "stranger"]) await kubectl(k, ["create", "serviceaccount", sa, "-n", "monitoring"]);
    await kubectl(k, [
      "create",
      "clusterrolebinding",
      "batch-gitops-metrics-reader",
      "--clusterrole=batch-gitops-metrics-reader",
      "--serviceaccount=monitoring:prometheus",
    ]);
    const token = async (sa: string): Promise<string> => (await kubectl(k, ["create", "token", sa, "-n", "monitoring"])).stdout.trim();
    const controllerConfig = new KubeConfig();
    controllerConfig.loadFromFile(rig.kubeconfig);
    const metrics = createPrometheusMetrics({ processMetrics: false });
    metrics.reconcileDone("BatchPool", "success", 0.1);
    const server = await startHttpServer(
      { host: "127.0.0.1", port: 0 },
      {
        metrics: async () => ({ contentType: metrics.contentType, body: await metrics.exposition() }),
        ready: () => true,
        status: () => ({ resources: [] }),
        authorize: kubernetesRequestAuthorizer(controllerConfig),
      },
    );
    try {
      const get = (path: string, bearer?: string): Promise<Response> =>
        fetch(`${server.url}${path}`, bearer === undefined ? {} : { headers: { authorization: `Bearer ${bearer}` } });
      expect((await get("/metrics")).status).toBe(401);
      expect((await get("/metrics", "not-a-token")).status).toBe(401);
      expect((await get("/metrics", await token("stranger"))).status).toBe(403);
      const allowed = await get("/metrics", await token("prometheus"));
      expect(allowed.status).toBe(200);
      expect(await allowed.text()).toContain('batch_gitops_reconcile_total{kind="BatchPool",result="success"} 1');
      expect((await get("/status", await token("prometheus"))).status).toBe(200);
      // The kubelet's probes carry no token.
      expect((await get("/healthz")).status).toBe(200);
    } finally {
      await server.close();
    }
    expect(clusterEndpointAuthorizer("0.0.0.0", controllerConfig)).toBeDefined();
    expect(clusterEndpointAuthorizer("127.0.0.1", controllerConfig)).toBeUndefined();
  });

  it("a BatchAccount and its Secret: a pool naming it converges in that account; a wrong key is CredentialRefused, never shown", async () => {
    const url = String(rig.emulator.accountUrls[SECOND_ACCOUNT.name]);
    const wrongKey = Buffer.from("not team east's key").toString("base64");
    const secret = (name: string, key: string) => ({ namespace: NS, name, body: { metadata: { name }, stringData: { key } } });
    await core.createNamespacedSecret(secret("east-key", SECOND_ACCOUNT.key));
    await core.createNamespacedSecret(secret("west-key", wrongKey));
    await createResource(custom, "BatchAccount", accountObject("east", NS, url, SECOND_ACCOUNT.name, "east-key"));
    await createResource(custom, "BatchAccount", accountObject("west", NS, url, SECOND_ACCOUNT.name, "west-key"));
    const pool = poolObject("east-render", NS);
    await createResource(custom, "BatchPool", { ...pool, spec: { ...pool.spec, accountRef: { name: "east" } } });

    await until(() => isReady("BatchAccount", "east"), "the east BatchAccount to be Ready", 60_000);
    await until(() => isReady("BatchPool", "east-render"), "the pool in the east account to be Ready", 60_000);
    const east = await read("BatchPool", "east-render");
    expect(east.status?.account).toBe(`${NS}/east`);
    const eastPools = await new BatchServiceClient(sharedKeyCredentials(SECOND_ACCOUNT.name, SECOND_ACCOUNT.key), url).pool.list();
    expect(eastPools.map((p) => p.id)).toEqual([east.status?.poolId]);
    expect(await batchPoolIds()).not.toContain(east.status?.poolId);

    const refused = async (): Promise<boolean> => condition(await read("BatchAccount", "west"), "Ready")?.reason === "CredentialRefused";
    await until(refused, "the west BatchAccount to report CredentialRefused", 60_000);
    const west = await read("BatchAccount", "west");
    expect(condition(west, "Ready")?.status).toBe("False");
    expect(JSON.stringify(west.status)).not.toContain(wrongKey);
    // The right key in the Secret: the Secret watch reconciles the account, no restart.
    await core.replaceNamespacedSecret(secret("west-key", SECOND_ACCOUNT.key));
    await until(() => isReady("BatchAccount", "west"), "the west BatchAccount to be Ready after the key is fixed", 60_000);
  });

  it("least privilege: what the controller did (audit log) is what its roles grant, and more is refused", async () => {
    const granted = grantedPermissions(rig.installed);
    const used = usedPermissions(readFileSync(k.auditLog, "utf8"), SERVICE_ACCOUNT_USER);
    // batchaccounts get serves only the status writer's re-read after a 409, which a run need not hit.
    const onConflictOnly = ["azurebatch.gitops.dev/batchaccounts get"];
    expect([...used].sort()).toEqual([...granted].filter((p) => used.has(p) || !onConflictOnly.includes(p)).sort());
    // Secrets are read only where the controller works: with --namespace, never cluster-wide.
    const secretScopes = namespacesRequested(readFileSync(k.auditLog, "utf8"), SERVICE_ACCOUNT_USER, "secrets");
    expect(secretScopes.size).toBeGreaterThan(0);
    expect([...secretScopes].filter((ns) => ns !== NS && ns !== "team-ha")).toEqual([]);

    const controllerKubeconfig = { kubeconfig: rig.kubeconfig };
    const outside = await kubectl(k, ["get", "configmaps", "-n", NS], controllerKubeconfig);
    expect(outside.code).not.toBe(0);
    expect(outside.stderr).toContain(`User "${SERVICE_ACCOUNT_USER}" cannot list resource "configmaps"`);
    const deleting = await kubectl(k, ["delete", "bpool", "anything", "-n", NS], controllerKubeconfig);
    expect(deleting.stderr).toContain('cannot delete resource "batchpools"');
  });
});
