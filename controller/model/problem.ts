/** Problems found in manifests: by the schema, the CEL rules, the loader or the Batch-aware rules. */
export type Severity = "error" | "warning";

/** A problem located inside one resource: `path` is a field path such as `spec.tasks[3].id`. */
export interface FieldProblem {
  readonly severity: Severity;
  /** Stable id of the rule or problem class, e.g. `unknown-field`, `pool-scale-exactly-one`. */
  readonly rule: string;
  /** Field path inside the resource; empty for the resource as a whole. */
  readonly path: string;
  readonly message: string;
}

/** A problem located in a file: what `validate` prints, one per line. */
export interface Problem extends FieldProblem {
  readonly file: string;
  readonly line: number;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
}

/** Turns a JSON pointer (`/spec/tasks/0/id`) into a field path (`spec.tasks[0].id`). */
export function pointerToPath(pointer: string): string {
  if (pointer === "") return "";
  return pointer
    .slice(1)
    .split("/")
    .map((raw) => raw.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : path === "" ? segment : `${path}.${segment}`), "");
}

/** Appends a property name or index to a field path. */
export function joinPath(path: string, segment: string | number): string {
  if (typeof segment === "number") return `${path}[${segment}]`;
  return path === "" ? segment : `${path}.${segment}`;
}
