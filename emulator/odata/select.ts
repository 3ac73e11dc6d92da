import { ODataQueryError } from "./errors.js";

/** A parsed $select: property name → nested selection (`true` keeps the whole value). */
export type Selection = Map<string, Selection | true>;

const SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses `$select` ("id, state, executionInfo/result"). A path keeps only that nested property;
 * selecting a parent as a whole wins over its sub-paths. Throws ODataQueryError on malformed paths.
 */
export function parseSelect(text: string): Selection {
  const selection: Selection = new Map();
  const items = text.split(",").map((item) => item.trim());
  for (const item of items) {
    const segments = item.split("/");
    if (item === "*") throw selectError(text, "'*' is not supported; list the properties");
    if (segments.some((segment) => !SEGMENT.test(segment))) throw selectError(text, `invalid property path '${item}'`);
    addPath(selection, segments);
  }
  return selection;
}

function addPath(selection: Selection, segments: string[]): void {
  const [head, ...rest] = segments;
  if (head === undefined) return;
  const existing = selection.get(head);
  if (rest.length === 0 || existing === true) {
    selection.set(head, true);
    return;
  }
  const child = existing ?? new Map<string, Selection | true>();
  selection.set(head, child);
  addPath(child, rest);
}

/** Returns a copy of `entity` with only the selected properties (absent ones stay absent). */
export function applySelect<T extends object>(entity: T, selection: Selection): Partial<T> {
  return project(entity as Record<string, unknown>, selection) as Partial<T>;
}

function project(source: Record<string, unknown>, selection: Selection): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [name, nested] of selection) {
    const value = source[name];
    if (value === undefined) continue;
    if (nested === true || value === null || typeof value !== "object") {
      result[name] = value;
    } else if (Array.isArray(value)) {
      result[name] = value.map((item: unknown) =>
        item !== null && typeof item === "object" ? project(item as Record<string, unknown>, nested) : item,
      );
    } else {
      result[name] = project(value as Record<string, unknown>, nested);
    }
  }
  return result;
}

function selectError(text: string, reason: string): ODataQueryError {
  return new ODataQueryError({ parameterName: "$select", parameterValue: text, reason });
}
