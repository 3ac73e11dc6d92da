import { ODataQueryError } from "./errors.js";
import { FilterSyntaxError } from "./filter-lexer.js";
import { parseFilter, type ComparisonOp, type FilterNode, type LiteralValue } from "./filter-parser.js";

export type { FilterNode } from "./filter-parser.js";

/** A compiled $filter: a predicate over the entity's wire (JSON) representation, plus its tree for index lookups. */
export interface CompiledFilter {
  readonly text: string;
  readonly root: FilterNode;
  matches(entity: unknown): boolean;
}

export interface CompileFilterOptions {
  /** Property paths the entity type lets clients filter by (`executionInfo/result`); others are refused. */
  allowedPaths?: readonly string[];
}

/** A value during evaluation: JSON scalars, or a point in time (ms) from a datetime literal. */
type Value = string | number | boolean | null | { datetime: number };

/**
 * Parses and checks `$filter` text. Throws ODataQueryError (400 InvalidQueryParameterValue) on bad syntax,
 * unknown functions or properties outside `allowedPaths`.
 */
export function compileFilter(text: string, options: CompileFilterOptions = {}): CompiledFilter {
  let root: FilterNode;
  try {
    root = parseFilter(text);
  } catch (error: unknown) {
    if (error instanceof FilterSyntaxError) throw filterError(text, error.message);
    throw error;
  }
  if (options.allowedPaths) checkPaths(root, new Set(options.allowedPaths), text);
  return { text, root, matches: (entity) => evaluate(root, entity) === true };
}

/**
 * The value a top-level conjunction pins `path` to (`state eq 'active' and ...` → "active"), so a list can use an
 * index instead of scanning. Undefined when the filter does not constrain `path` by equality on every match.
 */
export function equalityConstraint(root: FilterNode, path: string): string | number | boolean | undefined {
  if (root.type === "logical" && root.op === "and") {
    return equalityConstraint(root.left, path) ?? equalityConstraint(root.right, path);
  }
  if (root.type !== "compare" || root.op !== "eq") return undefined;
  const value = literalComparedWith(root, path);
  return value && (value.kind === "string" || value.kind === "number" || value.kind === "boolean") ? value.value : undefined;
}

/** The literal an `eq` comparison sets `path` to, on either side of the operator. */
function literalComparedWith(
  node: Extract<FilterNode, { type: "compare" }>,
  path: string,
): Extract<FilterNode, { type: "literal" }>["literal"] | undefined {
  const [property, literal] = node.left.type === "property" ? [node.left, node.right] : [node.right, node.left];
  if (property.type !== "property" || literal.type !== "literal") return undefined;
  return property.path.join("/") === path ? literal.literal : undefined;
}

function filterError(text: string, reason: string): ODataQueryError {
  return new ODataQueryError({ parameterName: "$filter", parameterValue: text, reason });
}

function checkPaths(node: FilterNode, allowed: Set<string>, text: string): void {
  switch (node.type) {
    case "property": {
      const path = node.path.join("/");
      if (!allowed.has(path)) throw filterError(text, `the property '${path}' cannot be used in a filter`);
      return;
    }
    case "logical":
    case "compare":
      checkPaths(node.left, allowed, text);
      checkPaths(node.right, allowed, text);
      return;
    case "not":
      checkPaths(node.operand, allowed, text);
      return;
    case "call":
      for (const arg of node.args) checkPaths(arg, allowed, text);
      return;
    case "literal":
      return;
  }
}

function evaluate(node: FilterNode, entity: unknown): Value {
  switch (node.type) {
    case "logical": {
      const left = evaluate(node.left, entity) === true;
      if (node.op === "and") return left && evaluate(node.right, entity) === true;
      return left || evaluate(node.right, entity) === true;
    }
    case "not":
      return evaluate(node.operand, entity) !== true;
    case "compare":
      return compare(node.op, evaluate(node.left, entity), evaluate(node.right, entity));
    case "call":
      return callFunction(
        node.name,
        node.args.map((arg) => evaluate(arg, entity)),
      );
    case "literal":
      return literalValue(node.literal);
    case "property":
      return readPath(entity, node.path);
  }
}

function literalValue(literal: LiteralValue): Value {
  switch (literal.kind) {
    case "null":
      return null;
    case "datetime":
      return { datetime: literal.value };
    default:
      return literal.value;
  }
}

function readPath(entity: unknown, path: readonly string[]): Value {
  let current: unknown = entity;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return null;
    current = (current as Record<string, unknown>)[segment];
  }
  if (typeof current === "string" || typeof current === "number" || typeof current === "boolean") return current;
  return null;
}

/** How each operator reads the sign of a three-way comparison. */
const ACCEPTS: Record<ComparisonOp, (order: number) => boolean> = {
  eq: (order) => order === 0,
  ne: (order) => order !== 0,
  gt: (order) => order > 0,
  ge: (order) => order >= 0,
  lt: (order) => order < 0,
  le: (order) => order <= 0,
};

function compare(op: ComparisonOp, left: Value, right: Value): boolean {
  if (left === null || right === null) {
    // OData null semantics: null equals only null and is neither greater nor less than anything.
    if (op === "eq") return left === right;
    if (op === "ne") return left !== right;
    return false;
  }
  const pair = comparable(left, right);
  if (!pair) return op === "ne";
  const [a, b] = pair;
  return ACCEPTS[op](a === b ? 0 : a > b ? 1 : -1);
}

/** Brings two non-null values to one primitive type; datetimes compare as instants. Undefined when incomparable. */
function comparable(left: Value, right: Value): [string, string] | [number, number] | [boolean, boolean] | undefined {
  if (typeof left === "object" || typeof right === "object") {
    const a = toInstant(left);
    const b = toInstant(right);
    return a === undefined || b === undefined ? undefined : [a, b];
  }
  // Same primitive type on both sides: the pair is typed by that type.
  return typeof left === typeof right ? ([left, right] as [string, string] | [number, number] | [boolean, boolean]) : undefined;
}

function toInstant(value: Value): number | undefined {
  if (value !== null && typeof value === "object") return value.datetime;
  if (typeof value !== "string") return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function callFunction(name: string, args: Value[]): boolean {
  const [first, second] = args;
  if (typeof first !== "string" || typeof second !== "string") return false;
  switch (name) {
    case "startswith":
      return first.startsWith(second);
    case "endswith":
      return first.endsWith(second);
    default:
      // OData v3 substringof(needle, haystack)
      return second.includes(first);
  }
}
