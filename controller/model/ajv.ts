/** The one ajv setup used for runtime validation and for checking generated CRD schemas in tests. */
import { Ajv } from "ajv";
import addFormats from "ajv-formats";

/** Kubernetes schema extensions ajv must accept as annotations (CEL rules are run by cel.ts). */
const KUBERNETES_KEYWORDS = [
  "x-kubernetes-validations",
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
  "x-kubernetes-preserve-unknown-fields",
  "x-kubernetes-int-or-string",
  "x-kubernetes-embedded-resource",
];

export function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
  addFormats.default(ajv, ["date-time"]);
  for (const keyword of KUBERNETES_KEYWORDS) ajv.addKeyword({ keyword, schemaType: ["array", "string", "boolean"] });
  return ajv;
}
