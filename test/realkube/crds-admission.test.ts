/**
 * What a real kube-apiserver says about our CRDs and manifests: the CRDs install with server-side
 * apply and are Established, every example is admitted, and every invalid manifest that admission
 * can judge (schema and CEL) is refused with the message `validate` prints for it.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseManifestText } from "../../controller/manifests/index.js";
import { BatchJobSchema, BatchPoolSchema, listCelRules, validateResource } from "../../controller/model/index.js";
import { labelSelectorProblem } from "../../controller/model/labelSelector.js";
import { SELECTOR_CASES } from "../helpers/labelSelectorCases.js";
import { kubectl, realKube, type RealKubeContext } from "./context.js";

const CRD_NAMES = ["batchpools.azurebatch.gitops.dev", "batchjobs.azurebatch.gitops.dev"];
const SCHEMA_PROBLEMS = new Set(["unknown-field", "missing-field", "wrong-type", "invalid-value"]);
const CEL_RULES = new Map(
  [...listCelRules(BatchPoolSchema), ...listCelRules(BatchJobSchema)].map(({ rule }) => [rule.id ?? rule.rule, rule.message]),
);

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(entry) ? [path] : [];
  });
}

interface Manifest {
  readonly file: string;
  readonly object: Record<string, unknown>;
}

/**
 * Our documents of the files, read by the project's own loader (which survives the hostile YAML of
 * the invalid corpus: alias bombs, huge documents); unparsable documents and other kinds left out.
 */
function manifestsIn(dir: string): Manifest[] {
  return yamlFiles(dir).flatMap((file) =>
    parseManifestText(readFileSync(file, "utf8"), file).candidates.map((c) => ({ file, object: c.object })),
  );
}

function nameOf(manifest: Manifest): string {
  const metadata = manifest.object.metadata as { name?: string; namespace?: string } | undefined;
  return `${manifest.file.replace(/^.*manifests\//, "manifests/")} ${String(manifest.object.kind)}/${metadata?.name ?? "?"}`;
}

function namespaceOf(manifest: Manifest): string {
  return (manifest.object.metadata as { namespace?: string } | undefined)?.namespace ?? "default";
}

/** `kubectl apply --server-side --dry-run=server`: the whole admission chain, nothing stored. */
function dryRunApply(kube: RealKubeContext, manifest: Manifest): ReturnType<typeof kubectl> {
  return kubectl(
    kube,
    ["apply", "--server-side", "--dry-run=server", "--field-manager=realkube-test", "-n", namespaceOf(manifest), "-f", "-"],
    {
      input: stringify(manifest.object),
    },
  );
}

const kube = realKube();

describe.skipIf(kube === undefined)("CRDs and manifests on a real kube-apiserver", () => {
  const k = kube as RealKubeContext;

  beforeAll(async () => {
    const namespaces = new Set([...manifestsIn("manifests/examples"), ...manifestsIn("manifests/invalid")].map(namespaceOf));
    for (const namespace of namespaces) {
      await kubectl(k, ["create", "namespace", namespace]);
    }
  });

  it("kubectl apply --server-side -k crds/ is accepted without warnings, and both CRDs are Established", async () => {
    const applied = await kubectl(k, ["apply", "--server-side", "-k", "crds/"]);
    expect(applied.stderr).toBe("");
    expect(applied.code).toBe(0);
    for (const name of CRD_NAMES) {
      const crd = JSON.parse((await kubectl(k, ["get", "crd", name, "-o", "json"])).stdout) as {
        status: { conditions: { type: string; status: string }[] };
      };
      const conditions = Object.fromEntries(crd.status.conditions.map((c) => [c.type, c.status]));
      expect(conditions).toMatchObject({ Established: "True", NamesAccepted: "True" });
      expect(conditions.NonStructuralSchema).toBeUndefined();
    }
  });

  it.each(manifestsIn("manifests/examples").map((m) => [nameOf(m), m] as const))("admits the example %s", async (_name, manifest) => {
    const result = await dryRunApply(k, manifest);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  const invalid = manifestsIn("manifests/invalid").map((manifest) => {
    const errors = validateResource(manifest.object).filter((p) => p.severity === "error");
    const schemaPaths = errors.filter((p) => SCHEMA_PROBLEMS.has(p.rule)).map((p) => p.path);
    return { manifest, celMessages: errors.filter((p) => CEL_RULES.has(p.rule)).map((p) => p.message), schemaPaths };
  });

  // The real server checks types and unknown fields first (server-side apply builds a typed object)
  // and runs CEL only on a well-typed object: a CEL message is expected only without a schema problem.
  it.each(invalid.filter((c) => c.celMessages.length > 0 && c.schemaPaths.length === 0).map((c) => [nameOf(c.manifest), c] as const))(
    "refuses %s with the CEL message validate prints",
    async (_name, { manifest, celMessages }) => {
      const result = await dryRunApply(k, manifest);
      expect(result.code).not.toBe(0);
      for (const message of celMessages) {
        expect(result.stderr).toContain(message);
      }
    },
  );

  it.each(invalid.filter((c) => c.schemaPaths.length > 0).map((c) => [nameOf(c.manifest), c] as const))(
    "refuses %s at a field validate names",
    async (_name, { manifest, schemaPaths }) => {
      const result = await dryRunApply(k, manifest);
      expect(result.code).not.toBe(0);
      // Refused before any field is looked at: an unknown apiVersion (no such kind), a namespace
      // that cannot exist, or a value kubectl cannot even encode as JSON (+Inf).
      const before =
        /no matches for kind|error converting YAML to JSON/.test(result.stderr) ||
        (schemaPaths.includes("metadata.namespace") && /namespaces "[^"]*" not found/.test(result.stderr));
      const named = before || schemaPaths.some((path) => path !== "" && result.stderr.includes(path));
      expect(named, `${schemaPaths.join(", ")} in: ${result.stderr}`).toBe(true);
    },
  );

  const METADATA_RULES = new Set(["invalid-label", "invalid-annotation"]);

  it.each(
    invalid
      .filter((c) => validateResource(c.manifest.object).some((p) => METADATA_RULES.has(p.rule)))
      .map((c) => [nameOf(c.manifest), c] as const),
  )("refuses %s for the label or annotation validate names", async (_name, { manifest }) => {
    const result = await dryRunApply(k, manifest);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/metadata\.(labels|annotations): Invalid value/);
  });

  // kube-apiserver's own metadata rules (no CRD states them): `validate` must take and refuse what it does.
  const metadataCases: [string, Record<string, unknown>][] = [
    ["a dotted prefix", { labels: { "app.kubernetes.io/name": "render" } }],
    ["an empty label value", { labels: { tier: "" } }],
    ["a 63-character label name and value", { labels: { ["k".repeat(63)]: "v".repeat(63) } }],
    ["an upper-case annotation prefix", { annotations: { "Example.COM/owner": "any text: /, spaces" } }],
    ["a label key starting with '-'", { labels: { "-tier": "gpu" } }],
    ["a label key with a space", { labels: { "bad key": "x" } }],
    ["a 64-character label key", { labels: { ["k".repeat(64)]: "x" } }],
    ["an upper-case label prefix", { labels: { "Example.com/tier": "gpu" } }],
    ["an empty label prefix", { labels: { "/tier": "gpu" } }],
    ["a label key with two slashes", { labels: { "a/b/c": "x" } }],
    ["a label value with a space", { labels: { tier: "has space" } }],
    ["a 64-character label value", { labels: { tier: "v".repeat(64) } }],
    ["an annotation key ending with '.'", { annotations: { "note.": "x" } }],
  ];

  it.each(metadataCases)("takes or refuses a pool with %s as validate does", async (what, metadata) => {
    const pool = manifestsIn("manifests/examples").find((m) => m.object.kind === "BatchPool") as Manifest;
    const base = pool.object.metadata as Record<string, unknown>;
    const object = { ...pool.object, metadata: { ...base, name: `meta-${metadataCases.findIndex(([w]) => w === what)}`, ...metadata } };
    const refusedByValidate = validateResource(object).filter((p) => METADATA_RULES.has(p.rule));
    const result = await dryRunApply(k, { file: pool.file, object });
    expect(result.code !== 0, `kubectl: ${result.stderr || "accepted"}; validate: ${JSON.stringify(refusedByValidate)}`).toBe(
      refusedByValidate.length > 0,
    );
  });

  it.each(SELECTOR_CASES)("lists BatchPools with --label-selector %s exactly when run takes it (valid: %s)", async (selector, valid) => {
    const result = await kubectl(k, ["get", "batchpools", "-A", "-l", selector]);
    expect(labelSelectorProblem(selector) === undefined).toBe(valid);
    expect(result.code === 0, `kubectl: ${result.stderr || "accepted"}`).toBe(valid);
  });

  it("has a CEL case in the table for every admission-judged rule the invalid manifests exercise", () => {
    // Guards the table against going empty when manifests/invalid changes.
    expect(invalid.filter((c) => c.celMessages.length > 0 && c.schemaPaths.length === 0).length).toBeGreaterThanOrEqual(2);
    expect(invalid.filter((c) => c.schemaPaths.length > 0).length).toBeGreaterThanOrEqual(3);
  });
});
