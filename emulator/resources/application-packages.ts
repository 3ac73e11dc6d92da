import { BatchError } from "../http/errors.js";

/**
 * The emulated account has no applications (there is no Batch management plane to upload packages to),
 * so every application package reference names a package that does not exist. The service refuses such
 * references with 409 InvalidApplicationPackageReferences, naming each one.
 */
export function checkApplicationPackageReferences(references: unknown): void {
  if (!Array.isArray(references) || references.length === 0) return;
  const values = references.map((reference: unknown) => {
    const ref = (reference ?? {}) as { applicationId?: unknown; version?: unknown };
    const id = typeof ref.applicationId === "string" ? ref.applicationId : "";
    const version = typeof ref.version === "string" ? `:${ref.version}` : "";
    return { key: `${id}${version}`, value: "The specified application package does not exist." };
  });
  throw new BatchError(
    409,
    "InvalidApplicationPackageReferences",
    "One or more of the specified application package references are invalid.",
    values,
  );
}
