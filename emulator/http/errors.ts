/**
 * Errors as the service reports them: an HTTP status, a Batch error code, a message and optional
 * key/value details. Handlers throw `BatchError`; the server turns it into the OData error body.
 */
export interface ErrorDetail {
  key: string;
  value: string;
}

/** Service messages for the codes the emulator uses (from the Batch status and error code list). */
const messages: Record<string, string> = {
  AuthenticationFailed:
    "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.",
  ConditionNotMet: "The condition specified using HTTP conditional header(s) is not met.",
  InvalidHeaderValue: "The value for one of the HTTP headers is not in the correct format.",
  InvalidPropertyValue: "The value provided for one of the properties in the request body is invalid.",
  InvalidQueryParameterValue: "Value for one of the query parameters specified in the request URI is invalid.",
  InvalidRequestBody: "The specified Request Body is not syntactically valid.",
  InvalidAutoScalingSettings: "The specified autoscale settings are not valid.",
  AutoScalingFormulaSyntaxError: "The specified autoscale formula has a syntax error.",
  MissingRequiredProperty: "A required property was not specified in the request body.",
  MissingRequiredQueryParameter: "A query parameter that's mandatory for this request is not specified.",
  MultipleConditionHeadersNotSupported: "Multiple condition headers are not supported.",
  OutOfRangeQueryParameterValue: "The value for one of the query parameters specified in the request URI is out of range.",
  UnsupportedProperty: "One of the properties specified in the request body is not supported.",
  UnsupportedRequestVersion: "The specified Request Version is not supported.",
  RequestBodyTooLarge: "The request body is too large and exceeds the maximum permissible limit.",
  ResourceNotFound: "The specified resource does not exist.",
  InvalidUri: "The requested URI does not represent any resource on the server.",
  PoolNotFound: "The specified pool does not exist.",
  PoolExists: "The specified pool already exists.",
  PoolBeingDeleted: "The specified pool has been marked for deletion and is being reclaimed.",
  PoolBeingResized: "The specified pool is currently being resized.",
  NodeNotFound: "The specified node does not exist.",
  JobNotFound: "The specified job does not exist.",
  JobExists: "The specified job already exists.",
  TaskNotFound: "The specified task does not exist.",
  TaskExists: "The specified task already exists.",
  OperationInvalidForCurrentState: "The specified operation is not valid for the current state of the resource.",
  TooManyEnableAutoScaleRequests: "Too many requests to enable autoscale have been issued for this pool within the last 30 seconds.",
  TooManyRequests: "The server has received too many requests from this account. Retry after the interval given in Retry-After.",
  ServerBusy: "The server is currently unable to receive requests. Please retry your request.",
  InternalError: "The server encountered an internal error. Please retry the request.",
  OperationTimedOut: "Operation could not be completed within the specified time.",
};

export class BatchError extends Error {
  override readonly name = "BatchError";

  /** Extra response headers, e.g. Retry-After on throttling (withHeaders). */
  readonly headers: Record<string, string> = {};

  constructor(
    readonly status: number,
    readonly code: string,
    message?: string,
    readonly values: ErrorDetail[] = [],
  ) {
    super(message ?? messages[code] ?? code);
  }

  /** Adds response headers (Retry-After...) and returns this error, for `throw new BatchError(…).withHeaders(…)`. */
  withHeaders(headers: Record<string, string>): this {
    Object.assign(this.headers, headers);
    return this;
  }
}

export function isBatchError(value: unknown): value is BatchError {
  return value instanceof BatchError;
}

/** Shorthands for the errors handlers raise most. */
export const errors = {
  notFound: (code: string): BatchError => new BatchError(404, code),
  exists: (code: string): BatchError => new BatchError(409, code),
  conflict: (code: string, message?: string): BatchError => new BatchError(409, code, message),
  missingProperty: (name: string): BatchError =>
    new BatchError(400, "MissingRequiredProperty", undefined, [{ key: "PropertyName", value: name }]),
  invalidProperty: (name: string, value: unknown, reason?: string): BatchError =>
    new BatchError(400, "InvalidPropertyValue", undefined, [
      { key: "PropertyName", value: name },
      { key: "PropertyValue", value: typeof value === "string" ? value : (JSON.stringify(value) ?? "") },
      ...(reason === undefined ? [] : [{ key: "Reason", value: reason }]),
    ]),
  invalidQuery: (name: string, value: string, reason?: string): BatchError =>
    new BatchError(400, "InvalidQueryParameterValue", undefined, [
      { key: "QueryParameterName", value: name },
      { key: "QueryParameterValue", value },
      ...(reason === undefined ? [] : [{ key: "Reason", value: reason }]),
    ]),
  authenticationFailed: (detail: string, status = 403): BatchError =>
    new BatchError(status, "AuthenticationFailed", undefined, [{ key: "AuthenticationErrorDetail", value: detail }]),
};
