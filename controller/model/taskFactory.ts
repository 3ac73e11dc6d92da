/**
 * Expands a BatchJob's task factory into tasks, lazily: a 100,000-task sweep is generated one task
 * at a time in O(1) memory, and can be resumed at any index (e.g. status.tasksSubmitted).
 * Pure: no I/O, no clock.
 */
import { BATCH_ID_MAX_LENGTH, BATCH_ID_PATTERN } from "./constants.js";
import type { SweepParameter, TaskFactory, TaskSpec, TaskTemplate } from "./job.js";
import type { FieldProblem } from "./problem.js";

/** Upper bound on the tasks one factory may produce, so a typo cannot ask Batch for billions of tasks. */
export const MAX_FACTORY_TASKS = 1_000_000;

type TemplatePart = string | { readonly param: string; readonly width: number };

/**
 * `${...}` (shell syntax) passes through; `{{name}}` is a literal `{name}` (escape, e.g. for awk);
 * `{name}` and `{name:0N}` are placeholders, and a name that is not a parameter is an error.
 */
const PLACEHOLDER = /\$\{[^}]*\}|\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}|\{([A-Za-z_][A-Za-z0-9_]*)(?::0(\d{1,2}))?\}/g;

/** Splits a template into literal text and `{param}` / `{param:0N}` placeholders of known parameters. */
export function parseTemplate(text: string, paramNames: ReadonlySet<string>): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const [whole, escaped, param, width] = match;
    // Shell syntax and unknown names stay literal here; checkTaskFactory reports unknown names.
    if (escaped === undefined && (param === undefined || !paramNames.has(param))) continue;
    if (match.index > last) parts.push(text.slice(last, match.index));
    if (escaped !== undefined) parts.push(`{${escaped}}`);
    else if (param !== undefined) parts.push({ param, width: width === undefined ? 0 : Number(width) });
    last = match.index + whole.length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

/** `{name}` placeholders in `text` that name no parameter (a typo such as `{seeed}`). */
export function unknownPlaceholders(text: string, paramNames: ReadonlySet<string>): string[] {
  const unknown: string[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    const param = match[2];
    if (param !== undefined && !paramNames.has(param)) unknown.push(param);
  }
  return unknown;
}

/** Every string of the template with its field path. */
function* templateStrings(node: unknown, path: string): Generator<[string, string]> {
  if (typeof node === "string") yield [path, node];
  else if (Array.isArray(node)) for (const [i, item] of node.entries()) yield* templateStrings(item, `${path}[${i}]`);
  else if (typeof node === "object" && node !== null)
    for (const [key, child] of Object.entries(node)) yield* templateStrings(child, `${path}.${key}`);
}

function placeholderProblems(template: TaskTemplate, names: ReadonlySet<string>, path: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const [at, text] of templateStrings(template, `${path}.parametricSweep.taskTemplate`)) {
    for (const name of unknownPlaceholders(text, names)) {
      const known = [...names].map((n) => `{${n}}`).join(", ");
      problems.push({
        severity: "error",
        rule: "unknown-placeholder",
        path: at,
        message: `{${name}} is not a sweep parameter (parameters: ${known}); write {{${name}}} for a literal {${name}}`,
      });
    }
  }
  return problems;
}

/** A parameter value as a placeholder shows it: zero-padded to `width` digits, the sign before them. */
export function formatParameter(value: number, width: number): string {
  const digits = String(Math.abs(value)).padStart(width, "0");
  return value < 0 ? `-${digits}` : digits;
}

/** Number of values one parameter takes: start, start+step, ... up to end inclusive. */
export function parameterCount(param: SweepParameter): number {
  if (param.end < param.start) return 0;
  return Math.floor((param.end - param.start) / (param.step ?? 1)) + 1;
}

/** Number of tasks the factory produces, computed without expanding it. */
export function taskFactoryCount(factory: TaskFactory): number {
  return factory.parametricSweep.parameters.reduce((total, param) => total * parameterCount(param), 1);
}

/** The parameter values of the task at `index`; the first parameter varies slowest. */
export function parameterValuesAt(params: readonly SweepParameter[], index: number): Map<string, number> {
  const values = new Map<string, number>();
  let rest = index;
  for (let i = params.length - 1; i >= 0; i--) {
    const param = params[i];
    if (param === undefined) continue;
    const count = parameterCount(param);
    values.set(param.name, param.start + (rest % count) * (param.step ?? 1));
    rest = Math.floor(rest / count);
  }
  return values;
}

/** What a placeholder becomes: `{name:0N}` has width N, `{name}` width 0. */
export type PlaceholderFill = (param: string, width: number) => string;

/** A renderer for one factory: every string of the template is parsed once, then filled per task. */
function compileTemplate(template: TaskTemplate, paramNames: ReadonlySet<string>): (fill: PlaceholderFill) => TaskSpec {
  const cache = new Map<string, TemplatePart[]>();
  const renderString = (text: string, fill: PlaceholderFill): string => {
    let parts = cache.get(text);
    if (parts === undefined) {
      parts = parseTemplate(text, paramNames);
      cache.set(text, parts);
    }
    let out = "";
    for (const part of parts) out += typeof part === "string" ? part : fill(part.param, part.width);
    return out;
  };
  const render = (node: unknown, fill: PlaceholderFill): unknown => {
    if (typeof node === "string") return renderString(node, fill);
    if (Array.isArray(node)) return node.map((item) => render(item, fill));
    if (typeof node !== "object" || node === null) return node;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(node)) out[key] = render(child, fill);
    return out;
  };
  // The template has exactly the TaskSpec shape (minus dependsOn), with placeholders in strings.
  return (fill) => render(template, fill) as TaskSpec;
}

/** The placeholders of the task whose parameters have `values`. */
function fillWith(values: ReadonlyMap<string, number>): PlaceholderFill {
  return (param, width) => formatParameter(values.get(param) ?? 0, width);
}

/** The template with every placeholder filled by `fill`: how core/sweepText.ts compiles a sweep to text. */
export function renderTaskTemplate(factory: TaskFactory, fill: PlaceholderFill): TaskSpec {
  const { parameters, taskTemplate } = factory.parametricSweep;
  return compileTemplate(taskTemplate, new Set(parameters.map((p) => p.name)))(fill);
}

export interface ExpandOptions {
  /** Index of the first task to produce (0-based), e.g. the number of tasks already submitted. */
  readonly fromIndex?: number;
}

/** Lazily yields the factory's tasks in a stable order. */
export function* expandTaskFactory(factory: TaskFactory, options: ExpandOptions = {}): Generator<TaskSpec, void, undefined> {
  const { parameters, taskTemplate } = factory.parametricSweep;
  const render = compileTemplate(taskTemplate, new Set(parameters.map((p) => p.name)));
  const total = taskFactoryCount(factory);
  for (let index = Math.max(0, options.fromIndex ?? 0); index < total; index++) {
    yield render(fillWith(parameterValuesAt(parameters, index)));
  }
}

/** The single task at `index`, without expanding the ones before it. */
export function taskAt(factory: TaskFactory, index: number): TaskSpec | undefined {
  if (index < 0 || index >= taskFactoryCount(factory)) return undefined;
  return renderTaskTemplate(factory, fillWith(parameterValuesAt(factory.parametricSweep.parameters, index)));
}

function maxRenderedLength(parts: readonly TemplatePart[], params: readonly SweepParameter[]): number {
  const widest = (name: string): number => {
    const param = params.find((p) => p.name === name);
    if (param === undefined) return 0;
    return Math.max(String(param.start).length, String(param.end).length);
  };
  return parts.reduce((sum, part) => sum + (typeof part === "string" ? part.length : Math.max(part.width + 1, widest(part.param))), 0);
}

/**
 * Cheap checks that every generated id is valid and unique (case-insensitively) without expanding:
 * literal text must be id characters, every multi-valued parameter must appear in the id, and
 * placeholders must be separated by a non-digit so `{a}{b}` cannot produce 1+11 == 11+1.
 */
export function checkTaskFactory(factory: TaskFactory, path: string): FieldProblem[] {
  const { parameters, taskTemplate } = factory.parametricSweep;
  const idPath = `${path}.parametricSweep.taskTemplate.id`;
  const problems: FieldProblem[] = [];
  const error = (rule: string, at: string, message: string): void => void problems.push({ severity: "error", rule, path: at, message });
  const names = parameters.map((p) => p.name);
  if (new Set(names).size !== names.length)
    error("task-factory-parameters", `${path}.parametricSweep.parameters`, "parameter names must be unique");
  const count = taskFactoryCount(factory);
  if (count > MAX_FACTORY_TASKS)
    error(
      "task-factory-too-large",
      `${path}.parametricSweep.parameters`,
      `the sweep produces ${count} tasks; at most ${MAX_FACTORY_TASKS} are allowed, split the job`,
    );
  problems.push(...placeholderProblems(taskTemplate, new Set(names), path));
  const parts = parseTemplate(taskTemplate.id, new Set(names));
  const literals = parts.filter((part): part is string => typeof part === "string").join("");
  if (!/^[A-Za-z0-9_-]*$/.test(literals))
    error(
      "task-id-format",
      idPath,
      `the id template may only hold letters, digits, '-', '_' and {parameter} placeholders; found "${taskTemplate.id}"`,
    );
  if (maxRenderedLength(parts, parameters) > 64)
    error("task-id-format", idPath, "generated task ids can exceed 64 characters; shorten the id template");
  const used = new Set(parts.flatMap((part) => (typeof part === "string" ? [] : [part.param])));
  for (const param of parameters) {
    if (parameterCount(param) > 1 && !used.has(param.name))
      error("task-id-unique", idPath, `the id template must use parameter {${param.name}}, or generated ids repeat`);
  }
  const adjacent = parts.some((part, i) => typeof part !== "string" && (i === 0 ? false : isDigitJoint(parts[i - 1])));
  if (adjacent)
    error(
      "task-id-unique",
      idPath,
      "separate placeholders in the id template with a non-digit (e.g. {i}-{j}), or generated ids can collide",
    );
  return problems;
}

/** True when the part before a placeholder ends in a digit or is itself a placeholder. */
function isDigitJoint(previous: TemplatePart | undefined): boolean {
  if (previous === undefined) return false;
  return typeof previous !== "string" || /\d$/.test(previous);
}

/** Whether a concrete task id is valid for Batch. */
export function isValidTaskId(id: string): boolean {
  return id.length <= BATCH_ID_MAX_LENGTH && new RegExp(BATCH_ID_PATTERN).test(id);
}
