/**
 * The cluster install in manifests/deploy, built with `kubectl kustomize` exactly as a user (or
 * Argo CD) would, without extra flags, and checked for what the controller and its users rely on.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { parseRunConfig } from "../../controller/config/runConfig.js";
import { argoHealthKey, readArgoHealthScript } from "./helpers/lua.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const DEPLOY = join(REPO, "manifests/deploy");
const CRD_DIR = join(REPO, "crds");
const NAMESPACE = "batch-gitops-system";

// kubectl ships with these machines but not with Node; without it the build checks cannot run.
const kubectlAvailable = spawnSync("kubectl", ["version", "--client"], { stdio: "ignore" }).status === 0;
if (!kubectlAvailable) {
  console.warn("manifests.test.ts: kubectl not found on PATH, skipping the kustomize build checks");
}

interface KubeDoc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Container {
  name: string;
  args?: string[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean }; fieldRef?: { fieldPath: string } };
  }[];
  envFrom?: { configMapRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
}

interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: { serviceAccountName: string; securityContext?: Record<string, unknown>; containers: Container[] };
}

function kustomize(dir: string): KubeDoc[] {
  const out = execFileSync("kubectl", ["kustomize", join(DEPLOY, dir)], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return parseAllDocuments(out).map((d) => d.toJS() as KubeDoc);
}

/** Every directory under manifests/deploy that holds a kustomization, relative to it. */
function kustomizationDirs(dir = DEPLOY): string[] {
  const here = existsSync(join(dir, "kustomization.yaml")) ? [relative(DEPLOY, dir)] : [];
  const children = readdirSync(dir)
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isDirectory());
  return [...here, ...children.flatMap((child) => kustomizationDirs(child))];
}

function only(docs: KubeDoc[], kind: string, name?: string): KubeDoc {
  const found = docs.filter((d) => d.kind === kind && (name === undefined || d.metadata.name === name));
  expect(found, `exactly one ${kind} ${name ?? ""}`).toHaveLength(1);
  return found[0] as KubeDoc;
}

function podTemplate(deployment: KubeDoc): PodTemplate {
  return (deployment.spec as { template: PodTemplate }).template;
}

function controllerContainer(docs: KubeDoc[]): Container {
  const [container] = podTemplate(only(docs, "Deployment")).spec.containers;
  if (container === undefined) throw new Error("Deployment has no container");
  return container;
}

/** "group/resource verb" for every permission a role grants, so sets can be compared exactly. */
function grants(role: KubeDoc): string[] {
  const rules = (role as unknown as { rules: PolicyRule[] }).rules;
  return rules
    .flatMap((r) =>
      (r.apiGroups ?? []).flatMap((g) => (r.resources ?? []).flatMap((res) => r.verbs.map((v) => `${g === "" ? "core" : g}/${res} ${v}`))),
    )
    .sort();
}

function expand(groupResources: string[], verbs: string[]): string[] {
  return groupResources.flatMap((gr) => verbs.map((v) => `${gr} ${v}`));
}

function crdFiles(): string[] {
  return readdirSync(CRD_DIR)
    .filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml")
    .sort();
}

const allDirs = kustomizationDirs();

describe.skipIf(!kubectlAvailable)("kubectl kustomize manifests/deploy", () => {
  const built = new Map<string, KubeDoc[]>();
  const docs = (dir: string): KubeDoc[] => {
    const found = built.get(dir);
    if (found === undefined) throw new Error(`${dir} was not built`);
    return found;
  };

  beforeAll(() => {
    for (const dir of allDirs) {
      built.set(dir, kustomize(dir));
    }
  });

  it("finds the install, add-on and example kustomizations", () => {
    expect(allDirs).toEqual(expect.arrayContaining(["base", "crds", "controller", "monitoring", "argocd", "argocd/health", "flux"]));
  });

  it.each(allDirs)("%s builds without flags and yields well-formed objects", (dir) => {
    expect(docs(dir).length).toBeGreaterThan(0);
    for (const doc of docs(dir)) {
      expect(doc.apiVersion, JSON.stringify(doc.metadata)).toEqual(expect.any(String));
      expect(doc.kind).toEqual(expect.any(String));
      expect(doc.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
    }
  });

  describe("CRDs", () => {
    it("base installs exactly the CRDs committed in crds/, unmodified", () => {
      const installed = docs("base").filter((d) => d.kind === "CustomResourceDefinition");
      const committed = crdFiles().map((f) => parse(readFileSync(join(CRD_DIR, f), "utf8")) as KubeDoc);
      const byName = (a: KubeDoc, b: KubeDoc): number => a.metadata.name.localeCompare(b.metadata.name);
      expect(committed.length).toBeGreaterThan(0);
      expect([...installed].sort(byName)).toEqual([...committed].sort(byName));
    });

    it("crds/kustomization.yaml lists every CRD file in crds/", () => {
      const listed = (parse(readFileSync(join(CRD_DIR, "kustomization.yaml"), "utf8")) as { resources: string[] }).resources;
      expect([...listed].sort()).toEqual(crdFiles());
    });

    it("the controller kustomization has no CRDs, so Flux can order CRDs → controller", () => {
      expect(docs("controller").filter((d) => d.kind === "CustomResourceDefinition")).toEqual([]);
      expect(docs("crds").every((d) => d.kind === "CustomResourceDefinition")).toBe(true);
    });
  });

  describe("RBAC", () => {
    it.each(allDirs)("%s grants no wildcard verbs, resources or API groups", (dir) => {
      for (const role of docs(dir).filter((d) => d.kind === "ClusterRole" || d.kind === "Role")) {
        for (const rule of (role as unknown as { rules: PolicyRule[] }).rules) {
          const fields = [...rule.verbs, ...(rule.resources ?? []), ...(rule.apiGroups ?? []), ...(rule.nonResourceURLs ?? [])];
          expect(fields, `${role.kind} ${role.metadata.name}`).not.toContainEqual(expect.stringContaining("*"));
        }
      }
    });

    it("the ClusterRole grants exactly what the controller uses", () => {
      const group = "azurebatch.gitops.dev";
      const expected = [
        ...expand([`${group}/batchpools`, `${group}/batchjobs`], ["get", "list", "watch", "patch"]),
        ...expand([`${group}/batchaccounts`], ["get", "list", "watch"]),
        ...expand([`${group}/batchpools/status`, `${group}/batchjobs/status`, `${group}/batchaccounts/status`], ["update"]),
        ...expand(["core/secrets"], ["list", "watch"]),
        ...expand(["core/events"], ["create", "patch"]),
        ...expand(["authentication.k8s.io/tokenreviews", "authorization.k8s.io/subjectaccessreviews"], ["create"]),
      ].sort();
      expect(grants(only(docs("base"), "ClusterRole"))).toEqual(expected);
    });

    it("leader election is a namespaced Role on Leases only", () => {
      const role = only(docs("base"), "Role");
      expect(role.metadata.namespace).toBe(NAMESPACE);
      expect(grants(role)).toEqual(expand(["coordination.k8s.io/leases"], ["create", "get", "update"]));
    });

    it("bindings give both roles to the controller's ServiceAccount", () => {
      const base = docs("base");
      const sa = only(base, "ServiceAccount");
      for (const [bindingKind, roleKind] of [
        ["ClusterRoleBinding", "ClusterRole"],
        ["RoleBinding", "Role"],
      ] as const) {
        const binding = only(base, bindingKind) as unknown as {
          roleRef: { kind: string; name: string };
          subjects: { kind: string; name: string; namespace: string }[];
        };
        expect(binding.roleRef).toMatchObject({ kind: roleKind, name: only(base, roleKind).metadata.name });
        expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: sa.metadata.name, namespace: NAMESPACE }]);
      }
      expect(podTemplate(only(base, "Deployment")).spec.serviceAccountName).toBe(sa.metadata.name);
    });
  });

  describe("Deployment", () => {
    it("runs one leader-elected replica of the Kubernetes source serving HTTP on 8080", () => {
      const deployment = only(docs("base"), "Deployment");
      expect((deployment.spec as { replicas: number }).replicas).toBe(1);
      const args = controllerContainer(docs("base")).args ?? [];
      expect(args[0]).toBe("run");
      expect(args.join(" ")).toContain("--source kubernetes");
      expect(args).toContain("--leader-elect");
      expect(args.join(" ")).toContain("--http-addr 0.0.0.0:8080");
      expect(controllerContainer(docs("base")).ports).toContainEqual({ name: "http", containerPort: 8080, protocol: "TCP" });
    });

    it("probes /healthz for liveness and /readyz for readiness on the HTTP port", () => {
      const c = controllerContainer(docs("base"));
      expect(c.livenessProbe?.httpGet).toEqual({ path: "/healthz", port: "http" });
      expect(c.readinessProbe?.httpGet).toEqual({ path: "/readyz", port: "http" });
    });

    it("is locked down: non-root, read-only root filesystem, no privilege escalation, no capabilities, RuntimeDefault seccomp", () => {
      const template = podTemplate(only(docs("base"), "Deployment"));
      expect(template.spec.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: expect.any(Number),
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect((template.spec.securityContext?.runAsUser as number) > 0).toBe(true);
      expect(controllerContainer(docs("base")).securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      });
    });

    it("sets CPU and memory requests and limits", () => {
      const { resources } = controllerContainer(docs("base"));
      for (const bound of [resources?.requests, resources?.limits]) {
        expect(bound).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
      }
    });

    it("gets the Batch account URL and auth mode from the ConfigMap and the key only from an optional Secret", () => {
      const base = docs("base");
      const c = controllerContainer(base);
      const configMap = only(base, "ConfigMap") as unknown as { metadata: { name: string }; data: Record<string, string> };
      expect(c.envFrom).toEqual([{ configMapRef: { name: configMap.metadata.name } }]);
      expect(configMap.data).toMatchObject({ BATCH_ACCOUNT_URL: expect.stringMatching(/^https:\/\//), BATCH_AUTH_MODE: "entra" });
      expect(c.env?.find((e) => e.name === "BATCH_ACCOUNT_KEY")?.valueFrom?.secretKeyRef).toEqual({
        name: "batch-gitops-account-key",
        key: "accountKey",
        optional: true,
      });
      // A key must never sit in plain config.
      expect(Object.keys(configMap.data)).not.toContain("BATCH_ACCOUNT_KEY");
    });

    it.each(allDirs)("%s: every $(VAR) in the container args is defined by the container's environment", (dir) => {
      for (const deployment of docs(dir).filter((d) => d.kind === "Deployment")) {
        const c = podTemplate(deployment).spec.containers[0] as Container;
        const configMaps = docs(dir).filter((d) => d.kind === "ConfigMap") as unknown as {
          metadata: { name: string };
          data: Record<string, string>;
        }[];
        const fromConfigMaps = (c.envFrom ?? []).flatMap((ref) =>
          Object.keys(configMaps.find((m) => m.metadata.name === ref.configMapRef?.name)?.data ?? {}),
        );
        const defined = new Set([...(c.env ?? []).map((e) => e.name), ...fromConfigMaps]);
        const referenced = (c.args ?? []).flatMap((a) => [...a.matchAll(/\$\(([A-Z_][A-Z0-9_]*)\)/g)].map((m) => m[1]));
        for (const name of referenced) {
          expect(defined, `${dir}: $(${name})`).toContain(name);
        }
      }
    });

    it.each([
      ["base", { kind: "entra" }],
      ["overlays/shared-key", { kind: "shared-key", accountName: "mybatch" }],
    ] as const)("%s: the controller accepts the Deployment's args and environment", (dir, auth) => {
      const built = docs(dir);
      const c = controllerContainer(built);
      const configMap = only(built, "ConfigMap") as unknown as { data: Record<string, string> };
      // What the kubelet gives the process: the ConfigMap, the downward API, the Secret when present.
      const env: Record<string, string> = { ...configMap.data, POD_NAMESPACE: NAMESPACE, POD_NAME: "batch-gitops-controller-0" };
      if (auth.kind === "shared-key") env.BATCH_ACCOUNT_KEY = "a2V5";
      const args = (c.args ?? []).map((a) => a.replace(/\$\(([A-Z_][A-Z0-9_]*)\)/g, (_m, name: string) => env[name] ?? ""));
      expect(args[0]).toBe("run");
      const config = parseRunConfig(args.slice(1), { env, cwd: "/app", stdoutIsTTY: false });
      expect(config.source).toMatchObject({ kind: "kubernetes", leaderElection: { leaseNamespace: NAMESPACE } });
      expect(config.http).toEqual({ host: "0.0.0.0", port: 8080 });
      expect(config.batch).toMatchObject({ kind: "remote", url: configMap.data.BATCH_ACCOUNT_URL, auth });
      expect(config.log.format).toBe("json");
      // The state dir must be on the writable emptyDir, as the root filesystem is read-only.
      expect(config.stateDir.startsWith("/tmp/")).toBe(true);
    });

    it("opts in to Entra workload identity on the pod", () => {
      expect(podTemplate(only(docs("base"), "Deployment")).metadata.labels).toMatchObject({ "azure.workload.identity/use": "true" });
    });

    it("puts every namespaced object of the install in batch-gitops-system", () => {
      const clusterScoped = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"]);
      for (const doc of docs("base").filter((d) => !clusterScoped.has(d.kind))) {
        expect(doc.metadata.namespace, `${doc.kind} ${doc.metadata.name}`).toBe(NAMESPACE);
      }
      expect(only(docs("base"), "Namespace").metadata.name).toBe(NAMESPACE);
    });
  });

  describe("metrics", () => {
    it("the Service selects the controller pods and targets the HTTP port", () => {
      const base = docs("base");
      const service = only(base, "Service") as unknown as {
        spec: { selector: Record<string, string>; ports: { name: string; targetPort: string }[] };
      };
      expect(podTemplate(only(base, "Deployment")).metadata.labels).toMatchObject(service.spec.selector);
      expect(controllerContainer(base).ports?.map((p) => p.name)).toContain(service.spec.ports[0]?.targetPort);
    });

    it("the ServiceMonitor scrapes /metrics from that Service's port, keeping the resources' own namespace label", () => {
      const service = only(docs("base"), "Service") as unknown as {
        metadata: { labels: Record<string, string> };
        spec: { ports: { name: string }[] };
      };
      const monitor = only(docs("monitoring"), "ServiceMonitor") as unknown as {
        metadata: { namespace: string };
        spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] };
      };
      expect(monitor.metadata.namespace).toBe(NAMESPACE);
      expect(service.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
      expect(monitor.spec.endpoints).toContainEqual(
        expect.objectContaining({ port: service.spec.ports[0]?.name, path: "/metrics", honorLabels: true }),
      );
    });

    it("the Prometheus job label used by the down alert is the Service name", () => {
      const rule = JSON.stringify(only(docs("monitoring"), "PrometheusRule"));
      expect(rule).toContain(`job=\\"${only(docs("base"), "Service").metadata.name}\\"`);
    });
  });

  describe("Argo CD", () => {
    it("the argocd-cm patch carries health.lua unchanged under both health keys", () => {
      const cm = only(docs("argocd/health"), "ConfigMap") as unknown as {
        metadata: { name: string; namespace: string };
        data: Record<string, string>;
      };
      expect(cm.metadata).toMatchObject({ name: "argocd-cm", namespace: "argocd" });
      expect(cm.data[argoHealthKey("BatchPool")]).toBe(readArgoHealthScript("BatchPool"));
      expect(cm.data[argoHealthKey("BatchJob")]).toBe(readArgoHealthScript("BatchJob"));
    });

    it("the controller Application points at an installable path of this repository", () => {
      const apps = docs("argocd").filter((d) => d.kind === "Application") as unknown as {
        metadata: { name: string };
        spec: { source: { path: string } };
      }[];
      const controllerApp = apps.find((a) => a.metadata.name === "batch-gitops");
      expect(controllerApp?.spec.source.path).toBe("manifests/deploy/base");
      expect(existsSync(join(REPO, controllerApp?.spec.source.path ?? "", "kustomization.yaml"))).toBe(true);
    });
  });

  describe("Flux", () => {
    interface FluxKustomization {
      metadata: { name: string };
      spec: { path: string; sourceRef: { name: string }; dependsOn?: { name: string }[]; wait?: boolean };
    }
    const fluxKustomizations = (): FluxKustomization[] =>
      docs("flux").filter((d) => d.kind === "Kustomization") as unknown as FluxKustomization[];

    it("applies CRDs, then the controller, then the workloads, each waiting for health", () => {
      const byName = new Map(fluxKustomizations().map((k) => [k.metadata.name, k]));
      expect(byName.get("batch-gitops-controller")?.spec.dependsOn).toEqual([{ name: "batch-gitops-crds" }]);
      expect(byName.get("batch-workloads")?.spec.dependsOn).toEqual([{ name: "batch-gitops-controller" }]);
      expect(byName.get("batch-gitops-crds")?.spec.dependsOn).toBeUndefined();
      expect(fluxKustomizations().every((k) => k.spec.wait === true)).toBe(true);
    });

    it("paths into this repository are kustomizations that exist", () => {
      for (const k of fluxKustomizations().filter((f) => f.spec.sourceRef.name === "batch-gitops")) {
        expect(existsSync(join(REPO, k.spec.path, "kustomization.yaml")), k.spec.path).toBe(true);
      }
    });
  });

  describe("auth overlays", () => {
    it("workload identity annotates the ServiceAccount with a client id and uses Entra", () => {
      const built = docs("overlays/workload-identity");
      expect(only(built, "ServiceAccount").metadata.annotations).toMatchObject({
        "azure.workload.identity/client-id": expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
      expect((only(built, "ConfigMap") as unknown as { data: Record<string, string> }).data.BATCH_AUTH_MODE).toBe("entra");
    });

    it("shared key names the account and requires the key Secret", () => {
      const built = docs("overlays/shared-key");
      expect((only(built, "ConfigMap") as unknown as { data: Record<string, string> }).data).toMatchObject({
        BATCH_AUTH_MODE: "shared-key",
        BATCH_ACCOUNT_NAME: expect.stringMatching(/.+/),
      });
      expect(controllerContainer(built).env?.find((e) => e.name === "BATCH_ACCOUNT_KEY")?.valueFrom?.secretKeyRef?.optional).toBe(false);
    });
  });
});
