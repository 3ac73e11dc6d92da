/**
 * Evaluates the `x-kubernetes-validations` CEL rules of a JSON schema against a value, the way the
 * Kubernetes API server does: each rule runs with `self` bound to the value at its schema node.
 * Works on any plain schema (TypeBox's or a generated CRD's), so both are checked by the same code.
 */
import { parse } from "@marcbachmann/cel-js";
import { joinPath, type FieldProblem } from "./problem.js";

interface ValidationRule {
  readonly id?: string;
  readonly rule: string;
  readonly message: string;
  readonly fieldPath?: string;
}

type JsonSchema = Record<string, unknown>;
type Evaluator = (context: Record<string, unknown>) => unknown;

// Parsed rules are kept per rule text: the same few rules are evaluated for every resource and task.
const parsedRules = new Map<string, Evaluator>();

function compiled(rule: string): Evaluator {
  let evaluator = parsedRules.get(rule);
  if (evaluator === undefined) {
    evaluator = parse(rule) as Evaluator;
    parsedRules.set(rule, evaluator);
  }
  return evaluator;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function rulesOf(schema: JsonSchema): readonly ValidationRule[] {
  const rules = schema["x-kubernetes-validations"];
  return Array.isArray(rules) ? (rules as ValidationRule[]) : [];
}

/**
 * Kubernetes hands CEL integers as `int`; cel-js treats JS numbers as `double`. Converting the
 * integer-typed fields to BigInt makes arithmetic in rules behave as on the API server.
 */
export function toCelValue(schema: JsonSchema, value: unknown): unknown {
  if (schema.type === "integer" && typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  if (Array.isArray(value)) return value.map((item) => toCelValue(isRecord(schema.items) ? schema.items : {}, item));
  return isRecord(value) ? objectToCel(schema, value) : value;
}

function objectToCel(schema: JsonSchema, value: Record<string, unknown>): Record<string, unknown> {
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const additional = isRecord(schema.additionalProperties) ? schema.additionalProperties : {};
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const childSchema = properties[key];
    out[key] = toCelValue(isRecord(childSchema) ? childSchema : additional, child);
  }
  return out;
}

function problemFor(rule: ValidationRule, path: string, message: string): FieldProblem {
  const located = rule.fieldPath === undefined ? path : joinPath(path, rule.fieldPath.replace(/^\./, ""));
  return { severity: "error", rule: rule.id ?? "cel-rule", path: located, message };
}

interface WalkOptions {
  readonly reportEvaluationErrors: boolean;
}

/** What every step of the walk shares: where problems go and how evaluation errors are treated. */
interface Walk {
  readonly out: FieldProblem[];
  readonly options: WalkOptions;
}

function evaluateRules(schema: JsonSchema, value: unknown, path: string, { out, options }: Walk): void {
  const rules = rulesOf(schema);
  if (rules.length === 0) return;
  const self = toCelValue(schema, value);
  for (const rule of rules) {
    try {
      if (compiled(rule.rule)({ self }) !== true) out.push(problemFor(rule, path, rule.message));
    } catch (error: unknown) {
      // A rule that cannot run on this value (a field of the wrong type) is reported as such; the
      // schema check reports the type error itself.
      if (!options.reportEvaluationErrors) continue;
      const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
      out.push({
        severity: "error",
        rule: rule.id ?? "cel-rule",
        path,
        message: `${rule.message} (rule could not be evaluated: ${reason})`,
      });
    }
  }
}

function walkChildren(schema: JsonSchema, value: unknown, path: string, ctx: Walk): void {
  if (Array.isArray(value)) {
    if (isRecord(schema.items)) {
      const items = schema.items;
      value.forEach((item, index) => walk(items, item, joinPath(path, index), ctx));
    }
    return;
  }
  if (!isRecord(value)) return;
  const properties = isRecord(schema.properties) ? schema.properties : {};
  for (const [key, child] of Object.entries(value)) {
    const childSchema = properties[key] ?? schema.additionalProperties;
    if (isRecord(childSchema)) walk(childSchema, child, joinPath(path, key), ctx);
  }
}

function walk(schema: JsonSchema, value: unknown, path: string, ctx: Walk): void {
  if (value === undefined || value === null) return;
  evaluateRules(schema, value, path, ctx);
  walkChildren(schema, value, path, ctx);
}

/** Evaluates every CEL rule of `schema` on `value`; returns the failed rules, located by field path. */
export function evaluateCelRules(schema: object, value: unknown, options: Partial<WalkOptions> = {}): FieldProblem[] {
  const out: FieldProblem[] = [];
  walk(schema as JsonSchema, value, "", { out, options: { reportEvaluationErrors: options.reportEvaluationErrors ?? true } });
  return out;
}

/** Every rule of a schema with the field path of its node, e.g. for listing or compiling all rules. */
export function listCelRules(schema: object, path = ""): { path: string; rule: ValidationRule }[] {
  const node = schema as JsonSchema;
  const own = rulesOf(node).map((rule) => ({ path, rule }));
  const nested: { path: string; rule: ValidationRule }[] = [];
  if (isRecord(node.properties)) {
    for (const [key, child] of Object.entries(node.properties)) {
      if (isRecord(child)) nested.push(...listCelRules(child, joinPath(path, key)));
    }
  }
  if (isRecord(node.items)) nested.push(...listCelRules(node.items, `${path}[]`));
  return [...own, ...nested];
}
