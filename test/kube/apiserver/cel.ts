/**
 * `x-kubernetes-validations` CEL rules of a CRD schema, evaluated with @marcbachmann/cel-js.
 * `self` is the value at the rule's node; transition rules (those that mention `oldSelf`) run only on
 * update when the old value exists at the same place, as the API server does.
 */
import { Environment } from "@marcbachmann/cel-js";
import type { FieldCause } from "./types.js";
import { childPath, isPlainObject } from "./schema.js";
import type { SchemaNode, ValidationRule } from "./schema.js";

type Evaluate = (context?: Record<string, unknown>) => unknown;

interface CompiledRule {
  source: ValidationRule;
  evaluate: Evaluate;
  messageExpression?: Evaluate;
  isTransition: boolean;
}

export type CelValidator = (obj: unknown, old: unknown) => FieldCause[];

const newEnvironment = (): Environment =>
  new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false, enableOptionalTypes: true });

/** Compiles every rule of the schema once; a rule that does not parse fails loudly, as CRD creation would. */
export function compileCelRules(schema: SchemaNode): CelValidator {
  const env = newEnvironment();
  const compiled = new Map<SchemaNode, CompiledRule[]>();
  const visit = (node: SchemaNode): void => {
    const rules = node["x-kubernetes-validations"];
    if (rules?.length)
      compiled.set(
        node,
        rules.map((rule) => compileRule(env, rule)),
      );
    for (const child of childSchemas(node)) visit(child);
  };
  visit(schema);
  if (compiled.size === 0) return () => [];
  return (obj, old) => evaluateNode(compiled, schema, rootView(obj), rootView(old), "");
}

/** At the root, CEL sees only metadata.name and metadata.generateName, as on the real server. */
function rootView(obj: unknown): unknown {
  if (!isPlainObject(obj) || !isPlainObject(obj.metadata)) return obj;
  const { name, generateName } = obj.metadata;
  const metadata: Record<string, unknown> = {};
  if (name !== undefined) metadata.name = name;
  if (generateName !== undefined) metadata.generateName = generateName;
  return { ...obj, metadata };
}

function compileRule(env: Environment, rule: ValidationRule): CompiledRule {
  try {
    const compiledRule: CompiledRule = { source: rule, evaluate: env.parse(rule.rule), isTransition: /\boldSelf\b/.test(rule.rule) };
    if (rule.messageExpression) compiledRule.messageExpression = env.parse(rule.messageExpression);
    return compiledRule;
  } catch (err: unknown) {
    throw new Error(
      `x-kubernetes-validations rule ${JSON.stringify(rule.rule)} does not compile: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}

function childSchemas(node: SchemaNode): SchemaNode[] {
  const children = Object.values(node.properties ?? {});
  if (node.items) children.push(node.items);
  if (isPlainObject(node.additionalProperties)) children.push(node.additionalProperties as SchemaNode);
  return children;
}

function evaluateNode(
  rules: Map<SchemaNode, CompiledRule[]>,
  schema: SchemaNode,
  value: unknown,
  old: unknown,
  path: string,
): FieldCause[] {
  if (value === undefined || value === null) return [];
  const causes: FieldCause[] = [];
  for (const rule of rules.get(schema) ?? []) {
    const cause = runRule(rule, schema, value, old, path);
    if (cause) causes.push(cause);
  }
  if (Array.isArray(value) && schema.items) {
    const items = schema.items;
    value.forEach((item, i) => causes.push(...evaluateNode(rules, items, item, correlatedListItem(schema, item, old), childPath(path, i))));
  } else if (isPlainObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      const childSchema =
        schema.properties?.[key] ?? (isPlainObject(schema.additionalProperties) ? (schema.additionalProperties as SchemaNode) : undefined);
      if (childSchema && !(path === "" && key === "metadata")) {
        causes.push(...evaluateNode(rules, childSchema, child, isPlainObject(old) ? old[key] : undefined, childPath(path, key)));
      }
    }
  }
  return causes;
}

/** Only list-map items are correlated with their old selves (by the map keys), like the server. */
function correlatedListItem(schema: SchemaNode, item: unknown, old: unknown): unknown {
  const keys = schema["x-kubernetes-list-map-keys"];
  if (schema["x-kubernetes-list-type"] !== "map" || !keys || !Array.isArray(old) || !isPlainObject(item)) return undefined;
  return old.find((candidate) => isPlainObject(candidate) && keys.every((k) => candidate[k] === item[k]));
}

function runRule(rule: CompiledRule, schema: SchemaNode, value: unknown, old: unknown, path: string): FieldCause | undefined {
  const hasOld = old !== undefined && old !== null;
  if (rule.isTransition && !hasOld && rule.source.optionalOldSelf !== true) return undefined;
  const context: Record<string, unknown> = { self: toCel(value, schema) };
  if (rule.isTransition) context.oldSelf = hasOld ? toCel(old, schema) : undefined;
  const field = rule.source.fieldPath ? `${path}${rule.source.fieldPath}` : path;
  let passed: unknown;
  try {
    passed = rule.evaluate(context);
  } catch (err: unknown) {
    return {
      reason: "FieldValueInvalid",
      field,
      message: `Invalid value: "${typeName(schema)}": ${firstLine(err)} evaluating rule: ${rule.source.rule}`,
    };
  }
  if (passed === true) return undefined;
  return failure(rule, schema, context, field);
}

function failure(rule: CompiledRule, schema: SchemaNode, context: Record<string, unknown>, field: string): FieldCause {
  const text = messageOf(rule, context);
  const reason = rule.source.reason ?? "FieldValueInvalid";
  const prefixes: Record<FieldCause["reason"], string> = {
    FieldValueInvalid: `Invalid value: "${typeName(schema)}": `,
    FieldValueForbidden: "Forbidden: ",
    FieldValueRequired: "Required value: ",
    FieldValueDuplicate: "Duplicate value: ",
    FieldValueNotSupported: "Unsupported value: ",
    FieldValueTypeInvalid: "Invalid value: ",
    FieldValueTooLong: "Too long: ",
  };
  return { reason, field, message: `${prefixes[reason]}${text}` };
}

function messageOf(rule: CompiledRule, context: Record<string, unknown>): string {
  if (rule.messageExpression) {
    try {
      const text = rule.messageExpression(context);
      if (typeof text === "string" && text.trim() !== "") return text;
    } catch {
      // The server falls back to `message` (or the default) when messageExpression fails.
    }
  }
  return rule.source.message ?? `failed rule: ${rule.source.rule}`;
}

const firstLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "";

const typeName = (schema: SchemaNode): string => schema.type ?? "object";

/** CEL distinguishes int from double: schema integers become bigint, as the server's CEL values are int64. */
export function toCel(value: unknown, schema: SchemaNode | undefined): unknown {
  if (typeof value === "number") {
    const wantsInt =
      schema?.type === "integer" ||
      (schema?.type === undefined && Number.isInteger(value)) ||
      schema?.["x-kubernetes-int-or-string"] === true;
    return wantsInt && Number.isInteger(value) ? BigInt(value) : value;
  }
  if (Array.isArray(value)) return value.map((item) => toCel(item, schema?.items));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const childSchema =
      schema?.properties?.[key] ?? (isPlainObject(schema?.additionalProperties) ? (schema?.additionalProperties as SchemaNode) : undefined);
    out[key] = toCel(child, childSchema);
  }
  return out;
}
