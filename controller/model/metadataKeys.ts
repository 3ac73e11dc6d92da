/**
 * The label and annotation rules kube-apiserver applies to every object's metadata (apimachinery's
 * IsQualifiedName and IsValidLabelValue). A CRD schema cannot state them, and a cluster refuses the object
 * before the controller sees it; in directory mode they are checked here, so that `validate` and `run` refuse
 * what `kubectl apply` of the same file would.
 */
import { joinPath, type FieldProblem } from "./problem.js";

const QUALIFIED_NAME_MAX = 63;
const LABEL_VALUE_MAX = 63;
const DNS_SUBDOMAIN_MAX = 253;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const NAME_CHARACTERS = "consist of alphanumeric characters, '-', '_' or '.', and start and end with an alphanumeric character";

/** Why `key` is not a qualified name (`[prefix/]name`), in kube-apiserver's words; empty when it is one. */
export function qualifiedNameProblems(key: string): string[] {
  const parts = key.split("/");
  if (parts.length > 2) return [`must be a name that may ${NAME_CHARACTERS}, with at most one '/' after an optional DNS subdomain prefix`];
  const [prefix, name] = parts.length === 2 ? [parts[0] as string, parts[1] as string] : [undefined, key];
  const problems: string[] = [];
  if (prefix !== undefined) {
    if (prefix.length === 0) problems.push("prefix part must be non-empty");
    else if (prefix.length > DNS_SUBDOMAIN_MAX) problems.push(`prefix part must be no more than ${DNS_SUBDOMAIN_MAX} characters`);
    else if (!DNS_SUBDOMAIN.test(prefix))
      problems.push("prefix part must be a lowercase RFC 1123 subdomain: lowercase letters, digits, '-' and '.'");
  }
  if (name.length === 0) problems.push("name part must be non-empty");
  else if (name.length > QUALIFIED_NAME_MAX) problems.push(`name part must be no more than ${QUALIFIED_NAME_MAX} characters`);
  else if (!QUALIFIED_NAME.test(name)) problems.push(`name part must ${NAME_CHARACTERS}`);
  return problems;
}

/** Why `value` is not a label value; empty when it is one. */
export function labelValueProblems(value: string): string[] {
  if (value.length > LABEL_VALUE_MAX) return [`must be no more than ${LABEL_VALUE_MAX} characters`];
  return LABEL_VALUE.test(value) ? [] : [`must be empty or ${NAME_CHARACTERS}`];
}

/**
 * Label keys and values and annotation keys of a raw object's metadata, read defensively (the schema reports a
 * metadata of the wrong shape). Annotation keys are compared lowercased, as kube-apiserver does.
 */
export function checkMetadataKeys(metadata: unknown): FieldProblem[] {
  if (!isRecord(metadata)) return [];
  const labels = isRecord(metadata.labels) ? Object.entries(metadata.labels) : [];
  const annotations = isRecord(metadata.annotations) ? Object.keys(metadata.annotations) : [];
  return [...labels.flatMap(([key, value]) => labelProblems(key, value)), ...annotations.flatMap(annotationKeyProblems)];
}

function labelProblems(key: string, value: unknown): FieldProblem[] {
  const path = joinPath("metadata.labels", key);
  const values = typeof value === "string" ? labelValueProblems(value).map((message) => `label value "${value}": ${message}`) : [];
  return [...qualifiedNameProblems(key).map((message) => `label key "${key}": ${message}`), ...values].map((message) => ({
    severity: "error",
    rule: "invalid-label",
    path,
    message,
  }));
}

function annotationKeyProblems(key: string): FieldProblem[] {
  return qualifiedNameProblems(key.toLowerCase()).map((message) => ({
    severity: "error",
    rule: "invalid-annotation",
    path: joinPath("metadata.annotations", key),
    message: `annotation key "${key}": ${message}`,
  }));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
