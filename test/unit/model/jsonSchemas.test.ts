// The committed JSON Schemas (schemas/, for editors and kubeconform) are generated from the model,
// accept every example, refuse what the controller's schema check refuses, and the examples name
// them in a yaml-language-server modeline per document.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { jsonSchemaFileName, renderJsonSchemaFiles, validateResource } from "../../../controller/model/index.js";
import { readYamlDocuments } from "../../../controller/manifests/yamlDocuments.js";
import { repoRoot } from "../../helpers/crds.js";

const SCHEMA_RULES = new Set(["unknown-field", "wrong-type", "invalid-value", "missing-field"]);

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? yamlFiles(path) : name.endsWith(".yaml") ? [path] : [];
  });
}

interface Doc {
  file: string;
  index: number;
  object: Record<string, unknown>;
  comments: string;
}

function documents(dir: string): Doc[] {
  return yamlFiles(dir).flatMap((file) => {
    const text = readFileSync(file, "utf8");
    // Read as the loader reads them: what it refuses before any schema runs (syntax, alias bombs and
    // cycles, tags) is left out.
    return readYamlDocuments(text).documents.flatMap(({ doc, value: object, broken }, index) => {
      if (broken || typeof object !== "object" || object === null) return [];
      const [start, , end] = doc.range ?? [0, 0, text.length];
      const comments = text
        .slice(start, end)
        .split("\n")
        .filter((l) => l.startsWith("#"))
        .join("\n");
      return [{ file: relative(repoRoot, file), index, object: object as Record<string, unknown>, comments }];
    });
  });
}

function validators(): Map<string, ReturnType<Ajv["compile"]>> {
  // A plain draft-07 validator in strict mode, as a generic tool would use: no Kubernetes keywords.
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
  addFormats.default(ajv);
  const files = renderJsonSchemaFiles();
  return new Map(
    ["BatchPool", "BatchJob"].map((kind) => [kind, ajv.compile(JSON.parse(files[jsonSchemaFileName(kind)] ?? "{}") as object)]),
  );
}

describe("JSON Schemas", () => {
  const generated = renderJsonSchemaFiles();
  const validate = validators();

  it.each(Object.keys(generated))("schemas/%s is up to date (run `npm run gen:schemas` after changing controller/model)", (file) => {
    expect(readFileSync(join(repoRoot, "schemas", file), "utf8")).toBe(generated[file]);
  });

  it("accepts every example document, and every example names its schema in a modeline", () => {
    const docs = documents(join(repoRoot, "manifests", "examples"));
    expect(docs.length).toBeGreaterThanOrEqual(7);
    for (const doc of docs) {
      const kind = String(doc.object.kind);
      const check = validate.get(kind);
      expect(check?.(doc.object), `${doc.file}#${doc.index}: ${JSON.stringify(check?.errors)}`).toBe(true);
      const schema = join(relative(dirname(join(repoRoot, doc.file)), join(repoRoot, "schemas")), jsonSchemaFileName(kind));
      expect(doc.comments, `${doc.file}#${doc.index}`).toContain(`# yaml-language-server: $schema=${schema}`);
    }
  });

  it("refuses exactly the invalid documents the controller's schema check refuses", () => {
    let refused = 0;
    for (const doc of documents(join(repoRoot, "manifests", "invalid"))) {
      const check = validate.get(String(doc.object.kind));
      if (check === undefined) continue;
      const schemaProblems = validateResource(doc.object).filter((p) => SCHEMA_RULES.has(p.rule));
      expect(check(doc.object), `${doc.file}#${doc.index}: ${schemaProblems.map((p) => `${p.path}: ${p.message}`).join("; ")}`).toBe(
        schemaProblems.length === 0,
      );
      if (schemaProblems.length > 0) refused++;
    }
    expect(refused).toBeGreaterThanOrEqual(4);
  });
});
