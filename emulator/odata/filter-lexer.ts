/** Tokens of the OData v3 $filter subset that Batch and its SDKs use. */
export type Token =
  | { kind: "string"; value: string; pos: number }
  | { kind: "number"; value: number; pos: number }
  | { kind: "datetime"; value: number; text: string; pos: number }
  | { kind: "word"; value: string; pos: number } // identifiers, property paths, keywords, true/false/null
  | { kind: "("; pos: number }
  | { kind: ")"; pos: number }
  | { kind: ","; pos: number }
  | { kind: "end"; pos: number };

/** Thrown by the lexer and parser; the public API wraps it into ODataQueryError. */
export class FilterSyntaxError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(`${message} at position ${pos}`);
  }
}

const WORD_START = /[A-Za-z_$]/;
const WORD_PART = /[A-Za-z0-9_$/.]/;
const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?[LlMmDdFf]?/;

const WHITESPACE = new Set([" ", "\t", "\n", "\r"]);
const PUNCTUATION = new Set(["(", ")", ","]);

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < text.length) pos = readToken(text, pos, tokens);
  tokens.push({ kind: "end", pos });
  return tokens;
}

/** Reads the token starting at `pos` (or skips whitespace); returns the index after it. */
function readToken(text: string, pos: number, tokens: Token[]): number {
  const ch = text.charAt(pos);
  if (WHITESPACE.has(ch)) return pos + 1;
  if (PUNCTUATION.has(ch)) {
    tokens.push({ kind: ch as "(" | ")" | ",", pos });
    return pos + 1;
  }
  if (ch === "'") {
    const { value, end } = readQuoted(text, pos);
    tokens.push({ kind: "string", value, pos });
    return end;
  }
  if (/[-\d]/.test(ch)) return readNumber(text, pos, tokens);
  if (WORD_START.test(ch)) return readWord(text, pos, tokens);
  throw new FilterSyntaxError(`unexpected character '${ch}'`, pos);
}

/** Reads '...' with '' as an escaped quote; returns the unescaped value and the index after the closing quote. */
function readQuoted(text: string, start: number): { value: string; end: number } {
  let value = "";
  let pos = start + 1;
  while (pos < text.length) {
    const ch = text.charAt(pos);
    if (ch === "'") {
      if (text.charAt(pos + 1) !== "'") return { value, end: pos + 1 };
      value += "'";
      pos += 2;
    } else {
      value += ch;
      pos++;
    }
  }
  throw new FilterSyntaxError("unterminated string literal", start);
}

function readNumber(text: string, start: number, tokens: Token[]): number {
  const match = NUMBER.exec(text.slice(start));
  if (!match) throw new FilterSyntaxError("invalid number", start);
  tokens.push({ kind: "number", value: Number(match[0].replace(/[LlMmDdFf]$/, "")), pos: start });
  return start + match[0].length;
}

function readWord(text: string, start: number, tokens: Token[]): number {
  let pos = start;
  while (pos < text.length && WORD_PART.test(text.charAt(pos))) pos++;
  const word = text.slice(start, pos);
  // datetime'2024-01-01T00:00:00Z' is one literal: a keyword immediately followed by a quoted string.
  if (word.toLowerCase() === "datetime" && text.charAt(pos) === "'") {
    const { value, end } = readQuoted(text, pos);
    tokens.push({ kind: "datetime", value: parseDateTime(value, start), text: value, pos: start });
    return end;
  }
  tokens.push({ kind: "word", value: word, pos: start });
  return pos;
}

function parseDateTime(value: string, pos: number): number {
  // OData v3 datetime literals may omit the zone; Batch treats them as UTC.
  const withZone = /([zZ]|[+-]\d\d:\d\d)$/.test(value) ? value : `${value}Z`;
  const ms = Date.parse(withZone);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(value) || Number.isNaN(ms)) {
    throw new FilterSyntaxError(`invalid datetime literal '${value}'`, pos);
  }
  return ms;
}
