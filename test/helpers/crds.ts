/** Reads the committed CRDs from crds/ and validates objects against them the way the API server would. */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { createAjv, evaluateCelRules, type FieldProblem } from "../../controller/model/index.js";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

interface CrdFile {
  spec: { names: { kind: string }; versions: { schema: { openAPIV3Schema: Record<string, unknown> } }[] };
}

export function readCommittedCrd(file: string): string {
  return readFileSync(join(repoRoot, "crds", file), "utf8");
}

/** The openAPIV3Schema of the committed CRD for `kind`. */
export function committedSchema(kind: "BatchPool" | "BatchJob" | "BatchAccount"): Record<string, unknown> {
  const file = `${kind.toLowerCase()}s.azurebatch.gitops.dev.yaml`;
  const crd = parse(readCommittedCrd(file)) as CrdFile;
  const version = crd.spec.versions[0];
  if (version === undefined) throw new Error(`${file} has no version`);
  return version.schema.openAPIV3Schema;
}

/** JSON-schema validation (ajv) plus the CRD's CEL rules (cel-js) against the committed CRD. */
export function validateAgainstCrd(
  kind: "BatchPool" | "BatchJob" | "BatchAccount",
  obj: unknown,
): { schemaErrors: string[]; celProblems: FieldProblem[] } {
  const schema = committedSchema(kind);
  const validate = createAjv().compile(schema);
  const schemaErrors = validate(obj) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ""}`);
  return { schemaErrors, celProblems: evaluateCelRules(schema, obj) };
}
