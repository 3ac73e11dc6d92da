/** Finds the source line of a field path (`spec.tasks[3].id`) inside a parsed YAML document. */
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from "yaml";

/** Splits `spec.tasks[3].id` into ["spec", "tasks", 3, "id"]. */
export function pathSegments(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (match[2] !== undefined) segments.push(Number(match[2]));
    else if (match[1] !== undefined) segments.push(match[1]);
  }
  return segments;
}

interface Located {
  node: Node | null;
  offset: number;
}

function step(current: Located, segment: string | number): Located | undefined {
  const { node } = current;
  if (isSeq(node) && typeof segment === "number") {
    const item = node.items[segment];
    if (item === undefined || item === null || typeof item !== "object") return undefined;
    const child = item as Node;
    return { node: child, offset: child.range?.[0] ?? current.offset };
  }
  if (!isMap(node)) return undefined;
  const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
  if (pair === undefined) return undefined;
  const keyOffset = isScalar(pair.key) ? (pair.key.range?.[0] ?? current.offset) : current.offset;
  const value = pair.value as Node | null;
  return { node: value, offset: keyOffset };
}

/**
 * The 1-based line of the deepest node on `path` that exists in the document: the field itself,
 * or for a missing field the mapping that should hold it.
 */
export function lineOfPath(doc: Document, lineCounter: LineCounter, path: string): number {
  const root = doc.contents as Node | null;
  let current: Located = { node: root, offset: root?.range?.[0] ?? 0 };
  for (const segment of pathSegments(path)) {
    const next = step(current, segment);
    if (next === undefined) break;
    current = next;
  }
  return lineCounter.linePos(current.offset).line;
}
