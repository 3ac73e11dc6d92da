/**
 * Builds each CRD from the TypeBox schemas: the openAPIV3Schema is the runtime schema made
 * structural (Kubernetes prunes unknown fields itself and rejects `additionalProperties: false`
 * next to `properties`), with our rule ids stripped from `x-kubernetes-validations`.
 */
import { stringify } from "yaml";
import { ACCOUNT_KIND, GROUP, JOB_KIND, POOL_KIND, VERSION } from "./constants.js";
import { BatchAccountSchema } from "./account.js";
import { BatchJobSchema } from "./job.js";
import { BatchPoolSchema } from "./pool.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "date";
  jsonPath: string;
  description?: string;
  priority?: number;
}

interface CrdNames {
  kind: string;
  plural: string;
  singular: string;
  shortName: string;
}

const CATEGORIES = ["azurebatch", "batch-gitops"];

const READY_COLUMN: PrinterColumn = { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' };
const STATUS_COLUMN: PrinterColumn = {
  name: "Status",
  type: "string",
  jsonPath: '.status.conditions[?(@.type=="Ready")].message',
  priority: 1,
};
const AGE_COLUMN: PrinterColumn = { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" };

const POOL_COLUMNS: PrinterColumn[] = [
  READY_COLUMN,
  { name: "Nodes", type: "string", jsonPath: ".status.nodes", description: "current/target nodes" },
  { name: "Image", type: "string", jsonPath: ".status.image" },
  { name: "Pool ID", type: "string", jsonPath: ".status.poolId", priority: 1 },
  STATUS_COLUMN,
  AGE_COLUMN,
];

const JOB_COLUMNS: PrinterColumn[] = [
  READY_COLUMN,
  { name: "Pool", type: "string", jsonPath: ".status.poolId" },
  { name: "Succeeded/Total", type: "string", jsonPath: ".status.completions" },
  { name: "Failed", type: "integer", jsonPath: ".status.taskCounts.failed" },
  { name: "Job ID", type: "string", jsonPath: ".status.jobId", priority: 1 },
  STATUS_COLUMN,
  AGE_COLUMN,
];

const ACCOUNT_COLUMNS: PrinterColumn[] = [READY_COLUMN, { name: "URL", type: "string", jsonPath: ".spec.url" }, STATUS_COLUMN, AGE_COLUMN];

function isObject(value: Json): value is { [key: string]: Json } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Rewrites one schema node (recursively) into the structural form the API server accepts. */
function structural(node: Json): Json {
  if (Array.isArray(node)) return node.map(structural);
  if (!isObject(node)) return node;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "$id" || key === "const") continue;
    if (key === "additionalProperties" && value === false) continue;
    if (key === "x-kubernetes-validations" && Array.isArray(value)) {
      out[key] = value.map((rule) => (isObject(rule) ? Object.fromEntries(Object.entries(rule).filter(([k]) => k !== "id")) : rule));
      continue;
    }
    out[key] = structural(value);
  }
  return out;
}

/** The openAPIV3Schema of a kind: metadata is left to the API server, as CRDs require. */
export function openApiSchema(schema: object): Json {
  const plain = structural(JSON.parse(JSON.stringify(schema)) as Json);
  if (!isObject(plain) || plain.properties === undefined || !isObject(plain.properties))
    throw new Error("resource schema must be an object schema");
  plain.properties.apiVersion = { type: "string" };
  plain.properties.kind = { type: "string" };
  plain.properties.metadata = { type: "object" };
  plain.required = ["spec"];
  return plain;
}

function crd(names: CrdNames, schema: object, columns: PrinterColumn[]): Json {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${names.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      names: {
        kind: names.kind,
        listKind: `${names.kind}List`,
        plural: names.plural,
        singular: names.singular,
        shortNames: [names.shortName],
        categories: CATEGORIES,
      },
      scope: "Namespaced",
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: columns as unknown as Json,
          schema: { openAPIV3Schema: openApiSchema(schema) },
        },
      ],
    },
  };
}

/** Every CRD, keyed by the file name they are committed under in crds/. */
export function buildCrds(): Record<string, Json> {
  return {
    [`batchpools.${GROUP}.yaml`]: crd(
      { kind: POOL_KIND, plural: "batchpools", singular: "batchpool", shortName: "bpool" },
      BatchPoolSchema,
      POOL_COLUMNS,
    ),
    [`batchjobs.${GROUP}.yaml`]: crd(
      { kind: JOB_KIND, plural: "batchjobs", singular: "batchjob", shortName: "bjob" },
      BatchJobSchema,
      JOB_COLUMNS,
    ),
    [`batchaccounts.${GROUP}.yaml`]: crd(
      { kind: ACCOUNT_KIND, plural: "batchaccounts", singular: "batchaccount", shortName: "bacct" },
      BatchAccountSchema,
      ACCOUNT_COLUMNS,
    ),
  };
}

const GENERATED_HEADER = "# Generated from controller/model by `npm run gen:crds`; do not edit by hand.\n";

/** The committed text of each CRD file, keyed by file name (crds/<name>). */
export function renderCrdFiles(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(buildCrds()).map(([file, crd]) => [
      file,
      GENERATED_HEADER + stringify(crd, { lineWidth: 0, aliasDuplicateObjects: false }),
    ]),
  );
}
