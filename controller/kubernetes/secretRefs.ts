/**
 * Finds the Secret references in a resource's spec, so a changed Secret can be mapped back to the
 * resources that use it. The model names every reference `…SecretRef` ({ name, key }); walking the
 * spec generically keeps this in step with the model as it grows.
 */
export interface FoundSecretRef {
  readonly name: string;
  readonly key: string;
  /** Field path of the reference, e.g. `spec.containerConfiguration.containerRegistries[0].passwordSecretRef`. */
  readonly path: string;
}

export function findSecretRefs(spec: unknown, path = "spec"): FoundSecretRef[] {
  if (Array.isArray(spec)) {
    return spec.flatMap((item, index) => findSecretRefs(item, `${path}[${index}]`));
  }
  if (typeof spec !== "object" || spec === null) {
    return [];
  }
  return Object.entries(spec).flatMap(([field, value]) => {
    const fieldPath = `${path}.${field}`;
    const ref = asSecretRef(field, value);
    return ref === undefined ? findSecretRefs(value, fieldPath) : [{ ...ref, path: fieldPath }];
  });
}

function asSecretRef(field: string, value: unknown): { name: string; key: string } | undefined {
  if (!/secretref$/i.test(field) || typeof value !== "object" || value === null) {
    return undefined;
  }
  const { name, key } = value as { name?: unknown; key?: unknown };
  return typeof name === "string" && typeof key === "string" ? { name, key } : undefined;
}
