/** labelSelector and fieldSelector query parameters, parsed with the grammar of apimachinery's `labels.Parse`. */
import { badRequest } from "./errors.js";
import type { KubeObject, ResourceType } from "./types.js";

export type Matcher = (obj: KubeObject) => boolean;

type Requirement =
  | { op: "=" | "!="; key: string; value: string }
  | { op: "in" | "notin"; key: string; values: string[] }
  | { op: "exists" | "!"; key: string };

/** Splits on commas that are not inside a `( … )` value set. */
function splitTopLevel(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of selector) {
    if (ch === "(") depth += 1;
    if (ch === ")") depth -= 1;
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

function parseRequirement(text: string): Requirement {
  const setMatch = /^([^\s!=(]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(text);
  if (setMatch) {
    const values = (setMatch[3] ?? "")
      .split(",")
      .map((v) => v.trim())
      .filter((v) => v !== "");
    return { op: setMatch[2] as "in" | "notin", key: setMatch[1] ?? "", values };
  }
  const eqMatch = /^([^\s!=]+)\s*(==|=|!=)\s*([^\s,]*)$/.exec(text);
  if (eqMatch) return { op: eqMatch[2] === "!=" ? "!=" : "=", key: eqMatch[1] ?? "", value: eqMatch[3] ?? "" };
  const notExists = /^!\s*([^\s!=(]+)$/.exec(text);
  if (notExists) return { op: "!", key: notExists[1] ?? "" };
  if (/^[^\s!=(),]+$/.test(text)) return { op: "exists", key: text };
  throw badRequest(`unable to parse requirement: ${text}`);
}

function requirementHolds(req: Requirement, lookup: (key: string) => string | undefined): boolean {
  const actual = lookup(req.key);
  switch (req.op) {
    case "=":
      return actual === req.value;
    case "!=":
      return actual !== req.value;
    case "in":
      return actual !== undefined && req.values.includes(actual);
    case "notin":
      return actual === undefined || !req.values.includes(actual);
    case "exists":
      return actual !== undefined;
    case "!":
      return actual === undefined;
  }
}

export function parseLabelSelector(selector: string | null): Matcher {
  if (!selector) return () => true;
  const requirements = splitTopLevel(selector).map(parseRequirement);
  return (obj) => requirements.every((req) => requirementHolds(req, (key) => obj.metadata.labels?.[key]));
}

/** Field selectors support only `=`, `==` and `!=`, and only the fields the resource declares. */
export function parseFieldSelector(selector: string | null, type: ResourceType): Matcher {
  if (!selector) return () => true;
  const getters: Record<string, (obj: KubeObject) => string | undefined> = {
    "metadata.name": (obj) => obj.metadata.name,
    "metadata.namespace": (obj) => obj.metadata.namespace ?? "",
    ...type.extraFieldLabels,
  };
  const requirements = splitTopLevel(selector).map((text) => {
    const req = parseRequirement(text);
    if (req.op !== "=" && req.op !== "!=") throw badRequest(`invalid selector: '${selector}'; can't understand '${text}'`);
    if (!getters[req.key]) throw badRequest(`field label not supported: ${req.key}`);
    return req;
  });
  return (obj) => requirements.every((req) => requirementHolds(req, (key) => getters[key]?.(obj) ?? ""));
}
