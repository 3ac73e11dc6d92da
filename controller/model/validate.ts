/**
 * Runtime validation of one resource: the JSON schema (unknown fields rejected), the same CEL rules
 * the CRD carries (evaluated with cel-js), and the cheap cross-item checks CEL cannot afford
 * (case-insensitive task-id uniqueness over thousands of tasks).
 */
import type { ErrorObject, ValidateFunction } from "ajv";
import { createAjv } from "./ajv.js";
import { evaluateCelRules } from "./cel.js";
import {
  ACCOUNT_KIND,
  API_VERSION,
  BATCH_ID_PATTERN,
  JOB_KIND,
  MAX_ANNOTATIONS_BYTES,
  MAX_REQUEST_BYTES,
  MAX_TASK_BYTES,
  NAME_PATTERN,
  POOL_KIND,
} from "./constants.js";
import { NAME_RULE } from "./common.js";
import { checkMetadataKeys } from "./metadataKeys.js";
import { BatchAccountSchema } from "./account.js";
import { BatchJobSchema, type BatchJob } from "./job.js";
import { BatchPoolSchema, type BatchPool } from "./pool.js";
import { joinPath, pointerToPath, type FieldProblem } from "./problem.js";
import { checkTaskFactory } from "./taskFactory.js";

const SCHEMAS = { [POOL_KIND]: BatchPoolSchema, [JOB_KIND]: BatchJobSchema, [ACCOUNT_KIND]: BatchAccountSchema } as const;

let validators: Map<string, ValidateFunction> | undefined;

// Compiled on first use rather than at import, so importing the model has no side effects.
function validatorFor(kind: keyof typeof SCHEMAS): ValidateFunction {
  if (validators === undefined) {
    const ajv = createAjv();
    validators = new Map(Object.entries(SCHEMAS).map(([k, schema]) => [k, ajv.compile(schema)]));
  }
  const validator = validators.get(kind);
  if (validator === undefined) throw new Error(`no validator for ${kind}`);
  return validator;
}

/** Plain-language messages for the patterns users meet most. */
const PATTERN_MESSAGES: Record<string, string> = {
  [BATCH_ID_PATTERN]: "may only contain letters, digits, '-' and '_' (Batch id rule)",
  [NAME_PATTERN]: "must be a DNS label: lowercase letters, digits and '-', starting and ending with a letter or digit",
};

/** Size and range limits (Batch's and ours): invalid values, said in plain words. */
const LIMIT_MESSAGES: Record<string, { rule: string; message: (limit: number) => string }> = {
  maxLength: { rule: "invalid-value", message: (n) => `must be at most ${n} characters` },
  maxItems: { rule: "invalid-value", message: (n) => `must have at most ${n} items` },
  maxProperties: { rule: "invalid-value", message: (n) => `must have at most ${n} entries` },
  maximum: { rule: "invalid-value", message: (n) => `must be at most ${n}` },
  minimum: { rule: "invalid-value", message: (n) => `must be at least ${n}` },
};

function otherProblem(error: ErrorObject, path: string, params: Record<string, unknown>): FieldProblem {
  const limit = LIMIT_MESSAGES[error.keyword];
  if (limit !== undefined) return { severity: "error", rule: limit.rule, path, message: limit.message(Number(params.limit)) };
  const message = error.keyword === "const" ? `must be ${String(params.allowedValue)}` : (error.message ?? "is invalid");
  return { severity: "error", rule: "invalid-value", path, message };
}

function describeValue(value: unknown): string {
  return Array.isArray(value) ? value.join(", ") : String(value);
}

/** Maps one ajv error to a problem class: unknown-field, missing-field, wrong-type or invalid-value. */
export function ajvErrorToProblem(error: ErrorObject): FieldProblem {
  const path = pointerToPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  const problem = (rule: string, at: string, message: string): FieldProblem => ({ severity: "error", rule, path: at, message });
  switch (error.keyword) {
    case "additionalProperties": {
      const field = String(params.additionalProperty);
      return problem("unknown-field", joinPath(path, field), `unknown field "${field}"`);
    }
    case "required": {
      const field = String(params.missingProperty);
      return problem("missing-field", joinPath(path, field), `required field "${field}" is missing`);
    }
    case "type":
      return problem("wrong-type", path, `must be of type ${describeValue(params.type)}`);
    case "enum":
      return problem("invalid-value", path, `must be one of: ${describeValue(params.allowedValues)}`);
    case "pattern":
      return problem("invalid-value", path, PATTERN_MESSAGES[String(params.pattern)] ?? error.message ?? "is invalid");
    default:
      return otherProblem(error, path, params);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

interface TaskIdEntry {
  readonly id: string;
  readonly dependsOn: readonly string[];
}

/** The ids (and dependencies) of explicit tasks, read defensively so the check runs even when other fields are invalid. */
function taskIdEntries(obj: Record<string, unknown>): (TaskIdEntry | undefined)[] {
  const spec = isRecord(obj.spec) ? obj.spec : {};
  const tasks = Array.isArray(spec.tasks) ? (spec.tasks as unknown[]) : [];
  return tasks.map((task) => {
    if (!isRecord(task) || typeof task.id !== "string") return undefined;
    const deps =
      isRecord(task.dependsOn) && Array.isArray(task.dependsOn.taskIds)
        ? task.dependsOn.taskIds.filter((d): d is string => typeof d === "string")
        : [];
    return { id: task.id, dependsOn: deps };
  });
}

/** Task ids are unique per job, case-insensitively (Batch rule); dependsOn must name a task of the job. */
function checkExplicitTasks(obj: Record<string, unknown>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const entries = taskIdEntries(obj);
  const seen = new Map<string, number>();
  entries.forEach((entry, index) => {
    if (entry === undefined) return;
    const key = entry.id.toLowerCase();
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    else
      problems.push({
        severity: "error",
        rule: "task-id-unique",
        path: `spec.tasks[${index}].id`,
        message: `task id "${entry.id}" repeats spec.tasks[${first}].id (ids are case-insensitive)`,
      });
  });
  entries.forEach((entry, index) => {
    for (const dep of entry?.dependsOn ?? []) {
      if (!seen.has(dep.toLowerCase()))
        problems.push({
          severity: "error",
          rule: "task-depends-on-missing",
          path: `spec.tasks[${index}].dependsOn.taskIds`,
          message: `depends on task "${dep}", which the job does not define`,
        });
    }
  });
  return problems;
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");
}

/**
 * Sizes Batch and Kubernetes refuse: a task must fit in one addtaskcollection request (1 MiB), and
 * annotations in Kubernetes' 256 KiB. Checked on the raw object, so they report even beside other errors.
 */
function checkSizes(obj: Record<string, unknown>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const metadata = isRecord(obj.metadata) ? obj.metadata : {};
  if (isRecord(metadata.annotations) && jsonBytes(metadata.annotations) > MAX_ANNOTATIONS_BYTES) {
    problems.push({
      severity: "error",
      rule: "too-large",
      path: "metadata.annotations",
      message: `annotations take ${jsonBytes(metadata.annotations)} bytes; Kubernetes allows ${MAX_ANNOTATIONS_BYTES}`,
    });
  }
  const spec = isRecord(obj.spec) ? obj.spec : {};
  const tasks = Array.isArray(spec.tasks) ? (spec.tasks as unknown[]) : [];
  tasks.forEach((task, index) => {
    const bytes = jsonBytes(task);
    if (bytes > MAX_TASK_BYTES)
      problems.push({
        severity: "error",
        rule: "too-large",
        path: `spec.tasks[${index}]`,
        message: `the task is ${bytes} bytes; a Batch request carries at most ${MAX_REQUEST_BYTES} (put large inputs in resource files)`,
      });
  });
  const factory =
    isRecord(spec.taskFactory) && isRecord(spec.taskFactory.parametricSweep) ? spec.taskFactory.parametricSweep.taskTemplate : undefined;
  if (factory !== undefined && jsonBytes(factory) > MAX_TASK_BYTES) {
    problems.push({
      severity: "error",
      rule: "too-large",
      path: "spec.taskFactory.parametricSweep.taskTemplate",
      message: `each generated task is over ${jsonBytes(factory)} bytes; a Batch request carries at most ${MAX_REQUEST_BYTES}`,
    });
  }
  return problems;
}

/**
 * The name rule sits at the root (CRDs may not constrain metadata), but it is about metadata.name;
 * located there, it is not reported twice next to the schema's own check of the name.
 */
function locateNameRule(problem: FieldProblem): FieldProblem {
  return problem.rule === NAME_RULE.id ? { ...problem, path: "metadata.name" } : problem;
}

function checkFactory(job: BatchJob): FieldProblem[] {
  const factory = job.spec.taskFactory;
  return factory === undefined ? [] : checkTaskFactory(factory, "spec.taskFactory");
}

/**
 * Validates one BatchPool, BatchJob or BatchAccount object and returns every problem with its field path.
 * An empty list means the resource is valid (and may be treated as `BatchPool | BatchJob`).
 */
export function validateResource(obj: unknown): FieldProblem[] {
  if (!isRecord(obj)) return [{ severity: "error", rule: "wrong-type", path: "", message: "a resource must be a mapping" }];
  const kind = obj.kind;
  if (kind !== POOL_KIND && kind !== JOB_KIND && kind !== ACCOUNT_KIND) {
    return [
      { severity: "error", rule: "invalid-value", path: "kind", message: `kind must be ${POOL_KIND}, ${JOB_KIND} or ${ACCOUNT_KIND}` },
    ];
  }
  const validate = validatorFor(kind);
  const schemaProblems = validate(obj) ? [] : (validate.errors ?? []).map(ajvErrorToProblem);
  // Checked on the raw object, so they report even beside schema errors.
  const rawProblems = [...checkMetadataKeys(obj.metadata), ...checkSizes(obj), ...(kind === JOB_KIND ? checkExplicitTasks(obj) : [])];
  // CEL rules can only run on well-typed values; on a schema error the schema problem says enough.
  if (schemaProblems.length > 0) {
    const celProblems = evaluateCelRules(SCHEMAS[kind], obj, { reportEvaluationErrors: false }).map(locateNameRule);
    const reported = new Set(schemaProblems.map((p) => p.path));
    return [...schemaProblems, ...celProblems.filter((p) => !reported.has(p.path)), ...rawProblems];
  }
  const celProblems = evaluateCelRules(SCHEMAS[kind], obj).map(locateNameRule);
  // Schema-valid from here on, so the object has the BatchJob shape.
  if (kind === JOB_KIND) return [...celProblems, ...rawProblems, ...checkFactory(obj as unknown as BatchJob)];
  return [...celProblems, ...rawProblems];
}

/** True for a valid object of the given kind; narrows its type. */
export function isValidPool(obj: unknown): obj is BatchPool {
  return isRecord(obj) && obj.kind === POOL_KIND && obj.apiVersion === API_VERSION && validateResource(obj).length === 0;
}

export function isValidJob(obj: unknown): obj is BatchJob {
  return isRecord(obj) && obj.kind === JOB_KIND && obj.apiVersion === API_VERSION && validateResource(obj).length === 0;
}
