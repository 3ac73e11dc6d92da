/**
 * Turns CustomResourceDefinition manifests (the YAML in crds/) into resources the server serves:
 * one per served version, all sharing the storage of the CRD (conversion strategy None).
 */
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { compileCelRules } from "./cel.js";
import { applyDefaults, compileSchema, isPlainObject, prune } from "./schema.js";
import type { SchemaNode } from "./schema.js";
import type { FieldCause, JsonObject, KubeObject, ResourceType } from "./types.js";

interface CrdVersion {
  name: string;
  served?: boolean;
  storage?: boolean;
  schema?: { openAPIV3Schema?: SchemaNode };
  subresources?: { status?: JsonObject; scale?: JsonObject };
  additionalPrinterColumns?: JsonObject[];
}

export interface CustomResourceDefinition {
  apiVersion: string;
  kind: "CustomResourceDefinition";
  metadata: { name: string };
  spec: {
    group: string;
    scope: "Namespaced" | "Cluster";
    names: { kind: string; plural: string; singular?: string; listKind?: string; shortNames?: string[] };
    versions: CrdVersion[];
  };
}

/** Reads every CustomResourceDefinition document of the given YAML files. */
export function readCrdFiles(paths: string[]): CustomResourceDefinition[] {
  return paths.flatMap((path) =>
    parseAllDocuments(readFileSync(path, "utf8"))
      .map((doc) => doc.toJS() as unknown)
      .filter((doc): doc is CustomResourceDefinition => isPlainObject(doc) && doc.kind === "CustomResourceDefinition"),
  );
}

const BLOCKING_REASONS = new Set<FieldCause["reason"]>([
  "FieldValueNotSupported",
  "FieldValueRequired",
  "FieldValueTooLong",
  "FieldValueTypeInvalid",
]);

const CEL_SKIPPED: FieldCause = {
  reason: "FieldValueInvalid",
  field: "<nil>",
  message:
    'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
};

export function resourcesFromCrd(crd: CustomResourceDefinition): ResourceType[] {
  const { group, names, scope } = crd.spec;
  if (crd.metadata.name !== `${names.plural}.${group}`) {
    throw new Error(`CRD ${crd.metadata.name}: metadata.name must be "${names.plural}.${group}"`);
  }
  return crd.spec.versions.filter((v) => v.served !== false).map((version) => versionResource(crd, version, scope === "Namespaced"));
}

function versionResource(crd: CustomResourceDefinition, version: CrdVersion, namespaced: boolean): ResourceType {
  const { group, names } = crd.spec;
  const schema = version.schema?.openAPIV3Schema ?? { type: "object", "x-kubernetes-preserve-unknown-fields": true };
  const validateSchema = compileSchema(schema);
  const validateCel = compileCelRules(schema);
  const hasCelRules = JSON.stringify(schema).includes('"x-kubernetes-validations"');
  const apiVersion = `${group}/${version.name}`;
  return {
    group,
    version: version.name,
    kind: names.kind,
    listKind: names.listKind ?? `${names.kind}List`,
    plural: names.plural,
    singular: names.singular ?? names.kind.toLowerCase(),
    namespaced,
    shortNames: names.shortNames ?? [],
    custom: true,
    hasStatusSubresource: version.subresources?.status !== undefined,
    tracksGeneration: true,
    allowUnconditionalUpdate: false,
    allowCreateOnUpdate: false,
    storageKey: `${group}/${names.plural}`,
    extraFieldLabels: {},
    toStorage: (obj) => obj,
    fromStorage: (obj): KubeObject => ({ ...obj, apiVersion }),
    normalize: (obj) => {
      const pruned = prune(obj, schema);
      applyDefaults(obj, schema);
      return pruned;
    },
    validate: (obj, old) => {
      const causes = validateSchema(obj);
      // Like the server, CEL rules are not run on an object with blocking schema errors (missing or mistyped fields).
      if (!causes.some((c) => BLOCKING_REASONS.has(c.reason))) return [...causes, ...validateCel(obj, old)];
      return hasCelRules ? [...causes, CEL_SKIPPED] : causes;
    },
  };
}
