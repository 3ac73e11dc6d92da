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

function stepIntoSeq(current: Located, index: number): Located | undefined {
  if (!isSeq(current.node)) return undefined;
  const item: unknown = current.node.items[index];
  if (typeof item !== "object" || item === null) return undefined;
  const child = item as Node;
  return { node: child, offset: child.range?.[0] ?? current.offset };
}

function stepIntoMap(current: Located, key: string): Located | undefined {
  if (!isMap(current.node)) return undefined;
  const pair = current.node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
  if (pair === undefined) return undefined;
  // Located at the key: that is the line a reader looks for ("targetDedicatedNode: 2").
  const keyOffset = isScalar(pair.key) ? (pair.key.range?.[0] ?? current.offset) : current.offset;
  return { node: pair.value as Node | null, offset: keyOffset };
}

function step(current: Located, segment: string | number): Located | undefined {
  return typeof segment === "number" ? stepIntoSeq(current, segment) : stepIntoMap(current, segment);
}

/**
 * The 1-based line of the deepest node on `path` that exists in the document: the field itself,
 * or for a missing field the mapping that should hold it.
 */
export function lineOfPath(doc: Document, lineCounter: LineCounter, path: string): number {
  const root = doc.contents as Node | null;
  let current: Located = { node: root, offset: root?.range?.[0] ?? 0 };
  const segments = pathSegments(path);
  for (let index = 0; index < segments.length; index++) {
    const taken = stepDotted(current, segments, index);
    if (taken === undefined) break;
    current = taken.located;
    index += taken.extra;
  }
  return lineCounter.linePos(current.offset).line;
}

/**
 * One step; where no key matches the segment, the key may hold dots itself (a label such as
 * `app.kubernetes.io/name`, split by the path): the shortest run of following segments that, joined by
 * dots, names a key is taken (`extra` = how many segments more than one).
 */
function stepDotted(current: Located, segments: (string | number)[], index: number): { located: Located; extra: number } | undefined {
  const segment = segments[index] as string | number;
  const direct = step(current, segment);
  if (direct !== undefined || typeof segment === "number") return direct && { located: direct, extra: 0 };
  let key = segment;
  for (let end = index + 1; end < segments.length; end++) {
    const next = segments[end];
    if (typeof next !== "string") return undefined;
    key = `${key}.${next}`;
    const joined = stepIntoMap(current, key);
    if (joined !== undefined) return { located: joined, extra: end - index };
  }
  return undefined;
}
