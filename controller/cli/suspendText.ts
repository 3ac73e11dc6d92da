/**
 * `spec.suspend` set or removed as a text edit of the one line (or JSON member) concerned, at the offsets
 * the yaml parser gives: everything else in the file stays byte for byte as written (flow collections,
 * comment spacing, the other documents, a JSON file's layout). Resume removes the line `suspend` added; a
 * `suspend:` line carrying a comment keeps it and only its value changes.
 */
import { isPair, isScalar, type Pair, type YAMLMap } from "yaml";

type Range = [number, number, number];

export function editSuspendText(text: string, spec: YAMLMap, suspend: boolean, json: boolean): string {
  const pair = spec.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === "suspend");
  if (pair !== undefined) return suspend ? setValue(text, pair, "true") : removePair(text, spec, pair);
  return suspend ? addPair(text, spec, json) : text;
}

function rangeOf(node: unknown): Range {
  const range = (node as { range?: Range } | null)?.range;
  if (range === undefined) throw new Error("the yaml parser gave no source range");
  return range;
}

function setValue(text: string, pair: Pair, value: string): string {
  const [start, end] = rangeOf(pair.value);
  return text.slice(0, start) + value + text.slice(end);
}

function lineEnd(text: string, offset: number): number {
  const end = text.indexOf("\n", offset);
  return end === -1 ? text.length : end;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

function removePair(text: string, spec: YAMLMap, pair: Pair): string {
  const [keyStart] = rangeOf(pair.key);
  const [, valueEnd] = rangeOf(pair.value);
  if (!spec.flow) {
    // A comment on the line is the user's: keep it, with the value written out instead.
    if (text.slice(valueEnd, lineEnd(text, valueEnd)).includes("#")) return setValue(text, pair, "false");
    const start = lineStart(text, keyStart);
    return text.slice(0, Math.max(0, start - 1)) + text.slice(lineEnd(text, valueEnd));
  }
  const index = spec.items.indexOf(pair);
  const previous = spec.items[index - 1];
  if (previous !== undefined) return text.slice(0, rangeOf(previous.value ?? previous.key)[1]) + text.slice(valueEnd);
  const next = spec.items[index + 1];
  if (next !== undefined) return text.slice(0, keyStart) + text.slice(rangeOf(next.key)[0]);
  return text.slice(0, keyStart) + text.slice(valueEnd);
}

function addPair(text: string, spec: YAMLMap, json: boolean): string {
  const first = spec.items[0];
  const last = spec.items[spec.items.length - 1];
  const key = json ? '"suspend"' : "suspend";
  if (first === undefined || last === undefined) {
    const [start, end] = rangeOf(spec);
    return `${text.slice(0, start)}{ ${key}: true }${text.slice(end)}`;
  }
  const firstKey = rangeOf(first.key)[0];
  const indent = " ".repeat(firstKey - lineStart(text, firstKey));
  const lastEnd = rangeOf(last.value ?? last.key)[1];
  if (!spec.flow) {
    // A nested block ends at the start of the next line: step back onto its own last line first.
    let end = lastEnd;
    while (end > 0 && /\s/.test(text[end - 1] ?? "")) end--;
    const at = lineEnd(text, end);
    return `${text.slice(0, at)}\n${indent}${key}: true${text.slice(at)}`;
  }
  const multiline = text.slice(rangeOf(spec)[0], firstKey).includes("\n");
  return `${text.slice(0, lastEnd)}${multiline ? `,\n${indent}` : ", "}${key}: true${text.slice(lastEnd)}`;
}
