/**
 * Renders docs/api.md from the same CRD schemas the cluster sees, so the reference can never
 * disagree with what validation and the API server accept (a test fails when the file is stale).
 */
import { buildCrds } from "./crd.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface FieldRow {
  path: string;
  type: string;
  required: boolean;
  description: string;
  constraints: string;
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function typeOf(node: JsonObject): string {
  if (Array.isArray(node.enum)) return node.enum.map((v) => `\`${String(v)}\``).join(" | ");
  if (node.type === "array" && isObject(node.items)) return `[]${typeOf(node.items)}`;
  if (typeof node.type === "string") return node.type;
  if (node["x-kubernetes-int-or-string"] === true) return "int or string";
  return "any";
}

const CONSTRAINT_KEYS: Array<[string, string]> = [
  ["minimum", "≥"],
  ["maximum", "≤"],
  ["minLength", "min length"],
  ["maxLength", "max length"],
  ["minItems", "min items"],
  ["maxItems", "max items"],
  ["pattern", "pattern"],
  ["default", "default"],
];

function constraintsOf(node: JsonObject): string {
  const parts: string[] = [];
  for (const [key, label] of CONSTRAINT_KEYS) {
    const value = node[key];
    if (value === undefined) continue;
    parts.push(`${label} \`${typeof value === "string" ? value : JSON.stringify(value)}\``);
  }
  const rules = node["x-kubernetes-validations"];
  if (Array.isArray(rules)) {
    for (const rule of rules) if (isObject(rule) && typeof rule.message === "string") parts.push(`rule: ${rule.message}`);
  }
  return parts.join("; ");
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

interface Children {
  properties: JsonObject;
  required: Set<string>;
  prefix: string;
}

/** The fields under a node: its own properties, or those of its array elements (path `x[]`). */
function childrenOf(node: JsonObject, prefix: string): Children | undefined {
  const element = node.type === "array" && isObject(node.items) ? node.items : undefined;
  const holder = element ?? node;
  if (!isObject(holder.properties)) return undefined;
  const required = new Set(Array.isArray(holder.required) ? holder.required.map(String) : []);
  return { properties: holder.properties, required, prefix: element ? `${prefix}[]` : prefix };
}

/** Walks one schema depth-first, one row per field, children under their parent's path. */
function collectRows(node: JsonObject, prefix: string, rows: FieldRow[]): void {
  const children = childrenOf(node, prefix);
  if (!children) return;
  for (const [name, child] of Object.entries(children.properties)) {
    if (!isObject(child)) continue;
    const path = children.prefix ? `${children.prefix}.${name}` : name;
    const description = typeof child.description === "string" ? child.description : "";
    rows.push({ path, type: typeOf(child), required: children.required.has(name), description, constraints: constraintsOf(child) });
    collectRows(child, path, rows);
  }
}

function renderKind(kind: string, shortName: string, schema: JsonObject): string {
  const lines: string[] = [`## ${kind} (\`${shortName}\`)`, ""];
  const top = isObject(schema.properties) ? schema.properties : {};
  for (const section of ["spec", "status"]) {
    const node = top[section];
    if (!isObject(node)) continue;
    const rules = constraintsOf(node);
    lines.push(`### ${kind} \`.${section}\``, "");
    if (rules) lines.push(`Rules on \`.${section}\`: ${cell(rules)}`, "");
    lines.push("| field | type | required | description | constraints |", "| --- | --- | --- | --- | --- |");
    const rows: FieldRow[] = [];
    collectRows(node, "", rows);
    for (const row of rows) {
      lines.push(
        `| \`${row.path}\` | ${cell(row.type)} | ${row.required ? "yes" : ""} | ${cell(row.description)} | ${cell(row.constraints)} |`,
      );
    }
    lines.push("");
  }
  return lines.join("\n");
}

/** The parts of a CRD built by buildCrds that the reference needs. */
interface CrdShape {
  spec: { names: { kind: string; shortNames: string[] }; versions: Array<{ schema: { openAPIV3Schema: JsonObject } }> };
}

/** The whole text of docs/api.md. */
export function renderApiDocs(): string {
  const parts = [
    "<!-- Generated from controller/model by `npm run gen:docs`; do not edit by hand. -->",
    "# API reference: group `azurebatch.gitops.dev`, version `v1alpha1`",
    "",
    "Both kinds are namespaced. Field names follow the Kubernetes API conventions; enums that mirror an Azure Batch enum keep",
    "Batch's spelling. Every constraint below is enforced by `batch-gitops validate`, by `run` before any Batch write, and by the",
    "API server through the CRDs in `crds/` (CEL rules in `x-kubernetes-validations`). Examples: `manifests/examples/`.",
    "",
  ];
  for (const crd of Object.values(buildCrds())) {
    // buildCrds produces exactly this shape; the cast only narrows its JSON type.
    const { names, versions } = (crd as unknown as CrdShape).spec;
    parts.push(renderKind(names.kind, names.shortNames[0] ?? "", versions[0]?.schema.openAPIV3Schema ?? {}));
  }
  return parts.join("\n").trimEnd() + "\n";
}
