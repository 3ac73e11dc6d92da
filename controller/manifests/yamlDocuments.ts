/**
 * Hardened YAML reading: every document of a file as plain JSON data, or located problems. What
 * the yaml package would otherwise accept silently or throw on becomes an error at a line and a
 * field: syntax errors, alias bombs and undefined aliases, unknown tags (`!Ref X` would become the
 * string "X"), duplicate keys, integers above 2^53 (silently rounded as numbers), non-finite
 * numbers, NUL characters, and values of types JSON cannot carry (binary, sets, dates).
 * Every check is linear in the size of the document.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, visit, type Document, type Node, type Scalar } from "yaml";

/** Aliases a document may expand in total; a handful is normal, thousands is an alias bomb. */
export const MAX_ALIAS_EXPANSIONS = 100;
/** JSON numbers above this are not exact in JavaScript (or in the Batch service's JSON parser). */
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A problem inside one YAML document, located by character offset (turned into line and field later). */
export interface YamlProblem {
  readonly rule: string;
  readonly message: string;
  readonly offset: number;
}

export interface YamlDocument {
  readonly doc: Document;
  /** The document as JSON data; undefined when a problem makes its content untrustworthy. */
  readonly value: unknown;
  readonly problems: YamlProblem[];
  /** A syntax, alias, encoding or tag problem: the document's content cannot be trusted at all. */
  readonly broken: boolean;
}

export interface YamlFile {
  readonly documents: YamlDocument[];
  readonly lineCounter: LineCounter;
}

function yamlError(rule: string, message: string, offset: number): YamlProblem {
  return { rule, message, offset };
}

function syntaxProblems(doc: Document): YamlProblem[] {
  return doc.errors.map((error) =>
    // The yaml package appends the position and a code excerpt; the line is reported separately.
    yamlError("yaml-syntax", (error.message.split("\n")[0] ?? "invalid YAML").replace(/ at line \d+, column \d+:?$/, ""), error.pos[0]),
  );
}

function tagProblems(doc: Document): YamlProblem[] {
  return doc.warnings
    .filter((warning) => warning.code === "TAG_RESOLVE_FAILED")
    .map((warning) =>
      yamlError(
        "yaml-tag",
        `${warning.message.split("\n")[0] ?? "unknown tag"}; manifests are plain YAML (no custom tags such as !Ref)`,
        warning.pos[0],
      ),
    );
}

/**
 * Undefined aliases, aliases inside the node they name (`a: &x [*x]` is a value that contains itself,
 * which no manifest can mean and JSON cannot hold), and documents whose aliases would expand more than
 * MAX_ALIAS_EXPANSIONS times.
 */
function aliasProblems(doc: Document): YamlProblem[] {
  const problems: YamlProblem[] = [];
  let first: number | undefined;
  visit(doc, {
    Alias(_key, node, ancestors) {
      first ??= node.range?.[0] ?? 0;
      const target = node.resolve(doc);
      if (target === undefined) {
        problems.push(yamlError("yaml-alias", `alias *${node.source} names no anchor defined before it`, node.range?.[0] ?? 0));
      } else if (ancestors.includes(target)) {
        problems.push(
          yamlError(
            "yaml-alias",
            `alias *${node.source} is inside the value it names (a value that contains itself)`,
            node.range?.[0] ?? 0,
          ),
        );
      }
    },
  });
  if (problems.length > 0 || first === undefined) return problems;
  try {
    doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSIONS });
  } catch {
    problems.push(
      yamlError("yaml-alias", `aliases expand to more than ${MAX_ALIAS_EXPANSIONS} copies (an alias bomb?); write the values out`, first),
    );
  }
  return problems;
}

/** Keys repeated in one mapping; the yaml package's own check is quadratic in the mapping's size. */
function duplicateKeyProblems(doc: Document): YamlProblem[] {
  const problems: YamlProblem[] = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const name = keyName(pair.key);
        if (seen.has(name))
          problems.push(yamlError("duplicate-key", `key "${name}" appears twice in this mapping`, pair.key.range?.[0] ?? 0));
        seen.add(name);
      }
    },
  });
  return problems;
}

/** The offset of the node at `path` inside the document (for value problems found after toJS). */
function offsetOf(doc: Document, path: readonly (string | number)[]): number {
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
  for (const segment of path) {
    const next = childOf(node, segment);
    if (next === undefined) break;
    node = next.node;
    offset = next.offset ?? offset;
  }
  return offset;
}

function childOf(node: unknown, segment: string | number): { node: unknown; offset: number | undefined } | undefined {
  if (typeof segment === "number" && isSeq(node)) {
    const item = node.items[segment] as Node | undefined;
    return item === undefined ? undefined : { node: item, offset: item.range?.[0] };
  }
  if (isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && keyName(p.key) === String(segment));
    if (pair === undefined || !isScalar(pair.key)) return undefined;
    return { node: pair.value, offset: pair.key.range?.[0] };
  }
  return undefined;
}

interface Walk {
  readonly doc: Document;
  readonly problems: YamlProblem[];
}

function valueProblem(walk: Walk, path: (string | number)[], rule: string, message: string): void {
  walk.problems.push(yamlError(rule, message, offsetOf(walk.doc, path)));
}

function normalizeScalar(walk: Walk, value: unknown, path: (string | number)[]): unknown {
  if (typeof value === "bigint") {
    if (value > MAX_SAFE || value < -MAX_SAFE)
      valueProblem(walk, path, "integer-too-large", `${value} is beyond 2^53, the largest integer JSON carries exactly`);
    return Number(value);
  }
  if (typeof value === "number" && !Number.isFinite(value)) valueProblem(walk, path, "invalid-number", `${value} is not a finite number`);
  if (typeof value === "string" && value.includes("\u0000"))
    valueProblem(walk, path, "nul-character", "contains a NUL character (\\0), which Batch cannot store");
  if (value !== null && typeof value === "object")
    valueProblem(
      walk,
      path,
      "yaml-tag",
      `a ${value.constructor.name} value (from a YAML tag such as !!binary or !!set); use plain strings, numbers, lists and mappings`,
    );
  return value;
}

/** Converts to plain JSON data (bigint to number) while reporting what JSON cannot carry. */
function normalize(walk: Walk, value: unknown, path: (string | number)[]): unknown {
  if (Array.isArray(value)) return value.map((item: unknown, index) => normalize(walk, item, [...path, index]));
  if (value instanceof Map || value === null || typeof value !== "object" || Object.getPrototypeOf(value) !== Object.prototype) {
    return normalizeScalar(walk, value, path);
  }
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const childPath = [...path, key];
    if (key.includes("\u0000")) valueProblem(walk, childPath, "nul-character", "a key contains a NUL character");
    // Defined, not assigned: a `__proto__` key stays a key (an unknown field to report), not the prototype.
    Object.defineProperty(out, key, { value: normalize(walk, child, childPath), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function readDocument(doc: Document): YamlDocument {
  const structural = [...syntaxProblems(doc), ...tagProblems(doc), ...aliasProblems(doc)];
  const problems = [...structural, ...duplicateKeyProblems(doc)];
  if (structural.length > 0) return { doc, value: undefined, problems, broken: true };
  const walk: Walk = { doc, problems };
  const value = normalize(walk, doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSIONS }), []);
  return { doc, value, problems, broken: false };
}

/** A mapping key as written: the merge key `<<` is a symbol once parsed (merge keys are on). */
function keyName(key: Scalar): string {
  return typeof key.value === "symbol" ? (key.value.description ?? "") : String(key.value);
}

/** Parses every document of `text`; never throws for bad content. */
export function readYamlDocuments(text: string): YamlFile {
  const lineCounter = new LineCounter();
  // uniqueKeys off: duplicateKeyProblems does the same check in linear time. intAsBigInt: integers
  // above 2^53 arrive exact, so they can be refused instead of silently rounded. merge: `<<: *defaults`
  // merge keys, as kubectl reads them (YAML 1.1), so `validate`, `run` and `kubectl apply` agree.
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: false, intAsBigInt: true, prettyErrors: false, merge: true });
  const list = Array.isArray(docs) ? docs : [docs];
  return { documents: list.map((doc) => readDocument(doc as Document)), lineCounter };
}

/** The field path (`spec.tasks[3].id`) of the deepest node containing `offset`, for locating problems. */
export function pathAtOffset(doc: Document, offset: number): string {
  let node: unknown = doc.contents;
  let path = "";
  for (;;) {
    const next = containing(node, offset);
    if (next === undefined) return path;
    path = typeof next.segment === "number" ? `${path}[${next.segment}]` : path === "" ? next.segment : `${path}.${next.segment}`;
    node = next.node;
  }
}

function startOf(node: unknown): number | undefined {
  return (node as Node | null)?.range?.[0] ?? undefined;
}

/**
 * The child holding `offset`: the last item starting at or before it. Past the end of a collection
 * that is its last item, so an error at the end of the file (an unclosed quote) names the field it began in.
 */
function containing(node: unknown, offset: number): { segment: string | number; node: unknown } | undefined {
  let found: { segment: string | number; node: unknown } | undefined;
  if (isSeq(node)) {
    node.items.forEach((item, index) => {
      const start = startOf(item);
      if (start !== undefined && start <= offset) found = { segment: index, node: item };
    });
  } else if (isMap(node)) {
    for (const pair of node.items) {
      const start = isScalar(pair.key) ? startOf(pair.key) : undefined;
      if (start !== undefined && start <= offset && isScalar(pair.key)) found = { segment: keyName(pair.key), node: pair.value };
    }
  }
  return found;
}
