/**
 * Runtime validation of one resource: the JSON schema (unknown fields rejected), the same CEL rules
 * the CRD carries (evaluated with cel-js), and the cheap cross-item checks CEL cannot afford
 * (case-insensitive task-id uniqueness over thousands of tasks).
 */
import type { ErrorObject, ValidateFunction } from "ajv";
import { createAjv } from "./ajv.js";
import { evaluateCelRules } from "./cel.js";
import { API_VERSION, JOB_KIND, POOL_KIND } from "./constants.js";
import { BatchJobSchema, type BatchJob } from "./job.js";
import { BatchPoolSchema, type BatchPool } from "./pool.js";
import { joinPath, pointerToPath, type FieldProblem } from "./problem.js";
import { checkTaskFactory } from "./taskFactory.js";

const SCHEMAS = { [POOL_KIND]: BatchPoolSchema, [JOB_KIND]: BatchJobSchema } as const;

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
    case "const":
      return problem("invalid-value", path, `must be ${String(params.allowedValue)}`);
    default:
      return problem("invalid-value", path, error.message ?? "is invalid");
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Task ids are unique per job, case-insensitively (Batch rule); dependsOn must name a task of the job. */
function checkExplicitTasks(job: BatchJob): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const tasks = job.spec.tasks ?? [];
  const seen = new Map<string, number>();
  tasks.forEach((task, index) => {
    const key = task.id.toLowerCase();
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    else problems.push({ severity: "error", rule: "task-id-unique", path: `spec.tasks[${index}].id`, message: `task id "${task.id}" repeats spec.tasks[${first}].id (ids are case-insensitive)` });
  });
  tasks.forEach((task, index) => {
    for (const dep of task.dependsOn?.taskIds ?? []) {
      if (!seen.has(dep.toLowerCase())) problems.push({ severity: "error", rule: "task-depends-on-missing", path: `spec.tasks[${index}].dependsOn.taskIds`, message: `depends on task "${dep}", which the job does not define` });
    }
  });
  return problems;
}

function checkJob(job: BatchJob): FieldProblem[] {
  const factory = job.spec.taskFactory;
  return [...checkExplicitTasks(job), ...(factory === undefined ? [] : checkTaskFactory(factory, "spec.taskFactory"))];
}

/**
 * Validates one BatchPool or BatchJob object and returns every problem with its field path.
 * An empty list means the resource is valid (and may be treated as `BatchPool | BatchJob`).
 */
export function validateResource(obj: unknown): FieldProblem[] {
  if (!isRecord(obj)) return [{ severity: "error", rule: "wrong-type", path: "", message: "a resource must be a mapping" }];
  const kind = obj.kind;
  if (kind !== POOL_KIND && kind !== JOB_KIND) {
    return [{ severity: "error", rule: "invalid-value", path: "kind", message: `kind must be ${POOL_KIND} or ${JOB_KIND}` }];
  }
  const validate = validatorFor(kind);
  const schemaProblems = validate(obj) ? [] : (validate.errors ?? []).map(ajvErrorToProblem);
  // CEL rules can only run on well-typed values; on a schema error the schema problem says enough.
  if (schemaProblems.length > 0) return [...schemaProblems, ...evaluateCelRules(SCHEMAS[kind], obj, { reportEvaluationErrors: false })];
  const celProblems = evaluateCelRules(SCHEMAS[kind], obj);
  if (kind === JOB_KIND) return [...celProblems, ...checkJob(obj as BatchJob)];
  return celProblems;
}

/** True for a valid object of the given kind; narrows its type. */
export function isValidPool(obj: unknown): obj is BatchPool {
  return isRecord(obj) && obj.kind === POOL_KIND && obj.apiVersion === API_VERSION && validateResource(obj).length === 0;
}

export function isValidJob(obj: unknown): obj is BatchJob {
  return isRecord(obj) && obj.kind === JOB_KIND && obj.apiVersion === API_VERSION && validateResource(obj).length === 0;
}
