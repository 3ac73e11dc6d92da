// The resource commands in cluster mode (--kubeconfig), against the test API server.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it, vi } from "vitest";
import { startTestApiServer, type TestApiServer } from "./apiserver/index.js";
import { clients, createResource, getResource, jobObject, poolObject, type ClusterClients } from "./cluster-harness.js";
import { main } from "../../controller/cli/main.js";
import { EXIT_USAGE } from "../../controller/cli/usage.js";
import { KubeEventRecorder } from "../../controller/kubernetes/eventRecorder.js";
import { REQUESTED_AT_ANNOTATION } from "../../controller/kubernetes/resources.js";

describe("resource commands, cluster mode", () => {
  let server: TestApiServer;
  let api: ClusterClients;
  let dir: string;
  let kubeconfig: string[];
  let out: string[];
  let err: string[];

  beforeAll(async () => {
    server = await startTestApiServer({ namespaces: ["team-a"] });
    api = clients(server.kubeConfig());
    dir = await mkdtemp(join(tmpdir(), "cli-cluster-"));
    await writeFile(join(dir, "kubeconfig"), server.kubeConfig().exportConfig());
    kubeconfig = ["--kubeconfig", join(dir, "kubeconfig")];
    const pool = await createResource(api.custom, "BatchPool", poolObject("render", "team-a"));
    await createResource(api.custom, "BatchJob", jobObject("frames", "team-a", "render"));
    await createResource(api.custom, "BatchPool", poolObject("other", "default"));
    const recorder = new KubeEventRecorder({
      api: api.core,
      component: "batch-gitops",
      instance: "replica-1",
      lookup: (key) => (key === "BatchPool/team-a/render" ? pool : undefined),
      redact: (t) => t,
    });
    recorder.record("BatchPool/team-a/render", "Warning", "ResizeError", "AllocationFailed: quota exceeded");
    await vi.waitFor(async () => expect((await api.core.listNamespacedEvent({ namespace: "team-a" })).items).toHaveLength(1), {
      timeout: 20_000,
    });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    out = [];
    err = [];
    vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
    vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void err.push(a.join(" ")));
  });
  afterEach(() => vi.restoreAllMocks());

  it("get lists the objects of a namespace, of every namespace with -A, or one as YAML", async () => {
    expect(await main(["get", "-n", "team-a", ...kubeconfig])).toBe(0);
    const lines = out.join("\n").split("\n");
    expect(lines[0]).toMatch(/^KIND\s+NAMESPACE\s+NAME\s+READY/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 3).join("/"))).toEqual(["BatchJob/team-a/frames", "BatchPool/team-a/render"]);
    out = [];
    expect(await main(["get", "pools", "-A", ...kubeconfig])).toBe(0);
    expect(out.join("\n")).toMatch(/BatchPool\s+default\s+other[\s\S]*BatchPool\s+team-a\s+render/);
    out = [];
    expect(await main(["get", "pool/team-a/render", "-o", "json", ...kubeconfig])).toBe(0);
    const list = JSON.parse(out.join("\n")) as { items: { metadata: { name: string; uid?: string } }[] };
    expect(list.items.map((i) => i.metadata.name)).toEqual(["render"]);
    expect(list.items[0]?.metadata.uid).toBeDefined();
    expect(await main(["get", "pool/nothing", ...kubeconfig])).toBe(1);
  });

  it("suspend and resume patch spec.suspend on the object", async () => {
    expect(await main(["suspend", "pool/render", "-n", "team-a", ...kubeconfig])).toBe(0);
    expect((await getResource(api.custom, "BatchPool", "team-a", "render")).spec?.suspend).toBe(true);
    expect(await main(["resume", "pool/team-a/render", ...kubeconfig])).toBe(0);
    expect((await getResource(api.custom, "BatchPool", "team-a", "render")).spec).not.toHaveProperty("suspend");
    expect(await main(["suspend", "pool/team-a/ghost", ...kubeconfig])).toBe(1);
    expect(err.join("\n")).toContain("BatchPool/team-a/ghost not found");
  });

  it("reconcile sets the requestedAt annotation to a new time", async () => {
    expect(await main(["reconcile", "job/team-a/frames", ...kubeconfig])).toBe(0);
    const first = (await getResource(api.custom, "BatchJob", "team-a", "frames")).metadata?.annotations?.[REQUESTED_AT_ANNOTATION];
    expect(Date.parse(first ?? "")).not.toBeNaN();
    await vi.waitFor(() => expect(new Date().toISOString()).not.toBe(first));
    expect(await main(["reconcile", "job/team-a/frames", ...kubeconfig])).toBe(0);
    const second = (await getResource(api.custom, "BatchJob", "team-a", "frames")).metadata?.annotations?.[REQUESTED_AT_ANNOTATION];
    expect(second).not.toBe(first);
  });

  it("events prints the Events about our resources; directory mode is a usage error", async () => {
    expect(await main(["events", "-n", "team-a", ...kubeconfig])).toBe(0);
    expect(out.join("\n")).toMatch(/Warning\s+ResizeError\s+BatchPool\/team-a\/render\s+1\s+AllocationFailed: quota exceeded/);
    out = [];
    expect(await main(["events", "job/frames", "-n", "team-a", "-o", "yaml", ...kubeconfig])).toBe(0);
    expect(out.join("\n")).toBe("apiVersion: v1\nkind: List\nitems: []");
    expect(await main(["events"])).toBe(EXIT_USAGE);
  });
});
