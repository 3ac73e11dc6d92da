/**
 * A subset of the Batch autoscale formula language: enough for the common forms
 *   $TargetDedicatedNodes = 4;
 *   $samples = $PendingTasks.GetSample(TimeInterval_Minute * 5);
 *   $TargetDedicatedNodes = max(0, min(10, avg($samples) / 2));
 *   $NodeDeallocationOption = taskcompletion;
 * Statements `$var = expr` separated by `;` or newlines; numbers, + - * / %, comparisons, && || !,
 * `a ? b : c`, min/max/avg/sum/ceil/floor/round/abs/len/count, TimeInterval_* constants, and the
 * sample methods GetSample / GetSamplePercent / Count on service variables (every sample is the current
 * value: the emulator keeps no metric history).
 */
export type FormulaValue = number | number[] | string;

export class FormulaSyntaxError extends Error {
  override readonly name = "FormulaSyntaxError";
}

export class FormulaEvaluationError extends Error {
  override readonly name = "FormulaEvaluationError";
}

export interface FormulaInputs {
  currentDedicatedNodes: number;
  currentLowPriorityNodes: number;
  targetDedicatedNodes: number;
  targetLowPriorityNodes: number;
  activeTasks: number;
  runningTasks: number;
}

export interface FormulaResult {
  targetDedicatedNodes: number;
  targetLowPriorityNodes: number;
  nodeDeallocationOption: string;
  /** The service's results string: `$TargetDedicatedNodes=2;$TargetLowPriorityNodes=0;...`. */
  results: string;
}

type Token = { kind: "num"; value: number } | { kind: "var" | "ident" | "op"; text: string };

const timeIntervals: Record<string, number> = {
  TimeInterval_Zero: 0,
  TimeInterval_100ns: 0.0001,
  TimeInterval_Microsecond: 0.001,
  TimeInterval_Millisecond: 1,
  TimeInterval_Second: 1000,
  TimeInterval_Minute: 60_000,
  TimeInterval_Hour: 3_600_000,
  TimeInterval_Day: 86_400_000,
  TimeInterval_Week: 604_800_000,
};

const deallocationOptions = new Set(["requeue", "terminate", "taskcompletion", "retaineddata"]);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const pattern =
    /\s*(?:(\/\/[^\n]*)|(\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|(\$[A-Za-z_]\w*)|([A-Za-z_]\w*)|(<=|>=|==|!=|&&|\|\||[-+*/%()<>=!?:;,.\n]))/y;
  let index = 0;
  while (index < text.length) {
    if (/^\s*$/.test(text.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(text);
    if (match === null) throw new FormulaSyntaxError(`unexpected character at position ${index + 1}`);
    index = pattern.lastIndex;
    const [, comment, num, variable, ident, op] = match;
    if (comment !== undefined) continue;
    if (num !== undefined) tokens.push({ kind: "num", value: Number(num) });
    else if (variable !== undefined) tokens.push({ kind: "var", text: variable });
    else if (ident !== undefined) tokens.push({ kind: "ident", text: ident });
    else if (op !== undefined) tokens.push({ kind: "op", text: op === "\n" ? ";" : op });
  }
  return tokens;
}

type Node =
  | { type: "num"; value: number }
  | { type: "var"; name: string }
  | { type: "word"; name: string }
  | { type: "unary"; op: string; operand: Node }
  | { type: "binary"; op: string; left: Node; right: Node }
  | { type: "ternary"; test: Node; then: Node; else: Node }
  | { type: "call"; name: string; args: Node[] }
  | { type: "method"; target: Node; name: string; args: Node[] };

interface Statement {
  variable: string;
  expr: Node;
}

const binaryLevels: readonly (readonly string[])[] = [["||"], ["&&"], ["==", "!=", "<", "<=", ">", ">="], ["+", "-"], ["*", "/", "%"]];

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  program(): Statement[] {
    const statements: Statement[] = [];
    while (this.pos < this.tokens.length) {
      if (this.acceptOp(";")) continue;
      const target = this.next();
      if (target?.kind !== "var") throw new FormulaSyntaxError("expected a $variable at the start of a statement");
      this.expectOp("=");
      statements.push({ variable: target.text, expr: this.expr() });
      if (this.pos < this.tokens.length) this.expectOp(";");
    }
    if (statements.length === 0) throw new FormulaSyntaxError("the formula is empty");
    return statements;
  }

  private expr(): Node {
    const test = this.binary(0);
    if (!this.acceptOp("?")) return test;
    const then = this.expr();
    this.expectOp(":");
    return { type: "ternary", test, then, else: this.expr() };
  }

  private binary(level: number): Node {
    const ops = binaryLevels[level];
    if (ops === undefined) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const token = this.tokens[this.pos];
      if (token?.kind !== "op" || !ops.includes(token.text)) return left;
      this.pos += 1;
      left = { type: "binary", op: token.text, left, right: this.binary(level + 1) };
    }
  }

  private unary(): Node {
    if (this.acceptOp("-")) return { type: "unary", op: "-", operand: this.unary() };
    if (this.acceptOp("!")) return { type: "unary", op: "!", operand: this.unary() };
    let node = this.primary();
    while (this.acceptOp(".")) {
      const name = this.next();
      if (name?.kind !== "ident") throw new FormulaSyntaxError("expected a method name after '.'");
      node = { type: "method", target: node, name: name.text, args: this.args() };
    }
    return node;
  }

  private primary(): Node {
    const token = this.next();
    if (token === undefined) throw new FormulaSyntaxError("unexpected end of formula");
    if (token.kind === "num") return { type: "num", value: token.value };
    if (token.kind === "var") return { type: "var", name: token.text };
    if (token.kind === "ident") {
      if (this.peekOp("(")) return { type: "call", name: token.text, args: this.args() };
      return { type: "word", name: token.text };
    }
    if (token.text === "(") {
      const inner = this.expr();
      this.expectOp(")");
      return inner;
    }
    throw new FormulaSyntaxError(`unexpected '${token.text}'`);
  }

  private args(): Node[] {
    this.expectOp("(");
    const args: Node[] = [];
    if (this.acceptOp(")")) return args;
    do args.push(this.expr());
    while (this.acceptOp(","));
    this.expectOp(")");
    return args;
  }

  private next(): Token | undefined {
    return this.tokens[this.pos++];
  }

  private peekOp(op: string): boolean {
    const token = this.tokens[this.pos];
    return token?.kind === "op" && token.text === op;
  }

  private acceptOp(op: string): boolean {
    if (!this.peekOp(op)) return false;
    this.pos += 1;
    return true;
  }

  private expectOp(op: string): void {
    if (!this.acceptOp(op)) throw new FormulaSyntaxError(`expected '${op}'`);
  }
}

/** Parses a formula; throws FormulaSyntaxError. */
export function parseFormula(text: string): Statement[] {
  return new Parser(tokenize(text)).program();
}

/** Evaluates a formula against the pool's current figures; throws FormulaSyntaxError / FormulaEvaluationError. */
export function evaluateFormula(text: string, inputs: FormulaInputs): FormulaResult {
  const statements = parseFormula(text);
  const vars = new Map<string, FormulaValue>([
    ["$CurrentDedicatedNodes", inputs.currentDedicatedNodes],
    ["$CurrentLowPriorityNodes", inputs.currentLowPriorityNodes],
    ["$TargetDedicatedNodes", inputs.targetDedicatedNodes],
    ["$TargetLowPriorityNodes", inputs.targetLowPriorityNodes],
    ["$NodeDeallocationOption", "requeue"],
    ["$ActiveTasks", inputs.activeTasks],
    ["$RunningTasks", inputs.runningTasks],
    ["$PendingTasks", inputs.activeTasks + inputs.runningTasks],
    ["$SucceededTasks", 0],
    ["$FailedTasks", 0],
    ["$CPUPercent", 0],
    ["$PreemptedNodeCount", 0],
    ["$UsableNodeCount", inputs.currentDedicatedNodes + inputs.currentLowPriorityNodes],
  ]);
  const assigned: string[] = [];
  for (const statement of statements) {
    vars.set(statement.variable, evaluate(statement.expr, vars));
    if (!assigned.includes(statement.variable)) assigned.push(statement.variable);
  }
  const dedicated = nodeCount(vars.get("$TargetDedicatedNodes"), "$TargetDedicatedNodes");
  const lowPriority = nodeCount(vars.get("$TargetLowPriorityNodes"), "$TargetLowPriorityNodes");
  const option = vars.get("$NodeDeallocationOption");
  if (typeof option !== "string" || !deallocationOptions.has(option)) {
    throw new FormulaEvaluationError(`$NodeDeallocationOption must be one of ${[...deallocationOptions].join(", ")}`);
  }
  const fixed = ["$TargetDedicatedNodes", "$TargetLowPriorityNodes", "$NodeDeallocationOption"];
  const shown = [...fixed, ...assigned.filter((v) => !fixed.includes(v))];
  const results = shown
    .map((name) => `${name}=${show(name === fixed[0] ? dedicated : name === fixed[1] ? lowPriority : vars.get(name))}`)
    .join(";");
  return { targetDedicatedNodes: dedicated, targetLowPriorityNodes: lowPriority, nodeDeallocationOption: option, results };
}

function nodeCount(value: FormulaValue | undefined, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new FormulaEvaluationError(`${name} must evaluate to a number`);
  return Math.max(0, Math.floor(value));
}

function show(value: FormulaValue | undefined): string {
  if (Array.isArray(value)) return `[${value.join(",")}]`;
  return String(value);
}

function evaluate(node: Node, vars: Map<string, FormulaValue>): FormulaValue {
  switch (node.type) {
    case "num":
      return node.value;
    case "var":
      return variable(node.name, vars);
    case "word":
      return word(node.name);
    case "unary":
      return unary(node.op, scalar(evaluate(node.operand, vars)));
    case "binary":
      return binary(node.op, evaluate(node.left, vars), evaluate(node.right, vars));
    case "ternary":
      return evaluate(scalar(evaluate(node.test, vars)) !== 0 ? node.then : node.else, vars);
    case "call":
      return call(
        node.name,
        node.args.map((a) => evaluate(a, vars)),
      );
    case "method":
      return method(node.name, evaluate(node.target, vars));
  }
}

/** `-x` negates; `!x` is 1 for zero and 0 otherwise. */
function unary(op: string, operand: number): number {
  return op === "-" ? -operand : Number(operand === 0);
}

function variable(name: string, vars: Map<string, FormulaValue>): FormulaValue {
  const value = vars.get(name);
  if (value === undefined) throw new FormulaEvaluationError(`the variable ${name} is not defined`);
  return value;
}

/** A bare word: a TimeInterval_* constant or a node deallocation option. */
function word(name: string): FormulaValue {
  if (name in timeIntervals) return timeIntervals[name] ?? 0;
  if (deallocationOptions.has(name)) return name;
  throw new FormulaEvaluationError(`unknown identifier ${name}`);
}

function scalar(value: FormulaValue): number {
  if (typeof value === "number") return value;
  if (Array.isArray(value) && value.length === 1 && value[0] !== undefined) return value[0];
  throw new FormulaEvaluationError("expected a number");
}

function binary(op: string, leftValue: FormulaValue, rightValue: FormulaValue): number {
  if (op === "==" || op === "!=") {
    const equal =
      typeof leftValue === "string" || typeof rightValue === "string" ? leftValue === rightValue : scalar(leftValue) === scalar(rightValue);
    return (op === "==") === equal ? 1 : 0;
  }
  const a = scalar(leftValue);
  const b = scalar(rightValue);
  const ops: Record<string, (x: number, y: number) => number> = {
    "+": (x, y) => x + y,
    "-": (x, y) => x - y,
    "*": (x, y) => x * y,
    "/": (x, y) => (y === 0 ? 0 : x / y),
    "%": (x, y) => (y === 0 ? 0 : x % y),
    "<": (x, y) => Number(x < y),
    "<=": (x, y) => Number(x <= y),
    ">": (x, y) => Number(x > y),
    ">=": (x, y) => Number(x >= y),
    "&&": (x, y) => Number(x !== 0 && y !== 0),
    "||": (x, y) => Number(x !== 0 || y !== 0),
  };
  const fn = ops[op];
  if (fn === undefined) throw new FormulaEvaluationError(`unknown operator ${op}`);
  return fn(a, b);
}

function flatten(values: FormulaValue[]): number[] {
  const out: number[] = [];
  for (const value of values) {
    if (typeof value === "string") throw new FormulaEvaluationError("expected numbers");
    if (Array.isArray(value)) out.push(...value);
    else out.push(value);
  }
  return out;
}

const total = (numbers: number[]): number => numbers.reduce((sum, n) => sum + n, 0);

/** The formula functions over their flattened numeric arguments (single-argument ones take the first). */
const functions: Readonly<Record<string, (numbers: number[]) => number>> = {
  min: (numbers) => (numbers.length === 0 ? 0 : Math.min(...numbers)),
  max: (numbers) => (numbers.length === 0 ? 0 : Math.max(...numbers)),
  sum: total,
  avg: (numbers) => (numbers.length === 0 ? 0 : total(numbers) / numbers.length),
  len: (numbers) => numbers.length,
  count: (numbers) => numbers.length,
  ceil: (numbers) => Math.ceil(numbers[0] ?? 0),
  floor: (numbers) => Math.floor(numbers[0] ?? 0),
  round: (numbers) => Math.round(numbers[0] ?? 0),
  abs: (numbers) => Math.abs(numbers[0] ?? 0),
};

function call(name: string, args: FormulaValue[]): number {
  const numbers = flatten(args);
  const fn = Object.hasOwn(functions, name) ? functions[name] : undefined;
  if (fn === undefined) throw new FormulaEvaluationError(`unknown function ${name}`);
  return fn(numbers);
}

function method(name: string, target: FormulaValue): FormulaValue {
  const current = scalar(target);
  switch (name) {
    case "GetSample":
      return [current];
    case "GetSamplePercent":
      return 100;
    case "Count":
      return 1;
    default:
      throw new FormulaEvaluationError(`unknown method ${name}`);
  }
}
