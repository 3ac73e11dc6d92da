import { describe, expect, it } from "vitest";
import { parse as parseCel } from "@marcbachmann/cel-js";
import { parse } from "yaml";
import { listCelRules, renderCrdFiles } from "../../../controller/model/index.js";
import { committedSchema, readCommittedCrd, validateAgainstCrd } from "../../helpers/crds.js";
import { aJob, aPool, aSweep } from "../../helpers/resources.js";

type Node = Record<string, unknown>;

/** Every violation of the Kubernetes structural-schema rules found under `node`. */
function structuralViolations(node: Node, path: string): string[] {
  const out: string[] = [];
  if (typeof node.type !== "string" && node["x-kubernetes-preserve-unknown-fields"] !== true) out.push(`${path}: no type`);
  for (const key of ["$ref", "const", "patternProperties", "anyOf", "oneOf", "allOf", "not"]) {
    if (key in node) out.push(`${path}: ${key}`);
  }
  if (node.additionalProperties !== undefined && node.properties !== undefined) out.push(`${path}: properties with additionalProperties`);
  // The API server compiles patterns with Go's RE2: no lookaround, no backreferences (it refuses the CRD).
  if (typeof node.pattern === "string" && /\(\?<?[=!]|\\[1-9]/.test(node.pattern)) out.push(`${path}: pattern not RE2 (${node.pattern})`);
  for (const [name, child] of Object.entries((node.properties as Record<string, Node> | undefined) ?? {}))
    out.push(...structuralViolations(child, `${path}.${name}`));
  if (typeof node.items === "object" && node.items !== null) out.push(...structuralViolations(node.items as Node, `${path}[]`));
  if (typeof node.additionalProperties === "object" && node.additionalProperties !== null)
    out.push(...structuralViolations(node.additionalProperties as Node, `${path}{}`));
  return out;
}

describe("generated CRDs", () => {
  const generated = renderCrdFiles();

  it.each(Object.keys(generated))("crds/%s is up to date (run `npm run gen:crds` after changing controller/model)", (file) => {
    expect(readCommittedCrd(file)).toBe(generated[file]);
  });

  it.each(["BatchPool", "BatchJob"] as const)("%s schema is structural", (kind) => {
    expect(structuralViolations(committedSchema(kind), "")).toEqual([]);
  });

  it("declares short names, the status subresource and the READY printer column", () => {
    const pool = parse(readCommittedCrd("batchpools.azurebatch.gitops.dev.yaml"));
    const job = parse(readCommittedCrd("batchjobs.azurebatch.gitops.dev.yaml"));
    expect(pool.spec.names.shortNames).toEqual(["bpool"]);
    expect(job.spec.names.shortNames).toEqual(["bjob"]);
    for (const crd of [pool, job]) {
      expect(crd.apiVersion).toBe("apiextensions.k8s.io/v1");
      expect(crd.spec.versions[0].subresources).toEqual({ status: {} });
      expect(crd.spec.versions[0].additionalPrinterColumns[0]).toMatchObject({
        name: "Ready",
        jsonPath: '.status.conditions[?(@.type=="Ready")].status',
      });
    }
    const names = (crd: { spec: { versions: { additionalPrinterColumns: { name: string; priority?: number }[] }[] } }): string[] =>
      (crd.spec.versions[0]?.additionalPrinterColumns ?? []).filter((c) => c.priority === undefined).map((c) => c.name);
    expect(names(pool)).toEqual(["Ready", "Nodes", "Image", "Age"]);
    expect(names(job)).toEqual(["Ready", "Pool", "Succeeded/Total", "Failed", "Age"]);
  });

  it.each(["BatchPool", "BatchJob"] as const)("every CEL rule of %s parses with a CEL implementation", (kind) => {
    const rules = listCelRules(committedSchema(kind));
    expect(rules.length).toBeGreaterThan(3);
    for (const { rule } of rules) expect(() => parseCel(rule.rule), rule.rule).not.toThrow();
  });
});

describe("CEL rules of the committed CRDs, evaluated with cel-js", () => {
  const celMessages = (kind: "BatchPool" | "BatchJob", obj: unknown): string[] =>
    validateAgainstCrd(kind, obj).celProblems.map((p) => `${p.path}: ${p.message}`);

  it("accept valid resources", () => {
    expect(validateAgainstCrd("BatchPool", aPool().build())).toEqual({ schemaErrors: [], celProblems: [] });
    expect(validateAgainstCrd("BatchJob", aJob().withTaskFactory(aSweep(10)).build())).toEqual({ schemaErrors: [], celProblems: [] });
  });

  it("reject fixed scale together with autoscale", () => {
    const pool = aPool()
      .withScale({ fixed: { targetDedicatedNodes: 1 }, autoscale: { formula: "$TargetDedicatedNodes=1;" } })
      .build();
    expect(celMessages("BatchPool", pool)).toEqual(["spec.scale: scale must set exactly one of fixed or autoscale"]);
  });

  it("reject an image without marketplace or gallery id", () => {
    expect(celMessages("BatchPool", aPool().withImage({}).build())).toEqual([
      "spec.image: image must set exactly one of marketplace or virtualMachineImageId",
    ]);
  });

  it("reject a job with both poolRef and poolId, and a name Batch cannot use", () => {
    expect(celMessages("BatchJob", aJob({ name: "a".repeat(60) }, { poolId: "p" }).build())).toEqual([
      ": metadata.name must be a DNS label of at most 55 characters (it becomes part of the Batch id)",
      "spec: a job sets exactly one of poolRef or poolId",
    ]);
  });

  it("reject tasks together with a task factory", () => {
    expect(celMessages("BatchJob", aJob({}, { taskFactory: aSweep(2) }).build())).toEqual([
      "spec: a job sets tasks or taskFactory, not both",
    ]);
  });
});
