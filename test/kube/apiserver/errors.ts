/**
 * Kubernetes `Status` error bodies. Handlers throw `ApiError`; the server turns it into the HTTP response,
 * so every failure reaches client-node as the real server would send it.
 */
import type { FieldCause, ResourceType } from "./types.js";

export type StatusReason =
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Invalid"
  | "Gone"
  | "Expired"
  | "BadRequest"
  | "MethodNotAllowed"
  | "UnsupportedMediaType"
  | "Forbidden"
  | "Unauthorized"
  | "InternalError"
  | "ServiceUnavailable"
  | "TooManyRequests"
  | "Timeout";

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: FieldCause[];
  retryAfterSeconds?: number;
}

export interface StatusBody {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure" | "Success";
  message: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  toStatus(): StatusBody {
    const body: StatusBody = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) body.details = this.details;
    return body;
  }
}

/** `batchpools.azurebatch.gitops.dev`, or `secrets` for the core group, as the real messages name a resource. */
export const qualifiedResource = (type: Pick<ResourceType, "plural" | "group">): string =>
  type.group === "" ? type.plural : `${type.plural}.${type.group}`;

/** Same for kinds: `BatchPool.azurebatch.gitops.dev`, or `Secret`. */
const qualifiedKind = (type: Pick<ResourceType, "kind" | "group">): string =>
  type.group === "" ? type.kind : `${type.kind}.${type.group}`;

export const notFound = (type: ResourceType, name: string): ApiError =>
  new ApiError(404, "NotFound", `${qualifiedResource(type)} "${name}" not found`, { name, group: type.group, kind: type.plural });

export const alreadyExists = (type: ResourceType, name: string): ApiError =>
  new ApiError(409, "AlreadyExists", `${qualifiedResource(type)} "${name}" already exists`, { name, group: type.group, kind: type.plural });

export const conflict = (
  type: ResourceType,
  name: string,
  why = "the object has been modified; please apply your changes to the latest version and try again",
): ApiError =>
  new ApiError(409, "Conflict", `Operation cannot be fulfilled on ${qualifiedResource(type)} "${name}": ${why}`, {
    name,
    group: type.group,
    kind: type.plural,
  });

/** 422 with one cause per field, message formatted like apimachinery's `field.ErrorList`. */
export const invalid = (type: ResourceType, name: string, causes: FieldCause[]): ApiError => {
  const list = causes.map((c) => `${c.field}: ${c.message}`);
  const summary = list.length === 1 ? (list[0] ?? "") : `[${list.join(", ")}]`;
  return new ApiError(422, "Invalid", `${qualifiedKind(type)} "${name}" is invalid: ${summary}`, {
    name,
    group: type.group,
    kind: type.kind,
    causes,
  });
};

export const gone = (message: string): ApiError => new ApiError(410, "Expired", message);

export const badRequest = (message: string): ApiError => new ApiError(400, "BadRequest", message);

export const methodNotAllowed = (message = "the server does not allow this method on the requested resource"): ApiError =>
  new ApiError(405, "MethodNotAllowed", message);

export const unsupportedMediaType = (contentType: string, supported: string[]): ApiError =>
  new ApiError(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: ${supported.join(", ")}`,
    {
      causes: [{ reason: "FieldValueNotSupported", field: "Content-Type", message: `unsupported media type: ${contentType}` }],
    },
  );

export const forbidden = (message: string): ApiError => new ApiError(403, "Forbidden", message);

export const unauthorized = (): ApiError => new ApiError(401, "Unauthorized", "Unauthorized");

export const internalError = (message: string): ApiError => new ApiError(500, "InternalError", `Internal error occurred: ${message}`);

/** Reason the real server uses for each status code, for injected errors given only a code. */
export const reasonForCode = (code: number): StatusReason => {
  const byCode: Record<number, StatusReason> = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    410: "Expired",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    503: "ServiceUnavailable",
    504: "Timeout",
  };
  return byCode[code] ?? "InternalError";
};
