/**
 * The spec's own shape of every request body, checked before an operation runs: a required property
 * missing anywhere in the body (an environment setting without `name`, container settings without
 * `imageName`) is MissingRequiredProperty, a value outside an enum (`nodeFillType: "bogus"`) or an object
 * where a list belongs is InvalidPropertyValue, as the service answers. The hand-written checks of each
 * resource (ids, ranges, durations, rules the spec states only in prose) run after this one.
 *
 * Primitive types are not checked here: which of them the service converts (a number for a string) is not
 * documented, and the hand-written checks cover the properties that matter.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { BatchError, errors } from "../http/errors.js";
import { requestDefinitions, requestOperations } from "../spec/batch-api.generated.js";

const SCHEMA_ID = "batch-requests";

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

/**
 * The body of `operationId` against its definition; a required body that is absent is InvalidRequestBody.
 * Tasks are checked one by one where they are built (an addtaskcollection answers per task).
 */
export function checkRequestBody(operationId: string, body: () => unknown): void {
  const operation = requestOperations[operationId];
  if (operation === undefined || operationId === "Task_Add" || operationId === "Task_AddCollection") return;
  const value = body();
  if (value === undefined) {
    if (operation.required) throw new BatchError(400, "InvalidRequestBody");
    return;
  }
  checkRequestShape(operation.definition, value);
}

/** Throws the service's 400 when `body` does not have the shape of `definition` (e.g. TaskAddParameter). */
export function checkRequestShape(definition: string, body: unknown): void {
  const validate = validatorOf(definition);
  if (validate(body)) return;
  throw errorOf((validate.errors ?? [])[0]);
}

function validatorOf(definition: string): ValidateFunction {
  let validate = compiled.get(definition);
  if (validate === undefined) {
    // Compiled on first use: most emulators (one per test) never see most operations.
    ajv ??= createRequestAjv();
    validate = ajv.getSchema(`${SCHEMA_ID}#/definitions/${definition}`);
    if (validate === undefined) throw new Error(`no request schema ${definition}`);
    compiled.set(definition, validate);
  }
  return validate;
}

function createRequestAjv(): Ajv {
  const instance = new Ajv({ strict: false, allErrors: false, validateFormats: false, verbose: true });
  // The service matches enum values whatever their case ("Spread" for "spread").
  instance.addKeyword({
    keyword: "enumIgnoringCase",
    schemaType: "array",
    compile: (values: string[]) => {
      const allowed = new Set(values.map((v) => v.toLowerCase()));
      return (data: unknown) => data === null || (typeof data === "string" && allowed.has(data.toLowerCase()));
    },
  });
  instance.addSchema({ $id: SCHEMA_ID, definitions: lenient(requestDefinitions) }, SCHEMA_ID);
  return instance;
}

/**
 * The definitions as the emulator checks them: enums case-insensitively, object and array types only,
 * and `null` accepted wherever a value is optional (the service reads it as absent).
 */
function lenient(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(lenient);
  if (value === null || typeof value !== "object") return value;
  // A free-form object (an extension's `settings`): the service takes any JSON there, the spec's own example a
  // string of JSON.
  if (isFreeForm(value as Record<string, unknown>)) return {};
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) Object.assign(out, lenientKeyword(key, child));
  return out;
}

function isFreeForm(schema: Record<string, unknown>): boolean {
  return (
    schema.type === "object" && schema.properties === undefined && schema.additionalProperties === undefined && schema.$ref === undefined
  );
}

function lenientKeyword(key: string, child: unknown): Record<string, unknown> {
  // Property names are not keywords: a property may be called `type` (ContainerConfiguration.type).
  if (key === "properties") {
    return {
      properties: Object.fromEntries(Object.entries(child as Record<string, unknown>).map(([name, schema]) => [name, lenient(schema)])),
    };
  }
  if (key === "enum") return { enumIgnoringCase: child };
  if (key === "type") return child === "object" || child === "array" ? { type: [child, "null"] } : {};
  return { [key]: key === "required" ? child : lenient(child) };
}

/** `/resourceFiles/0/httpUrl` as the service names properties: `resourceFiles.httpUrl`. */
function propertyPath(instancePath: string, leaf?: string): string {
  const parts = instancePath.split("/").filter((part) => part !== "" && !/^\d+$/.test(part));
  if (leaf !== undefined) parts.push(leaf);
  return parts.join(".");
}

function errorOf(error: ErrorObject | undefined): Error {
  if (error === undefined) return errors.invalidProperty("body", undefined);
  if (error.keyword === "required") return errors.missingProperty(propertyPath(error.instancePath, String(error.params.missingProperty)));
  return errors.invalidProperty(propertyPath(error.instancePath), error.data);
}
