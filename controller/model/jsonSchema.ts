/**
 * JSON Schemas of both kinds for editors (yaml-language-server) and CI validators (kubeconform),
 * generated from the same TypeBox model as the runtime validation and the CRDs, and committed
 * under schemas/ in kubeconform's `{{.ResourceKind}}_{{.ResourceAPIVersion}}.json` layout.
 * The Kubernetes-only keywords (x-kubernetes-*: CEL rules, list types) are dropped: generic
 * validators do not know them, and `batch-gitops validate` runs those rules itself.
 */
import { ACCOUNT_KIND, API_VERSION, JOB_KIND, POOL_KIND, VERSION } from "./constants.js";
import { BatchAccountSchema } from "./account.js";
import { BatchJobSchema } from "./job.js";
import { BatchPoolSchema } from "./pool.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function withoutKubernetesKeywords(node: Json): Json {
  if (Array.isArray(node)) return node.map(withoutKubernetesKeywords);
  if (typeof node !== "object" || node === null) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => !key.startsWith("x-kubernetes-") && key !== "$id")
      .map(([key, value]) => [key, withoutKubernetesKeywords(value)]),
  );
}

function jsonSchema(kind: string, schema: object): Json {
  const plain = withoutKubernetesKeywords(JSON.parse(JSON.stringify(schema)) as Json);
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: `${kind} (${API_VERSION})`,
    description: `A ${kind} of batch-gitops. Generated from controller/model by \`npm run gen:schemas\`; do not edit by hand.`,
    ...(plain as { [key: string]: Json }),
  };
}

/** The file name of a kind's schema: kubeconform's `{{.ResourceKind}}_{{.ResourceAPIVersion}}.json`. */
export function jsonSchemaFileName(kind: string): string {
  return `${kind.toLowerCase()}_${VERSION}.json`;
}

/** Every schema, keyed by file name under schemas/. */
export function renderJsonSchemaFiles(): Record<string, string> {
  return {
    [jsonSchemaFileName(POOL_KIND)]: `${JSON.stringify(jsonSchema(POOL_KIND, BatchPoolSchema), null, 2)}\n`,
    [jsonSchemaFileName(JOB_KIND)]: `${JSON.stringify(jsonSchema(JOB_KIND, BatchJobSchema), null, 2)}\n`,
    [jsonSchemaFileName(ACCOUNT_KIND)]: `${JSON.stringify(jsonSchema(ACCOUNT_KIND, BatchAccountSchema), null, 2)}\n`,
  };
}
