/**
 * A malformed OData query parameter ($filter, $select, $skiptoken, maxresults).
 * The HTTP layer maps it to the service's 400 error body; `code` is the Batch error code,
 * `parameterName`/`parameterValue`/`reason` become the body's `values` entries.
 */
export type ODataErrorCode = "InvalidQueryParameterValue" | "OutOfRangeQueryParameterValue";

export class ODataQueryError extends Error {
  override readonly name = "ODataQueryError";
  readonly statusCode = 400;
  readonly code: ODataErrorCode;
  readonly parameterName: string;
  readonly parameterValue: string;
  readonly reason: string;

  constructor(options: { parameterName: string; parameterValue: string; reason: string; code?: ODataErrorCode }) {
    const code = options.code ?? "InvalidQueryParameterValue";
    super(
      code === "OutOfRangeQueryParameterValue"
        ? "One of the query parameters specified in the request URI is outside the permissible range."
        : "The value for one of the HTTP query parameters is not in the correct format.",
    );
    this.code = code;
    this.parameterName = options.parameterName;
    this.parameterValue = options.parameterValue;
    this.reason = options.reason;
  }
}

export function isODataQueryError(error: unknown): error is ODataQueryError {
  return error instanceof ODataQueryError || (error instanceof Error && error.name === "ODataQueryError");
}
