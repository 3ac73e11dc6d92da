/**
 * Validates emulator response bodies against the Batch REST contract (BatchService.json, 2022-10-01.16.0).
 *
 * The OpenAPI 2.0 definitions are turned into JSON Schema for ajv:
 * - every object with declared properties becomes closed (`additionalProperties: false`) except for the
 *   `odata.*` annotations, so a property the spec does not define (a typo, an internal field) fails the check;
 * - string enums match case-insensitively, because the real service sends PascalCase where the spec lists
 *   lowercase (TaskAddResult.status "Success" on the wire vs "success" in the spec) and both SDKs accept either;
 * - `x-nullable: true` admits null; `x-ms-*`, `title`, `readOnly` and friends are annotations and are dropped;
 * - formats int32/int64/double/float/uuid/date-time/date-time-rfc1123/duration are checked.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";

export const SPEC_DIR = fileURLToPath(new URL("../fixtures/batch-2022-10-01.16.0/", import.meta.url));

type JsonObject = Record<string, unknown>;

interface OperationResponse {
  /** Undefined when the spec declares no body for this status (201, 202, 204, most 200 actions). */
  validate?: ValidateFunction;
  schemaName?: string;
}

interface SpecIndex {
  responses: Map<string, Map<string, OperationResponse>>;
}

const ANNOTATIONS = new Set(["title", "description", "readOnly", "example", "externalDocs"]);
const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const DURATION =
  /^-?P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$/;
const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i;
const RFC1123 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

let cached: SpecIndex | undefined;

export function loadSpec(): JsonObject {
  return JSON.parse(readFileSync(`${SPEC_DIR}BatchService.json`, "utf8")) as JsonObject;
}

/** Errors of `body` against the response schema of `operationId` for `statusCode`; empty when it conforms. */
export function specErrors(operationId: string, statusCode: number, body: unknown): string[] {
  const response = lookupResponse(operationId, statusCode);
  if (!response.validate) {
    return isEmptyBody(body) ? [] : [`${operationId} ${statusCode} declares no body, got ${JSON.stringify(body).slice(0, 200)}`];
  }
  if (response.validate(body)) return [];
  return (response.validate.errors ?? []).map(
    (error) => `${response.schemaName ?? "body"}${error.instancePath} ${error.message ?? "is invalid"} ${formatParams(error.params)}`,
  );
}

/** Throws with every schema violation listed when `body` is not what the spec says `operationId` returns. */
export function assertMatchesSpec(operationId: string, statusCode: number, body: unknown): void {
  const errors = specErrors(operationId, statusCode, body);
  if (errors.length > 0) {
    throw new Error(`response of ${operationId} (${statusCode}) does not match the spec:\n  ${errors.join("\n  ")}`);
  }
}

/** The operation ids the spec defines (for coverage checks). */
export function specOperationIds(): string[] {
  return [...index().responses.keys()];
}

function lookupResponse(operationId: string, statusCode: number): OperationResponse {
  const byStatus = index().responses.get(operationId);
  if (!byStatus) throw new Error(`the spec has no operation ${operationId}`);
  const response = byStatus.get(String(statusCode)) ?? (statusCode >= 400 ? byStatus.get("default") : undefined);
  if (!response) throw new Error(`the spec declares no ${statusCode} response for ${operationId}`);
  return response;
}

function index(): SpecIndex {
  cached ??= buildIndex(loadSpec());
  return cached;
}

function buildIndex(spec: JsonObject): SpecIndex {
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true });
  addFormats(ajv);
  ajv.addKeyword({
    keyword: "enumIgnoreCase",
    type: "string",
    schemaType: "array",
    validate: (allowed: string[], data: string) => allowed.some((value) => value.toLowerCase() === data.toLowerCase()),
    errors: false,
  });
  ajv.addSchema({ $id: "batch", definitions: toJsonSchema(spec.definitions) }, "batch");
  const responses = new Map<string, Map<string, OperationResponse>>();
  for (const operation of operations(spec)) {
    const byStatus = new Map<string, OperationResponse>();
    for (const [status, response] of Object.entries(asObject(operation.responses))) {
      byStatus.set(status, compileResponse(ajv, asObject(response)));
    }
    responses.set(String(operation.operationId), byStatus);
  }
  return { responses };
}

function compileResponse(ajv: Ajv, response: JsonObject): OperationResponse {
  const schema = response.schema as JsonObject | undefined;
  if (!schema) return {};
  // File and RDP downloads are byte streams, not JSON: there is nothing to validate.
  if (schema.format === "file") return { validate: ajv.compile({}), schemaName: "file" };
  const ref = typeof schema.$ref === "string" ? schema.$ref : undefined;
  const compiled = ref ? { $ref: `batch${ref}` } : (toJsonSchema(schema, true) as JsonObject);
  return { validate: ajv.compile(compiled), schemaName: ref?.split("/").pop() };
}

function* operations(spec: JsonObject): Generator<JsonObject> {
  for (const pathItem of Object.values(asObject(spec.paths))) {
    for (const operation of Object.values(asObject(pathItem))) {
      if (operation !== null && typeof operation === "object" && "operationId" in operation) yield operation as JsonObject;
    }
  }
}

/** OpenAPI 2.0 schema → JSON Schema (see the file comment). `refsToBatch` rewrites local refs for inline schemas. */
function toJsonSchema(node: unknown, refsToBatch = false): unknown {
  if (Array.isArray(node)) return node.map((item: unknown) => toJsonSchema(item, refsToBatch));
  if (node === null || typeof node !== "object") return node;
  const source = node as JsonObject;
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(source)) {
    if (key.startsWith("x-ms-") || ANNOTATIONS.has(key)) continue;
    if (key === "$ref" && typeof value === "string") result.$ref = refsToBatch ? `batch${value}` : value;
    else if (key === "properties") result.properties = mapValues(asObject(value), (child) => toJsonSchema(child, refsToBatch));
    else if (key !== "x-nullable") result[key] = toJsonSchema(value, refsToBatch);
  }
  return adjustSchema(source, result);
}

function adjustSchema(source: JsonObject, result: JsonObject): JsonObject {
  if (Array.isArray(source.enum) && source.type === "string") {
    result.enumIgnoreCase = source.enum;
    delete result.enum;
  }
  if (source["x-nullable"] === true && typeof source.type === "string") result.type = [source.type, "null"];
  if (source.properties && source.additionalProperties === undefined) {
    result.additionalProperties = false;
    result.patternProperties = { "^odata\\.": {} };
  }
  return result;
}

function addFormats(ajv: Ajv): void {
  ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && n >= INT32.min && n <= INT32.max });
  ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat("double", { type: "number", validate: (n: number) => Number.isFinite(n) });
  ajv.addFormat("float", { type: "number", validate: (n: number) => Number.isFinite(n) });
  ajv.addFormat("uuid", UUID);
  ajv.addFormat("date-time", { type: "string", validate: (s: string) => DATE_TIME.test(s) && !Number.isNaN(Date.parse(s)) });
  ajv.addFormat("date-time-rfc1123", RFC1123);
  ajv.addFormat("duration", DURATION);
  ajv.addFormat("byte", /^[A-Za-z0-9+/]*={0,2}$/);
  ajv.addFormat("file", true);
}

function isEmptyBody(body: unknown): boolean {
  return body === undefined || body === null || body === "" || (body instanceof Uint8Array && body.length === 0);
}

function formatParams(params: unknown): string {
  return params && typeof params === "object" && Object.keys(params).length > 0 ? JSON.stringify(params) : "";
}

function asObject(value: unknown): JsonObject {
  return value !== null && typeof value === "object" ? (value as JsonObject) : {};
}

function mapValues(source: JsonObject, map: (value: unknown) => unknown): JsonObject {
  return Object.fromEntries(Object.entries(source).map(([key, value]) => [key, map(value)]));
}

interface PathTemplate {
  method: string;
  segments: string[];
  operationId: string;
}

let templates: PathTemplate[] | undefined;

/** The operation id the spec gives to `method` on `url`'s path (e.g. GET /jobs/j1/tasks → Task_List). */
export function operationIdFor(method: string, url: string): string | undefined {
  templates ??= buildTemplates(loadSpec());
  const parts = new URL(url, "http://host").pathname.split("/").filter((part) => part !== "");
  const upper = method.toUpperCase();
  const match = templates.find(
    (template) =>
      template.method === upper &&
      template.segments.length === parts.length &&
      template.segments.every((segment, i) => segment.startsWith("{") || segment.toLowerCase() === parts[i]?.toLowerCase()),
  );
  return match?.operationId;
}

function buildTemplates(spec: JsonObject): PathTemplate[] {
  const result: PathTemplate[] = [];
  for (const [path, pathItem] of Object.entries(asObject(spec.paths))) {
    for (const [method, operation] of Object.entries(asObject(pathItem))) {
      const operationId = asObject(operation).operationId;
      if (typeof operationId !== "string") continue;
      result.push({ method: method.toUpperCase(), segments: path.split("/").filter((part) => part !== ""), operationId });
    }
  }
  // Literal segments before parameters, so /jobs/{jobId}/tasks never matches a parameter template first.
  return result.sort((a, b) => literalCount(b) - literalCount(a));
}

function literalCount(template: PathTemplate): number {
  return template.segments.filter((segment) => !segment.startsWith("{")).length;
}
