import { FilterSyntaxError, tokenize, type Token } from "./filter-lexer.js";

export type ComparisonOp = "eq" | "ne" | "gt" | "ge" | "lt" | "le";
export type FunctionName = "startswith" | "endswith" | "substringof";

export type LiteralValue =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "boolean"; value: boolean }
  | { kind: "datetime"; value: number }
  | { kind: "null" };

export type FilterNode =
  | { type: "logical"; op: "and" | "or"; left: FilterNode; right: FilterNode }
  | { type: "not"; operand: FilterNode }
  | { type: "compare"; op: ComparisonOp; left: FilterNode; right: FilterNode }
  | { type: "call"; name: FunctionName; args: FilterNode[] }
  | { type: "literal"; literal: LiteralValue }
  | { type: "property"; path: string[] };

const COMPARISONS = new Set<string>(["eq", "ne", "gt", "ge", "lt", "le"]);
const FUNCTIONS: Record<FunctionName, number> = { startswith: 2, endswith: 2, substringof: 2 };
const RESERVED = new Set(["and", "or", "not", ...COMPARISONS]);

/** Parses a $filter expression into a tree whose root yields a boolean. Throws FilterSyntaxError. */
export function parseFilter(text: string): FilterNode {
  const parser = new Parser(tokenize(text));
  const root = parser.parseOr();
  parser.expectEnd();
  requireBoolean(root);
  return root;
}

class Parser {
  #tokens: Token[];
  #index = 0;

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  parseOr(): FilterNode {
    let left = this.parseAnd();
    while (this.#acceptWord("or")) {
      const right = this.parseAnd();
      left = { type: "logical", op: "or", left: requireBoolean(left), right: requireBoolean(right) };
    }
    return left;
  }

  parseAnd(): FilterNode {
    let left = this.parseUnary();
    while (this.#acceptWord("and")) {
      const right = this.parseUnary();
      left = { type: "logical", op: "and", left: requireBoolean(left), right: requireBoolean(right) };
    }
    return left;
  }

  parseUnary(): FilterNode {
    if (this.#acceptWord("not")) return { type: "not", operand: requireBoolean(this.parseUnary()) };
    return this.parseComparison();
  }

  parseComparison(): FilterNode {
    const left = this.parsePrimary();
    const next = this.#peek();
    if (next.kind === "word" && COMPARISONS.has(next.value.toLowerCase())) {
      this.#index++;
      const right = this.parsePrimary();
      return { type: "compare", op: next.value.toLowerCase() as ComparisonOp, left, right };
    }
    return left;
  }

  parsePrimary(): FilterNode {
    const token = this.#next();
    switch (token.kind) {
      case "(": {
        const inner = this.parseOr();
        this.#expect(")");
        return inner;
      }
      case "string":
        return { type: "literal", literal: { kind: "string", value: token.value } };
      case "number":
        return { type: "literal", literal: { kind: "number", value: token.value } };
      case "datetime":
        return { type: "literal", literal: { kind: "datetime", value: token.value } };
      case "word":
        return this.#wordNode(token.value, token.pos);
      default:
        throw new FilterSyntaxError(`unexpected '${token.kind === "end" ? "end of filter" : token.kind}'`, token.pos);
    }
  }

  expectEnd(): void {
    const token = this.#peek();
    if (token.kind !== "end") throw new FilterSyntaxError("unexpected text after the expression", token.pos);
  }

  #wordNode(word: string, pos: number): FilterNode {
    const lower = word.toLowerCase();
    if (lower === "true" || lower === "false") return { type: "literal", literal: { kind: "boolean", value: lower === "true" } };
    if (lower === "null") return { type: "literal", literal: { kind: "null" } };
    if (this.#peek().kind === "(") return this.#call(lower, pos);
    if (RESERVED.has(lower)) throw new FilterSyntaxError(`unexpected keyword '${word}'`, pos);
    const path = word.split("/");
    if (path.some((segment) => segment === "")) throw new FilterSyntaxError(`invalid property path '${word}'`, pos);
    return { type: "property", path };
  }

  #call(name: string, pos: number): FilterNode {
    if (!(name in FUNCTIONS)) throw new FilterSyntaxError(`unknown function '${name}'`, pos);
    const fn = name as FunctionName;
    this.#expect("(");
    const args: FilterNode[] = [this.parseOr()];
    while (this.#peek().kind === ",") {
      this.#index++;
      args.push(this.parseOr());
    }
    this.#expect(")");
    if (args.length !== FUNCTIONS[fn]) throw new FilterSyntaxError(`${fn} takes ${FUNCTIONS[fn]} arguments`, pos);
    return { type: "call", name: fn, args };
  }

  #acceptWord(keyword: string): boolean {
    const token = this.#peek();
    if (token.kind === "word" && token.value.toLowerCase() === keyword) {
      this.#index++;
      return true;
    }
    return false;
  }

  #expect(kind: "(" | ")"): void {
    const token = this.#next();
    if (token.kind !== kind) throw new FilterSyntaxError(`expected '${kind}'`, token.pos);
  }

  #peek(): Token {
    return this.#tokens[this.#index] ?? { kind: "end", pos: 0 };
  }

  #next(): Token {
    const token = this.#peek();
    if (token.kind !== "end") this.#index++;
    return token;
  }
}

/** Rejects operands that can never be boolean (e.g. `'a' and state eq 'active'`). Properties may be boolean-valued. */
function requireBoolean(node: FilterNode): FilterNode {
  const isBoolean = node.type !== "literal" || node.literal.kind === "boolean";
  if (!isBoolean) throw new FilterSyntaxError("expected a boolean expression", 0);
  return node;
}
