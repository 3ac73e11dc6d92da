import { describe, expect, it } from "vitest";
import { validateResource } from "../../../controller/model/index.js";
import { labelValueProblems, qualifiedNameProblems } from "../../../controller/model/metadataKeys.js";
import { parseManifestText } from "../../../controller/manifests/index.js";
import { aPool } from "../../helpers/resources.js";

const withMetadata = (extra: Record<string, unknown>): unknown => {
  const pool = aPool().build();
  return { ...pool, metadata: { ...pool.metadata, ...extra } };
};
const problems = (obj: unknown): string[] => validateResource(obj).map((p) => `${p.rule} ${p.path}: ${p.message}`);

describe("label and annotation keys and values, as kube-apiserver checks them", () => {
  it("accepts what Kubernetes and its tools write", () => {
    for (const key of ["app", "app.kubernetes.io/name", "argocd.argoproj.io/sync-wave", "a_b.C-1", "x".repeat(63), `${"p".repeat(253)}/n`])
      expect(qualifiedNameProblems(key), key).toEqual([]);
    for (const value of ["", "render", "v1.2_3-A", "z".repeat(63)]) expect(labelValueProblems(value), value).toEqual([]);
    const obj = withMetadata({
      labels: { "app.kubernetes.io/part-of": "batch", tier: "" },
      annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}", "Example.COM/Owner": "anything at all: /, spaces" },
    });
    expect(validateResource(obj)).toEqual([]);
  });

  it("refuses keys kube-apiserver refuses, naming the key and the part that is wrong", () => {
    expect(qualifiedNameProblems("-bad")).toEqual([expect.stringMatching(/^name part must consist of alphanumeric/)]);
    expect(qualifiedNameProblems("x".repeat(64))).toEqual(["name part must be no more than 63 characters"]);
    expect(qualifiedNameProblems("/name")).toEqual(["prefix part must be non-empty"]);
    expect(qualifiedNameProblems("Example.com/name")).toEqual([
      expect.stringMatching(/^prefix part must be a lowercase RFC 1123 subdomain/),
    ]);
    expect(qualifiedNameProblems(`${"p".repeat(254)}/n`)).toEqual(["prefix part must be no more than 253 characters"]);
    expect(qualifiedNameProblems("a/b/c")).toEqual([expect.stringMatching(/at most one '\/'/)]);
    expect(qualifiedNameProblems("example.com/")).toEqual(["name part must be non-empty"]);
    expect(labelValueProblems("has space")).toEqual([expect.stringMatching(/^must be empty or consist of/)]);
    expect(labelValueProblems("v".repeat(64))).toEqual(["must be no more than 63 characters"]);
  });

  it("reports each bad label key, label value and annotation key at its field, beside other problems", () => {
    const obj = withMetadata({ labels: { "bad key": "ok", team: "-x-" }, annotations: { "a/b/c": "v" } });
    (obj as { spec: Record<string, unknown> }).spec.vmsize = "typo";
    expect(problems(obj)).toEqual([
      'unknown-field spec.vmsize: unknown field "vmsize"',
      expect.stringMatching(/^invalid-label metadata\.labels\.bad key: label key "bad key": name part must/),
      expect.stringMatching(/^invalid-label metadata\.labels\.team: label value "-x-": must be empty or/),
      expect.stringMatching(/^invalid-annotation metadata\.annotations\.a\/b\/c: annotation key "a\/b\/c": /),
    ]);
  });

  it("compares annotation keys lowercased (an upper-case prefix is allowed there, not in a label)", () => {
    expect(problems(withMetadata({ annotations: { "Example.COM/x": "v" } }))).toEqual([]);
    expect(problems(withMetadata({ labels: { "Example.COM/x": "v" } }))).toEqual([
      expect.stringMatching(/^invalid-label metadata\.labels\.Example\.COM\/x: label key "Example\.COM\/x": prefix part/),
    ]);
  });

  it("locates a bad key that holds dots on its own line, and leaves the resource unloaded", () => {
    const text = [
      "apiVersion: azurebatch.gitops.dev/v1alpha1",
      "kind: BatchPool",
      "metadata:",
      "  name: labelled",
      "  labels:",
      "    app.kubernetes.io/name: render",
      "    Render.Example.com/tier: gpu",
      "spec: {}",
    ].join("\n");
    const pool = aPool().build();
    const full = text.replace("spec: {}", `spec: ${JSON.stringify(pool.spec)}`);
    const parsed = parseManifestText(full, "labelled.yaml");
    expect(parsed.candidates.map((c) => c.valid)).toEqual([false]);
    expect(parsed.problems.map((p) => `${p.line} ${p.name ?? ""} ${p.path}`)).toEqual([
      "7 labelled metadata.labels.Render.Example.com/tier",
    ]);
  });
});
